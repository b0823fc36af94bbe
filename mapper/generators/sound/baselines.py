"""The quality metric's spectrum, and the baselines a sound model is measured against.

The STFT here is the metric's own, fixed and independent of any model: a periodic Hann window
of about 46 ms (`window_size`: 2048 samples at 44.1 or 48 kHz, 1024 at 16 or 22.05 kHz), a hop
of a quarter window, frames only where the whole window fits, each spectrum divided by the
window's sum (a full-scale sine peaks at 0.5 in its bin, whatever the rate).

Each baseline returns audio as long as the held-out audio it is given:
- `static_baseline`: the held-out audio's long-term average magnitude spectrum in every frame,
  random phase; what a model that ignores time would play.
- `oracle`: the held-out audio's own STFT magnitudes, random phase; the distance it reads is
  what random phase alone costs.
- `linear_baseline`: a PCA of the training audio's log-magnitude frames, the held-out frames
  projected onto its first `dims` components and back, resynthesised offline by Griffin-Lim.
"""

from __future__ import annotations

import numpy as np

from mapper.generators.sound.spectra import FLOOR as LOG_FLOOR  # before every log: -100 dB
from mapper.generators.sound.spectra import frame_size as window_size

GRIFFIN_LIM_ITERATIONS = 16
MOMENTUM = 0.99  # fast Griffin-Lim (Perraudin et al. 2013), as librosa's griffinlim does
PCA_FRAMES = 20_000  # at most this many training frames fit the PCA (spread evenly)


def hann(n: int) -> np.ndarray:
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)  # periodic, as for an STFT


def stft(audio: np.ndarray, n: int) -> np.ndarray:
    """Complex spectra (frames, n // 2 + 1), hop n // 4, divided by the window's sum."""
    x = np.asarray(audio, dtype=np.float64).ravel()
    if len(x) < n:
        x = np.pad(x, (0, n - len(x)))
    hop = n // 4
    count = (len(x) - n) // hop + 1
    idx = np.arange(n)[None, :] + hop * np.arange(count)[:, None]
    w = hann(n)
    return np.fft.rfft(x[idx] * w, axis=1) / w.sum()


def istft(spectra: np.ndarray, n: int, length: int) -> np.ndarray:
    """Weighted overlap-add of `spectra` (as `stft` makes them) into `length` samples."""
    hop = n // 4
    w = hann(n)
    frames = np.fft.irfft(spectra * w.sum(), n=n, axis=1) * w
    size = max(length, (len(frames) - 1) * hop + n)
    out = np.zeros(size)
    norm = np.zeros(size)
    for i, frame in enumerate(frames):
        out[i * hop : i * hop + n] += frame
        norm[i * hop : i * hop + n] += w * w
    return (out / np.maximum(norm, 1e-8))[:length]


def _padded(audio: np.ndarray, n: int) -> np.ndarray:
    """Zeros around the audio so resynthesis covers its first and last samples fully."""
    x = np.asarray(audio, dtype=np.float64).ravel()
    hop = n // 4
    tail = n + (-(len(x) + n) % hop)
    return np.pad(x, (n, tail))


def _resynthesise(
    magnitudes: np.ndarray, n: int, size: int, rng: np.random.Generator
) -> np.ndarray:
    phase = np.exp(2j * np.pi * rng.random(magnitudes.shape))
    return istft(magnitudes * phase, n, size)


def static_baseline(
    test_audio: np.ndarray, sample_rate: int, rng: np.random.Generator
) -> np.ndarray:
    """The held-out audio's average magnitude spectrum in every frame, with random phase."""
    n = window_size(sample_rate)
    average = np.abs(stft(test_audio, n)).mean(axis=0)
    x = _padded(test_audio, n)
    frames = (len(x) - n) // (n // 4) + 1
    out = _resynthesise(np.tile(average, (frames, 1)), n, len(x), rng)
    return out[n : n + len(test_audio)]


def oracle(test_audio: np.ndarray, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """The held-out audio's own exact STFT magnitudes with random phase."""
    n = window_size(sample_rate)
    x = _padded(test_audio, n)
    out = _resynthesise(np.abs(stft(x, n)), n, len(x), rng)
    return out[n : n + len(test_audio)]


def griffin_lim(
    magnitudes: np.ndarray,
    n: int,
    length: int,
    rng: np.random.Generator,
    iterations: int = GRIFFIN_LIM_ITERATIONS,
) -> np.ndarray:
    """Audio whose STFT magnitudes approach `magnitudes` (fast Griffin-Lim, random start)."""
    angles = np.exp(2j * np.pi * rng.random(magnitudes.shape))
    rebuilt = np.zeros_like(angles)
    for _ in range(iterations):
        previous = rebuilt
        rebuilt = stft(istft(magnitudes * angles, n, length), n)
        angles = rebuilt - (MOMENTUM / (1.0 + MOMENTUM)) * previous
        angles /= np.abs(angles) + 1e-16
    return istft(magnitudes * angles, n, length)


def _top_axes(covariance: np.ndarray, dims: int) -> np.ndarray:
    """The `dims` principal axes, by torch on one thread: it lets go of the GIL while it works
    (scipy's eigh held it for seconds, stalling a session's other threads) and is fast."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        _, axes = torch.linalg.eigh(torch.from_numpy(covariance))
    finally:
        torch.set_num_threads(threads)
    return axes[:, -dims:].numpy()


def linear_baseline(
    train_clips: list[np.ndarray],
    test_audio: np.ndarray,
    sample_rate: int,
    dims: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """PCA (`dims` components) of the training clips' log-magnitude frames; the held-out frames
    projected and reconstructed, exponentiated, resynthesised with 16 Griffin-Lim iterations."""
    n = window_size(sample_rate)
    logs = np.concatenate([np.log(np.abs(stft(c, n)) + LOG_FLOOR) for c in train_clips])
    if len(logs) > PCA_FRAMES:
        logs = logs[np.linspace(0, len(logs) - 1, PCA_FRAMES).astype(int)]
    mean = logs.mean(axis=0)
    centred = logs - mean
    basis = _top_axes(centred.T @ centred, dims)  # (bins, dims)
    x = _padded(test_audio, n)
    test = np.log(np.abs(stft(x, n)) + LOG_FLOOR) - mean
    rebuilt = (test @ basis) @ basis.T + mean
    magnitudes = np.maximum(np.exp(rebuilt) - LOG_FLOOR, 0.0)
    out = griffin_lim(magnitudes, n, len(x), rng)
    return out[n : n + len(test_audio)]
