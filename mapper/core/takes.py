"""A timed take: count in, then record, then stop by itself after `record_for` seconds.

The take keeps its time on its own thread, waiting on its cancel Event, so cancelling (the
musician stops, or starts another take) ends the wait at once and nothing happens after it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Take:
    """One take. `record()` starts the recording round and `stop()` ends it; both are called
    with `lock` held and never after `cancel()`. With no count-in, `start()` records at once;
    with no length (`record_for` 0), the take records until it is stopped.

    `count_in_ends` and `ends` are time.monotonic() instants for a countdown (0: not pending).
    """

    def __init__(
        self,
        count_in: float,
        record_for: float,
        lock: threading.RLock,
        record: Callable[[], None],
        stop: Callable[[], None],
    ) -> None:
        self.count_in = count_in
        self.record_for = record_for
        self.count_in_ends = 0.0
        self.ends = 0.0
        self._lock = lock
        self._record = record
        self._stop = stop
        self._cancelled = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mapper-take", daemon=True)

    def start(self) -> None:
        """Begin the count-in (or the recording, if there is none) and keep the time."""
        with self._lock:
            if self.count_in > 0:
                self.count_in_ends = time.monotonic() + self.count_in
            else:
                self._record()
                if self.record_for > 0:
                    self.ends = time.monotonic() + self.record_for
        self._thread.start()

    def cancel(self) -> None:
        """Forget what is still to come: no recording after a count-in, no stop after a length."""
        self._cancelled.set()
        self.count_in_ends = self.ends = 0.0

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the take's thread to end (stopped by itself, or cancelled); True if ended."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        if self.count_in > 0:
            if self._cancelled.wait(self.count_in):
                return
            with self._lock:
                if self._cancelled.is_set():
                    return
                self.count_in_ends = 0.0
                self._record()
                if self.record_for > 0:
                    self.ends = time.monotonic() + self.record_for
        if self.record_for > 0 and not self._cancelled.wait(self.record_for):
            with self._lock:
                if not self._cancelled.is_set():
                    self._stop()
