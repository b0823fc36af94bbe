"""liblo's command-line tools against `mapper headless`: `oscsend` plays the sensor and the
control surface, `oscdump` the instrument. Neither is ours, so what they see is what any
Wekinator program sees. Skipped when liblo-tools is not installed."""

from __future__ import annotations

import itertools
import json
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .peers import EXAMPLES, Peer, Peers, free_udp_port, need, running_peers

PROJECTS = EXAMPLES / "projects"
SIMULATOR = EXAMPLES / "senders" / "gesture_simulator.py"


@pytest.fixture
def peers() -> Iterator[Peers]:
    need("oscsend", "liblo-tools")
    need("oscdump", "liblo-tools")
    yield from running_peers()


def oscsend(port: int, address: str, types: str = "", *args: object) -> None:
    """One message from liblo's `oscsend` to 127.0.0.1:port."""
    cmd = ["oscsend", "127.0.0.1", str(port), address]
    if types:
        cmd += [types, *(str(a) for a in args)]
    subprocess.run(cmd, check=True, timeout=10, capture_output=True)


class Dump:
    """A running `oscdump`: each line is `<timetag> <address> <type tags> <arguments…>`."""

    def __init__(self, peers: Peers) -> None:
        self.port = free_udp_port()
        self.peer = peers.start("oscdump", "-L", str(self.port))
        self._ready()

    def _ready(self) -> None:
        """oscdump says nothing when it is listening: probe until a probe comes through."""
        for _ in range(50):
            oscsend(self.port, "/probe")
            try:
                self.peer.wait_for(" /probe", timeout=0.2)
                return
            except pytest.fail.Exception:
                if self.peer.proc.poll() is not None:
                    raise
        pytest.fail(f"oscdump never received on port {self.port}: {self.peer.said}")

    def get(self, address: str, timeout: float = 10.0) -> tuple[str, list[str]]:
        """The next message to `address`: (its type tags exactly as sent, its arguments)."""
        line = self.peer.wait_for(lambda s: s.split()[1:2] == [address], timeout)
        parts = line.split()
        return (parts[2] if len(parts) > 2 else ""), parts[3:]


def floats(args: list[str]) -> list[float]:
    return [float(a) for a in args]


def test_oscsend_records_trains_and_runs_and_oscdump_gets_one_f_per_output(peers):
    dump = Dump(peers)
    mapper, port = peers.mapper("--inputs", "3", "--outputs", "2", send_port=dump.port)
    poses = {(0, 0, 0): [0.2, 0.8], (10, 10, 10): [0.7, 0.1]}
    for pose, values in poses.items():
        oscsend(port, "/wekinator/control/outputs", "ff", *values)
        tags, args = dump.get("/wek/outputs")  # sent at once, so the sound can be auditioned
        assert tags == "ff" and floats(args) == pytest.approx(values, abs=1e-6)
        oscsend(port, "/wekinator/control/startRecording")
        for k in range(10):
            oscsend(port, "/wek/inputs", "fff", *(v + 0.02 * k for v in pose))
        oscsend(port, "/wekinator/control/stopRecording")
    mapper.wait_for("examples 20")

    oscsend(port, "/wekinator/control/train")
    assert dump.get("/wekinator/status/done-training", timeout=30) == ("", [])
    oscsend(port, "/wekinator/control/startRunning")
    for pose, values in poses.items():
        oscsend(port, "/wek/inputs", "fff", *(v + 0.05 for v in pose))
        tags, args = dump.get("/wek/outputs")
        assert tags == "ff"  # exactly one float32 per output, as ChucK and Processing expect
        assert floats(args) == pytest.approx(values, abs=0.05)

    # Wekinator rejects anything but floats; we take ints and doubles from the same peers
    oscsend(port, "/wek/inputs", "iii", 10, 10, 10)
    tags, args = dump.get("/wek/outputs")
    assert tags == "ff" and floats(args) == pytest.approx(poses[(10, 10, 10)], abs=0.05)
    oscsend(port, "/wek/inputs", "ddd", 0.01, 0.02, 0.03)
    tags, args = dump.get("/wek/outputs")
    assert tags == "ff" and floats(args) == pytest.approx(poses[(0, 0, 0)], abs=0.05)

    # output numbers as liblo's ints: output 2 stops following its model, holds its own value
    oscsend(port, "/wekinator/control/disableModelRunning", "i", 2)
    oscsend(port, "/wek/inputs", "fff", 0.0, 0.0, 0.0)
    _, args = dump.get("/wek/outputs")
    assert floats(args) == pytest.approx([0.2, 0.1], abs=0.05)  # 0.1: the last value set

    assert mapper.stop(signal.SIGINT) == 0, mapper.said
    assert any("20 examples were not saved" in line for line in mapper.lines), mapper.said


