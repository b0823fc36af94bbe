"""The toy's torch module (see toy.py); imported only when a toy is built, since it loads torch.

No `from __future__ import annotations` here: TorchScript reads the annotations as types.
"""

import math

import torch


class ToyRave(torch.nn.Module):
    """A sine tone per latent frame behind RAVE's exported interface (TorchScript-able)."""

    phase: torch.Tensor  # the sine's phase, kept between calls (a buffer)

    def __init__(
        self,
        latent_size: int,
        ratio: int,
        sample_rate: int,
        channels: int,
        version: int,
        base_hz: float,
    ) -> None:
        super().__init__()
        self.register_buffer("decode_params", torch.tensor([latent_size, ratio, channels, 1]))
        self.register_buffer("encode_params", torch.tensor([channels, 1, latent_size, ratio]))
        self.register_buffer("phase", torch.zeros(1, dtype=torch.float64))
        if version == 1:
            self.register_buffer("sampling_rate", torch.tensor(sample_rate))
        else:
            self.sr = sample_rate
        self.rate = float(sample_rate)
        self.base = base_hz
        self.ratio = ratio
        self.channels = channels
        self.latent = latent_size
        self.decode_input_labels = [f"(signal) Latent dimension {k}" for k in range(latent_size)]
        self._methods = ["encode", "decode"]

    @torch.jit.export
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        z = z.double()
        hz = self.base * torch.pow(2.0, z[:, 0, :])  # (batch, frames)
        step = (hz * (2.0 * math.pi / self.rate)).repeat_interleave(self.ratio, dim=1)
        phase = self.phase + torch.cumsum(step, dim=1)
        self.phase.copy_(torch.remainder(phase[0, -1:], 2.0 * math.pi))
        gain = (0.5 + 0.4 * torch.tanh(z[:, 1, :])).repeat_interleave(self.ratio, dim=1)
        y = (gain * torch.sin(phase)).float().unsqueeze(1)
        return y.expand(-1, self.channels, -1).contiguous()

    @torch.jit.export
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        frames = x.shape[-1] // self.ratio
        return torch.zeros(x.shape[0], self.latent, frames)

    @torch.jit.export
    def get_methods(self) -> list[str]:
        return self._methods

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.decode(z)
