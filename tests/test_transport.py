"""Count-in, timed takes, glide (output smoothing), round undo/redo, limits and classes,
evaluation and kNN neighbours: the engine features the TUI's keys and /mapper/control/... use."""

from __future__ import annotations

import time

import pytest

from mapper.core.engine import Engine, EngineError, Mode
from mapper.core.outputs import Output, make_outputs
from tests.conftest import wait_for


def test_a_take_counts_in_then_records_then_stops_by_itself(make_rig):
    rig = make_rig(n_inputs=2, outputs=make_outputs(1))
    rig.send("/mapper/control/setCountIn", 0.3)
    rig.send("/mapper/control/setRecordFor", 0.4)
    rig.send("/mapper/control/record")
    rig.sync()
    assert rig.engine.mode is Mode.COUNT_IN
    rig.send("/wek/inputs", 0.1, 0.2)  # during the count-in: shown, not recorded
    rig.sync()
    assert len(rig.engine.examples) == 0
    wait_for(lambda: rig.engine.mode is Mode.RECORDING, timeout=2)
    rig.send("/wek/inputs", 0.3, 0.4)
    rig.sync()
    assert len(rig.engine.examples) == 1
    started = time.monotonic()
    wait_for(lambda: rig.engine.mode is Mode.IDLE, timeout=2)
    assert 0.2 < time.monotonic() - started < 1.0
    rig.send("/wek/inputs", 0.5, 0.6)  # after the take: not recorded
    rig.sync()
    assert len(rig.engine.examples) == 1


def test_stopping_during_the_count_in_records_nothing():
    engine = Engine(["x"], make_outputs(1))
    engine.set_transport(count_in=0.2)
    engine.record_take()
    engine.stop_recording()
    time.sleep(0.35)
    assert engine.mode is Mode.IDLE
    engine.process_frame([0.5])
    assert len(engine.examples) == 0


def test_transport_settings_are_checked_and_named():
    engine = Engine(["x"], make_outputs(1))
    with pytest.raises(EngineError, match=r"count_in must be 0\.\.60"):
        engine.set_transport(count_in=-1)
    with pytest.raises(EngineError, match="smoothing"):
        engine.set_transport(smoothing=float("nan"))


def trained_knn(values_by_pose: dict[float, float], glide: float = 0.0) -> tuple[Engine, list]:
    engine = Engine(["x"], [Output("level", model={"type": "knn", "k": 1})])
    for pose, value in values_by_pose.items():
        engine.set_values([value], send=False)
        engine.start_recording()
        engine.process_frame([pose])
        engine.stop_recording()
    engine.train()
    assert engine.wait_for_training(10)
    engine.set_transport(smoothing=glide)
    sent: list[list[float]] = []
    engine.add_output_sink(sent.append)
    engine.start_running()
    return engine, sent


def test_glide_smooths_a_jump_over_about_its_time():
    engine, sent = trained_knn({0.0: 0.0, 1.0: 1.0}, glide=0.1)
    engine.process_frame([0.0])
    assert sent[-1] == [0.0]
    time.sleep(0.02)
    engine.process_frame([1.0])  # the target jumps to 1; the output glides towards it
    first = sent[-1][0]
    assert 0.05 < first < 0.5
    time.sleep(0.3)
    engine.process_frame([1.0])  # three time constants later: nearly there
    assert sent[-1][0] > 0.9


@pytest.mark.parametrize("before", [0.0, 0.1])
def test_a_new_glide_time_glides_the_next_jump_too(before):
    """Changing the glide while running (g in the TUI) keeps gliding from where the output is:
    the next jump is smoothed by the new time, not sent straight to its target."""
    engine, sent = trained_knn({0.0: 0.0, 1.0: 1.0}, glide=before)
    engine.process_frame([0.0])
    time.sleep(0.3)
    engine.process_frame([0.0])  # settled at 0
    engine.set_transport(smoothing=0.5)
    time.sleep(0.02)
    engine.process_frame([1.0])  # the target jumps to 1
    assert 0.0 < sent[-1][0] < 0.3


