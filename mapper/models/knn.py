"""k-nearest neighbours: the output follows the k training examples closest to the current frame."""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections.abc import Callable
from operator import itemgetter
from typing import Any

import numpy as np

from .base import Classifier, Model, input_scaling
from .large_search import Float32Ranker

_FEW = 8
LARGE = 250_000  # n * (d + 1) from which an index ranks in float32 (LargeSearchIndex)
_FLOAT = np.dtype(np.float64)

# the nearest examples' indices, and a getter of their values from a list, in the same order
Found = tuple[list[int], Callable[[list[Any]], Any]]


class SearchIndex:
    """Training inputs, standardized, ready to rank against a frame (numpy only).

    Candidates are ranked by |t|^2/2 - t.x (one matrix-vector product; same order as the
    distance). Models fitted on the same inputs share one index (see `shared_index`). While
    running, outputs on the same examples with the same k search once per frame together (a
    NeighbourGroup, through `search`); `nearest` also remembers the last frame's answer, by
    value, for the other callers (an output with its own k, the display of the neighbours).
    """

    def __init__(self, X: np.ndarray) -> None:
        mean, std = input_scaling(X)
        self.mean = mean
        self.inv_scale = 1.0 / std
        self.train = np.ascontiguousarray((X - mean) * self.inv_scale)
        self.half_sq = 0.5 * np.einsum("ij,ij->i", self.train, self.train)
        # where the inputs' means are within 1000 standard deviations of 0 (nearly always),
        # the mean is folded into the ranker (below)
        self.folded = bool(np.max(np.abs(mean * self.inv_scale), initial=0.0) <= 1e3)
        self._buffers = threading.Lock()
        # (frame bytes, {k: (nearest indices, getter of their targets)}); a new frame replaces
        # the pair, never edits it, so a reader on another thread always sees a consistent one
        self._last: tuple[bytes, dict[int, Found]] = (b"", {})
        self._prepare()

    def _prepare(self) -> None:
        n, d = self.train.shape
        self.ranker = self._float64_ranker()
        # the query and rank live in buffers made once, used by one search at a time (another
        # thread meanwhile gets fresh arrays)
        self._query = np.ones(d + 1)
        self._centred = self._query[:d]
        self._rank = np.empty(n)

    def _float64_ranker(self) -> np.ndarray:
        """The rank in one product: [-train/std | half_sq] @ [x - mean, 1]; column-major, the
        faster layout for a tall, thin matrix. Folded, [-train/std | half_sq + train/std . mean]
        @ [x, 1], which saves a subtraction per frame and loses at most 3 of float64's 16
        digits."""
        mean = self.mean
        last = self.half_sq + (self.train * self.inv_scale) @ mean if self.folded else self.half_sq
        return np.asfortranarray(np.hstack((self.train * -self.inv_scale, last[:, None])))

    def standardized(self, x: np.ndarray) -> np.ndarray:
        """The frame in the training inputs' standardized units."""
        return (np.asarray(x, dtype=np.float64) - self.mean) * self.inv_scale

    def nearest(self, x: np.ndarray, k: int) -> Found:
        """Indices of the k nearest (nearest first for k <= 8, else in no particular order) and
        a getter that picks their values from a list in that order."""
        if type(x) is not np.ndarray or x.dtype is not _FLOAT:
            x = np.asarray(x, dtype=np.float64)
        key = x.tobytes()
        last_key, found = self._last
        if key == last_key:
            hit = found.get(k)
            if hit is not None:
                return hit
        else:
            found = {}
            self._last = (key, found)
        idx = self.search(x, k)
        hit = found[k] = (idx, itemgetter(*idx))
        return hit

    def search(self, x: np.ndarray, k: int) -> list[int]:
        """nearest()'s indices, searched now (not remembered): for one caller per frame."""
        return self._ranked(x, lambda rank: self._pick(rank, k))

    def _ranked(self, x: np.ndarray, use: Callable[[np.ndarray], Any]) -> Any:
        """`use(rank)`, rank being every example's |t|^2/2 - t.x for the frame x (raw inputs):
        in the buffers made once, or in fresh arrays while another thread holds them."""
        if self._buffers.acquire(blocking=False):
            try:
                if self.folded:
                    self._centred[:] = x
                else:
                    np.subtract(x, self.mean, out=self._centred)
                return use(np.dot(self.ranker, self._query, out=self._rank))
            finally:
                self._buffers.release()
        query = np.ones(self._query.shape[0])
        query[:-1] = x if self.folded else np.asarray(x, dtype=np.float64) - self.mean
        return use(self.ranker @ query)

    def search_frame(self, x1: np.ndarray, x: np.ndarray, k: int) -> list[int]:
        """search() given the frame both followed by a 1 (`x1`) and alone (`x`): with the mean
        folded in, `x1` is the query itself."""
        if self.folded and self._buffers.acquire(blocking=False):
            try:
                return self._pick(np.dot(self.ranker, x1, out=self._rank), k)
            finally:
                self._buffers.release()
        return self.search(x, k)

    def nearest_rank(self, x: np.ndarray) -> float:
        """The lowest rank |t|^2/2 - t.x over the examples for the frame x (raw inputs): the
        squared standardized distance to the nearest example is |x|^2 + 2 * this, x
        standardized (what novelty measures)."""
        return float(self._ranked(x, np.min))

    @staticmethod
    def _pick(rank: np.ndarray, k: int) -> list[int]:
        """The k lowest ranks' indices (rank is overwritten)."""
        if k == 1:
            return [int(rank.argmin())]
        if k == rank.shape[0]:
            return list(range(k))
        if k <= _FEW:  # a few argmin passes beat argpartition for small k
            picked = []
            for _ in range(k - 1):
                i = int(rank.argmin())
                picked.append(i)
                rank[i] = np.inf
            picked.append(int(rank.argmin()))
            return picked
        return np.argpartition(rank, k - 1)[:k].tolist()


