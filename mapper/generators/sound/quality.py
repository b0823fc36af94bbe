"""How good a trained sound model is, on audio it did not train on, as it plays live.

The metric is the log-mel L1 distance (`log_mel`, `mel_distance`): magnitude STFT (see
baselines.py: Hann window of about 46 ms, hop a quarter of it, divided by the window's sum),
80 triangular mel bands (HTK's mel scale, 40 Hz to half the rate, each triangle peaking at 1,
as torchaudio's default), natural log of (mel + 1e-5): at 44.1 kHz a full-scale sine reads
about -0.3 in its band, white noise at -60 dBFS about -8.5. It is fixed and depends on no model.

`measure` encodes the held-out audio (`held_out`: a tenth, in 1 s pieces spread through the
recording, joined end to end), decodes it one latent frame at a time as a live player would,
and reads the distance beside three references on the same audio: a static spectrum, a linear
model of the same latent size (PCA + Griffin-Lim), and a perfect-magnitude random-phase oracle.
The goal's static spectrum is the joined held-out audio's; `static_per_clip` (each piece's
own) is a harder one.
It also checks that every latent dimension is alive (`liveness`) and how fast decoding is
(`decode_speed`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from mapper.generators.sound.baselines import (
    linear_baseline,
    oracle,
    static_baseline,
    stft,
    window_size,
)
from mapper.generators.sound.spectra import FLOOR, mel_bank

__all__ = [
    "align", "checks", "decode_speed", "held_out", "linear_baseline", "liveness", "log_mel",
    "measure", "mel_distance", "model_audio", "model_rate", "oracle", "static_baseline",
    "summary",
]  # fmt: skip

MEL_BANDS = 80
MEL_LOW_HZ = 40.0
PIECE_SECONDS = 1.0  # held-out pieces: see held_out
GOAL_STATIC = 0.6  # model / static at most
GOAL_LINEAR = 1.0  # model / linear at most
GOAL_ALIVE = 0.10  # each dimension moves loudness or centroid at least this much over -2..2
GOAL_RTF = 20.0  # decoding at least this many times real time, on one CPU thread
Loader = Callable[[], Any]


def log_mel(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """(frames, 80): ln(mel + 1e-5) of the magnitude STFT (see the module's docstring)."""
    n = window_size(sample_rate)
    return np.log(
        np.abs(stft(audio, n)) @ mel_bank(sample_rate, n, MEL_BANDS, MEL_LOW_HZ).T + FLOOR
    )


def mel_distance(reference: np.ndarray, candidate: np.ndarray, sample_rate: int) -> float:
    """Mean absolute difference of `log_mel` over the frames both have."""
    a, b = log_mel(reference, sample_rate), log_mel(candidate, sample_rate)
    frames = min(len(a), len(b))
    return float(np.mean(np.abs(a[:frames] - b[:frames])))


@dataclass(frozen=True)
class Split:
    """The audio cut for training and measuring (see `held_out`)."""

    train: list[np.ndarray]
    validation: list[np.ndarray]  # what training stops early on, and keeps its best by
    test: list[np.ndarray]  # what the quality is measured on: never trained or chosen on


def held_out(clips: list[np.ndarray], sample_rate: int) -> Split:
    """The files joined end to end and cut into pieces of PIECE_SECONDS: every tenth piece
    (the 6th, 16th, ...) is the test, every twentieth (the 1st, 21st, ...) the validation,
    the rest (85%) trains. Pieces spread through the whole recording, so the test hears what
    the model trains on (a last tenth of each file would be mostly the tails of notes)."""
    stream = np.concatenate(clips) if clips else np.zeros(0, np.float32)
    size = max(1, round(PIECE_SECONDS * sample_rate))
    train: list[np.ndarray] = []
    validation: list[np.ndarray] = []
    test: list[np.ndarray] = []
    run: list[np.ndarray] = []
    for k, start in enumerate(range(0, len(stream), size)):
        piece = stream[start : start + size]
        side = test if k % 10 == 5 else validation if k % 20 == 0 else None
        if side is None:
            run.append(piece)
            continue
        side.append(piece)
        if run:
            train.append(np.concatenate(run))
            run = []
    if run:
        train.append(np.concatenate(run))
    return Split(train, validation, test)


def model_rate(module: Any) -> int:
    """The module's sample rate: `sr` (RAVE v2) or its `sampling_rate` buffer (v1)."""
    if hasattr(module, "sr"):
        return int(module.sr)
    return int(module.sampling_rate)


def _params(module: Any) -> tuple[int, int]:
    latent, ratio = (int(v) for v in module.decode_params[:2])
    return latent, ratio


def _decode(module: Any, z: Any) -> np.ndarray:
    """Decode z (1, latent, frames) one frame at a time, as live; mono float64."""
    import torch

    with torch.no_grad():
        blocks = [module.decode(z[:, :, t : t + 1]) for t in range(z.shape[-1])]
    return torch.cat(blocks, dim=-1)[0].mean(dim=0).double().numpy()


def align(reference: np.ndarray, output: np.ndarray, sample_rate: int, max_lag: int) -> int:
    """The lag in 0..max_lag (output sample i + lag plays reference sample i) that minimises the
    mel distance: every hop first, then every sixteenth of a hop around the best."""
    hop = window_size(sample_rate) // 4
    n = len(reference)
    target = log_mel(reference, sample_rate)

    def cost(lag: int) -> float:
        candidate = log_mel(output[lag : lag + n], sample_rate)
        frames = min(len(target), len(candidate))
        return float(np.mean(np.abs(target[:frames] - candidate[:frames])))

    coarse = min(range(0, max_lag + 1, hop), key=cost)
    fine = range(max(0, coarse - hop), min(max_lag, coarse + hop) + 1, max(1, hop // 16))
    return min(fine, key=cost)


def model_audio(load: Loader, test_audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """A freshly loaded model encodes `test_audio` whole (with silence after it, so that its
    delay is played out) and decodes it one latent frame at a time; the mono output aligned to
    the input (by its int `latency`, output sample i playing input sample i - latency, or else
    by the lag in 0..8 blocks that reads closest), as long as the input."""
    import torch

    module = load()
    _, ratio = _params(module)
    declared: Any = getattr(module, "latency", None)
    known = isinstance(declared, int) and not isinstance(declared, bool)
    latency = max(0, int(declared)) if known else 8 * ratio  # the most to play out
    tail = -(-latency // ratio) * ratio
    x = np.pad(np.asarray(test_audio, dtype=np.float32).ravel(), (0, tail))
    with torch.no_grad():
        z = module.encode(torch.from_numpy(x).reshape(1, 1, -1))
    y = _decode(module, z)
    lag = latency if known else align(test_audio, y, sample_rate, 8 * ratio)
    out = y[lag : lag + len(test_audio)]
    return np.pad(out, (0, len(test_audio) - len(out)))


def _loudness_centroid(audio: np.ndarray, sample_rate: int) -> tuple[float, float]:
    """RMS and spectral centroid (Hz, of the Hann-windowed whole) of `audio`."""
    rms = float(np.sqrt(np.mean(audio**2))) if len(audio) else 0.0
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(len(audio))))
    total = spectrum.sum()
    freqs = np.fft.rfftfreq(len(audio), 1.0 / sample_rate)
    return rms, float((freqs * spectrum).sum() / total) if total > 0 else 0.0


def liveness(load: Loader, latent: int, sample_rate: int, seconds: float = 1.0) -> list[float]:
    """Per latent dimension: decode (block by block, fresh model) the latent held at -2 and at
    +2 on that dimension, 0 elsewhere; the larger relative change in RMS or spectral centroid
    over the second half: max(|dRMS| / max RMS, |dcentroid| / max centroid)."""
    import torch

    effects = []
    for d in range(latent):
        measured = []
        for value in (-2.0, 2.0):
            module = load()
            _, ratio = _params(module)
            z = torch.zeros(1, latent, max(2, math.ceil(seconds * sample_rate / ratio)))
            z[0, d] = value
            y = _decode(module, z)
            measured.append(_loudness_centroid(y[len(y) // 2 :], sample_rate))
        effect = 0.0
        for a, b in zip(*measured):
            if max(a, b) > 0:
                effect = max(effect, abs(a - b) / max(a, b))
        effects.append(effect)
    return effects


def decode_speed(load: Loader, latent: int, seconds: float = 10.0) -> float:
    """Audio seconds decoded per compute second (one thread, one latent frame per call, a
    slowly wandering latent): the real-time factor."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        module = load()
        _, ratio = _params(module)
        rate = model_rate(module)
        frames = max(1, math.ceil(seconds * rate / ratio))
        t = torch.arange(frames, dtype=torch.float32)[None, :] * ratio / rate
        d = torch.arange(latent, dtype=torch.float32)[:, None]
        z = (1.5 * torch.sin(2 * math.pi * (0.05 + 0.03 * d) * t + d))[None]
        with torch.no_grad():
            for k in range(3):  # TorchScript optimises its first calls
                module.decode(z[:, :, k : k + 1])
            started = time.perf_counter()
            for k in range(frames):
                module.decode(z[:, :, k : k + 1])
            elapsed = time.perf_counter() - started
    finally:
        torch.set_num_threads(threads)
    return frames * ratio / rate / max(elapsed, 1e-9)


def measure(
    load: Loader,
    train_clips: list[np.ndarray],
    test_clips: list[np.ndarray],
    sample_rate: int,
    latent: int,
) -> dict[str, float]:
    """The model and its references on the held-out clips (joined), liveness and speed."""
    module = load()
    if model_rate(module) != sample_rate:
        raise ValueError(f"the model plays at {model_rate(module)} Hz, the audio is {sample_rate}")
    test = np.concatenate([np.asarray(c, dtype=np.float64).ravel() for c in test_clips])
    rng = np.random.default_rng(0)
    q: dict[str, float] = {"latent": float(latent), "test_seconds": len(test) / sample_rate}
    q["model"] = mel_distance(test, model_audio(load, test, sample_rate), sample_rate)
    q["static"] = mel_distance(test, static_baseline(test, sample_rate, rng), sample_rate)
    per_clip = np.concatenate([static_baseline(c, sample_rate, rng) for c in test_clips])
    q["static_per_clip"] = mel_distance(test, per_clip, sample_rate)
    linear = linear_baseline(train_clips, test, sample_rate, latent, rng)
    q["linear"] = mel_distance(test, linear, sample_rate)
    q["oracle"] = mel_distance(test, oracle(test, sample_rate, rng), sample_rate)
    q["ratio_static"] = q["model"] / q["static"]
    q["ratio_linear"] = q["model"] / q["linear"]
    q["linear_static"] = q["linear"] / q["static"]
    q["oracle_static"] = q["oracle"] / q["static"]
    effects = liveness(load, latent, sample_rate)
    q["alive"] = float(sum(e >= GOAL_ALIVE for e in effects))
    q["weakest"] = min(effects)
    q["rtf"] = decode_speed(load, latent)
    return q


def checks(q: dict[str, float]) -> list[tuple[str, str, bool]]:
    """(goal, measured, met) for each goal of `measure`'s figures."""
    latent = int(q["latent"])
    return [
        (f"model / static spectrum <= {GOAL_STATIC:g}", f"{q['ratio_static']:.2f}",
         q["ratio_static"] <= GOAL_STATIC),
        (f"model / linear ({latent} dims) <= {GOAL_LINEAR:g}", f"{q['ratio_linear']:.2f}",
         q["ratio_linear"] <= GOAL_LINEAR),
        (f"every dimension moves loudness or centroid >= {GOAL_ALIVE:.0%}",
         f"{int(q['alive'])}/{latent} alive, weakest {q['weakest']:.0%}", q["alive"] >= latent),
        (f"decoding >= {GOAL_RTF:g}x real time on one thread", f"{q['rtf']:.0f}x",
         q["rtf"] >= GOAL_RTF),
    ]  # fmt: skip


def summary(q: dict[str, float]) -> list[str]:
    """Lines to print: the distances, then each goal, what was measured and whether it is met."""
    lines = [
        f"log-mel L1 on {q['test_seconds']:.1f} s held out, decoded frame by frame: "
        f"model {q['model']:.3f}, static {q['static']:.3f}, linear {q['linear']:.3f}, "
        f"oracle {q['oracle']:.3f}, each clip's static {q['static_per_clip']:.3f} "
        f"(linear/static {q['linear_static']:.2f}, oracle/static {q['oracle_static']:.2f})"
    ]
    for goal, measured, met in checks(q):
        lines.append(f"{'met    ' if met else 'NOT MET'}  {goal}: {measured}")
    return lines
