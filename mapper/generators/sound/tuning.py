"""Training through the vocoder: the decoder learns magnitudes that *sound* right once the
vocoder has turned them into audio, as they will be played.

Short runs of consecutive training frames go through the encoder, the decoder and the vocoder
(a fresh one per run, its phases held fixed), and the audio that comes out is compared with
the recording it came from, by the quality metric's own measure: the L1 distance of log-mel
bands (quality.py). The held-out score is that same distance, decoded frame by frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from mapper.generators.sound.quality import FLOOR, MEL_BANDS, MEL_LOW_HZ, mel_distance
from mapper.generators.sound.spectra import mel_bank
from mapper.generators.sound.streaming import SoundModel
from mapper.generators.sound.vocoder import Vocoder

RUN = 16  # frames per run; the first WARM_UP only fill the overlap-add
WARM_UP = 3
RUNS = 16  # runs per step
LEARNING_RATE = 3e-4


@dataclass(frozen=True)
class Recording:
    """Training audio beside its frames, to draw runs from."""

    audio: list[torch.Tensor]  # per clip, mono
    log_mag: list[torch.Tensor]  # per clip, (frames, bins), centred frames
    weights: np.ndarray  # how likely each clip is drawn (by its length)

    @classmethod
    def of(cls, clips: list[np.ndarray], model: SoundModel, device: str) -> Recording | None:
        from mapper.generators.sound.spectra import magnitudes

        audio, logs = [], []
        for clip in clips:
            if len(clip) > (RUN + 4) * model.hop:
                x = torch.from_numpy(np.ascontiguousarray(clip, dtype=np.float32))
                audio.append(x.to(device))
                mag = torch.from_numpy(magnitudes(clip, model.n_fft))
                logs.append(torch.log(mag + FLOOR).to(device))
        if not audio:
            return None
        weights = np.array([len(x) - RUN - 2 for x in logs], dtype=float)
        return cls(audio, logs, weights / weights.sum())


class AudioLoss:
    """The metric's log-mel distance between runs of decoded audio and the recording."""

    def __init__(self, model: SoundModel, recording: Recording, seed: int) -> None:
        self.model = model
        self.recording = recording
        self.rng = np.random.default_rng(seed)
        device = recording.audio[0].device
        self.window = torch.hann_window(model.n_fft, device=device)
        bank = mel_bank(model.sr, model.n_fft, MEL_BANDS, MEL_LOW_HZ)
        self.mel = torch.from_numpy(bank).T.contiguous().to(device)
        self.vocoder = Vocoder(model.n_fft, model.hop).to(device)

    def log_mel(self, audio: torch.Tensor) -> torch.Tensor:
        n = self.model.n_fft
        spectra = torch.stft(
            audio, n, n // 4, window=self.window, center=False, return_complex=True
        )
        return torch.log((spectra.abs() / self.window.sum()).transpose(1, 2) @ self.mel + FLOOR)

    def __call__(self) -> torch.Tensor:
        rec, hop, half = self.recording, self.model.hop, self.model.n_fft // 2
        runs, targets = [], []
        for _ in range(RUNS):
            k = int(self.rng.choice(len(rec.audio), p=rec.weights))
            start = int(self.rng.integers(2, len(rec.log_mag[k]) - RUN))
            runs.append(rec.log_mag[k][start : start + RUN])
            begin = (start + WARM_UP) * hop - half  # what the kept blocks play
            targets.append(rec.audio[k][begin : begin + (RUN - WARM_UP) * hop])
        frames = torch.stack(runs)  # (runs, RUN, bins)
        out = self.model.decoder(self.model.encoder(frames.flatten(0, 1)))
        out = out.unflatten(0, (RUNS, RUN))
        self.vocoder.reset(RUNS)
        blocks = [self.vocoder(out[:, t]) for t in range(RUN)]
        audio = torch.cat(blocks[WARM_UP:], 1)
        return (self.log_mel(audio) - self.log_mel(torch.stack(targets))).abs().mean()


@torch.no_grad()
def played_distance(model: SoundModel, clips: list[np.ndarray]) -> float:
    """The metric's distance of `clips` decoded frame by frame (each from silence)."""
    from mapper.generators.sound.spectra import magnitudes

    total, seconds = 0.0, 0.0
    device = model.window.device
    vocoder = Vocoder(model.n_fft, model.hop).to(device)
    for clip in clips:
        frames = torch.log(torch.from_numpy(magnitudes(clip, model.n_fft)) + FLOOR)
        out = model.decoder(model.encoder(frames.to(device)))
        vocoder.reset(1)
        blocks = [vocoder(out[t : t + 1]) for t in range(len(out))]
        audio = torch.cat(blocks, 1)[0].cpu().numpy()
        played = audio[model.n_fft // 2 :][: len(clip)]
        total += mel_distance(clip[: len(played)], played, model.sr) * len(clip)
        seconds += len(clip)
    return total / max(1.0, seconds)
