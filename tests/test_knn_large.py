"""kNN on many examples: ranked in float32 and re-ranked exactly, the answers stay the exact
ones (the nearest examples, their values, novelty); few examples keep the float64 index."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest

from mapper.core.novelty import NoveltyPlan, known, novelty_of
from mapper.core.state import Trained
from mapper.models.knn import (
    LARGE,
    KNNClassifier,
    KNNRegressor,
    LargeSearchIndex,
    NeighbourGroup,
    SearchIndex,
    make_index,
    shared_index,
)

N, D = 10_000, 30  # n * (d + 1) = 310,000: a large index (LARGE = 250,000)


def squared_distances(index: SearchIndex, x: np.ndarray) -> np.ndarray:
    """Every example's squared distance to the frame x (standardized), summed in float64."""
    return ((index.train - index.standardized(x)) ** 2).sum(axis=1)


def nearest_of(d2: np.ndarray, k: int) -> list[int]:
    """The k nearest by the distances d2, nearest first (ties: lower index first)."""
    near = np.argpartition(d2, k)[: k + 1] if k < len(d2) else np.arange(len(d2))
    near = np.flatnonzero(d2 <= d2[near].max())  # with every tie of the k-th
    return near[np.lexsort((near, d2[near]))][:k].tolist()


def brute_force(index: SearchIndex, x: np.ndarray, k: int) -> tuple[list[int], np.ndarray]:
    """The k nearest by brute force, and every example's squared distance."""
    d2 = squared_distances(index, x)
    return nearest_of(d2, k), d2


def assert_nearest(index: SearchIndex, x: np.ndarray, ks: tuple[int, ...]) -> None:
    """The index's k nearest are the exact ones, nearest first; where they differ, only by
    examples whose distances tie with the expected ones' to float64 rounding."""
    d2 = squared_distances(index, x)
    for k in ks:
        got = index.search(x, k)
        expected = nearest_of(d2, k)
        if got != expected:
            tolerance = 1e-12 * max(1.0, float(d2[expected].max()))
            assert np.allclose(d2[got], d2[expected], rtol=0.0, atol=tolerance), (got, expected)


@pytest.fixture(scope="module")
def large() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    return rng.random((N, D)), rng.random((60, D))


