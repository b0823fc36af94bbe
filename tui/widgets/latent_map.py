"""The latent map: the training audio's latent points of a model `mapper generator train sound`
made, on latent-1 (x) and latent-2 (y) over -2..2, as braille dots; the latent point playing
now (the outputs steering latent-1 and latent-2) as a cursor that moves with the outputs.

A click (or the arrow keys and enter) picks the training point nearest that spot: the main
screen sets the outputs to its whole latent vector (mapper.session.latent_map.go_to_point), so
the artist hears that spot of the training sound and can record a gesture for it. Every
bookmark (an output point the artist kept) is a ★ with its name, where its outputs put
latent-1 and latent-2. A model without a map (a RAVE export) shows a one-line note instead.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from mapper.core.bookmarks import Bookmark
from mapper.generators.latent import Steered
from mapper.generators.player import Player
from mapper.session.latent_map import NO_MAP, latent_points, nearest_point, plane

RANGE = 2.0  # the map spans -RANGE..RANGE on both axes
BIG = 5  # cells an arrow key moves with shift
# braille dot bits by (column, row) inside one character: 2 x 4 dots
DOTS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))
POINTS = Style(color="cyan")
AXES = Style(color="#5f5f5f")
NOTE = Style(color="#7f7f7f")
CURSOR = Style(bold=True, reverse=True)
PICK = Style(color="yellow", bold=True)
MARK = Style(color="magenta", bold=True)
LABEL = 8  # a bookmark's name, cut to this many characters beside its ★

Mark = tuple[str, float, float]  # a bookmark's name, latent-1, latent-2


def bookmark_marks(player: Player | None, bookmarks: Sequence[Bookmark]) -> list[Mark]:
    """Where each bookmark sits on the map: latent-1 and latent-2 of the point its outputs
    name, as the player reads them."""
    if not isinstance(player, Steered):
        return []
    marks = []
    for mark in bookmarks:
        z = player.source.to_latent(mark.values)
        marks.append((mark.name, float(z[0]), float(z[1]) if len(z) > 1 else 0.0))
    return marks


def braille(xy: np.ndarray, width: int, height: int) -> np.ndarray:
    """Each cell's braille dots (a bit mask) for points on -RANGE..RANGE (those beyond drawn
    at the edge): (height, width) ints, 0 where there is no point."""
    cells = np.zeros((height, width), dtype=np.int64)
    if not len(xy):
        return cells
    unit = np.clip((xy + RANGE) / (2 * RANGE), 0.0, 1.0)
    px = np.round(unit[:, 0] * (2 * width - 1)).astype(int)
    py = np.round((1.0 - unit[:, 1]) * (4 * height - 1)).astype(int)
    bits = np.array(DOTS)[px % 2, py % 4]
    np.bitwise_or.at(cells, (py // 4, px // 2), bits)
    return cells


class LatentMap(Widget, can_focus=True):
    """Redrawn by the main screen's timer (show); posts Picked when the user picks a spot."""

    BINDINGS = [
        Binding("left", "move(-1, 0)", show=False),
        Binding("right", "move(1, 0)", show=False),
        Binding("up", "move(0, 1)", show=False),
        Binding("down", "move(0, -1)", show=False),
        Binding("shift+left", f"move({-BIG}, 0)", show=False),
        Binding("shift+right", f"move({BIG}, 0)", show=False),
        Binding("shift+up", f"move(0, {BIG})", show=False),
        Binding("shift+down", f"move(0, {-BIG})", show=False),
        Binding("enter", "pick", "Play the point", show=False),
    ]

    class Picked(Message):
        """The user picked the map's point `index` (0-based)."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.border_title = "Latent map"
        self.points: np.ndarray | None = None
        self.current: tuple[float, float] | None = None  # the latent point playing now
        self.aim = (0.0, 0.0)  # where enter picks (arrow keys, clicks)
        self.picked: int | None = None
        self.marks: list[Mark] = []  # the bookmarks, where they sit
        self._player: Player | None = None
        self._cells: tuple[tuple[int, int], np.ndarray] | None = None

    # ---- what the main screen shows ---------------------------------------------------------
    def show(self, player: Player | None, marks: Sequence[Mark] = ()) -> None:
        """The player's map (read again only when the player changes), its latent point and
        the bookmarks' marks."""
        if list(marks) != self.marks:
            self.marks = list(marks)
            self.refresh()
        if player is not self._player:
            self._player, self.points, self.picked, self._cells = player, None, None, None
            self.points = latent_points(player)
            self._titles()
            self.refresh()
        current = None
        if self.points is not None and player is not None:
            z = np.asarray(getattr(player, "latent", ()), dtype=np.float64)
            if len(z):
                current = (float(z[0]), float(z[1]) if len(z) > 1 else 0.0)
        if current != self.current:
            self.current = current
            self.refresh()

    def _titles(self) -> None:
        points = self.points
        if points is None:
            self.border_title, self.border_subtitle = "Latent map", None
            return
        title = f"Latent map · {len(points)} points"
        axes = f"{title} · x latent-1, y latent-2"
        self.border_title = axes if len(axes) + 6 <= self.size.width else title
        if self.picked is None:
            self.border_subtitle = "click or enter: that spot plays"
        else:
            z = points[self.picked]
            y = f" {z[1]:+.2f}" if len(z) > 1 else ""
            self.border_subtitle = f"point {self.picked + 1}: {z[0]:+.2f}{y}"

    # ---- picking a spot ---------------------------------------------------------------------
    def _extent(self) -> tuple[int, int]:
        return max(self.content_size.width, 2), max(self.content_size.height, 2)

    def _spot(self, col: int, row: int) -> tuple[float, float]:
        """The latent point at the middle of a cell."""
        w, h = self._extent()
        return (
            -RANGE + 2 * RANGE * (col + 0.5) / w,
            RANGE - 2 * RANGE * (row + 0.5) / h,
        )

    def _cell(self, x: float, y: float) -> tuple[int, int]:
        w, h = self._extent()
        col = int((min(max(x, -RANGE), RANGE) + RANGE) / (2 * RANGE) * w)
        row = int((RANGE - min(max(y, -RANGE), RANGE)) / (2 * RANGE) * h)
        return min(col, w - 1), min(row, h - 1)

    def pick_at(self, x: float, y: float) -> None:
        """Pick the training point nearest (x, y): Picked goes to the main screen."""
        self.aim = (x, y)
        if self.points is None:
            return
        self.picked = nearest_point(self.points, x, y)
        self._titles()
        self.refresh()
        self.post_message(self.Picked(self.picked))

    def action_move(self, dx: int, dy: int) -> None:
        w, h = self._extent()
        col, row = self._cell(*self.aim)
        col, row = min(max(col + dx, 0), w - 1), min(max(row - dy, 0), h - 1)
        self.aim = self._spot(col, row)
        self.refresh()

    def action_pick(self) -> None:
        self.pick_at(*self.aim)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None:
            self.pick_at(*self._spot(offset.x, offset.y))

    # ---- drawing ----------------------------------------------------------------------------
    def _dots(self, w: int, h: int) -> np.ndarray:
        if self._cells is None or self._cells[0] != (w, h):
            xy = plane(self.points) if self.points is not None else np.zeros((0, 2))
            self._cells = ((w, h), braille(xy, w, h))
        return self._cells[1]

    def render_line(self, y: int) -> Strip:
        w, h = self._extent()
        if self.points is None:
            note = NO_MAP if y == 0 else ""
            return Strip([Segment(note[:w].ljust(w), NOTE)], w)
        if y >= h:
            return Strip.blank(w)
        cells = self._dots(w, h)
        mid_col, mid_row = self._cell(0.0, 0.0)
        chars, styles = [" "] * w, [AXES] * w
        for col in range(w):
            bits = int(cells[y, col])
            if bits:
                chars[col], styles[col] = chr(0x2800 + bits), POINTS
            elif y == mid_row:
                chars[col] = "·" if col % 2 == 0 else " "
            elif col == mid_col and y % 2 == 0:
                chars[col] = "·"
        for name, x, mark_y in self.marks:
            col, row = self._cell(x, mark_y)
            if row == y:
                for d, ch in enumerate("★" + name[:LABEL]):
                    if col + d < w:
                        chars[col + d], styles[col + d] = ch, MARK
        if self.has_focus:
            col, row = self._cell(*self.aim)
            if row == y:
                chars[col], styles[col] = "○", PICK
        if self.picked is not None and self.points is not None:
            z = plane(self.points)[self.picked]
            col, row = self._cell(float(z[0]), float(z[1]))
            if row == y:
                chars[col], styles[col] = "◆", PICK
        if self.current is not None:
            col, row = self._cell(*self.current)
            if row == y:
                chars[col], styles[col] = "✚", CURSOR
        segments, start = [], 0
        for i in range(1, w + 1):  # runs of one style: one segment each
            if i == w or styles[i] is not styles[start]:
                segments.append(Segment("".join(chars[start:i]), styles[start]))
                start = i
        return Strip(segments, w)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def on_resize(self) -> None:
        self._cells = None
        self._titles()
