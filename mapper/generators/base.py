"""The generator protocol: what every latent model offers the rest of gesture-mapper."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from mapper.errors import GeneratorError
from mapper.extras import needs

AUDIO_EXTRA_MISSING = needs("audio")


@dataclass(frozen=True)
class LatentDim:
    """One latent control: its name and the range worth exploring."""

    name: str
    low: float
    high: float


@runtime_checkable
class Generator(Protocol):
    """A latent model. `decode` must be cheap enough to call once per step of its own clock."""

    type_name: str  # "rhythm", ...
    device: str  # "cpu" or "cuda"

    @property
    def latent_size(self) -> int: ...

    @property
    def latent_dims(self) -> list[LatentDim]: ...

    def decode(self, latent: np.ndarray) -> Any:
        """The product for one latent vector (length latent_size)."""
        ...


def cuda_present() -> bool:
    """Whether a CUDA GPU can be used, without importing torch when there is no NVIDIA driver."""
    if not os.path.exists("/proc/driver/nvidia/version") and os.name == "posix":
        return False
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def resolve_device(device: str | None) -> str:
    """'auto' (or None) -> 'cuda' when a CUDA GPU is present, else 'cpu'; checks explicit ones."""
    wanted = (device or "auto").lower()
    if wanted == "auto":
        return "cuda" if cuda_present() else "cpu"
    if wanted == "cpu":
        return "cpu"
    if wanted.startswith("cuda"):
        if not cuda_present():
            raise GeneratorError(
                f"--device {device}: no CUDA GPU is available here (use --device cpu or auto)"
            )
        return wanted
    raise GeneratorError(f"--device must be auto, cpu or cuda, not {device!r}")