def test_many_examples_get_the_large_index_and_few_keep_the_float64_one():
    rng = np.random.default_rng(0)
    small = rng.random((1000, 8))
    index = shared_index(small)
    assert type(index) is SearchIndex and type(make_index(small)) is SearchIndex
    assert index.ranker.dtype == np.float64 and index.ranker.flags.f_contiguous
    below = rng.random((LARGE // 10 - 1, 9))  # n * (d + 1) just under LARGE
    at = rng.random((LARGE // 10, 9))
    assert type(make_index(below)) is SearchIndex
    assert type(make_index(at)) is LargeSearchIndex
    for x in rng.random((20, 8)):
        for k in (1, 3, 5, 12):
            assert index.search(x, k) == SearchIndex(small).search(x, k)


def test_the_large_index_finds_the_exact_nearest(large):
    X, frames = large
    index = make_index(X)
    assert isinstance(index, LargeSearchIndex)
    assert index.float32.ranker.dtype == np.float32
    ranker = index.float32.ranker[:N]
    x1 = np.ones(D + 1)
    for x in frames:
        x1[:D] = x
        assert_nearest(index, x, (1, 2, 5, 9, 40))
        # the float32 ranks are within the bound of the exact ones
        xs = index.standardized(x)
        rank32 = ranker @ np.append(xs, 1.0).astype(np.float32)
        error = np.abs(rank32 - (index.half_sq - index.train @ xs)).max()
        assert error <= index.float32.bound(math.sqrt(xs @ xs))
        assert index.search_frame(x1, x, 5) == index.search(x, 5)
    # frames far outside the examples, and one on an example
    for x in (frames[0] * 50.0, -frames[1] * 1e8, X[123]):
        assert_nearest(index, x, (5,))
    assert index.search(X[123], 1) == [123]


def test_inputs_far_from_zero_and_a_constant_input_keep_the_exact_nearest():
    rng = np.random.default_rng(3)
    X = rng.random((N, D)) * 0.01 + 5000.0  # a sensor reporting 5000 +- 0.005
    X[:, 4] = 7.0  # an input that never moved
    index = make_index(X)
    assert isinstance(index, LargeSearchIndex) and not index.folded
    for x in rng.random((20, D)) * 0.012 + 4999.999:
        assert_nearest(index, x, (1, 5, 12))


def test_ties_and_near_ties_are_settled_exactly():
    """Duplicated examples (exact ties: the lower index first) and examples apart by less than
    float32 can tell (every search needs the second, exact look)."""
    rng = np.random.default_rng(5)
    base = rng.random((500, 30))
    X = np.vstack([base + 1e-9 * rng.standard_normal(base.shape) for _ in range(20)])
    X[500:1000] = X[:500]  # the second copy: exact duplicates of the first
    index = make_index(X)
    assert isinstance(index, LargeSearchIndex)
    for x in np.vstack((rng.random((40, 30)), base[:20] + 1e-7)):
        assert_nearest(index, x, (1, 3, 8, 9, 30))
        got = index.search(x, 1)[0]
        assert got < 500 or got >= 1000  # never the duplicate when the original ties with it


def test_a_frame_beyond_any_sensor_still_answers(large):
    X, _ = large
    index = make_index(X)
    with np.errstate(all="ignore"):  # inf - inf: as the float64 index, NaN ranks
        for x in (np.full(D, 1e200), np.full(D, np.nan), np.full(D, np.inf)):
            got = index.search(x, 5)
            assert len(got) == 5 and all(0 <= i < N for i in got)
        nan = np.full(D, np.nan)
        assert index.search(nan, 5) == SearchIndex(X).search(nan, 5) == [0, 1, 2, 3, 4]


def test_knn_models_on_many_examples_answer_as_brute_force(large):
    X, frames = large
    y = np.sin(3 * X[:, 0]) + X[:, 1]
    labels = (X[:, :3].argmax(axis=1) + 1).astype(np.float64)
    regressors = [KNNRegressor(k=k).fit(X, y) for k in (1, 5)]
    weighted = KNNRegressor(k=5, weighted=True).fit(X, y)
    classifiers = [KNNClassifier(k=k).fit(X, labels) for k in (1, 5)]
    assert isinstance(regressors[0], KNNRegressor) and isinstance(classifiers[0], KNNClassifier)
    assert isinstance(regressors[0]._search_, LargeSearchIndex)
    index = regressors[0]._search_
    for x in frames[:60]:
        nearest, d2 = brute_force(index, x, 5)
        assert regressors[0].predict_one(x) == y[nearest[0]]
        assert regressors[1].predict_one(x) == pytest.approx(y[nearest].mean(), rel=1e-12)
        w = d2[nearest] ** -0.5
        assert weighted.predict_one(x) == pytest.approx(np.dot(y[nearest], w) / w.sum())
        assert classifiers[0].predict_one(x) == labels[nearest[0]]
        votes = np.bincount(labels[nearest].astype(int), minlength=5)
        assert classifiers[1].predict_one(x) == float(votes.argmax())
        idx, shares = regressors[1].neighbours(x)
        assert idx.tolist() == nearest and shares.tolist() == [0.2] * 5


def test_a_neighbour_group_on_many_examples_answers_as_each_model(large):
    X, frames = large
    models = [KNNRegressor(k=5).fit(X, X[:, j]) for j in range(3)]
    assert all(isinstance(m, KNNRegressor) for m in models)
    group = NeighbourGroup(models)  # type: ignore[arg-type]
    assert isinstance(group.index, LargeSearchIndex)
    x1 = np.ones(D + 1)
    for x in frames[:50]:
        x1[:D] = x
        assert list(group.predict_frame(x1, x)) == [m.predict_one(x.copy()) for m in models]


def test_novelty_on_many_examples_is_the_distance_to_the_nearest(large):
    X, frames = large
    index = known(X)
    assert isinstance(index, LargeSearchIndex)
    model = KNNRegressor(k=1).fit(X, X[:, 0])
    plan = NoveltyPlan([(0, Trained(model, None, np.arange(N), index))], D, 1)
    small = SearchIndex(X)  # the float64 index, the same ranks to rounding
    for x in (*frames[:30], X[7]):
        _, d2 = brute_force(index, x, 1)
        expected = math.sqrt(d2.min() / D)
        assert novelty_of(index, x) == pytest.approx(expected, rel=1e-9, abs=1e-6)
        assert plan(list(x)) == pytest.approx(expected, rel=1e-9, abs=1e-6)
        rank = index.nearest_rank(x)
        xs = index.standardized(x)
        assert math.sqrt(max(xs @ xs + 2 * rank, 0.0) / D) == pytest.approx(expected, abs=1e-6)
        assert rank == pytest.approx(small.nearest_rank(x), rel=1e-9, abs=1e-9)
    many = plan.measure_many(frames[:30])
    np.testing.assert_allclose(many, [novelty_of(index, x) for x in frames[:30]], atol=1e-6)
    assert not hasattr(index, "ranker")  # no float64 copy of the examples beside float32


def test_two_threads_searching_a_large_index_at_once_stay_exact(large):
    X, frames = large
    index = make_index(X)
    expected = [index.search(x, 5) for x in frames[:20]]
    got: list[list[list[int]]] = [[], []]

    def play(j: int) -> None:
        for _ in range(3):
            got[j].extend(index.search(x, 5) for x in frames[:20])

    threads = [threading.Thread(target=play, args=(j,)) for j in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert got == [expected * 3, expected * 3]
