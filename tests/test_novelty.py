"""Novelty, hold when novel, uncertainty, suggestions, explore and bookmarks, in process:
the scales a user reads, and the rules behind what the instrument does."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from mapper.core.bookmarks import MAX_BOOKMARKS, Bookmarks
from mapper.core.engine import Engine, EngineError
from mapper.core.explore import far_point
from mapper.core.hold import GLIDE, NoveltyHold
from mapper.core.outputs import Output, make_outputs
from mapper.core.visits import INTERVAL
from mapper.models.registry import make_model


def engine_with(outputs: list[Output], X: np.ndarray, Y: np.ndarray) -> Engine:
    """An engine whose examples are the rows of X with targets Y, trained, running."""
    e = Engine([f"in{i + 1}" for i in range(X.shape[1])], outputs)
    for x, y in zip(X, Y):
        e.set_values(list(y), send=False)
        e.start_recording()
        e.process_frame(list(x))
        e.stop_recording()
    e.train()
    assert e.wait_for_training(30)
    e.start_running()
    return e


def knn_outputs(n: int) -> list[Output]:
    outputs = make_outputs(n)
    for o in outputs:
        o.model = {"type": "knn", "k": 1}
    return outputs


def test_novelty_is_0_on_an_example_and_1_at_the_examples_spread():
    # one input, examples at 0 and 2: standard deviation 1
    e = engine_with(knn_outputs(1), np.array([[0.0], [2.0]]), np.array([[0.0], [1.0]]))
    assert e.novelty([2.0])[0] == pytest.approx(0.0, abs=1e-9)
    assert e.novelty([3.0])[0] == pytest.approx(1.0)  # one standard deviation past an example
    assert e.novelty([-4.0])[0] == pytest.approx(4.0)


def test_novelty_does_not_depend_on_the_inputs_units():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (30, 3))
    Y = X[:, :1]
    a = engine_with(knn_outputs(1), X, Y)
    b = engine_with(knn_outputs(1), X * [1, 127, 0.01], Y)  # a MIDI CC and a tiny sensor
    for probe in rng.uniform(-1, 2, (10, 3)):
        assert b.novelty(list(probe * [1, 127, 0.01]))[0] == pytest.approx(
            a.novelty(list(probe))[0]
        )


def test_each_output_counts_the_inputs_it_uses_and_the_frame_takes_the_newest():
    rng = np.random.default_rng(1)
    X = rng.uniform(0, 1, (40, 2))
    outputs = knn_outputs(2)
    outputs[0].inputs = [0]  # output 1 listens to input 1 only
    e = engine_with(outputs, X, X)
    frame, per_output = e.novelty([0.5, 9.0])  # input 2 far out
    assert per_output[0] < 0.2 < 5 < per_output[1]
    assert frame == per_output[1]


def test_an_absurd_input_is_as_new_as_can_be_and_holds():
    e = engine_with(knn_outputs(1), np.array([[0.0], [1.0]]), np.array([[0.2], [0.8]]))
    sent: list[list[float]] = []
    e.add_output_sink(sent.append)
    e.set_novelty_hold(1.0)
    e.process_frame([0.0])
    e.process_frame([1e300])
    assert e.last_novelty is not None and e.last_novelty > 1e30
    assert e.held == [True] and sent[-1] == sent[-2]


def test_hold_glides_back_over_glide_seconds_and_classes_switch_at_once():
    continuous = Output(name="level")
    whole = Output(name="step", min=0, max=10, integer=True)
    classes = Output(name="class", kind="classifier", classes=3)
    hold = NoveltyHold([continuous, whole, classes], [0.0, 0.0, 1.0])
    assert hold([0.5, 4.0, 2.0], [0, 0, 0], 1.0, 0.0) == [0.5, 4.0, 2.0]
    assert hold([0.9, 9.0, 3.0], [5, 5, 5], 1.0, 0.1) == [0.5, 4.0, 2.0]  # held
    assert hold.holding
    mid = hold([0.9, 9.0, 3.0], [0, 0, 0], 1.0, 1.0)  # back: the glide starts where it was
    assert mid == [0.5, 4.0, 3.0]  # the class switches at once
    half = hold([0.9, 9.0, 3.0], [0, 0, 0], 1.0, 1.0 + GLIDE / 2)
    assert half[0] == pytest.approx(0.7) and half[1] == 6.0  # halfway, in whole steps
    assert hold([0.9, 9.0, 3.0], [0, 0, 0], 1.0, 1.0 + GLIDE) == [0.9, 9.0, 3.0]
    assert not hold.holding


def test_holding_again_mid_glide_keeps_the_value_reached():
    hold = NoveltyHold([Output(name="level")], [0.0])
    hold([0.0], [0], 1.0, 0.0)
    assert hold([1.0], [5], 1.0, 0.1) == [0.0]  # held at 0
    reached = hold([1.0], [0], 1.0, 0.2 + GLIDE / 4)  # back since... the glide starts now
    assert reached == [0.0]
    reached = hold([1.0], [0], 1.0, 0.2 + GLIDE / 2)
    assert reached[0] == pytest.approx(0.25)  # a quarter of the glide's time
    assert hold([1.0], [5], 1.0, 0.3) == reached  # novel again: kept where it had got to


def test_knn_uncertainty_is_the_neighbours_spread():
    X = np.array([[0.0], [0.1], [1.0], [1.1]])
    y = np.array([0.0, 0.0, 1.0, 1.0])
    two = make_model({"type": "knn", "k": 2}, False).fit(X, y)
    assert two.uncertainty(np.array([0.05])) == pytest.approx(0.0)
    assert two.uncertainty(np.array([0.55])) == pytest.approx(0.5)  # one of each
    one = make_model({"type": "knn", "k": 1}, False).fit(X, y)
    assert one.uncertainty(np.array([0.55])) == 0.0
    votes = make_model({"type": "knn", "k": 4}, True).fit(X, y + 1)
    assert votes.uncertainty(np.array([0.05])) == pytest.approx(0.5)


def test_mlp_ensemble_disagrees_away_from_the_examples_and_not_on_them():
    rng = np.random.default_rng(2)
    X = rng.uniform(0, 1, (80, 2))
    y = np.sin(3 * X[:, 0]) + X[:, 1]
    model = make_model({"type": "mlp"}, False).fit(X, y)
    assert model.uncertainty(X[0]) is None  # the ensemble is fitted afterwards
    model.fit_ensemble(X, y)
    near = np.mean([model.uncertainty(x) for x in X[:10]])
    far = np.mean([model.uncertainty(x) for x in rng.uniform(3, 5, (10, 2))])
    assert near < 0.02 < 0.1 < far
    assert make_model({"type": "mlp", "ensemble": 0}, False).fit(X, y).uncertainty(X[0]) is None


def test_a_stopped_ensemble_says_nothing_rather_than_something_wrong():
    X = np.linspace(0, 1, 20)[:, None]
    model = make_model({"type": "mlp"}, False).fit(X, X[:, 0])
    model.fit_ensemble(X, X[:, 0], stop=lambda: True)
    assert model.uncertainty(X[0]) is None


def test_the_ensemble_learns_after_the_models_play_and_training_is_as_before():
    rng = np.random.default_rng(3)
    X = rng.uniform(0, 1, (60, 2))
    plain = make_outputs(1)
    plain[0].model = {"type": "mlp", "ensemble": 0}
    e0 = engine_with(plain, X, X[:, :1])
    e3 = engine_with(make_outputs(1), X, X[:, :1])
    probe = [0.3, 0.6]
    # the playing network is the same with or without an ensemble beside it
    assert e3.trained_model(0).model.predict_one(np.array(probe)) == pytest.approx(
        e0.trained_model(0).model.predict_one(np.array(probe))
    )
    assert e3.wait_for_uncertainty(30)
    assert e3.learning_uncertainty() == [False]
    inside, outside = e3.uncertainty(probe)[0], e3.uncertainty([4.0, -3.0])[0]
    assert inside is not None and outside is not None
    assert 0 < inside < 0.05 < outside  # the networks agree where they learned, not beyond
    assert e0.uncertainty(probe) == [None]


CLOCK = iter(np.arange(1, 10**7) * INTERVAL)  # a clock for visits, moving on call after call


def visited(e: Engine, *places: np.ndarray) -> None:
    """Visits, as if played: each place's frames one every INTERVAL (the record's pace)."""
    for frames in places:
        for f in frames:
            e.visits.add(list(f), float(next(CLOCK)))


def test_suggest_picks_the_place_played_longest_far_from_the_examples():
    rng = np.random.default_rng(4)
    e = engine_with(knn_outputs(1), rng.normal(0, 0.05, (50, 2)), np.zeros((50, 1)))
    near = rng.normal(0, 0.05, (300, 2))
    long_away = rng.normal([2.0, 0.0], 0.05, (300, 2))  # 6 s, never taught
    held_still = np.tile([0.0, 2.0], (40, 1))  # 0.8 s, exactly still (a MIDI control)
    visited(e, near, held_still, long_away)
    found = e.suggest()
    assert found is not None
    assert found.point == pytest.approx((2.0, 0.0), abs=0.1)
    assert found.novelty > 1
    assert 0.1 < found.share < 300 / 640  # the visits close around it: part of the 47% there


def test_nothing_is_suggested_near_the_examples_nor_before_training():
    rng = np.random.default_rng(5)
    e = engine_with(knn_outputs(1), rng.normal(0, 0.05, (50, 2)), np.zeros((50, 1)))
    visited(e, rng.normal(0, 0.05, (300, 2)))
    assert e.suggest() is None  # every visit near an example: nothing to add
    fresh = Engine(["a", "b"], knn_outputs(1))
    visited(fresh, rng.normal(3, 0.05, (300, 2)))
    assert fresh.suggest() is None  # nothing trained: no novelty to go by


def test_suggest_counts_only_the_inputs_the_outputs_use():
    rng = np.random.default_rng(6)
    outputs = knn_outputs(1)
    outputs[0].inputs = [0]  # input 2 feeds nothing
    X = np.column_stack((rng.uniform(0, 1, 50), np.zeros(50)))
    e = engine_with(outputs, X, X[:, :1])
    visited(e, np.column_stack((rng.uniform(0, 1, 300), np.full(300, 9.0))))
    assert e.suggest() is None  # input 2 rests far away, but no output listens to it
    visited(e, np.column_stack((rng.normal(3.0, 0.01, 300), np.zeros(300))))
    found = e.suggest()
    assert found is not None and found.point[0] == pytest.approx(3.0, abs=0.05)


def test_explore_goes_where_nothing_was_heard():
    outputs = make_outputs(2)
    heard = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    point = far_point(outputs, heard, rng=random.Random(5))
    assert min(math.dist(point, h) for h in heard) > 0.6  # the corner (1, 1) or near it
    chosen = [far_point(outputs, heard, rng=random.Random(s)) for s in range(20)]
    randoms = [[random.Random(s).uniform(0, 1) for _ in range(2)] for s in range(20)]

    def nearest(points: list[list[float]]) -> float:
        return float(np.mean([min(math.dist(p, h) for h in heard) for p in points]))

    assert nearest(chosen) > nearest(randoms) + 0.2


def test_explore_remembers_what_it_proposed():
    random.seed(7)
    e = Engine(["x"], make_outputs(1))
    points = [e.explore()[0] for _ in range(8)]
    gaps = np.diff(sorted([0.0, *points, 1.0]))
    assert gaps.max() < 0.25  # spread over the range, none left far from the rest
    assert gaps[1:-1].min() > 0.03  # not piled on one another


def test_explore_heeds_examples_that_carry_only_some_outputs():
    outputs = make_outputs(2)
    # every example carries output 1 only, spread over 0..0.8: explore goes to 1.0 on it
    heard = np.column_stack((np.linspace(0, 0.8, 9), np.full(9, np.nan)))
    carried = np.column_stack((np.ones(9, dtype=bool), np.zeros(9, dtype=bool)))
    points = [far_point(outputs, heard, carried, random.Random(s))[0] for s in range(10)]
    assert min(points) > 0.85


def test_bookmarks_name_replace_find_and_delete():
    marks = Bookmarks(2)
    assert marks.keep([0.1, 0.2]).name == "sound 1"
    assert marks.keep([0.3, 0.4], "groove").name == "groove"
    assert marks.keep([0.5, 0.6]).name == "sound 2"
    marks.keep([0.7, 0.8], "groove")  # the same name: new values, same place
    assert [b.name for b in marks.items] == ["sound 1", "groove", "sound 2"]
    assert marks.find(1).values == (0.7, 0.8) and marks.find("groove ").values == (0.7, 0.8)
    assert marks.at([0.5, 0.6]).name == "sound 2" and marks.at([0.0, 0.0]) is None
    version = marks.version
    marks.delete("sound 1")
    assert marks.version > version and len(marks) == 2
    with pytest.raises(EngineError, match="no bookmark 5"):
        marks.find(4)
    with pytest.raises(EngineError, match="holds 1 values"):
        marks.keep([0.1])
    with pytest.raises(EngineError, match="not a finite number"):
        marks.keep([math.nan, 0.0])


def test_bookmarks_are_bounded():
    marks = Bookmarks(1, [])
    for i in range(MAX_BOOKMARKS):
        marks.keep([float(i)], f"b{i}")
    with pytest.raises(EngineError, match="delete some first"):
        marks.keep([0.0], "one more")


def test_a_bookmark_keeps_what_is_sounding_while_running():
    e = engine_with(knn_outputs(1), np.array([[0.0], [1.0]]), np.array([[0.2], [0.8]]))
    e.process_frame([1.0])
    assert e.keep_bookmark("top").values == (0.8,)
    e.stop_running()
    e.recall_bookmark("top")
    assert e.values == [0.8]
