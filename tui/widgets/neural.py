"""The neural audio panel: the model (file, sample rate, block length), each latent dimension
the outputs steer (the output driving it, its value on a slider in its range), and how the
stream is doing (playing, real-time factor, underruns, blocks ready, where the sound goes).

Everything shown is read from the player's public API (mapper.generators.neural.player), the
same figures /mapper/neural/status answers over OSC.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll

from tui.drawing import slider
from tui.widgets.text_panel import TextPanel

GAP = 2  # spaces between columns of latent dimensions
MIN_SLIDER = 6  # a column is made only where its slider gets at least this many cells
NAME_W = 10  # at most this many characters of a dimension's or an output's name
ROSE_SECONDS = 3.0  # underruns stay red this long after the count last grew
GREY = "#7f7f7f"
SCROLL_ROWS = 4  # latent lines shown under the outputs (as #neural-scroll's max-height)
NARROW = 60  # a panel narrower than this (beside the XY pad) has short titles


def rtf_text(value: float) -> str:
    """A real-time factor in a few characters: 650x, 21.5x, 1.53x; - before any block."""
    return f"{value:.3g}x" if value > 0 else "-"


def held_summary(names: Sequence[str]) -> str:
    """Consecutive runs of dimension names, short: latent-9..16, latent-2, latent-4..5."""
    runs: list[list[str]] = []
    for name in names:
        if runs and _follows(runs[-1][-1], name):
            runs[-1].append(name)
        else:
            runs.append([name])
    parts = []
    for run in runs:
        if len(run) == 1:
            parts.append(run[0])
        else:
            last = re.search(r"(\d+)$", run[-1])
            parts.append(f"{run[0]}..{last.group(1) if last else run[-1]}")
    return ", ".join(parts)


def _follows(a: str, b: str) -> bool:
    ma, mb = re.fullmatch(r"(.*?)(\d+)", a), re.fullmatch(r"(.*?)(\d+)", b)
    return bool(ma and mb and ma[1] == mb[1] and int(mb[2]) == int(ma[2]) + 1)


def _cut(name: str, width: int) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


def title(player: Any, narrow: bool = False) -> str:
    """The model's facts: file, sample rate, block length (samples and ms), channels; in a
    narrow panel, only the file, the rate and the block's milliseconds."""
    gen = player.generator
    channels = f" · {gen.channels} channels" if gen.channels != 1 else ""
    if narrow:
        return (
            f"{Path(gen.path).name} · {gen.sample_rate / 1000:g} kHz · "
            f"{1000 * gen.ratio / gen.sample_rate:.3g} ms{channels.replace(' channels', 'ch')}"
        )
    return (
        f"Neural audio · {Path(gen.path).name} · {gen.sample_rate / 1000:g} kHz · block "
        f"{gen.ratio} = {1000 * gen.ratio / gen.sample_rate:.3g} ms{channels}"
    )


def same_names(player: Any, output_names: Sequence[str]) -> bool:
    """Whether every steered dimension follows the output of its own name (the default)."""
    return all(
        output_names[j] == d.name
        for d, j in zip(player.latent_dims, player.outputs)
        if j is not None
    )


