"""`mapper headless` as a real subprocess, driven over OSC the way a user's programs drive it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pythonosc.udp_client import SimpleUDPClient

from .conftest import Receiver
from .peers import LineReader

READY = re.compile(r"listening on 127\.0\.0\.1:(\d+) \(/wek/inputs, (\d+) inputs\), sending to")


class Headless:
    """A running `mapper headless` process with a client pointed at its real port."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        assert proc.stdout is not None
        self.output = LineReader(proc.stdout, strip=False)
        self.lines = self.output.lines
        match = READY.search(self.wait_for_line("listening on", timeout=30))
        assert match, self.lines
        self.port = int(match.group(1))
        self.client = SimpleUDPClient("127.0.0.1", self.port)

    def wait_for_line(self, text: str, timeout: float = 10.0) -> str:
        """The first new stdout line containing `text` (fails after `timeout` or at exit)."""
        line, ended = self.output.until(lambda line: text in line, timeout)
        if line is not None:
            return line
        if ended:
            err = self.proc.stderr.read() if self.proc.stderr else ""
            pytest.fail(f"mapper headless exited before printing {text!r}: {self.lines} {err}")
        pytest.fail(f"no line with {text!r} within {timeout} s: {self.lines}")

    def control(self, name: str, *args: object) -> None:
        self.client.send_message(f"/wekinator/control/{name}", list(args))

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str, str]:
        """Send `sig`, wait for the exit; returns (exit code, all stdout, stderr)."""
        self.proc.send_signal(sig)
        self.proc.wait(timeout=20)
        err = self.proc.stderr.read() if self.proc.stderr else ""
        self.output.drain(quiet=5)
        return self.proc.returncode, "".join(self.lines), err


def start(*args: str, cwd: Path | None = None) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", "mapper", "headless", "--listen", "127.0.0.1:0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=cwd,
    )


@pytest.fixture
def headless(receiver: Receiver) -> Iterator:
    procs: list[subprocess.Popen[str]] = []

    def launch(*args: str) -> Headless:
        proc = start("--send", f"127.0.0.1:{receiver.port}", *args)
        procs.append(proc)
        return Headless(proc)

    yield launch
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)


def record_round(
    h: Headless,
    receiver: Receiver,
    values: list[float],
    pose: list[float],
    address: str = "/wek/inputs",
    frames: int = 15,
    wobble: float = 0.002,
) -> None:
    """Set the outputs, then record `frames` frames around `pose` (sent to `address`)."""
    h.control("outputs", *values)
    receiver.get_address("/wek/outputs")  # sent at once, so the instrument can be auditioned
    h.control("startRecording")
    for k in range(frames):
        h.client.send_message(address, [v + wobble * k for v in pose])
    h.control("stopRecording")


def test_record_train_run_continuous(headless, receiver):
    h = headless("--inputs", "3", "--outputs", "2")
    poses = {(0.1, 0.1, 0.1): [0.2, 0.8], (0.9, 0.9, 0.9): [0.7, 0.1]}
    for pose, values in poses.items():
        record_round(h, receiver, values, list(pose))
    h.control("train")
    receiver.get_address("/wekinator/status/done-training", timeout=30)
    h.control("startRunning")
    for pose, values in poses.items():
        h.client.send_message("/wek/inputs", [v + 0.01 for v in pose])
        _, tags, args = receiver.get_address("/wek/outputs")
        assert tags == "ff"
        assert args == pytest.approx(values, abs=0.05)
    code, out, err = h.stop(signal.SIGINT)
    assert code == 0, err
    assert "30 examples were not saved" in out  # no project folder: say so on the way out


def test_record_train_run_classifier(headless, receiver):
    h = headless("--inputs", "3", "--outputs", "1", "--type", "classifier", "--classes", "3")
    poses = {(0.0, 0.0, 0.0): 1, (1.0, 0.0, 1.0): 2, (0.0, 1.0, 1.0): 3}
    for pose, label in poses.items():
        record_round(h, receiver, [label], list(pose))
    h.control("train")
    receiver.get_address("/wekinator/status/done-training", timeout=30)
    h.control("startRunning")
    for pose, label in poses.items():
        h.client.send_message("/wek/inputs", [v + 0.05 for v in pose])
        assert receiver.get_address("/wek/outputs")[1:] == ("f", (float(label),))
    assert h.stop()[0] == 0


def test_bad_input_never_stops_it_and_shows_in_the_status_line(headless, receiver):
    h = headless("--inputs", "2", "--outputs", "1")
    h.client.send_message("/wek/inputs", [0.1])
    h.client.send_message("/wek/inputs", ["not", "numbers"])
    h.client._sock.sendto(b"\xff garbage", ("127.0.0.1", h.port))
    h.client.send_message("/wek/inputs", [float("nan"), 0.5])
    h.client.send_message("/wekinator/control/deleteExamplesForOutput", [float("inf")])
    line = h.wait_for_line("control errors 1")  # the status line, at most once per second
    assert "rejected 3" in line and "malformed 1" in line
    assert "(last: NaN or infinity in the inputs)" in line
    h.control("outputs", 0.5)
    assert receiver.get_address("/wek/outputs")[2] == (0.5,)
    code, _, err = h.stop()
    assert code == 0
    assert "rejected input frame: wrong number of inputs: expected 2, got 1" in err


