"""The novelty section (issue 18): does novelty tell frames near the recorded examples from
shifted ones, does it grow as the input moves away, and what does it cost a frame.

    python -m benchmarks.novelty [--quick] [--json PATH]
    python -m benchmarks --only novelty

Novelty (mapper/core/novelty.py): per output, the RMS over its inputs of the standardized
distance to the nearest example it learned; a frame's is the largest of its outputs'.

Separation. Examples are recorded into an engine take by take and trained; then the novelty of
held-out frames near them is set against shifted frames (between two clusters; one input beyond
the recorded box): the AUC, by the Mann-Whitney U statistic, for each shift and overall. On
synthetic poses (8 inputs, 5 poses held a few seconds each) and on a real recording, aeon's
copy of BasicMotions (a smartwatch's accelerometer and gyroscope, 6 axes; standing, walking,
running, badminton; one frame = one input frame), taught all four activities and, in turn, all
but one (whose frames are then reported as untaught: no goal). The shifts are defined in
benchmarks/novelty_data.py, fixed before any figure was seen.

Monotonic. Along rays from each cluster's medoid outward, distance 0 to 3 in novelty's units:
the share of steps where novelty did not fall, and Spearman's correlation with the distance.

Cost. In-process: Engine.process_frame with novelty off, then on, for each frame (8 x 3 x 1,000,
the default MLP and kNN k=5), back to back, then paced at 200 frames/s through mapper's own OSC
sender (idle between frames, as the instrument is). Round trip: a real `mapper headless`,
taught the same over OSC, a paced stream (200 frames/s) with novelty off and on, beside bare
UDP echoes in the same run.

--quick (the test's and the suite's smoke run): small sets, few frames. BasicMotions is read
from .venv-bench/dtw-data (`make bench-dtw-setup`); where it is missing, a full run makes it
as the DTW section does, a quick run measures the synthetic data only and says so.

The parts, one job each: novelty_data.py (the data and the shifts), novelty_quality.py (AUC,
rays), novelty_cost.py (in-process), novelty_wire.py (the round trip), novelty_report.py
(goals, tables); this module runs them.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import machine
from benchmarks.dtw_data import setup
from benchmarks.instrument_under_test import tree_state
from benchmarks.novelty_cost import in_process
from benchmarks.novelty_data import REAL, TAKE_FRAMES, motions, synthetic, teaching, thinned
from benchmarks.novelty_quality import rays, separation, taught_engine
from benchmarks.novelty_report import goals, print_section
from benchmarks.novelty_wire import RATE, round_trip
from benchmarks.report import end_section, progress
from mapper.core.outputs import Output

__all__ = ["goals", "main", "print_section", "run"]

SEED = 18
QUICK_FRAMES = 200  # near (and untaught) frames per teaching in --quick


def run(quick: bool = False, log: Callable[[str], None] = print) -> dict[str, Any]:
    started = time.perf_counter()
    r: dict[str, Any] = {
        "machine": machine.describe(),
        "quick": quick,
        "load": {"before": machine.load()},
        "tree": tree_state(),
    }
    rng = np.random.default_rng(SEED)
    log("  novelty: synthetic poses")
    t = synthetic(frames=40 if quick else TAKE_FRAMES, seed=SEED)
    if quick:
        t = thinned(t, QUICK_FRAMES, rng)
    outputs = [Output(f"out{j + 1}", model={"type": "knn", "k": 5}) for j in range(3)]
    engine = taught_engine(t, outputs, rng.random((len(t.centres()), 3)))
    r["synthetic"] = separation(engine, t, rng)
    per_cluster = 3 if quick else 20
    r["rays"] = {"synthetic": rays(engine, t, per_cluster, rng)}
    m = motions()
    if m is None and not quick:
        why = setup(log)
        m = motions()
        if why:
            log(f"  novelty: {why}")
    if m is None:
        r["real"] = {
            "name": REAL,
            "skipped": "no .venv-bench/dtw-data (`make bench-dtw-setup`): synthetic data only",
        }
    else:
        log(f"  novelty: {REAL}")
        teachings: dict[str, Any] = {}
        for left_out in (None, *range(len(m.classes))):
            t = teaching(m, left_out)
            if quick:
                t = thinned(t, QUICK_FRAMES, rng)
            kind = Output("activity", kind="classifier", classes=len(m.classes))
            labels = np.arange(1.0, len(m.classes) + 1.0)[:, None]
            engine = taught_engine(t, [kind], labels)
            teachings[t.name] = separation(engine, t, rng)
            if left_out is None:
                r["rays"][f"{REAL} ({t.name})"] = rays(engine, t, per_cluster, rng)
        about = "aeon's BasicMotions: a smartwatch's accelerometer and gyroscope (6 axes)"
        r["real"] = {"name": REAL, "about": about, "teachings": teachings}
    r["load"]["before cost"] = machine.load()
    log("  novelty: in-process cost")
    r["in_process"] = in_process(
        200 if quick else 1000, 300 if quick else 5000, 30 if quick else 500, 40 if quick else 500
    )
    r["load"]["before round trip"] = machine.load()
    r["roundtrip"] = round_trip(
        100 if quick else 1000, 60 if quick else 2000, 20 if quick else 100, RATE, log
    )
    r["load"]["after"] = machine.load()
    r["seconds"] = time.perf_counter() - started
    return r


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.novelty", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: small sets, few frames")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    log = progress

    r = run(quick=args.quick, log=log)
    return end_section(r, goals, print_section, args.json)


if __name__ == "__main__":
    sys.exit(main())
