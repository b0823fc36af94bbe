"""The novelty section's data: poses recorded as a performer records them (synthetic), a
smartwatch's recorded motion (BasicMotions, real), and the frames each is tested on.

Recorded examples come in takes: a few seconds of one pose (synthetic) or one recorded series
(real), each with its label. Tested frames are of three kinds (plus a fourth, real data only):

    near     held-out frames of the taught clusters: a fresh take of each pose (the performer
             returns to it, not exactly), or the test series of the taught classes
    between  a near frame of cluster a displaced half way toward the centre of another taught
             cluster b (x + (centre_b - centre_a) / 2): it keeps its own jitter, and sits
             between the two clusters as much as it sat in its own
    outside  a near frame with one input (drawn at random) beyond the recorded examples' min or
             max of that input (either side) by 10-20 % of that input's recorded range
    untaught the test series of a class that was not taught (real data; reported, no goal)

The shift parameters are fixed here, before any figure is seen, and are the same for both
kinds of data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from benchmarks.dtw_data import DATA

INPUTS, CLUSTERS = 8, 5
TAKE_FRAMES = 200  # frames a recorded pose: 3.3 s at 60 frames a second
NOISE, SWAY, RETURN = 0.01, 0.03, 0.02  # sensor noise; a held pose's sway; a return's offset
MARGIN = 0.1  # outside: beyond the recorded min/max by MARGIN to 2 x MARGIN of the range
REAL = "BasicMotions"


@dataclass
class Taught:
    """Recorded examples (one take per row group) and frames held out from them."""

    name: str
    about: str
    X: np.ndarray  # (n, inputs) the recorded examples
    labels: np.ndarray  # (n,) 0-based cluster or class of each example
    takes: np.ndarray  # (n,) 0-based take of each example (one recording round each)
    near: np.ndarray  # (m, inputs) held-out frames of the taught clusters
    near_labels: np.ndarray  # (m,)
    untaught: np.ndarray | None = None  # frames of a class left out (real data)

    def centres(self) -> dict[int, np.ndarray]:
        return {int(k): self.X[self.labels == k].mean(axis=0) for k in np.unique(self.labels)}


def _take(rng: np.random.Generator, centre: np.ndarray, n: int, offset: float) -> np.ndarray:
    """A held pose: its centre (off by `offset` when returned to), a slow sway, sensor noise."""
    walk = np.cumsum(rng.normal(0.0, 1.0, (n + 30, len(centre))), axis=0)
    smooth = np.array([np.convolve(w, np.ones(30) / 30, mode="valid")[:n] for w in walk.T]).T
    smooth = (smooth - smooth.mean(axis=0)) / max(float(smooth.std()), 1e-12) * SWAY
    return (
        centre
        + rng.normal(0.0, offset, len(centre))
        + smooth
        + rng.normal(0.0, NOISE, (n, len(centre)))
    )


def synthetic(frames: int = TAKE_FRAMES, seed: int = 0) -> Taught:
    """5 poses in 8 inputs (0..1), one take of `frames` each recorded; a second take of each,
    returned to with a small offset, held out as the near frames."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0.1, 0.9, (CLUSTERS, INPUTS))
    X = np.concatenate([_take(rng, c, frames, 0.0) for c in centres])
    near = np.concatenate([_take(rng, c, frames, RETURN) for c in centres])
    labels = np.repeat(np.arange(CLUSTERS), frames)
    about = (
        f"{CLUSTERS} poses in {INPUTS} inputs, one take of {frames} frames each (sway "
        f"{SWAY:g}, noise {NOISE:g}); near: a second take of each, returned to within {RETURN:g}"
    )
    return Taught("synthetic", about, X, labels, labels.copy(), near, labels.copy())


@dataclass
class Motions:
    """BasicMotions as frames: every series' frames, its class, its split."""

    train: np.ndarray
    train_labels: np.ndarray  # per frame
    train_series: np.ndarray  # per frame: which series
    test: np.ndarray
    test_labels: np.ndarray
    classes: list[str]


def motions() -> Motions | None:
    """BasicMotions (aeon's copy, as benchmarks/dtw_reference.py wrote it to .venv-bench);
    None where it was not written (`make bench-dtw-setup`)."""
    path = DATA / f"{REAL}.npz"
    if not path.exists():
        return None
    with np.load(path, allow_pickle=False) as z:
        lengths_train, lengths_test = z["train_lengths"], z["test_lengths"]
        return Motions(
            z["train_frames"].astype(np.float64),
            np.repeat(z["train_labels"], lengths_train),
            np.repeat(np.arange(len(lengths_train)), lengths_train),
            z["test_frames"].astype(np.float64),
            np.repeat(z["test_labels"], lengths_test),
            [str(c) for c in z["classes"]],
        )


def teaching(m: Motions, left_out: int | None) -> Taught:
    """Every training series of the classes taught (all, or all but `left_out`) recorded,
    one take each; near: the test series of those classes; untaught: the left-out class's."""
    keep = m.train_labels != left_out
    near = m.test_labels != left_out
    taught = [c for k, c in enumerate(m.classes) if k != left_out]
    name = "all classes" if left_out is None else f"without {m.classes[left_out]}"
    about = f"taught: {', '.join(taught)}"
    untaught = None if left_out is None else m.test[m.test_labels == left_out]
    return Taught(
        name,
        about,
        m.train[keep],
        m.train_labels[keep],
        m.train_series[keep],
        m.test[near],
        m.test_labels[near],
        untaught,
    )


def between(t: Taught, rng: np.random.Generator) -> np.ndarray:
    """Each near frame displaced half way from its cluster's centre toward another's."""
    centres = t.centres()
    keys = sorted(centres)
    out = np.empty_like(t.near)
    for i, (x, a) in enumerate(zip(t.near, t.near_labels.tolist())):
        others = [k for k in keys if k != a]
        b = others[int(rng.integers(len(others)))]
        out[i] = x + (centres[b] - centres[int(a)]) / 2
    return out


def outside(t: Taught, rng: np.random.Generator) -> np.ndarray:
    """Each near frame with one random input beyond the recorded box by 10-20 % of its range."""
    lo, hi = t.X.min(axis=0), t.X.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    out = t.near.copy()
    n, d = out.shape
    which = rng.integers(d, size=n)
    beyond = MARGIN * span[which] * (1.0 + rng.random(n))
    above = rng.random(n) < 0.5
    out[np.arange(n), which] = np.where(above, hi[which] + beyond, lo[which] - beyond)
    return out


def thinned(t: Taught, n: int, rng: np.random.Generator) -> Taught:
    """The same examples, at most n near (and n untaught) frames, drawn in their order."""

    def pick(m: int) -> np.ndarray:
        return np.arange(m) if m <= n else np.sort(rng.choice(m, n, replace=False))

    keep = pick(len(t.near))
    untaught = None if t.untaught is None else t.untaught[pick(len(t.untaught))]
    return Taught(
        t.name, t.about, t.X, t.labels, t.takes, t.near[keep], t.near_labels[keep], untaught
    )
