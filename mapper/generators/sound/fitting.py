"""Fitting the sound model's encoder and decoder to spectral frames, within a time budget.

The frame loss is the L1 distance of log-magnitudes (every bin) plus that of log-mel bands
(what an ear weighs), with a little noise added to the latent codes while training (so nearby
points sound alike: a smooth space to steer) and a small pull of the codes towards 0
(tuning.py adds the loss of the audio played). `fit` scores the held-out audio every EVERY
steps and keeps the best weights so far; the learning rate halves when the score stops
falling, and the fit stops when it has halved PLATEAUS times and still does not fall, when the
budget is spent, or when `stop` is set (ctrl-c, the TUI's cancel): the best weights are what
it returns, every time.
"""

from __future__ import annotations

import copy
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch

from mapper.generators.sound.streaming import SoundModel

BATCH = 256
LEARNING_RATE = 1e-3
NOISE = 0.05  # latent noise while training
PULL = 1e-3  # weight of the codes' mean square
EVERY = 200  # steps between held-out scores (or SCORE_SECONDS, whichever comes first)
SCORE_SECONDS = 10.0
REPORT_SECONDS = 0.5  # the running loss is reported this often between scores
PATIENCE = 1500  # steps without a better held-out score before the learning rate halves
PLATEAUS = 3
BETTER = 0.002  # a held-out score must fall by this share to count as better


@dataclass(frozen=True)
class Frames:
    """Spectral frames, on the training device: log-magnitudes and log-mel bands."""

    log_mag: torch.Tensor  # (frames, bins)
    log_mel: torch.Tensor  # (frames, bands)

    def __len__(self) -> int:
        return self.log_mag.shape[0]


@dataclass(frozen=True)
class Step:
    """What one held-out score reports."""

    step: int
    loss: float  # training loss, averaged since the last report
    held_out: float
    best: float
    seconds: float


@dataclass(frozen=True)
class Fitted:
    steps: int
    seconds: float
    best: float
    stopped: str  # "converged", "budget" or "cancelled"


def loss_of(model: SoundModel, frames: Frames, noise: float) -> torch.Tensor:
    z = model.encoder(frames.log_mag)
    if noise:
        z = z + noise * torch.randn_like(z)
    out = model.decoder(z)
    mel = model.log_mel(torch.exp(out))
    spectral = (out - frames.log_mag).abs().mean() + (mel - frames.log_mel).abs().mean()
    return spectral + PULL * (z**2).mean() if noise else spectral


@torch.no_grad()
def held_out_loss(model: SoundModel, frames: Frames) -> float:
    total = 0.0
    for start in range(0, len(frames), 4096):
        part = Frames(frames.log_mag[start : start + 4096], frames.log_mel[start : start + 4096])
        total += float(loss_of(model, part, 0.0)) * len(part)
    return total / max(1, len(frames))


class FrameLoss:
    """The frame loss on a random batch of training frames, each call."""

    def __init__(self, model: SoundModel, train: Frames, seed: int) -> None:
        self.model, self.train = model, train
        self.generator = torch.Generator(device="cpu").manual_seed(seed)

    def __call__(self) -> torch.Tensor:
        size = min(BATCH, len(self.train))
        pick = torch.randint(0, len(self.train), (size,), generator=self.generator)
        pick = pick.to(self.train.log_mag.device)
        return loss_of(
            self.model, Frames(self.train.log_mag[pick], self.train.log_mel[pick]), NOISE
        )


def fit(
    model: SoundModel,
    loss_fn: Callable[[], torch.Tensor],
    score_fn: Callable[[], float],
    seconds: float,
    on_step: Callable[[Step], None],
    stop: threading.Event,
    learning_rate: float = LEARNING_RATE,
    first_step: int = 0,
) -> Fitted:
    """Fit `model` (in place) by `loss_fn`, scored by `score_fn` (lower is better) every EVERY
    steps, for at most `seconds`; it ends holding the best-scored weights."""
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(params, lr=learning_rate)
    model.eval()
    best = score_fn()
    best_state = copy.deepcopy(model.state_dict())
    since_better, plateaus, step, running, count = 0, 0, first_step, 0.0, 0
    started = time.perf_counter()
    scored = reported = started
    last_scored_step = step
    score = best
    on_step(Step(step, math.nan, best, best, 0.0))
    stopped = "budget"
    model.train()
    while True:
        elapsed = time.perf_counter() - started
        if stop.is_set():
            stopped = "cancelled"
            break
        if elapsed >= seconds:
            break
        loss = loss_fn()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        step += 1
        running, count = running + float(loss.detach()), count + 1
        now = time.perf_counter()
        if (step - first_step) % EVERY and now - scored < SCORE_SECONDS:
            if now - reported >= REPORT_SECONDS:
                on_step(Step(step, running / count, score, best, now - started))
                reported = now
            continue
        scored = reported = now
        model.eval()
        score = score_fn()
        model.train()
        if score < best * (1.0 - BETTER):
            best, best_state, since_better = score, copy.deepcopy(model.state_dict()), 0
        else:
            since_better += step - last_scored_step
        last_scored_step = step
        on_step(Step(step, running / count, score, best, time.perf_counter() - started))
        running, count = 0.0, 0
        if since_better >= PATIENCE:
            if plateaus == PLATEAUS:
                stopped = "converged"
                break
            plateaus, since_better = plateaus + 1, 0
            for group in optimizer.param_groups:
                group["lr"] *= 0.5
    model.eval()
    if step > last_scored_step:  # the steps since the last score count too
        score = score_fn()
        if score < best:
            best, best_state = score, copy.deepcopy(model.state_dict())
        on_step(Step(step, running / max(1, count), score, best, time.perf_counter() - started))
    model.load_state_dict(best_state)
    seconds_taken = time.perf_counter() - started
    return Fitted(step, seconds_taken, best if math.isfinite(best) else float("nan"), stopped)
