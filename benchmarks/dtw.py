"""The DTW section: temporal gestures (mapper.models.dtw) on real recorded gestures, against
offline 1-nearest-neighbour DTW, and what matching costs per frame.

    python -m benchmarks.dtw [--quick] [--rate 500] [--json PATH] [--setup]
    python -m benchmarks --only dtw

Quality. Labelled gesture and motion datasets that aeon's wheel bundles (benchmarks/
dtw_reference.py lists them; hand motion, a smartwatch's accelerometer and gyroscope, a Wii
remote's accelerometer, spoken vowels) are taught to a real `mapper headless --type dtw` over
loopback UDP: every training series is one take of its class (classes are gestures 1..K).
Then each test series is performed: startRunning, its frames one /wek/inputs each (all its
dimensions), paced at `--rate` frames a second; the gesture with the lowest cost in the last
/wek/outputs is the answer. Its accuracy is printed beside our in-process Spotter on the same
split (the same decision: the wire adds nothing), beside the Wekinator-default variant (every
series kept one frame in f, f = the longest training series // 10, as Wekinator's
DOWNSAMPLE_TO_MAX_LENGTH 10 does; in-process), and beside offline 1-NN DTW computed by aeon
on the same split. aeon pins numpy, scipy and scikit-learn below mapper's, so it lives in its
own virtual environment, .venv-bench (`make bench-dtw-setup`, or made by a full run of this
section when it is missing), which writes the datasets and the reference's answers to
.venv-bench/dtw-data; this process reads them.

The match threshold. The winning cost of the test series classified right (at their last
frame) and each take's own cost (against the other takes of its gesture, itself left out),
against the lowest cost reached on input that is no gesture of the set: the test series of a
class left out of the set (real motion it was not taught), and noise streams at the training
frames' own mean and spread per dimension (white; smooth: a wandering sensor; still: holding
the pose a take starts from). Costs are in units of the examples' spread (mapper.models.dtw);
each candidate threshold is tried as such (fixed) and as a multiple of the set's median own
cost (relative), and the share matched right is weighed against the share of white-noise
streams matched.

Cost. In-process time per frame of Spotter.step and of Gestures.step (the engine's call: the
match logic on top) for 10 gestures x 5 takes x 100 frames x 8 inputs, BLAS on one thread,
back to back and (Gestures.step) paced at 200 frames a second, idle between frames as the
instrument is; and the round trip per frame of that same set through `mapper headless`, paced
at 200 frames a second, beside a bare UDP echo (benchmarks/floor.py's) paced alike in the same
run.

--quick (the test's and the suite's smoke run): a handful of test series per dataset, few
timed frames; without .venv-bench it never installs anything: it streams a small synthetic set
instead (no reference), so the wire is still exercised.

The parts, one job each: benchmarks/dtw_data.py (the datasets, .venv-bench and the reference's
answers), dtw_wire.py (a real `mapper headless` over UDP), dtw_accuracy.py (the accuracy, over
UDP and in-process), dtw_thresholds.py (the match threshold), dtw_cost.py (the cost of a frame
and the round trip), dtw_report.py (the goals and the tables); this module runs them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import machine
from benchmarks.dtw_accuracy import RATE, quality
from benchmarks.dtw_cost import COST_RATE, in_process_cost, round_trip_cost
from benchmarks.dtw_data import (
    DATA,
    QUICK_SERIES,
    Dataset,
    Log,
    downsample_factor,
    load,
    quick_subset,
    setup,
    synthetic,
)
from benchmarks.dtw_report import goals, print_section
from benchmarks.dtw_thresholds import KINDS, NOISE_STREAMS, OWN_TAKES, non_gestures, thresholds
from benchmarks.report import end_section, progress

__all__ = [
    "KINDS",
    "QUICK_SERIES",
    "RATE",
    "Dataset",
    "downsample_factor",
    "goals",
    "main",
    "print_section",
    "quick_subset",
    "run",
    "synthetic",
]


def run(quick: bool = False, log: Log = print, rate: float = RATE) -> dict[str, Any]:
    started = time.perf_counter()
    r: dict[str, Any] = {
        "machine": machine.describe(),
        "quick": quick,
        "load": {"before": machine.load()},
    }
    datasets: list[Dataset] = []
    try:
        meta, datasets = load()
    except (OSError, ValueError, KeyError) as e:
        why = setup(log) if not quick else f"{DATA} not written ({type(e).__name__})"
        try:
            if why is None:
                meta, datasets = load()
        except (OSError, ValueError, KeyError) as again:
            why = f"{DATA} unreadable after the setup ({again})"
        if why is not None:
            meta = {"skipped": f"{why}: run `make bench-dtw-setup`"}
            datasets = [synthetic()] if quick else []
    r["reference"] = {k: v for k, v in meta.items() if k != "datasets"}
    if quick:
        datasets = [quick_subset(d, QUICK_SERIES) for d in datasets]
    r["datasets"] = {d.name: d.describe() for d in datasets}
    accuracy: dict[str, Any] = {}
    evidence: dict[str, Any] = {}
    for d in datasets:
        row, ev = quality(d, rate, log)
        ev.update(non_gestures(d, 2 if quick else NOISE_STREAMS, 8 if quick else OWN_TAKES))
        accuracy[d.name], evidence[d.name] = row, ev
    r["accuracy"] = accuracy
    if evidence:
        r["thresholds"] = thresholds(evidence)
    r["load"]["before cost"] = machine.load()
    log("  dtw: in-process cost, 10 x 5 x 100 x 8")
    r["cost"] = in_process_cost(
        500 if quick else 5000, 50 if quick else 500, 100 if quick else 1000
    )
    r["roundtrip"] = round_trip_cost(200 if quick else 2000, 20 if quick else 200, COST_RATE, log)
    r["load"]["after"] = machine.load()
    r["seconds"] = time.perf_counter() - started
    return r


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.dtw", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"a smoke run: {QUICK_SERIES} test series per dataset"
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=RATE,
        help=f"frames a second while performing (default {RATE:g})",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--setup",
        action="store_true",
        help="only make .venv-bench (aeon) and write the reference, then stop",
    )
    args = parser.parse_args(argv)

    log = progress

    if args.setup:
        why = setup(log)
        if why:
            print(f"dtw: {why}", file=sys.stderr)
            return 1
        meta, datasets = load()
        for d in datasets:
            print(f"{d.name}: {json.dumps(d.describe())}")
        print(f"reference written to {DATA} ({meta['library']})")
        return 0
    r = run(quick=args.quick, log=log, rate=args.rate)
    return end_section(r, goals, print_section, args.json)


if __name__ == "__main__":
    sys.exit(main())
