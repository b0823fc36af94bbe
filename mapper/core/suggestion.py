"""Record here next: the place the performer often visits that is far from every example.

From the recent live inputs (mapper.core.visits), measured as the running models' novelty
measures them (mapper.core.novelty: in the inputs the outputs use, in standard deviations of
the examples): each visited frame gets its novelty, and how many visits lie within RADIUS of
it (novelty's units). A place is worth suggesting when it is at least FAR from every example
and at least OFTEN of the visits were around it; the suggestion is the most visited such
place, answered as the mean of the visits around it. Nothing is suggested when every place
visited often lies near an example, or before any output is trained.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mapper.core.novelty import NoveltyPlan

FAR = 1.0  # the least novelty worth suggesting: the examples' own spread
RADIUS = 0.5  # visits within this (novelty's units) are around the same place
OFTEN = 0.02  # the least share of the visits a place needs (a passing glitch is no place)
MOST_VISITS = 500  # visits looked at (evenly spaced through the record): bounded work


@dataclass(frozen=True)
class Suggestion:
    point: tuple[float, ...]  # the input values to record at
    novelty: float  # how new that place is (the novelty scale)
    share: float  # the share of the recent visits around it (within RADIUS), 0..1


def suggest(visits: np.ndarray, plan: NoveltyPlan) -> Suggestion | None:
    """Where to record next, from visited frames (m, n_inputs) and the running models' plan."""
    if not plan or len(visits) < 2:
        return None
    if len(visits) > MOST_VISITS:
        visits = visits[np.linspace(0, len(visits) - 1, MOST_VISITS).astype(np.intp)]
    novelty = plan.measure_many(visits)
    used, mean, inv = plan.scales()
    v = (visits[:, used] - mean) * inv
    sq = np.einsum("ij,ij->i", v, v)
    pair = sq[:, None] - 2.0 * v @ v.T + sq[None, :]
    around = pair <= RADIUS**2 * len(used)  # each visit's neighbours, itself included
    count = around.sum(axis=1)
    worth = (novelty >= FAR) & (count >= max(2.0, OFTEN * len(v)))
    if not worth.any():
        return None
    candidates = np.flatnonzero(worth)
    best = int(candidates[np.lexsort((novelty[candidates], count[candidates]))[-1]])
    point = visits[around[best]].mean(axis=0)
    found = plan.measure_many(point[None, :])[0]
    return Suggestion(tuple(float(p) for p in point), float(found), float(count[best]) / len(v))
