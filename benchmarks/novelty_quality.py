"""The novelty section's quality: how well novelty separates frames near the recorded examples
from shifted ones (the AUC), and whether it grows as the input moves away from a cluster.

Everything is measured through the engine a performer plays: the examples are recorded take by
take (Engine.start_recording, process_frame), trained, and each tested frame's novelty is the
engine's answer (Engine.novelty). Novelty depends on the examples an output learned, not on
its model type: the outputs here are kNNs, the quickest to train. The docstring's formula,
computed here by brute force on a sample of the frames, checks the engine's figures.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score

from benchmarks.novelty_data import Taught, between, outside
from mapper.core.engine import Engine
from mapper.core.outputs import Output

RAY_REACH, RAY_STEPS = 3.0, 30  # along a ray: 0 to 3 (novelty's units: the examples' spread)
CHECKED = 200  # frames checked against the brute-force formula per teaching
ABOVE = 1.0  # the share of each kind of frame with novelty above this is printed


def auc(negatives: ArrayLike, positives: ArrayLike) -> float:
    """The chance that a positive scores above a negative, ties counting half: the area under
    the ROC curve (scikit-learn's roc_auc_score, the positives labelled 1)."""
    neg, pos = np.asarray(negatives, np.float64), np.asarray(positives, np.float64)
    if not len(neg) or not len(pos):
        raise ValueError("the AUC needs at least one of each")
    labels = np.concatenate((np.zeros(len(neg)), np.ones(len(pos))))
    return float(roc_auc_score(labels, np.concatenate((neg, pos))))


def spearman(a: ArrayLike, b: ArrayLike) -> float:
    """Spearman's rank correlation (scipy's spearmanr; 0 where either side is constant, where
    scipy gives NaN and a warning)."""
    x, y = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return 0.0
    return float(spearmanr(x, y).statistic)


def taught_engine(t: Taught, outputs: Sequence[Output], values: np.ndarray) -> Engine:
    """An engine that recorded t's examples take by take (take's label -> `values` row) and
    trained."""
    engine = Engine([f"in{k + 1}" for k in range(t.X.shape[1])], list(outputs))
    for take in np.unique(t.takes):
        rows = t.takes == take
        engine.set_values(values[int(t.labels[rows][0])].tolist(), send=False)
        engine.start_recording()
        for x in t.X[rows].tolist():
            engine.process_frame(x)
        engine.stop_recording()
    engine.train()
    if not engine.wait_for_training(300) or engine.training.error:
        raise RuntimeError(f"training failed: {engine.training.error or 'timed out'}")
    return engine


def measure(engine: Engine, frames: np.ndarray) -> np.ndarray:
    """The engine's novelty of each frame (the frame's: the largest of its outputs')."""
    out = np.empty(len(frames))
    for i, x in enumerate(frames.tolist()):
        value, _ = engine.novelty(x)
        out[i] = math.nan if value is None else value
    return out


def formula(X: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """mapper/core/novelty.py's docstring by brute force: sqrt(min over examples of the mean
    over inputs of ((x - e) / s)^2), s the examples' standard deviation (1 where constant)."""
    mean, std = X.mean(axis=0), X.std(axis=0)
    std = np.where(std > 1e-12 * np.maximum(1.0, np.abs(mean)), std, 1.0)
    Z, F = X / std, frames / std
    squared = (F**2).sum(1)[:, None] - 2.0 * F @ Z.T + (Z**2).sum(1)[None, :]
    return np.sqrt(np.maximum(squared.min(axis=1), 0.0) / X.shape[1])


def _spread(values: np.ndarray) -> dict[str, float]:
    return {
        "n": len(values),
        "median": float(np.median(values)),
        "p90": float(np.quantile(values, 0.9)),
        "above_1": float(np.mean(values > ABOVE)),
    }


def separation(engine: Engine, t: Taught, rng: np.random.Generator) -> dict[str, Any]:
    """Novelty of the near, between, outside (and untaught) frames; each shift's AUC against
    the near frames, and the overall one (near against every shifted frame)."""
    near = measure(engine, t.near)
    frames = {"between": between(t, rng), "outside": outside(t, rng)}
    shifted = {kind: measure(engine, f) for kind, f in frames.items()}
    std = t.X.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    row: dict[str, Any] = {"about": t.about, "examples": len(t.X), "near": _spread(near)}
    for kind, values in shifted.items():
        moved = np.sqrt((((frames[kind] - t.near) / std) ** 2).mean(axis=1))
        row[kind] = {
            **_spread(values),
            "auc": auc(near, values),
            "moved_median": float(np.median(moved)),  # how far the shift moved (novelty units)
        }
    row["overall_auc"] = auc(near, np.concatenate(list(shifted.values())))
    if t.untaught is not None:
        values = measure(engine, t.untaught)
        row["untaught"] = {**_spread(values), "auc": auc(near, values)}
    sample = t.near[: CHECKED // 2]
    sample = np.concatenate((sample, outside(t, rng)[: CHECKED // 2]))
    row["formula_gap"] = float(np.max(np.abs(measure(engine, sample) - formula(t.X, sample))))
    return row


def rays(engine: Engine, t: Taught, per_cluster: int, rng: np.random.Generator) -> dict[str, Any]:
    """From each cluster's medoid (its recorded frame nearest its mean) along `per_cluster`
    random directions pointing away from the examples' centre (in standardized units), in
    RAY_STEPS steps out to RAY_REACH (distance in novelty's units: the RMS over inputs, in
    standard deviations): how often novelty did not fall from one step to the next, and
    Spearman's correlation of novelty with the distance, per ray."""
    mean, std = t.X.mean(axis=0), t.X.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    Z = (t.X - mean) / std
    d = Z.shape[1]
    steps = np.linspace(0.0, RAY_REACH, RAY_STEPS + 1)
    rhos: list[float] = []
    rising = falls = 0
    worst_fall = 0.0
    at_reach: list[float] = []
    for k in np.unique(t.labels):
        members = Z[t.labels == k]
        medoid = members[np.argmin(((members - members.mean(axis=0)) ** 2).sum(axis=1))]
        for _ in range(per_cluster):
            u = rng.normal(size=d)
            u /= np.linalg.norm(u)
            if u @ medoid < 0:  # outward: away from the examples' centre (0 here)
                u = -u
            points = (medoid + steps[:, None] * math.sqrt(d) * u) * std + mean
            values = measure(engine, points)
            change = np.diff(values)
            rising += int(np.sum(change >= 0))
            falls += int(np.sum(change < 0))
            worst_fall = max(worst_fall, float(-change.min()))
            rhos.append(spearman(steps, values))
            at_reach.append(float(values[-1]))
    r = np.array(rhos)
    return {
        "rays": len(rhos),
        "steps": RAY_STEPS,
        "reach": RAY_REACH,
        "not_decreasing": rising / max(rising + falls, 1),
        "largest_fall": worst_fall,
        "spearman_median": float(np.median(r)),
        "spearman_min": float(r.min()),
        "spearman_p10": float(np.quantile(r, 0.1)),
        "novelty_at_reach_median": float(np.median(at_reach)),
    }
