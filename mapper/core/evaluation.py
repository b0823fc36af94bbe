"""How well a mapping generalises: k-fold cross-validation of one output's model.

Accuracy for classifiers, RMS error for continuous outputs, as Wekinator reports them. It fits
one fresh model per fold from a snapshot, so it runs beside the instrument (call it from a
worker thread), never touching the models that are playing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mapper.core.outputs import Output
from mapper.errors import EngineError
from mapper.models import make_model

DEFAULT_FOLDS = 5


@dataclass(frozen=True)
class Evaluation:
    """One output's cross-validated score."""

    output: str
    classifier: bool
    value: float  # accuracy 0..1 for a classifier, RMS error in output units otherwise
    examples: int
    folds: int

    def text(self) -> str:
        how = f"{self.folds}-fold cross-validation on {self.examples} examples"
        if self.classifier:
            return f"{self.output}: accuracy {100 * self.value:.1f}% ({how})"
        return f"{self.output}: RMS error {self.value:.4g} ({how})"


def cross_validate(
    output: Output,
    X: np.ndarray,
    y: np.ndarray,
    folds: int = DEFAULT_FOLDS,
) -> Evaluation:
    """Split the examples into `folds` parts (fewer when there are fewer examples), train on
    all but one and score on that one, for each part. ValueError when it cannot be done."""
    if output.is_classifier:
        keep = y != 0  # class 0 is "no class": neither trained on nor scored
        X, y = X[keep], y[keep]
    n = len(y)
    if n < 2:
        raise ValueError(f"{output.name}: evaluation needs at least 2 examples, it has {n}")
    folds = max(2, min(folds, n))
    order = np.random.default_rng(0).permutation(n)
    parts = np.array_split(order, folds)
    predictions = np.empty(n)
    for part in parts:
        train = np.setdiff1d(order, part, assume_unique=True)
        model = make_model(output.model, output.is_classifier).fit(X[train], y[train])
        for i in part:
            predictions[i] = output.shape(model.predict_one(X[i]))
    if output.is_classifier:
        value = float(np.mean(predictions == y))
    else:
        value = math.sqrt(float(np.mean((predictions - y) ** 2)))
    return Evaluation(output.name, output.is_classifier, value, n, folds)


def evaluate_output(
    output: Output, X: np.ndarray, y: np.ndarray, folds: int = DEFAULT_FOLDS
) -> Evaluation:
    """cross_validate on one core, leaving the others to the instrument; EngineError (the
    words a musician sees) when it cannot be done."""
    from threadpoolctl import threadpool_limits

    try:
        with threadpool_limits(limits=1):
            return cross_validate(output, X, y, folds)
    except ValueError as e:
        raise EngineError(str(e)) from e
