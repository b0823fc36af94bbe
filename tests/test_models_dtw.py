"""The streaming DTW matcher on its own: what its costs and its following mean."""

from __future__ import annotations

import numpy as np
import pytest

from mapper.core.gestures import DEFAULT_THRESHOLD
from mapper.models.dtw import NO_MATCH, PAD, Spotter, spread


def curve(seed: int, n: int = 40, dims: int = 3) -> np.ndarray:
    """A smooth, non-repeating movement through a few random poses."""
    knots = np.random.default_rng(seed).random((5, dims))
    x = np.linspace(0, 4, n)
    return np.stack([np.interp(x, np.arange(5), knots[:, k]) for k in range(dims)], 1)


def resampled(frames: np.ndarray, n: int) -> np.ndarray:
    """The same movement in `n` frames: slower or faster."""
    x = np.linspace(0, len(frames) - 1, n)
    return np.stack([np.interp(x, np.arange(len(frames)), c) for c in frames.T], 1)


def play(spotter: Spotter, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stream `frames`; the last frame's costs and progress."""
    answers = [spotter.step(f) for f in frames]
    return answers[-1] if answers else (np.array([]), np.array([]))


def test_an_example_played_back_costs_nothing_and_others_cost_more():
    a, b = curve(1), curve(2)
    spotter = Spotter([(0, a), (1, b)], 2)
    costs, progress = play(spotter, a)
    assert costs[0] == pytest.approx(0.0, abs=1e-6)  # float rounding only
    assert costs[1] > 0.1 and progress[0] == 1.0


def test_gestures_without_examples_and_a_short_stream_read_no_match():
    spotter = Spotter([(1, curve(1))], 3)
    costs, _ = play(spotter, curve(1)[:5])  # 5 frames cannot hold 40 even 3x faster
    assert list(costs) == [NO_MATCH] * 3
    costs, _ = play(spotter, curve(1)[5:])
    assert costs[0] == NO_MATCH and costs[2] == NO_MATCH and costs[1] < 1e-6


@pytest.mark.parametrize("n", [14, 20, 40, 80, 160])
def test_slower_and_up_to_three_times_faster_is_still_the_closest(n):
    a, b = curve(1), curve(2)
    spotter = Spotter([(0, a), (1, b)], 2, scale=spread([a, b]))
    costs, _ = play(spotter, resampled(a, n))
    assert costs[1] > 3 * costs[0], costs
    if 20 <= n <= 80:  # within twice as fast or slow: a match at the default threshold
        assert costs[0] < DEFAULT_THRESHOLD, costs


def test_a_pace_kept_costs_least_and_a_pace_changed_costs_more():
    a, b = curve(1), curve(2)
    spotter = Spotter([(0, a), (1, b)], 2, scale=spread([a, b]))
    paced = {}
    for n in (14, 20, 40, 80, 160):
        spotter.reset()
        paced[n] = play(spotter, resampled(a, n))[0][0]
    assert paced[40] < 1e-6
    assert paced[20] < paced[14] and paced[80] < paced[160]  # further from its pace, more


def test_a_still_pose_never_matches_a_movement():
    a = curve(1)
    spotter = Spotter([(0, a)], 1, scale=spread([a]))
    for pose in a[::5]:  # hold any pose of the movement for as long as the movement lasts
        spotter.reset()
        costs, _ = play(spotter, np.repeat(pose[None], len(a), axis=0))
        assert costs[0] > 0.3


def test_found_wherever_it_starts_at_a_cost_that_does_not_grow_with_the_stream():
    a, b = curve(1), curve(2)
    spotter = Spotter([(0, a), (1, b)], 2, scale=spread([a, b]))
    rng = np.random.default_rng(0)
    for history in (0, 100, 2000):  # however long the stream ran before it
        spotter.reset()
        play(spotter, rng.random((history, 3)))
        costs, _ = play(spotter, b)
        assert costs[1] < 1e-6 and costs[0] > 0.1
        assert spotter.size == 2 * (40 + PAD)  # the same work each frame


def test_following_moves_forward_through_a_slow_performance():
    a = curve(1)
    spotter = Spotter([(0, a), (1, curve(2))], 2)
    seen = [float(spotter.step(f)[1][0]) for f in resampled(a, 120)]
    assert seen[0] < 0.05 and seen[-1] == 1.0
    assert seen[60] == pytest.approx(0.5, abs=0.1)  # halfway through the performance
    assert spotter.followed == 0


def test_the_inputs_chosen_are_the_only_ones_that_count():
    a = curve(1)
    moved = a + np.array([0.0, 0.0, 5.0])  # far away in the third input only
    assert play(Spotter([(0, a)], 1), moved)[0][0] > 1
    assert play(Spotter([(0, a)], 1, inputs=[0, 1]), moved)[0][0] < 1e-6


def test_spread_is_the_examples_own_scale():
    a = curve(1)
    assert spread([a * 10]) == pytest.approx(10 * spread([a]))
    assert spread([a[:1]]) == 1.0 and spread([]) == 1.0
    assert spread([np.ones((5, 3))]) == 1.0  # no spread at all: costs stay in input units


def test_a_frame_too_big_to_square_matches_nothing_and_the_stream_goes_on():
    a = curve(1)
    spotter = Spotter([(0, a)], 1, scale=spread([a]))
    play(spotter, a[:10])
    costs, _ = play(spotter, np.full((1, 3), 1.7e308))  # a double a sender may send
    assert costs[0] == NO_MATCH
    costs, _ = play(spotter, a)
    assert costs[0] < 1e-6  # nothing stuck: the next performance matches


def test_one_wild_frame_in_a_take_leaves_the_scale_alone():
    a, b = curve(1), curve(2)
    spiked = a.copy()
    spiked[7] = 1000.0
    assert spread([spiked, b]) == pytest.approx(spread([a, b]), rel=0.2)
    spotter = Spotter([(0, spiked), (1, b)], 2, scale=None)
    costs, _ = play(spotter, np.repeat(a[20:21], 40, axis=0))  # standing still, mid-gesture
    assert costs.min() > DEFAULT_THRESHOLD


def test_a_long_take_costs_its_own_frames_not_every_take_s():
    short = [(k % 3, curve(k)) for k in range(10)]
    long = [(0, resampled(curve(99), 4000))]
    assert Spotter(short + long, 3).size == sum(len(f) + PAD for _, f in short + long)
