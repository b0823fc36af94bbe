"""TorchScript models for the neural audio tests that the shipped toy does not cover.

No `from __future__ import annotations` here: TorchScript reads the annotations as types.
"""

import warnings
from pathlib import Path

import torch

from mapper.generators.neural.toy_model import ToyRave

BREAKS_ABOVE = 1.5  # the fragile toy's decode fails when latent-1 goes above this


class FragileToy(torch.nn.Module):
    """The toy's interface and sound, but decode raises once latent-1 is above 1.5: a model
    that fails while playing (as a GPU running out of memory would)."""

    def __init__(self, latent_size: int, ratio: int, sample_rate: int) -> None:
        super().__init__()
        self.toy = ToyRave(latent_size, ratio, sample_rate, 1, 2, 220.0)
        self.register_buffer("decode_params", torch.tensor([latent_size, ratio, 1, 1]))
        self.sr = sample_rate
        self.limit = BREAKS_ABOVE

    @torch.jit.export
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        if bool(z[0, 0, 0] > self.limit):
            raise RuntimeError("the fragile toy breaks above latent-1 = 1.5")
        return self.toy.decode(z)


def write_fragile_toy(path: Path, latent_size: int = 4, ratio: int = 512) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.script(FragileToy(latent_size, ratio, 16000)).save(str(path))
    return path


CANARY = "CANARY-DECODE-RAN"  # what the canary model prints the first time its decode runs


class CanaryToy(torch.nn.Module):
    """The toy's interface and sound, but its first decode prints CANARY to stdout: proof
    that a project's model ran (a stranger's model could do worse)."""

    def __init__(self, latent_size: int, ratio: int, sample_rate: int) -> None:
        super().__init__()
        self.toy = ToyRave(latent_size, ratio, sample_rate, 1, 2, 220.0)
        self.register_buffer("decode_params", torch.tensor([latent_size, ratio, 1, 1]))
        self.sr = sample_rate
        self.register_buffer("decodes", torch.zeros(1))

    @torch.jit.export
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        if bool(self.decodes[0] == 0):
            print("CANARY-DECODE-RAN")
        self.decodes += 1
        return self.toy.decode(z)


def write_canary(path: Path, latent_size: int = 2, ratio: int = 512) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.script(CanaryToy(latent_size, ratio, 16000)).save(str(path))
    return path
