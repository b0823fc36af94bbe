"""The gestures panel: the project's temporal gestures (DTW), a header per gesture set and a row
per gesture (tui.widgets.gesture_rows draws them), redrawn on the app's timer from the
engine's public state: take counts, the last frame's costs, the match, the following.

Keys (when focused): up/down select a gesture, digits 1-9 pick one; a click selects a row.
Recording, the threshold and the following are the main screen's keys (tui/actions/gestures.py).
"""

from __future__ import annotations

import time

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size

from mapper.core.engine import Engine, Mode
from mapper.models.dtw import NO_MATCH
from tui.widgets.gesture_rows import Row, gesture_row, set_header, widths
from tui.widgets.text_panel import TextPanel

HOLD = 1.0  # seconds a match stays highlighted after the engine last reported it

Line = tuple[str, int]  # ("set", s) or ("gesture", g)


class GesturesPanel(TextPanel, can_focus=True):
    """Shown only when the project has gesture sets; reads the engine on the app's timer."""

    BINDINGS = [
        Binding("up", "select(-1)", "previous gesture", show=False),
        Binding("down", "select(1)", "next gesture", show=False),
        *(Binding(str(d), f"pick({d})", show=False) for d in range(1, 10)),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.border_title = "Gestures"
        self._engine: Engine | None = None
        self.selected = 0  # global gesture index (0-based)
        self.first = 0  # the first line shown: more lines than rows scroll to the selected
        self._matched_at: dict[int, float] = {}  # gesture -> when last seen matched
        self._taking = -1
        self._take_start = 0.0  # the clock when the take began
        self._noted: tuple[int, float] | None = None  # a take this UI started, and when
        self._more = ""  # how many lines are scrolled out of sight, above and below

    # ---- the engine ---------------------------------------------------------------------
    def set_engine(self, engine: Engine) -> None:
        """Show this engine's gestures (their count decides the panel's height)."""
        self._engine = engine
        self.selected = self.first = 0
        self._matched_at.clear()
        self._taking, self._noted = -1, None
        self.display = bool(engine.gestures.sets)
        engine.gestures.show_following = self.display  # its rows show how far through
        self.refresh(layout=True)

    @property
    def lines(self) -> list[Line]:
        e = self._engine
        if e is None:
            return []
        out: list[Line] = []
        for s, gs in enumerate(e.gestures.sets):
            out.append(("set", s))
            out.extend(("gesture", e.gestures.number(s, k)) for k in range(gs.gestures))
        return out

    def note_start(self, g: int) -> None:
        """This UI starts recording gesture g now: the row times the take from here."""
        self._noted = (g, time.monotonic())

    def matched_names(self) -> list[str]:
        """The gestures matched now or a moment ago (HOLD), for the title bar."""
        e = self._engine
        if e is None:
            return []
        names = e.gestures.names()
        return [names[g] for g in sorted(self._matched_at) if g < len(names)]

    # ---- keys and the mouse -------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self._engine is not None and self._engine.gestures.count > 0

    def action_select(self, delta: int) -> None:
        count = self._engine.gestures.count if self._engine else 0
        if count:
            self.selected = (self.selected + delta) % count

    def action_pick(self, digit: int) -> None:
        if self._engine is not None and digit <= self._engine.gestures.count:
            self.selected = digit - 1

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        lines = self.lines
        if offset is None or not 0 <= self.first + offset.y < len(lines):
            return
        kind, g = lines[self.first + offset.y]
        if kind == "gesture":
            self.selected = g
            self.show()

    # ---- drawing ------------------------------------------------------------------------
    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines)

    def show(self) -> None:
        """Redraw from the engine's state now (the app's timer, and after every key)."""
        e = self._engine
        if e is None or not self.display:
            return
        g_state, now = e.gestures, time.monotonic()
        self.selected = min(self.selected, max(g_state.count - 1, 0))
        running = e.mode is Mode.RUNNING
        self._hold_matches(e, running, now)
        recording = self._recording(e, now)
        names, counts = g_state.names(), g_state.counts()
        costs, progress = g_state.last_costs, g_state.last_progress
        followed = g_state.followed if running else -1
        w = widths(names, self.content_size.width or self.app.size.width)
        lines = self.lines
        text = Text()
        for kind, index in self._window(lines):
            if text:
                text.append("\n")
            if kind == "set":
                gs = g_state.sets[index]
                text.append_text(set_header(gs.name, gs.threshold, w))
                continue
            s, _ = g_state.locate(index)
            cost = costs[index] if running and index < len(costs) else NO_MATCH
            row = Row(
                names[index],
                counts[index],
                g_state.sets[s].threshold,
                cost,
                selected=index == self.selected,
                matched=running and index in self._matched_at,
                progress=progress[index]
                if index == followed and counts[index] and index < len(progress)
                else None,
                recording=recording if index == g_state.taking else "",
            )
            text.append_text(gesture_row(row, w))
        self._titles(e)
        self.update(text)

    def _hold_matches(self, e: Engine, running: bool, now: float) -> None:
        if not running:
            self._matched_at.clear()
            return
        g = e.gestures
        for s, k in enumerate(g.matched()):
            if k >= 0:
                self._matched_at[g.number(s, k)] = now
        for gesture, seen in list(self._matched_at.items()):
            if now - seen > HOLD:
                del self._matched_at[gesture]

    def _recording(self, e: Engine, now: float) -> str:
        """The take under way, as its row says it: frames so far and seconds."""
        taking = e.gestures.taking if e.mode is Mode.RECORDING_GESTURE else -1
        if taking != self._taking:
            self._taking = taking
            noted = self._noted
            here = noted is not None and noted[0] == taking
            self._take_start = noted[1] if here and noted is not None else now  # OSC: from now
            self._noted = None
        if taking < 0:
            return ""
        frames = e.gestures.taking_frames
        return f"● recording {frames} frames · {now - self._take_start:.1f} s"

    def _titles(self, e: Engine) -> None:
        gs = e.gestures.sets[e.gestures.locate(self.selected)[0]]
        title = f"Gestures · {gs.name} · threshold {gs.threshold:.2f}"
        progress = "on" if e.gestures.send_progress else "off"
        subtitle = f"space records, again stops · - + threshold · f progress: {progress}"
        more = self._more
        if more:
            subtitle = f"{more} · {subtitle}"
        if title != self.border_title:  # setting a border title refreshes, even the same one
            self.border_title = title
        if subtitle != self.border_subtitle:
            self.border_subtitle = subtitle

    def _window(self, lines: list[Line]) -> list[Line]:
        """The lines that fit, scrolled so the selected gesture shows (its set's header too
        when there is room)."""
        n = len(lines)
        rows = self.content_size.height
        rows = n if rows <= 0 else min(rows, n)
        at = lines.index(("gesture", self.selected)) if self._engine else 0
        header = 1 if rows >= 2 else 0  # the set's header above its first gesture
        self.first = min(max(self.first, at - rows + 1), max(at - header, 0))
        self.first = max(min(self.first, n - rows), 0)
        above, below = self.first, n - self.first - rows
        self._more = " · ".join(
            p for p in (f"↑ {above} more" if above else "", f"↓ {below} more" if below else "") if p
        )
        return lines[self.first : self.first + rows]
