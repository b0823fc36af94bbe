"""The inputs panel: each input's value as a bar and a number, its recent history, the
incoming rate, rejected-frame warnings, which examples a kNN output follows, and the last
"record here next" suggestion (◎ and the value, beside each input)."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence

from rich.text import Text

from mapper.core.engine import Engine, Neighbour
from mapper.osc.codec import printable
from mapper.sources.heard import Heard
from tui.drawing import bar, number, scope, short, sparkline
from tui.widgets.text_panel import TextPanel

HISTORY = 120  # samples kept per input: one per redraw while frames arrive (24 s at 5 Hz)
# before the first frame, the longest that fits: how to send one
NO_INPUT_HINTS = (
    "no input yet: /wek/inputs, or i for the XY pad",
    "no input yet: /wek/inputs",
    "no input yet: i, the XY pad",
    "no input yet",
)
SCOPE_ROWS = 8  # at most, per input, when the panel has the room (a big terminal)
HEARD_LINES = 2  # messages heard that match nothing, listed at most (then "+N more")
SUGGESTED_W = 8  # " ◎" and the suggested value


class InputsPanel(TextPanel):
    """Redrawn by the app's timer from the engine's last input frame."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.border_title = "Inputs"
        self.history: list[deque[float]] = []
        self.low: list[float] = []
        self.high: list[float] = []

    def reset(self, n_inputs: int) -> None:
        self.history = [deque(maxlen=HISTORY) for _ in range(n_inputs)]
        self.low = [0.0] * n_inputs
        self.high = [1.0] * n_inputs

    def sample(self, frame: tuple[float, ...]) -> None:
        """Add one sample of each input to the history; ranges grow to what has been seen."""
        if len(frame) != len(self.history):
            return
        for i, v in enumerate(frame):
            if math.isfinite(v):
                self.history[i].append(v)
                self.low[i] = min(self.low[i], v)
                self.high[i] = max(self.high[i], v)

    def show(
        self,
        engine: Engine,
        warning: str,
        nearest: tuple[str, list[Neighbour]] | None,
        heard: Sequence[Heard] = (),
        suggestion: Sequence[float] | None = None,
    ) -> None:
        width = max(self.content_size.width, 20)
        names = engine.input_names
        name_w = min(max((len(n) for n in names), default=4), 10)
        frame = engine.last_inputs
        extra = 1 + (len(heard[:HEARD_LINES]) + 1 if heard else 0)  # the lines under them
        tall = (self.content_size.height - len(names) - extra) // max(len(names), 1)
        rows = min(tall, SCOPE_ROWS) if tall >= 3 else 0  # room: a plot under each input
        spark_w = 0 if rows or width < 30 else max(min(width // 4, 24), 6)  # narrow: no room
        here = SUGGESTED_W if suggestion is not None else 0
        bar_w = max(width - name_w - 7 - here - spark_w - (3 if spark_w else 2), 4)
        text = Text()
        for i, name in enumerate(names):
            value = frame[i] if i < len(frame) else math.nan
            lo, hi = self.low[i], self.high[i]
            text.append(f"{name[:name_w]:<{name_w}}", style="bold")
            text.append(number(value) if frame else "      -")
            if suggestion is not None and i < len(suggestion):
                text.append(f" ◎{short(suggestion[i]):>{SUGGESTED_W - 2}}", style="bold blue")
            text.append(" ")
            text.append(bar(value, lo, hi, bar_w), style="cyan")
            if spark_w:
                text.append(" ")
                text.append(sparkline(self.history[i], lo, hi, spark_w), style="green")
            text.append("\n")
            for line in scope(self.history[i], lo, hi, width - 1, rows) if rows else ():
                text.append(" " + line + "\n", style="green")
        if not frame and not warning:
            pad = len(names) > 1
            hints = [h for h in NO_INPUT_HINTS if pad or "pad" not in h]
            text.append(next((h for h in hints if len(h) <= width), "no input") + "\n", style="dim")
        if warning:
            text.append(f"⚠ {warning}", style="bold black on yellow")
        elif nearest is not None:
            output, neighbours = nearest
            line = f"{output} ← " + " · ".join(follows(neighbours))
            text.append(line if len(line) <= width else line[: width - 1] + "…", style="cyan")
        for line in heard_lines(heard, width):
            text.append("\n" if text.plain and not text.plain.endswith("\n") else "")
            text.append(line, style="yellow")
        self.update(text)


def heard_lines(heard: Sequence[Heard], width: int) -> list[str]:
    """'heard /gyrosc/comp f 50/s (not an input)' for the latest few, then how many more and
    the key that takes them as the inputs (when one carries a number: else `h` has nothing)."""
    lines = []
    for h in heard[:HEARD_LINES]:
        line = f"heard {printable(h.address, 40)} {h.tags or '-'} {h.rate:.0f}/s"
        if len(line) + 15 <= width:
            line += " (not an input)"
        lines.append(line if len(line) <= width else line[: width - 1] + "…")
    more = f"+{len(heard) - HEARD_LINES} more" if len(heard) > HEARD_LINES else ""
    take = "h takes them as the inputs" if any(h.numbers for h in heard) else ""
    if more or take:
        lines.append(" · ".join(part for part in (more, take) if part))
    return lines


def follows(neighbours: list[Neighbour]) -> list[str]:
    """'round 3 72% (rows 4 5)' per round, biggest share first: what a kNN output follows."""
    rounds: dict[int, tuple[float, list[int]]] = {}
    for n in neighbours:
        share, rows = rounds.get(n.round, (0.0, []))
        rounds[n.round] = (share + n.share, [*rows, n.row])
    parts = []
    for round_, (share, rows) in sorted(rounds.items(), key=lambda kv: -kv[1][0]):
        where = f"round {round_}" if round_ else "deleted examples"
        listed = " ".join(str(r) for r in sorted(rows) if r)
        label = "rows" if " " in listed else "row"
        parts.append(f"{where} {100 * share:.0f}%" + (f" ({label} {listed})" if listed else ""))
    return parts
