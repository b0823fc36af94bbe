"""What `mapper generator train` and `mapper generator render` do."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from mapper.errors import GeneratorError, ProjectError
from mapper.generators.rhythm.decoder import WEIGHTS_FILE
from mapper.project import PROJECT_FILE, holds_project


def _fail(message: str) -> int:
    print(f"mapper: {message}", file=sys.stderr)
    return 1


def train(args: argparse.Namespace) -> int:
    from mapper.generators.rhythm.decoder import load_arrays, shipped_weights
    from mapper.generators.rhythm.sources import read_patterns
    from mapper.generators.rhythm.train import Settings, save_weights
    from mapper.generators.rhythm.train import train as fit

    sound_only = [flag for flag, given in (("--from", args.from_model), ("--force", args.force),
                  ("--minutes", args.minutes != 5.0), ("--latent", args.latent != 8),
                  ("--rate", args.rate != 44100), ("--min-seconds", args.min_seconds != 20.0),
                  ("--seed", args.seed != 0)) if given]  # fmt: skip
    if sound_only:
        return _fail(f"{', '.join(sound_only)}: for sound; rhythm takes --from-shipped, --epochs")
    out = Path(args.out)
    try:
        project = out if holds_project(out) else None
    except ProjectError:  # a file, or a folder of other files: not a project
        project = None
    if project is None and (out.is_dir() or out.suffix != ".npz"):
        return _fail(f"--out {out}: give a project folder (with {PROJECT_FILE}) or a FILE.npz")
    try:
        patterns = read_patterns(Path(args.data))
        settings = Settings(device=args.device or "auto")
        if args.epochs:
            settings.epochs = args.epochs
        start = load_arrays(shipped_weights()) if args.from_shipped else None
        styles = sorted({p.style for p in patterns})
        print(
            f"training the rhythm model on {len(patterns)} patterns ({len(styles)} styles)"
            f"{', from the shipped weights' if start else ''}...",
            flush=True,
        )
        t0 = time.perf_counter()
        arrays = fit(patterns, settings, start)
        seconds = time.perf_counter() - t0
        path = project / WEIGHTS_FILE if project is not None else out
        save_weights(arrays, path)
        if project is not None:
            _use_weights(project, WEIGHTS_FILE)
    except GeneratorError as e:
        return _fail(str(e))
    except OSError as e:
        return _fail(f"cannot write {out}: {e}")
    from mapper.generators.rhythm.generator import RhythmGenerator
    from mapper.generators.rhythm.quality import encode, onset_f1

    gen = RhythmGenerator(path, device="cpu")
    f1 = onset_f1(gen, encode(arrays, patterns), patterns)
    print(f"trained in {seconds:.1f} s; onset F1 on these patterns {f1:.3f}; saved {path}")
    if project is not None:
        print(f"{project} now plays these weights (its project.json names {WEIGHTS_FILE})")
    return 0


def _use_weights(project: Path, name: str) -> None:
    """Point the project's generator settings at its own weights (only that field changes)."""
    from mapper.project.files import write_atomic

    path = project / PROJECT_FILE
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise GeneratorError(f"{path}: cannot be read: {e}") from e
    if not isinstance(doc, dict):
        raise GeneratorError(f"{path}: not a project file")
    saved = doc.get("generator")
    generator: dict[str, Any] = saved if isinstance(saved, dict) else {}
    doc["generator"] = {"type": "rhythm", "bpm": 120.0, **generator, "weights": name}
    write_atomic(path, json.dumps(doc, indent=2) + "\n")


def _latent(args: argparse.Namespace, gen: object) -> np.ndarray:
    from mapper.generators.rhythm.generator import RhythmGenerator

    assert isinstance(gen, RhythmGenerator)
    if args.style:
        styles = gen.styles
        if args.style not in styles:
            raise GeneratorError(f"--style: no style {args.style!r}; these: {', '.join(styles)}")
        return styles[args.style]
    if not args.latent:
        return np.zeros(gen.latent_size)
    try:
        z = np.array([float(v) for v in args.latent.replace(" ", ",").split(",") if v])
    except ValueError:
        raise GeneratorError(f"--latent {args.latent!r}: give numbers, comma-separated") from None
    if z.size != gen.latent_size or not np.all(np.isfinite(z)):
        raise GeneratorError(f"--latent: the rhythm model takes {gen.latent_size} numbers")
    return z


def render(args: argparse.Namespace) -> int:
    from mapper.generators.rhythm.generator import RhythmGenerator
    from mapper.generators.rhythm.midi import write_midi
    from mapper.generators.rhythm.patterns import Pattern, format_patterns
    from mapper.generators.rhythm.sequencer import check_bpm
    from mapper.generators.rhythm.synth import render_bars, write_wav

    out = Path(args.out)
    kind = out.suffix.lower()
    if kind not in (".wav", ".mid", ".midi", ".txt"):
        return _fail(f"--out {out}: the file name must end in .wav, .mid or .txt")
    if args.bars < 1:
        return _fail("--bars must be at least 1")
    try:
        bpm = check_bpm(args.bpm)
    except ValueError as e:
        return _fail(f"--bpm: {e}")
    try:
        weights = Path(args.weights) if args.weights else None
        if weights is not None and weights.is_dir():
            weights = weights / WEIGHTS_FILE
        gen = RhythmGenerator(weights, device="cpu")
        z = _latent(args, gen)
        bars = [gen.decode(z)] * args.bars
        if kind == ".wav":
            write_wav(out, render_bars(bars, bpm))
        elif kind == ".txt":
            label = args.style or "rendered"
            out.write_text(format_patterns([Pattern(label, label, bars[0])]), encoding="utf-8")
        else:
            write_midi(out, bars, bpm)
    except GeneratorError as e:
        return _fail(str(e))
    except OSError as e:
        return _fail(f"cannot write {out}: {e}")
    point = ", ".join(f"{v:.2f}" for v in z)
    print(f"rendered {args.bars} bar(s) at ({point}), {bpm:g} BPM -> {out}")
    return 0
