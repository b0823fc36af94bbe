"""Record here next: the place the performer often visits that is far from every example.

From the recent live inputs (mapper.core.visits) and the examples' inputs, in the novelty's
units (each input in standard deviations of the examples; mapper.core.novelty): every visited
frame gets its novelty (distance to the nearest example) and how densely visits crowd around
it (1 / the distance to its NEIGHBOURS-th nearest visit); the suggestion is the visited frame
with the most of both (their product, which no change of units moves) among those at least
FAR from every example and visited "often" (at least OFTEN times the median density), placed
at the mean of its nearest visits. Nothing is suggested when every place visited often lies
near an example.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mapper.models.base import input_scaling

FAR = 1.0  # the least novelty worth suggesting: the examples' own spread
NEIGHBOURS = 10  # the visits that measure how densely a place is visited
OFTEN = 0.5  # a place visited less densely than this times the median visit is not "often"
AROUND = 3.0  # the share counts visits within this times the reach of its NEIGHBOURS
MOST_VISITS = 1000  # visits looked at (evenly spaced through the record): bounded work
CHUNK = 2048  # examples compared at once (bounded memory)


@dataclass(frozen=True)
class Suggestion:
    point: tuple[float, ...]  # the input values to record at
    novelty: float  # how new that place is (the novelty scale)
    share: float  # the share of recent visits around it (within AROUND reaches), 0..1


def _nearest_squared(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For each row of a, the squared distance to the nearest row of b (b in chunks)."""
    best = np.full(len(a), np.inf)
    a2 = np.einsum("ij,ij->i", a, a)
    for at in range(0, len(b), CHUNK):
        part = b[at : at + CHUNK]
        d2 = a2[:, None] - 2.0 * a @ part.T + np.einsum("ij,ij->i", part, part)[None, :]
        np.minimum(best, d2.min(axis=1), out=best)
    return np.maximum(best, 0.0)


def suggest(visits: np.ndarray, examples: np.ndarray) -> Suggestion | None:
    """Where to record next, from visited frames (m, d) and examples' inputs (n, d)."""
    if len(visits) < 2:
        return None
    if len(visits) > MOST_VISITS:
        visits = visits[np.linspace(0, len(visits) - 1, MOST_VISITS).astype(np.intp)]
    d = visits.shape[1]
    mean, std = input_scaling(examples if len(examples) else visits)
    v = (visits - mean) / std
    if len(examples):
        novelty = np.sqrt(_nearest_squared(v, (examples - mean) / std) / d)
    else:
        novelty = np.full(len(v), math.inf)  # nothing recorded: everywhere is new
    sq = np.einsum("ij,ij->i", v, v)
    pair = np.maximum(sq[:, None] - 2.0 * v @ v.T + sq[None, :], 0.0)
    k = min(NEIGHBOURS, len(v) - 1)
    around = np.argpartition(pair, k, axis=1)[:, : k + 1]  # each visit and its k nearest
    reach = np.sqrt(np.take_along_axis(pair, around, axis=1).max(axis=1) / d)
    density = 1.0 / np.maximum(reach, 1e-12)
    # far from every example, and visited at least half as densely as the median visit
    # (the sparse rim of a taught place, or a passing glitch, is no place to record)
    worth = (novelty >= FAR) & (density >= OFTEN * np.median(density))
    if not worth.any():
        return None
    score = np.where(worth, np.minimum(novelty, 1e12) * density, -np.inf)
    best = int(score.argmax())
    share = float(np.count_nonzero(np.sqrt(pair[best] / d) <= AROUND * reach[best])) / len(v)
    point = visits[around[best]].mean(axis=0)
    return Suggestion(tuple(float(p) for p in point), float(novelty[best]), share)
