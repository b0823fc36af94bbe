"""The `rhythm` generator: a latent vector in, a one-bar drum pattern (9 x 16 velocities) out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from mapper.generators.base import GeneratorError, LatentDim, resolve_device
from mapper.generators.rhythm.decoder import NumpyDecoder, latent_dims, load_arrays, shipped_weights
from mapper.generators.rhythm.voices import STEPS, VOICES


class RhythmGenerator:
    """The drum-pattern VAE's decoder. `decode` returns uint8 velocities, shape (9, 16).

    On the CPU the decoder is a numpy forward pass (microseconds); on a CUDA device it runs in
    torch there. `weights` None means the shipped model.
    """

    type_name = "rhythm"
    voices = VOICES
    steps = STEPS

    def __init__(self, weights: Path | None = None, device: str | None = "auto") -> None:
        self.weights = weights
        self.arrays = load_arrays(weights if weights is not None else shipped_weights())
        self.device = resolve_device(device)
        self._dims = latent_dims(self.arrays)
        self._numpy = NumpyDecoder(self.arrays)
        self._torch: Any = None
        if self.device != "cpu":
            self._torch = _TorchDecoder(self.arrays, self.device)

    @property
    def latent_size(self) -> int:
        return len(self._dims)

    @property
    def latent_dims(self) -> list[LatentDim]:
        return list(self._dims)

    @property
    def styles(self) -> dict[str, np.ndarray]:
        """Each training style's centre in the latent space (a good place to start exploring)."""
        names = self.arrays.get("style_names")
        centres = self.arrays.get("style_centres")
        if names is None or centres is None:
            return {}
        return {str(n): c.astype(np.float64) for n, c in zip(names, centres)}

    def decode(self, latent: np.ndarray | list[float]) -> np.ndarray:
        """Velocities 0..127 (uint8), shape (9 voices, 16 steps); 0 = no hit."""
        z = np.asarray(latent, dtype=np.float64)
        if z.shape != (self.latent_size,):
            raise GeneratorError(
                f"the rhythm model takes {self.latent_size} latent values, got {z.size}"
            )
        if self._torch is None:
            return self._numpy.pattern(z)
        logits, vel = self._torch(z)
        return np.where(logits > 0, np.clip(np.rint(vel * 127), 1, 127), 0).astype(np.uint8)


class _TorchDecoder:
    """The decoder on a torch device (CUDA); used when a GPU is there and chosen."""

    def __init__(self, arrays: dict[str, np.ndarray], device: str) -> None:
        import torch

        from mapper.generators.rhythm.model import model_from_arrays

        self.torch = torch
        self.model = model_from_arrays(arrays).to(device).eval()
        self.device = device

    def __call__(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        torch = self.torch
        with torch.inference_mode():
            t = torch.as_tensor(z, dtype=torch.float32, device=self.device)[None]
            logits, vel = self.model.decode(t)
        return logits.cpu().numpy().reshape(9, 16), vel.cpu().numpy().reshape(9, 16)


def load_generator(
    spec: dict[str, Any] | None, folder: Path | None, device: str | None
) -> RhythmGenerator:
    """The generator a project's `generator` settings name (weights relative to its folder)."""
    spec = spec or {}
    kind = spec.get("type", "rhythm")
    if kind != "rhythm":
        raise GeneratorError(f"unknown generator type {kind!r}; this version knows 'rhythm'")
    weights = spec.get("weights")
    path: Path | None = None
    if weights:
        path = Path(str(weights))
        if not path.is_absolute():
            if folder is None:
                raise GeneratorError(f"generator weights {weights!r}: relative to which project?")
            path = folder / path
    return RhythmGenerator(path, device)
