"""A generator attached to a running engine: the mapping's outputs steer it, a sequencer plays it.

This is the public API the TUI and headless mode use (through Session.attach_generator):

    player = session.attach_generator()      # the project's generator, or the shipped rhythm
    player.pattern        # uint8 (9 voices, 16 steps) velocities now playing (stopped: of the
                          # latest latent point, decoded when asked); 0 = rest
    player.step           # the playhead: the step last played, 0..15; -1 while stopped
    player.bpm            # tempo; player.set_bpm(96.0) changes it (ValueError outside 20..400)
    player.playing, player.start(), player.stop()
    player.latent         # the latent vector being played (from the outputs)
    player.latent_dims    # names and ranges (the default outputs' names and ranges)
    player.voices         # the 9 voice names, in row order of `pattern`
    player.outputs        # which output (0-based) drives each latent dimension (None: held at 0)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from mapper.engine import Engine, EngineError
from mapper.generators.base import GeneratorError, LatentDim
from mapper.generators.rhythm.generator import RhythmGenerator, load_generator
from mapper.generators.sequencer import Sequencer, StepSink, check_bpm
from mapper.outputs import Output

DEFAULT_BPM = 120.0
RHYTHM = "/mapper/rhythm/"


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
        self._current = self._to_latent(engine.values)
        engine.add_output_sink(self._on_sent)

    def _on_sent(self, values: list[float]) -> None:
        """On the sending thread, with every output vector sent: store it, nothing more."""
        self._sent = values
        self._sent_count += 1

    def _to_latent(self, values: Sequence[float]) -> np.ndarray:
        v = np.asarray(values, dtype=np.float64)[self._index]
        z = np.where(self._same, v, self._offset + (v - self._lo) / self._span * self._scale)
        return np.where(self._used, z, 0.0)

    def __call__(self) -> np.ndarray:
        with self._reading:  # the player's thread and a display may both ask
            count, sent = self._sent_count, self._sent
            values = self._engine.values
            if count != self._read_count and sent is not None:
                self._read_count = count
                self._current = self._to_latent(sent)
                self._seen = list(values)
            elif values != self._seen:
                self._seen = list(values)
                self._current = self._to_latent(values)
            return self._current


class RhythmPlayer:
    """The rhythm generator steered by an engine's outputs and played by a sequencer."""

    def __init__(
        self,
        generator: RhythmGenerator,
        engine: Engine,
        bpm: float = DEFAULT_BPM,
        outputs: Sequence[int | None] | None = None,
        sinks: Sequence[StepSink] = (),
        on_bpm: Callable[[float], None] | None = None,
    ) -> None:
        self.generator = generator
        dims = generator.latent_dims
        if outputs is None:
            outputs = [j if j < engine.n_outputs else None for j in range(len(dims))]
        self.source = LatentFromOutputs(engine, dims, outputs)
        self.sequencer = Sequencer(generator.decode, self.source, bpm, sinks, generator.steps)
        self._on_bpm = on_bpm

    # ---- what the TUI shows ----------------------------------------------------------------
    @property
    def pattern(self) -> np.ndarray:
        """Playing: the pattern being played. Stopped: the latest latent point's, decoded now."""
        return self.sequencer.current_pattern()

    @property
    def step(self) -> int:
        return self.sequencer.step

    @property
    def bpm(self) -> float:
        return self.sequencer.bpm

    @property
    def playing(self) -> bool:
        return self.sequencer.playing

    @property
    def latent(self) -> np.ndarray:
        return self.source()

    @property
    def latent_dims(self) -> list[LatentDim]:
        return self.generator.latent_dims

    @property
    def voices(self) -> tuple[str, ...]:
        return self.generator.voices

    @property
    def outputs(self) -> list[int | None]:
        return list(self.source.outputs)

    # ---- what the TUI and OSC change -------------------------------------------------------
    def set_bpm(self, bpm: float) -> None:
        self.sequencer.set_bpm(bpm)
        if self._on_bpm is not None:
            self._on_bpm(self.sequencer.bpm)

    def start(self) -> None:
        self.sequencer.start()

    def stop(self) -> None:
        self.sequencer.stop()

    def add_sink(self, sink: StepSink) -> None:
        self.sequencer.sinks.append(sink)

    def close(self) -> None:
        self.sequencer.stop()
        for sink in self.sequencer.sinks:
            close = getattr(sink, "close", None)
            if close is not None:
                close()

    def controls(self) -> dict[str, Callable[[Sequence[Any]], None]]:
        """OSC control addresses to merge into the server's table."""

        def bpm(args: Sequence[Any]) -> None:
            if (
                len(args) != 1
                or isinstance(args[0], (bool, str))
                or not isinstance(args[0], (int, float))
            ):
                raise EngineError("bpm takes one number, the tempo in beats per minute")
            try:
                self.set_bpm(float(args[0]))
            except ValueError as e:
                raise EngineError(str(e)) from None

        def no_args(name: str, action: Callable[[], None]) -> Callable[[Sequence[Any]], None]:
            def handler(args: Sequence[Any]) -> None:
                if args:
                    raise EngineError(f"{name} takes no arguments")
                action()

            return handler

        return {
            RHYTHM + "bpm": bpm,
            RHYTHM + "start": no_args("start", self.start),
            RHYTHM + "stop": no_args("stop", self.stop),
        }


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


def open_player(
    spec: dict[str, Any],
    engine: Engine,
    folder: Path | None,
    device: str | None = "auto",
    sinks: Sequence[StepSink] = (),
    on_bpm: Callable[[float], None] | None = None,
) -> RhythmPlayer:
    """A player for a project's generator settings (GeneratorError says what is wrong)."""
    generator = load_generator(spec, folder, device)
    bpm = spec.get("bpm", DEFAULT_BPM)
    try:
        bpm = check_bpm(bpm)
    except (TypeError, ValueError) as e:
        raise GeneratorError(f"generator 'bpm': {e}") from None
    outputs = output_numbers(spec, engine.n_outputs, generator.latent_size)
    return RhythmPlayer(generator, engine, bpm, outputs, sinks, on_bpm)
