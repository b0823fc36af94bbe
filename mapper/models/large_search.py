"""The nearest examples among many: ranked in float32, the few best re-ranked exactly.

Reading the examples is the time of a large search (50,000 examples of 63 inputs are 25 MB in
float64), so a large index ranks every example in float32 (half the bytes, one matrix-vector
product), takes the few examples whose float32 rank is lowest, and ranks those again exactly
(float64). The answer is the exact one, not an approximation: float32 rounding moves a rank
by at most a bound worked out from the frame (see `Float32Ranker.bound`), every example left
out is checked to rank, in float32, above the k-th found by more than that bound, and where
one might not (a near-tie, a frame far from every example), every example within the bound of
the k-th is re-ranked too. Equal distances go to the lower index, as the float64 index does.

The few lowest float32 ranks are found without sorting them all: the ranks are seen as
GROUPS rows of n / GROUPS, the minimum of each column (one vectorized pass) is its group's
lowest, the m-th lowest of those minima is a threshold that at least m ranks reach, and the
candidates are the ranks at or under it in the groups whose minimum does.
"""

from __future__ import annotations

import math
import threading

import numpy as np

GROUPS = 32  # the ranks are read as GROUPS rows: their column minima are the groups' lowest
_UNIT = 2.0**-24  # float32's unit roundoff
FEW = 8  # at most this many neighbours ...
PASSES = 250_000  # ... are found by argmin passes where (k + 1) * n is at most this


def candidates_for(k: int) -> int:
    """How many of the lowest float32 ranks are re-ranked exactly for k neighbours."""
    return max(2 * k, k + 8)


