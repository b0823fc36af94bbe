"""Order and scale a trained sound model's latent space, as RAVE orders its latent by PCA.

The encoder's codes of the training frames are rotated onto their principal axes, ordered by
variance (latent-1 moves the sound most) and divided by their spread, so -2..2 on each covers
about 95% of the training sound; each axis's sign makes +2 the louder side. The rotation and
scaling are folded into the encoder's output layers and the decoder's input layers, so the exported
model is the same size and speed.
"""

from __future__ import annotations

import numpy as np
import torch

from mapper.generators.sound.streaming import SoundModel

MAP_POINTS = 1024  # training latent points kept in the model for a map of the space
TINY = 1e-6


@torch.no_grad()
def order_latent(model: SoundModel, log_mag: torch.Tensor, loudness: torch.Tensor) -> np.ndarray:
    """Fold the PCA of `model`'s codes for these frames into its weights (in place); returns
    each new dimension's standard deviation before scaling (its importance, descending)."""
    codes = model.encoder(log_mag).double()
    mean = codes.mean(0)
    spread, axes = torch.linalg.eigh(torch.cov((codes - mean).T).reshape(codes.shape[1], -1))
    order = torch.argsort(spread, descending=True)
    spread, axes = spread[order].clamp(min=0.0).sqrt().clamp(min=TINY), axes[:, order]
    scaled = (codes - mean) @ axes / spread
    centred = loudness.double() - loudness.double().mean()
    signs = torch.where((scaled * centred[:, None]).sum(0) < 0, -1.0, 1.0)
    axes = axes * signs  # +2 is the louder side of every dimension
    to_new = (axes / spread).T  # z' = to_new (z - mean)
    to_old = axes * spread  # z = to_old z' + mean

    for k, layer in enumerate(model.encoder.outputs()):  # z is the sum of their outputs
        w, b = layer.weight.double(), layer.bias.double()
        layer.weight.copy_((to_new @ w).float())
        layer.bias.copy_((to_new @ (b - mean if k == 0 else b)).float())
    for layer in model.decoder.inputs():  # each reads z
        w, b = layer.weight.double(), layer.bias.double()
        layer.weight.copy_((w @ to_old).float())
        layer.bias.copy_((b + w @ mean).float())
    return spread.numpy()


@torch.no_grad()
def latent_map(model: SoundModel, log_mag: torch.Tensor, loud_enough: torch.Tensor) -> None:
    """Keep up to MAP_POINTS of the training audio's latent points (its sounding frames, evenly
    spaced) in the model's `latent_map` buffer."""
    frames = log_mag[loud_enough] if bool(loud_enough.any()) else log_mag
    pick = np.linspace(0, len(frames) - 1, min(MAP_POINTS, len(frames))).round().astype(int)
    model.latent_map = model.encoder(frames[torch.from_numpy(pick)]).float().contiguous()
