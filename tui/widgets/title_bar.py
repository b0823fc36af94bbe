"""The title bar: project and saved state, the mode in colour, rates, rejects, latency,
training progress, where OSC comes from and goes to, and the transport settings."""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass

from rich.text import Text

from mapper.core.engine import Engine, Mode
from tui.drawing import bar, model_label
from tui.widgets.text_panel import TextPanel


@dataclass
class Rates:
    """Messages per second over the last second, from the engine's running totals."""

    inputs: float = 0.0
    outputs: float = 0.0


class RateMeter:
    def __init__(self) -> None:
        self._samples: deque[tuple[float, int, int]] = deque()

    def sample(self, frames_in: int, outputs_sent: int) -> Rates:
        now = time.monotonic()
        self._samples.append((now, frames_in, outputs_sent))
        while len(self._samples) > 2 and now - self._samples[0][0] > 1.0:
            self._samples.popleft()
        t0, i0, o0 = self._samples[0]
        dt = now - t0
        if dt <= 0:
            return Rates()
        return Rates((frames_in - i0) / dt, (outputs_sent - o0) / dt)


def mode_badge(engine: Engine) -> tuple[str, str]:
    """What the instrument is doing, as a short label and its colour."""
    now = time.monotonic()
    if engine.mode is Mode.COUNT_IN:
        left = max(engine.count_in_ends - now, 0.0)
        return f" COUNT-IN {math.ceil(left)} ", "bold black on yellow"
    if engine.mode is Mode.RECORDING:
        label = f" ● RECORDING round {engine.round}"
        if engine.take_ends:
            label += f" {max(engine.take_ends - now, 0.0):.1f}s"
        return label + " ", "bold white on red"
    if engine.mode is Mode.RUNNING:
        return " ▶ RUNNING ", "bold black on green"
    return " ■ idle ", "bold white on #4d4d4d"


class StatusBar(TextPanel):
    """Two lines, redrawn by the app's timer."""

    def show(
        self,
        engine: Engine,
        title: str,
        rates: Rates,
        listen: str,
        send: str,
        pad_on: bool,
    ) -> None:
        c = engine.counters
        width = max(self.content_size.width, 60)
        text = Text()
        text.append(f" gesture-mapper · {title} ", style="bold")
        label, style = mode_badge(engine)
        text.append(label, style=style)
        training = engine.training
        if training.active:
            part = training.done / max(training.total, 1)
            model = next(
                (
                    model_label(o.model, o.is_classifier)
                    for o in engine.outputs
                    if o.name == training.output
                ),
                "",
            )
            text.append(f"  training {training.output} ({model}) ", style="bold cyan")
            text.append(bar(part, 0.0, 1.0, 10), style="cyan")
            text.append(f" {training.done}/{training.total}")
        text.append(f"  in {rates.inputs:.0f}/s out {rates.outputs:.0f}/s  ")
        rejected = c.rejected_total
        text.append(f"rej {rejected}", style="bold red" if rejected else "")
        if c.last_latency:
            text.append(f"  latency {c.last_latency * 1e6:.0f}µs")
        text.append("\n")
        t = engine.transport
        take = f"{t.record_for:g}s" if t.record_for else "until stopped"
        line = (
            f" {listen} → {send} · pad {'on' if pad_on else 'off'} · "
            f"count-in {t.count_in:g}s · take {take} · glide {t.smoothing:g}s"
        )
        text.append(line[:width], style="dim")
        self.update(text)
