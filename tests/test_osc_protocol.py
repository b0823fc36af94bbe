"""Wekinator's OSC protocol over real loopback sockets, as senders and instruments see it."""

from __future__ import annotations

import math

import pytest
from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message_builder import OscMessageBuilder

from mapper.core.engine import Mode
from mapper.core.outputs import Output, make_outputs

from .conftest import wait_for

CORNERS = {  # input pose -> the output values recorded for it
    (0.0, 0.0, 0.0): [0.1, 0.9],
    (1.0, 1.0, 1.0): [0.9, 0.2],
    (0.0, 1.0, 0.5): [0.5, 0.5],
}


def jitter(pose: tuple[float, ...], k: int) -> list[float]:
    return [v + 0.01 * ((k * 7 + i * 3) % 5 - 2) for i, v in enumerate(pose)]


@pytest.mark.parametrize("model", ["mlp", "knn", "linear", "polynomial"])
def test_record_train_run_reproduces_continuous_targets(make_rig, model):
    rig = make_rig(outputs=make_outputs(2))
    for j in (1, 2):
        rig.send("/mapper/control/setModel", j, model)
    for pose, values in CORNERS.items():
        rig.record(values, [jitter(pose, k) for k in range(20)])
    assert len(rig.engine.examples) == 60
    rig.train()
    rig.control("startRunning")
    for pose, values in CORNERS.items():
        address, tags, args = rig.frame(*pose)
        assert (address, tags) == ("/wek/outputs", "ff")
        tolerance = 0.3 if model == "linear" else 0.05  # a plane cannot fit 3 arbitrary poses
        assert args == pytest.approx(values, abs=tolerance)


def test_classifier_sends_labels_as_floats(make_rig):
    rig = make_rig(n_inputs=2, outputs=make_outputs(1, "classifier", classes=3))
    poses = {(0.0, 0.0): 1, (5.0, 5.0): 2, (0.0, 5.0): 3}
    for pose, label in poses.items():
        rig.record([label], [jitter(pose, k) for k in range(10)])
    rig.train()
    rig.control("startRunning")
    for pose, label in poses.items():
        _, tags, args = rig.frame(pose[0] + 0.2, pose[1] - 0.1)
        assert tags == "f"
        assert args == (float(label),)


def test_output_values_set_by_hand_are_sent_at_once(make_rig):
    rig = make_rig()
    rig.control("outputs", 0.25, 0.75)
    assert rig.receiver.get() == ("/wek/outputs", "ff", (0.25, 0.75))
    rig.send("/mapper/control/randomize")
    _, tags, args = rig.receiver.get()
    assert tags == "ff" and all(0.0 <= v <= 1.0 for v in args)


def test_hard_limits_and_integer_outputs(make_rig):
    outputs = [
        Output("clamped", min=0.0, max=1.0, hard_limits=True),
        Output("whole", min=-10.0, max=10.0, integer=True),
    ]
    rig = make_rig(n_inputs=1, outputs=outputs)
    rig.control("outputs", 3.0, -2.7)
    assert rig.receiver.get()[2] == (1.0, -2.0)  # clamped to max; truncated toward zero


def test_done_training_is_sent_after_training(make_rig):
    rig = make_rig()
    rig.record([0.5, 0.5], [[0.1, 0.2, 0.3]] * 5)
    rig.control("train")
    _, tags, args = rig.receiver.get_address("/wekinator/status/done-training", 30)
    assert (tags, args) == ("", ())


def test_ints_and_doubles_are_accepted_as_inputs(make_rig):
    rig = make_rig(n_inputs=3)
    rig.control("startRecording")
    rig.send("/wek/inputs", 1, 2, 3)  # python-osc sends Python ints as 'i'
    builder = OscMessageBuilder("/wek/inputs")
    for v in (0.5, 0.25, 0.125):
        builder.add_arg(v, "d")
    rig.client.send(builder.build())
    builder = OscMessageBuilder("/wek/inputs")
    for v in (7, 8, 9):
        builder.add_arg(v, "h")
    rig.client.send(builder.build())
    rig.sync()
    rows = rig.engine.examples.snapshot()
    assert rows.inputs.tolist() == [[1, 2, 3], [0.5, 0.25, 0.125], [7, 8, 9]]
    assert rig.engine.counters.rejected_total == 0


