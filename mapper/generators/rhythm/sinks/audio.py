"""The sequencer's hits as sound from the built-in drum synth, on the default audio output.

Needs the `audio` extra (sounddevice), through mapper.generators.speakers. Hits are queued
by the clock thread and mixed in the audio callback; the latency is the audio block (about
6 ms at 256 frames).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from mapper.generators.rhythm.synth import RATE, make_samples
from mapper.generators.speakers import Speakers

BLOCK = 256


class Mixer:
    """Voices started by `trigger`, mixed block by block (the audio callback's work)."""

    def __init__(self, samples: list[np.ndarray]) -> None:
        self.samples = samples
        self._pending: list[tuple[int, float]] = []
        self._playing: list[tuple[np.ndarray, int]] = []  # (scaled sample, position)
        self._lock = threading.Lock()

    def trigger(self, voice: int, velocity: int) -> None:
        with self._lock:
            self._pending.append((voice, velocity / 127.0))

    def block(self, frames: int) -> np.ndarray:
        with self._lock:
            pending, self._pending = self._pending, []
        self._playing += [(self.samples[v] * gain, 0) for v, gain in pending]
        out = np.zeros(frames, np.float32)
        still: list[tuple[np.ndarray, int]] = []
        for sample, pos in self._playing:
            chunk = sample[pos : pos + frames]
            out[: len(chunk)] += chunk
            if pos + frames < len(sample):
                still.append((sample, pos + frames))
        self._playing = still
        np.clip(out, -1.0, 1.0, out=out)
        return out


def open_audio_stream(mixer: Mixer) -> Speakers:
    """The drum synth on the default audio output, started (mapper.generators.speakers)."""

    def fill(outdata: np.ndarray, frames: int) -> None:
        outdata[:, 0] = mixer.block(frames)

    speakers = Speakers(fill, RATE, 1, BLOCK)
    speakers.start_or_close()
    return speakers


class AudioRhythmSink:
    def __init__(self, stream: Speakers, mixer: Mixer) -> None:
        self.stream, self.mixer = stream, mixer

    @classmethod
    def open(cls) -> AudioRhythmSink:
        mixer = Mixer(make_samples())
        return cls(open_audio_stream(mixer), mixer)

    def pattern(self, velocities: np.ndarray) -> None:
        pass

    def hits(self, step: int, hits: Sequence[tuple[int, int]]) -> None:
        for voice, velocity in hits:
            self.mixer.trigger(voice, velocity)

    def close(self) -> None:
        self.stream.close()
