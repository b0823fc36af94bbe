"""The built-in synth's voice: one oscillator made of harmonics (additive synthesis), so that
pitch, brightness and timbre are each one clear number.

- pitch: the frequency of the fundamental, in Hz;
- brightness 0..1: how strongly the upper harmonics sound (0 a dark, almost pure tone; 1 the
  timbre's full spectrum), a harmonic mix rather than a filter, so nothing can ring or blow up;
- timbre: which harmonics the voice has (a sine, a sawtooth, a square ...), one per class of a
  classifier output.

Every change is spread over one audio block (a few milliseconds): the phase never jumps and
the harmonics' levels move in a straight line from the last block's to the new, so a sudden
change is heard at once, without a glide, and without a click. Harmonics above the Nyquist
frequency are left out (no aliasing). numpy only, a few tens of microseconds per block.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HARMONICS = 24
K = np.arange(1, HARMONICS + 1, dtype=np.float64)
ODD = K % 2 == 1

# the timbres the classes of a voice output pick, in order (class 1, 2, 3, ... cycling)
TIMBRES: tuple[tuple[str, np.ndarray], ...] = (
    ("sine", np.where(K == 1, 1.0, 0.0)),
    ("saw", 1.0 / K),
    ("square", np.where(ODD, 1.0 / K, 0.0)),
    ("triangle", np.where(ODD, 1.0 / K**2, 0.0)),
    ("organ", np.where(np.isin(K, (1, 2, 4, 8)), 1.0 / np.sqrt(K), 0.0)),
)
LEVEL = 0.2  # peak-ish level of the voice: quiet enough beside any other sound
DARKEST = 1.5  # how fast the harmonics fall off at brightness 0 (per harmonic, in e-folds)


@dataclass(frozen=True)
class Sound:
    """What the voice plays: a frequency, a brightness 0..1 and a timbre (index into TIMBRES)."""

    pitch: float
    brightness: float
    timbre: int


def timbre_name(timbre: int) -> str:
    return TIMBRES[timbre % len(TIMBRES)][0]


class Voice:
    """A mono voice rendering blocks of float32 audio at `rate`; `render` is the callback's work."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self._phase = 0.0  # of the fundamental, in cycles (0..1)
        self._pitch: float | None = None
        self._levels = np.zeros(HARMONICS)  # each harmonic's level at the end of the last block

    def levels(self, sound: Sound) -> np.ndarray:
        """Each harmonic's level for this sound: the timbre, tilted by the brightness, without
        the harmonics above Nyquist, scaled so that every sound is about as loud."""
        shape = TIMBRES[sound.timbre % len(TIMBRES)][1]
        dark = DARKEST * (1.0 - min(max(sound.brightness, 0.0), 1.0))
        levels = shape * np.exp(-dark * (K - 1))
        levels[K * sound.pitch >= self.rate / 2] = 0.0
        power = float(np.sqrt(np.sum(levels**2)))
        return levels * (LEVEL / power) if power > 0 else levels

    def render(self, frames: int, sound: Sound) -> np.ndarray:
        """The next `frames` samples, moving from the last block's sound to this one."""
        start = self._pitch if self._pitch is not None else sound.pitch
        ramp = np.arange(1, frames + 1, dtype=np.float64) / frames
        pitch = start + (sound.pitch - start) * ramp
        phase = self._phase + np.cumsum(pitch) / self.rate  # cycles, continuous across blocks
        target = self.levels(sound)
        levels = self._levels[:, None] + (target - self._levels)[:, None] * ramp[None, :]
        out = np.sum(levels * np.sin(2.0 * np.pi * K[:, None] * phase[None, :]), axis=0)
        self._phase = float(phase[-1] % 1.0)
        self._pitch = sound.pitch
        self._levels = target
        return out.astype(np.float32)