def test_bad_inputs_are_rejected_counted_and_record_nothing(make_rig):
    rig = make_rig(n_inputs=2)
    rig.control("startRecording")
    rig.send("/wek/inputs", 0.1)  # wrong count
    rig.send("/wek/inputs", 0.1, 0.2, 0.3)  # wrong count
    rig.send("/wek/inputs", "left", 0.2)  # a string
    rig.send("/wek/inputs", math.nan, 0.2)
    rig.send("/wek/inputs", 0.1, math.inf)
    rig.send("/wek/inputs", 0.1, 0.2)  # the one good frame
    rig.sync()
    counters = rig.engine.counters
    assert counters.rejected == {"wrong number of inputs": 2, "not a number": 1, "not finite": 2}
    assert len(rig.engine.examples) == 1
    rig.send("/wek/inputs", "x", "y")
    rig.sync()
    assert counters.last_reject == "input 1 is a string, not a number"


def test_malformed_datagrams_and_unknown_addresses_are_counted_not_fatal(make_rig):
    rig = make_rig(n_inputs=1, outputs=make_outputs(1))
    for junk in (b"", b"hello", b"/wek/inputs\0", b"/wek/inputs\0\0\0\0,f\0\0\x01"):
        rig.client._sock.sendto(junk, ("127.0.0.1", rig.server.address[1]))
    rig.send("/some/other/address", 1.0)
    rig.sync()
    assert rig.engine.counters.malformed == 3
    assert rig.engine.counters.rejected == {"wrong number of inputs": 1}  # old OSC, no tags
    assert rig.engine.counters.unknown_addresses == 2  # ours, plus the sync message
    rig.control("outputs", 0.5)
    assert rig.receiver.get() == ("/wek/outputs", "f", (0.5,))  # still alive


def test_control_messages_with_bad_arguments_are_rejected(make_rig):
    rig = make_rig(n_inputs=2, outputs=make_outputs(2))
    rig.control("outputs", 0.5)  # too few values
    rig.control("deleteExamplesForOutput", 7)  # no such output
    rig.control("selectInputsForOutput", 1, 3)  # no such input
    rig.control("enableModelRunning", "all")  # not a number
    rig.send("/mapper/control/setModel", 1, "nonsense")
    rig.sync()
    assert rig.engine.counters.control_errors == 5
    assert rig.engine.values == [0.0, 0.0]


def test_bundles_are_unpacked_message_by_message(make_rig):
    rig = make_rig(n_inputs=1, outputs=make_outputs(1))
    bundle = OscBundleBuilder(IMMEDIATELY)
    for name in ("startRecording",):
        bundle.add_content(OscMessageBuilder(f"/wekinator/control/{name}").build())
    for v in (0.1, 0.2, 0.3):
        msg = OscMessageBuilder("/wek/inputs")
        msg.add_arg(v)
        bundle.add_content(msg.build())
    rig.client.send(bundle.build())
    rig.sync()
    assert rig.engine.examples.snapshot().inputs[:, 0] == pytest.approx([0.1, 0.2, 0.3])


def test_names_can_be_set_by_the_instrument(make_rig):
    rig = make_rig(n_inputs=2, outputs=make_outputs(2))
    rig.control("setInputNames", "tilt", "roll")
    rig.control("setOutputNames", "cutoff", "resonance")
    rig.sync()
    assert rig.engine.input_names == ["tilt", "roll"]
    assert [o.name for o in rig.engine.outputs] == ["cutoff", "resonance"]


def test_selected_inputs_are_the_only_ones_that_matter(make_rig):
    rig = make_rig(n_inputs=2, outputs=[Output("follows-x", model={"type": "knn", "k": 1})])
    rig.control("selectInputsForOutput", 1, 1)
    rig.record([0.0], [[0.0, 0.0], [0.0, 1.0]])
    rig.record([1.0], [[1.0, 0.0], [1.0, 1.0]])
    rig.train()
    rig.control("startRunning")
    assert rig.frame(0.9, 0.0)[2] == (1.0,)
    assert rig.frame(0.1, 1.0)[2] == (0.0,)  # input 2 is ignored


def test_recording_and_running_can_be_disabled_per_output(make_rig):
    rig = make_rig(n_inputs=1, outputs=make_outputs(2))
    for j in (1, 2):
        rig.send("/mapper/control/setModel", j, "knn", "k", 1)
    rig.control("disableModelRecording", 2)
    rig.record([0.2, 0.9], [[0.0]] * 3)
    rig.record([0.8, 0.9], [[1.0]] * 3)
    assert rig.engine.examples.counts() == [6, 0]
    rig.control("enableModelRecording", 2)
    rig.record([0.8, 0.4], [[1.0]] * 3)
    rig.train()
    rig.control("outputs", 0.5, 0.33)
    rig.receiver.get()
    rig.control("disableModelRunning", 1)
    rig.control("startRunning")
    assert rig.frame(0.0)[2] == pytest.approx((0.5, 0.4))  # output 1 holds its hand-set value
    rig.control("enableModelRunning", 1)
    assert rig.frame(0.0)[2] == pytest.approx((0.2, 0.4))


