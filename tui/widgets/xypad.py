"""The XY pad: a built-in 2-input source driven by the mouse or the arrow keys.

It shows where each recorded round was performed (◆ and its number), the live cursor with a
halo that grows and brightens with the input's novelty (how far it is from every example),
and the last "record here next" suggestion (◎). Touching it (a click, a drag, a mouse move
over it, an arrow key while focused) turns it on.
"""

from __future__ import annotations

import math

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

STEP, BIG_STEP = 0.02, 0.1
ROUND_COLOURS = ("magenta", "yellow", "cyan", "green", "red", "blue")
ROUND_STYLES = [Style(color=c) for c in ROUND_COLOURS]
DOT = Style(color="#7f7f7f")
CURSOR_ON = Style(bold=True, reverse=True)
CURSOR_OFF = Style(dim=True)
OFF_LINES = ("off: i or a click turns it on", "off: i turns it on", "off")
SUGGESTION = Style(color="white", bgcolor="blue", bold=True)
HALO_STEP = 0.25  # the halo changes in steps of this much novelty (fewer redraws)
HALO_MAX = 3.0  # novelty beyond this draws the biggest halo
HALO_REACH = 0.25  # the biggest halo's radius, in pad heights (a row at least; columns: 2x)
HALO_STYLES = {  # by novelty: dim green near the examples, bright red far from them
    0.0: Style(color="#3a6b3a"),
    1.0: Style(color="yellow"),
    2.0: Style(color="red", bold=True),
}


def halo_level(novelty: float | None) -> float:
    """The novelty the halo shows: 0 (none) below HALO_STEP, in steps, at most HALO_MAX."""
    if novelty is None or not novelty >= HALO_STEP:
        return 0.0
    return min(math.floor(novelty / HALO_STEP) * HALO_STEP, HALO_MAX)


def halo_style(level: float) -> Style:
    return HALO_STYLES[max(k for k in HALO_STYLES if k <= level)]


