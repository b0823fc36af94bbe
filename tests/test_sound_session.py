"""A sound-model training run by an open session over OSC (real UDP on 127.0.0.1, port 0): its
progress, its end, cancelling it, one at a time, the refusals; then the model it wrote played
as the session's generator and its latent map's points set as the outputs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from pythonosc.udp_client import SimpleUDPClient

from mapper.core.examples import ExampleStore
from mapper.core.outputs import Output
from mapper.generators.neural.model import load_model
from mapper.osc.settings import OSCSettings
from mapper.project import new_project, save_project
from mapper.session.latent_map import latent_points, nearest_point
from mapper.session.session import Session
from mapper.session.sound_training import PER_SECOND, training_threads

from .conftest import Receiver, wait_for
from .sound_takes import little_augmenting, write_glide

__all__ = ["little_augmenting"]  # the fixture, used by every test here


def write_audio(path: Path, seconds: float = 8.0) -> Path:
    """A few seconds of generated sound (held-out pieces need 6)."""
    return write_glide(path, seconds)


class Rig:
    """A project folder with audio in it, its session on port 0 sending to `receiver`."""

    def __init__(self, folder: Path, receiver: Receiver, allowed: list[Path] | None = None):
        outputs = [Output("latent-1", min=-2.0, max=2.0), Output("latent-2")]  # 0..1: rescaled
        project = new_project(folder.name, 2, outputs, OSCSettings(listen_port=0))
        save_project(folder, project, ExampleStore(2, 2).snapshot())
        write_audio(folder / "takes" / "glide.wav")
        osc = OSCSettings(listen_port=0, send_port=receiver.port)
        self.session = Session(project, ExampleStore(2, 2).snapshot(), osc, folder,
                               allowed_dirs=allowed or [])  # fmt: skip
        self.session.start()
        self.client = SimpleUDPClient("127.0.0.1", self.session.listen_address[1])
        self.receiver = receiver
        self.folder = folder

    def control(self, name: str, *args: object) -> None:
        self.client.send_message(f"/mapper/control/{name}", list(args))

    def refused(self, name: str, *args: object) -> str:
        """Send a control that must be refused; its reason (counted as a control error)."""
        counters = self.session.engine.counters
        before = counters.control_errors
        self.control(name, *args)
        wait_for(lambda: counters.control_errors > before)
        return counters.last_control_error

    def until_done(self, timeout: float = 60.0) -> tuple[list[tuple[object, ...]], str]:
        """Every /mapper/sound/progress until /mapper/sound/done (its path) arrives."""
        progress: list[tuple[object, ...]] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            address, tags, args = self.receiver.get(deadline - time.monotonic())
            if address == "/mapper/sound/progress":
                assert tags == "sifff"
                progress.append(args)
            elif address == "/mapper/sound/failed":
                pytest.fail(f"the training failed: {args[0]}")
            elif address == "/mapper/sound/done":
                return progress, str(args[0])
        pytest.fail("no /mapper/sound/done in time")


@pytest.fixture
def rig(tmp_path: Path, receiver: Receiver) -> Iterator[Rig]:
    r = Rig(tmp_path / "cello", receiver)
    yield r
    r.session.close()


def test_a_training_over_osc_reports_progress_ends_done_and_plays_on_the_map(rig: Rig):
    started = time.monotonic()
    rig.control("trainSound", "takes", "cello.ts", 0.05, 1.0)  # relative: in the project
    wait_for(lambda: rig.session.sound_training.running)
    reason = rig.refused("trainSound", "takes", "other.ts", 0.05, 1.0)
    assert "running already" in reason  # one at a time
    progress, out = rig.until_done()
    took = time.monotonic() - started
    model = rig.folder / "cello.ts"
    assert Path(out) == model.resolve() and model.is_file()
    stages = [p[0] for p in progress]
    assert stages[0] == "reading" and stages[-1] == "done"
    assert {"training", "writing", "measuring"} <= set(stages)
    assert len(progress) <= PER_SECOND * took + len(set(stages)) + 1  # a few a second at most
    fractions = [float(p[4]) for p in progress if p[0] == "training"]  # type: ignore[arg-type]
    assert fractions == sorted(fractions) and progress[-1][4] == 1.0
    assert not (rig.folder / "other.ts").exists()
    generator = load_model(model, "cpu")  # RAVE's interface, as the neural player reads it
    assert generator.latent_size == 8 and generator.module.latent_map.shape[0] > 10

    reason = rig.refused("latentPoint", 1)  # nothing with a map plays yet
    assert "no latent map" in reason
    rig.control("playSoundModel")
    wait_for(lambda: rig.session.player is not None and rig.session.player.playing, timeout=30)
    player = rig.session.player
    assert player is not None
    assert rig.session.project.generator == {"type": "torchscript", "path": "cello.ts", "steer": 2}
    points = latent_points(player)
    assert points is not None and points.shape[1] == 8
    rig.receiver.drain()
    rig.control("latentPoint", 3)  # 1-based
    _, _, values = rig.receiver.get_address("/wek/outputs")
    z = points[2]
    assert values == pytest.approx((z[0], (z[1] + 2) / 4), abs=1e-5)  # latent-2's 0..1
    assert player.latent[:2] == pytest.approx(z[:2], abs=1e-5)
    assert nearest_point(points, float(z[0]), float(z[1])) in {
        k for k in range(len(points)) if np.allclose(points[k, :2], z[:2])
    }
    assert "no point 100000" in rig.refused("latentPoint", 100000)


def test_cancel_keeps_the_best_so_far(rig: Rig):
    rig.control("trainSound", "takes", "quick.ts", 2.0, 1.0)  # two minutes: cancelled long before
    first = rig.receiver.get_address("/mapper/sound/progress", timeout=10)
    assert first[2][0] == "reading"
    job = rig.session.sound_training.job
    assert job is not None
    wait_for(lambda: job.progress is not None and job.progress.stage == "training", timeout=30)
    rig.control("cancelSoundTraining")
    progress, out = rig.until_done(timeout=30)
    assert progress[-1][0] == "cancelled"
    assert job.result is not None and job.result.stopped == "cancelled"
    assert Path(out).is_file()
    assert job.wait(5)  # (done is sent as its thread ends)
    assert "no sound training is running" in rig.refused("cancelSoundTraining")


def test_refusals_say_why_and_start_nothing(rig: Rig, tmp_path: Path):
    outside = write_audio(tmp_path / "elsewhere" / "a.wav")
    assert "outside the project folder" in rig.refused("trainSound", str(outside), "x.ts")
    assert "outside the project folder" in rig.refused("trainSound", "takes", "../x.ts")
    assert "no such file or folder" in rig.refused("trainSound", "nothing-here", "x.ts")
    assert "name it *.ts" in rig.refused("trainSound", "takes", "x.wav")
    assert "MINUTES must be above 0" in rig.refused("trainSound", "takes", "x.ts", 0.0)
    assert "MINUTES must be a number" in rig.refused("trainSound", "takes", "x.ts", "soon")
    assert "takes DATA OUT" in rig.refused("trainSound", "takes")
    assert "control characters" in rig.refused("trainSound", "takes\x1b[2J", "x.ts")
    (rig.folder / "kept.ts").write_bytes(b"the artist's model")
    assert "exists" in rig.refused("trainSound", "takes", "kept.ts")
    assert (rig.folder / "kept.ts").read_bytes() == b"the artist's model"
    assert "nothing to play" in rig.refused("playSoundModel")
    assert rig.session.sound_training.job is None
    assert not list(rig.folder.glob("x.*"))


def test_what_only_the_training_can_check_ends_it_as_failed(rig: Rig):
    rig.control("trainSound", "takes", "short.ts", 0.05)  # 8 s of sound: under the 20 s asked
    _, tags, args = rig.receiver.get_address("/mapper/sound/failed", timeout=30)
    assert tags == "s" and "at least 20 s is needed" in args[0]
    job = rig.session.sound_training.job
    assert job is not None and job.wait(5) and job.result is None and job.error == args[0]
    assert not (rig.folder / "short.ts").exists()


def test_allowed_folders_and_a_session_without_a_folder(tmp_path: Path, receiver: Receiver):
    allowed = tmp_path / "allowed"
    write_audio(allowed / "takes" / "a.wav")
    osc = OSCSettings(listen_port=0, send_port=receiver.port)
    project = new_project("demo", 2, [Output("a")], osc)
    session = Session(project, ExampleStore(2, 1).snapshot(), osc, None)
    session.start()
    try:
        client = SimpleUDPClient("127.0.0.1", session.listen_address[1])
        client.send_message("/mapper/control/trainSound", ["takes", "m.ts"])
        wait_for(lambda: session.engine.counters.control_errors == 1)
        assert "--allow-dir" in session.engine.counters.last_control_error
        session.allowed_dirs.append(allowed)  # as --allow-dir does
        client.send_message("/mapper/control/trainSound", ["takes", "m.ts", 0.05, 1.0])
        wait_for(lambda: session.sound_training.job is not None)
        job = session.sound_training.job
        assert job is not None and job.options.data == (allowed / "takes").resolve()
        job.cancel()
        assert job.wait(30)
    finally:
        session.close()


def test_the_training_leaves_a_core_to_the_receive_thread():
    assert training_threads() >= 1
    assert training_threads() == max(1, len(__import__("os").sched_getaffinity(0)) - 1)
