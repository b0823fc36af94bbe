"""The DTW section's cost: Spotter.step and Gestures.step per frame in-process (10 gestures x
5 takes x 100 frames x 8 inputs, BLAS on one thread), and the round trip of that set's frames
through `mapper headless` beside a bare UDP echo, paced alike."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from benchmarks.client import Client, summary
from benchmarks.dtw_accuracy import spotter
from benchmarks.dtw_data import Log
from benchmarks.dtw_wire import OUTPUTS, WEK, Instrument, Paced
from benchmarks.floor import ECHO
from mapper.osc.codec import encode_message

COST_RATE = 200.0  # the round trip of the 10 x 5 x 100 x 8 set
COST_SET = (10, 5, 100, 8)  # gestures, takes each, frames a take, inputs


# Gestures.step's three kinds of work: (send_progress, show_following)
PROGRESS_SENT = "progress sent (every gesture followed)"
FOLLOWING = {
    "matching only (headless, no progress)": (False, False),
    "the followed gesture shown (the TUI)": (False, True),
    PROGRESS_SENT: (True, False),
}


def cost_set(seed: int = 3) -> tuple[list[tuple[int, np.ndarray]], np.ndarray]:
    """10 gestures x 5 takes x 100 frames x 8 inputs (smooth random curves, each take a
    little different), and a performance: takes with a wobble, one after another."""
    gestures, takes, n, dims = COST_SET
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 1, n)[:, None]
    shapes = []
    for _ in range(gestures):
        f, p = rng.uniform(0.5, 2.5, dims), rng.uniform(0, 2 * np.pi, dims)
        shapes.append(0.5 + 0.4 * np.sin(2 * np.pi * f * t + p))
    recorded = [
        (k, shapes[k] + rng.normal(0, 0.03, (n, dims)))
        for k in range(gestures)
        for _ in range(takes)
    ]
    order = rng.permutation(len(recorded))
    stream = np.concatenate([recorded[i][1] + rng.normal(0, 0.03, (n, dims)) for i in order])
    return recorded, stream


def in_process_cost(frames: int, warmup: int, paced: int) -> dict[str, Any]:
    """Spotter.step and Gestures.step per frame (µs), BLAS on one thread: back to back, then
    `paced` frames of Gestures.step at COST_RATE (the process idle between frames, as the
    instrument is at a sensor's rate: its caches go cold)."""
    from threadpoolctl import threadpool_limits

    from mapper.core.gestures import Gestures, GestureSet, GestureTake

    recorded, stream = cost_set()
    gestures, _, _, dims = COST_SET
    sp = spotter([f for _, f in recorded], [k for k, _ in recorded], gestures)
    g = Gestures(dims, [GestureSet("output", gestures)], threading.RLock())
    g.add([GestureTake(i + 1, 0, k, f) for i, (k, f) in enumerate(recorded)])
    rows = [stream[i % len(stream)] for i in range(warmup + frames)]
    as_floats = [r.tolist() for r in rows]  # what the engine passes: the decoded floats

    def nothing(address: str, values: list[float]) -> None:
        pass

    out: dict[str, Any] = {"set": "10 gestures x 5 takes x 100 frames x 8 inputs", "frames": frames}
    clock = time.perf_counter_ns
    spotter_us: list[float] = []
    modes = {name: list[float]() for name in FOLLOWING}
    with threadpool_limits(limits=1):  # all interleaved, frame by frame: the same drift
        for k, (x, floats) in enumerate(zip(rows, as_floats)):
            t0 = clock()
            sp.step(x)
            t1 = clock()
            if k >= warmup:
                spotter_us.append((t1 - t0) / 1e3)
            for name, (progress, shown) in FOLLOWING.items():
                g.send_progress, g.show_following = progress, shown
                t1 = clock()
                g.step(floats, nothing)
                t2 = clock()
                if k >= warmup:
                    modes[name].append((t2 - t1) / 1e3)
        g.send_progress, g.show_following = True, True  # paced: the most work, as the goal
        paced_us: list[float] = []
        due = time.perf_counter()
        for k in range(warmup // 10 + paced):
            due += 1.0 / COST_RATE
            time.sleep(max(0.0, due - time.perf_counter()))
            t0 = clock()
            g.step(as_floats[k % len(as_floats)], nothing)
            if k >= warmup // 10:
                paced_us.append((clock() - t0) / 1e3)
    out["Spotter.step"] = summary(spotter_us)
    out["Gestures.step"] = summary(modes[PROGRESS_SENT])  # the goal's: every gesture followed
    out["modes"] = {name: summary(values) for name, values in modes.items()}
    out["Gestures.step paced"] = {**summary(paced_us), "rate": COST_RATE, "frames": paced}
    return out


def round_trip_cost(frames: int, warmup: int, rate: float, log: Log) -> dict[str, Any]:
    """The 10 x 5 x 100 x 8 set through `mapper headless`, and a bare UDP echo, paced alike."""
    recorded, stream = cost_set()
    gestures, _, _, dims = COST_SET
    datagrams = [encode_message("/wek/inputs", r.tolist()) for r in stream[:4000]]
    out: dict[str, Any] = {"rate": rate, "frames": frames}
    client = Client()
    try:
        log("  dtw: round trip, 10 x 5 x 100 x 8 through mapper headless")
        with Instrument(client, dims, gestures) as instrument:
            instrument.teach(recorded)
            client.send(WEK + "startRunning")
            out["mapper"] = _paced(client, datagrams, frames, warmup, rate)
        log("  dtw: round trip, the floor (a bare UDP echo)")
        echo = subprocess.Popen(
            [sys.executable, "-c", ECHO, str(client.port)], stdout=subprocess.PIPE, text=True
        )
        try:
            assert echo.stdout is not None
            client.dest = ("127.0.0.1", int(echo.stdout.readline()))
            out["floor"] = _paced(client, datagrams, frames, warmup, rate, expect=None)
        finally:
            echo.kill()
            echo.wait(10)
    finally:
        client.close()
    for key in ("median_us", "p99_us"):
        out[f"over_floor_{key}"] = out["mapper"][key] - out["floor"][key]
    return out


def _paced(
    client: Client,
    datagrams: Sequence[bytes],
    frames: int,
    warmup: int,
    rate: float,
    expect: str | None = OUTPUTS,
) -> dict[str, Any]:
    paced = Paced(client, rate, expect)
    for k in range(warmup):
        paced.send(datagrams[k % len(datagrams)])
    paced.times.clear()
    paced.lost = 0
    for k in range(frames):
        paced.send(datagrams[(warmup + k) % len(datagrams)])
    return {**summary(paced.times), "lost": paced.lost}