class XYPad(Widget, can_focus=True):
    """Position 0..1 on each axis, y up. Posts Moved when the user moves it."""

    BINDINGS = [
        Binding("left", "nudge(-1, 0)", "left", show=False),
        Binding("right", "nudge(1, 0)", "right", show=False),
        Binding("up", "nudge(0, 1)", "up", show=False),
        Binding("down", "nudge(0, -1)", "down", show=False),
        Binding("shift+left", "nudge(-5, 0)", show=False),
        Binding("shift+right", "nudge(5, 0)", show=False),
        Binding("shift+up", "nudge(0, 5)", show=False),
        Binding("shift+down", "nudge(0, -5)", show=False),
    ]

    class Moved(Message):
        def __init__(self, x: float, y: float) -> None:
            super().__init__()
            self.x, self.y = x, y

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.border_title = "XY pad"
        self.x = 0.5
        self.y = 0.5
        self.streaming = False
        self.rounds: list[tuple[int, float, float]] = []  # round, mean x, mean y
        self.halo = 0.0  # the halo's novelty (halo_level)
        self.suggestion: tuple[float, float] | None = None  # record here next (◎)
        self._said = ""

    def show(
        self,
        x: float,
        y: float,
        streaming: bool,
        rounds: list[tuple[int, float, float]],
        novelty: float | None = None,
        suggestion: tuple[float, float] | None = None,
    ) -> None:
        """Move the cursor, its halo and the markers; redraws only the lines that changed (it
        is polled five times a second, and every line redrawn is time the receive thread may
        wait for)."""
        w, h = max(self.content_size.width, 2), max(self.content_size.height, 2)
        self._say_off(streaming, w)
        old_rows = self._rows(self.x, self.y, self.halo, w, h)
        halo = halo_level(novelty)
        whole = (
            rounds != self.rounds or streaming != self.streaming or suggestion != self.suggestion
        )
        moved = (x, y, halo) != (self.x, self.y, self.halo)
        self.x, self.y, self.streaming, self.rounds = x, y, streaming, rounds
        self.halo, self.suggestion = halo, suggestion
        if whole:
            self.refresh()
        elif moved:
            for row in old_rows | self._rows(x, y, halo, w, h):  # (regions: in the content)
                self.refresh(Region(0, row, self.size.width, 1))

    def _radius(self, halo: float, h: int) -> float:
        """The halo's radius in rows (columns: twice as many): in proportion to the novelty,
        up to HALO_REACH of the pad's height at HALO_MAX, and a row at least."""
        return max(halo / HALO_MAX * HALO_REACH * h, 1.0) if halo else 0.0

    def _rows(self, x: float, y: float, halo: float, w: int, h: int) -> set[int]:
        """The rows the cursor and its halo cover."""
        row = self._cell(x, y, w, h)[1]
        reach = math.floor(self._radius(halo, h))
        return {r for r in range(row - reach, row + reach + 1) if 0 <= r < h}

    def _say_off(self, streaming: bool, width: int) -> None:
        """While the pad sends nothing (a project opens with it off: a sensor may be what
        plays it), its bottom border says so, and how to turn it on."""
        said = ""
        if not streaming:
            said = next((s for s in OFF_LINES if len(s) + 4 <= width), OFF_LINES[-1])
        if said != self._said:  # setting a border title refreshes, even the same one
            self._said = said
            self.border_subtitle = said or None

    def set_position(self, x: float, y: float) -> None:
        # 4 decimals: finer than any terminal's cells, and no float noise in examples.csv
        self.x, self.y = round(min(max(x, 0.0), 1.0), 4), round(min(max(y, 0.0), 1.0), 4)
        self.post_message(self.Moved(self.x, self.y))
        self.refresh()

    def action_nudge(self, dx: int, dy: int) -> None:
        self.set_position(self.x + dx * STEP, self.y + dy * STEP)

    def _from_mouse(self, event: events.MouseEvent) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        w, h = self.content_size.width, self.content_size.height
        x = offset.x / max(w - 1, 1)
        y = 1.0 - offset.y / max(h - 1, 1)
        self.set_position(x, y)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        self.capture_mouse()
        self.focus()
        self._from_mouse(event)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        self.release_mouse()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._from_mouse(event)

    def render_line(self, y: int) -> Strip:
        """One line of the pad: the grid's dots, the cursor's halo, round markers (◆ and
        number), the suggestion (◎ next), the cursor."""
        w, h = max(self.content_size.width, 2), max(self.content_size.height, 2)
        if y >= h:
            return Strip.blank(w)
        chars = [" "] * w
        styles: list[Style] = [DOT] * w
        if y % 2 == 0:
            for col in range(0, w, 6):
                chars[col] = "·"
        self._draw_halo(y, chars, styles, w, h)
        for k, (round_, rx, ry) in enumerate(self.rounds):
            col, row = self._cell(rx, ry, w, h)
            if row == y:
                for d, ch in enumerate(f"◆{round_}"):
                    if col + d < w:
                        chars[col + d] = ch
                        styles[col + d] = ROUND_STYLES[k % len(ROUND_STYLES)]
        if self.suggestion is not None:
            col, row = self._cell(*self.suggestion, w, h)
            if row == y:
                for d, ch in enumerate("◎next"):
                    if col + d < w:
                        chars[col + d], styles[col + d] = ch, SUGGESTION
        col, row = self._cell(self.x, self.y, w, h)
        if row == y:
            chars[col] = "✚"
            styles[col] = CURSOR_ON if self.streaming else CURSOR_OFF
        segments, start = [], 0
        for i in range(1, w + 1):  # runs of one style become one segment
            if i == w or styles[i] is not styles[start]:
                segments.append(Segment("".join(chars[start:i]), styles[start]))
                start = i
        return Strip(segments, w)

    def _draw_halo(self, y: int, chars: list[str], styles: list[Style], w: int, h: int) -> None:
        """The halo's cells on row y: an ellipse (cells are twice as tall as wide) around
        the cursor, ░ (▒ from novelty 1.5), in the colour of its novelty."""
        radius = self._radius(self.halo, h)
        col, row = self._cell(self.x, self.y, w, h)
        dy = y - row
        if not radius or abs(dy) > radius:
            return
        half = round(2 * radius * math.sqrt(1 - (dy / radius) ** 2))
        shade, style = ("▒" if self.halo >= 1.5 else "░"), halo_style(self.halo)
        for c in range(max(col - half, 0), min(col + half + 1, w)):
            chars[c], styles[c] = shade, style

    @staticmethod
    def _cell(x: float, y: float, w: int, h: int) -> tuple[int, int]:
        col = round(min(max(x, 0.0), 1.0) * (w - 1))
        row = round((1.0 - min(max(y, 0.0), 1.0)) * (h - 1))
        return col, row
