"""Stretching a small corpus: when the artist's recordings total less than a target, slightly
varied copies are added until they reach it. Each copy, of each clip in turn, gets:

- a pitch change of up to ±1 semitone by varispeed (resampling, which also changes the length);
- a time stretch of up to ±10% without pitch change (WSOLA: 40 ms Hann windows overlap-added at
  half a window, each placed within ±10 ms where it best continues the last one);
- a gain of up to ±6 dB, less where a boost would push the peak past full scale.

The same `rng` state gives the same copies.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from scipy.signal import correlate, resample_poly
from scipy.signal.windows import hann

SMALL_SECONDS = 120.0  # the default target: under this much sound a corpus is augmented
GAIN_DB = 6.0
SEMITONES = 1.0
STRETCH = 0.1
WINDOW_SECONDS = 0.04
SEARCH_SECONDS = 0.01


def varispeed(x: np.ndarray, semitones: float) -> np.ndarray:
    """`x` played faster (higher, shorter) or slower (lower, longer) by `semitones`."""
    ratio = Fraction(2 ** (semitones / 12)).limit_denominator(64)
    if ratio == 1:
        return x.astype(np.float32)
    return resample_poly(x, ratio.denominator, ratio.numerator).astype(np.float32)


def stretch(x: np.ndarray, factor: float, sample_rate: int) -> np.ndarray:
    """`x` made `factor` times as long at the same pitch (WSOLA); too short a clip is kept."""
    n = 2 * max(1, round(WINDOW_SECONDS * sample_rate / 2))
    hop, tol = n // 2, round(SEARCH_SECONDS * sample_rate)
    out_len = round(len(x) * factor)
    if len(x) < 2 * n or factor == 1:
        return x.astype(np.float32)
    padded = np.pad(x.astype(np.float64), (tol, 2 * n + 2 * tol))
    window = hann(n, sym=False)  # sums to one at half-window hops
    frames = -(-out_len // hop) + 1
    out = np.zeros(frames * hop + n)
    previous = 0
    for k in range(frames):
        position = min(round(k * hop / factor), len(x))
        if k:  # the offset within ±tol that best continues the previous frame
            natural = padded[previous + hop + tol : previous + hop + tol + n]
            region = padded[position : position + n + 2 * tol]
            position += int(np.argmax(correlate(region, natural, "valid", "fft"))) - tol
        out[k * hop : k * hop + n] += padded[position + tol : position + tol + n] * window
        previous = position
    return out[:out_len].astype(np.float32)


def vary(
    x: np.ndarray, sample_rate: int, gain_db: float, semitones: float, factor: float
) -> np.ndarray:
    """One varied copy of `x` (see the module's docstring)."""
    y = stretch(varispeed(x, semitones), factor, sample_rate)
    peak = float(np.abs(y).max()) if len(y) else 0.0
    gain = 10 ** (gain_db / 20)
    if peak > 0:
        gain = min(gain, max(1.0, 1.0 / peak))  # a boost stops at full scale
    return (y * gain).astype(np.float32)


def augment(
    clips: list[np.ndarray],
    sample_rate: int,
    rng: np.random.Generator,
    target_seconds: float = SMALL_SECONDS,
) -> list[np.ndarray]:
    """The clips, followed by varied copies of each in turn until they total `target_seconds`
    (the clips alone if they already do, or hold no samples)."""
    result = [np.asarray(clip, np.float32) for clip in clips]
    sources = [clip for clip in result if len(clip)]
    total = sum(len(clip) for clip in result) / sample_rate
    index = 0
    while sources and total < target_seconds:
        gain_db = rng.uniform(-GAIN_DB, GAIN_DB)
        semitones = rng.uniform(-SEMITONES, SEMITONES)
        factor = 1 + rng.uniform(-STRETCH, STRETCH)
        copy = vary(sources[index % len(sources)], sample_rate, gain_db, semitones, factor)
        result.append(copy)
        total += len(copy) / sample_rate
        index += 1
    return result
