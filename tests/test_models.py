"""Models: settings, the predict interface, well-separated clusters, scaling and degenerate data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mapper.models import ModelError, default_settings, make_model, model_types

REPO = Path(__file__).resolve().parents[1]

CONTINUOUS = [
    {"type": "mlp"},
    {"type": "mlp", "hidden": [8, 8]},
    {"type": "knn"},
    {"type": "knn", "k": 1},
    {"type": "knn", "weighted": True},
    {"type": "linear"},
    {"type": "polynomial"},
    {"type": "polynomial", "degree": 3},
]
CLASSIFIERS = [
    {"type": "knn"},
    {"type": "knn", "k": 5},
    {"type": "knn", "k": 5, "weighted": True},
    {"type": "svm"},
    {"type": "svm", "kernel": "linear"},
    {"type": "svm", "kernel": "poly"},
    {"type": "tree"},
    {"type": "adaboost"},
    {"type": "naive_bayes"},
    {"type": "mlp"},
]
ALL = [(s, False) for s in CONTINUOUS] + [(s, True) for s in CLASSIFIERS]


def _id(case: tuple[dict, bool]) -> str:
    settings, classifier = case
    extra = ",".join(f"{k}={v}" for k, v in settings.items() if k != "type")
    return (
        ("class-" if classifier else "cont-") + settings["type"] + (f"[{extra}]" if extra else "")
    )


ALL_IDS = [_id(c) for c in ALL]


def clusters(
    n_per: int = 20, seed: int = 0, scales=(1.0, 1.0, 1.0)
) -> tuple[np.ndarray, np.ndarray]:
    """Three tight, well-separated clusters of 3 inputs; labels 1, 2, 3 (cluster order)."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.1, 0.2, 0.9], [0.8, 0.3, 0.2], [0.4, 0.9, 0.5]])
    X = np.vstack([c + 0.02 * rng.standard_normal((n_per, 3)) for c in centres])
    y = np.repeat([1.0, 2.0, 3.0], n_per)
    return X * np.asarray(scales), y


# --- settings -------------------------------------------------------------------------------


def test_model_types_and_defaults():
    assert model_types(False) == ["mlp", "knn", "linear", "polynomial"]
    assert model_types(True) == ["knn", "svm", "tree", "adaboost", "naive_bayes", "mlp"]
    assert default_settings("knn", True) == {"type": "knn", "k": 1, "weighted": False}
    assert default_settings("knn", False) == {"type": "knn", "k": 5, "weighted": False}
    assert default_settings("mlp", False) == {
        "type": "mlp",
        "hidden": 16,
        "max_iter": 300,
        "alpha": 1e-8,
        "seed": 0,
        "ensemble": 3,
    }
    assert "ensemble" not in default_settings("mlp", True)  # class outputs have no ensemble
    assert default_settings("polynomial", False) == {"type": "polynomial", "degree": 2}
    assert default_settings("linear", False) == {"type": "linear"}
    for classifier in (False, True):
        for name in model_types(classifier):
            settings = default_settings(name, classifier)
            assert settings["type"] == name
            make_model(settings, classifier)  # the defaults are themselves valid


def test_missing_settings_take_defaults():
    assert make_model({"type": "knn"}, classifier=True).k == 1
    assert make_model({"type": "knn"}, classifier=False).k == 5
    model = make_model({"type": "knn", "k": 3}, classifier=False)
    assert (model.k, model.weighted) == (3, False)
    assert make_model({}, classifier=False).type_name == "mlp"
    assert make_model({}, classifier=True).type_name == "knn"
    assert make_model({"type": "svm", "C": 2}, True).C == 2.0


def test_unknown_type_names_the_choices():
    with pytest.raises(ModelError, match="choose one of: mlp, knn, linear, polynomial"):
        make_model({"type": "svm"}, classifier=False)
    with pytest.raises(ModelError, match="naive_bayes"):
        make_model({"type": "forest"}, classifier=True)
    with pytest.raises(ModelError):
        default_settings("nope", True)
    assert issubclass(ModelError, ValueError)


