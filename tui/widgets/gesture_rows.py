"""The gestures panel's lines, drawn: a header per gesture set (its name and threshold), then a
row per gesture: its take count, a meter of how close the stream is to it (the threshold a tick
on it), its cost, and, for the gesture being followed, how far through it the performer is.

The meter is closeness: full when the cost is 0 (the example itself), empty at `top` (the cost
axis runs from 0 to the larger of 1 and 1.5 times the threshold), so the threshold's tick
moves as the threshold does and a match fills the meter past it.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from mapper.models.dtw import NO_MATCH
from tui.drawing import bar, fraction

TICK = "┃"
TAKES_W, COST_W, TAIL_W = 5, 6, 20  # the take count, the cost, the match mark and the following
NO_TAKES = "no takes: space records one"


@dataclass(frozen=True)
class Row:
    """What one gesture's row shows (read from the engine by the panel)."""

    name: str
    takes: int
    threshold: float
    cost: float  # NO_MATCH: none (no example, not running, not yet)
    selected: bool = False
    matched: bool = False  # matched now, or a moment ago (the panel holds it)
    progress: float | None = None  # 0..1 for the gesture being followed
    recording: str = ""  # "● recording 37 frames · 0.4 s" while its take is recorded


@dataclass(frozen=True)
class Widths:
    name: int
    meter: int


def widths(names: list[str], width: int) -> Widths:
    """The name column (up to 14) and the meter (the rest, at least 8)."""
    name_w = min(max((len(n) for n in names), default=7), 14)
    fixed = 2 + name_w + 1 + TAKES_W + 2 + 2 + COST_W + TAIL_W
    return Widths(name_w, max(width - fixed, 8))


def top(threshold: float) -> float:
    """The cost where the meter is empty."""
    return max(1.0, 1.5 * threshold)


def meter(cost: float, threshold: float, width: int) -> Text:
    """Closeness as a bar: green past the threshold's tick (a match), cyan short of it."""
    scale = top(threshold)
    close = 0.0 if cost >= NO_MATCH else 1.0 - fraction(cost, 0.0, scale)
    mark = 1.0 - fraction(threshold, 0.0, scale)
    filled = round(close * width)
    tick = min(round(mark * (width - 1)), width - 1)
    fill_style = "green" if close >= mark and cost < NO_MATCH else "cyan"
    text = Text()
    for i in range(width):
        if i == tick:
            text.append(TICK, style="bold yellow")
        elif i < filled:
            text.append("█", style=fill_style)
        else:
            text.append("░", style="dim")
    return text


def set_header(name: str, threshold: float, w: Widths) -> Text:
    """A gesture set's line: its name over the names, the columns, its threshold."""
    match = f"match  {TICK} threshold {threshold:.2f}"
    text = Text(style="dim")
    text.append(f"  {name[: w.name]:<{w.name}} {'takes':>{TAKES_W}}  ")
    text.append(f"{match[: w.meter]:<{w.meter}}")
    text.append(f"  {'cost':>{COST_W}}  following")
    return text


def gesture_row(row: Row, w: Widths) -> Text:
    text = Text()
    text.append("▸ " if row.selected else "  ", style="bold")
    name_style = "bold" if row.selected else ""
    if row.recording:
        name_style = "bold white on red"
    elif row.matched:
        name_style = "bold black on green"
    text.append(f"{row.name[: w.name]:<{w.name}}", style=name_style)
    text.append(f" {row.takes:>{TAKES_W}}  ")
    if row.recording:
        text.append(f"{row.recording[: w.meter]:<{w.meter}}", style="bold red")
    elif not row.takes:
        text.append(f"{NO_TAKES[: w.meter]:<{w.meter}}", style="dim")
    else:
        text.append_text(meter(row.cost, row.threshold, w.meter))
    cost = f"{row.cost:{COST_W}.2f}" if row.cost < NO_MATCH else f"{'-':>{COST_W}}"
    text.append(f"  {cost}", style="" if row.cost < NO_MATCH else "dim")
    text.append(" ◆" if row.matched else "  ", style="bold green")
    if row.progress is not None:
        text.append(" ▶ ", style="bold")
        text.append(bar(row.progress, 0.0, 1.0, 10), style="magenta")
        text.append(f" {row.progress * 100:3.0f}%")
    return text
