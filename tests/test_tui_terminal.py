"""`mapper` in a real terminal (tmux): the demo opens, the XY pad streams, keys work, and
ctrl+q quits cleanly. Skipped where tmux is missing (CI installs it: see .ci/run)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None, reason="tmux is not installed (Debian package: tmux)"
)
MAPPER = str(Path(sys.executable).with_name("mapper"))


def screen(session: str) -> str:
    out = subprocess.run(
        ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True, check=False
    )
    return out.stdout


def wait_for_text(session: str, text: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    shown = ""
    while time.monotonic() < deadline:
        shown = screen(session)
        if text in shown:
            return shown
        time.sleep(0.1)
    pytest.fail(f"{text!r} never appeared on the screen:\n{shown}")


def alive(session: str) -> bool:
    return subprocess.run(["tmux", "has-session", "-t", session], check=False).returncode == 0


@pytest.fixture
def terminal():
    name = f"mapper-test-{uuid.uuid4().hex[:8]}"
    yield name
    subprocess.run(["tmux", "kill-session", "-t", name], check=False, capture_output=True)


def test_the_demo_opens_plays_and_quits_in_an_80x24_terminal(terminal):
    cmd = [MAPPER, "--listen", "127.0.0.1:0", "--send", "127.0.0.1:9"]
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", terminal, "-x", "80", "-y", "24", *cmd], check=True
    )
    wait_for_text(terminal, "gesture-mapper · demo")
    shown = wait_for_text(terminal, "r Record")  # the footer: the screen is drawn
    for part in ("XY pad", "Inputs", "Outputs", "pitch", "brightness", "voice", "r Record"):
        assert part in shown
    wait_for_text(terminal, "pad on")
    shown = wait_for_text(terminal, "in 9")  # the pad streams about 100 frames a second
    subprocess.run(["tmux", "send-keys", "-t", terminal, "p"], check=True)
    wait_for_text(terminal, "RUNNING")
    subprocess.run(["tmux", "send-keys", "-t", terminal, "C-q"], check=True)
    deadline = time.monotonic() + 10
    while alive(terminal) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(terminal), "ctrl+q did not quit"
