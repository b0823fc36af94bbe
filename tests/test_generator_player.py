"""The sequencer and the player: the mapping's outputs steer the drum model, heard over OSC."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from mapper.core.engine import Engine
from mapper.core.examples import ExampleStore
from mapper.core.outputs import Output
from mapper.generators.latent import LatentFromOutputs, latent_outputs
from mapper.generators.rhythm.generator import RhythmGenerator
from mapper.generators.rhythm.sequencer import Sequencer
from mapper.osc.settings import OSCSettings
from mapper.project import load_project, new_project
from mapper.session.session import Session

from .conftest import Receiver, wait_for


class Recorder:
    """A sink that keeps what it is given (the sequencer's side of a real sink)."""

    def __init__(self) -> None:
        self.patterns: list[np.ndarray] = []
        self.steps: list[tuple[int, list[tuple[int, int]]]] = []
        self.lock = threading.Lock()

    def pattern(self, velocities: np.ndarray) -> None:
        with self.lock:
            self.patterns.append(velocities.copy())

    def hits(self, step: int, hits: list[tuple[int, int]]) -> None:
        with self.lock:
            self.steps.append((step, list(hits)))


def grid(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.random((9, 16)) < 0.2).astype(np.uint8) * rng.integers(1, 128, (9, 16)).astype(
        np.uint8
    )


def test_the_sequencer_plays_each_step_of_the_latest_pattern_in_order():
    latent = [np.zeros(1)]
    seq = Sequencer(lambda z: grid(int(z[0])), lambda: latent[0], bpm=400)
    rec = Recorder()
    seq.sinks.append(rec)
    seq.start()
    wait_for(lambda: len(rec.steps) >= 20)
    latent[0] = np.ones(1)  # a new latent point: a new pattern from the next step
    n = len(rec.steps)
    wait_for(lambda: len(rec.steps) >= n + 20)
    seq.stop()
    assert seq.step == -1 and not seq.playing
    steps = [s for s, _ in rec.steps]
    assert steps[:20] == [k % 16 for k in range(20)]
    assert all(b == (a + 1) % 16 for a, b in itertools.pairwise(steps))
    first, second = grid(0), grid(1)
    assert len(rec.patterns) == 2  # sent once each, when it changed
    assert np.array_equal(rec.patterns[0], first) and np.array_equal(rec.patterns[1], second)
    for step, hits in rec.steps[:16]:
        column = first[:, step]
        assert hits == [(v, int(column[v])) for v in np.flatnonzero(column)]
    for step, hits in rec.steps[-10:]:
        assert hits == [(v, int(second[v, step])) for v in np.flatnonzero(second[:, step])]


def test_tempo_changes_live_and_bad_tempos_are_refused():
    seq = Sequencer(lambda z: grid(0), lambda: np.zeros(1), bpm=120)
    assert seq.step_seconds == pytest.approx(0.125)
    seq.set_bpm(90)
    assert seq.bpm == 90 and seq.step_seconds == pytest.approx(60 / 90 / 4)
    for bad in (0, 5, 1000, float("nan")):
        with pytest.raises(ValueError, match="tempo must be 20 to 400 BPM"):
            seq.set_bpm(bad)
    assert seq.bpm == 90


def test_a_failing_sink_does_not_stop_the_others():
    class Broken:
        def pattern(self, velocities: np.ndarray) -> None:
            raise OSError("port gone")

        def hits(self, step: int, hits: list[tuple[int, int]]) -> None:
            raise OSError("port gone")

    rec = Recorder()
    seq = Sequencer(lambda z: grid(0), lambda: np.zeros(1), bpm=400, sinks=[Broken(), rec])
    seq.start()
    wait_for(lambda: len(rec.steps) >= 5)
    seq.stop()
    assert seq.errors >= 5


def test_the_latent_follows_sent_outputs_and_hand_set_values_rescaled_to_its_range():
    gen = RhythmGenerator(device="cpu")
    dims = gen.latent_dims
    outputs = [Output(f"o{k}", "continuous", 0.0, 1.0) for k in range(3)]
    engine = Engine(["x"], outputs)
    source = LatentFromOutputs(engine, dims, [2, 0, None, 1])
    engine.set_values([1.0, 0.0, 0.5])  # sent, as /wekinator/control/outputs does
    z = source()
    assert z[0] == pytest.approx((dims[0].low + dims[0].high) / 2)  # output 3 = 0.5: mid-range
    assert z[1] == pytest.approx(dims[1].high)  # output 1 = 1.0: top
    assert z[2] == 0.0  # no output: the centre
    assert z[3] == pytest.approx(dims[3].low)
    engine.set_values([0.0, 0.0, 0.0], send=False)  # set without sending (a project loading)
    assert source()[1] == pytest.approx(dims[1].low)
    engine._emit([1.0, 1.0, 1.0])  # what running sends: the models' outputs win
    assert source()[3] == pytest.approx(dims[3].high)
    assert source()[3] == pytest.approx(dims[3].high)  # and stay until something changes


@pytest.fixture
def session(tmp_path: Path, receiver: Receiver) -> Iterator[Session]:
    gen = RhythmGenerator(device="cpu")
    project = new_project(
        "drums",
        2,
        latent_outputs(gen.latent_dims),
        OSCSettings(listen_port=0, send_port=receiver.port),
    )
    project.generator = {"type": "rhythm", "bpm": 300}
    s = Session(
        project, ExampleStore(2, gen.latent_size).snapshot(), project.osc, tmp_path / "drums"
    )
    s.create_folder()
    s.start()
    yield s
    s.close()


def test_setting_the_outputs_auditions_the_latent_point_over_osc(
    session: Session, receiver: Receiver
):
    from pythonosc.udp_client import SimpleUDPClient

    player = session.attach_player(device="cpu")
    assert [o.name for o in session.engine.outputs] == [d.name for d in player.latent_dims]
    assert player.bpm == 300
    player.start()
    client = SimpleUDPClient("127.0.0.1", session.listen_address[1])
    target = player.generator.styles["house"]
    client.send_message("/wekinator/control/outputs", [float(v) for v in target])
    expected = player.generator.decode(np.float32(target))  # OSC carries float32
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        _address, tags, args = receiver.get_address("/mapper/rhythm/pattern")
        if args == tuple(expected.reshape(-1).tolist()):
            break
    else:
        pytest.fail("the pattern of the point set never arrived")
    assert tags == "i" * 144
    hits = []
    for _ in range(40):  # the hits of the next steps, as voice (1-9) and velocity (1-127)
        _, tags, args = receiver.get_address("/mapper/rhythm/hit")
        assert tags == "ii"
        hits.append(args)
    kick_steps = set(np.flatnonzero(expected[0]))
    assert all(1 <= v <= 9 and 1 <= vel <= 127 for v, vel in hits)
    assert (1, int(expected[0, min(kick_steps)])) in hits
    assert np.array_equal(player.pattern, expected) and 0 <= player.step < 16


def test_tempo_and_transport_over_osc_are_saved_with_the_project(
    session: Session, receiver: Receiver
):
    from pythonosc.udp_client import SimpleUDPClient

    player = session.attach_player(device="cpu")
    client = SimpleUDPClient("127.0.0.1", session.listen_address[1])
    client.send_message("/mapper/rhythm/start", [])
    wait_for(lambda: player.playing)
    client.send_message("/mapper/rhythm/bpm", [96.0])
    wait_for(lambda: player.bpm == 96.0)
    client.send_message("/mapper/rhythm/bpm", [1000])
    client.send_message("/mapper/rhythm/stop", [])
    wait_for(lambda: not player.playing)
    wait_for(lambda: session.engine.counters.control_errors == 1)
    assert "tempo must be 20 to 400 BPM" in session.engine.counters.last_control_error
    session.save()
    project, _ = load_project(session.folder)
    assert project.generator == {"type": "rhythm", "bpm": 96.0, "weights": None}
    doc = json.loads((session.folder / "project.json").read_text())
    assert doc["generator"]["bpm"] == 96.0


def test_while_stopped_the_pattern_follows_the_outputs_and_restarting_resends_it(
    session: Session,
):
    player = session.attach_player(device="cpu")
    rec = Recorder()
    player.add_sink(rec)
    assert not player.playing and player.step == -1
    rock = player.generator.styles["rock"]
    session.engine.set_values([float(v) for v in rock])
    assert np.array_equal(player.pattern, player.generator.decode(rock))  # shown before playing
    for _ in range(2):  # each start sends the whole pattern first
        player.start()
        wait_for(lambda: len(rec.steps) >= 2)
        player.stop()
        rec.steps.clear()
    assert len(rec.patterns) == 2
    assert all(np.array_equal(p, player.generator.decode(rock)) for p in rec.patterns)


def test_playing_the_drum_model_on_the_cpu_never_loads_torch():
    """Headless startup stays light with a generator too; only training (or CUDA) needs torch."""
    import subprocess
    import sys

    code = (
        "import sys, mapper.cli.headless, mapper.generators.rhythm.player as p, numpy as np\n"
        "from mapper.generators.rhythm.generator import RhythmGenerator\n"
        "g = RhythmGenerator(device='auto'); g.decode(np.zeros(g.latent_size))\n"
        "print('torch' in sys.modules, g.device)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    ).stdout.split()
    if out[1] == "cpu":
        assert out[0] == "False"


def test_a_recorded_gesture_steers_the_drums_live_over_osc(session: Session, receiver: Receiver):
    """Two poses recorded against two grooves, trained, run: each pose plays its groove."""
    from pythonosc.udp_client import SimpleUDPClient

    player = session.attach_player(device="cpu")
    gen = player.generator
    engine = session.engine
    for j in range(engine.n_outputs):
        engine.set_model(j, {"type": "knn", "k": 1})
    client = SimpleUDPClient("127.0.0.1", session.listen_address[1])
    grooves = {(0.1, 0.1): gen.styles["house"], (0.9, 0.9): gen.styles["bossa"]}
    for pose, z in grooves.items():
        client.send_message("/wekinator/control/outputs", [float(v) for v in z])
        client.send_message("/wekinator/control/startRecording", [])
        for _ in range(5):
            client.send_message("/wek/inputs", list(pose))
        client.send_message("/wekinator/control/stopRecording", [])
        wait_for(lambda: engine.mode.value == "idle")
    wait_for(lambda: len(engine.examples) == 10)
    client.send_message("/wekinator/control/train", [])
    receiver.get_address("/wekinator/status/done-training", timeout=30)
    client.send_message("/wekinator/control/startRunning", [])
    player.start()
    for pose, z in grooves.items():
        client.send_message("/wek/inputs", [pose[0] + 0.02, pose[1] - 0.01])
        pattern_of(receiver, gen.decode(np.float32(z)))  # OSC carries float32


def pattern_of(receiver: Receiver, expected: np.ndarray, limit: int = 50) -> None:
    flat = tuple(expected.reshape(-1).tolist())
    for _ in range(limit):
        if receiver.get_address("/mapper/rhythm/pattern")[2] == flat:
            return
    pytest.fail("the expected pattern never arrived")
