"""The MLP's training objective: its gradient is the loss's true slope, for every layout."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from mapper.models.network_fit import Objective


@pytest.mark.parametrize(
    ("sizes", "softmax"),
    [([3, 5, 1], False), ([3, 4, 6, 1], False), ([3, 5, 3], True), ([2, 4, 3, 4], True)],
)
def test_gradient_matches_finite_differences(sizes, softmax):
    rng = np.random.default_rng(0)
    n = 40
    X = rng.standard_normal((n, sizes[0]))
    target = rng.integers(0, sizes[-1], n) if softmax else rng.standard_normal((n, 1))
    n_params = sum(a * b + b for a, b in pairwise(sizes))
    p = rng.uniform(-0.8, 0.8, n_params)
    objective = Objective(X, target, sizes, softmax, decay=0.01)
    loss, grad = objective(p)
    step = 1e-6
    numeric = np.empty_like(p)
    for k in range(len(p)):
        up, down = p.copy(), p.copy()
        up[k] += step
        down[k] -= step
        numeric[k] = (objective(up)[0] - objective(down)[0]) / (2 * step)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)
    # the buffers are reused between calls: the same point gives the same answer again
    again, grad_again = objective(p)
    assert again == loss
    np.testing.assert_array_equal(grad, grad_again)
