"""A TorchScript model for the latent map's tests: the toy's interface and sound (RAVE's), with
a `latent_map` buffer of fixed points as `mapper generator train sound` keeps its training
audio's (deterministic: no training, so a snapshot is the same on every run).

No `from __future__ import annotations` here: TorchScript reads the annotations as types.
"""

import math
import warnings
from pathlib import Path

import numpy as np
import torch

from mapper.generators.neural.toy_model import ToyRave


class MappedToy(torch.nn.Module):
    def __init__(self, points: torch.Tensor, ratio: int, sample_rate: int) -> None:
        super().__init__()
        latent_size = int(points.shape[1])
        self.toy = ToyRave(latent_size, ratio, sample_rate, 1, 2, 220.0)
        self.register_buffer("decode_params", torch.tensor([latent_size, ratio, 1, 1]))
        self.register_buffer("latent_map", points.float().contiguous())
        self.sr = sample_rate

    @torch.jit.export
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.toy.decode(z)


def spiral(count: int = 160, latent_size: int = 3) -> np.ndarray:
    """Points on a spiral over latent-1 and latent-2 (-1.8..1.8), the others a slow ramp."""
    t = np.linspace(0.0, 1.0, count)
    angle = 5 * math.pi * t
    points = np.zeros((count, latent_size))
    points[:, 0] = 1.8 * t * np.cos(angle)
    points[:, 1] = 1.8 * t * np.sin(angle)
    for k in range(2, latent_size):
        points[:, k] = t - 0.5 * k
    return points


def write_mapped_toy(path: Path, points: np.ndarray, ratio: int = 512) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        module = torch.jit.script(MappedToy(torch.from_numpy(points), ratio, 16000))
        module.save(str(path))
    return path
