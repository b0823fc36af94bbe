"""Temporal gestures over real UDP: Wekinator's DTW recording and running, and ours.

A gesture set of three 2-D shapes (a circle, a diagonal line, a zigzag) is taught by takes sent
as a Wekinator DTW sender would, then performed while running: every frame answers one
/wek/outputs with a cost per gesture, and /<set>_<k> says which gesture was just matched.
"""

from __future__ import annotations

import itertools
import socket
from collections.abc import Iterator, Sequence

import numpy as np
import pytest

from mapper.core.engine import Engine
from mapper.core.gestures import GestureSet
from mapper.core.outputs import make_outputs
from mapper.models.dtw import NO_MATCH
from mapper.osc.codec import encode_message
from tests.conftest import Message, Receiver, Rig, wait_for
from tests.test_headless import Headless, headless  # noqa: F401 (a fixture)

FRAMES = 30


def circle(n: int = FRAMES) -> np.ndarray:
    t = np.linspace(0, 1, n)
    return np.stack([0.5 + 0.4 * np.cos(2 * np.pi * t), 0.5 + 0.4 * np.sin(2 * np.pi * t)], 1)


def line(n: int = FRAMES) -> np.ndarray:
    t = np.linspace(0, 1, n)
    return np.stack([0.1 + 0.8 * t, 0.1 + 0.8 * t], 1)


def zigzag(n: int = FRAMES) -> np.ndarray:
    t = np.linspace(0, 1, n)
    return np.stack([0.1 + 0.8 * t, 0.5 + 0.4 * np.sign(np.sin(6 * np.pi * t)) * (t > 0)], 1)


SHAPES = (circle, line, zigzag)


@pytest.fixture
def rig(receiver: Receiver) -> Iterator[Rig]:
    r = Rig(Engine(["x", "y"], [], [GestureSet("output", 3)]), receiver)
    yield r
    r.server.close()


def take(rig: Rig, gesture: int, frames: np.ndarray) -> None:
    """One take of `gesture` (1-based), as a Wekinator DTW sender records it."""
    rig.control("startDtwRecording", gesture)
    for f in frames:
        rig.send("/wek/inputs", *map(float, f))
    rig.control("stopDtwRecording")
    rig.sync()


def teach(rig: Rig, seed: int = 0) -> None:
    """Two takes of each shape, each a little different (speed and a wobble)."""
    rng = np.random.default_rng(seed)
    for k, shape in enumerate(SHAPES):
        for n in (FRAMES, FRAMES + 6):
            take(rig, k + 1, shape(n) + rng.normal(0, 0.01, (n, 2)))


def perform(rig: Rig, frames: Sequence[Sequence[float]], after: int = 1) -> list[Message]:
    """Send frames while running, then the last one `after` times more (a sensor goes on
    sending where the movement ended: a match is said once its cost stops falling); every
    message that came back, in order."""
    got: list[Message] = []
    for f in [*frames, *[frames[-1]] * (after if len(frames) else 0)]:
        rig.send("/wek/inputs", *map(float, f))
        for _ in range(10):  # the frame's match and progress messages, then its outputs
            msg = rig.receiver.get()
            got.append(msg)
            if msg[0] == "/wek/outputs":
                break
    return got


def matches(got: list[Message]) -> list[str]:
    return [m[0] for m in got if m[0].startswith("/output_")]


def costs(got: list[Message]) -> list[tuple[float, ...]]:
    return [m[2] for m in got if m[0] == "/wek/outputs"]


def test_each_take_is_one_example_and_the_set_plays_without_training(rig):
    take(rig, 1, circle())
    take(rig, 1, circle(40))
    take(rig, 2, line())
    assert rig.engine.gestures.counts() == [2, 1, 0]
    rig.control("train")  # a Wekinator sender may still ask: it is answered
    rig.receiver.get_address("/wekinator/status/done-training")
    rig.control("startRunning")
    address, tags, values = perform(rig, [[0.5, 0.5]])[-1]
    assert (address, tags) == ("/wek/outputs", "fff")  # one float per gesture
    assert values[2] == pytest.approx(NO_MATCH, rel=1e-6)  # gesture 3 has no take


