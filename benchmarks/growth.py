"""The growth section (issue 19, speed as the work grows): round trip, training time and memory
of a real `mapper headless` as inputs, outputs and examples grow, MLP and kNN, quality beside.

    python -m benchmarks.growth [--quick] [--cells 8x3x1000 63x16x10000 ...] [--json PATH]
    python -m benchmarks --only growth

One dimension varies at a time: inputs (2, 8, 63, 132) and outputs (1, 3, 16, 64) around 8
inputs x 3 outputs x 1,000 examples, examples (100 to 100,000) at 63 inputs x 16 outputs, a
tracked hand. Every output is continuous and learns the mean of the inputs (benchmarks.tasks),
with the default MLP, then with kNN (k=5).

Each cell is one fresh `mapper headless` on a project folder written beforehand with the
package's own writer (mapper.project.save_project: teaching 100,000 examples over OSC one by
one would take longer than everything else). The outputs are saved with training off, so
opening the folder trains nothing; over OSC the cell's model is set, training enabled, and
`/wekinator/control/train` sent: the training time is train sent -> done-training received,
as a client sees it. Memory: the process's RSS (/proc/PID/status VmRSS) after training. Then
it runs, and the same client times held-out frames one at a time, paced as a sensor sends
(200 frames/s) and back to back (each as soon as the last answer is in); the bare UDP echo
(benchmarks/floor.py) is timed the same two ways just before, with frames of the same size,
so each figure is an overhead above the floor measured in the same minute. Quality: the mean
absolute error of the answers.

A cell is skipped, with its reason, where the project may not hold that many examples (mapper/
core/examples.py), where headless refuses it, where training takes longer than a limit (it is
then cancelled: its training time is reported as over the limit) or where the section's time
budget is spent. --quick: small sizes and few frames (the tests' smoke run).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import floor, machine
from benchmarks.client import Client, Pace, summary
from benchmarks.growth_report import cell_key, goals, print_section
from benchmarks.instrument_under_test import proc_status, tree_state
from benchmarks.peers import Peer, mapper_command
from benchmarks.report import end_section, progress
from benchmarks.tasks import TEST_SEED, examples
from mapper.core.examples import ExampleRows, max_examples
from mapper.core.outputs import Output
from mapper.osc.codec import encode_message
from mapper.osc.settings import OSCSettings
from mapper.project import new_project, save_project

__all__ = ["QUICK", "Plan", "goals", "main", "print_section", "run"]

MODELS: dict[str, tuple[object, ...]] = {"mlp": ("mlp",), "knn k=5": ("knn", "k", 5)}
WAYS = ("paced", "back_to_back")


@dataclass(frozen=True)
class Plan:
    inputs: tuple[int, ...] = (2, 8, 63, 132)
    outputs: tuple[int, ...] = (1, 3, 16, 64)
    examples: tuple[int, ...] = (100, 1000, 10_000, 50_000, 100_000)
    base: tuple[int, int, int] = (8, 3, 1000)  # inputs, outputs, examples: the other rows
    hand: tuple[int, int] = (63, 16)  # inputs, outputs of the examples row
    rate: float = 200.0  # paced frames a second
    paced: int = 1000  # timed paced round trips per cell (5 s at 200/s)
    frames: int = 2000  # timed back-to-back round trips per cell
    warmup: int = 100  # untimed frames before each
    test_frames: int = 1000  # distinct held-out frames, played in turn
    train_limit_s: float = 90.0  # a longer training is cancelled and reported as over it
    ready_s: float = 180.0  # headless opening the folder (100,000 examples: seconds)
    budget_s: float = 20 * 60.0  # the section's time: the cells after it are skipped


QUICK = Plan(
    inputs=(2, 8),
    outputs=(1, 3),
    examples=(100, 500),
    base=(8, 3, 1000),
    hand=(16, 4),
    paced=100,
    frames=300,
    warmup=30,
    test_frames=200,
    train_limit_s=60.0,
    budget_s=240.0,
)


def shapes(plan: Plan) -> dict[str, list[tuple[int, int, int]]]:
    """The (inputs, outputs, examples) of each row, one dimension varied at a time."""
    i0, o0, n0 = plan.base
    hi, ho = plan.hand
    return {
        "inputs": [(i, o0, n0) for i in plan.inputs],
        "outputs": [(i0, o, n0) for o in plan.outputs],
        "examples": [(hi, ho, n) for n in plan.examples],
    }


def run(
    plan: Plan = Plan(),
    quick: bool = False,
    only: Sequence[str] = (),
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Every cell of the plan (or only those whose `IxOxN` is in `only`), both models."""
    started = time.perf_counter()
    rows = shapes(plan)
    todo = list(dict.fromkeys(s for row in rows.values() for s in row))
    if only:
        todo = [s for s in todo if "x".join(map(str, s)) in only]
    r: dict[str, Any] = {
        "quick": quick,
        "plan": asdict(plan),
        "rows": {name: [list(s) for s in row] for name, row in rows.items()},
        "load": {"before": machine.load()},
        "tree": tree_state(),
        "cells": {},
    }
    with tempfile.TemporaryDirectory(prefix="mapper-growth-") as tmp:
        for shape in todo:
            base = Path(tmp) / "base"
            spent = time.perf_counter() - started
            why = _write_project(base, *shape, log) if spent <= plan.budget_s else None
            for model in MODELS:
                key = cell_key(model, *shape)
                if why is None and time.perf_counter() - started > plan.budget_s:
                    why = f"the section's time budget ({plan.budget_s:.0f} s) was spent"
                if why is not None:
                    log(f"  growth {key}: skipped: {why}")
                    r["cells"][key] = {"skipped": why}
                    continue
                log(f"  growth {key} (load {machine.load()})")
                r["cells"][key] = _cell(plan, base, Path(tmp) / "cell", model, *shape)
            shutil.rmtree(base, ignore_errors=True)
    r["load"]["after"] = machine.load()
    r["seconds"] = time.perf_counter() - started
    return r


