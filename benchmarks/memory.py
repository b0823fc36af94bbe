"""What a tracked body's project costs in memory and on disk (issue 19).

    python -m benchmarks.memory [--quick] [--json PATH]

A MediaPipe pose is 132 inputs (33 landmarks x 4); 100,000 examples of it with 16 outputs is 17
minutes of recording at 100 frames/s. For sensor floats (float32 values, as OSC carries them,
held as float64) and for numbers that use all of float64's digits, this measures examples.csv's
size, the time to save the project (mapper.project.save_project) and to open it again
(load_project, from examples.csv and, after a crash, from a journal holding every example),
and whether it opens identical, bit for bit. Then, with the examples in an engine
(engine_from_project): the example store's columns, and what trained models add, 16 kNN outputs
and 16 default MLP outputs (every trained output also keeps the novelty index of its examples).

Each step runs in a forked copy of this process: its peak RAM is how far the copy's resident
memory (peak RSS) rose above where it began, with the C allocator's free memory handed back
first and every big array mapped on its own (so that a rise is memory the step needed). What
training keeps, and needs at its peak, is what tracemalloc (Python's and numpy's allocations)
counts from its start. The MLPs train MLP_ITERATIONS iterations, not the default 300: their
memory does not grow with the iterations (benchmarks/training.py times training). Sizes are
in MiB (2**20 bytes: what mapper's messages call MB). --quick: 10,000 examples. Timings depend
on what else the machine does.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import gc
import json
import multiprocessing
import os
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import machine
from benchmarks.report import progress
from mapper.core.examples import TEXT_LIMIT, ExampleRows, max_examples, text_bound
from mapper.core.outputs import Output
from mapper.core.state import ModelState
from mapper.osc.settings import OSCSettings
from mapper.project import (
    EXAMPLES_FILE,
    JOURNAL_FILE,
    Project,
    engine_from_project,
    load_project,
    save_project,
    table,
)
from mapper.project.journal import first_line

N, N_IN, N_OUT = 100_000, 132, 16
QUICK_N = 10_000
MLP_ITERATIONS = 3
KINDS = {"sensor": "sensor floats (float32)", "float64": "full float64"}
MiB = 2**20
M_MMAP_THRESHOLD = -3  # glibc's mallopt: allocations from this size get their own mapping


# ---- the examples -------------------------------------------------------------------------------
def pose_rows(n: int, kind: str, seed: int = 0) -> ExampleRows:
    """n examples of 132 inputs and 16 outputs, every output recorded, 100 rounds of 10 ms
    frames: landmarks around 0.5 (x, y, z, visibility) and outputs in 0..1, as float32 values
    (`sensor`) or in all of float64's digits (`float64`)."""
    rng = np.random.default_rng(seed)
    inputs = rng.normal(0.5, 0.3, (n, N_IN))
    outputs = rng.random((n, N_OUT))
    if kind == "sensor":
        inputs = inputs.astype(np.float32).astype(np.float64)
        outputs = outputs.astype(np.float32).astype(np.float64)
    return ExampleRows(
        ids=np.arange(1, n + 1, dtype=np.int64),
        inputs=inputs,
        outputs=outputs,
        mask=np.ones((n, N_OUT), dtype=bool),
        rounds=1 + np.arange(n, dtype=np.int64) * 100 // n,
        times=1_767_225_600.0 + np.arange(n) * 0.01,
    )


def pose_project(model: dict[str, Any] | None = None) -> Project:
    names = [f"landmark-{k // 4}-{'xyzv'[k % 4]}" for k in range(N_IN)]
    outputs = [Output(f"out-{j}", model=dict(model or {})) for j in range(N_OUT)]
    return Project("pose", names, outputs, OSCSettings())


def identical(a: ExampleRows, b: ExampleRows) -> bool:
    """Every input and recorded output bit for bit, the same rows and rounds."""
    return (
        a.inputs.shape == b.inputs.shape
        and np.array_equal(a.inputs.view(np.uint64), b.inputs.view(np.uint64))
        and np.array_equal(a.mask, b.mask)
        and np.array_equal(a.outputs[a.mask].view(np.uint64), b.outputs[b.mask].view(np.uint64))
        and np.array_equal(a.rounds, b.rounds)
    )


# ---- measuring ----------------------------------------------------------------------------------
def rss() -> int:
    """This process's resident memory now, in bytes."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def fresh_heap() -> None:
    """Hand the C allocator's free memory back to the system, and map every allocation of
    128 KB or more on its own (glibc; elsewhere nothing changes), so that RSS follows what is
    allocated instead of what was once."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(M_MMAP_THRESHOLD, 128 * 1024)
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        pass