def test_project_is_created_saved_and_reopened(tmp_path, receiver, headless):
    folder = tmp_path / "my-instrument"
    h = headless(str(folder), "--inputs", "2", "--outputs", "1")
    doc = json.loads((folder / "project.json").read_text())
    assert doc["schema"] == 4
    # --listen/--send of this run are not saved: the project keeps Wekinator's ports
    assert (doc["osc"]["listen_port"], doc["osc"]["send_port"]) == (6448, 12000)
    record_round(h, receiver, [0.25], [0.0, 0.0])
    record_round(h, receiver, [0.75], [1.0, 1.0])
    h.client.send_message("/mapper/control/save", [])
    wait_until(lambda: len(_csv_rows(folder)) == 30)
    code, out, _ = h.stop()
    assert code == 0 and "saved" in out

    reopened = headless(str(folder), "--run")  # retrains from the examples, then runs
    reopened.wait_for_line("training outputs-1 from 30 examples")
    receiver.get_address("/wekinator/status/done-training", timeout=30)
    reopened.wait_for_line("running")
    reopened.client.send_message("/wek/inputs", [0.95, 0.95])
    assert receiver.get_address("/wek/outputs")[2] == pytest.approx((0.75,), abs=0.05)
    assert reopened.stop()[0] == 0


def wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("condition not met in time")
        time.sleep(0.02)


def test_a_dropped_ssh_session_still_saves_the_examples(tmp_path, receiver, headless):
    folder = tmp_path / "rehearsal"
    h = headless(str(folder), "--inputs", "2", "--outputs", "1")
    record_round(h, receiver, [0.5], [0.1, 0.2])
    h.wait_for_line("examples 15")
    code, _, _ = h.stop(signal.SIGHUP)
    assert code == 0
    assert len(_csv_rows(folder)) == 15


def test_nobody_reading_stdout_does_not_lose_the_examples(tmp_path, receiver):
    folder = tmp_path / "piped"
    proc = start(
        str(folder), "--inputs", "2", "--outputs", "1", "--send", f"127.0.0.1:{receiver.port}"
    )
    try:
        ready = proc.stdout.readline() if proc.stdout else ""
        port = int(READY.search(ready).group(1))  # type: ignore[union-attr]
        proc.stdout.close()  # type: ignore[union-attr]  # like `mapper headless | head -1`
        client = SimpleUDPClient("127.0.0.1", port)
        client.send_message("/wekinator/control/startRecording", [])
        for k in range(10):
            client.send_message("/wek/inputs", [k / 10, 0.5])
        client.send_message("/wekinator/control/stopRecording", [])
        time.sleep(1.5)  # a status line is due within a second: it meets the closed pipe
        assert proc.poll() is None, "mapper headless died when its stdout closed"
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert len(_csv_rows(folder)) == 10


def test_a_failed_save_is_reported_and_the_instrument_plays_on(tmp_path, receiver, headless):
    folder = tmp_path / "stuck"
    h = headless(str(folder), "--inputs", "1", "--outputs", "1")
    (folder / "examples.csv").unlink()
    (folder / "examples.csv").mkdir()  # the file cannot be replaced any more
    h.client.send_message("/mapper/control/save", [])
    h.wait_for_line("save errors 1")
    h.control("outputs", 0.25)
    assert receiver.get_address("/wek/outputs")[2] == (0.25,)
    code, _, err = h.stop()
    assert code == 1
    assert f"could not save {folder}" in err


def _csv_rows(folder: Path) -> list[str]:
    path = folder / "examples.csv"
    return path.read_text().splitlines()[1:] if path.exists() else []


def test_usage_errors_are_clear_and_nonzero(tmp_path):
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "x").write_text("")
    for args, message in (
        ((), "--inputs 3 --outputs 2"),
        ((str(tmp_path / "proj" / "x"),), "is a file, not a project folder"),
        ((str(tmp_path / "proj"),), "holds no project.json"),
        (("--inputs", "1", "--outputs", "1", "--send", "127.0.0.1:99999"), "out of range"),
    ):
        proc = start(*args)
        _, err = proc.communicate(timeout=20)
        assert proc.returncode == 2, args
        assert message in err, err
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "project.json").write_text("{not json")
    proc = start(str(tmp_path / "broken"))
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 1
    assert "project.json: invalid JSON at line 1" in err
    assert "Traceback" not in err


def test_a_project_keeps_its_own_outputs(tmp_path, headless):
    folder = tmp_path / "kept"
    headless(str(folder), "--inputs", "1", "--outputs", "1").stop()
    proc = start(str(folder), "--type", "classifier")
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 2
    assert "already defines its outputs; drop --type" in err


def test_port_in_use_says_so(receiver):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mapper",
            "headless",
            "--inputs",
            "1",
            "--outputs",
            "1",
            "--listen",
            f"127.0.0.1:{receiver.port}",
        ],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert proc.returncode == 1
    assert "cannot listen on 127.0.0.1" in proc.stderr and "--listen" in proc.stderr


def test_help_documents_the_command():
    out = subprocess.run(
        [sys.executable, "-m", "mapper", "headless", "--help"],
        capture_output=True,
        text=True,
        timeout=20,
        check=True,
    ).stdout
    for flag in (
        "--inputs",
        "--outputs",
        "--type",
        "--classes",
        "--listen",
        "--send",
        "PROJECT_DIR",
    ):
        assert flag in out
