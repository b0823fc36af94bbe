"""The novelty panel: how new the live input is to the recorded examples, as a number and a
bar over 0..3, the hold threshold drawn on it (┃), HELD while an output holds; the hold
slider under it; on its border, whether /mapper/novelty is sent (`n`).

Novelty (mapper.core.novelty): 0 on a recorded example, 1 as far from the nearest example as
the examples lie from their centre, 2 twice as far. The main screen reads it on its timer,
never on the hot path.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical

from tui.widgets.hold_slider import SCALE, HoldSlider, track_width
from tui.widgets.text_panel import TextPanel

HELD = "HELD"


def level_style(novelty: float) -> str:
    """Green near the examples, yellow past their spread, red at twice it."""
    return "green" if novelty < 1.0 else "yellow" if novelty < 2.0 else "bold red"


def novelty_number(novelty: float) -> str:
    """Four characters: 0.42, 12.5, 99+."""
    if novelty < 10:
        return f"{novelty:.2f}"
    return f"{novelty:.1f}" if novelty < 100 else "99+ "


def meter(novelty: float | None, hold: float, held: bool, width: int, why: str) -> Text:
    """`0.42 ████░░░░┃░░░░ HELD`: the number, the bar over 0..SCALE with the hold threshold
    on it, and HELD while any output holds; with no novelty, `why` there is none."""
    if novelty is None:
        return Text(f"-    {why}"[:width], style="dim")
    w = track_width(width)
    style = level_style(novelty)
    text = Text(novelty_number(novelty), style="bold " + style.removeprefix("bold "))
    text.append(" ")
    filled = round(min(novelty, SCALE) / SCALE * w)
    cells = ["█"] * filled + ["░"] * (w - filled)
    styles = [style] * filled + ["#5f5f5f"] * (w - filled)
    if hold > 0:
        at = round(min(hold, SCALE) / SCALE * (w - 1))
        cells[at], styles[at] = "┃", "bold yellow"
    for ch, cell_style in zip(cells, styles):
        text.append(ch, style=cell_style)
    if held:
        text.append(" ")
        text.append(HELD, style="bold white on red")
    return text


class NoveltyMeter(TextPanel):
    """The meter's line, redrawn by the main screen's timer."""

    def show(self, novelty: float | None, hold: float, held: bool, why: str) -> None:
        width = self.content_size.width or 20
        self.update(meter(novelty, hold, held, width, why))


class NoveltyPanel(Vertical):
    """The meter over the hold slider, in one bordered panel (focused: the slider's keys)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.border_title = "Novelty"
        self._title = ""

    def compose(self) -> ComposeResult:
        yield NoveltyMeter(id="novelty-meter")
        yield HoldSlider(id="hold-slider")

    def show(
        self, novelty: float | None, hold: float, held: bool, sending: bool, why: str = ""
    ) -> None:
        """The novelty now (None: none yet, `why` says so), the hold threshold, whether an
        output holds, whether /mapper/novelty is sent."""
        self.query_one(NoveltyMeter).show(novelty, hold, held, why)
        self.query_one(HoldSlider).show(hold)
        title = "Novelty · sent" if sending else "Novelty"
        if title != self._title:  # setting a border title refreshes, even the same one
            self._title = self.border_title = title
