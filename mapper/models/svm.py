"""Support vector machine classifier: fitted by scikit-learn, evaluated in numpy."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Classifier, input_scaling

POLY_COEF0 = 1.0  # the polynomial kernel keeps its lower-order terms: (gamma * u.v + 1) ** degree


class SVMClassifier(Classifier):
    """Class output from a support vector machine (one-vs-one voting, as libsvm does)."""

    type_name = "svm"

    def __init__(
        self, kernel: str = "rbf", C: float = 1.0, gamma: str | float = "scale", degree: int = 3
    ) -> None:
        self.kernel = kernel
        self.C = C
        self.gamma = gamma
        self.degree = degree

    def _fit_classes(self, X: np.ndarray, yi: np.ndarray) -> None:
        from sklearn.svm import SVC

        mean, std = input_scaling(X)
        self._mean_ = mean
        self._inv_scale_ = 1.0 / std
        Xs = (X - mean) / std
        # an input that never changed in training is ignored (it would shrink every rbf value)
        self._inv_scale_[np.ptp(X, axis=0) == 0] = 0.0
        if self.gamma == "scale":  # scikit-learn's rule, computed here so we know the value
            var = float(Xs.var())
            self.gamma_ = 1.0 / (Xs.shape[1] * var) if var > 0 else 1.0
        else:
            self.gamma_ = float(self.gamma)
        svc = SVC(
            kernel=self.kernel, C=self.C, gamma=self.gamma_, degree=self.degree, coef0=POLY_COEF0
        )
        svc.fit(Xs, yi)
        self._set_decision(svc)
        self.svc_ = svc  # kept for reference and tests; never used to predict

    def _set_decision(self, svc: Any) -> None:
        """Precompute one row of coefficients per pair of classes over the support vectors."""
        sv = np.asarray(svc.support_vectors_)
        dual = np.asarray(svc.dual_coef_)
        intercept = np.asarray(svc.intercept_, dtype=np.float64)
        n_support = np.asarray(svc.n_support_)
        n_classes = len(n_support)
        if n_classes == 2:  # scikit-learn flips the signs of the binary case; undo that
            dual, intercept = -dual, -intercept
        start = np.concatenate([[0], np.cumsum(n_support)])
        pairs = [(i, j) for i in range(n_classes) for j in range(i + 1, n_classes)]
        coef = np.zeros((len(pairs), sv.shape[0]))
        for p, (i, j) in enumerate(pairs):
            coef[p, start[i] : start[i + 1]] = dual[j - 1, start[i] : start[i + 1]]
            coef[p, start[j] : start[j + 1]] = dual[i, start[j] : start[j + 1]]
        self._first_ = np.array([i for i, _ in pairs], dtype=np.intp)
        self._second_ = np.array([j for _, j in pairs], dtype=np.intp)
        self._intercept_ = intercept
        self._n_classes_ = n_classes
        if self.kernel == "linear":  # collapse to one weight vector per pair
            self._pair_w_ = np.ascontiguousarray(coef @ sv)
        else:
            self._sv_ = np.ascontiguousarray(sv)
            self._coef_ = coef

    def _decision(self, x: np.ndarray) -> np.ndarray:
        xs = (x - self._mean_) * self._inv_scale_
        if self.kernel == "linear":
            return self._pair_w_ @ xs + self._intercept_
        if self.kernel == "rbf":
            diff = self._sv_ - xs
            k = np.exp(-self.gamma_ * np.einsum("ij,ij->i", diff, diff))
        else:
            k = (self.gamma_ * (self._sv_ @ xs) + POLY_COEF0) ** self.degree
        return self._coef_ @ k + self._intercept_

    def _votes(self, x: np.ndarray) -> np.ndarray:
        winners = np.where(self._decision(x) > 0, self._first_, self._second_)
        return np.bincount(winners, minlength=self._n_classes_)

    def _predict_index(self, x: np.ndarray) -> int:
        return int(self._votes(x).argmax())  # the first class with most votes, as libsvm

    def _proba(self, x: np.ndarray) -> np.ndarray:
        """Share of one-vs-one votes per class (not calibrated probabilities)."""
        votes = self._votes(np.asarray(x, dtype=np.float64))
        return votes / votes.sum()
