"""Playing the rhythm model: its decoder as a few numpy matrix products (no torch needed).

For one latent vector this takes microseconds, less than torch's own per-call overhead; see
benchmarks/rhythm.py. Weights are read from an .npz file with pickling disabled: loading a
weights file never executes code.
"""

from __future__ import annotations

import threading
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

    A cell is a hit where its onset logit is above 0 (probability above one half). Each
    layer's bias is folded into its weights (a constant 1 at the end of the layer's input),
    and the buffers are reused, so one decode is a handful of numpy calls.
    """

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        def folded(name: str) -> np.ndarray:
            w, b = arrays[f"{name}.weight"], arrays[f"{name}.bias"]
            return np.ascontiguousarray(np.vstack([w.T, b[None, :]]), np.float32)

        self.w1, self.w2, self.w3 = folded("dec1"), folded("dec2"), folded("out")
        self.latent_size = self.w1.shape[0] - 1
        if self.w3.shape[1] != 2 * CELLS:
            raise GeneratorError("rhythm weights: the decoder must output 9 x 16 x 2 values")
        n1, n2 = self.w1.shape[1], self.w2.shape[1]
        f32 = np.float32  # as trained; half the memory traffic of float64
        self._z = np.ones(self.latent_size + 1, f32)  # the trailing 1s carry the biases
        self._h1 = np.ones(n1 + 1, f32)
        self._h2 = np.ones(n2 + 1, f32)
        self._out = np.empty(2 * CELLS, f32)
        self._h1_body, self._h2_body = self._h1[:n1], self._h2[:n2]
        # velocity v (1..127) where 127 * sigmoid(logit) rounds to v: one search, no exp
        levels = (np.arange(1, 127) + 0.5) / 127.0
        self._velocity_edges = np.log(levels / (1.0 - levels)).astype(np.float32)
        self._velocities = np.arange(1, 128, dtype=np.uint8)
        self._lock = threading.Lock()

    def logits(self, z: np.ndarray) -> np.ndarray:
        """The 288 raw outputs: onset logits, then velocity logits (a buffer reused per call:
        hold the lock, as `pattern` does)."""
        self._z[:-1] = z
        h1, h2 = self._h1_body, self._h2_body
        np.dot(self._z, self.w1, out=h1)
        np.maximum(h1, 0.0, out=h1)
        np.dot(self._h1, self.w2, out=h2)
        np.maximum(h2, 0.0, out=h2)
        return np.dot(self._h2, self.w3, out=self._out)

    def __call__(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            out = self.logits(z)
            onsets = out[:CELLS].reshape(9, 16).copy()
            return onsets, 1.0 / (1.0 + np.exp(-out[CELLS:].reshape(9, 16)))

    def pattern(self, z: np.ndarray) -> np.ndarray:
        """uint8 velocities (9, 16): 0 where the onset logit is not above 0, else 1..127."""
        with self._lock:  # the buffers are shared: one decode at a time
            out = self.logits(z)
            velocity = self._velocities.take(np.searchsorted(self._velocity_edges, out[CELLS:]))
            velocity[out[:CELLS] <= 0.0] = 0
            return velocity.reshape(9, 16)


def latent_dims(arrays: dict[str, np.ndarray]) -> list[LatentDim]:
    low, high = arrays["latent_low"], arrays["latent_high"]
    return [
        LatentDim(f"latent-{k + 1}", round(float(lo), 3), round(float(hi), 3))
        for k, (lo, hi) in enumerate(zip(low, high))
    ]
