"""A frame's plan (outputs sharing work) answers exactly as each output's model does alone."""

from __future__ import annotations

import numpy as np

from mapper.core.engine import Engine, Trained
from mapper.core.frame_plan import FramePlan
from mapper.core.outputs import Output
from mapper.models import make_model
from mapper.models.knn import NeighbourGroup, can_share_neighbours


def _trained(model: object, inputs: list[int] | None = None) -> Trained:
    idx = None if inputs is None else np.array(inputs)
    return Trained(model, idx, np.arange(3))


def test_outputs_learning_the_same_examples_share_one_neighbour_search():
    rng = np.random.default_rng(0)
    X = rng.random((300, 4))
    knn5 = [make_model({"type": "knn", "k": 5}, False).fit(X, X[:, j] * 10) for j in range(3)]
    labels = (X[:, 0] * 3).astype(int) + 1.0
    knn1 = [make_model({"type": "knn", "k": 1}, True).fit(X, labels) for _ in range(2)]
    for models in (knn5, knn1):
        group = NeighbourGroup(models)
        for x in rng.random((40, 4)):
            x1 = np.append(x, 1.0)
            assert list(group.predict_frame(x1, x)) == [m.predict_one(x) for m in models]


def test_only_models_whose_value_follows_from_the_neighbours_alone_share_them():
    rng = np.random.default_rng(1)
    X = rng.random((50, 2))
    y = X.sum(axis=1)
    assert can_share_neighbours(make_model({"type": "knn", "k": 3}, False).fit(X, y))
    assert not can_share_neighbours(
        make_model({"type": "knn", "k": 3, "weighted": True}, False).fit(X, y)
    )
    assert not can_share_neighbours(make_model({"type": "knn", "k": 3}, True).fit(X, y.round() + 1))
    assert can_share_neighbours(make_model({"type": "knn", "k": 1}, True).fit(X, y.round() + 1))
    assert not can_share_neighbours(make_model({"type": "mlp", "max_iter": 5}, False).fit(X, y))


def test_a_plan_of_mixed_outputs_gives_each_output_its_own_models_value():
    """MLPs stacked, kNNs grouped, a model on some inputs alone, a clipped output clipped,
    and an output that does not run keeps its value."""
    rng = np.random.default_rng(2)
    X = rng.random((200, 3))
    outputs = [
        Output("mlp a", "continuous", 0, 1),
        Output("mlp b", "continuous", 0, 1),
        Output("knn a", "continuous", 0, 1),
        Output("knn b clipped", "continuous", 0, 0.5, hard_limits=True),
        Output("knn on input 1", "continuous", 0, 1),
        Output("class", "classifier", classes=3),
        Output("not running", "continuous", 0, 1),
    ]
    labels = (X[:, 2] * 3).astype(int) + 1.0
    models = [
        make_model({"type": "mlp"}, False).fit(X, X[:, 0]),
        make_model({"type": "mlp", "seed": 2}, False).fit(X, X[:, 1]),
        make_model({"type": "knn", "k": 5}, False).fit(X, X[:, 2]),
        make_model({"type": "knn", "k": 5}, False).fit(X, X[:, 0] + X[:, 1]),
        make_model({"type": "knn", "k": 2}, False).fit(X[:, [1]], X[:, 1]),
        make_model({"type": "mlp"}, True).fit(X, labels),
    ]
    trained = [_trained(m) for m in models]
    trained[4] = _trained(models[4], [1])
    runners = [(j, t, outputs[j]) for j, t in enumerate(trained)]
    plan = FramePlan(runners, 3)
    assert len(plan.groups) == 2 and len(plan.singles) == 2
    held = [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.77]
    for x in rng.random((30, 3)):
        out = plan(tuple(x.tolist()), held)
        expected = [o.shape(m.predict_one(x)) for o, m in zip(outputs[:4], models[:4])]
        expected += [models[4].predict_one(x[[1]]), models[5].predict_one(x), 0.77]
        np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
        assert out[3] <= 0.5


def test_the_engine_runs_its_plan_and_rebuilds_it_when_limits_change():
    rng = np.random.default_rng(3)
    outputs = [Output(f"o{j}", "continuous", 0, 10) for j in range(2)]
    for o in outputs:
        o.model = {"type": "knn", "k": 1}
    engine = Engine(["a", "b"], outputs)
    engine.start_recording()
    for x in rng.random((20, 2)):
        engine.set_values([8.0, 9.0], send=False)
        engine.process_frame(tuple(x.tolist()))
    engine.stop_recording()
    engine.train()
    assert engine.wait_for_training(timeout=30)
    sent: list[list[float]] = []
    engine.add_output_sink(sent.append)
    engine.start_running()
    engine.process_frame((0.5, 0.5))
    assert sent[-1] == [8.0, 9.0]
    engine.delete_examples_for_output(1)  # hard limits never leave examples outside
    engine.set_limits(1, 0.0, 5.0, hard=True)
    engine.process_frame((0.5, 0.5))
    assert sent[-1] == [8.0, 5.0]


def test_a_classifier_never_sends_a_class_beyond_its_count():
    """A model trained on classes 1..3 playing an output cut to 2 classes sends 1 or 2; with
    3 classes it sends the model's labels as they are."""
    rng = np.random.default_rng(4)
    X = rng.random((90, 2))
    labels = (X[:, 0] * 3).astype(int) + 1.0
    models = [make_model({"type": "knn", "k": 1}, True).fit(X, labels) for _ in range(2)]
    frames = [tuple(x.tolist()) for x in rng.random((60, 2))]
    for classes, highest in ((3, 3.0), (2, 2.0)):
        outputs = [Output(f"c{j}", "classifier", classes=classes) for j in range(2)]
        plan = FramePlan([(j, _trained(m), outputs[j]) for j, m in enumerate(models)], 2)
        sent = {v for f in frames for v in plan(f, [1.0, 1.0])}
        assert max(sent) == highest and sent <= {1.0, 2.0, 3.0}
