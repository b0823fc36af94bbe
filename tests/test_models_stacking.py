"""Several outputs' MLPs evaluated side by side answer exactly as each does alone."""

from __future__ import annotations

import numpy as np

from mapper.models import make_model
from mapper.models.stacking import stack


def test_stacked_mlps_answer_like_each_model():
    rng = np.random.default_rng(0)
    X = rng.random((200, 5))
    targets = [X.mean(axis=1), np.sin(5 * X[:, 0]), X[:, 1] * X[:, 2] * 10.0]
    settings = [{"type": "mlp"}, {"type": "mlp", "hidden": 7}, {"type": "mlp", "seed": 3}]
    models = [make_model(s, False).fit(X, y) for s, y in zip(settings, targets)]
    stacked = stack(models)
    assert stacked is not None
    for x in rng.random((50, 5)):
        np.testing.assert_allclose(
            stacked.predict(x), [m.predict_one(x) for m in models], rtol=1e-12, atol=1e-12
        )


def test_only_one_hidden_layer_mlp_regressors_on_the_same_inputs_stack():
    rng = np.random.default_rng(1)
    X = rng.random((60, 3))
    y = X.sum(axis=1)
    mlp = make_model({"type": "mlp", "max_iter": 20}, False).fit(X, y)
    deep = make_model({"type": "mlp", "hidden": [4, 4], "max_iter": 20}, False).fit(X, y)
    knn = make_model({"type": "knn"}, False).fit(X, y)
    fewer_inputs = make_model({"type": "mlp", "max_iter": 20}, False).fit(X[:, :2], y)
    assert stack([mlp]) is None
    assert stack([mlp, deep]) is None
    assert stack([mlp, knn]) is None
    assert stack([mlp, fewer_inputs]) is None
    assert stack([mlp, mlp]) is not None
