"""`mapper headless --source NAME` as a real subprocess: a phone app's own OSC records and runs
with no --inputs, the ready lines say what it listens for and how to point the phone at it,
the source is saved with the project, and heard messages are taken as inputs over OSC."""

from __future__ import annotations

import json
import signal

import pytest

from .conftest import Receiver
from .test_headless import Headless, headless, record_round  # noqa: F401  (the fixture)


def record(h: Headless, receiver: Receiver, values: list[float], pose: list[float]) -> None:
    record_round(h, receiver, values, pose, "/gyrosc/gyro", frames=10, wobble=0.01)


def test_gyrosc_alone_records_and_runs_with_no_inputs_given(headless, receiver):  # noqa: F811
    h = headless("--source", "gyrosc", "--outputs", "2")
    assert "(/wek/inputs, 6 inputs)" in h.lines[0]
    hint = h.wait_for_line("a phone cannot reach 127.0.0.1")  # a warning: first
    assert f"add --listen 0.0.0.0:{h.port} and set the app to send to " in hint
    h.wait_for_line("source gyrosc: /gyrosc/gyro (pitch roll yaw), /gyrosc/accel (accel-x")
    poses = {(-1.0, 0.0, 0.5): [0.1, 0.9], (1.0, 0.5, -0.5): [0.9, 0.2]}
    for pose, values in poses.items():
        record(h, receiver, values, list(pose))
    h.control("train")
    receiver.get_address("/wekinator/status/done-training", timeout=30)
    h.control("startRunning")
    for pose, values in poses.items():
        h.client.send_message("/gyrosc/gyro", list(pose))
        _, tags, args = receiver.get_address("/wek/outputs")
        assert tags == "ff" and list(args) == pytest.approx(values, abs=0.1)
    code, out, err = h.stop(signal.SIGINT)
    assert code == 0, err
    assert "20 examples were not saved" in out


def test_the_source_is_saved_and_heard_messages_taken_over_osc(
    tmp_path,
    receiver,
    headless,  # noqa: F811
):
    folder = tmp_path / "phone"
    h = headless(str(folder), "--source", "sensors2osc", "--outputs", "1")
    assert "(/wek/inputs, 9 inputs)" in h.lines[0]
    assert h.stop()[0] == 0
    doc = json.loads((folder / "project.json").read_text())
    assert doc["source"] == {"type": "sensors2osc"}
    assert doc["inputs"]["names"][:3] == ["accel-x", "accel-y", "accel-z"]

    h = headless(str(folder))  # reopened: listens to the phone again, no --source needed
    h.wait_for_line("source sensors2osc: /accelerometer (accel-x accel-y accel-z)")
    h.client.send_message("/accelerometer", [0.0, 0.0, 9.8])
    h.client.send_message("/light", [120.0])  # Sensors2OSC's light sensor: not an input
    h.client.send_message("/mapper/control/heard", [])
    listed = receiver.get_address("/mapper/heard")
    assert listed[1:] == ("ssff", ("/light", "f", pytest.approx(listed[2][2]), 1.0))
    h.client.send_message("/mapper/control/takeHeard", [])
    line = h.wait_for_line("inputs taken from the heard messages")
    assert "accel-x, accel-y, accel-z, light (4 inputs, 1 outputs, 0 examples)" in line
    assert h.stop()[0] == 0
    doc = json.loads((folder / "project.json").read_text())
    assert doc["inputs"]["names"] == ["accel-x", "accel-y", "accel-z", "light"]
    assert doc["source"]["type"] == "sensors2osc" and len(doc["source"]["messages"]) == 2


def test_source_usage_errors_are_one_line(tmp_path):
    import subprocess
    import sys

    for args, says in (
        (["--source", "gyrOSC", "--outputs", "1"], "--source gyrOSC: give gyrosc, zigsim"),
        (["--source", "gyrosc", "--inputs", "2", "--outputs", "1"], "drop --inputs"),
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "mapper", "headless", "--listen", "127.0.0.1:0", *args],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 2 and says in proc.stderr, proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