def test_without_glide_the_output_jumps():
    engine, sent = trained_knn({0.0: 0.0, 1.0: 1.0})
    engine.process_frame([0.0])
    engine.process_frame([1.0])
    assert sent[-1] == [1.0]


def test_last_round_deleted_and_put_back_over_osc(make_rig):
    rig = make_rig(n_inputs=1, outputs=make_outputs(1))
    rig.record([0.2], [[0.1]] * 3)
    rig.record([0.8], [[0.9]] * 4)
    rig.send("/mapper/control/deleteLastRound")
    rig.sync()
    assert rig.engine.examples.snapshot().rounds.tolist() == [1, 1, 1]
    rig.send("/mapper/control/restoreRound")
    rig.sync()
    assert rig.engine.examples.snapshot().rounds.tolist() == [1, 1, 1, 2, 2, 2, 2]
    rig.send("/mapper/control/deleteExample", 2, 4)  # round 2, its 4th row
    rig.sync()
    assert len(rig.engine.examples) == 6


def test_limits_and_classes_change_over_osc(make_rig):
    outputs = [Output("cutoff"), Output("pose", kind="classifier", classes=2)]
    rig = make_rig(n_inputs=1, outputs=outputs)
    rig.send("/mapper/control/setLimits", 1, 20.0, 2000.0, 1)
    rig.send("/mapper/control/setClasses", 2, 4)
    rig.sync()
    assert (outputs[0].min, outputs[0].max, outputs[0].hard_limits) == (20.0, 2000.0, True)
    assert outputs[1].classes == 4
    rig.record([100.0, 4.0], [[0.5]])
    rig.send("/mapper/control/setClasses", 2, 3)  # class 4 is in use: refused, said why
    rig.sync()
    assert outputs[1].classes == 4
    assert "class 4 is in use" in rig.engine.counters.last_control_error


def test_evaluate_replies_with_accuracy_and_rms_error(make_rig):
    outputs = [Output("level", model={"type": "knn", "k": 1}), Output("pose", kind="classifier")]
    rig = make_rig(n_inputs=1, outputs=outputs)
    rig.record([0.2, 1.0], [[0.1 + 0.01 * k] for k in range(10)])
    rig.record([0.8, 2.0], [[0.9 + 0.01 * k] for k in range(10)])
    rig.send("/mapper/control/evaluate")
    replies = {}
    for _ in range(2):
        _, _, args = rig.receiver.get_address("/mapper/evaluation", timeout=30)
        replies[int(args[0])] = args
    assert replies[1][1] == pytest.approx(0.0, abs=1e-6)  # RMS error: poses well apart
    assert replies[2][1] == pytest.approx(1.0)  # accuracy
    assert replies[1][2:] == (20.0, 5.0)  # examples, folds


def test_evaluation_of_a_bad_mapping_shows_it():
    engine = Engine(["x"], [Output("pose", kind="classifier", classes=2)])
    for k in range(20):  # labels alternate on the same input: nothing to learn
        engine.set_values([1.0 + k % 2], send=False)
        engine.start_recording()
        engine.process_frame([0.5])
        engine.stop_recording()
    result = engine.evaluate(0)
    assert result.value <= 0.6
    assert "accuracy" in result.text()


def test_nearest_names_the_rounds_and_rows_a_knn_output_follows(make_rig):
    rig = make_rig(n_inputs=1, outputs=[Output("level", model={"type": "knn", "k": 3})])
    rig.record([0.2], [[0.10], [0.11], [0.12]])
    rig.record([0.8], [[0.90], [0.91]])
    rig.train()
    rig.control("startRunning")
    rig.frame(0.905)
    nearest = rig.engine.nearest(0)
    assert [(n.round, n.row) for n in nearest[:2]] == [(2, 1), (2, 2)]
    assert [n.round for n in nearest] == [2, 2, 1]
    assert sum(n.share for n in nearest) == pytest.approx(1.0)
    rig.send("/mapper/control/nearest", 1)
    _, _, args = rig.receiver.get_address("/mapper/nearest")
    assert args[:4] == pytest.approx((1.0, 2.0, 1.0, 1 / 3))
