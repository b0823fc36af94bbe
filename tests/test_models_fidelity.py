"""Models against the quality bar and against scikit-learn, whose fits we evaluate in numpy."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import AdaBoostClassifier
from sklearn.linear_model import LinearRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from mapper.models import make_model


def standardize(X: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    mean, std = X.mean(axis=0), X.std(axis=0)
    return [(A - mean) / std for A in (X, *others)]


def class_data(n: int, n_inputs: int, labels: list[float], seed: int):
    """Random inputs of mixed ranges; overlapping classes so the models disagree somewhere."""
    rng = np.random.default_rng(seed)
    scale = np.geomspace(1.0, 1000.0, n_inputs)
    X = rng.random((n, n_inputs)) * scale
    X_new = rng.random((n, n_inputs)) * scale
    score = np.sin(5 * X[:, 0]) + X[:, 1] / scale[1] + 0.3 * rng.standard_normal(n)
    cuts = np.quantile(score, np.linspace(0, 1, len(labels) + 1)[1:-1])
    y = np.asarray(labels)[np.searchsorted(cuts, score)]
    return X, y, X_new


def test_mlp_meets_the_quality_bar():
    # Wekinator's network reaches a mean absolute error of 0.0005 on this task
    rng = np.random.default_rng(0)
    X = rng.random((1000, 8))
    X_new = rng.random((1000, 8))
    model = make_model({"type": "mlp"}, classifier=False).fit(X, X.mean(axis=1))
    mae = np.abs(model.predict(X_new) - X_new.mean(axis=1)).mean()
    assert mae <= 0.0006


def test_mlp_is_repeatable_and_seeded():
    rng = np.random.default_rng(1)
    X = rng.random((100, 3))
    y = np.sin(4 * X[:, 0]) * X[:, 1]
    a = make_model({"type": "mlp", "max_iter": 50}, False).fit(X, y).predict(X)
    b = make_model({"type": "mlp", "max_iter": 50}, False).fit(X, y).predict(X)
    c = make_model({"type": "mlp", "max_iter": 50, "seed": 1}, False).fit(X, y).predict(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c, rtol=0, atol=1e-9)


def test_mlp_classifier_learns_a_curved_boundary():
    rng = np.random.default_rng(3)
    X = rng.random((600, 2))
    y = np.where(np.hypot(X[:, 0] - 0.5, X[:, 1] - 0.5) < 0.3, 2.0, 1.0)
    X_new = rng.random((600, 2))
    y_new = np.where(np.hypot(X_new[:, 0] - 0.5, X_new[:, 1] - 0.5) < 0.3, 2.0, 1.0)
    model = make_model({"type": "mlp"}, classifier=True).fit(X, y)
    assert np.mean(model.predict(X) == y) >= 0.99
    assert np.mean(model.predict(X_new) == y_new) >= 0.97


@pytest.mark.parametrize("k", [1, 3, 5, 8])
@pytest.mark.parametrize("weighted", [False, True])
def test_knn_regression_matches_scikit_learn(k, weighted):
    rng = np.random.default_rng(k)
    X = rng.random((300, 5)) * [1, 10, 100, 1000, 10000]
    y = rng.standard_normal(300)
    X_new = rng.random((200, 5)) * [1, 10, 100, 1000, 10000]
    model = make_model({"type": "knn", "k": k, "weighted": weighted}, False).fit(X, y)
    Xs, Xs_new = standardize(X, X_new)
    ref = KNeighborsRegressor(n_neighbors=k, weights="distance" if weighted else "uniform")
    np.testing.assert_allclose(model.predict(X_new), ref.fit(Xs, y).predict(Xs_new), rtol=1e-9)


@pytest.mark.parametrize("k", [1, 2, 4, 5, 9])
@pytest.mark.parametrize("weighted", [False, True])
def test_knn_classification_matches_scikit_learn(k, weighted):
    X, y, X_new = class_data(400, 4, [1.0, 2.0, 4.0, 7.0], seed=k)
    model = make_model({"type": "knn", "k": k, "weighted": weighted}, True).fit(X, y)
    Xs, Xs_new = standardize(X, X_new)
    ref = KNeighborsClassifier(n_neighbors=k, weights="distance" if weighted else "uniform")
    ref.fit(Xs, y)
    ours = model.predict(X_new)
    np.testing.assert_array_equal(ours, ref.predict(Xs_new))
    proba = np.array([model.predict_proba_one(x) for x in X_new])[:, [1, 2, 4, 7]]
    np.testing.assert_allclose(proba, ref.predict_proba(Xs_new), atol=1e-12)


def test_knn_vote_ties_go_to_the_lowest_label_like_scikit_learn():
    X = np.array([[0.0], [1.0], [3.0], [4.0]])
    y = np.array([3.0, 2.0, 1.0, 3.0])
    model = make_model({"type": "knn", "k": 2}, classifier=True).fit(X, y)
    ref = KNeighborsClassifier(n_neighbors=2).fit(standardize(X)[0], y)
    queries = np.array([[0.4], [2.1], [3.4]])
    np.testing.assert_array_equal(model.predict(queries), [2.0, 1.0, 1.0])
    np.testing.assert_array_equal(model.predict(queries), ref.predict(standardize(X, queries)[1]))


@pytest.mark.parametrize("kernel", ["rbf", "linear", "poly"])
@pytest.mark.parametrize("labels", [[1.0, 2.0], [2.0, 3.0, 5.0], [1.0, 2.0, 3.0, 4.0, 5.0]])
@pytest.mark.parametrize("C, gamma", [(1.0, "scale"), (10.0, 0.3)])
def test_svm_matches_scikit_learn(kernel, labels, C, gamma):
    X, y, X_new = class_data(300, 4, labels, seed=len(labels))
    settings = {"type": "svm", "kernel": kernel, "C": C, "gamma": gamma}
    model = make_model(settings, classifier=True).fit(X, y)
    Xs, Xs_new = standardize(X, X_new)
    ref = SVC(kernel=kernel, C=C, gamma=gamma, coef0=1.0).fit(Xs, y)
    np.testing.assert_array_equal(model.predict(X_new), ref.predict(Xs_new))
    np.testing.assert_array_equal(model.predict(X), ref.predict(Xs))


@pytest.mark.parametrize("max_depth", [None, 1, 3])
def test_tree_matches_scikit_learn(max_depth):
    X, y, X_new = class_data(400, 5, [1.0, 3.0, 4.0], seed=11)
    model = make_model({"type": "tree", "max_depth": max_depth}, classifier=True).fit(X, y)
    ref = DecisionTreeClassifier(max_depth=max_depth, random_state=0).fit(X, y)
    np.testing.assert_array_equal(model.predict(X_new), ref.predict(X_new))
    for x in X_new[:20]:
        p = model.predict_proba_one(x)
        np.testing.assert_allclose(p[[1, 3, 4]], ref.predict_proba(x[None])[0])


@pytest.mark.parametrize("labels", [[1.0, 2.0], [1.0, 2.0, 6.0, 7.0]])
@pytest.mark.parametrize("n_estimators, max_depth", [(50, 2), (20, 1), (10, 4)])
def test_adaboost_matches_scikit_learn(labels, n_estimators, max_depth):
    X, y, X_new = class_data(400, 4, labels, seed=5)
    settings = {"type": "adaboost", "n_estimators": n_estimators, "max_depth": max_depth}
    model = make_model(settings, classifier=True).fit(X, y)
    base = DecisionTreeClassifier(max_depth=max_depth)
    ref = AdaBoostClassifier(base, n_estimators=n_estimators, random_state=0).fit(X, y)
    np.testing.assert_array_equal(model.predict(X_new), ref.predict(X_new))
    np.testing.assert_array_equal(model.predict(X), ref.predict(X))


def test_naive_bayes_matches_scikit_learn():
    X, y, X_new = class_data(400, 4, [1.0, 2.0, 4.0], seed=8)
    model = make_model({"type": "naive_bayes"}, classifier=True).fit(X, y)
    Xs, Xs_new = standardize(X, X_new)
    ref = GaussianNB().fit(Xs, y)
    np.testing.assert_array_equal(model.predict(X_new), ref.predict(Xs_new))
    proba = np.array([model.predict_proba_one(x) for x in X_new])[:, [1, 2, 4]]
    np.testing.assert_allclose(proba, ref.predict_proba(Xs_new), atol=1e-9)


def test_linear_matches_scikit_learn():
    rng = np.random.default_rng(9)
    X = rng.random((200, 6)) * [1, 10, 100, 1000, 1, 1]
    y = rng.standard_normal(200)
    X_new = rng.random((50, 6)) * [1, 10, 100, 1000, 1, 1]
    model = make_model({"type": "linear"}, classifier=False).fit(X, y)
    ref = LinearRegression().fit(X, y)
    np.testing.assert_allclose(model.predict(X_new), ref.predict(X_new), rtol=1e-6, atol=1e-9)