def test_a_performed_gesture_is_matched_once_and_has_the_lowest_cost(rig):
    teach(rig)
    rig.control("startRunning")
    rig.receiver.drain()
    got = perform(rig, [[0.9, 0.1]] * 5 + circle(33).tolist())
    assert matches(got) == ["/output_1"]
    match = next(m for m in got if m[0] == "/output_1")
    assert match[1:] == ("", ())  # Wekinator's match message: no arguments
    last = costs(got)[-1]
    assert min(range(3), key=lambda k: last[k]) == 0
    got = perform(rig, line(33).tolist())
    assert matches(got) == ["/output_2"]
    got = perform(rig, zigzag(27).tolist())
    assert matches(got) == ["/output_3"]


def test_start_running_clears_the_history(rig):
    teach(rig)
    rig.control("startRunning")
    rig.receiver.drain()
    assert matches(perform(rig, circle().tolist())) == ["/output_1"]
    held = perform(rig, [circle()[-1]] * 3)  # still at the circle's end: no new match
    assert matches(held) == []
    rig.control("startRunning")
    rig.sync()
    first = costs(perform(rig, [circle()[-1]]))[0]
    assert all(c == pytest.approx(NO_MATCH, rel=1e-6) for c in first)  # nothing remembered
    assert matches(perform(rig, circle().tolist())) == ["/output_1"]  # matched again


def test_the_threshold_decides_what_matches(rig, receiver):
    teach(rig)
    rig.send("/mapper/control/setDtwThreshold", 0.0)
    rig.control("startRunning")
    rig.sync()
    got = perform(rig, circle().tolist())
    assert matches(got) == [] and min(costs(got)[-1]) < 0.5  # close, yet under no threshold
    rig.send("/mapper/control/setDtwThreshold", 1, 0.5)  # set 1, by number
    rig.sync()
    assert rig.engine.gestures.sets[0].threshold == 0.5
    rig.control("startRunning")
    assert matches(perform(rig, circle().tolist())) == ["/output_1"]
    errors = rig.engine.counters.control_errors
    for bad in ([-1.0], [2, 0.5], ["high"], [1, 2, 3]):
        rig.send("/mapper/control/setDtwThreshold", *bad)
    rig.sync()
    assert rig.engine.counters.control_errors == errors + 4
    assert rig.engine.gestures.sets[0].threshold == 0.5


def test_deletes_per_gesture_and_for_all(rig):
    teach(rig)
    rig.control("deleteExamplesForOutput", 2)  # Wekinator's: the gesture at that place
    rig.sync()
    assert rig.engine.gestures.counts() == [2, 0, 2]
    rig.send("/mapper/control/deleteDtwExamples", 3)
    rig.sync()
    assert rig.engine.gestures.counts() == [2, 0, 0]
    first = rig.engine.gestures.takes[0].id
    rig.send("/mapper/control/deleteDtwTake", first)
    rig.sync()
    assert rig.engine.gestures.counts() == [1, 0, 0]
    rig.control("deleteAllExamples")
    rig.sync()
    assert rig.engine.gestures.counts() == [0, 0, 0]
    rig.control("startRunning")
    rig.receiver.drain()
    got = perform(rig, circle().tolist())
    assert matches(got) == [] and costs(got)[-1][0] == pytest.approx(NO_MATCH, rel=1e-6)


