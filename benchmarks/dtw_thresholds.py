"""The DTW section's match threshold: the winning costs of the test series classified right
and each take's own cost, against the lowest cost reached on input that is no gesture of the
set (a class left out, noise streams); each candidate threshold, fixed or relative, scored."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from benchmarks.dtw_accuracy import perform, spotter
from benchmarks.dtw_data import Dataset, each_class_in_turn

THRESHOLDS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1.0)  # in the examples' spread
RELATIVE = (0.75, 1.0, 1.25, 1.5, 2.0, 3.0)  # times the median of the takes' own costs
NOISES = ("noise", "smooth noise", "still")
KINDS = ("unknown", *NOISES)  # the non-gestures
SCORED = "noise"  # the suggestion weighs right matches against matches on white noise
NOISE_STREAMS = 10
OWN_TAKES = 60  # takes whose own cost is measured (each with itself left out of the set)


def non_gestures(d: Dataset, streams: int, takes: int, seed: int = 1) -> dict[str, Any]:
    """The costs the threshold is chosen from, besides the test series': each take's own
    cost (its gesture's, with the take itself left out of the set: `takes` of them, in class
    order), and the lowest best cost reached on input that is no gesture of the set: each test
    series of a class left out of the set, and streams of noise at the training frames' mean
    and spread per dimension (white; smooth: a sensor wandering; still: holding the pose a take
    starts from, with a sensor's jitter)."""
    rng = np.random.default_rng(seed)
    own: list[float] = []
    for i in each_class_in_turn(d.train_labels, takes):
        keep = np.arange(len(d.train)) != i
        sp = spotter([s for s, k in zip(d.train, keep) if k], d.train_labels[keep], d.gestures)
        last, _, _ = perform(sp, d.train[i])
        own.append(float(last[d.train_labels[i]]))
    unknown: list[float] = []
    if d.gestures > 1:
        for left_out in range(d.gestures):
            keep = d.train_labels != left_out
            sp = spotter([s for s, k in zip(d.train, keep) if k], d.train_labels[keep], d.gestures)
            for series in (s for s, y in zip(d.test, d.test_labels) if y == left_out):
                unknown.append(perform(sp, series)[1])
    frames = np.concatenate(d.train)
    mean, sd = frames.mean(axis=0), frames.std(axis=0)
    n = max(60, 3 * int(np.median([len(s) for s in d.test])))
    sp = spotter(d.train, d.train_labels, d.gestures)
    out: dict[str, Any] = {"own": own, "unknown": unknown, "stream_frames": n}
    for kind in NOISES:
        lows, per_frame = [], []
        for _ in range(streams):
            e = rng.standard_normal((n, d.dims))
            if kind == "smooth noise":  # AR(1), a = 0.95: wandering, with the same spread
                a = 0.95
                for t in range(1, n):
                    e[t] = a * e[t - 1] + np.sqrt(1 - a * a) * e[t]
                x = mean + sd * e
            elif kind == "still":  # a take's first frame, 2% of the spread of jitter
                x = d.train[int(rng.integers(len(d.train)))][0] + 0.02 * sd * e
            else:
                x = mean + sd * e
            _, low, bests = perform(sp, x)
            lows.append(low)
            per_frame += bests
        out[kind] = lows
        out[f"{kind} per frame"] = _percentiles(per_frame)
    return out


def _percentiles(x: Sequence[float]) -> dict[str, float]:
    if not len(x):
        return {}
    q = np.percentile(np.asarray(x), [1, 5, 50])
    return {"p1": float(q[0]), "p5": float(q[1]), "median": float(q[2])}


def _spread(x: Sequence[float]) -> dict[str, float]:
    if not len(x):
        return {"n": 0}
    q = np.percentile(np.asarray(x), [5, 50, 90, 95])
    return {
        "n": len(x),
        "p5": float(q[0]),
        "median": float(q[1]),
        "p90": float(q[2]),
        "p95": float(q[3]),
        "max": float(np.max(x)),
        "min": float(np.min(x)),
    }


def thresholds(evidence: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Per dataset and candidate threshold, fixed (in units of the examples' spread, as
    mapper's threshold is) or relative (times the median of the set's takes' own costs): the
    share of test series matched right at their end (classified right, and the winning cost
    under it), and for each kind of non-gesture the share that reaches under it somewhere.
    The suggestion, for each: the candidate with the best score, the mean over the datasets of
    (share matched right - share of white-noise streams matched); the smaller on a tie."""
    table: dict[str, Any] = {}
    for name, ev in evidence.items():
        unit = float(np.median(ev["own"])) if ev["own"] else float("nan")
        table[name] = {
            **{k: _spread(ev[k]) for k in ("correct", "wrong", "own", *KINDS)},
            **{f"{k} per frame": ev[f"{k} per frame"] for k in NOISES},
            "stream_frames": ev["stream_frames"],
            "own_median": unit,
            "fixed": {f"{t:g}": _rates(ev, t) for t in THRESHOLDS},
            "relative": {f"{r:g}": _rates(ev, r * unit) for r in RELATIVE},
        }

    scores: dict[str, dict[str, float]] = {}
    for kind, candidates in (("fixed", THRESHOLDS), ("relative", RELATIVE)):
        scores[kind] = {}
        for c in candidates:
            rows = [table[n][kind][f"{c:g}"] for n in table]
            scores[kind][f"{c:g}"] = float(np.mean([r["hits"] - (r[SCORED] or 0.0) for r in rows]))
    best = {k: max(v, key=lambda c: (v[c], -float(c))) for k, v in scores.items()}
    return {
        "fixed": list(THRESHOLDS),
        "relative": list(RELATIVE),
        "scored": SCORED,
        "scores": scores,
        "suggested_fixed": float(best["fixed"]),
        "suggested_relative": float(best["relative"]),
        "datasets": table,
    }


def _rates(ev: dict[str, Any], t: float) -> dict[str, float | None]:
    correct = np.asarray(ev["correct"])
    row: dict[str, float | None] = {
        "threshold": t,
        "hits": float(np.sum(correct < t) / max(ev["hits_of"], 1)),
    }
    for kind in KINDS:
        lows = np.asarray(ev[kind])
        row[kind] = float(np.mean(lows < t)) if len(lows) else None
    return row
