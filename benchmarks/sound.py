"""The sound section: a steerable sound model on about two minutes of real recorded instruments,
measured on their held-out tenth as it plays live (mapper.generators.sound.quality).

    python -m benchmarks.sound [--data DIR] [--model M.ts] [--minutes 5] [--latent 8] [--json P]
                               [--quick]

The data: the audio files in --data, or else CHOSEN below, from Debian's sonic-pi-samples
(/usr/share/sonic-pi/samples: freesound.org recordings placed in the public domain, CC0): pitched
recordings of real instruments only (guitar, piano, choir, glasses, bells, tabla, drums). They
are read as `mapper generator train sound` reads them (mono at the model's rate, silence
trimmed) and split as it splits them (quality.held_out: a tenth held out in 1 s pieces).

With --model, that model is measured on the held-out tenth. Without it, one is trained with
`train_sound`, as `mapper generator train sound` does, and its own measurement is reported
(on the same held-out tenth, which it never trains on nor stops on). The baselines (static
spectrum, oracle, linear at 2, 4 and 8 dimensions) are timed on their own; the machine and its
load are printed.
--quick (the suite's smoke run): the first QUICK_FILES files and a QUICK_MINUTES budget.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import machine
from benchmarks.report import progress as progress_line

SAMPLES = Path("/usr/share/sonic-pi/samples")
CHOSEN = (  # 117 s of real recorded instruments (seconds in the comments), no synthesiser
    "guit_em9", "guit_e_fifths", "guit_e_slide", "guit_harmonics",  # guitar 10.0 6.0 4.3 3.5
    "ambi_piano", "ambi_choir",  # piano chords 2.8, a choir 1.6
    "ambi_glass_hum", "ambi_glass_rub", "ambi_haunted_hum",  # glasses 10.0 3.1 9.8
    "perc_bell", "perc_bell2", "perc_till",  # bells 6.7 5.5 2.7
    "loop_tabla", "tabla_ghe2", "tabla_ghe3", "tabla_ghe5", "tabla_ghe6", "tabla_ghe7",
    "tabla_tun1", "tabla_tun2", "tabla_tun3", "tabla_na_o", "tabla_tas1", "tabla_tas2",
    "tabla_tas3",  # tabla: a loop 10.7, strokes 2.7 2.4 3.6 3.6 2.2 2.3 2.7 2.1 1.5 1.1 1.4 1.2
    "loop_amen_full", "drum_roll",  # a drum kit 6.9, a snare roll 6.2
)  # fmt: skip
AUDIO = (".wav", ".flac", ".ogg", ".aif", ".aiff", ".mp3")
QUICK_FILES = 8  # guitars, piano, choir, glasses: 41 s
QUICK_MINUTES = 0.25
DIMS = (2, 4, 8)
Log = Callable[[str], None]


def files(data: Path | None) -> list[Path]:
    if data is not None:
        found = sorted(p for p in data.iterdir() if p.suffix.lower() in AUDIO)
        if not found:
            raise SystemExit(f"no audio files ({', '.join(AUDIO)}) in {data}")
        return found
    missing = [n for n in CHOSEN if not (SAMPLES / f"{n}.flac").exists()]
    if missing:
        raise SystemExit(f"sonic-pi-samples is not installed (apt install sonic-pi-samples): "
                         f"{SAMPLES} lacks {', '.join(missing)}")  # fmt: skip
    return [SAMPLES / f"{n}.flac" for n in CHOSEN]


def baselines(train: list[np.ndarray], test: list[np.ndarray], rate: int) -> dict[str, Any]:
    """Each reference's distance, its ratio to the static spectrum, and its time."""
    from mapper.generators.sound import quality

    x = np.concatenate(test)
    rng = np.random.default_rng(0)
    made: dict[str, Callable[[], np.ndarray]] = {
        "static": lambda: quality.static_baseline(x, rate, rng),
        "static per clip": lambda: np.concatenate(
            [quality.static_baseline(c, rate, rng) for c in test]
        ),
        "oracle": lambda: quality.oracle(x, rate, rng),
    }
    for d in DIMS:
        made[f"linear {d}"] = partial(quality.linear_baseline, train, x, rate, d, rng)
    out: dict[str, Any] = {}
    for name, make in made.items():
        started = time.perf_counter()
        distance = quality.mel_distance(x, make(), rate)
        out[name] = {"distance": distance, "seconds": time.perf_counter() - started}
    for row in out.values():
        row["to_static"] = row["distance"] / out["static"]["distance"]
    return out


def train(folder: Path, minutes: float, latent: int, out: Path, log: Log) -> dict[str, Any]:
    """Train as `mapper generator train sound` does; its result, measured on its own test
    pieces (never trained on, never chosen on)."""
    import torch

    from mapper.generators.sound.job import training_threads
    from mapper.generators.sound.options import Progress, TrainOptions
    from mapper.generators.sound.training import train_sound

    torch.set_num_threads(training_threads())  # as the command and the session train

    shown = [0.0]

    def progress(p: Progress) -> None:
        if time.perf_counter() - shown[0] > 10 or p.stage != "training":
            shown[0] = time.perf_counter()
            log(f"  {p.line or p.stage}")

    options = TrainOptions(data=folder, out=out, minutes=minutes, latent=latent)
    result = train_sound(options, progress, threading.Event())
    return {
        "train_seconds": result.train_seconds, "audio_seconds": result.audio_seconds,
        "steps": result.steps, "stopped": result.stopped, "quality": result.quality,
    }  # fmt: skip