def in_child(step: Callable[[], Any], check: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """Run `step` in a forked copy of this process: its seconds, its peak RAM (the copy's peak
    RSS less its RSS when it began: the kernel starts a fork's peak at its RSS then), and
    what `check` says of its result (run after the peak is read)."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    def body() -> None:
        try:
            fresh_heap()
            began = rss()
            t0 = time.perf_counter()
            result = step()
            seconds = time.perf_counter() - t0
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - began
            send.send({"seconds": seconds, "peak_bytes": peak, **check(result)})
        except BaseException as e:
            send.send({"error": f"{type(e).__name__}: {e}"})

    child = context.Process(target=body)
    child.start()
    out: dict[str, Any] = receive.recv()
    child.join()
    if "error" in out:
        raise RuntimeError(out["error"])
    return out


def files(folder: Path, kind: str, rows: ExampleRows, journal: bool) -> dict[str, Any]:
    """Save, open (and, with `journal`, recover from a journal of every example) one kind."""
    project = pose_project()
    save = in_child(lambda: save_project(folder, project, rows), lambda _: {})
    out: dict[str, Any] = {
        "file_bytes": (folder / EXAMPLES_FILE).stat().st_size,
        "save_seconds": save["seconds"],
        "save_peak_bytes": save["peak_bytes"],
    }
    opened = in_child(lambda: load_project(folder), lambda r: {"identical": identical(rows, r[1])})
    out.update(open_seconds=opened["seconds"], open_peak_bytes=opened["peak_bytes"])
    out["identical"] = opened["identical"]
    if journal:  # a crash after recording every example since a save of none
        save_project(folder, project, pose_rows(0, kind))
        head = table.header(project.input_names, (o.name for o in project.outputs))
        (folder / JOURNAL_FILE).write_text(
            first_line(project.saved, full=True) + table.rows_text(rows, head)
        )
        recovered = in_child(
            lambda: load_project(folder),
            lambda r: {"identical": identical(rows, r[1]) and r[0].recovered == len(rows)},
        )
        out.update(journal_seconds=recovered["seconds"], journal_peak_bytes=recovered["peak_bytes"])
        out["identical"] = out["identical"] and recovered["identical"]
    return out


def engine_memory(rows: ExampleRows, model: dict[str, Any]) -> dict[str, Any]:
    """In a forked copy: the examples into an engine of 16 outputs of `model`, and what
    training them keeps and needs at its peak (tracemalloc: from the start of training)."""

    def step() -> dict[str, Any]:
        t0 = time.perf_counter()
        engine = engine_from_project(pose_project(model), rows)
        into = time.perf_counter() - t0
        columns = engine.examples._columns()
        store = {
            "store_bytes": sum(c.nbytes for c in columns),
            "store_rows": len(columns[0]),
            "store_used_bytes": sum(c[: len(rows)].nbytes for c in columns),
            "into_engine_seconds": into,
        }
        gc.collect()
        tracemalloc.start()
        t0 = time.perf_counter()
        engine.train()
        engine.wait_for_training()
        engine._trainer.ensembles.wait(600)  # the MLPs' ensembles learn after the swap
        seconds = time.perf_counter() - t0
        gc.collect()
        kept, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        trained = engine.trained_model(0)
        assert trained is not None and set(engine.model_states) == {ModelState.TRAINED}
        return {
            **store,
            "train_seconds": seconds,
            "train_kept_bytes": kept,
            "train_peak_bytes": peak,
            "index_float32": hasattr(trained.known, "float32"),
        }

    return in_child(step, lambda r: r)


def index_bytes(n: int, d: int) -> dict[str, int]:
    """A search index of n examples of d inputs, counted: the standardized examples (n x d),
    the ranking matrix (n x (d + 1)), |t|^2/2 and a rank buffer (n each), all float64; and
    the float32 ranking copy a large index adds (n x (d + 1))."""
    return {"float64": 8 * (n * d + n * (d + 1) + 2 * n), "float32": 4 * n * (d + 1)}


def run(quick: bool = False, log: Callable[[str], None] = print) -> dict[str, Any]:
    """The figures for N (QUICK_N with `quick`) examples of 132 inputs and 16 outputs."""
    n = QUICK_N if quick else N
    row_bound = text_bound(1, N_IN, N_OUT) - text_bound(0, N_IN, N_OUT)
    out: dict[str, Any] = {
        "examples": n,
        "inputs": N_IN,
        "outputs": N_OUT,
        "text_limit_bytes": TEXT_LIMIT,
        "max_examples": max_examples(N_IN, N_OUT),
        "row_bound_bytes": row_bound,
        "index_counted": index_bytes(n, N_IN),
        "files": {},
    }
    root = Path(tempfile.mkdtemp(prefix="mapper-memory-"))
    try:
        for kind in KINDS:
            log(f"  {KINDS[kind]}: save, open{', recover a journal' if kind == 'sensor' else ''}")
            rows = pose_rows(n, kind)
            out["files"][kind] = files(root / kind, kind, rows, journal=kind == "sensor")
            shutil.rmtree(root / kind)
        rows = pose_rows(n, "sensor")
        log("  16 kNN outputs: train")
        out["knn"] = engine_memory(rows, {"type": "knn"})
        log(f"  16 MLP outputs: train ({MLP_ITERATIONS} iterations)")
        out["mlp"] = engine_memory(rows, {"type": "mlp", "max_iter": MLP_ITERATIONS})
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return out


# ---- the report ---------------------------------------------------------------------------------
def _mb(b: float) -> str:
    return f"{b / MiB:,.0f} MiB"


def _s(s: float) -> str:
    return f"{s:.1f} s"


def _maybe(v: dict[str, Any], key: str, shown: Callable[[float], str]) -> str:
    return shown(v[key]) if key in v else "–"


def table_text(r: dict[str, Any]) -> str:
    """The figures as two Markdown tables: the files, then memory in the engine."""
    n, f = r["examples"], r["files"]
    lines = [
        f"{n:,} examples of {r['inputs']} inputs and {r['outputs']} outputs "
        f"(at most {r['max_examples']:,} fit the {_mb(r['text_limit_bytes'])} bound)",
        "",
        "| | " + " | ".join(KINDS[k] for k in f) + " |",
        "|---|" + "---:|" * len(f),
    ]

    def row(name: str, cell: Callable[[dict[str, Any]], str]) -> None:
        lines.append(f"| {name} | " + " | ".join(cell(v) for v in f.values()) + " |")

    row("examples.csv on disk", lambda v: _mb(v["file_bytes"]))
    row("bytes a row", lambda v: f"{v['file_bytes'] / n:,.0f} (bound {r['row_bound_bytes']:,})")
    row("save (save_project)", lambda v: _s(v["save_seconds"]))
    row("peak RAM while saving", lambda v: _mb(v["save_peak_bytes"]))
    row("open (load_project)", lambda v: _s(v["open_seconds"]))
    row("peak RAM while opening", lambda v: _mb(v["open_peak_bytes"]))
    if any("journal_seconds" in v for v in f.values()):
        row("open from a journal of every example", lambda v: _maybe(v, "journal_seconds", _s))
        row("peak RAM while recovering it", lambda v: _maybe(v, "journal_peak_bytes", _mb))
    row("opens identical, bit for bit", lambda v: "yes" if v["identical"] else "**no**")
    knn, mlp, counted = r["knn"], r["mlp"], r["index_counted"]
    f32 = "measured" if knn["index_float32"] else "not in this build: add it"
    lines += [
        "",
        "| in the engine | RAM | time |",
        "|---|---:|---:|",
        f"| example store ({knn['store_rows']:,} rows allocated; {n:,} used: "
        f"{_mb(knn['store_used_bytes'])}) | {_mb(knn['store_bytes'])} | "
        f"{_s(knn['into_engine_seconds'])} into the engine |",
        f"| 16 kNN outputs, trained (one shared index: {_mb(counted['float64'])} counted "
        f"in float64; the targets of each) | {_mb(knn['train_kept_bytes'])} | "
        f"{_s(knn['train_seconds'])} |",
        f"| float32 copy of a large index, n·(d+1)·4 ({f32}) | {_mb(counted['float32'])} | |",
        f"| peak while training kNN (beyond the store) | {_mb(knn['train_peak_bytes'])} | |",
        f"| 16 default MLP outputs, trained (weights; the novelty index of their examples) "
        f"| {_mb(mlp['train_kept_bytes'])} | {_s(mlp['train_seconds'])} "
        f"({MLP_ITERATIONS} iterations) |",
        f"| peak while training MLPs (beyond the store) | {_mb(mlp['train_peak_bytes'])} | |",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.memory", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_N:,} examples")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    log = progress

    log(f"memory (load {machine.load()})")
    r = run(quick=args.quick, log=log)
    r["machine"] = machine.describe()
    r["load_after"] = machine.load()
    print(table_text(r))
    if args.json:
        args.json.write_text(json.dumps(r, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
