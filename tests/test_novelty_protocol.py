"""Know where you are, over real UDP: novelty, hold when novel, uncertainty, "record here
next", explore and bookmarks, each address as a Max or Pd patch would use it.

Two poses are taught on two inputs (around (0.2, 0.2) and (0.8, 0.8)), each held for 40
frames with a little sensor jitter, with the outputs set to (0.1, 0.9) and (0.9, 0.1).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterator

import numpy as np
import pytest

from mapper.core.engine import Engine
from mapper.core.hold import GLIDE
from mapper.core.outputs import make_outputs
from tests.conftest import Message, Receiver, Rig, wait_for
from tests.test_headless import Headless, headless  # noqa: F401 (a fixture)

NEAR = (0.2, 0.2)
FAR = (3.0, 3.0)
BETWEEN = (0.5, 0.5)
POSES = (((0.2, 0.2), [0.1, 0.9]), ((0.8, 0.8), [0.9, 0.1]))


def ours(rig: Rig, name: str, *args: object) -> None:
    rig.send(f"/mapper/control/{name}", *args)


def teach(rig: Rig) -> None:
    rng = np.random.default_rng(1)
    for pose, values in POSES:
        rig.record(values, [list(np.add(pose, rng.normal(0, 0.01, 2))) for _ in range(40)])
    rig.train()


@pytest.fixture
def rig(receiver: Receiver) -> Iterator[Rig]:
    outputs = make_outputs(2)
    outputs[0].model = {"type": "knn", "k": 3}
    outputs[1].model = {"type": "linear"}
    r = Rig(Engine(["x", "y"], outputs), receiver)
    teach(r)
    yield r
    r.server.close()


def frame_and_novelty(rig: Rig, values: tuple[float, ...]) -> tuple[Message, Message]:
    """One frame while running: its /wek/outputs and the /mapper/novelty right after it."""
    rig.send("/wek/inputs", *values)
    outputs = rig.receiver.get()
    novelty = rig.receiver.get()
    assert outputs[0] == "/wek/outputs" and novelty[0] == "/mapper/novelty"
    return outputs, novelty


def test_each_output_message_is_followed_by_the_frames_novelty(rig):
    ours(rig, "enableNovelty")
    rig.control("startRunning")
    rig.sync()
    rig.receiver.drain()
    _, near = frame_and_novelty(rig, NEAR)
    _, between = frame_and_novelty(rig, BETWEEN)
    _, far = frame_and_novelty(rig, FAR)
    assert near[1] == "f"  # one float
    assert near[2][0] < 0.1 < between[2][0] < far[2][0]
    assert far[2][0] > 2  # far outside what was taught: several times the examples' spread
    ours(rig, "disableNovelty")
    rig.sync()
    rig.receiver.drain()
    rig.send("/wek/inputs", *FAR)
    rig.send("/wek/inputs", *NEAR)
    assert [rig.receiver.get()[0] for _ in range(2)] == ["/wek/outputs", "/wek/outputs"]


def test_novelty_grows_as_the_input_moves_away_from_a_pose(rig):
    ours(rig, "enableNovelty")
    rig.control("startRunning")
    rig.sync()
    rig.receiver.drain()
    steps = [
        frame_and_novelty(rig, (0.8 + d, 0.8 + 0.5 * d))[1][2][0] for d in np.linspace(0.05, 2, 12)
    ]
    assert all(b >= a for a, b in itertools.pairwise(steps))
    assert steps[-1] > 5 * steps[0]


def test_novelty_on_request_without_running(rig):
    rig.send("/wek/inputs", *FAR)  # not running: the frame is only shown
    ours(rig, "novelty")
    _, tags, (value,) = rig.receiver.get_address("/mapper/novelty")
    assert tags == "f" and value > 2


def test_hold_keeps_the_outputs_while_novel_and_glides_back(rig):
    ours(rig, "setNoveltyHold", 1.0)
    rig.control("startRunning")
    rig.sync()
    rig.receiver.drain()
    before = rig.frame(0.8, 0.8)[2]  # the second pose: output 1 near 0.9
    held = [rig.frame(*FAR)[2] for _ in range(3)]
    assert all(h == pytest.approx(before) for h in held)  # kept where it was, not thrown
    assert rig.engine.held == [True, True]
    back = rig.frame(*NEAR)[2]
    assert back == pytest.approx(before)  # the glide starts where the outputs were held
    assert rig.engine.held == [False, False]
    target = pytest.approx([0.1, 0.9], abs=0.05)
    latest = back
    for _ in range(200):  # the glide ends within GLIDE seconds; bounded either way
        latest = rig.frame(*NEAR)[2]
        if latest == target:
            break
        time.sleep(GLIDE / 20)
    assert latest == target
    ours(rig, "setNoveltyHold", 0)
    rig.sync()
    assert rig.frame(*FAR)[2] != pytest.approx(before)  # off: the models play out there


@pytest.mark.parametrize("bad", [-1.0, "high", 1e9])
def test_a_bad_hold_threshold_is_refused_and_changes_nothing(rig, bad):
    ours(rig, "setNoveltyHold", 2.0)
    ours(rig, "setNoveltyHold", bad)
    rig.sync()
    assert rig.engine.novelty_hold == 2.0
    assert rig.engine.counters.control_errors == 1
    assert "setNoveltyHold" in rig.engine.counters.last_control_error


def test_uncertainty_on_request_per_output(rig):
    rig.send("/wek/inputs", *NEAR)
    ours(rig, "uncertainty")
    _, tags, near = rig.receiver.get_address("/mapper/uncertainty")
    assert tags == "ff"
    assert near[0] == pytest.approx(0.0, abs=1e-6)  # every neighbour agrees
    assert near[1] == -1.0  # a linear model gives no measure
    rig.send("/wek/inputs", *BETWEEN)
    ours(rig, "uncertainty")
    between = rig.receiver.get_address("/mapper/uncertainty")[2]
    assert between[0] > 0.2  # neighbours from both poses: 0.1 and 0.9 disagree


def visit(rig: Rig, place: tuple[float, float], kept: int) -> None:
    """Play around `place` until the engine has kept `kept` visits (one every 20 ms)."""
    rng = np.random.default_rng(2)
    wait_for(
        lambda: (
            rig.send("/wek/inputs", *map(float, np.add(place, rng.normal(0, 0.01, 2)))) is None
            and len(rig.engine.visits) >= kept
        ),
        timeout=10,
    )
    rig.sync()  # every frame handled, its outputs sent: drop them, so a reply is next
    rig.receiver.drain()


def test_suggest_points_where_the_performer_goes_that_was_never_taught(rig):
    rig.control("startRunning")
    visit(rig, NEAR, 10)
    ours(rig, "suggest")
    assert rig.receiver.get_address("/mapper/suggestion")[1:] == ("", ())  # all near: nothing
    visit(rig, (0.2, 0.9), 40)  # a third place, visited often, never recorded
    ours(rig, "suggest")
    _, tags, point = rig.receiver.get_address("/mapper/suggestion")
    assert tags == "ff"
    assert point == pytest.approx((0.2, 0.9), abs=0.05)


def test_explore_sends_a_point_far_from_every_recorded_one(rig):
    rig.receiver.drain()
    ours(rig, "explore")
    values = rig.receiver.get_address("/wek/outputs")[2]
    recorded = [v for _, v in POSES]
    assert min(math.dist(values, r) for r in recorded) > 0.5
    assert rig.engine.values == pytest.approx(values)


def test_bookmarks_keep_list_recall_and_delete(rig):
    rig.control("outputs", 0.25, 0.75)
    rig.receiver.get_address("/wek/outputs")
    ours(rig, "bookmark", "calm")
    assert rig.receiver.get_address("/mapper/bookmark")[1:] == ("isff", (1, "calm", 0.25, 0.75))
    rig.control("outputs", 0.5, 0.0)
    ours(rig, "bookmark")  # no name: the first free "sound N"
    assert rig.receiver.get_address("/mapper/bookmark")[2][:2] == (2, "sound 1")
    ours(rig, "recall", "calm")
    assert rig.receiver.get_address("/wek/outputs")[2] == pytest.approx((0.25, 0.75))
    ours(rig, "recall", 2)
    assert rig.receiver.get_address("/wek/outputs")[2] == pytest.approx((0.5, 0.0))
    ours(rig, "recall", "1")  # a number sent as a symbol, as Pd does
    assert rig.receiver.get_address("/wek/outputs")[2] == pytest.approx((0.25, 0.75))
    ours(rig, "listBookmarks")
    assert rig.receiver.get_address("/mapper/bookmarks")[2] == (2,)
    assert rig.receiver.get()[2][:2] == (1, "calm")
    assert rig.receiver.get()[2][:2] == (2, "sound 1")
    ours(rig, "deleteBookmark", "calm")
    ours(rig, "recall", "calm")
    rig.sync()
    assert [b.name for b in rig.engine.bookmarks.items] == ["sound 1"]
    assert "no bookmark named 'calm'" in rig.engine.counters.last_control_error


def test_recording_against_a_recalled_bookmark_teaches_its_point(rig):
    rig.control("outputs", 0.3, 0.3)
    ours(rig, "bookmark", "third")
    rig.control("outputs", 0.0, 0.0)
    ours(rig, "recall", "third")
    rig.receiver.drain()
    rig.record([0.3, 0.3], [[0.2, 0.9]] * 20)  # record() sets the same values first
    ours(rig, "recall", "third")
    rig.control("startRecording")
    rig.send("/wek/inputs", 0.25, 0.95)
    rig.control("stopRecording")
    rig.sync()
    snap = rig.engine.examples.snapshot()
    assert snap.outputs[-1] == pytest.approx([0.3, 0.3])


@pytest.mark.parametrize(
    "name, args, says",
    [
        ("bookmark", [1.5], "a bookmark's name is a string"),
        ("bookmark", ["a", "b"], "bookmark takes no argument, or one name"),
        ("bookmark", ["line\nbreak"], "control character"),
        ("recall", [], "recall takes one bookmark"),
        ("recall", [7], "no bookmark 7"),
        ("deleteBookmark", ["nope"], "no bookmark named 'nope'"),
        ("uncertainty", [1], "uncertainty takes no arguments"),
    ],
)
def test_bad_requests_are_refused_in_one_line(rig, name, args, says):
    ours(rig, name, *args)
    rig.sync()
    assert rig.engine.counters.control_errors == 1
    assert says in rig.engine.counters.last_control_error


def test_headless_sends_novelty_and_holds(headless, receiver):  # noqa: F811
    h: Headless = headless("--inputs", "2", "--outputs", "1")
    h.client.send_message("/wekinator/control/outputs", [0.7])
    h.control("startRecording")
    for i in range(30):
        h.client.send_message("/wek/inputs", [0.5 + 0.001 * i, 0.5])
    h.control("stopRecording")
    h.control("train")
    receiver.get_address("/wekinator/status/done-training", timeout=30)
    h.client.send_message("/mapper/control/enableNovelty", [])
    h.client.send_message("/mapper/control/setNoveltyHold", [2.0])
    h.control("startRunning")
    h.wait_for_line("running")
    receiver.drain()
    h.client.send_message("/wek/inputs", [9.0, 9.0])
    assert receiver.get_address("/mapper/novelty")[2][0] > 2
    h.wait_for_line("held")
    h.stop()
