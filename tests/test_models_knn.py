"""kNN outputs that learn from the same inputs share one search per frame, and stay exact."""

from __future__ import annotations

import threading

import numpy as np
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

from mapper.models import make_model
from mapper.models.knn import SearchIndex


def data(seed: int = 0, n: int = 300, d: int = 4):
    rng = np.random.default_rng(seed)
    X = rng.random((n, d))
    return X, X.mean(axis=1), np.sin(6 * X[:, 0]), (X[:, :3].argmax(axis=1) + 1.0)


def reference(X, y, k, classifier=False):
    """scikit-learn on the same standardized inputs."""
    mean, std = X.mean(axis=0), X.std(axis=0)
    model = (KNeighborsClassifier if classifier else KNeighborsRegressor)(n_neighbors=k)
    model.fit((X - mean) / std, y)
    return lambda x: float(model.predict(((x - mean) / std)[None])[0])


def test_outputs_on_the_same_inputs_answer_like_separate_models():
    X, y_mean, y_sin, labels = data()
    outputs = [
        (make_model({"type": "knn", "k": 5}, False).fit(X.copy(), y_mean), reference(X, y_mean, 5)),
        (make_model({"type": "knn", "k": 5}, False).fit(X.copy(), y_sin), reference(X, y_sin, 5)),
        (make_model({"type": "knn", "k": 1}, False).fit(X.copy(), y_sin), reference(X, y_sin, 1)),
        (
            make_model({"type": "knn", "k": 3}, True).fit(X.copy(), labels),
            reference(X, labels, 3, classifier=True),
        ),
    ]
    frames = np.random.default_rng(1).random((50, X.shape[1]))
    x = np.empty(X.shape[1])
    for frame in frames:
        x[:] = frame  # one array, new values each frame: answers must follow the values
        for model, expected in outputs:
            assert model.predict_one(x) == expected(frame)
    # a frame asked again after another frame, and by the outputs in another order
    for frame in (frames[3], frames[7], frames[3]):
        for model, expected in reversed(outputs):
            assert model.predict_one(frame.copy()) == expected(frame)


def test_models_on_different_inputs_do_not_mix():
    X, y, _, _ = data()
    a = make_model({"type": "knn", "k": 1}, False).fit(X, y)
    b = make_model({"type": "knn", "k": 1}, False).fit(X[::-1] * 2.0, y[::-1])
    ref_a, ref_b = reference(X, y, 1), reference(X[::-1] * 2.0, y[::-1], 1)
    for frame in np.random.default_rng(2).random((30, X.shape[1])):
        assert a.predict_one(frame) == ref_a(frame)
        assert b.predict_one(frame) == ref_b(frame)


def test_outputs_asked_from_two_threads_at_once_stay_exact():
    X, y_mean, y_sin, _ = data(n=1000, d=8)
    models = [make_model({"type": "knn", "k": 5}, False).fit(X, y) for y in (y_mean, y_sin)]
    refs = [reference(X, y_mean, 5), reference(X, y_sin, 5)]
    rng = np.random.default_rng(3)
    frames = [rng.random((200, X.shape[1])) for _ in models]  # each thread its own frames
    expected = [[ref(f) for f in fs] for ref, fs in zip(refs, frames)]
    got: list[list[float]] = [[], []]

    def play(j: int) -> None:
        for _ in range(5):
            got[j].extend(models[j].predict_one(f) for f in frames[j])

    threads = [threading.Thread(target=play, args=(j,)) for j in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    assert got == [e * 5 for e in expected]


def test_the_nearest_examples_are_the_nearest_for_inputs_near_zero_and_far_from_it():
    """A sensor reporting 5000 +- 1 (its mean far from 0 in its own units) finds the same
    neighbours as one reporting 0..1: both checked against distances computed directly."""
    rng = np.random.default_rng(7)
    for offset, folded in ((0.0, True), (5000.0, False)):
        X = rng.random((400, 3)) + offset
        index = SearchIndex(X)
        assert index.folded is folded
        scaled = (X - index.mean) * index.inv_scale
        for x in rng.random((50, 3)) + offset:
            d2 = (((x - index.mean) * index.inv_scale - scaled) ** 2).sum(axis=1)
            expected = np.argsort(d2, kind="stable")[:4].tolist()
            x1 = np.append(x, 1.0)
            assert index.search(x, 4) == expected
            assert index.search_frame(x1, x, 4) == expected
