"""The DTW section's accuracy: each dataset taught to a real `mapper headless` and its test
series performed over UDP, beside the in-process Spotter on the same split, the
Wekinator-default variant (downsampled) and the reference's answers."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from benchmarks.client import Client, summary
from benchmarks.dtw_data import Dataset, Log, downsample_factor
from benchmarks.dtw_wire import WEK, Instrument, Paced
from mapper.osc.codec import encode_message

RATE = 500.0  # frames a second while a test series is performed (a performer's sensor)


# ---- in process -------------------------------------------------------------------------


def spotter(train: Sequence[np.ndarray], labels: Sequence[int] | np.ndarray, gestures: int) -> Any:
    """A Spotter as mapper.core.gestures builds one: every take, scaled by their spread."""
    from mapper.models.dtw import Spotter, spread

    return Spotter(list(zip([int(k) for k in labels], train)), gestures, None, spread(train))


def perform(sp: Any, series: np.ndarray) -> tuple[np.ndarray, float, list[float]]:
    """Stream one series after a reset: (the last frame's costs, the lowest best cost over its
    frames, every frame's best cost while some gesture could be reached)."""
    from mapper.models.dtw import NO_MATCH

    sp.reset()
    costs = np.full(sp.gestures, NO_MATCH)
    bests: list[float] = []
    for frame in series:
        costs, _ = sp.step(frame)
        best = float(costs.min())
        if best < NO_MATCH:
            bests.append(best)
    return costs, min(bests, default=float(NO_MATCH)), bests


def classify(
    train: Sequence[np.ndarray], labels: np.ndarray, test: Sequence[np.ndarray], gestures: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each test series' decision (lowest last cost) and that cost, in-process."""
    sp = spotter(train, labels, gestures)
    decided, cost = [], []
    for series in test:
        last, _, _ = perform(sp, series)
        decided.append(int(np.argmin(last)))
        cost.append(float(last.min()))
    return np.array(decided), np.array(cost)


# ---- over UDP, through a real `mapper headless` -----------------------------------------


def over_udp(d: Dataset, rate: float) -> dict[str, Any]:
    """Teach the training series, perform each test series: decisions, costs, timings."""
    client = Client()
    started = time.perf_counter()
    try:
        with Instrument(client, d.dims, d.gestures) as instrument:
            t0 = time.perf_counter()
            instrument.teach(list(zip(d.train_labels.tolist(), d.train)))
            teach_s = time.perf_counter() - t0
            paced = Paced(client, rate)
            decided: list[int] = []
            costs: list[float] = []
            frames = 0
            t0 = time.perf_counter()
            for series in d.test:
                paced.control(WEK + "startRunning")
                last: tuple[Any, ...] | None = None  # the answer to the series' last frame
                for frame in series.tolist():
                    last = paced.send(encode_message("/wek/inputs", frame))
                    frames += 1
                    if last is None and instrument.proc.poll() is not None:
                        raise RuntimeError(f"mapper headless exited\n{instrument.stderr()}")
                if last is None or len(last) != d.gestures:
                    decided.append(-1)
                    costs.append(float("nan"))
                else:
                    decided.append(int(np.argmin(last)))
                    costs.append(float(min(last)))
            stream_s = time.perf_counter() - t0
            held = instrument.takes_held()
    finally:
        client.close()
    return {
        "decided": decided,
        "costs": costs,
        "frames": frames,
        "lost": paced.lost,
        "rate": rate,
        "achieved_rate": frames / stream_s if stream_s else 0.0,
        "round_trip": summary(paced.times),
        "teach_s": teach_s,
        "takes_held": held,
        "takes_sent": len(d.train),
        "other_messages": sum(paced.other.values()),
        "seconds": time.perf_counter() - started,
    }


# ---- the accuracy row ------------------------------------------------------------------


def quality(d: Dataset, rate: float, log: Log) -> tuple[dict[str, Any], dict[str, Any]]:
    """One dataset: (its accuracy row, the costs the threshold is chosen from)."""
    truth = d.test_labels
    row: dict[str, Any] = {"series": len(d.test)}
    log(f"  dtw: {d.name}: {len(d.train)} takes, {len(d.test)} test series over UDP")
    try:
        udp = over_udp(d, rate)
        decided = np.array(udp.pop("decided"))
        udp_costs = udp.pop("costs")
        row["udp"] = float(np.mean(decided == truth))
        row["udp_run"] = udp
    except (RuntimeError, OSError, TimeoutError) as e:
        row["udp_error"] = str(e).strip().splitlines()[0] if str(e).strip() else repr(e)
        decided, udp_costs = None, []
    log(f"  dtw: {d.name}: in-process")
    t0 = time.perf_counter()
    ours, winning = classify(d.train, d.train_labels, d.test, d.gestures)
    row["in_process"] = float(np.mean(ours == truth))
    row["in_process_s"] = time.perf_counter() - t0
    if decided is not None:
        row["udp_agrees"] = float(np.mean(decided == ours))
        # the winning costs as sent (float32) against in-process's: the largest difference
        gap = np.abs(np.asarray(udp_costs) - winning) / np.maximum(winning, 1e-9)
        row["udp_cost_gap"] = float(np.max(gap)) if np.all(np.isfinite(gap)) else None
    f = downsample_factor(d.train)
    down, _ = classify(
        [s[::f] for s in d.train], d.train_labels, [s[::f] for s in d.test], d.gestures
    )
    row["wekinator_default"] = float(np.mean(down == truth))
    row["downsample_factor"] = f
    row["downsampled_train_length"] = max(len(s[::f]) for s in d.train)
    if d.reference is not None:
        row["reference"] = float(np.mean(d.reference == truth))
    evidence = {
        "correct": winning[ours == truth].tolist(),
        "wrong": winning[ours != truth].tolist(),
        "hits_of": len(d.test),
    }
    return row, evidence
