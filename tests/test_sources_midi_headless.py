"""`mapper headless DIR --source midi:NAME` as a real subprocess, played by a virtual MIDI
output port on a real JACK server (tests/jack_server.py): CC 1 records against two output
values, trains, and runs."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

import pytest

from .conftest import Receiver
from .jack_server import jack_server  # noqa: F401  (the fixture jack_midi uses)
from .test_headless import Headless, start
from .test_sources_midi import Controller, jack_midi  # noqa: F401  (the fixture)


def _wired() -> bool:
    """Whether the session opens live sources yet (another part of issue 15 wires them)."""
    session = Path(__file__).resolve().parents[1] / "mapper" / "session"
    return any("open_live_source" in p.read_text() for p in session.rglob("*.py"))


def play(h: Headless, controller: Controller, value: int, count: int = 15) -> None:
    for k in range(count):  # a few values near `value`, as a hand on a fader would
        controller.send([0xB0, 1, max(0, min(127, value + k % 3 - 1))])
        time.sleep(0.01)


def test_headless_records_and_runs_from_a_midi_controller(
    jack_midi: Any,  # noqa: F811
    receiver: Receiver,
    tmp_path: Path,
) -> None:
    if not _wired():
        pytest.skip("the session does not open live sources yet (mapper.sources.live unused)")
    controller = Controller(jack_midi, "fader-box")
    args_ = ["--send", f"127.0.0.1:{receiver.port}", "--source", "midi:fader", "--outputs", "1"]
    proc = start(*args_, str(tmp_path / "inst"))
    try:
        h = Headless(proc)
        assert "'fader-box:fader-box'" in h.wait_for_line("reading MIDI in from", timeout=20)
        time.sleep(0.3)  # JACK connects the ports at its next cycle
        for value, target in ((10, 0.1), (120, 0.9)):
            h.control("outputs", target)
            receiver.get_address("/wek/outputs")
            h.control("startRecording")
            time.sleep(0.1)
            play(h, controller, value)
            time.sleep(0.2)
            h.control("stopRecording")
        h.control("train")
        receiver.get_address("/wekinator/status/done-training", timeout=30)
        h.control("startRunning")
        time.sleep(0.2)
        for value, target in ((10, 0.1), (120, 0.9)):
            play(h, controller, value, count=3)
            deadline = time.monotonic() + 5
            args: tuple[Any, ...] = ()
            while time.monotonic() < deadline:  # bounded: the newest output after playing
                _, _, args = receiver.get_address("/wek/outputs")
                if args[0] == pytest.approx(target, abs=0.15):
                    break
            assert args[0] == pytest.approx(target, abs=0.15)
        code, out, err = h.stop(signal.SIGTERM)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)
        controller.close()
    assert code == 0, err
    assert "(30 examples)" in out, out  # every CC played while recording made an example


def test_headless_with_a_port_that_is_not_there_says_so_in_one_line(
    jack_midi: Any,  # noqa: F811
    receiver: Receiver,
) -> None:
    if not _wired():
        pytest.skip("the session does not open live sources yet (mapper.sources.live unused)")
    controller = Controller(jack_midi, "fader-box")
    proc = start("--send", f"127.0.0.1:{receiver.port}", "--source", "midi:nope", "--outputs", "1")
    try:
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)
        controller.close()
    assert proc.returncode != 0
    problem = [line for line in err.splitlines() if "nope" in line]
    assert problem == [
        "mapper: no MIDI input port matches 'nope': the MIDI input ports are 'fader-box:fader-box'"
    ], err
