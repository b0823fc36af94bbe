"""The exported sound model: RAVE's streaming interface around the encoder (a frame's
log-magnitudes to a latent point), the decoder (back) and the vocoder, as nn~ (Max, Pure
Data) and mapper's neural player call it.

- `decode(z)`: (batch, latent, frames) -> (batch, 1, frames * hop) audio, one hop per frame,
  carried across calls (the vocoder's phases and overlap-add tail);
- `encode(x)`: (batch, 1, frames * hop) audio -> (batch, latent, frames), carrying the last
  window of audio across calls; `forward(x)` = decode(encode(x));
- `encode_params` [1, 1, latent, hop] and `decode_params` [latent, hop, 1, 1], `sr`,
  `get_methods()`, `decode_input_labels`; `reset()` starts from silence;
- `latency`: forward's output sample i plays input sample i - latency (n_fft - hop);
- `latent_map` (points, latent): latent points of the training audio, for a map of the space.

The latent is ordered by importance and scaled (training.py folds a PCA into the encoder's
last layer and the decoder's first): latent-1 moves the sound most, and -2..2 on each
covers the training sound. No `from __future__ import annotations` (TorchScript).
"""

import torch
from torch import nn

from mapper.generators.sound.network import Decoder, Encoder
from mapper.generators.sound.vocoder import FLOOR, Vocoder


class SoundModel(nn.Module):
    mel: torch.Tensor  # buffers (TorchScript and mypy read these annotations)
    window: torch.Tensor
    heard: torch.Tensor  # the last n_fft - hop samples encode heard: its state
    latent_map: torch.Tensor

    def __init__(
        self, sample_rate: int, n_fft: int, latent: int, bands: int, hidden: int, mel: torch.Tensor
    ) -> None:
        super().__init__()
        hop = n_fft // 4
        self.sr = sample_rate
        self.n_fft = n_fft
        self.hop = hop
        self.latent_size = latent
        self.bands = bands
        self.hidden = hidden
        self.latency = n_fft - hop
        self.floor = FLOOR
        self.encoder = Encoder(n_fft // 2 + 1, hidden // 2, latent)
        self.decoder = Decoder(latent, hidden, n_fft // 2 + 1)
        self.vocoder = Vocoder(n_fft, hop)
        self.register_buffer("mel", mel)
        self.register_buffer("window", torch.hann_window(n_fft))
        self.register_buffer("heard", torch.zeros(1, n_fft - hop))
        self.register_buffer("encode_params", torch.tensor([1, 1, latent, hop]))
        self.register_buffer("decode_params", torch.tensor([latent, hop, 1, 1]))
        self.register_buffer("forward_params", torch.tensor([1, 1, 1, 1]))
        self.register_buffer("latent_map", torch.zeros(0, latent))
        self.decode_input_labels = [f"(signal) Latent dimension {k}" for k in range(latent)]
        self.encode_output_labels = [f"(signal) Latent dimension {k}" for k in range(latent)]

    def log_mel(self, magnitudes: torch.Tensor) -> torch.Tensor:
        return torch.log(magnitudes @ self.mel.T + self.floor)

    @torch.jit.export
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        batch = x.shape[0]
        if self.heard.shape[0] != batch:
            self.heard = torch.zeros(batch, self.n_fft - self.hop, device=x.device)
        audio = torch.cat([self.heard, x.mean(1)], 1)
        self.heard = audio[:, audio.shape[1] - (self.n_fft - self.hop) :]
        frames = audio.unfold(1, self.n_fft, self.hop)  # (batch, frames, n_fft)
        spectrum = torch.fft.rfft(frames * self.window).abs() / self.window.sum()
        return self.encoder(torch.log(spectrum + self.floor)).transpose(1, 2)

    @torch.jit.export
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        # frame by frame, the decoder too: a matrix product over a block's frames rounds
        # differently from one over a single frame (6e-5 in log-magnitude), enough to move a
        # vocoder peak; so a block's audio is the same however the frames are grouped
        points = z.transpose(1, 2).float()  # (batch, frames, latent)
        blocks: list[torch.Tensor] = []
        for t in range(points.shape[1]):
            blocks.append(self.vocoder(self.decoder(points[:, t])))
        return torch.cat(blocks, 1).unsqueeze(1)

    @torch.jit.export
    def reset(self) -> None:
        self.vocoder.reset(1)
        self.heard = torch.zeros(1, self.n_fft - self.hop, device=self.heard.device)

    @torch.jit.export
    def get_methods(self) -> list[str]:
        return ["encode", "decode", "forward"]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))