def test_unknown_setting_names_the_valid_ones():
    with pytest.raises(ModelError, match="no setting 'kk'; its settings are: k, weighted"):
        make_model({"type": "knn", "kk": 3}, classifier=True)
    with pytest.raises(ModelError, match="settings are: none"):
        make_model({"type": "linear", "degree": 2}, classifier=False)


@pytest.mark.parametrize(
    "settings, classifier",
    [
        ({"type": "knn", "k": 0}, True),
        ({"type": "knn", "k": 2.5}, False),
        ({"type": "knn", "k": "5"}, False),
        ({"type": "knn", "k": True}, False),
        ({"type": "knn", "weighted": "yes"}, True),
        ({"type": "polynomial", "degree": 0}, False),
        ({"type": "polynomial", "degree": 9}, False),
        ({"type": "svm", "kernel": "sigmoid"}, True),
        ({"type": "svm", "C": 0}, True),
        ({"type": "svm", "gamma": -1.0}, True),
        ({"type": "svm", "gamma": "auto"}, True),
        ({"type": "tree", "max_depth": 0}, True),
        ({"type": "adaboost", "n_estimators": 0}, True),
        ({"type": "mlp", "hidden": 0}, False),
        ({"type": "mlp", "hidden": []}, False),
        ({"type": "mlp", "hidden": [8, -1]}, True),
        ({"type": "mlp", "alpha": -1.0}, False),
        ({"type": "mlp", "max_iter": 0}, False),
        ({"type": "mlp", "alpha": float("nan")}, False),
    ],
)
def test_bad_values_are_refused(settings, classifier):
    name = next(k for k in settings if k != "type")
    with pytest.raises(ModelError, match=f"setting '{name}' must be"):
        make_model(settings, classifier)


def test_good_unusual_values_are_accepted():
    assert make_model({"type": "knn", "k": 3.0}, True).k == 3
    assert make_model({"type": "mlp", "hidden": (4, 5)}, False).hidden == [4, 5]
    assert make_model({"type": "svm", "gamma": 0.5}, True).gamma == 0.5
    assert make_model({"type": "tree", "max_depth": None}, True).max_depth is None
    assert make_model({"type": "Naive Bayes"}, True).type_name == "naive_bayes"


def test_settings_must_be_a_mapping():
    with pytest.raises(ModelError):
        make_model(["knn"], classifier=True)  # type: ignore[arg-type]


# --- behaviour shared by every model ---------------------------------------------------------


