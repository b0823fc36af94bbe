"""The VAE in torch, for training only (playing uses mapper.generators.rhythm.decoder, numpy).

Input: a pattern's 144 velocities scaled to 0..1. Output per cell: an onset logit and a
velocity. The encoder is used for training, fine-tuning and for finding where a pattern lies in
the latent space; the decoder is all that plays.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

CELLS = 9 * 16


class RhythmVAE(nn.Module):
    def __init__(self, latent: int = 4, hidden: tuple[int, int] = (256, 128)) -> None:
        super().__init__()
        h1, h2 = hidden
        self.latent = latent
        self.hidden = hidden
        self.enc1 = nn.Linear(CELLS, h1)
        self.enc2 = nn.Linear(h1, h2)
        self.mu = nn.Linear(h2, latent)
        self.logvar = nn.Linear(h2, latent)
        self.dec1 = nn.Linear(latent, h2)
        self.dec2 = nn.Linear(h2, h1)
        self.out = nn.Linear(h1, 2 * CELLS)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = torch.relu(self.enc2(torch.relu(self.enc1(x))))
        return self.mu(h), self.logvar(h)

    def decode(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(onset logits, velocities 0..1), each (batch, 144)."""
        h = torch.relu(self.dec2(torch.relu(self.dec1(z))))
        out = self.out(h)
        return out[:, :CELLS], torch.sigmoid(out[:, CELLS:])

    def forward(
        self, x: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        logits, vel = self.decode(z)
        return logits, vel, mu, logvar


def state_to_arrays(model: RhythmVAE) -> dict[str, np.ndarray]:
    """Every weight as a float32 numpy array, named as in the state dict."""
    return {k: v.detach().cpu().numpy().astype(np.float32) for k, v in model.state_dict().items()}


def model_from_arrays(arrays: dict[str, np.ndarray]) -> RhythmVAE:
    latent = int(arrays["mu.weight"].shape[0])
    hidden = (int(arrays["enc1.weight"].shape[0]), int(arrays["enc2.weight"].shape[0]))
    model = RhythmVAE(latent, hidden)
    state = {k: torch.from_numpy(np.asarray(arrays[k], np.float32)) for k in model.state_dict()}
    model.load_state_dict(state)
    return model
