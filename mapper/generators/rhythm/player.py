"""The drum model attached to a running engine: the mapping's outputs steer it, a sequencer
plays it. A Player (mapper.generators.player) with a tempo and steps, no audio blocks:

    player = session.attach_player()         # the project's generator, or the shipped rhythm
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

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from mapper.core.engine import Engine, EngineError
from mapper.errors import GeneratorError
from mapper.generators.controls import no_args
from mapper.generators.latent import LatentFromOutputs, Steered, output_numbers, steering
from mapper.generators.player import AudioPlayer, StepPlayer, StepSink, Tempo
from mapper.generators.rhythm.generator import RhythmGenerator, load_generator
from mapper.generators.rhythm.sequencer import Sequencer
from mapper.generators.tempo import check_bpm
from mapper.osc.codec import as_typed

DEFAULT_BPM = 120.0
RHYTHM = "/mapper/rhythm/"


class RhythmPlayer(Steered):
    """The rhythm generator steered by an engine's outputs and played by a sequencer."""

    generator: RhythmGenerator

    def __init__(
        self,
        generator: RhythmGenerator,
        engine: Engine,
        bpm: float = DEFAULT_BPM,
        outputs: Sequence[int | None] | None = None,
        sinks: Sequence[StepSink] = (),
        on_change: Callable[[dict[str, Any]], None] | None = None,
        spec: dict[str, Any] | None = None,
    ) -> None:
        self.generator = generator
        self.tempo: Tempo | None = self
        self.steps: StepPlayer | None = self
        self.audio: AudioPlayer | None = None
        self._spec = dict(spec or {"type": "rhythm", "weights": None})
        dims = generator.latent_dims
        if outputs is None:
            outputs = [j if j < engine.n_outputs else None for j in range(len(dims))]
        self.source = LatentFromOutputs(engine, dims, outputs)
        self.sequencer = Sequencer(generator.decode, self.source, bpm, sinks, generator.steps)
        self._on_change = on_change

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
    def voices(self) -> tuple[str, ...]:
        return self.generator.voices

    # ---- what the TUI and OSC change -------------------------------------------------------
    def set_bpm(self, bpm: float) -> None:
        self.sequencer.set_bpm(bpm)
        if self._on_change is not None:  # the saved settings follow tempo changes
            self._on_change({"bpm": self.sequencer.bpm})

    def describe(self, output_names: Sequence[str], send: str) -> list[str]:
        """What plays and how it is steered, for a console or a notification."""
        steered = steering(self.latent_dims, self.outputs, output_names, compact=False)
        return [
            f"rhythm at {self.bpm:g} BPM on {self.generator.device}: {steered}; hits to {send} "
            "as /mapper/rhythm/hit"
        ]

    def settings(self) -> dict[str, Any]:
        """What the project saves: the settings it was opened with, at the tempo playing now."""
        return {**self._spec, "bpm": self.sequencer.bpm}

    def start(self) -> None:
        self.sequencer.start()

    def stop(self) -> None:
        self.sequencer.stop()

    def add_sink(self, sink: StepSink) -> None:
        self.sequencer.sinks.append(sink)

    def close(self) -> None:
        self.sequencer.stop()
        self.source.detach()
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
                self.set_bpm(as_typed(float(args[0])))
            except ValueError as e:
                raise EngineError(str(e)) from None

        return {
            RHYTHM + "bpm": bpm,
            RHYTHM + "start": no_args("start", self.start),
            RHYTHM + "stop": no_args("stop", self.stop),
        }


def open_rhythm_player(
    spec: dict[str, Any],
    engine: Engine,
    folder: Path | None,
    device: str | None = "auto",
    sinks: Sequence[StepSink] = (),
    on_change: Callable[[dict[str, Any]], None] | None = None,
) -> RhythmPlayer:
    """A player for a project's generator settings (GeneratorError says what is wrong)."""
    generator = load_generator(spec, folder, device)
    bpm = spec.get("bpm", DEFAULT_BPM)
    try:
        bpm = check_bpm(bpm)
    except (TypeError, ValueError) as e:
        raise GeneratorError(f"generator 'bpm': {e}") from None
    outputs = output_numbers(spec, engine.n_outputs, generator.latent_size)
    spec = dict(spec)
    spec.setdefault("weights", None)  # the shipped model
    return RhythmPlayer(generator, engine, bpm, outputs, sinks, on_change, spec)
