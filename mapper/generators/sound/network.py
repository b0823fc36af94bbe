"""The sound model's two networks. Each is a linear map plus a small MLP beside it: the
linear maps start as the training audio's principal components (training.py), so a model
starts as good as PCA and the MLPs (their last layers start at zero) learn what a linear
model cannot. No `from __future__ import annotations`: TorchScript reads the annotations.
"""

from itertools import pairwise

import torch
from torch import nn


def mlp(sizes: list[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for a, b in pairwise(sizes):
        layers += [nn.Linear(a, b), nn.LeakyReLU(0.2)]
    last = layers[-2]
    assert isinstance(last, nn.Linear)
    nn.init.zeros_(last.weight)
    nn.init.zeros_(last.bias)
    return nn.Sequential(*layers[:-1])


class Encoder(nn.Module):
    """log-magnitudes (batch, bins) -> latent (batch, latent)."""

    mean: torch.Tensor  # buffers: each bin's mean and spread over the training frames
    scale: torch.Tensor

    def __init__(self, bins: int, hidden: int, latent: int) -> None:
        super().__init__()
        self.linear = nn.Linear(bins, latent)
        self.net = mlp([bins, hidden, hidden, latent])
        self.register_buffer("mean", torch.zeros(bins))
        self.register_buffer("scale", torch.ones(bins))

    def forward(self, log_mag: torch.Tensor) -> torch.Tensor:
        centred = log_mag - self.mean
        return self.linear(centred) + self.net(centred / self.scale)

    def outputs(self) -> list[nn.Linear]:
        """The layers that make the latent (a change of latent basis goes into both)."""
        last = self.net[-1]
        assert isinstance(last, nn.Linear)
        return [self.linear, last]


class Decoder(nn.Module):
    """latent (batch, latent) -> log-magnitudes (batch, bins)."""

    def __init__(self, latent: int, hidden: int, bins: int) -> None:
        super().__init__()
        self.linear = nn.Linear(latent, bins)
        self.net = mlp([latent, hidden, hidden, hidden, bins])

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.linear(z) + self.net(z)

    def inputs(self) -> list[nn.Linear]:
        """The layers that read the latent."""
        first = self.net[0]
        assert isinstance(first, nn.Linear)
        return [self.linear, first]
