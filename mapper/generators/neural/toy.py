"""A tiny model with RAVE's exported interface, to try the whole pipeline without RAVE.

`mapper generator toy-ts toy.ts` writes one; the tests build theirs here too. It is not a
neural network: its `decode` turns each latent frame into a sine tone, so what it plays can be
checked by ear and by numbers.

- latent[0] sets the pitch: 220 Hz x 2^latent[0] (-2..2: 55 to 880 Hz);
- latent[1] sets the loudness: 0.5 + 0.4 tanh(latent[1]) (-2: 0.11, 0: 0.5, 2: 0.89);
- the other dimensions are ignored.

Like a streaming RAVE export, it keeps state between calls (the sine's phase, in a buffer), so
blocks decoded in order join without clicks, and decode must be called from one thread.
Its interface is RAVE's: `decode` (batch, latent, frames) -> (batch, channels, frames * ratio),
`decode_params` [latent, ratio, channels, 1], `encode_params`, `get_methods()`,
`decode_input_labels`, and `sr` (v2) or a `sampling_rate` buffer (v1, `version=1`).
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

BASE_HZ = 220.0


def pitch_hz(z0: float) -> float:
    return BASE_HZ * 2.0**z0


def loudness(z1: float) -> float:
    return 0.5 + 0.4 * math.tanh(z1)


def build_toy(
    latent_size: int = 8,
    ratio: int = 512,
    sample_rate: int = 16000,
    channels: int = 1,
    version: int = 2,
) -> Any:
    """The scripted module (torch.jit.script), ready to save."""
    import torch

    from mapper.generators.neural.toy_model import ToyRave

    if latent_size < 2:
        raise ValueError("the toy needs at least 2 latent dimensions (pitch, loudness)")
    with warnings.catch_warnings():  # TorchScript is deprecated in torch, but it is what
        warnings.simplefilter("ignore", DeprecationWarning)  # RAVE and nn~ use
        return torch.jit.script(
            ToyRave(latent_size, ratio, sample_rate, channels, version, BASE_HZ)
        )


def write_toy(path: Path, **settings: Any) -> Path:
    """Build the toy and save it as a TorchScript file at `path`."""
    build_toy(**settings).save(str(path))
    return path
