"""The title bar: project and saved state, the mode in colour (with the gesture being recorded,
or matched while running, and ⏸ HELD while an output holds: the input too new), rates, rejects,
latency, training progress, where OSC comes from and goes to, and the transport settings."""

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
    if engine.mode is Mode.RECORDING_GESTURE:
        return f" ● RECORDING gesture {engine.gestures.taking + 1} ", "bold white on red"
    if engine.mode is Mode.RUNNING:
        return " ▶ RUNNING ", "bold black on green"
    return " ■ idle ", "bold white on #4d4d4d"


class StatusBar(TextPanel):
    """Two lines, redrawn by the app's timer; each fits the width, never wraps: what matters
    least goes first (the app's name, the latency, then the words of the settings)."""

    def show(
        self,
        engine: Engine,
        title: str,
        rates: Rates,
        listen: str,
        send: str,
        pad_on: bool,
        matched: list[str] | None = None,
        held: bool = False,
    ) -> None:
        """`matched`: the gestures matched now (or a moment ago), shown while running in a
        project with gesture sets; `held`: an output holds (its input too new)."""
        width = self.content_size.width or self.app.size.width
        text = self._first_line(engine, title, rates, width, matched or [], held)
        text.append("\n")
        text.append(self._second_line(engine, listen, send, pad_on, width), style="dim")
        self.update(text)

    @staticmethod
    def _first_line(
        engine: Engine, title: str, rates: Rates, width: int, matched: list[str], held: bool
    ) -> Text:
        c = engine.counters
        label, style = mode_badge(engine)
        parts: list[tuple[str, str]] = [(label, style)]
        if held:
            parts += [(" ", ""), (" ⏸ HELD ", "bold white on red")]
        if engine.mode is Mode.RUNNING and engine.gestures.sets:
            if matched:
                parts.append((f"  ◆ {' '.join(matched)}", "bold green"))
            else:
                parts.append(("  ◇ no gesture", "dim"))
        training = engine.training
        if training.active:
            share = training.done / max(training.total, 1)
            model = next(
                (
                    model_label(o.model, o.is_classifier)
                    for o in engine.outputs
                    if o.name == training.output
                ),
                "",
            )
            parts.append((f"  training {training.fitting} ({model}) ", "bold cyan"))
            parts.append((bar(share, 0.0, 1.0, 10), "cyan"))
            parts.append((f" {training.done}/{training.total}", ""))
        parts.append((f"  in {rates.inputs:.0f}/s out {rates.outputs:.0f}/s  ", ""))
        rejected = c.rejected_total
        parts.append((f"rej {rejected}", "bold red" if rejected else ""))
        latency = f"  latency {c.last_latency * 1e6:.0f}µs" if c.last_latency else ""
        used = sum(len(p) for p, _ in parts)
        name = f" gesture-mapper · {title} "
        if len(name) + used + len(latency) > width:
            latency = ""
        if len(name) + used > width:
            name = f" {title} "
        if len(name) + used > width:  # a long project name gives way to the state
            name = name[: max(width - used - 2, 4)] + "… "
        text = Text(name, style="bold")
        for part, part_style in parts:
            text.append(part, style=part_style)
        text.append(latency)
        text.truncate(width)
        return text

    @staticmethod
    def _second_line(engine: Engine, listen: str, send: str, pad_on: bool, width: int) -> str:
        t = engine.transport
        pad = f"pad {'on' if pad_on else 'off'}"
        line = ""
        for words, stopped in (  # the settings' names, then shorter: the keys that set them
            (("count-in", "take", "glide"), "until stopped"),
            (("count-in", "take", "glide"), "∞"),
            (("k", "l", "g"), "∞"),
        ):
            take = f"{t.record_for:g}s" if t.record_for else stopped
            line = (
                f" {listen} → {send} · {pad} · {words[0]} {t.count_in:g}s · "
                f"{words[1]} {take} · {words[2]} {t.smoothing:g}s"
            )
            if len(line) <= width:
                return line
        return line[: max(width - 1, 0)] + "…"