class LargeSearchIndex(SearchIndex):
    """A SearchIndex of many examples (n * (d + 1) >= LARGE): ranked in float32, the few best
    re-ranked exactly in float64 (large_search.py); the same neighbours, nearest first for any
    k. It has no float64 ranker (`ranker`): novelty asks nearest_rank."""

    def _prepare(self) -> None:
        self.float32 = Float32Ranker(self.train, self.half_sq)

    def search(self, x: np.ndarray, k: int) -> list[int]:
        return self.float32.search((x - self.mean) * self.inv_scale, k)

    def search_frame(self, x1: np.ndarray, x: np.ndarray, k: int) -> list[int]:
        return self.search(x, k)

    def nearest_rank(self, x: np.ndarray) -> float:
        return self.float32.nearest_rank(self.standardized(x))


def make_index(X: np.ndarray) -> SearchIndex:
    """The index for these training inputs (n, d): a LargeSearchIndex where n * (d + 1) is at
    least LARGE, else a SearchIndex."""
    n, d = X.shape
    return LargeSearchIndex(X) if n * (d + 1) >= LARGE else SearchIndex(X)


_SHARED: weakref.WeakValueDictionary[tuple[object, ...], SearchIndex] = (
    weakref.WeakValueDictionary()
)
_SHARED_LOCK = threading.Lock()


def shared_index(X: np.ndarray) -> SearchIndex:
    """The index of these exact training inputs: one already made for equal inputs (while a
    model still uses it), or a new one."""
    X = np.ascontiguousarray(X, dtype=np.float64)
    key = (X.shape, hashlib.blake2b(X.data.cast("B"), digest_size=16).digest())
    with _SHARED_LOCK:
        index = _SHARED.get(key)
        if index is None:
            index = make_index(X)
            _SHARED[key] = index
        return index


