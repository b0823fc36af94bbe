"""The frames a sound model hears and makes: Hann-windowed STFT magnitudes and their mel bands.

One frame is N samples (2048 at 44.1 kHz: 46 ms) every N/4 (11.6 ms, one latent frame). A
magnitude is divided by the window's sum, so a full-scale sine peaks at 0.5 in its bin; the
log adds FLOOR (-100 dB) so silence is a finite number.
"""

from __future__ import annotations

import math

import numpy as np

FLOOR = 1e-5
MEL_BANDS = 80


def frame_size(sample_rate: int) -> int:
    """The window: about 46 ms, a power of two (2048 at 44.1 or 48 kHz, 1024 at 16 or 22.05)."""
    return 2 ** round(math.log2(sample_rate * 2048 / 44100))


def mel_bank(
    sample_rate: int, n_fft: int, bands: int = MEL_BANDS, low: float = 40.0, mean: bool = False
) -> np.ndarray:
    """Triangular mel filters (HTK's mel scale), shape (bands, n_fft // 2 + 1), float32: each
    peaking at 1 (the quality metric's), or with `mean` each the mean of its bins (training's:
    a band then reads as loud as its bins, so the log floor weighs it as it weighs them)."""

    def mel(hz: np.ndarray) -> np.ndarray:
        return 2595.0 * np.log10(1.0 + hz / 700.0)

    def hz(m: np.ndarray) -> np.ndarray:
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)

    edges = hz(np.linspace(mel(np.array(low)), mel(np.array(sample_rate / 2)), bands + 2))
    freqs = np.linspace(0.0, sample_rate / 2, n_fft // 2 + 1)
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    up = (freqs[None, :] - lo) / np.maximum(mid - lo, 1e-9)
    down = (hi - freqs[None, :]) / np.maximum(hi - mid, 1e-9)
    bank = np.maximum(0.0, np.minimum(up, down))
    if mean:
        bank /= np.maximum(bank.sum(axis=1, keepdims=True), 1e-9)
    return bank.astype(np.float32)


def magnitudes(audio: np.ndarray, n_fft: int) -> np.ndarray:
    """(frames, n_fft // 2 + 1) magnitudes of mono float audio, one frame every n_fft / 4,
    centred (the first frame's centre is sample 0), float32."""
    import torch

    x = torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32))
    window = torch.hann_window(n_fft)
    spec = torch.stft(
        x, n_fft, n_fft // 4, window=window, center=True, pad_mode="constant", return_complex=True
    )
    return (spec.abs() / window.sum()).T.contiguous().numpy()
