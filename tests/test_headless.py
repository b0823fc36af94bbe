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

READY = re.compile(r"listening on 127\.0\.0\.1:(\d+) \(/wek/inputs, (\d+) inputs\), sending to")


class Headless:
    """A running `mapper headless` process with a client pointed at its real port."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: list[str] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = proc.stdout.readline() if proc.stdout else ""
            if not line:
                break
            self.lines.append(line)
            match = READY.search(line)
            if match:
                self.port = int(match.group(1))
                self.client = SimpleUDPClient("127.0.0.1", self.port)
                return
        err = proc.stderr.read() if proc.stderr and proc.poll() is not None else ""
        pytest.fail(f"mapper headless did not get ready: {self.lines} {err}")

    def control(self, name: str, *args: object) -> None:
        self.client.send_message(f"/wekinator/control/{name}", list(args))

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str, str]:
        self.proc.send_signal(sig)
        out, err = self.proc.communicate(timeout=20)
        return self.proc.returncode, "".join(self.lines) + out, err


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


def record_round(h: Headless, receiver: Receiver, values: list[float], pose: list[float]) -> None:
    h.control("outputs", *values)
    receiver.get_address("/wek/outputs")  # sent at once, so the instrument can be auditioned
    h.control("startRecording")
    for k in range(15):
        h.client.send_message("/wek/inputs", [v + 0.002 * k for v in pose])
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
    time.sleep(1.5)  # let one status line go out (it prints at most once per second)
    h.control("outputs", 0.5)
    assert receiver.get_address("/wek/outputs")[2] == (0.5,)
    code, out, err = h.stop()
    assert code == 0
    assert "rejected 3" in out
    assert "malformed 1" in out
    assert "wrong number of inputs: expected 2, got 1" in err


def test_project_is_created_saved_and_reopened(tmp_path, receiver, headless):
    folder = tmp_path / "my-instrument"
    h = headless(str(folder), "--inputs", "2", "--outputs", "1")
    assert json.loads((folder / "project.json").read_text())["schema"] == 1
    record_round(h, receiver, [0.25], [0.0, 0.0])
    record_round(h, receiver, [0.75], [1.0, 1.0])
    h.client.send_message("/mapper/control/save", [])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(_csv_rows(folder)) < 30:
        time.sleep(0.02)
    assert len(_csv_rows(folder)) == 30
    code, out, _ = h.stop()
    assert code == 0 and "saved" in out

    reopened = headless(str(folder), "--run")  # retrains from the examples, then runs
    assert "training outputs-1 from 30 examples" in "".join(reopened.lines)
    receiver.get_address("/wekinator/status/done-training", timeout=30)
    reopened.client.send_message("/wek/inputs", [0.95, 0.95])
    assert receiver.get_address("/wek/outputs")[2] == pytest.approx((0.75,), abs=0.05)
    assert reopened.stop()[0] == 0


def _csv_rows(folder: Path) -> list[str]:
    path = folder / "examples.csv"
    return path.read_text().splitlines()[1:] if path.exists() else []


def test_usage_errors_are_clear_and_nonzero(tmp_path):
    proc = start()
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 2
    assert "--inputs 3 --outputs 2" in err
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "project.json").write_text("{not json")
    proc = start(str(tmp_path / "broken"))
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 1
    assert "project.json: invalid JSON at line 1" in err
    assert "Traceback" not in err


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
