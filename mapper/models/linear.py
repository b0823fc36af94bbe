"""Linear and polynomial regression: least squares on standardized inputs, numpy only."""

from __future__ import annotations

import math
from itertools import combinations_with_replacement

import numpy as np

from mapper.errors import ModelError

from .base import Model, check_training_size, input_scaling

RIDGE = 1e-8  # a tiny ridge keeps repeated or redundant inputs from blowing up the weights
MAX_TERMS = 5_000  # a polynomial's terms (degree 2 on 63 inputs has 2,079; degree 3, 45,759)
_ONE = np.ones(1)


def least_squares(F: np.ndarray, y: np.ndarray, ridge: float) -> tuple[np.ndarray, float]:
    """Weights and offset minimising |F w + c - y|^2 + ridge * n * |w|^2."""
    f_mean = F.mean(axis=0)
    y_mean = float(y.mean())
    n, m = F.shape
    A = np.vstack([F - f_mean, np.sqrt(ridge * n) * np.eye(m)])
    b = np.concatenate([y - y_mean, np.zeros(m)])
    w = np.linalg.lstsq(A, b, rcond=None)[0]
    return w, y_mean - float(f_mean @ w)


def polynomial_terms(n_inputs: int, degree: int) -> np.ndarray:
    """Every monomial of degree 1..degree as a row of `degree` input indices; index n_inputs
    stands for the constant 1 (so x0*x1 with degree 3 is [0, 1, n_inputs])."""
    rows = [
        list(combo) + [n_inputs] * (degree - deg)
        for deg in range(1, degree + 1)
        for combo in combinations_with_replacement(range(n_inputs), deg)
    ]
    return np.array(rows, dtype=np.intp)


def check_terms(n_inputs: int, degree: int, n: int) -> None:
    """ModelError unless a polynomial of `degree` on `n_inputs` has at most MAX_TERMS terms
    and its least squares on n examples fit in memory (before a term is made)."""
    terms = math.comb(n_inputs + degree, degree) - 1
    what = f"the 'polynomial' model of degree {degree} on {n_inputs} inputs"
    if terms > MAX_TERMS:
        raise ModelError(
            f"{what} has {terms:,} terms, more than {MAX_TERMS:,}: lower its setting 'degree' "
            "or choose fewer inputs"
        )
    advice = "lower its setting 'degree' or choose fewer inputs"
    check_training_size((n + terms) * terms, f"{what} on {n:,} examples", advice)


class LinearRegressor(Model):
    """Continuous output as a weighted sum of the inputs plus an offset."""

    type_name = "linear"

    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        mean, std = input_scaling(X)
        w, c = least_squares((X - mean) / std, y, RIDGE)
        self.coef_ = w / std
        self.intercept_ = c - float(mean @ self.coef_)

    def predict_one(self, x: np.ndarray) -> float:
        """Output for one frame of raw inputs x (d,)."""
        return float(x @ self.coef_) + self.intercept_

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Outputs for many frames (n, d) -> (n,)."""
        return self._check_inputs(X) @ self.coef_ + self.intercept_


class PolynomialRegressor(Model):
    """Continuous output as a weighted sum of all products of inputs up to `degree`."""

    type_name = "polynomial"

    def __init__(self, degree: int = 2) -> None:
        self.degree = degree

    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        mean, std = input_scaling(X)
        self._mean_ = mean
        self._inv_scale_ = 1.0 / std
        d = X.shape[1]
        check_terms(d, int(self.degree), X.shape[0])
        self._terms_ = polynomial_terms(d, int(self.degree))
        # exponent of each input in each term (n_terms, d), for inspection
        self.powers_ = np.stack([(self._terms_ == i).sum(axis=1) for i in range(d)], axis=1)
        self.coef_, self.intercept_ = least_squares(self._features(X), y, RIDGE)

    def _features(self, X: np.ndarray) -> np.ndarray:
        ones = np.ones((X.shape[0], 1))
        Xs = np.hstack([(X - self._mean_) * self._inv_scale_, ones])
        F = np.empty((X.shape[0], len(self._terms_)))
        step = max(1, 1_000_000 // self._terms_.size)  # bound the temporary's memory
        for at in range(0, X.shape[0], step):
            F[at : at + step] = Xs[at : at + step, self._terms_].prod(axis=2)
        return F

    def predict_one(self, x: np.ndarray) -> float:
        """Output for one frame of raw inputs x (d,)."""
        xs = np.concatenate(((x - self._mean_) * self._inv_scale_, _ONE))
        return float(xs[self._terms_].prod(axis=1) @ self.coef_) + self.intercept_

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Outputs for many frames (n, d) -> (n,)."""
        return self._features(self._check_inputs(X)) @ self.coef_ + self.intercept_