class Float32Ranker:
    """Every example's rank |t|^2/2 - t.x in float32 (`train`: the standardized examples,
    `half_sq`: |t|^2/2 of each, both float64 and kept by the caller), and the exact k nearest
    from it. One search at a time uses the buffers made once; another thread gets fresh ones."""

    def __init__(self, train: np.ndarray, half_sq: np.ndarray) -> None:
        n, d = train.shape
        self.n, self.d = n, d
        self.train, self.half_sq = train, half_sq
        self.per = -(-n // GROUPS)  # examples per group row; rows past n rank +inf
        rows = self.per * GROUPS
        # [-t | |t|^2/2] @ [x, 1], column-major (the faster layout for a tall, thin matrix)
        ranker = np.zeros((rows, d + 1), dtype=np.float32, order="F")
        ranker[:n, :d] = -train
        ranker[:n, d] = half_sq
        ranker[n:, d] = np.inf
        self.ranker = ranker
        # |error of a float32 rank| <= c * sum_i |a_i q_i| <= c * (h + |t| |x|) (see bound)
        terms = d + 1
        gamma = terms * _UNIT / (1.0 - terms * _UNIT)
        self._c = 1.01 * (gamma * (1.0 + _UNIT) ** 2 + 2.0 * _UNIT + _UNIT**2) + 1e-14
        self._h_max = float(half_sq.max(initial=0.0))
        self._t_max = math.sqrt(2.0 * self._h_max)
        self._query = np.ones(d + 1, dtype=np.float32)
        self._head = self._query[:d]
        self._rank = np.empty(rows, dtype=np.float32)
        self._mins = np.empty(self.per, dtype=np.float32)
        self._offsets = np.arange(GROUPS, dtype=np.intp) * self.per
        self._buffers = threading.Lock()

    @property
    def nbytes(self) -> int:
        """The bytes of the float32 ranker (the train and half_sq arrays are the caller's)."""
        return int(self.ranker.nbytes)

    def bound(self, norm: float) -> float:
        """The most a float32 rank can differ from the exact one for a frame of norm `norm`
        (standardized). Rounding the ranker and the query to float32 moves each product a_i q_i
        by at most (2u + u^2)|a_i q_i|, and the float32 sum of d + 1 products, in any order,
        with or without fused multiply-adds, by at most gamma(d + 1) times the sum of their
        sizes (Higham, Accuracy and Stability of Numerical Algorithms, 3.1); that sum is at
        most h + |t| |x| (Cauchy-Schwarz), h = |t|^2/2 being at most the largest h."""
        return self._c * (self._h_max + self._t_max * norm) + 1e-30

    def search(self, xs: np.ndarray, k: int) -> list[int]:
        """The k nearest examples to the standardized frame `xs` (float64), nearest first (equal
        distances: lower index first)."""
        squared = float(np.dot(xs, xs))
        if not squared < 1e24:  # NaN, infinite, or so far that float32 could overflow
            with np.errstate(all="ignore"):
                return self._exact(None, xs, k)[0]
        norm = math.sqrt(squared)
        if self._buffers.acquire(blocking=False):
            try:
                self._head[:] = xs
                rank = np.dot(self.ranker, self._query, out=self._rank)
                return self._nearest(rank, xs, k, norm, self._mins)
            finally:
                self._buffers.release()
        rank = self.ranker @ self._query32(xs)
        return self._nearest(rank, xs, k, norm, np.empty(self.per, dtype=np.float32))

    def _nearest(
        self, rank: np.ndarray, xs: np.ndarray, k: int, norm: float, mins: np.ndarray
    ) -> list[int]:
        slack = self.bound(norm)
        if k <= FEW and (k + 1) * self.n <= PASSES:
            # k argmin passes, and the lowest rank left: a few passes beat the groups
            found = np.empty(k, dtype=np.intp)
            ranks = np.empty(k, dtype=np.float32)
            for j in range(k):
                found[j] = i = rank.argmin()
                ranks[j] = rank[i]
                rank[i] = np.inf
            threshold = float(rank.min())
            picked, kth = self._exact(found, xs, k)
            if kth < threshold - slack:
                return picked  # every example left out ranks at least `threshold` in float32
            rank[found] = ranks  # back, for the second look
        else:
            m = min(candidates_for(k), self.n)
            if 4 * m <= self.per:
                np.minimum.reduce(rank.reshape(GROUPS, self.per), axis=0, out=mins)
                threshold = float(np.partition(mins, m - 1)[m - 1])
                groups = np.flatnonzero(mins <= threshold)
                near = (groups[:, None] + self._offsets).ravel()
                found = near[rank[near] <= threshold]
            else:  # many neighbours for the examples: the threshold from all the ranks
                threshold = float(np.partition(rank[: self.n], m - 1)[m - 1])
                found = np.flatnonzero(rank[: self.n] <= threshold)
            picked, kth = self._exact(found, xs, k)
            if kth <= threshold - slack:
                # every example left out ranks above the threshold in float32, so above
                # threshold - slack >= the k-th found exactly: all of them are farther
                return picked
        # a near-tie or a loose bound: every example whose float32 rank is within the bound
        # of the k-th found exactly (it holds every example as near as that one, or nearer)
        return self._exact(np.flatnonzero(rank[: self.n] <= kth + slack), xs, k)[0]

    def _query32(self, xs: np.ndarray) -> np.ndarray:
        query = np.ones(self.d + 1, dtype=np.float32)
        query[: self.d] = xs
        return query

    def _exact(self, found: np.ndarray | None, xs: np.ndarray, k: int) -> tuple[list[int], float]:
        """The k nearest of `found` (None: of all) in float64, nearest first, then lower index;
        and the k-th's exact rank."""
        if found is None:
            found = np.arange(self.n)
            exact = self.half_sq - self.train @ xs
        else:
            exact = self.half_sq[found] - self.train[found] @ xs
        order = np.lexsort((found, exact))[:k]
        return found[order].tolist(), float(exact[order[-1]])

    def nearest_rank(self, xs: np.ndarray) -> float:
        """The lowest exact rank min |t|^2/2 - t.x over the examples, for the standardized frame
        `xs`: the squared distance to the nearest example is |x|^2 + 2 * this."""
        i = self.search(xs, 1)[0]
        return float(self.half_sq[i] - self.train[i] @ xs)