class _Neighbours:
    """Finds the k nearest training examples in standardized input space, with a SearchIndex."""

    k: int
    weighted: bool

    def _index(self, X: np.ndarray) -> None:
        self._search_ = shared_index(X)
        self._train_ = self._search_.train
        self._k_ = min(self.k, X.shape[0])

    def _weights(self, idx: list[int], x: np.ndarray) -> np.ndarray | None:
        """1/distance weights as in scikit-learn (exact matches take all); None = equal."""
        if not self.weighted:
            return None
        diff = self._train_[idx] - self._search_.standardized(x)
        d2 = np.einsum("ij,ij->i", diff, diff)
        if d2.min() == 0.0:
            return (d2 == 0.0).astype(np.float64)
        return d2**-0.5

    def neighbours(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Indices of the k nearest training examples (nearest first) and weights summing to 1."""
        x = np.asarray(x, dtype=np.float64)
        idx = np.array(self._search_.nearest(x, self._k_)[0])
        diff = self._train_[idx] - self._search_.standardized(x)
        idx = idx[np.lexsort((idx, np.einsum("ij,ij->i", diff, diff)))]
        w = self._weights(idx.tolist(), x)
        if w is None:
            return idx, np.full(len(idx), 1.0 / len(idx))
        return idx, w / w.sum()


def can_share_neighbours(model: Model) -> bool:
    """Whether this model's value follows from its neighbours alone, so that it can join a
    NeighbourGroup: an unweighted kNN regressor, or a 1-nearest-neighbour classifier."""
    if isinstance(model, KNNRegressor):
        return not model.weighted
    return isinstance(model, KNNClassifier) and model._k_ == 1


def neighbour_key(model: Any) -> tuple[int, int]:
    """Models with equal keys search the same examples for the same number of neighbours."""
    return id(model._search_), model._k_


class NeighbourGroup:
    """Several kNN outputs that learned from the same examples with the same k: the frame's
    neighbours are found once, and each output's value is read from them (the same values as
    each model's predict_one: the same neighbours, summed in the same order)."""

    def __init__(self, models: list[Model]) -> None:
        first = models[0]
        assert isinstance(first, (KNNRegressor, KNNClassifier))
        self.index, self.k = first._search_, first._k_
        columns = []
        for m in models:
            assert isinstance(m, (KNNRegressor, KNNClassifier)) and can_share_neighbours(m)
            assert m._search_ is self.index and m._k_ == self.k
            columns.append(m.example_values())
        self.rows = list(zip(*columns))  # each example's value for every output of the group

    def predict_frame(self, x1: np.ndarray, x: np.ndarray) -> Any:
        """Every output's value for the frame `x` (`x1`: the same followed by a 1)."""
        idx = self.index.search_frame(x1, x, self.k)
        rows = self.rows
        if len(idx) == 1:
            return rows[idx[0]]
        k = self.k
        return [sum(column) / k for column in zip(*[rows[i] for i in idx])]


class KNNRegressor(_Neighbours, Model):
    """Continuous output: mean of the k nearest examples' targets (or 1/distance-weighted)."""

    type_name = "knn"

    def __init__(self, k: int = 5, weighted: bool = False) -> None:
        self.k = k
        self.weighted = weighted

    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        self._index(X)
        self._y_ = y.copy()
        self._y_list_ = y.tolist()

    def predict_one(self, x: np.ndarray) -> float:
        """Output for one frame of raw inputs x (d,)."""
        idx, pick = self._search_.nearest(x, self._k_)
        if self._k_ == 1:
            return self._y_list_[idx[0]]
        if not self.weighted:
            return sum(pick(self._y_list_)) / self._k_
        w = self._weights(idx, x)
        assert w is not None
        return float(np.dot(self._y_[idx], w) / w.sum())

    def example_values(self) -> list[float]:
        """Each training example's target, in training order."""
        return self._y_list_

    def uncertainty(self, x: np.ndarray) -> float:
        """How much the neighbours disagree for frame x: the standard deviation of their
        targets (weighted as they count), in the output's units; 0 with k = 1."""
        idx, w = self.neighbours(x)
        values = self._y_[idx]
        mean = float(np.dot(w, values))
        return float(np.sqrt(max(float(np.dot(w, (values - mean) ** 2)), 0.0)))


class KNNClassifier(_Neighbours, Classifier):
    """Class output: majority vote of the k nearest examples (1/distance-weighted if asked)."""

    type_name = "knn"

    def __init__(self, k: int = 1, weighted: bool = False) -> None:
        self.k = k
        self.weighted = weighted

    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        self._index(X)
        super()._fit(X, y)

    def _fit_classes(self, X: np.ndarray, yi: np.ndarray) -> None:
        self._yi_ = yi
        self._yi_list_ = yi.tolist()
        self._n_classes_ = len(self.classes_)

    def example_values(self) -> list[float]:
        """Each training example's class label (a float), in training order."""
        if self._only_ is not None:
            return [self._only_] * self._train_.shape[0]
        return [self._labels_[i] for i in self._yi_list_]

    def _votes(self, x: np.ndarray) -> np.ndarray:
        idx = self._search_.nearest(x, self._k_)[0]
        w = self._weights(idx, x)
        return np.bincount(self._yi_[idx], weights=w, minlength=self._n_classes_)

    def _predict_index(self, x: np.ndarray) -> int:
        if self._k_ == 1:
            return self._yi_list_[self._search_.nearest(x, 1)[0][0]]
        # argmax takes the lowest label on a tie, as scikit-learn does
        return int(self._votes(x).argmax())

    def _proba(self, x: np.ndarray) -> np.ndarray:
        votes = self._votes(np.asarray(x, dtype=np.float64))
        return votes / votes.sum()

    def uncertainty(self, x: np.ndarray) -> float:
        """How much the neighbours disagree for frame x: the share of their votes (weighted
        as they count) against the winning class, 0..1; 0 with k = 1 or one class."""
        if self._only_ is not None:
            return 0.0
        votes = self._votes(np.asarray(x, dtype=np.float64))
        return float(1.0 - votes.max() / votes.sum())
