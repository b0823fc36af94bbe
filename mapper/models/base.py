"""What every model shares: the error type, input checks, input scaling and label bookkeeping."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from mapper.errors import ModelError

# the numbers (float64) a model's training may hold at once, beyond the examples: 1 GiB. An MLP's
# layers or a polynomial's terms times the examples; a fit that would need more is refused
MAX_TRAINING_FLOATS = 2**27


def check_training_size(floats: int, what: str, advice: str) -> None:
    """ModelError unless `floats` numbers fit MAX_TRAINING_FLOATS; `what` needs them."""
    if floats > MAX_TRAINING_FLOATS:
        raise ModelError(
            f"{what} would need {floats * 8 / 2**30:.1f} GB to train, more than "
            f"{MAX_TRAINING_FLOATS * 8 / 2**30:.0f} GB: {advice}"
        )


def check_examples(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return training inputs as float64 (n, d) and targets as float64 (n,), or raise ModelError."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    if X.ndim == 1:
        X = X.reshape(len(X), -1) if len(X) else X.reshape(0, 0)
    if X.ndim != 2:
        raise ModelError("training inputs must be a table: one row per example")
    if X.shape[0] == 0 or y.shape[0] == 0:
        raise ModelError("no examples to train on")
    if X.shape[0] != y.shape[0]:
        raise ModelError(f"{X.shape[0]} input rows but {y.shape[0]} output values")
    if X.shape[1] == 0:
        raise ModelError("the examples have no inputs")
    if not (np.isfinite(X).all() and np.isfinite(y).all()):
        raise ModelError("the examples contain missing or infinite values")
    return np.ascontiguousarray(X), np.ascontiguousarray(y)


def input_scaling(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation per input column; a constant column gets scale 1."""
    mean = X.mean(axis=0)
    std = X.std(axis=0)
    tiny = 1e-12 * np.maximum(1.0, np.abs(mean))
    std = np.where(std > tiny, std, 1.0)
    return mean, std


class Model:
    """A trained mapping from one frame of inputs to one output value."""

    type_name = ""
    classifier = False
    n_inputs_: int

    def fit(self, X: np.ndarray, y: np.ndarray, stop: Callable[[], bool] | None = None) -> Model:
        """Learn from examples: X (n, d) raw inputs, y (n,) targets.

        `stop`, when given, is polled by iterative fits (the MLP) to end early: cancelling.
        """
        X, y = check_examples(X, y)
        self.n_inputs_ = X.shape[1]
        self._stop = stop
        try:
            self._fit(X, y)
        finally:
            self._stop = None
        return self

    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        raise NotImplementedError

    def predict_one(self, x: np.ndarray) -> float:
        """Output for one frame of raw inputs x (d,)."""
        raise NotImplementedError

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Outputs for many frames (n, d) -> (n,); the same values as predict_one."""
        X = self._check_inputs(X)
        return np.array([self.predict_one(x) for x in X], dtype=np.float64)

    def _check_inputs(self, X: Any) -> np.ndarray:
        if not hasattr(self, "n_inputs_"):
            raise ModelError("the model has not been trained yet")
        X = np.asarray(X, dtype=np.float64)
        if X.ndim == 1:
            X = X.reshape(1, -1)
        if X.ndim != 2 or X.shape[1] != self.n_inputs_:
            raise ModelError(f"expected {self.n_inputs_} inputs per frame, got shape {X.shape}")
        return X

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.endswith("_"))
        return f"{type(self).__name__}({params})"


class Classifier(Model):
    """A model whose output is a class label 1..K (as a float).

    Subclasses implement `_fit_classes(X, yi)` with yi the class positions 0..n_classes-1,
    `_predict_index(x)` and `_proba(x)` (probabilities over the classes seen, in label order).
    With only one class seen in training, the base class predicts it and calls none of them.
    """

    classifier = True
    classes_: np.ndarray

    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        if np.any(y < 1) or np.any(y != np.round(y)):
            raise ModelError("class labels must be whole numbers 1 or higher")
        self.classes_, yi = np.unique(y, return_inverse=True)
        self._labels_ = [float(c) for c in self.classes_]
        self._proba_at_ = self.classes_.astype(np.intp)
        self.n_labels_ = int(self.classes_[-1]) + 1
        self._only_ = self._labels_[0] if len(self.classes_) == 1 else None
        if self._only_ is None:
            self._fit_classes(X, yi.reshape(-1).astype(np.intp))

    def _fit_classes(self, X: np.ndarray, yi: np.ndarray) -> None:
        raise NotImplementedError

    def _predict_index(self, x: np.ndarray) -> int:
        raise NotImplementedError

    def _proba(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def predict_one(self, x: np.ndarray) -> float:
        """Class label (as a float) for one frame of raw inputs x (d,)."""
        if self._only_ is not None:
            return self._only_
        return self._labels_[self._predict_index(x)]

    def predict_proba_one(self, x: np.ndarray) -> np.ndarray:
        """Probabilities by label: index 0 is 'no class' (always 0), index c is class c."""
        out = np.zeros(self.n_labels_)
        if self._only_ is not None:
            out[int(self._only_)] = 1.0
        else:
            out[self._proba_at_] = self._proba(x)
        return out
