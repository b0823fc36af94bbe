"""`mapper generator train sound`: the artist's audio in, a steerable TorchScript model out.

Read the folder (audio_files.py), hold out a tenth to measure and a twentieth to stop on
(quality.held_out: 1 s pieces spread through the recording), augment the rest
when it is short (augment.py), turn it into spectral frames, fit the encoder and decoder
within the time budget (fitting.py), order and scale the latent (ordering.py), write the
model (export.py) and measure it on the held-out audio (quality.py). With `from_model`, the
fit starts from that model's weights (a fine-tune: its settings are kept).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

import numpy as np
import torch

from mapper.errors import GeneratorError
from mapper.generators.base import resolve_device
from mapper.generators.sound import fitting, tuning
from mapper.generators.sound.audio_files import read_folder
from mapper.generators.sound.augment import SMALL_SECONDS, augment
from mapper.generators.sound.export import load_scripted, read_model, write_model
from mapper.generators.sound.options import Progress, TrainOptions, TrainResult, check, clock
from mapper.generators.sound.ordering import latent_map, order_latent
from mapper.generators.sound.quality import held_out, measure, summary
from mapper.generators.sound.spectra import FLOOR, MEL_BANDS, frame_size, magnitudes, mel_bank
from mapper.generators.sound.streaming import SoundModel

HIDDEN = 512  # the decoder's width (the encoder's is half)
RESERVE = 0.1  # of the budget kept for ordering, writing and measuring
FRAMES_SHARE = 0.3  # of the fit's time on frames alone; the rest through the vocoder too
QUIET_DB = -50.0  # frames this far under the loudest are left off the latent map

Report = Callable[[Progress], None]


@torch.no_grad()
def start_as_pca(model: SoundModel, log_mag: torch.Tensor) -> None:
    """Start the linear paths as the frames' principal components (unit spread each), the
    MLPs beside them at zero: the model starts as good as PCA, and learns from there."""
    mean = log_mag.mean(0)
    centred = (log_mag - mean).double()
    spread, axes = torch.linalg.eigh(centred.T @ centred / max(1, len(centred) - 1))
    top = torch.argsort(spread, descending=True)[: model.latent_size]
    axes, spread = axes[:, top], spread[top].clamp(min=1e-12).sqrt()
    model.encoder.mean.copy_(mean)
    model.encoder.scale.copy_(log_mag.std(0) + 1e-3)
    model.encoder.linear.weight.copy_((axes / spread).T.float())
    model.encoder.linear.bias.zero_()
    model.decoder.linear.weight.copy_((axes * spread).float())
    model.decoder.linear.bias.copy_(mean)


def frames_of(clips: list[np.ndarray], model: SoundModel, device: str) -> fitting.Frames:
    mags = [magnitudes(c, model.n_fft) for c in clips if len(c) > model.hop]
    mag = torch.from_numpy(np.concatenate(mags) if mags else np.zeros((0, model.n_fft // 2 + 1)))
    mag = mag.float()
    return fitting.Frames(torch.log(mag + FLOOR).to(device), model.log_mel(mag).to(device))


def train_sound(
    options: TrainOptions, on_progress: Report | None = None, stop: threading.Event | None = None
) -> TrainResult:
    """Train and write a sound model; GeneratorError (one line) says what is wrong."""
    check(options)
    stop = stop or threading.Event()
    report = on_progress or (lambda _: None)
    started = time.perf_counter()
    budget = options.minutes * 60.0

    def say(stage: str, line: str, fraction: float = 0.0) -> None:
        elapsed = time.perf_counter() - started
        report(Progress(stage, elapsed=elapsed, fraction=fraction, line=line))

    device = resolve_device(options.device) or "cpu"
    if options.from_model is not None:
        say("reading", f"reading {options.from_model}")
        model = read_model(options.from_model)
    else:
        rate = options.sample_rate
        mel = torch.from_numpy(mel_bank(rate, frame_size(rate), MEL_BANDS, mean=True))
        model = SoundModel(rate, frame_size(rate), options.latent, MEL_BANDS, HIDDEN, mel)
    corpus = read_folder(
        options.data,
        model.sr,
        options.min_seconds,
        on_file=lambda name: say("reading", f"reading {name}"),
    )
    say("reading", f"{corpus.describe()} at {model.sr} Hz")
    split = held_out(corpus.clips, model.sr)
    if not split.test or not split.validation:
        raise GeneratorError(f"{options.data}: too little audio to hold any out")
    train_clips = heard = split.train  # heard: as recorded, for the linear baseline
    rng = np.random.default_rng(options.seed)
    if corpus.seconds < SMALL_SECONDS:  # varied copies: up to SMALL_SECONDS, or 3x as much
        train_clips = augment(train_clips, model.sr, rng, min(SMALL_SECONDS, 3 * corpus.seconds))
    torch.manual_seed(options.seed)
    train = frames_of(train_clips, model, device)
    validation = frames_of(split.validation, model, device)
    if options.from_model is None:
        start_as_pca(model, train.log_mag.cpu())
    model.to(device)
    seconds = max(1.0, budget * (1 - RESERVE) - (time.perf_counter() - started))
    phase_end = [seconds * FRAMES_SHARE, seconds]  # seconds from the fit's start
    fit_started = time.perf_counter()

    def on_step(s: fitting.Step) -> None:
        spent = time.perf_counter() - fit_started
        left = max(0.0, seconds - spent) + budget * RESERVE / 2
        report(
            Progress(
                "training",
                s.step,
                s.loss,
                s.best,
                time.perf_counter() - started,
                left,
                min(1.0, spent / seconds),
                f"step {s.step} · loss {_figure(s.loss)} · held-out {s.held_out:.3f} (best "
                f"{s.best:.3f}) · {clock(left)} left",
            )
        )

    frame_loss = fitting.FrameLoss(model, train, options.seed)
    fitted = fitting.fit(
        model,
        frame_loss,
        lambda: fitting.held_out_loss(model, validation),
        phase_end[0],
        on_step,
        stop,
    )
    recording = tuning.Recording.of(train_clips, model, device)
    if fitted.stopped != "cancelled" and recording is not None:
        audio_loss = tuning.AudioLoss(model, recording, options.seed)
        fitted = fitting.fit(
            model,
            lambda: audio_loss() + frame_loss(),
            lambda: tuning.played_distance(model, split.validation),
            phase_end[1] - (time.perf_counter() - fit_started),
            on_step,
            stop,
            tuning.LEARNING_RATE,
            fitted.steps,
        )
    say("ordering", "ordering the latent dimensions")
    model.to("cpu")
    train_cpu = fitting.Frames(train.log_mag.cpu(), train.log_mel.cpu())
    loudness = torch.logsumexp(2 * train_cpu.log_mag, dim=1)
    order_latent(model, train_cpu.log_mag, loudness)
    latent_map(model, train_cpu.log_mag, loudness > loudness.max() + QUIET_DB * math.log(10) / 10)
    say("writing", f"writing {options.out}")
    write_model(model, options.out)
    quality: dict[str, float] = {}
    if fitted.stopped != "cancelled" and not stop.is_set():  # ctrl-c while writing: done
        say("measuring", "measuring it on the held-out tenth")
        quality = measure(
            lambda: load_scripted(options.out),
            heard,
            split.test,
            model.sr,
            model.latent_size,
        )
    took = time.perf_counter() - started
    lines = [
        f"wrote {options.out}: {model.sr} Hz, latent size {model.latent_size}, "
        f"{fitted.steps} steps in {clock(took)} ({fitted.stopped}), "
        f"{corpus.describe()}",
        *(summary(quality) if quality else []),
    ]
    say("cancelled" if fitted.stopped == "cancelled" else "done", lines[0], fraction=1.0)
    return TrainResult(
        options.out, corpus.seconds, took, fitted.steps, fitted.stopped, quality, lines
    )


def _figure(value: float) -> str:
    return f"{value:.3f}" if math.isfinite(value) else "-"
