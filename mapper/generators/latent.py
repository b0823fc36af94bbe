"""From the mapping's outputs to a generator's latent point: one output per latent dimension.

Shared by every player: each latent dimension follows one output (or is held at 0), rescaled
from the output's range to the dimension's, read at the player's own rate, never per frame.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from mapper.core.engine import Engine
from mapper.core.outputs import Output
from mapper.errors import GeneratorError
from mapper.generators.base import LatentDim


def latent_outputs(dims: Sequence[LatentDim]) -> list[Output]:
    """A new project's outputs for a generator: one continuous output per latent dimension."""
    return [Output(d.name, "continuous", d.low, d.high) for d in dims]


class LatentFromOutputs:
    """The latent point the mapping's outputs name, read once per sequencer step.

    The latest vector sent (the models' outputs while running, or hand-set values sent at
    once) wins; hand-set values changed without being sent are picked up too. Each latent
    dimension follows one output, rescaled from the output's range to the latent's range.
    """

    def __init__(self, engine: Engine, dims: Sequence[LatentDim], outputs: Sequence[int | None]):
        self._engine = engine
        self.outputs = list(outputs)
        lows, spans, offsets, scales = [], [], [], []
        for d, j in zip(dims, self.outputs):
            o = engine.outputs[j] if j is not None else None
            if o is None:
                lo, hi = 0.0, 1.0
            elif o.is_classifier:
                lo, hi = 0.0, float(o.classes)
            else:
                lo, hi = o.min, o.max
            lows.append(lo)
            spans.append(hi - lo)
            offsets.append(d.low)
            scales.append(d.high - d.low)
        self._lo, self._span = np.array(lows), np.array(spans)
        self._offset, self._scale = np.array(offsets), np.array(scales)
        # an output whose range is its dimension's passes its value through exactly
        self._same = (self._lo == self._offset) & (self._span == self._scale)
        self._index = np.array([j if j is not None else 0 for j in self.outputs])
        self._used = np.array([j is not None for j in self.outputs])
        self._sent: list[float] | None = None
        self._sent_count = 0
        self._reading = threading.Lock()  # never taken by the hot path (see _on_sent)
        self._read_count = 0
        self._seen = list(engine.values)
        self._current = self.to_latent(engine.values)
        engine.add_output_sink(self._on_sent)

    def detach(self) -> None:
        """Stop listening to the engine's outputs (the player closed): no work left per frame."""
        self._engine.remove_sink(self._on_sent)

    def _on_sent(self, values: list[float]) -> None:
        """On the sending thread, with every output vector sent: store it, nothing more."""
        self._sent = values
        self._sent_count += 1

    def to_latent(self, values: Sequence[float]) -> np.ndarray:
        """The latent point these output values name (as the player reads them)."""
        v = np.asarray(values, dtype=np.float64)[self._index]
        z = np.where(self._same, v, self._offset + (v - self._lo) / self._span * self._scale)
        return np.where(self._used, z, 0.0)

    def to_outputs(
        self, latent: Sequence[float] | np.ndarray, values: Sequence[float]
    ) -> list[float]:
        """The output values that name this latent point (the inverse of reading it): each
        steered output from its dimension's value, rescaled from the dimension's range to the
        output's (a classifier: the nearest class); the other outputs as in `values`."""
        out = [float(v) for v in values]
        z = np.asarray(latent, dtype=np.float64)
        for k, j in enumerate(self.outputs):
            if j is None or k >= len(z):
                continue
            v = float(z[k])
            if not self._same[k]:
                v = self._lo[k] + (v - self._offset[k]) / self._scale[k] * self._span[k]
            output = self._engine.outputs[j]
            if output.is_classifier:
                v = min(max(round(v), 0), output.classes)
            out[j] = float(v)
        return out

    def __call__(self) -> np.ndarray:
        with self._reading:  # the player's thread and a display may both ask
            count, sent = self._sent_count, self._sent
            values = self._engine.values
            if count != self._read_count and sent is not None:
                self._read_count = count
                self._current = self.to_latent(sent)
                self._seen = list(values)
            elif values != self._seen:
                self._seen = list(values)
                self._current = self.to_latent(values)
            return self._current


def output_numbers(
    spec: dict[str, Any], n_outputs: int, latent_size: int
) -> list[int | None] | None:
    """The project's `outputs` (1-based output per latent dimension), checked; None = default."""
    numbers = spec.get("outputs")
    if numbers is None:
        return None
    if not isinstance(numbers, list) or len(numbers) != latent_size:
        raise GeneratorError(
            f"generator 'outputs' must list {latent_size} output numbers (1-based, or null)"
        )
    out: list[int | None] = []
    for n in numbers:
        if n is None:
            out.append(None)
        elif isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= n_outputs:
            out.append(n - 1)
        else:
            raise GeneratorError(f"generator 'outputs': {n!r} is not an output 1..{n_outputs}")
    return out


def steering(
    dims: Sequence[LatentDim], outputs: Sequence[int | None], names: Sequence[str], compact: bool
) -> str:
    """Which output steers which latent dimension, in one line: every dimension ("z1 <- pitch,
    z2 <- 0 (no output)"), or, `compact`, the steered ones and how many others are held."""
    pairs = list(zip(dims, outputs))
    if not compact:
        return ", ".join(
            f"{d.name} <- {names[j] if j is not None else '0 (no output)'}" for d, j in pairs
        )
    line = ", ".join(f"{d.name} <- {names[j]}" for d, j in pairs if j is not None)
    held = sum(j is None for _, j in pairs)
    return line + (f"; the other {held} held at 0" if held else "")


class Steered:
    """What every player steered by the outputs shows: the latent point, its dimensions, and
    which output drives each (a base class: `generator` and `source` are set by the player)."""

    generator: Any
    source: LatentFromOutputs

    @property
    def latent(self) -> np.ndarray:
        """The latent vector being played (from the outputs)."""
        return self.source()

    @property
    def latent_dims(self) -> list[LatentDim]:
        return list(self.generator.latent_dims)

    @property
    def outputs(self) -> list[int | None]:
        """Which output (0-based) drives each latent dimension; None: held at 0."""
        return list(self.source.outputs)

    @property
    def kind(self) -> str:
        """The generator type it plays: "rhythm", "torchscript"."""
        return str(self.generator.type_name)