@pytest.mark.parametrize("settings, classifier", ALL, ids=ALL_IDS)
def test_predict_one_agrees_with_predict(settings, classifier):
    rng = np.random.default_rng(1)
    X = rng.random((150, 4))
    y = np.floor(X[:, 0] * 3) + 1 if classifier else np.sin(3 * X[:, 0]) + X[:, 1] * X[:, 2]
    model = make_model(settings, classifier).fit(X, y)
    assert model.n_inputs_ == 4
    X_new = rng.random((60, 4))
    one = np.array([model.predict_one(x) for x in X_new])
    batch = model.predict(X_new)
    assert batch.shape == (60,)
    assert isinstance(model.predict_one(X_new[0]), float)
    if classifier:
        np.testing.assert_array_equal(one, batch)
        assert set(np.unique(batch)) <= {1.0, 2.0, 3.0}
    else:
        np.testing.assert_allclose(one, batch, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("settings", CLASSIFIERS, ids=[_id((s, True)) for s in CLASSIFIERS])
def test_classifiers_learn_separated_clusters(settings):
    X, y = clusters()
    model = make_model(settings, classifier=True).fit(X, y)
    np.testing.assert_array_equal(model.predict(X), y)
    X_new, y_new = clusters(seed=7)
    np.testing.assert_array_equal(model.predict(X_new), y_new)


FLEXIBLE = [s for s in CONTINUOUS if s["type"] in ("mlp", "knn")]


@pytest.mark.parametrize("settings", FLEXIBLE, ids=[_id((s, False)) for s in FLEXIBLE])
def test_flexible_models_reproduce_cluster_targets(settings):
    X, labels = clusters()
    targets = np.array([0.0, 0.2, 0.5, 0.9])[labels.astype(int)]
    model = make_model(settings, classifier=False).fit(X, targets)
    assert np.abs(model.predict(X) - targets).max() < 0.02
    X_new, labels_new = clusters(seed=7)
    targets_new = np.array([0.0, 0.2, 0.5, 0.9])[labels_new.astype(int)]
    assert np.abs(model.predict(X_new) - targets_new).max() < 0.03


def test_linear_and_polynomial_fit_what_they_can_represent():
    rng = np.random.default_rng(2)
    X = rng.random((40, 3)) * [1.0, 5.0, 100.0]
    X_new = rng.random((40, 3)) * [1.0, 5.0, 100.0]

    def affine(X):
        return 0.2 + X @ [0.3, -0.2, 0.005]

    def quadratic(X):
        return affine(X) + 0.4 * X[:, 0] * X[:, 1] - 0.0001 * X[:, 2] ** 2

    for settings in (
        {"type": "linear"},
        {"type": "polynomial"},
        {"type": "polynomial", "degree": 3},
    ):
        model = make_model(settings, classifier=False).fit(X, affine(X))
        np.testing.assert_allclose(model.predict(X_new), affine(X_new), atol=1e-5)
    for degree in (2, 3):
        model = make_model({"type": "polynomial", "degree": degree}, False).fit(X, quadratic(X))
        np.testing.assert_allclose(model.predict(X_new), quadratic(X_new), atol=1e-4)
    linear = make_model({"type": "linear"}, classifier=False).fit(X, quadratic(X))
    assert np.abs(linear.predict(X_new) - quadratic(X_new)).max() > 0.1  # it cannot bend


def test_polynomial_powers_matrix():
    model = make_model({"type": "polynomial"}, classifier=False).fit(np.eye(2), np.ones(2))
    np.testing.assert_array_equal(model.powers_, [[1, 0], [0, 1], [2, 0], [1, 1], [0, 2]])


@pytest.mark.parametrize("settings, classifier", ALL, ids=ALL_IDS)
def test_inputs_of_very_different_ranges(settings, classifier):
    # the clusters differ by only ~0.5 on input 1 while input 2 spans 0..10000: without
    # scaling, input 2's in-cluster spread (~+-100) would swamp input 1
    rng = np.random.default_rng(3)
    centres = np.array([[0.2, 2000.0], [0.8, 2000.0], [0.2, 8000.0], [0.8, 8000.0]])
    spread = np.array([0.02, 100.0])

    def sample(n):
        which = rng.integers(0, 4, n)
        return centres[which] + spread * rng.standard_normal((n, 2)), which

    X, which = sample(200)
    X_new, which_new = sample(100)
    if classifier:
        model = make_model(settings, True).fit(X, which + 1.0)
        np.testing.assert_array_equal(model.predict(X_new), which_new + 1.0)
    else:
        values = np.array([0.1, 0.4, 0.6, 0.9])  # additive in the two inputs: linear fits it
        model = make_model(settings, False).fit(X, values[which])
        assert np.abs(model.predict(X_new) - values[which_new]).max() < 0.05


# --- degenerate data ------------------------------------------------------------------------


@pytest.mark.parametrize("settings, classifier", ALL, ids=ALL_IDS)
def test_no_examples_is_an_error(settings, classifier):
    model = make_model(settings, classifier)
    with pytest.raises(ModelError, match="no examples to train on"):
        model.fit(np.zeros((0, 3)), np.zeros(0))


@pytest.mark.parametrize("settings, classifier", ALL, ids=ALL_IDS)
def test_a_single_example(settings, classifier):
    model = make_model(settings, classifier).fit(np.array([[0.3, 0.7]]), np.array([2.0]))
    for x in ([0.3, 0.7], [5.0, -3.0]):
        assert model.predict_one(np.array(x)) == pytest.approx(2.0, abs=1e-6)
    if classifier:
        np.testing.assert_array_equal(model.predict_proba_one(np.array([0.0, 0.0])), [0, 0, 1])


@pytest.mark.parametrize("settings, classifier", ALL, ids=ALL_IDS)
def test_constant_inputs(settings, classifier):
    X = np.full((12, 3), 0.5)
    y = np.array([1.0, 2.0] * 6) if classifier else np.linspace(0.0, 1.0, 12)
    model = make_model(settings, classifier).fit(X, y)
    out = model.predict(np.vstack([X[:1], X[:1] + 1.0]))
    assert np.isfinite(out).all()
    if classifier:
        assert set(out) <= {1.0, 2.0}
    else:
        if settings["type"] == "knn":  # all examples equally near: any k of them will do
            assert ((out >= 0.0) & (out <= 1.0)).all()
        else:  # no input tells the examples apart: the best answer is their mean
            np.testing.assert_allclose(out, 0.5, atol=1e-3)


@pytest.mark.parametrize("settings, classifier", ALL, ids=ALL_IDS)
def test_duplicate_rows(settings, classifier):
    X, y = clusters(n_per=4)
    if not classifier:
        y = 0.2 + X @ [0.3, -0.2, 0.5]  # varies within a cluster, and every model can fit it
    X = np.vstack([X, X, X])
    y = np.concatenate([y, y, y])
    model = make_model(settings, classifier).fit(X, y)
    if classifier:
        np.testing.assert_array_equal(model.predict(X), y)
    else:
        assert np.abs(model.predict(X) - y).max() < 0.03


@pytest.mark.parametrize("settings", CLASSIFIERS, ids=[_id((s, True)) for s in CLASSIFIERS])
def test_single_class_present(settings):
    X = np.random.default_rng(0).random((10, 2))
    model = make_model(settings, classifier=True).fit(X, np.full(10, 3.0))
    assert model.predict_one(np.array([0.5, 0.5])) == 3.0
    np.testing.assert_array_equal(model.predict(X), np.full(10, 3.0))
    np.testing.assert_array_equal(model.predict_proba_one(X[0]), [0, 0, 0, 1])
    if settings["type"] == "knn":  # the UI can still show which examples are nearest
        idx, w = model.neighbours(X[0])
        assert idx[0] == 0 and w.sum() == pytest.approx(1.0)


def test_adaboost_when_no_tree_beats_chance():
    # identical inputs, 4 equally common classes: scikit-learn refuses to boost; we keep one tree
    X = np.full((16, 2), 0.5)
    y = np.tile([1.0, 2.0, 3.0, 4.0], 4)
    model = make_model({"type": "adaboost"}, classifier=True).fit(X, y)
    assert model.predict_one(X[0]) == 1.0  # a tie among all classes goes to the lowest label
    np.testing.assert_allclose(model.predict_proba_one(X[0]), [0, 1, 0, 0, 0])


def test_k_larger_than_the_number_of_examples():
    X = np.array([[0.0], [1.0], [2.0]])
    reg = make_model({"type": "knn", "k": 10}, classifier=False).fit(X, np.array([1.0, 2.0, 6.0]))
    assert reg.predict_one(np.array([0.1])) == pytest.approx(3.0)
    idx, w = reg.neighbours(np.array([0.1]))
    np.testing.assert_array_equal(idx, [0, 1, 2])
    np.testing.assert_allclose(w, 1 / 3)
    clf = make_model({"type": "knn", "k": 10}, classifier=True).fit(X, np.array([2.0, 1.0, 2.0]))
    assert clf.predict_one(np.array([1.0])) == 2.0


@pytest.mark.parametrize("settings, classifier", ALL, ids=ALL_IDS)
def test_bad_training_data(settings, classifier):
    model = make_model(settings, classifier)
    with pytest.raises(ModelError, match="missing or infinite"):
        model.fit(np.array([[0.0], [np.nan]]), np.array([1.0, 2.0]))
    with pytest.raises(ModelError):
        model.fit(np.zeros((3, 2)), np.ones(4))
    with pytest.raises(ModelError, match="not been trained"):
        model.predict(np.zeros((1, 2)))
    model.fit(np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([1.0, 2.0]))
    with pytest.raises(ModelError, match="expected 2 inputs"):
        model.predict(np.zeros((1, 3)))


@pytest.mark.parametrize("labels", [[0.0, 1.0], [1.0, 1.5], [-1.0, 2.0]])
def test_class_labels_must_be_whole_numbers_from_one(labels):
    model = make_model({"type": "knn"}, classifier=True)
    with pytest.raises(ModelError, match="class labels"):
        model.fit(np.array([[0.0], [1.0]]), np.array(labels))


# --- probabilities and neighbours ----------------------------------------------------------


@pytest.mark.parametrize("settings", CLASSIFIERS, ids=[_id((s, True)) for s in CLASSIFIERS])
def test_predict_proba_one(settings):
    X, y = clusters()
    y[y == 2.0] = 5.0  # labels 1, 3, 5: classes 2 and 4 never seen
    model = make_model(settings, classifier=True).fit(X, y)
    for x in clusters(n_per=3, seed=5)[0]:
        p = model.predict_proba_one(x)
        assert p.shape == (6,)
        assert p[0] == 0.0 and p[2] == 0.0 and p[4] == 0.0
        assert (p >= 0).all()
        assert p.sum() == pytest.approx(1.0)
        assert float(np.argmax(p)) == model.predict_one(x)


def test_neighbours_are_the_nearest_examples():
    rng = np.random.default_rng(4)
    X = rng.random((50, 3)) * [1.0, 10.0, 100.0]
    y = rng.random(50)
    Xs = (X - X.mean(0)) / X.std(0)
    for weighted in (False, True):
        model = make_model({"type": "knn", "k": 4, "weighted": weighted}, False).fit(X, y)
        for x in rng.random((10, 3)) * [1.0, 10.0, 100.0]:
            dist = np.linalg.norm(Xs - (x - X.mean(0)) / X.std(0), axis=1)
            idx, w = model.neighbours(x)
            np.testing.assert_array_equal(idx, np.argsort(dist)[:4])
            assert w.sum() == pytest.approx(1.0)
            expected = 1.0 / dist[idx] if weighted else np.ones(4)
            np.testing.assert_allclose(w, expected / expected.sum())
            assert model.predict_one(x) == pytest.approx(float(w @ y[idx]))


def test_neighbours_exact_match_takes_all_the_weight():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    y = np.array([1.0, 2.0, 3.0, 4.0])
    model = make_model({"type": "knn", "k": 3, "weighted": True}, False).fit(X, y)
    idx, w = model.neighbours(np.array([1.0, 0.0]))
    assert idx[0] == 1
    np.testing.assert_array_equal(w, [1.0, 0.0, 0.0])
    assert model.predict_one(np.array([1.0, 0.0])) == 2.0
    clf = make_model({"type": "knn", "k": 3}, True).fit(X, y)
    idx, w = clf.neighbours(np.array([0.9, 0.1]))
    assert idx[0] == 1 and len(idx) == 3
    np.testing.assert_allclose(w, 1 / 3)


# --- start-up cost --------------------------------------------------------------------------


def test_import_does_not_load_sklearn_or_scipy():
    code = (
        "import sys, mapper.models\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy')]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
