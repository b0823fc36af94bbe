"""The engine's temporal-gesture controls (Wekinator's DTW): record a take of one gesture,
delete takes, set a set's threshold and inputs, send the following. A part of Engine (a base
class of it); the sets, takes and matching live in mapper.core.gestures."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from mapper.core.gestures import Gestures, GestureTake
from mapper.core.outputs import Output
from mapper.core.state import Mode
from mapper.errors import EngineError


class GestureControls:
    """Gesture numbers are global and 0-based here (set after set); OSC's are 1-based."""

    gestures: Gestures
    outputs: list[Output]
    mode: Mode
    _lock: threading.RLock
    _cancel_take: Callable[[], None]
    stop_recording: Callable[[], None]
    _event: Callable[..., None]

    @property
    def n_sent(self) -> int:
        """How many floats each /wek/outputs carries: the outputs, then every gesture's cost."""
        return len(self.outputs) + self.gestures.count

    def start_gesture_recording(self, g: int) -> None:
        """Record one take of gesture g from the next frame on (stops running and any
        recording of outputs): Wekinator's startDtwRecording."""
        with self._lock:
            self.gestures.locate(g)
            self._cancel_take()
            if self.mode in (Mode.RECORDING, Mode.COUNT_IN):
                self.stop_recording()
            if self.mode is Mode.RECORDING_GESTURE:
                self.stop_gesture_recording()
            self.gestures.start_take(g)
            self.mode = Mode.RECORDING_GESTURE

    def stop_gesture_recording(self) -> GestureTake | None:
        """End the take: the gesture set is ready at once, no training needed. A take of
        fewer than 2 frames is dropped (None), and said."""
        with self._lock:
            if self.mode is not Mode.RECORDING_GESTURE:
                return None
            self.mode = Mode.IDLE
            g = self.gestures.taking
            take = self.gestures.stop_take()
        if take is None:
            self._event("gesture-dropped", f"gesture {g + 1}: a take needs 2 frames or more")
        else:
            self._event("gesture-recorded", f"gesture {g + 1}: {len(take.frames)} frames")
        return take

    def _gesture_take_full(self) -> None:
        """The hot path met a take's longest: stop it (every frame so far is kept)."""
        self.stop_gesture_recording()

    def delete_gesture_examples(self, g: int) -> int:
        """Delete every take of gesture g; returns how many went."""
        return self.gestures.delete_gesture(g)

    def delete_gesture_take(self, take_id: int) -> int:
        return self.gestures.delete_take(take_id)

    def set_dtw_threshold(self, threshold: float, s: int | None = None) -> None:
        """The match threshold of set s (None: every set)."""
        sets = range(len(self.gestures.sets)) if s is None else [s]
        if not sets:
            raise EngineError("this project has no gesture set")
        for k in sets:
            self.gestures.set_threshold(k, threshold)

    def select_dtw_inputs(self, s: int, inputs: Sequence[int]) -> None:
        """Which inputs count for set s's matching."""
        self.gestures.select_inputs(s, inputs)

    def set_dtw_progress(self, on: bool) -> None:
        """Send /mapper/dtw/progress (every gesture's following, 0..1) after each output."""
        if not self.gestures.sets:
            raise EngineError("this project has no gesture set")
        with self._lock:
            self.gestures.send_progress = on
            self.gestures.version += 1
