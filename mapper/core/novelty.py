"""Novelty: how far the live input is from the examples the running models learned.

Per output, in the inputs that output uses, with each input measured in standard deviations of
those examples (the kNN's own distance), the root mean square over the inputs of the distance
to the nearest example:

    novelty = sqrt( min over examples e of  mean over inputs k of ((x_k - e_k) / s_k)^2 )

0 on a recorded example; 1 when the input is as far from its nearest example as the examples
lie, on average, from their own centre (one standard deviation on every input); 2, twice as
far. An input that never moved across the examples counts in its own units. A frame's novelty
is the largest of its outputs' (the output the input is newest to).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from mapper.core.state import Trained
from mapper.models.knn import SearchIndex, shared_index

ABSURD = 1e140  # an input beyond this is no sensor's: as new as can be (inf)
MOST_EXAMPLES = 50_000  # examples measure_many compares with, per group (bounded work)
CHUNK = 4096  # examples compared at once (bounded memory)


def known(X: np.ndarray) -> SearchIndex:
    """The examples' inputs, ready for novelty: the index a kNN on them uses (shared)."""
    return shared_index(X)


def novelty_of(index: SearchIndex, x: np.ndarray) -> float:
    """One frame's novelty against the examples in `index` (allocates: not for the hot path)."""
    if not np.all(np.abs(x) < ABSURD):
        return math.inf
    xs = index.standardized(x)
    squared = float(xs @ xs) + 2.0 * index.nearest_rank(np.asarray(x, dtype=np.float64))
    return math.sqrt(max(squared, 0.0) / len(xs))


class _Group:
    """Outputs that learned from the same examples in the same inputs: one search a frame
    with the kNN's own ranking of those examples (SearchIndex.nearest_rank: |t|^2/2 - t.x,
    no second copy of them), in buffers made once (one caller at a time: the receive
    thread)."""

    def __init__(self, index: SearchIndex, columns: np.ndarray | None, outputs: list[int]):
        self.index, self.columns, self.outputs = index, columns, outputs
        d = index.mean.shape[0]
        self.inputs = float(d)
        self.head = np.empty(d)
        self.centred = np.empty(d)

    def __call__(self, x: Sequence[float] | np.ndarray) -> float:
        index, head, centred = self.index, self.head, self.centred
        head[:] = x
        nearest = index.nearest_rank(head)
        np.subtract(head, index.mean, out=centred)
        np.multiply(centred, index.inv_scale, out=centred)
        squared = float(np.dot(centred, centred)) + 2.0 * nearest
        if squared > 0.0:
            return math.sqrt(squared / self.inputs)
        return 0.0 if squared <= 0.0 else math.inf  # NaN: beyond any sensor


class NoveltyPlan:
    """`plan(frame)` -> the frame's novelty (None with no trained output), each output's in
    `by_output` (0 for outputs without a model). Made once per training, like the FramePlan."""

    def __init__(self, trained: Sequence[tuple[int, Trained]], n_inputs: int, n_outputs: int):
        groups: dict[tuple[int, bytes], _Group] = {}
        for j, t in trained:
            if t.known is None:
                continue
            columns = None if t.input_idx is None else np.asarray(t.input_idx, dtype=np.intp)
            key = (id(t.known), b"" if columns is None else columns.tobytes())
            group = groups.get(key)
            if group is None:
                group = groups[key] = _Group(t.known, columns, [])
            group.outputs.append(j)
        self.groups = tuple(groups.values())
        self.by_output = [0.0] * n_outputs
        self._x = np.empty(n_inputs)
        self._select = any(g.columns is not None for g in self.groups)

    def __bool__(self) -> bool:
        return bool(self.groups)

    def __call__(self, frame: Sequence[float]) -> float | None:
        if not self.groups:
            return None
        by_output = self.by_output
        if not (min(frame) > -ABSURD and max(frame) < ABSURD):  # squares would overflow
            for group in self.groups:
                for j in group.outputs:
                    by_output[j] = math.inf
            return math.inf
        x = self._x
        if self._select:  # some group reads a selection of the inputs: index an array
            x[:] = frame
        most = 0.0
        for group in self.groups:
            value = group(frame if group.columns is None else x[group.columns])
            for j in group.outputs:
                by_output[j] = value
            most = value if value > most else most
        return most

    def measure_many(self, frames: np.ndarray) -> np.ndarray:
        """Many frames' novelty (m, n_inputs) -> (m,), from any thread, with bounded work:
        against at most MOST_EXAMPLES of each group's examples (evenly spaced: a little above
        the true novelty where there are more), CHUNK of them at a time."""
        most = np.zeros(len(frames))
        for group in self.groups:
            index = group.index
            x = frames if group.columns is None else frames[:, group.columns]
            xs = (x - index.mean) * index.inv_scale
            n = index.train.shape[0]
            step = max(1, -(-n // MOST_EXAMPLES))
            nearest = np.full(len(x), np.inf)
            for at in range(0, n, CHUNK * step):
                rows = slice(at, at + CHUNK * step, step)  # |t|^2/2 - t.x, as nearest_rank
                ranks = index.half_sq[rows][:, None] - index.train[rows] @ xs.T
                np.minimum(nearest, ranks.min(axis=0), out=nearest)
            squared = np.einsum("ij,ij->i", xs, xs) + 2.0 * nearest
            value = np.sqrt(np.maximum(squared, 0.0) / x.shape[1])
            np.maximum(most, np.where(np.isnan(value), np.inf, value), out=most)
        return most

    def scales(self) -> tuple[list[int], np.ndarray, np.ndarray]:
        """The inputs the running outputs use, and the mean and 1/standard deviation novelty
        measures each in (the first group's that uses it)."""
        mean: dict[int, float] = {}
        inv: dict[int, float] = {}
        for group in self.groups:
            columns = range(len(group.index.mean)) if group.columns is None else group.columns
            for k, c in enumerate(columns):
                mean.setdefault(int(c), float(group.index.mean[k]))
                inv.setdefault(int(c), float(group.index.inv_scale[k]))
        used = sorted(mean)
        return used, np.array([mean[c] for c in used]), np.array([inv[c] for c in used])

    def measure(self, frame: Sequence[float]) -> tuple[float | None, list[float]]:
        """The same as calling the plan, from any thread (fresh arrays): (frame's, outputs')."""
        x = np.asarray(frame, dtype=np.float64)
        by_output = [0.0] * len(self.by_output)
        for group in self.groups:
            value = novelty_of(group.index, x if group.columns is None else x[group.columns])
            for j in group.outputs:
                by_output[j] = value
        if not self.groups:
            return None, by_output
        return max(by_output[j] for g in self.groups for j in g.outputs), by_output
