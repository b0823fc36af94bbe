"""Many outputs' MLPs fitted at once, large fits coarse to fine, and the L-BFGS they use."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from mapper.core.outputs import Output
from mapper.core.training import batches
from mapper.models import lbfgs, make_model
from mapper.models.mlp import MLPRegressor, fit_together
from mapper.models.network_fit import LARGE_EXAMPLES, Objective, heavy_fit, stages


def rosenbrock(p: np.ndarray) -> tuple[float, np.ndarray]:
    x, y = p
    loss = (1 - x) ** 2 + 100 * (y - x * x) ** 2
    grad = np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])
    return float(loss), grad


def test_lbfgs_finds_the_bottom_of_a_curved_valley():
    found = lbfgs.minimize(rosenbrock, np.array([-1.2, 1.0]), 200)
    np.testing.assert_allclose(found, [1.0, 1.0], atol=1e-6)


def test_lbfgs_stops_when_asked_and_survives_a_loss_that_overflows():
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 3

    start = np.array([-1.2, 1.0])
    found = lbfgs.minimize(rosenbrock, start, 1000, stop)
    assert len(calls) == 4  # asked once per iteration: stopped at the 4th
    assert rosenbrock(found)[0] < rosenbrock(start)[0]

    def steep(p: np.ndarray) -> tuple[float, np.ndarray]:  # inf a step away from 0
        with np.errstate(over="ignore"):
            return float(np.exp(p @ p * 1e3) - 1.0), 2e3 * p * np.exp(p @ p * 1e3)

    assert np.isfinite(lbfgs.minimize(steep, np.array([0.05, -0.05]), 50)).all()


def test_a_large_fit_learns_coarse_to_fine_and_ends_on_every_example():
    assert list(stages(500, 300)) == [(500, 300)]
    assert list(stages(10_000, 300)) == [(LARGE_EXAMPLES, 100), (10_000, 30)]
    assert list(stages(100_000, 300)) == [
        (LARGE_EXAMPLES, 100), (8192, 30), (32_768, 30), (100_000, 30)
    ]  # fmt: skip


def test_blocks_on_threads_in_float32_give_the_whole_batch_gradient():
    rng = np.random.default_rng(1)
    n, sizes = 3000, [5, 200, 100, 2]  # 300 hidden units: blocks of 436 rows
    X = rng.standard_normal((n, 5))
    target = rng.standard_normal((n, 2))
    p = rng.uniform(-0.5, 0.5, sum((a + 1) * b for a, b in itertools.pairwise(sizes)))
    whole = Objective(X, target, sizes, False, 1e-3)
    with ThreadPoolExecutor(2) as pool:
        blocks = Objective(X, target, sizes, False, 1e-3, np.float32, pool)
        assert sum(len(s) for s in blocks.shares) > 2  # the rows really were cut into blocks
        loss, grad = blocks(p)
    expect_loss, expect_grad = whole(p)
    assert loss == pytest.approx(expect_loss, rel=1e-5)
    np.testing.assert_allclose(grad, expect_grad, rtol=1e-3, atol=1e-6)


def test_networks_side_by_side_get_the_gradient_of_their_own_weights_only():
    rng = np.random.default_rng(2)
    members, sizes = 3, [4, 5, 1]
    wide = [4, 15, 3]
    X = rng.standard_normal((50, 4))
    target = rng.standard_normal((50, 3))
    own = np.kron(np.eye(members), np.ones((5, 1)))  # each output unit reads its own 5 units
    mask = np.concatenate([np.ones(5 * 15), own.reshape(-1), np.ones(3)])
    p = rng.uniform(-0.5, 0.5, len(mask)) * mask
    dense_loss, dense_grad = Objective(X, target, wide, False, 1e-3)(p)
    loss, grad = Objective(X, target, wide, False, 1e-3, members=members)(p)
    assert loss == pytest.approx(dense_loss, rel=1e-12)
    np.testing.assert_allclose(grad, dense_grad * mask, rtol=1e-10, atol=1e-14)
    assert sizes[1] * members == wide[1]


def two_targets(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    X = np.random.default_rng(seed).random((n, 4))
    Y = np.stack([X.mean(axis=1), np.sin(3 * X[:, 0]) * X[:, 1]], axis=1)
    return X, Y


@pytest.mark.parametrize("n", [300, LARGE_EXAMPLES + 1000])
def test_outputs_fitted_together_each_learn_their_own_target(n):
    X, Y = two_targets(n)
    X_test, Y_test = two_targets(500, seed=9)
    models = [make_model({"type": "mlp"}, False) for _ in range(2)]
    fit_together(models, X, Y)  # type: ignore[arg-type]
    for k, model in enumerate(models):
        error = np.abs(model.predict(X_test) - Y_test[:, k]).mean()
        assert error < 0.01, (k, error)
        assert model.predict_one(X_test[0]) == pytest.approx(model.predict(X_test[:1])[0])
        # it plays a network of its own, the shape of one output's
        assert model._hidden_layers_[0][0].shape == (4, 16)
        assert model._out_w_.shape == (16,)
    # alone, each output learns about as well: fitting together loses nothing
    alone = make_model({"type": "mlp"}, False).fit(X, Y[:, 1])
    error_alone = np.abs(alone.predict(X_test) - Y_test[:, 1]).mean()
    assert np.abs(models[1].predict(X_test) - Y_test[:, 1]).mean() < 2 * error_alone + 1e-3


def test_a_cancelled_fit_together_stops_within_an_iteration():
    X, Y = two_targets(LARGE_EXAMPLES + 500)
    asked = []
    models = [MLPRegressor() for _ in range(2)]
    fit_together(models, X, Y, stop=lambda: asked.append(1) is None and len(asked) > 2)
    assert len(asked) <= 4  # no more iterations once it said stop


def plan_of(specs: list[Output]) -> list[tuple[int, Output, list[int]]]:
    return [(j, spec, list(range(3))) for j, spec in enumerate(specs)]


class Rows:
    def __init__(self, mask: np.ndarray) -> None:
        self.mask = mask


def test_outputs_with_the_same_settings_inputs_and_examples_are_fitted_together():
    specs = [
        Output("a"),
        Output("b"),
        Output("c", model={"type": "mlp", "hidden": 8}),  # other settings: alone
        Output("d", model={"type": "knn"}),  # not an MLP: alone
        Output("e", kind="classifier", classes=3),  # a class output: alone
        Output("f"),  # recorded in other rows: alone
        Output("g", model={"type": "mlp", "hidden": 16}),  # the default, said out loud
    ]
    mask = np.ones((5, len(specs)), dtype=bool)
    mask[0, 5] = False
    groups = batches(plan_of(specs), Rows(mask))  # type: ignore[arg-type]
    assert [[spec.name for _, spec, _ in g] for g in groups] == [
        ["a", "b", "g"], ["c"], ["d"], ["e"], ["f"]
    ]  # fmt: skip


def test_an_engine_trains_its_mlp_outputs_and_each_plays_its_own():
    from benchmarks.tasks import taught_engine
    from mapper.core.state import TrainingStatus

    engine = taught_engine([Output("a"), Output("b"), Output("c", model={"type": "knn"})],
                           "regression", 300, 3)  # fmt: skip
    models = [engine.trained_model(j).model for j in range(3)]  # type: ignore[union-attr]
    assert isinstance(models[0], MLPRegressor) and isinstance(models[1], MLPRegressor)
    assert models[0] is not models[1]
    x = np.array([0.2, 0.5, 0.9])
    for model, within in zip(models, (0.01, 0.01, 0.05)):  # the kNN averages 5 neighbours
        assert model.predict_one(x) == pytest.approx(x.mean(), abs=within)
    assert TrainingStatus(True, 0, 3, "a", 2).fitting == "a and 1 more"
    assert TrainingStatus(True, 2, 3, "c").fitting == "c"


def test_an_output_with_refused_settings_fails_alone_and_the_others_train():
    from benchmarks.tasks import taught_engine

    bad = Output("bad", model={"type": "mlp", "hidden": 16, "bogus": 1})
    engine = taught_engine([Output("a"), bad, Output("b")], "regression", 200, 3)
    assert "bad" in engine.training.error and "bogus" in engine.training.error
    assert engine.trained_model(1) is None
    for j in (0, 2):
        assert isinstance(engine.trained_model(j).model, MLPRegressor)  # type: ignore[union-attr]


def test_fit_together_refuses_models_of_other_settings():
    models = [MLPRegressor(), MLPRegressor(hidden=8)]
    X, Y = two_targets(50)
    with pytest.raises(ValueError, match="settings differ"):
        fit_together(models, X, Y)
    fitted = MLPRegressor().fit(X, Y[:, 0])  # a model fitted before keeps its settings
    fit_together([fitted, MLPRegressor()], X, Y)


def test_a_heavy_fit_of_many_outputs_is_one_fit_and_each_output_plays_its_own():
    from benchmarks.tasks import examples

    X, y = examples("regression", 400, 63)
    X_test, y_test = examples("regression", 200, 63, seed=3)
    models = [MLPRegressor() for _ in range(16)]
    assert heavy_fit([63, 16 * 16, 16], 400)
    fit_together(models, X, np.stack([y * (1 + k / 16) for k in range(16)], axis=1))
    for k in (0, 15):  # each learned its own target (a different scale of the mean)
        error = np.abs(models[k].predict(X_test) - y_test * (1 + k / 16)).mean()
        assert error < 0.02, (k, error)
    assert models[0]._out_w_ is not models[1]._out_w_