def latent_lines(player: Any, output_names: Sequence[str], width: int) -> Text:
    """One entry per steered dimension: its name, the output driving it (left out when it
    has the dimension's name: the subtitle says so), a slider of its value in its range and
    the number; in as many columns as fit the width."""
    latent = player.latent
    steered = [
        (k, dim, j)
        for k, (dim, j) in enumerate(zip(player.latent_dims, player.outputs))
        if j is not None
    ]
    if not steered:
        return Text("no latent dimension is steered: all are held at 0", style=GREY)
    width = max(width, 16)
    show_output = not same_names(player, output_names)
    name_w = min(max(len(d.name) for _, d, _ in steered), NAME_W)
    out_w = min(max(len(output_names[j]) for _, _, j in steered), NAME_W)
    values = [f"{latent[k]:+.2f}" for k, _, _ in steered]
    value_w = max(len(v) for v in values)
    fixed = name_w + (3 + out_w if show_output else 0) + 1 + 1 + value_w
    columns = max(1, min(len(steered), (width + GAP) // (fixed + MIN_SLIDER + GAP)))
    rows = -(-len(steered) // columns)
    columns = -(-len(steered) // rows)  # as few columns as those rows need: wider sliders
    slider_w = max((width - GAP * (columns - 1)) // columns - fixed, MIN_SLIDER)
    text = Text()
    for n, ((_, dim, j), value) in enumerate(zip(steered, values)):
        if n and n % columns == 0:
            text.append("\n")
        elif n:
            text.append(" " * GAP)
        text.append(f"{_cut(dim.name, name_w):<{name_w}} ", style="bold")
        if show_output:
            text.append("← ", style=GREY)
            text.append(f"{_cut(output_names[j], out_w):<{out_w}} ")
        text.append(slider(float(value), dim.low, dim.high, slider_w), style="cyan")
        text.append(f" {value:>{value_w}}")
    return text


def subtitle(player: Any, output_names: Sequence[str], narrow: bool = False) -> str:
    """Who steers the dimensions when the entries do not say it, and which are held at 0 (in
    a narrow panel only those: the entries' names are the outputs' names beside it)."""
    parts = []
    if player.steer and same_names(player, output_names) and not narrow:
        parts.append("each steered by its output of the same name")
    held = [d.name for d, j in zip(player.latent_dims, player.outputs) if j is None]
    if held:
        parts.append(f"{held_summary(held)} held at 0")
    return " · ".join(parts)


def stats_lines(s: Any, sinks: Sequence[str], underruns_rose: bool) -> Text:
    """Playing or stopped, real-time factor (mapper.generators.neural.real_time), underruns,
    blocks ready, where the sound goes (speakers or the silent clock, then WAV files); the
    model's error on a second line if decoding stopped. `s`: the player's StreamStats."""
    text = Text()
    if s.playing:
        text.append("▶ playing", style="bold green")
        text.append(f" · RTF {rtf_text(s.real_time_factor)} on {s.device}")
    else:
        text.append("■ stopped (b plays)", style="bold")
    text.append(" · ")
    text.append(f"underruns {s.underruns}", style="bold red" if underruns_rose else "")
    if s.playing:
        text.append(f" · ready {s.queue}/{s.ahead}")
    text.append(" · → " + ", ".join([*sinks[:1], *(Path(f).name for f in sinks[1:])]))
    if s.error:
        text.append("\n" + s.error, style="bold red")
    return text


class NeuralPanel(Vertical):
    """Hidden until a neural audio model is attached; redrawn by the app's timer. The latent
    lines scroll when there are more than the panel shows; the stats line always shows."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dims = TextPanel(id="neural-dims")
        self.stats = TextPanel(id="neural-stats")
        self._player: Any = None
        self._underruns = 0
        self._rose_at = -1e9
        self._titles = ("", "")
        self.rows = 2 + 1 + 1  # its height under the outputs: border, latent lines, stats

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="neural-scroll"):
            yield self.dims
        yield self.stats

    def show_player(self, player: Any, output_names: Sequence[str]) -> None:
        now = time.monotonic()
        stats = player.stats
        underruns = stats.underruns
        if player is not self._player or underruns < self._underruns:
            self._player, self._underruns, self._rose_at = player, underruns, -1e9
        elif underruns > self._underruns:
            self._underruns, self._rose_at = underruns, now
        narrow = 0 < self.size.width < NARROW
        titles = (title(player, narrow), subtitle(player, output_names, narrow))
        if titles != self._titles:  # setting a border title refreshes, even the same one
            self._titles = titles
            self.border_title, self.border_subtitle = Text(titles[0]), Text(titles[1])
        width = self.dims.content_size.width or self.app.size.width - 6
        dims = latent_lines(player, output_names, width)
        self.dims.update(dims)
        rose = now - self._rose_at < ROSE_SECONDS
        shown = stats_lines(stats, player.sinks, rose)
        self.stats.update(shown)
        lines = dims.plain.count("\n") + 1, shown.plain.count("\n") + 1
        self.rows = 2 + min(lines[0], SCROLL_ROWS) + lines[1]  # under the outputs, unwrapped