def test_a_bad_frame_from_oscsend_is_counted_and_the_next_one_plays(peers):
    dump = Dump(peers)
    mapper, port = peers.mapper("--inputs", "2", "--outputs", "1", send_port=dump.port)
    oscsend(port, "/wekinator/control/startRunning")
    oscsend(port, "/wek/inputs", "fs", 0.5, "loud")
    oscsend(port, "/wek/inputs", "f", 0.5)
    oscsend(port, "/wek/inputs", "ff", 0.5, 0.5)
    tags, args = dump.get("/wek/outputs")  # untrained: the hand-set value (0 = its minimum)
    assert (tags, floats(args)) == ("f", [0.0])
    mapper.wait_for("rejected 2")
    time.sleep(0.2)  # nothing else came out of the two bad frames
    assert mapper.stop() == 0
    dump.peer.stop()
    assert sum(" /wek/outputs " in line for line in dump.peer.lines) == 1, dump.peer.said


def test_oscdump_peer_is_stopped_with_its_group(peers):
    """The harness itself: a peer that ignores SIGTERM is still gone after stop()."""
    peer: Peer = peers.start("sh", "-c", "trap '' TERM; echo up; sleep 60")
    peer.wait_for("up")
    started = time.monotonic()
    peer.stop(timeout=1)
    assert peer.proc.poll() is not None and time.monotonic() - started < 10


def copy_project(name: str, folder: Path) -> Path:
    """A copy of a shipped example project (mapper saves into the folder it opens)."""
    return Path(shutil.copytree(PROJECTS / name, folder / name))


def test_example_projects_rebuild_to_what_is_shipped(tmp_path):
    subprocess.run(
        [sys.executable, str(PROJECTS / "build_projects.py"), str(tmp_path)],
        check=True,
        timeout=120,
        capture_output=True,
    )
    for name in ("xy-synth", "phone-poses", "xy-drums"):
        built, shipped = tmp_path / name, PROJECTS / name
        refresh = f"{name} differs from what its script builds: run {PROJECTS}/build_projects.py"
        csvs = [(f / "examples.csv").read_bytes() for f in (built, shipped)]
        assert csvs[0] == csvs[1], refresh
        docs = [json.loads((f / "project.json").read_text()) for f in (built, shipped)]
        for doc in docs:
            doc.pop("saved", None)  # when it was written: the one field that differs
        assert docs[0] == docs[1], refresh


def test_xy_synth_project_plays_its_corners_to_oscdump(peers, tmp_path):
    dump = Dump(peers)
    project = copy_project("xy-synth", tmp_path)
    mapper, port = peers.mapper(str(project), "--run", send_port=dump.port)
    dump.get("/wekinator/status/done-training", timeout=30)
    mapper.wait_for("running")
    corners = {
        (0.1, 0.1): [0.15, 0.30, 0.10],
        (0.9, 0.1): [0.35, 0.80, 0.50],
        (0.1, 0.9): [0.70, 0.15, 0.30],
        (0.9, 0.9): [0.90, 0.60, 0.90],
    }
    for (x, y), sound in corners.items():
        oscsend(port, "/wek/inputs", "ff", x, y)
        tags, args = dump.get("/wek/outputs")
        assert tags == "fff" and floats(args) == pytest.approx(sound, abs=0.05)
    assert mapper.stop() == 0, mapper.said


def test_gesture_simulator_sends_smooth_floats_in_range(peers):
    dump = Dump(peers)
    sim = peers.start(
        sys.executable,
        str(SIMULATOR),
        "--port",
        str(dump.port),
        "--inputs",
        "3",
        "--rate",
        "100",
        "--duration",
        "1.5",
    )
    assert sim.wait(timeout=20) == 0
    assert "stopped after 150 frames" in sim.said
    frames = []
    for _ in range(150):
        tags, args = dump.get("/wek/inputs", timeout=5)
        assert tags == "fff"
        frames.append(floats(args))
    values = [v for frame in frames for v in frame]
    assert min(values) >= 0.0 and max(values) <= 1.0
    steps = [abs(a - b) for f, g in itertools.pairwise(frames) for a, b in zip(f, g)]
    assert max(steps) < 0.1  # smooth curves and a little noise, no jumps
    assert max(values) - min(values) > 0.05  # and it moves


def test_gesture_simulator_plays_the_phone_poses_classifier(peers, tmp_path):
    dump = Dump(peers)
    project = copy_project("phone-poses", tmp_path)
    mapper, port = peers.mapper(str(project), "--run", send_port=dump.port)
    dump.get("/wekinator/status/done-training", timeout=30)
    mapper.wait_for("running")
    sim = peers.start(
        sys.executable, str(SIMULATOR), "--port", str(port), "--inputs", "3"
    )  # until Ctrl-C
    classes = set()
    for _ in range(40):
        tags, args = dump.get("/wek/outputs")
        assert tags == "f"
        classes.add(float(args[0]))
    assert classes <= {1.0, 2.0, 3.0}
    assert sim.stop(signal.SIGINT) == 0, sim.said  # Ctrl-C: a clean stop
    assert "stopped after" in sim.said
    assert mapper.stop() == 0, mapper.said
