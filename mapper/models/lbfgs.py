"""L-BFGS, for the MLPs: a few numpy vector operations an iteration, whatever the size.

scipy's L-BFGS-B spends about 10 ms an iteration on its own bookkeeping once a network has
tens of thousands of weights (16 outputs' networks fitted together), more than the network's
loss and gradient cost; this one spends well under a millisecond. No bounds, so none of their
machinery: the two-loop recursion over the last MEMORY steps, and a line search for a step
that satisfies the weak Wolfe conditions, trying the full step first.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import numpy as np

LossAndGrad = Callable[[np.ndarray], tuple[float, np.ndarray]]
MEMORY = 10  # curvature pairs kept (scipy's default too)
SUFFICIENT = 1e-4  # a step must lower the loss by this share of what its slope promised
CURVATURE = 0.9  # and end where the slope is at most this share of what it was
MAX_TRIES = 30  # step lengths tried by one line search before the fit ends there


def minimize(
    loss_and_grad: LossAndGrad,
    x: np.ndarray,
    max_iter: int,
    stop: Callable[[], bool] | None = None,
) -> np.ndarray:
    """The point reached after at most `max_iter` iterations, starting from `x`: earlier when
    no step lowers the loss any more, or when `stop()` says so (checked every iteration)."""
    loss, grad = loss_and_grad(x)
    pairs: deque[tuple[np.ndarray, np.ndarray, float]] = deque(maxlen=MEMORY)
    for _ in range(max_iter):
        if stop is not None and stop():
            break
        direction = _direction(grad, pairs)
        slope = float(grad @ direction)
        if not slope < 0.0:  # not downhill (rounding): start again from the gradient
            pairs.clear()
            direction = _direction(grad, pairs)
            slope = float(grad @ direction)
            if not slope < 0.0:
                break  # the gradient is 0: nowhere lower to go
        found = _line_search(loss_and_grad, x, loss, direction, slope, stop)
        if found is None:
            break
        new_x, new_loss, new_grad = found
        s, y = new_x - x, new_grad - grad
        sy = float(s @ y)
        if sy > 1e-10 * float(y @ y):  # the curvature is positive: a pair worth keeping
            pairs.append((s, y, 1.0 / sy))
        x, loss, grad = new_x, new_loss, new_grad
    return x


def _direction(grad: np.ndarray, pairs: deque[tuple[np.ndarray, np.ndarray, float]]) -> np.ndarray:
    """-H grad, H the inverse curvature the pairs imply (two-loop recursion)."""
    q = -grad
    if not pairs:  # the first step: the gradient, at most 1 long
        return q * min(1.0, 1.0 / max(float(np.sqrt(grad @ grad)), 1e-300))
    alphas = []
    for s, y, rho in reversed(pairs):
        a = rho * float(s @ q)
        alphas.append(a)
        q -= a * y
    s, y, _ = pairs[-1]
    q *= float(s @ y) / float(y @ y)
    for (s, y, rho), a in zip(pairs, reversed(alphas)):
        q += (a - rho * float(y @ q)) * s
    return q


def _line_search(
    loss_and_grad: LossAndGrad,
    x: np.ndarray,
    loss: float,
    direction: np.ndarray,
    slope: float,
    stop: Callable[[], bool] | None = None,
) -> tuple[np.ndarray, float, np.ndarray] | None:
    """A step along `direction` that lowers the loss enough (Armijo) and leaves the slope
    flatter (weak Wolfe): the full step first, then halving a step too long or doubling one
    too short. The last step that lowered the loss enough when no step does both; None when
    none lowered it (or `stop()` says so between tries)."""
    t, shorter, longer = 1.0, 0.0, np.inf
    good: tuple[np.ndarray, float, np.ndarray] | None = None
    for _ in range(MAX_TRIES):
        new_x = x + t * direction
        new_loss, new_grad = loss_and_grad(new_x)
        if not new_loss <= loss + SUFFICIENT * t * slope:  # too long (or not a number)
            longer = t
        elif float(new_grad @ direction) < CURVATURE * slope:  # still steep: too short
            good, shorter = (new_x, new_loss, new_grad), t
        else:
            return new_x, new_loss, new_grad
        t = 2.0 * shorter if longer == np.inf else 0.5 * (shorter + longer)
        if stop is not None and stop():
            break
    return good