def run(
    data: Path | None,
    model: Path | None,
    minutes: float,
    latent: int,
    log: Log,
    quick: bool = False,
) -> dict[str, Any]:
    from mapper.generators.sound import quality
    from mapper.generators.sound.audio_files import read_folder
    from mapper.generators.sound.export import load_scripted
    from mapper.generators.sound.options import SAMPLE_RATE

    paths = files(data)[:QUICK_FILES] if quick else files(data)
    minutes = QUICK_MINUTES if quick else minutes
    r: dict[str, Any] = {"machine": machine.describe(), "load": {"before": machine.load()}}
    r["quick"] = quick
    rate = quality.model_rate(load_scripted(model)) if model else SAMPLE_RATE
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "recordings"  # the chosen files, read as the trainer reads them
        folder.mkdir()
        for k, path in enumerate(paths):
            (folder / f"{k:02d}-{path.name}").symlink_to(path.resolve())
        corpus = read_folder(folder, rate, 1.0)
        split = quality.held_out(corpus.clips, rate)  # the trainer's own split
        r["data"] = {
            "source": str(data or SAMPLES), "files": [p.name for p in paths], "rate": rate,
            "seconds": corpus.seconds, "test_seconds": sum(map(len, split.test)) / rate,
        }  # fmt: skip
        log(f"sound: {corpus.describe()} at {rate} Hz")
        r["baselines"] = baselines(split.train, split.test, rate)
        r["load"]["before measuring"] = machine.load()
        started = time.perf_counter()
        if model is None:
            r["training"] = train(folder, minutes, latent, Path(tmp) / "model.ts", log)
            q = r["training"].pop("quality")
        else:
            size = int(load_scripted(model).decode_params[0])
            q = quality.measure(lambda: load_scripted(model), split.train, split.test, rate, size)
    r["quality"] = q
    r["measure_seconds"] = time.perf_counter() - started
    r["summary"] = quality.summary(q) if q else ["(cancelled: nothing measured)"]
    r["load"]["after"] = machine.load()
    return r


def goals(r: dict[str, Any]) -> list[dict[str, Any]]:
    """The section's goals, as the suite's report lists them."""
    from mapper.generators.sound.quality import checks

    if "quality" not in r:
        return []
    return [{"goal": f"sound model: {g}", "measured": m, "met": ok} for g, m, ok in
            checks(r["quality"])]  # fmt: skip


def print_section(r: dict[str, Any]) -> None:
    print("\nsound model (held-out tenth, decoded one latent frame at a time)")
    if "skipped" in r:
        print(f"  skipped: {r['skipped']}")
        return
    d, m = r["data"], r["machine"]
    print(f"  data: {len(d['files'])} files from {d['source']}, {d['seconds']:.1f} s at "
          f"{d['rate']} Hz, {d['test_seconds']:.1f} s held out")  # fmt: skip
    print(f"  machine: {m['cores']} cores, {m['cpu']}; load (1/5/15 min): "
          + "; ".join(f"{k} {v}" for k, v in r["load"].items()))  # fmt: skip
    for name, b in r["baselines"].items():
        print(f"  {name:16} log-mel L1 {b['distance']:.3f}  {b['to_static']:.2f} of static  "
              f"({b['seconds']:.1f} s)")  # fmt: skip
    if "training" in r:
        t = r["training"]
        print(f"  trained on {t['audio_seconds']:.1f} s of audio in {t['train_seconds']:.0f} s, "
              f"{t['steps']} steps, stopped: {t['stopped']}")  # fmt: skip
    done = "trained and measured" if "training" in r else "measured"
    print(f"  {done} in {r['measure_seconds']:.0f} s:")
    for line in r["summary"]:
        print(f"  {line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sound",
                                     description=__doc__.splitlines()[0])  # fmt: skip
    parser.add_argument("--data", type=Path, help="a folder of audio (default: CHOSEN)")
    parser.add_argument("--model", type=Path, help="measure this TorchScript model; no training")
    parser.add_argument("--minutes", type=float, default=5.0, help="the training budget")
    parser.add_argument("--latent", type=int, default=8)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    smoke = f"a smoke run: {QUICK_FILES} files, {QUICK_MINUTES:g} minutes"
    parser.add_argument("--quick", action="store_true", help=smoke)
    args = parser.parse_args(argv)

    log = progress_line

    r = run(args.data, args.model, args.minutes, args.latent, log, quick=args.quick)
    r["goals"] = goals(r)
    print_section(r)
    if args.json:
        args.json.write_text(json.dumps(r, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
