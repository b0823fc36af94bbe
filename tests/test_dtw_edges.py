"""Temporal gestures at their edges: a take under way when the instrument stops, outputs held
beside gesture costs, a project full of takes, thresholds that cannot work."""

from __future__ import annotations

import signal

import numpy as np
import pytest

from mapper.core import gestures as gestures_module
from mapper.core.engine import Engine, EngineError, Mode
from mapper.core.gestures import GestureSet
from mapper.core.outputs import Output
from mapper.project import load_project
from tests.test_dtw_protocol import circle, line
from tests.test_headless import headless  # noqa: F401 (a fixture)


def test_a_take_under_way_is_kept_when_the_instrument_stops(tmp_path, headless):  # noqa: F811
    folder = tmp_path / "strokes"
    h = headless(str(folder), "--inputs", "2", "--type", "dtw", "--gestures", "2")
    h.control("startDtwRecording", 2)
    for f in line():
        h.client.send_message("/wek/inputs", [float(v) for v in f])
    h.wait_for_line("recording gesture 2")
    code, out, _ = h.stop(signal.SIGINT)  # the performer quits mid-take
    assert code == 0 and "1 gesture takes" in out
    project, _ = load_project(folder)
    assert [(t.gesture, len(t.frames)) for t in project.takes] == [(1, 30)]


def test_an_output_a_model_cannot_play_holds_its_own_last_value_beside_gestures():
    engine = Engine(["x", "y"], [Output("level", model={"type": "linear"})], [GestureSet("g", 2)])
    for value, pose in ((0.2, [0.0, 0.0]), (0.8, [1.0, 1.0])):
        engine.set_values([value], send=False)
        engine.start_recording()
        for k in range(10):
            engine.process_frame([p + 0.01 * k for p in pose])
        engine.stop_recording()
    engine.set_values([0.5], send=False)  # the slider somewhere else
    engine.train()
    assert engine.wait_for_training(10)
    sent: list[list[float]] = []
    engine.add_output_sink(sent.append)
    engine.start_running()
    engine.process_frame([0.9, 0.9])
    played = sent[-1][0]
    engine.process_frame([1e300, -1e300])  # beyond anything taught: the model gives no value
    assert sent[-1][0] == played != 0.5 and len(sent[-1]) == 3


def test_a_project_full_of_takes_refuses_the_next_before_it_starts(monkeypatch):
    monkeypatch.setattr(gestures_module, "MAX_FRAMES_IN_ALL", 70)
    engine = Engine(["x", "y"], [], [GestureSet("g", 2)])
    engine.start_gesture_recording(0)
    for f in circle():
        engine.process_frame(list(f))
    engine.stop_gesture_recording()
    engine.start_gesture_recording(1)  # 40 frames of room left
    for f in np.concatenate([line(), line()]):
        engine.process_frame(list(f))
    assert engine.mode is Mode.IDLE  # stopped by itself when the room ran out, kept
    assert [len(t.frames) for t in engine.gestures.takes] == [30, 40]
    with pytest.raises(EngineError, match="as many gesture takes as it may"):
        engine.start_gesture_recording(0)
    assert engine.mode is Mode.IDLE


@pytest.mark.parametrize("threshold", [-0.1, 1001.0, float("nan"), float("inf"), True])
def test_a_threshold_that_cannot_work_is_refused(threshold):
    engine = Engine(["x"], [], [GestureSet("g", 2)])
    with pytest.raises(EngineError, match="threshold"):
        engine.set_dtw_threshold(threshold)
    assert engine.gestures.sets[0].threshold == gestures_module.DEFAULT_THRESHOLD


def test_the_highest_threshold_never_matches_a_gesture_with_no_take():
    engine = Engine(["x"], [], [GestureSet("g", 2)])
    said: list[str] = []
    engine.add_message_sink(lambda address, values: said.append(address))
    engine.set_dtw_threshold(gestures_module.MAX_THRESHOLD)
    engine.start_running()
    for x in np.linspace(0, 1, 20):
        engine.process_frame([float(x)])
    assert said == []
