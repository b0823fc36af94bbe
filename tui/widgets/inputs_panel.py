"""The inputs panel: each input's value as a bar and a number, its recent history, the
incoming rate, rejected-frame warnings, and which examples a kNN output follows."""

from __future__ import annotations

import math
from collections import deque

from rich.text import Text

from mapper.core.engine import Engine, Neighbour
from tui.drawing import bar, number, sparkline
from tui.widgets.text_panel import TextPanel

HISTORY = 40  # samples kept per input: one per redraw while frames arrive (8 s at 5 Hz)


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
    ) -> None:
        width = max(self.content_size.width, 30)
        name_w = min(max((len(n) for n in engine.input_names), default=4), 10)
        spark_w = max(min(width // 4, 24), 6)
        bar_w = max(width - name_w - 7 - spark_w - 3, 4)
        text = Text()
        frame = engine.last_inputs
        for i, name in enumerate(engine.input_names):
            value = frame[i] if i < len(frame) else math.nan
            lo, hi = self.low[i], self.high[i]
            text.append(f"{name[:name_w]:<{name_w}}", style="bold")
            text.append(number(value) if frame else "      -")
            text.append(" ")
            text.append(bar(value, lo, hi, bar_w), style="cyan")
            text.append(" ")
            text.append(sparkline(self.history[i], lo, hi, spark_w), style="green")
            text.append("\n")
        if warning:
            text.append(f"⚠ {warning}", style="bold black on yellow")
        elif nearest is not None:
            output, neighbours = nearest
            line = f"{output} ← " + " · ".join(follows(neighbours))
            text.append(line if len(line) <= width else line[: width - 1] + "…", style="cyan")
        self.update(text)


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