def test_a_gesture_is_spotted_wherever_it_starts_in_the_stream(rig):
    teach(rig)
    rig.control("startRunning")
    rig.receiver.drain()
    rng = np.random.default_rng(3)
    wander = 0.5 + np.cumsum(rng.normal(0, 0.01, (150, 2)), axis=0)  # a hand drifting about
    before, after = wander[:100], wander[100:] - wander[100] + line(45)[-1]
    got_before = perform(rig, before.tolist())
    got_gesture = perform(rig, line(45).tolist())  # performed slower than taught, mid-stream
    perform(rig, after.tolist())
    assert matches(got_before) == []
    assert matches(got_gesture) == ["/output_2"]


def test_progress_moves_through_a_slow_performance(rig):
    teach(rig)
    rig.send("/mapper/control/enableDtwProgress")
    rig.control("startRunning")
    rig.receiver.drain()
    slow = line(90).tolist()  # three times slower than taught
    got = perform(rig, [[0.9, 0.1]] * 3 + slow, after=0)
    progress = [m[2][1] for m in got if m[0] == "/mapper/dtw/progress"][3:]
    assert len(progress) == 90
    assert progress[0] < 0.1 and progress[-1] > 0.95
    assert all(b >= a for a, b in itertools.pairwise(progress)), progress
    rig.send("/mapper/control/disableDtwProgress")
    rig.sync()
    assert not any(m[0] == "/mapper/dtw/progress" for m in perform(rig, line().tolist()))


def test_inputs_chosen_per_set(rig):
    take(rig, 1, circle())
    rig.send("/mapper/control/selectDtwInputs", 1, 1)  # set 1 hears input 1 only
    rig.sync()
    assert rig.engine.gestures.sets[0].inputs == [0]
    rig.control("startRunning")
    rig.receiver.drain()
    other_y = circle() * [1, 0] + [0, 0.9]  # the same x, a very different y
    assert matches(perform(rig, other_y.tolist())) == ["/output_1"]


def test_gestures_beside_continuous_outputs(receiver):
    outputs = make_outputs(1)
    r = Rig(Engine(["x", "y"], outputs, [GestureSet("g", 2)]), receiver)
    try:
        r.control("outputs", 0.25)
        r.receiver.get_address("/wek/outputs")
        take(r, 2, line())
        r.control("startRunning")
        r.receiver.drain()
        got = perform(r, line().tolist())
        _, tags, values = [m for m in got if m[0] == "/wek/outputs"][-1]
        assert tags == "fff"  # the output's value first, then one cost per gesture
        assert values[0] == pytest.approx(0.25) and values[1] == pytest.approx(NO_MATCH, 1e-6)
        assert values[2] < 0.5
        assert [m[0] for m in got if m[0].startswith("/g_")] == ["/g_2"]
        r.control("deleteExamplesForOutput", 3)  # its place on the wire: gesture 2
        wait_for(lambda: r.engine.gestures.counts() == [0, 0])
    finally:
        r.server.close()


def test_a_take_while_running_stops_running_and_bad_numbers_are_refused(rig):
    rig.control("startRunning")
    rig.sync()
    errors = rig.engine.counters.control_errors
    for bad in (0, 4, 1.5, "one"):
        rig.control("startDtwRecording", bad)
    rig.sync()
    assert rig.engine.counters.control_errors == errors + 4
    take(rig, 1, circle())
    assert rig.engine.mode.value == "idle" and rig.engine.gestures.counts() == [1, 0, 0]
    take(rig, 2, circle()[:1])  # one frame is not a gesture: dropped, and said
    assert rig.engine.gestures.counts() == [1, 0, 0]


def test_headless_dtw_as_a_wekinator_user_starts_it(headless, receiver):  # noqa: F811
    h: Headless = headless("--inputs", "2", "--type", "dtw", "--gestures", "3")
    assert "(/wek/outputs, 3 gesture costs)" in h.lines[0]
    for k, shape in enumerate(SHAPES):
        h.control("startDtwRecording", k + 1)
        for f in shape():
            h.client.send_message("/wek/inputs", [float(v) for v in f])
        h.control("stopDtwRecording")
    h.wait_for_line("gesture takes 3")
    h.control("startRunning")
    h.wait_for_line("running")
    receiver.drain()
    for f in [*line(), line()[-1]]:  # and the sensor goes on: the gesture has ended
        h.client.send_message("/wek/inputs", [float(v) for v in f])
    assert receiver.get_address("/output_2")[1:] == ("", ())
    h.wait_for_line("matched output_2")
    code, out, _ = h.stop()
    assert code == 0 and "3 gesture takes were not saved" in out