def _write_project(folder: Path, inputs: int, outputs: int, n: int, log: Any) -> str | None:
    """The cell's project folder, every output learning the mean of the inputs, training off;
    None, or why it cannot be (a project of this shape may not hold `n` examples)."""
    cap = max_examples(inputs, outputs)
    if n > cap:
        return (
            f"{n:,} examples of {inputs} inputs and {outputs} outputs: a project may hold "
            f"{cap:,} (mapper/core/examples.py TEXT_LIMIT)"
        )
    t0 = time.perf_counter()
    X, y = examples("regression", n, inputs)
    rows = ExampleRows(
        ids=np.arange(1, n + 1, dtype=np.int64),
        inputs=X,
        outputs=np.repeat(y[:, None], outputs, axis=1),
        mask=np.ones((n, outputs), dtype=bool),
        rounds=np.ones(n, dtype=np.int64),
        times=np.full(n, time.time()),
    )
    outs = [Output(f"outputs-{j + 1}", train=False) for j in range(outputs)]
    save_project(folder, new_project("growth", inputs, outs, OSCSettings()), rows)
    log(f"  growth: wrote {inputs}x{outputs}x{n} in {time.perf_counter() - t0:.1f} s")
    return None


def _cell(
    plan: Plan, base: Path, folder: Path, model: str, inputs: int, outputs: int, n: int
) -> dict[str, Any]:
    """One fresh headless on a copy of `base`: trained with `model`, measured, killed."""
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(base, folder)
    client = Client()
    cmd = [
        *mapper_command(),
        "headless",
        str(folder),
        "--quiet",
        "--listen",
        "127.0.0.1:0",
        "--send",
        f"127.0.0.1:{client.port}",
    ]
    out: dict[str, Any] = {"inputs": inputs, "outputs": outputs, "examples": n}
    try:
        try:
            peer = Peer(cmd, client, timeout=plan.ready_s)
        except RuntimeError as e:
            return {**out, "skipped": f"headless refused it: {_last_line(str(e))}"}
        try:
            out["ready_s"] = peer.ready_s
            out.update(_measure(plan, peer, model, inputs, outputs))
        finally:
            peer.proc.kill()  # never a save on exit: the folder is thrown away
            peer.close()
    finally:
        client.close()
        shutil.rmtree(folder, ignore_errors=True)
    return out