def test_delete_examples_all_and_per_output(make_rig):
    rig = make_rig(n_inputs=1, outputs=make_outputs(2))
    rig.record([0.1, 0.2], [[0.0]] * 4)
    rig.control("deleteExamplesForOutput", 1)
    rig.sync()
    assert rig.engine.examples.counts() == [0, 4]
    rig.control("deleteAllExamples")
    rig.sync()
    assert len(rig.engine.examples) == 0


def test_start_recording_stops_running(make_rig):
    rig = make_rig()
    rig.control("startRunning")
    rig.control("startRecording")
    rig.sync()
    assert rig.engine.mode is Mode.RECORDING
    rig.control("stopRecording")
    rig.sync()
    assert rig.engine.mode is Mode.IDLE


def bumpy_rounds(rig) -> None:
    """Record 8 rounds of a bumpy target, so a big MLP takes long to fit."""
    for r in range(8):
        rig.record([(r * 5 % 8) / 8], [[k / 250, r / 8, (k * r % 7) / 7] for k in range(250)])


def start_long_training(rig) -> None:
    """Switch to an MLP that would train for well over 30 s and start training it."""
    rig.send("/mapper/control/setModel", 1, "mlp", "hidden", 64, "max_iter", 100_000)
    rig.control("train")
    wait_for(lambda: rig.engine.is_training)


def test_outputs_keep_flowing_while_training(make_rig):
    rig = make_rig(n_inputs=3, outputs=[Output("level", model={"type": "knn", "k": 1})])
    bumpy_rounds(rig)
    rig.train()
    rig.control("startRunning")
    before = rig.frame(0.5, 0.5, 0.5)[2]
    start_long_training(rig)
    for _ in range(200):  # every frame is answered at once, by the old model
        assert rig.frame(0.5, 0.5, 0.5)[2] == before
    assert rig.engine.is_training
    rig.control("cancelTrain")


def test_cancel_training_stops_at_once_and_keeps_the_old_models(make_rig):
    rig = make_rig(n_inputs=3, outputs=[Output("level", model={"type": "knn", "k": 1})])
    bumpy_rounds(rig)
    rig.train()
    old = rig.engine.trained_model(0)
    start_long_training(rig)
    rig.control("cancelTrain")
    assert rig.engine.wait_for_training(timeout=5)
    assert rig.engine.trained_model(0) is old
    assert rig.engine.training.error == "training cancelled"
    assert rig.engine.model_states[0].value == "needs training"


def test_classifier_probabilities_are_sent_when_asked(make_rig):
    rig = make_rig(n_inputs=1, outputs=make_outputs(1, "classifier", classes=3))
    rig.send("/mapper/control/setModel", 1, "knn", "k", 4, "weighted", 0)
    rig.record([1], [[0.0], [0.1], [0.2]])
    rig.record([2], [[1.0]])
    rig.train()
    rig.send("/mapper/control/enableProbabilities", 1)
    rig.control("startRunning")
    rig.send("/wek/inputs", 0.05)
    assert rig.receiver.get() == ("/outputs-1", "ffff", (0.0, 0.75, 0.25, 0.0))
    assert rig.receiver.get() == ("/wek/outputs", "f", (1.0,))
    rig.send("/mapper/control/disableProbabilities", 1)
    assert rig.frame(0.05)[2] == (1.0,)
    assert rig.receiver.drain() == 0  # no probabilities any more


def test_a_bad_control_message_does_not_cost_its_bundle_neighbours(make_rig):
    rig = make_rig(n_inputs=1, outputs=make_outputs(2))
    bundle = OscBundleBuilder(IMMEDIATELY)
    for address, value in (
        ("/wekinator/control/deleteExamplesForOutput", math.inf),
        ("/wekinator/control/deleteExamplesForOutput", math.nan),
    ):
        msg = OscMessageBuilder(address)
        msg.add_arg(value)
        bundle.add_content(msg.build())
    msg = OscMessageBuilder("/wekinator/control/outputs")
    msg.add_arg(0.25)
    msg.add_arg(0.5)
    bundle.add_content(msg.build())
    rig.client.send(bundle.build())
    assert rig.receiver.get() == ("/wek/outputs", "ff", (0.25, 0.5))
    assert rig.engine.counters.control_errors == 2
    assert rig.engine.counters.internal_errors == 0
