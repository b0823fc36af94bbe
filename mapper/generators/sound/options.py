"""What a sound-model training is asked for, and what it reports while it runs and at its end."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from mapper.errors import GeneratorError

SAMPLE_RATE = 44100  # as nn~ users expect (RAVE models are 44.1 or 48 kHz)
LATENT = 8
MINUTES = 5.0  # the default time budget, for up to 5 minutes of audio
MIN_SECONDS = 20.0  # less audio than this (after trimming silence) is refused
SHIPPED = Path(__file__).parent / "shipped" / "sound.ts"  # the model mapper ships
SHIPPED_NAME = "mapper:sound"  # how a project names it: wherever mapper is installed
LATENT_RANGE = (2, 16)
STAGES = ("reading", "training", "ordering", "writing", "measuring", "done", "cancelled", "failed")


@dataclass(frozen=True)
class TrainOptions:
    """`mapper generator train sound` as typed options (the TUI's form and OSC make the same)."""

    data: Path  # a folder of audio files (or one file)
    out: Path  # the TorchScript file written
    minutes: float = MINUTES  # the time budget; it stops earlier when the loss stops falling
    latent: int = LATENT  # 2..16 latent dimensions
    sample_rate: int = SAMPLE_RATE
    device: str = "cpu"  # "cpu", "cuda" or "auto"
    from_model: Path | None = None  # fine-tune this model (one `train sound` made) instead
    min_seconds: float = MIN_SECONDS
    seed: int = 0
    force: bool = False  # overwrite `out` if it exists


@dataclass(frozen=True)
class Progress:
    """One report from a running training (on the training thread: copy, never block)."""

    stage: str  # one of STAGES
    step: int = 0
    loss: float = float("nan")  # the latest training loss (log-spectral L1)
    best: float = float("nan")  # the best held-out loss so far (what is kept)
    elapsed: float = 0.0  # seconds since the training started
    eta: float = float("nan")  # seconds left, estimated (nan while unknown)
    fraction: float = 0.0  # 0..1 of the work, for a progress bar
    line: str = ""  # one line for a console or a status bar


@dataclass(frozen=True)
class TrainResult:
    """What a finished (or cancelled: the best so far was written) training made."""

    out: Path
    audio_seconds: float  # after trimming silence, before augmenting
    train_seconds: float
    steps: int
    stopped: str  # "converged", "budget" or "cancelled"
    quality: dict[str, float] = field(default_factory=dict)  # see mapper.generators.sound.quality
    summary: list[str] = field(default_factory=list)  # lines to print


def check(options: TrainOptions) -> None:
    """Refuse what cannot work before any audio is read."""
    low, high = LATENT_RANGE
    if options.from_model is None and not low <= options.latent <= high:
        raise GeneratorError(f"the latent size must be {low} to {high}, not {options.latent}")
    if not 0 < options.minutes <= 24 * 60:
        raise GeneratorError(
            f"the time budget must be above 0 minutes (and at most a day), not {options.minutes}"
        )
    if options.sample_rate < 16000 or options.sample_rate > 96000:
        raise GeneratorError(
            f"the sample rate must be 16000 to 96000 Hz, not {options.sample_rate}"
        )
    if options.out.is_dir():
        raise GeneratorError(f"{options.out} is a folder; name the model file, *.ts")
    folder = options.out.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise GeneratorError(
            f"{options.out}: cannot write in {folder} (no such folder, or not ours)"
        )
    if options.out.exists() and not options.force:
        raise GeneratorError(f"{options.out} exists; it is replaced only when asked (--force)")
    if options.out.suffix != ".ts":
        raise GeneratorError(f"{options.out}: the model is a TorchScript file; name it *.ts")


def shipped_named(value: str | Path) -> Path | None:
    """SHIPPED when a project's model path names it (SHIPPED_NAME), else None."""
    return SHIPPED if str(value) == SHIPPED_NAME else None


def clock(seconds: float) -> str:
    """Seconds as m:ss for a progress line ("-" when not known)."""
    if not math.isfinite(seconds):
        return "-"
    whole = max(0, round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"
