"""Magnitude spectra to audio, one frame per call, carrying its state across calls: a phase
vocoder with identity phase locking (Laroche and Dolson, 1999).

Each spectral peak is a partial: its frequency is read from the peak's shape (a parabola
through the log-magnitudes of its bin and its neighbours), its phase advances by that
frequency over one hop, and the bins around it keep the phase relation a windowed sinusoid
has (alternating by pi bin to bin). So a held latent point plays a steady tone, not the
phasey wash of random phases, and consecutive frames overlap-add (Hann analysis and
synthesis windows, 75% overlap) without a seam at any block edge. The phases and the
overlap-add tail live in buffers: call it from one thread, in order, as a streaming RAVE
model. No `from __future__ import annotations`: TorchScript reads the annotations.
"""

import math

import torch
from torch import nn

from mapper.generators.sound.spectra import FLOOR  # the log floor of the decoder's output


class Vocoder(nn.Module):
    """(batch, bins) log-magnitudes -> (batch, hop) samples, state kept between calls."""

    window: torch.Tensor  # buffers
    index: torch.Tensor
    phase: torch.Tensor  # each bin's phase in the last frame: state
    tail: torch.Tensor  # the overlap-add still to be played: state

    def __init__(self, n_fft: int, hop: int) -> None:
        super().__init__()
        window = torch.hann_window(n_fft)
        bins = n_fft // 2 + 1
        self.n_fft = n_fft
        self.hop = hop
        self.bins = bins
        # magnitudes were divided by the window's sum; overlap-added Hann^2 sums to this
        overlap = float((window**2).sum()) / hop
        self.gain = float(window.sum()) / overlap
        self.register_buffer("window", window)
        self.overlap = overlap
        self.wsum = float(window.sum())
        self.register_buffer("index", torch.arange(bins))
        self.register_buffer("phase", torch.zeros(1, bins))
        self.register_buffer("tail", torch.zeros(1, n_fft))
        self.floor = FLOOR
        self.step = 2.0 * math.pi * hop / n_fft  # phase advance per hop, per bin of frequency

    @torch.jit.export
    def reset(self, batch: int = 1) -> None:
        """Silence: the next frame starts a new sound (phases from zero, nothing overlapping)."""
        self.phase = torch.zeros(batch, self.bins, device=self.phase.device)
        self.tail = torch.zeros(batch, self.n_fft, device=self.tail.device)

    def forward(self, log_mag: torch.Tensor) -> torch.Tensor:
        if self.phase.shape[0] != log_mag.shape[0]:
            self.reset(log_mag.shape[0])
        log_mag = log_mag.float()
        phase = self._phases(log_mag.detach())
        mag = torch.clamp(torch.exp(log_mag) - self.floor, min=0.0) * self.wsum
        frame = torch.fft.irfft(torch.polar(mag, phase), n=self.n_fft) * self.window
        tail = self.tail + frame
        out = tail[:, : self.hop] / self.overlap
        self.tail = torch.cat([tail[:, self.hop :], torch.zeros_like(tail[:, : self.hop])], 1)
        self.phase = phase
        return out

    def _phases(self, m: torch.Tensor) -> torch.Tensor:
        batch, bins = m.shape
        left, mid, right = m[:, :-2], m[:, 1:-1], m[:, 2:]
        peak = torch.zeros(batch, bins, dtype=torch.bool, device=m.device)
        peak[:, 1:-1] = (mid > left) & (mid >= right)
        curve = left - 2.0 * mid + right
        shift = torch.zeros_like(m)
        shift[:, 1:-1] = torch.clamp(
            0.5 * (left - right) / torch.where(curve.abs() > 1e-9, curve, -1e-9), -0.5, 0.5
        )
        index = self.index.unsqueeze(0).expand(batch, bins)
        before = torch.cummax(torch.where(peak, index, -1), dim=1).values
        after_flip = torch.where(peak, index, 2 * bins).flip(1)
        after = torch.cummin(after_flip, dim=1).values.flip(1)
        take_before = (before >= 0) & ((index - before <= after - index) | (after >= bins))
        owner = torch.where(take_before, before, after)
        owner = torch.where((owner >= 0) & (owner < bins), owner, index)
        freq = owner.float() + shift.gather(1, owner)
        advanced = self.phase.gather(1, owner) + self.step * freq
        locked = advanced - math.pi * (index - owner).float()
        return torch.remainder(locked, 2.0 * math.pi)
