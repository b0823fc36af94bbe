"""The XY pad: a built-in 2-input source driven by the mouse or the arrow keys.

It shows where each recorded round was performed (◆ and its number) and the live cursor.
Touching it (a click, a drag, a mouse move over it, an arrow key while focused) turns it on.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget

STEP, BIG_STEP = 0.02, 0.1
ROUND_COLOURS = ("magenta", "yellow", "cyan", "green", "red", "blue")


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

    def show(
        self, x: float, y: float, streaming: bool, rounds: list[tuple[int, float, float]]
    ) -> None:
        """Redraw only when something visible changed (it is polled ten times a second)."""
        state = (x, y, streaming, rounds)
        if state != (self.x, self.y, self.streaming, self.rounds):
            self.x, self.y, self.streaming, self.rounds = x, y, streaming, rounds
            self.refresh()

    def set_position(self, x: float, y: float) -> None:
        self.x, self.y = min(max(x, 0.0), 1.0), min(max(y, 0.0), 1.0)
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

    def render(self) -> Text:
        w, h = max(self.content_size.width, 2), max(self.content_size.height, 2)
        grid = [[" "] * w for _ in range(h)]
        styles: dict[tuple[int, int], str] = {}
        for row in range(0, h, 2):
            for col in range(0, w, 6):
                grid[row][col] = "·"
        for k, (round_, rx, ry) in enumerate(self.rounds):
            col, row = self._cell(rx, ry, w, h)
            label = f"◆{round_}"
            for d, ch in enumerate(label):
                if col + d < w:
                    grid[row][col + d] = ch
                    styles[(row, col + d)] = ROUND_COLOURS[k % len(ROUND_COLOURS)]
        col, row = self._cell(self.x, self.y, w, h)
        grid[row][col] = "✚"
        styles[(row, col)] = "bold reverse" if self.streaming else "dim"
        text = Text("\n".join("".join(line) for line in grid), style="#7f7f7f")
        for (r, c), style in styles.items():  # only the markers get their own style
            start = r * (w + 1) + c
            text.stylize(style, start, start + 1)
        return text

    @staticmethod
    def _cell(x: float, y: float, w: int, h: int) -> tuple[int, int]:
        col = round(min(max(x, 0.0), 1.0) * (w - 1))
        row = round((1.0 - min(max(y, 0.0), 1.0)) * (h - 1))
        return col, row
