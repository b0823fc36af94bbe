"""Several outputs' MLPs evaluated as one network: one product per layer for all of them.

Outputs that each have a one-hidden-layer MLP regressor on the same inputs (the default for
continuous outputs) cost one small matrix product, one tanh and one dot product each per frame;
most of that is numpy's per-call overhead, not arithmetic. Side by side, their hidden layers
form one wider layer and their output units one block-diagonal product: four numpy calls per
frame for all of them, with the same results (up to rounding).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .base import Model
from .mlp import MLPRegressor


class StackedMLP:
    """`predict(x)` -> one value per stacked model, as each model's predict_one would give."""

    def __init__(self, models: Sequence[MLPRegressor]) -> None:
        hidden = [m._hidden_layers_[0] for m in models]
        self.W = np.ascontiguousarray(np.hstack([W for W, _ in hidden]))
        self.b = np.concatenate([b for _, b in hidden])
        sizes = [len(b) for _, b in hidden]
        self.out = np.zeros((sum(sizes), len(models)))
        at = 0
        for j, (m, size) in enumerate(zip(models, sizes)):
            self.out[at : at + size, j] = m._out_w_
            at += size
        self.c = np.array([m._out_c_ for m in models])
        # for predict_frame: each bias as one more weight row, read against a trailing 1, so
        # a frame costs two products and a tanh, into buffers made once
        self._W1 = np.ascontiguousarray(np.vstack((self.W, self.b)))
        self._out1 = np.ascontiguousarray(np.vstack((self.out, self.c)))
        self._h1 = np.ones(len(self.b) + 1)
        self._h = self._h1[:-1]
        self._y = np.empty(len(models))

    def predict(self, x: np.ndarray) -> list[float]:
        h = x @ self.W
        h += self.b
        np.tanh(h, out=h)
        y = h @ self.out
        y += self.c
        return y.tolist()

    def predict_frame(self, x1: np.ndarray, x: np.ndarray) -> list[float]:
        """predict() for the frame followed by a 1 (`x1`; `x` is the frame alone, unused).
        Reuses its buffers: one caller at a time (FramePlan makes sure of it)."""
        h = self._h
        np.dot(x1, self._W1, out=h)
        np.tanh(h, out=h)
        return np.dot(self._h1, self._out1, out=self._y).tolist()


def can_stack(model: Model) -> bool:
    """Whether this model can join a StackedMLP: a trained MLP regressor, one hidden layer."""
    return isinstance(model, MLPRegressor) and len(getattr(model, "_hidden_layers_", ())) == 1


def stack(models: Sequence[Model]) -> StackedMLP | None:
    """One StackedMLP for these models (same inputs, each can_stack), or None if it would not
    pay: fewer than two, or any that cannot be stacked."""
    if len(models) < 2 or not all(can_stack(m) for m in models):
        return None
    if len({m.n_inputs_ for m in models}) != 1:
        return None
    return StackedMLP([m for m in models if isinstance(m, MLPRegressor)])
