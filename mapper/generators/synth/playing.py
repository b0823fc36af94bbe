"""The built-in synth playing a running engine's outputs on the speakers.

The audio callback reads the engine's latest output vector (`engine.last_outputs`: a list the
engine replaces whole with every vector it sends, hand-set values included, never changes in
place) with one attribute read: no lock, so it never waits on the hot path, on training or on
a UI. It follows the session's engine (a function returns it), so a project opened later
plays on the same speakers; the mapping of outputs to pitch, brightness and voice is worked
out again when the engine changes, and when an output's name, kind, range or class count
does (set_limits, set_output_names: the Output objects change in place; every block checks
them, reading attributes only).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

from mapper.core.engine import Engine
from mapper.generators.speakers import Speakers
from mapper.generators.synth.mapping import SynthMapping
from mapper.generators.synth.voice import Sound, Voice

log = logging.getLogger("mapper.audio")
RATE = 44100
BLOCK = 256  # frames per callback: 5.8 ms, also the time a change takes to be heard in full


class OutputSynth:
    """A Voice whose sound follows the outputs of `engine_of()`."""

    def __init__(self, engine_of: Callable[[], Engine], rate: int = RATE) -> None:
        self.engine_of = engine_of
        self.voice = Voice(rate)
        self.rate = rate
        self.speakers: Speakers | None = None
        self.sound: Sound | None = None  # what played last
        self._engine: Engine | None = None
        self._mapping: SynthMapping | None = None

    @property
    def mapping(self) -> SynthMapping:
        """Which outputs drive pitch, brightness and voice (for the current engine)."""
        engine = self.engine_of()
        mapping = self._mapping
        if engine is not self._engine or mapping is None or not mapping.fits(engine.outputs):
            mapping = SynthMapping.of(engine.outputs)
            self._mapping, self._engine = mapping, engine
        return mapping

    def describe(self) -> str:
        engine = self.engine_of()
        return "the built-in synth on the speakers: " + self.mapping.describe(engine.outputs)

    def render(self, frames: int) -> np.ndarray:
        """The next block: the audio callback's work (no locks, no waiting)."""
        mapping = self.mapping
        self.sound = mapping.sound(self.engine_of().last_outputs, self.sound)
        return self.voice.render(frames, self.sound)

    def _fill(self, outdata: np.ndarray, frames: int) -> None:
        outdata[:, 0] = self.render(frames)

    def open(self) -> None:
        """Start playing on the default audio output; GeneratorError if there is none, or if
        it opens but will not start (then it is closed again: no stream is left open)."""
        if self.speakers is None:
            self.speakers = Speakers(self._fill, self.rate, 1, BLOCK)
        try:
            self.speakers.start_or_close()
        except BaseException:
            self.speakers = None
            raise

    def close(self) -> None:
        speakers, self.speakers = self.speakers, None
        if speakers is not None:
            speakers.close()
