"""gesture-mapper's benchmark suite: mapper against a naive peer, over real loopback UDP.

    python -m benchmarks [--quick] [--only SECTION ...] [--json PATH]

Sections: startup (`mapper --help`; `mapper headless` until its port answers), roundtrip
(round-trip latency and sustained rate, mapper and the naive peer side by side), osc (decoding
int, double, control and bundle datagrams in-process, mapper's codec and python-osc's), training
(time and quality per model type and example count), rhythm (the drum model: decode time and
sequencer step timing), gpu (MLP training on a CUDA GPU, where there is one), sound (a sound
model trained on two minutes of recorded instruments: its quality and speed), dtw (temporal
gestures on recorded gesture datasets against 1-NN DTW, the match threshold, the cost of a
frame: benchmarks/dtw.py), novelty (issue 18: how well novelty tells frames near the examples
from shifted ones, on synthetic poses and a recorded smartwatch, whether it grows with the
distance, and its cost in-process and on the round trip: benchmarks/novelty.py), growth
(issue 19: round trip above the floor, training time and memory of `mapper headless` as inputs,
outputs and examples grow, MLP and kNN: benchmarks/growth.py). Prints tables
and writes the same figures, with the machine and its load, as JSON (benchmarks/results.json
unless --json says otherwise). Timings depend on what else the machine is doing: the load is
printed with every section.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import (
    dtw,
    floor,
    growth,
    machine,
    novelty,
    osc_decode,
    roundtrip,
    sound,
    startup,
    training,
)
from benchmarks.report import goals, print_report, progress

# the sections, in the order they run (roundtrip includes the floor)
SECTIONS = (
    "startup", "roundtrip", "osc", "training", "rhythm", "gpu", "sound", "dtw", "novelty",
    "growth",
)  # fmt: skip
QUICK = roundtrip.Settings(
    examples=100, frames=200, warmup=50, rates=(1000, 20_000), seconds=0.2, while_training=True,
    paced_frames=100, paced_warmup=10,
)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="a fast smoke run: few samples")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, metavar="SECTION",
                        help=f"run only these sections ({', '.join(SECTIONS)})")  # fmt: skip
    parser.add_argument("--json", type=Path, default=Path("benchmarks/results.json"))
    args = parser.parse_args(argv)
    sections = args.only or list(SECTIONS)
    settings = QUICK if args.quick else roundtrip.Settings()

    log = progress

    results: dict[str, Any] = {
        "machine": machine.describe(),
        "quick": args.quick,
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "load": {},
    }
    started = time.perf_counter()
    for section in sections:
        log(f"{section} (load {machine.load()})")
        results["load"][f"before {section}"] = machine.load()
        if section == "startup":
            results["startup"] = startup.run(repeats=1 if args.quick else 5)
        elif section == "roundtrip":
            results["floor"] = floor.run(settings.frames, settings.warmup, settings.inputs)
            if floor.can_share_one_cpu():
                results["floor_one_cpu"] = floor.run(
                    settings.frames, settings.warmup, settings.inputs, one_cpu=True
                )
            results.update(roundtrip.run(settings, log))
            results["roundtrip_settings"] = {
                k: list(v) if isinstance(v, tuple) else v for k, v in vars(settings).items()
            }
        elif section == "osc":
            results["osc"] = osc_decode.run(quick=args.quick)
        elif section == "training":
            sizes = (100,) if args.quick else (100, 1000, 10_000)
            results["training"] = training.run(sizes, repeats=1 if args.quick else 3, log=log)
        elif section == "rhythm":
            results["rhythm"] = rhythm(quick=args.quick)
        elif section == "gpu":
            results["gpu"] = gpu(quick=args.quick)
        elif section == "sound":
            results["sound"] = sound_model(quick=args.quick)
        elif section == "dtw":
            results["dtw"] = dtw.run(quick=args.quick, log=log)
        elif section == "novelty":
            results["novelty"] = novelty.run(quick=args.quick, log=log)
        elif section == "growth":
            plan = growth.QUICK if args.quick else growth.Plan()
            results["growth"] = growth.run(plan, quick=args.quick, log=log)
    results["load"]["after"] = machine.load()
    results["seconds"] = time.perf_counter() - started
    results["goals"] = (
        goals(results)
        + sound.goals(results.get("sound", {}))
        + dtw.goals(results.get("dtw", {}))
        + (novelty.goals(results["novelty"]) if "novelty" in results else [])
        + (growth.goals(results["growth"]) if "growth" in results else [])
    )
    print_report(results)
    if "sound" in results:
        sound.print_section(results["sound"])
    if "dtw" in results:
        dtw.print_section(results["dtw"])
    if "novelty" in results:
        novelty.print_section(results["novelty"])
    if "growth" in results:
        growth.print_section(results["growth"])
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nfigures written to {args.json}")
    return 0


def rhythm(quick: bool) -> dict[str, Any]:
    """benchmarks/rhythm.py in a subprocess: the drum model's decode time and its sequencer's
    step timing at 120 BPM (training is timed by that script alone: it takes a minute)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "rhythm.json"
        script = Path(__file__).parent / "rhythm.py"
        cmd = [sys.executable, str(script), "--seconds", "3" if quick else "30",
               "--skip-training", "--json", str(out)]  # fmt: skip
        try:
            subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=True)
            return dict(json.loads(out.read_text()))
        except (subprocess.SubprocessError, OSError, ValueError) as e:
            return {"skipped": f"the drum-model benchmark failed: {e}"}


def gpu(quick: bool) -> dict[str, Any]:
    """benchmarks/gpu.py in a subprocess (torch is big: this process never imports it)."""
    cmd = [sys.executable, "-m", "benchmarks.gpu", "--examples", "1000" if quick else "10000"]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=True)
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (subprocess.SubprocessError, ValueError, IndexError) as e:
        return {"skipped": f"the GPU benchmark failed: {e}"}


def sound_model(quick: bool) -> dict[str, Any]:
    """benchmarks/sound.py in a subprocess: a sound model trained (minutes) and measured."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "sound.json"
        cmd = [sys.executable, "-m", "benchmarks.sound", "--json", str(out)]
        try:
            subprocess.run(cmd + ["--quick"] * quick, capture_output=True, text=True,
                           timeout=300 if quick else 1200, check=True)  # fmt: skip
            return dict(json.loads(out.read_text()))
        except subprocess.CalledProcessError as e:
            why = (e.stderr or "").strip().splitlines()[-1:] or [str(e)]
            return {"skipped": f"the sound-model benchmark failed: {why[0]}"}
        except (subprocess.SubprocessError, OSError, ValueError) as e:
            return {"skipped": f"the sound-model benchmark failed: {e}"}


if __name__ == "__main__":
    sys.exit(main())