def test_headless_gestures_beside_outputs(headless):  # noqa: F811
    h = headless("--inputs", "2", "--outputs", "2", "--gestures", "4")
    assert "(/wek/outputs, 2 outputs + 4 gesture costs)" in h.lines[0]
    h.stop()


def test_recording_outputs_during_a_take_keeps_the_take_and_records_apart(receiver):
    r = Rig(Engine(["x", "y"], make_outputs(1), [GestureSet("g", 2)]), receiver)
    try:
        r.control("startDtwRecording", 1)
        for f in circle():
            r.send("/wek/inputs", *map(float, f))
        r.sync()
        assert r.engine.gestures.taking_frames == FRAMES
        r.control("startRecording")  # the take ends here, kept, and outputs record from now
        r.send("/wek/inputs", 0.5, 0.5)
        r.control("stopRecording")
        r.sync()
        assert r.engine.gestures.counts() == [1, 0] and r.engine.gestures.taking == -1
        assert len(r.engine.examples) == 1 and r.engine.gestures.takes[0].frames.shape == (30, 2)
    finally:
        r.server.close()


def test_the_same_gesture_twice_is_said_twice(rig):
    teach(rig)
    rig.control("startRunning")
    rig.receiver.drain()
    got = perform(rig, [*circle().tolist(), *([[0.5, 0.5]] * 10), *circle().tolist()])
    assert matches(got) == ["/output_1", "/output_1"]


def test_two_similar_gestures_say_one_match_per_performance(receiver):
    r = Rig(Engine(["x", "y"], [], [GestureSet("output", 2)]), receiver)
    try:
        bent = line() + np.stack(
            [np.zeros(FRAMES), 0.08 * np.sin(np.linspace(0, np.pi, FRAMES))], 1
        )
        take(r, 1, line())
        take(r, 2, bent)
        r.control("startRunning")
        r.receiver.drain()
        between = (line() + bent) / 2  # as close to one as to the other
        for _ in range(3):
            got = perform(r, [[0.9, 0.1]] * 5 + between.tolist())
            assert len(matches(got)) <= 1, matches(got)
    finally:
        r.server.close()


def test_a_frame_too_big_for_any_sensor_spoils_nothing(rig):
    teach(rig)
    rig.control("startRunning")
    rig.receiver.drain()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:  # doubles: finite, accepted
        s.sendto(encode_message("/wek/inputs", [1.7e308, 1.7e308], "dd"), rig.server.address)
    rig.receiver.get_address("/wek/outputs")
    assert matches(perform(rig, circle().tolist())) == ["/output_1"]


def test_a_wild_frame_in_a_take_does_not_make_standing_still_a_match(rig):
    spiked = circle()
    spiked[12] = [1000.0, 1000.0]  # a sensor glitch while teaching
    take(rig, 1, spiked)
    take(rig, 2, line())
    rig.control("startRunning")
    rig.receiver.drain()
    got = perform(rig, [[0.5, 0.5]] * 60)  # standing still, away from every gesture's start
    assert matches(got) == []


def test_a_match_is_said_when_the_gesture_ends_not_partway(rig):
    teach(rig)
    rig.control("startRunning")
    rig.receiver.drain()
    got = perform(rig, [[0.9, 0.1]] * 5 + line(33).tolist(), after=3)
    frames = [m[0] for m in got if m[0] in ("/wek/outputs", "/output_2")]
    said = frames.index("/output_2")
    assert frames[:said].count("/wek/outputs") >= 5 + 30  # at its end, not partway
