"""k-nearest neighbours: the output follows the k training examples closest to the current frame."""

from __future__ import annotations

import numpy as np

from .base import Classifier, Model, input_scaling

_FEW = 8


class _Neighbours:
    """Finds the k nearest training examples in standardized input space (numpy only).

    Candidates are ranked by |t|^2/2 - t.x (one matrix-vector product; same order as the
    distance), then the exact distances of the k chosen are computed for the weights.
    """

    k: int
    weighted: bool

    def _index(self, X: np.ndarray) -> None:
        mean, std = input_scaling(X)
        self._mean_ = mean
        self._inv_scale_ = 1.0 / std
        self._train_ = np.ascontiguousarray((X - mean) * self._inv_scale_)
        self._half_sq_ = 0.5 * np.einsum("ij,ij->i", self._train_, self._train_)
        self._k_ = min(self.k, X.shape[0])

    def _nearest(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Indices of the k nearest (in no particular order) and the standardized query."""
        xs = (x - self._mean_) * self._inv_scale_
        rank = self._half_sq_ - self._train_ @ xs
        k = self._k_
        if k == 1:
            return np.array([rank.argmin()]), xs
        if k == rank.shape[0]:
            return np.arange(k), xs
        if k <= _FEW:  # a few argmin passes beat argpartition for small k
            picked = []
            for _ in range(k):
                i = int(rank.argmin())
                picked.append(i)
                rank[i] = np.inf
            return np.array(picked), xs
        return np.argpartition(rank, k - 1)[:k], xs

    def _weights(self, idx: np.ndarray, xs: np.ndarray) -> np.ndarray | None:
        """1/distance weights as in scikit-learn (exact matches take all); None = equal."""
        if not self.weighted:
            return None
        diff = self._train_[idx] - xs
        d2 = np.einsum("ij,ij->i", diff, diff)
        if d2.min() == 0.0:
            return (d2 == 0.0).astype(np.float64)
        return d2**-0.5

    def neighbours(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Indices of the k nearest training examples (nearest first) and weights summing to 1."""
        idx, xs = self._nearest(np.asarray(x, dtype=np.float64))
        diff = self._train_[idx] - xs
        order = np.lexsort((idx, np.einsum("ij,ij->i", diff, diff)))
        idx = idx[order]
        w = self._weights(idx, xs)
        if w is None:
            return idx, np.full(len(idx), 1.0 / len(idx))
        return idx, w / w.sum()


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
        idx, xs = self._nearest(x)
        if self._k_ == 1:
            return self._y_list_[idx[0]]
        w = self._weights(idx, xs)
        if w is None:
            return float(self._y_[idx].sum()) / len(idx)
        return float(np.dot(self._y_[idx], w) / w.sum())


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

    def _votes(self, x: np.ndarray) -> np.ndarray:
        idx, xs = self._nearest(x)
        w = self._weights(idx, xs)
        return np.bincount(self._yi_[idx], weights=w, minlength=self._n_classes_)

    def _predict_index(self, x: np.ndarray) -> int:
        if self._k_ == 1:
            return self._yi_list_[self._nearest(x)[0][0]]
        # argmax takes the lowest label on a tie, as scikit-learn does
        return int(self._votes(x).argmax())

    def _proba(self, x: np.ndarray) -> np.ndarray:
        votes = self._votes(np.asarray(x, dtype=np.float64))
        return votes / votes.sum()
