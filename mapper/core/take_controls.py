"""The engine's timed takes and transport: count in, record for a while, stop by itself; the
count-in, take length and output smoothing. A part of Engine (a base class of it)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from mapper.core.gestures import GestureTake
from mapper.core.state import Mode
from mapper.core.takes import Take
from mapper.core.transport import Smoother, Transport
from mapper.errors import EngineError


class TakeControls:
    """The TUI's `r` and the transport settings (any thread: under the engine's lock)."""

    mode: Mode
    transport: Transport
    last_outputs: list[float]
    values: list[float]
    _lock: threading.RLock
    _take: Take | None
    _smoother: Smoother
    _begin_round: Callable[[], None]
    stop_recording: Callable[[], None]
    stop_gesture_recording: Callable[[], GestureTake | None]

    def record_take(self) -> None:
        """Record one take as the transport says: count in, then record, then stop by itself
        after `record_for` seconds (or when stopped, if 0). The TUI's `r`."""
        with self._lock:
            self.stop_gesture_recording()  # a gesture's take under way is kept, not mixed in
            self._cancel_take()
            count_in, length = self.transport.count_in, self.transport.record_for
            if count_in <= 0 and length <= 0:
                self._begin_round()
                return
            if count_in > 0:
                self.mode = Mode.COUNT_IN
            self._take = Take(count_in, length, self._lock, self._begin_round, self.stop_recording)
            self._take.start()

    @property
    def count_in_ends(self) -> float:
        """time.monotonic() when the count-in ends (0 unless counting in)."""
        take = self._take
        return take.count_in_ends if take is not None else 0.0

    @property
    def take_ends(self) -> float:
        """time.monotonic() when a timed take stops itself (0: untimed, or no take)."""
        take = self._take
        return take.ends if take is not None else 0.0

    def _cancel_take(self) -> None:
        """Forget a pending count-in or timed stop (lock held)."""
        if self._take is not None:
            self._take.cancel()
            self._take = None

    def set_transport(
        self,
        count_in: float | None = None,
        record_for: float | None = None,
        smoothing: float | None = None,
    ) -> None:
        """Change the count-in, take length or output smoothing (seconds; None = unchanged)."""
        try:
            transport = self.transport.updated(
                count_in=count_in, record_for=record_for, smoothing=smoothing
            )
        except ValueError as e:
            raise EngineError(str(e)) from e
        with self._lock:
            self.transport = transport
            if transport.smoothing != self._smoother.seconds:
                self._smoother.retime(transport.smoothing, self.last_outputs[: len(self.values)])
