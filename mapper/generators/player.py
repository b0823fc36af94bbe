"""The Player: a generator steered by a running engine's outputs and played at its own rate.

Every generator's player (the drum model's RhythmPlayer, a TorchScript model's NeuralPlayer,
and any later one) offers the same core: what it steers, start/stop/close, its OSC control
addresses and the settings a project saves. What only some players can do is declared as a
capability, an attribute that is None when absent, never probed with hasattr:

    player.tempo   # Tempo: bpm and set_bpm (the drum model)
    player.steps   # StepPlayer: a bar of steps played to sinks (OSC hits, MIDI, the drum synth)
    player.audio   # AudioPlayer: audio blocks to the speakers and WAV files, with stream figures
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from mapper.generators.base import Generator, LatentDim
from mapper.generators.controls import ControlHandler


class Tempo(Protocol):
    """A player with a tempo the performer can change."""

    @property
    def bpm(self) -> float: ...

    def set_bpm(self, bpm: float) -> None:
        """ValueError outside 20-400 BPM."""
        ...


class StepSink(Protocol):
    """Where the sequencer's products go (OSC, MIDI, audio). Called on the clock thread: fast."""

    def pattern(self, velocities: np.ndarray) -> None:
        """The bar's pattern changed (uint8 velocities, shape (voices, steps))."""

    def hits(self, step: int, hits: Sequence[tuple[int, int]]) -> None:
        """This step's hits: (voice 0-based, velocity 1..127); may be empty."""


class StepPlayer(Protocol):
    """A player that plays bars of steps (the drum model)."""

    @property
    def pattern(self) -> np.ndarray:
        """Velocities (voices x steps) playing now; 0 = rest."""
        ...

    @property
    def step(self) -> int:
        """The step last played; -1 while stopped."""
        ...

    @property
    def voices(self) -> tuple[str, ...]: ...

    def add_sink(self, sink: StepSink) -> None: ...


class StreamFigures(Protocol):
    """What a display or a status line shows about an audio stream."""

    @property
    def playing(self) -> bool: ...
    @property
    def blocks(self) -> int: ...
    @property
    def underruns(self) -> int: ...
    @property
    def underrun_seconds(self) -> float: ...
    @property
    def real_time_factor(self) -> float:
        """Audio seconds per compute second, last 64 blocks (mapper.generators.neural.real_time)."""
        ...

    @property
    def queue(self) -> int: ...
    @property
    def ahead(self) -> int: ...
    @property
    def sample_rate(self) -> int: ...
    @property
    def device(self) -> str: ...
    @property
    def error(self) -> str: ...


class Recording(Protocol):
    """A WAV file being written while the player plays."""

    @property
    def path(self) -> Path: ...

    @property
    def error(self) -> str: ...

    @property
    def seconds(self) -> float: ...


class AudioPlayer(Protocol):
    """A player that decodes audio blocks (a neural audio model)."""

    @property
    def sample_rate(self) -> int: ...

    @property
    def stats(self) -> StreamFigures: ...

    @property
    def sinks(self) -> list[str]:
        """Where the audio goes: "speakers" or "clock", then the WAV files."""
        ...

    @property
    def recorders(self) -> Sequence[Recording]: ...

    def play_to_speakers(self) -> None: ...

    def record_to(self, path: Path) -> Recording: ...


@runtime_checkable
class Player(Protocol):
    """A generator steered by the outputs; see the module docstring for the capabilities."""

    @property
    def generator(self) -> Generator: ...

    @property
    def tempo(self) -> Tempo | None: ...

    @property
    def steps(self) -> StepPlayer | None: ...

    @property
    def audio(self) -> AudioPlayer | None: ...

    @property
    def kind(self) -> str:
        """The generator type it plays: "rhythm", "torchscript"."""
        ...

    @property
    def latent(self) -> np.ndarray:
        """The latent vector being played."""
        ...

    @property
    def latent_dims(self) -> list[LatentDim]: ...

    @property
    def outputs(self) -> list[int | None]:
        """Which output (0-based) drives each latent dimension; None: held at 0."""
        ...

    @property
    def playing(self) -> bool: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def close(self) -> None:
        """Stop and release everything it opened (threads, devices, files)."""
        ...

    def controls(self) -> dict[str, ControlHandler]:
        """OSC control addresses to merge into the server's table."""
        ...

    def settings(self) -> dict[str, Any]:
        """The generator settings the project saves (project.json's "generator")."""
        ...

    def describe(self, output_names: Sequence[str], send: str) -> list[str]:
        """What plays and how the outputs steer it, in a line or a few (`send`: the OSC
        target its messages go to)."""
        ...
