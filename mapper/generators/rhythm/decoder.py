"""Playing the rhythm model: its decoder as a few numpy matrix products (no torch needed).

For one latent vector this takes microseconds, less than torch's own per-call overhead; see
benchmarks/rhythm.py. Weights are read from an .npz file with pickling disabled: loading a
weights file never executes code.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from mapper.generators.base import GeneratorError, LatentDim

WEIGHTS_FILE = "rhythm-weights.npz"
DECODER_KEYS = ("dec1.weight", "dec1.bias", "dec2.weight", "dec2.bias", "out.weight", "out.bias")
CELLS = 9 * 16


def shipped_weights() -> Path:
    return Path(__file__).parent / WEIGHTS_FILE


def load_arrays(path: Path) -> dict[str, np.ndarray]:
    """Every array of a weights file (an .npz written by the training script)."""
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except FileNotFoundError:
        raise GeneratorError(f"{path}: weights file not found") from None
    except (OSError, ValueError, zipfile.BadZipFile) as e:
        raise GeneratorError(f"{path}: not a rhythm weights file (.npz): {e}") from e
    missing = [k for k in (*DECODER_KEYS, "latent_low", "latent_high") if k not in arrays]
    if missing:
        raise GeneratorError(f"{path}: not a rhythm weights file: missing {', '.join(missing)}")
    return arrays


class NumpyDecoder:
    """latent -> (onset logits, velocities 0..1), each (9, 16), with numpy only.

    A cell is a hit where its onset logit is above 0 (probability above one half)."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        f64 = np.float64
        self.w1 = np.ascontiguousarray(arrays["dec1.weight"].T, f64)
        self.b1 = arrays["dec1.bias"].astype(f64)
        self.w2 = np.ascontiguousarray(arrays["dec2.weight"].T, f64)
        self.b2 = arrays["dec2.bias"].astype(f64)
        self.w3 = np.ascontiguousarray(arrays["out.weight"].T, f64)
        self.b3 = arrays["out.bias"].astype(f64)
        self.latent_size = self.w1.shape[0]
        if self.w3.shape[1] != 2 * CELLS:
            raise GeneratorError("rhythm weights: the decoder must output 9 x 16 x 2 values")

    def __call__(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h = z @ self.w1 + self.b1
        np.maximum(h, 0.0, out=h)
        h = h @ self.w2 + self.b2
        np.maximum(h, 0.0, out=h)
        out = h @ self.w3 + self.b3
        return out[:CELLS].reshape(9, 16), 1.0 / (1.0 + np.exp(-out[CELLS:].reshape(9, 16)))


def latent_dims(arrays: dict[str, np.ndarray]) -> list[LatentDim]:
    low, high = arrays["latent_low"], arrays["latent_high"]
    return [
        LatentDim(f"latent-{k + 1}", round(float(lo), 3), round(float(hi), 3))
        for k, (lo, hi) in enumerate(zip(low, high))
    ]
