"""The novelty section's in-process cost: Engine.process_frame with novelty on and off, frame by
frame back to back (the same frame twice, off then on, so both see the same drift), BLAS on one
thread, for 8 inputs x 3 outputs x 1,000 examples, the default MLP and kNN (k=5); then paced at
200 frames a second (off and on in turn), sending through mapper's own OSC sender to a loopback
socket as mapper headless does: process_frame, and the time from /wek/outputs leaving to
/mapper/novelty leaving (what a listener waits for the whole answer, less the wire).

The engine is taught as the suite's round trip teaches mapper headless (benchmarks/tasks.py's
regression examples, the same target on every output) and waits for its MLPs' ensembles, fitted
in the background after training, before it is timed."""

from __future__ import annotations

import math
import socket
import time
from typing import Any

import numpy as np

from benchmarks.client import summary
from benchmarks.tasks import TEST_SEED, examples, taught_engine
from mapper.core.engine import Engine
from mapper.core.outputs import Output
from mapper.osc.sender import OSCSender

INPUTS, OUTPUTS = 8, 3
MODELS: dict[str, dict[str, Any]] = {
    "mlp (default)": {"type": "mlp"},
    "knn k=5": {"type": "knn", "k": 5},
}
NOVELTY = "/mapper/novelty"
PACED_RATE = 200.0  # frames a second, as the round trip


def engine_for(model: dict[str, Any], n_examples: int, wait: float = 120.0) -> Engine:
    """8 inputs x 3 outputs of `model`, n_examples recorded in one round, trained, running, its
    MLPs' ensembles fitted (or `wait` seconds passed)."""
    outputs = [Output(f"out{j + 1}", model=dict(model)) for j in range(OUTPUTS)]
    engine = taught_engine(outputs, "regression", n_examples, INPUTS)
    if engine.is_training or engine.training.error:
        raise RuntimeError(f"training failed: {engine.training.error or 'timed out'}")
    engine.wait_for_uncertainty(wait)  # the MLPs' ensembles: background work would skew it
    engine.start_running()
    return engine


def in_process(n_examples: int, frames: int, warmup: int, paced: int) -> dict[str, Any]:
    """Per model: process_frame off and on back to back (µs), their medians' difference and
    the median of the paired differences; the novelty messages sent; Engine.novelty (the
    query) per frame; then `paced` frames at PACED_RATE through mapper's OSC sender."""
    from threadpoolctl import threadpool_limits

    X_test, _ = examples("regression", 500, INPUTS, seed=TEST_SEED)
    rows = X_test.tolist()
    out: dict[str, Any] = {"examples": n_examples, "frames": frames, "paced_rate": PACED_RATE}
    for name, model in MODELS.items():
        engine = engine_for(model, n_examples)
        with threadpool_limits(limits=1):
            out[name] = _back_to_back(engine, rows, frames, warmup)
            out[name]["paced"] = _paced(engine, rows, paced, warmup // 10)
    return out


def _back_to_back(engine: Engine, rows: list[list[float]], frames: int, warmup: int) -> dict:
    sent: list[float] = []

    def ignore(values: list[float]) -> None:
        pass

    def heard(address: str, values: list[float]) -> None:
        if address == NOVELTY:
            sent.append(values[0])

    engine.add_output_sink(ignore)
    engine.add_message_sink(heard)
    clock = time.perf_counter_ns

    def once(x: list[float], on: bool) -> tuple[float, int]:
        """One frame with novelty sent or not: its µs and the novelty messages it sent."""
        engine.set_novelty(on)
        before = len(sent)
        t0 = clock()
        engine.process_frame(x)
        return (clock() - t0) / 1e3, len(sent) - before

    off: list[float] = []
    on: list[float] = []
    query: list[float] = []
    sent_off = sent_on = 0
    for k in range(warmup + frames):
        x = rows[k % len(rows)]
        us_off, n_off = once(x, False)
        us_on, n_on = once(x, True)
        sent_off, sent_on = sent_off + n_off, sent_on + n_on
        t3 = clock()
        engine.novelty(x)
        t4 = clock()
        if k >= warmup:
            off.append(us_off)
            on.append(us_on)
            query.append((t4 - t3) / 1e3)
    engine.set_novelty(False)
    engine.remove_sink(ignore)
    engine.remove_sink(heard)
    # the hot path's value is the query's (the one a frame's message carries)
    gap = max(abs(v - (engine.novelty(rows[k % len(rows)])[0] or math.nan))
              for k, v in enumerate(sent[:200]))  # fmt: skip
    return {
        "off": summary(off),
        "on": summary(on),
        "added_median_us": summary(on)["median_us"] - summary(off)["median_us"],
        "paired_median_us": float(np.median(np.array(on) - np.array(off))),
        "messages": {"on": sent_on, "off": sent_off, "frames": warmup + frames},
        "query": summary(query),
        "hot_path_vs_query": float(gap),
    }


def _paced(engine: Engine, rows: list[list[float]], frames: int, warmup: int) -> dict:
    """Frames at PACED_RATE, novelty off and on in turn, sent by mapper's own OSC sender (as
    in mapper headless) to a loopback socket: process_frame (µs), and how long after
    /wek/outputs left /mapper/novelty did. Idle between frames, as the instrument is at a
    sensor's rate: its caches go cold."""
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    rx.setblocking(False)
    sender = OSCSender("127.0.0.1", rx.getsockname()[1], "/wek/outputs", OUTPUTS, engine.counters)
    clock = time.perf_counter_ns
    left: dict[str, int] = {}

    def outputs(values: list[float]) -> None:
        sender.send_outputs(values)
        left["outputs"] = clock()

    def message(address: str, values: list[float]) -> None:
        sender.send_floats(address, values)
        left[address] = clock()

    engine.add_output_sink(outputs)
    engine.add_message_sink(message)
    times: dict[str, list[float]] = {"off": [], "on": [], "gap": []}
    due = time.perf_counter()
    try:
        for k in range(warmup + 2 * frames):
            on = k % 2 == 1
            engine.set_novelty(on)
            left.clear()
            due += 1.0 / PACED_RATE
            time.sleep(max(0.0, due - time.perf_counter()))
            t0 = clock()
            engine.process_frame(rows[k % len(rows)])
            t1 = clock()
            for _ in range(8):  # at most the two datagrams of this frame
                try:
                    rx.recv(65536)
                except BlockingIOError:
                    break
            if k >= warmup:
                times["on" if on else "off"].append((t1 - t0) / 1e3)
                if on and NOVELTY in left:
                    times["gap"].append((left[NOVELTY] - left["outputs"]) / 1e3)
    finally:
        engine.set_novelty(False)
        engine.remove_sink(outputs)
        engine.remove_sink(message)
        sender.close()
        rx.close()
    return {name: summary(values) for name, values in times.items()} | {"frames": frames}
