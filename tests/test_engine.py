"""The engine without sockets: the record -> train -> run loop and its rules."""

from __future__ import annotations

import pytest

from mapper.core.engine import Engine, EngineError, Mode, ModelState
from mapper.core.outputs import Output


def taught_engine() -> tuple[Engine, list[list[float]]]:
    engine = Engine(["x"], [Output("level", model={"type": "knn", "k": 1})])
    sent: list[list[float]] = []
    engine.add_output_sink(sent.append)
    for value, x in ((0.2, 0.0), (0.8, 1.0)):
        engine.set_values([value])
        engine.start_recording()
        engine.process_frame([x])
        engine.stop_recording()
    return engine, sent


def test_recording_uses_the_current_values_and_counts_rounds():
    engine, _ = taught_engine()
    rows = engine.examples.snapshot()
    assert rows.outputs[:, 0].tolist() == [0.2, 0.8]
    assert rows.rounds.tolist() == [1, 2]
    assert engine.counters.recorded == 2


def test_running_sends_predictions_and_idle_sends_nothing():
    engine, sent = taught_engine()
    engine.process_frame([0.9])
    count = len(sent)
    assert count == 2  # only the two hand-set values so far
    engine.train()
    assert engine.wait_for_training(30)
    assert engine.model_states == [ModelState.TRAINED]
    engine.start_running()
    engine.process_frame([0.9])
    assert sent[-1] == [0.8]
    assert engine.last_inputs == (0.9,)


def test_new_examples_mark_the_model_as_needing_training():
    engine, _ = taught_engine()
    engine.train()
    engine.wait_for_training(30)
    engine.start_recording()
    engine.process_frame([0.5])
    engine.stop_recording()
    assert engine.model_states == [ModelState.STALE]
    engine.delete_all_examples()
    assert engine.model_states == [ModelState.STALE]


def test_a_deleted_round_changes_the_instrument_after_retraining():
    engine, sent = taught_engine()
    engine.train()
    engine.wait_for_training(30)
    engine.start_running()
    rows = engine.delete_round(2)
    engine.train()
    engine.wait_for_training(30)
    engine.process_frame([1.0])
    assert sent[-1] == [0.2]  # only round 1 is left
    engine.add_examples(rows)  # undo
    engine.train()
    engine.wait_for_training(30)
    engine.process_frame([1.0])
    assert sent[-1] == [0.8]


def test_training_with_nothing_to_train_on_says_so():
    engine = Engine(["x"], [Output("level")])
    with pytest.raises(EngineError, match="nothing to train"):
        engine.train()
    engine.set_enabled("train", [0], False)
    assert engine.outputs[0].train is False


def test_control_errors_name_the_problem():
    engine, _ = taught_engine()
    with pytest.raises(EngineError, match="no output 3"):
        engine.delete_examples_for_output(2)
    with pytest.raises(EngineError, match="expected 1 output values, got 2"):
        engine.set_values([0.1, 0.2])
    with pytest.raises(EngineError, match="level"):
        engine.set_model(0, {"type": "knn", "k": 0})
    with pytest.raises(EngineError, match="toggle"):
        engine.set_enabled("mute", [0], True)


def test_running_stops_recording_and_recording_stops_running():
    engine, _ = taught_engine()
    engine.start_recording()
    engine.start_running()
    assert engine.mode is Mode.RUNNING
    engine.start_recording()
    assert engine.mode is Mode.RECORDING


def test_no_class_is_not_a_training_target():
    engine = Engine(["x"], [Output("pose", kind="classifier", classes=2), Output("level")])
    engine.set_values([0.0, 0.5])  # auditioning "no class"
    engine.start_recording()
    engine.process_frame([0.3])
    engine.set_enabled("record", [1], False)
    engine.process_frame([0.4])  # nothing left to record in this frame
    engine.stop_recording()
    assert engine.examples.counts() == [0, 1]
    assert len(engine.examples) == 1


def test_a_change_made_while_training_leaves_the_model_needing_training():
    engine = Engine(["a", "b"], [Output("level", model={"type": "mlp", "hidden": 64})])
    for r in range(8):
        engine.set_values([(r * 5 % 8) / 8])
        engine.start_recording()
        for k in range(250):
            engine.process_frame([k / 250, (k * r % 7) / 7])
        engine.stop_recording()
    engine.train()
    assert engine.is_training  # 2,000 examples and 64 units: this takes a while
    engine.start_recording()
    engine.process_frame([0.5, 0.5])  # a new example arrives while it trains
    engine.stop_recording()
    assert engine.wait_for_training(60)
    assert engine.trained_model(0) is not None
    assert engine.model_states == [ModelState.STALE]
