"""What a listener checks in a stretch of audio: is anything there, and at what pitch."""

from __future__ import annotations

import numpy as np


def rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(np.asarray(audio, np.float64))))) if len(audio) else 0.0


def pitch_hz(audio: np.ndarray, rate: int) -> float:
    """The fundamental of a steady tone: the strongest low peak of its spectrum, refined by
    interpolating the peak (good to a fraction of a percent over a few tenths of a second)."""
    x = np.asarray(audio, np.float64).reshape(len(audio), -1)[:, 0]
    x = x - x.mean()
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x)), n=8 * len(x)))
    freqs = np.fft.rfftfreq(8 * len(x), 1.0 / rate)
    # the first peak above a third of the strongest: the fundamental, not a loud harmonic
    strong = np.nonzero(spectrum > spectrum.max() / 3)[0]
    k = int(strong[0])
    while k + 1 < len(spectrum) and spectrum[k + 1] > spectrum[k]:
        k += 1
    return float(freqs[k])


def spectral_centroid(audio: np.ndarray, rate: int) -> float:
    x = np.asarray(audio, np.float64)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    freqs = np.fft.rfftfreq(len(x), 1.0 / rate)
    return float(np.sum(freqs * spectrum) / np.sum(spectrum))