def _measure(plan: Plan, peer: Peer, model: str, inputs: int, outputs: int) -> dict[str, Any]:
    c = peer.client
    out: dict[str, Any] = {}
    loaded = proc_status(peer.proc.pid)
    out["rss_loaded_mb"] = loaded["rss_mb"] if loaded else None
    every = list(range(1, outputs + 1))
    for j in every:
        c.send("/mapper/control/setModel", [j, *MODELS[model]])
    c.send("/mapper/control/enableModelTraining", every)
    c.drain()
    t0 = time.perf_counter()
    c.send("/wekinator/control/train")
    try:
        c.wait_for("/wekinator/status/done-training", plan.train_limit_s)
    except TimeoutError:
        c.send("/wekinator/control/cancelTrain")
        return {
            **out,
            "train_over_s": plan.train_limit_s,
            "skipped": f"training took longer than {plan.train_limit_s:g} s: cancelled",
        }
    out["train_s"] = time.perf_counter() - t0
    trained = proc_status(peer.proc.pid)
    if trained is None:
        return {**out, "skipped": f"headless exited after training: {_last_line(peer.stderr())}"}
    out["rss_mb"] = trained["rss_mb"]
    # the MLPs' uncertainty ensembles learn in the background after training: played only
    # once they are done, as a musician would after the first seconds
    out["ensembles_s"] = _settled(c, inputs, plan.train_limit_s)
    c.send("/wekinator/control/startRunning")
    c.drain()
    X, y = examples("regression", plan.test_frames, inputs, seed=TEST_SEED)
    frames = [encode_message("/wek/inputs", x) for x in X.tolist()]
    out["floor"] = {
        "back_to_back": floor.run(plan.frames, plan.warmup, inputs),
        "paced": floor.run(plan.paced, plan.warmup, inputs, rate=plan.rate),
    }
    out["back_to_back"] = _timed(c, frames, y, plan.frames, plan.warmup, None)
    out["paced"] = _timed(c, frames, y, plan.paced, plan.warmup, Pace(plan.rate))
    for way in WAYS:
        f, m = out["floor"][way], out[way]
        m["overhead_us"] = m["median_us"] - f["median_us"]
        m["overhead_p99_us"] = m["p99_us"] - f["p99_us"]
    out["mae"] = out["back_to_back"].get("mae")
    return out


def _settled(c: Client, inputs: int, limit: float) -> float | None:
    """Seconds until every output's uncertainty is known at a frame (/mapper/uncertainty
    without -1: the MLPs' ensembles fitted), asked every 0.2 s; None past `limit`."""
    t0 = time.perf_counter()
    c.send("/wek/inputs", [0.5] * inputs)  # not running: a frame to measure it at
    for _ in range(int(limit / 0.2) + 1):
        c.drain()
        c.send("/mapper/control/uncertainty")
        try:
            if -1.0 not in c.wait_for("/mapper/uncertainty", 10.0):
                return time.perf_counter() - t0
        except TimeoutError:
            return None
        if time.perf_counter() - t0 > limit:
            break
        time.sleep(0.2)
    return None


def _timed(
    c: Client, frames: list[bytes], truth: np.ndarray, count: int, warmup: int, pace: Pace | None
) -> dict[str, Any]:
    """Round trips of `count` frames (after `warmup`), with the answers' mean absolute error."""
    times, answers, lost = c.latency(frames, count, warmup, pace=pace)
    got = [(i, args) for i, address, args in answers if address == "/wek/outputs" and args]
    result: dict[str, Any] = {**summary(times), "frames": count, "lost": lost}
    if got:
        errors = [abs(float(v) - truth[i]) for i, args in got for v in args]
        result["mae"] = float(np.mean(errors))
    return result


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no reason given"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.growth", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: small sizes")
    parser.add_argument(
        "--cells",
        nargs="+",
        default=(),
        metavar="IxOxN",
        help="only these shapes, e.g. 8x3x1000 63x16x10000",
    )
    parser.add_argument("--train-limit", type=float, help="seconds a training may take")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else Plan()
    if args.train_limit:
        plan = replace(plan, train_limit_s=args.train_limit)

    log = progress

    r = run(plan, quick=args.quick, only=args.cells, log=log)
    r["machine"] = machine.describe()
    return end_section(r, goals, print_section, args.json)


if __name__ == "__main__":
    sys.exit(main())
