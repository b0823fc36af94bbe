"""Temporal gestures (DTW): `space` records a take of the selected gesture and stops it,
`-` and `+` move the selected gesture's set threshold, `f` sends the following out.

Terminals send no key release, only a held key's repeats: the first comes after the
terminal's repeat delay (a quarter to two thirds of a second), then one every few hundredths.
So space works both ways: press, perform, press again (after FIRST_REPEAT) to stop; or hold
it while performing: presses within FIRST_REPEAT of the start, or within LET_GO of the one
before, are its repeats, and the take stops LET_GO after the last of them (the key let go:
LET_GO is several repeat intervals, so a busy moment of the UI is not taken for a let-go).
Repeats of the key that stopped a take never start another.
"""

from __future__ import annotations

import time

from mapper.core.engine import Mode
from tui.actions.base import Actions
from tui.widgets.gestures_panel import GesturesPanel

REPEAT_GAP = 0.15  # seconds: a press sooner than this after the last one is a held key's repeat
FIRST_REPEAT = 0.8  # seconds: a terminal's first repeat comes within this of the press
LET_GO = 0.35  # seconds with no repeat of a held key: it was let go
NO_GESTURES = "this project has no gestures (a new project of type dtw has them)"


def threshold_step(value: float, direction: int) -> float:
    """The next threshold up (direction 1) or down (-1): steps of 0.05 under 1, of 0.1 up to
    3, of 0.5 beyond; never under 0."""

    def step(v: float) -> float:
        return 0.05 if v < 1.0 else 0.1 if v < 3.0 else 0.5

    size = step(value) if direction > 0 else step(value - 1e-9)
    new = round((value + direction * size) / size) * size  # on the grid of its step
    return max(round(new, 2), 0.0)


class GestureActions(Actions):
    """The gestures panel's gesture is the one these keys act on."""

    _last_press = 0.0  # when space was last pressed (a press or a repeat)
    _pressed = 0.0  # when the press that started or stopped a take came
    _key_held = False  # the take under way is being recorded with space held down

    def _gestures(self) -> GesturesPanel | None:
        """The panel, when the project has gestures (else a note says it has none)."""
        if not self.engine.gestures.sets:
            self.notify(NO_GESTURES, severity="warning")
            return None
        return self.query_one(GesturesPanel)

    def action_record_gesture(self) -> None:
        now = time.monotonic()
        gap, self._last_press = now - self._last_press, now
        repeat = (
            gap < (LET_GO if self._key_held else REPEAT_GAP) or now - self._pressed < FIRST_REPEAT
        )
        panel = self._gestures()
        if panel is None:
            return
        e = self.engine
        if e.mode is Mode.RECORDING_GESTURE:
            if repeat:  # held down: the take goes on until the repeats stop
                self._key_held = True
                self.set_timer(LET_GO, self._stop_when_let_go)
                return
            self._pressed = now
            self._try("stop", e.stop_gesture_recording)
            return
        if repeat:  # the key that stopped a take, still down
            return
        self._pressed, self._key_held = now, False
        panel.note_start(panel.selected)
        self._try("record", e.start_gesture_recording, panel.selected)

    def _stop_when_let_go(self) -> None:
        """LET_GO after a repeat: if none came since, the key was let go."""
        now = time.monotonic()
        if not self._key_held or now - self._last_press < LET_GO:
            return
        self._key_held = False
        if self.engine.mode is Mode.RECORDING_GESTURE:
            self._pressed = now
            self._try("stop", self.engine.stop_gesture_recording)

    def action_gesture_threshold(self, direction: int) -> None:
        panel = self._gestures()
        if panel is None:
            return
        gestures = self.engine.gestures
        s, _ = gestures.locate(panel.selected)
        value = threshold_step(gestures.sets[s].threshold, direction)
        self._try("threshold", self.engine.set_dtw_threshold, value, s)

    def action_toggle_dtw_progress(self) -> None:
        if self._gestures() is None:
            return
        on = not self.engine.gestures.send_progress
        self._try("progress", self.engine.set_dtw_progress, on)
        self.notify(
            "sending /mapper/dtw/progress (each gesture's following, 0..1) with every output"
            if on
            else "no longer sending /mapper/dtw/progress"
        )
