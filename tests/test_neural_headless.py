"""A RAVE-interface model steered from gestures: `mapper headless --generator torchscript:...`
as a real subprocess, real /wek/inputs over UDP, a real WAV file; the project's settings."""

from __future__ import annotations

import itertools
import json
import shutil
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from mapper.core.examples import ExampleStore
from mapper.generators.base import LatentDim
from mapper.generators.latent import latent_outputs
from mapper.generators.neural.toy import loudness, pitch_hz, write_toy
from mapper.osc.settings import OSCSettings
from mapper.project import load_project, new_project
from mapper.session.options import GeneratorChoice, PlayOptions
from mapper.session.playing import settings_to_play
from mapper.session.session import Session

from .conftest import Receiver
from .test_generator_cli import mapper
from .test_headless import Headless, record_round, start

RATE = 16000
WINDOW = 1600  # 0.1 s


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_toy(tmp_path_factory.mktemp("models") / "toy.ts", ratio=512, sample_rate=RATE)


def read_wav(path: Path) -> tuple[int, int, np.ndarray]:
    with wave.open(str(path)) as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2")
        return w.getframerate(), w.getnchannels(), pcm / 32767.0


def sound_of(window: np.ndarray) -> str:
    """'A' (quiet and low: latent (-1, -2)), 'B' (loud and high: (1, 2)) or '?'."""
    peak = float(np.abs(window).max())
    hz = np.count_nonzero(np.diff(np.signbit(window).astype(int))) / 2 / (len(window) / RATE)
    if abs(peak - loudness(-2)) < 0.05 and abs(hz - pitch_hz(-1)) < 0.15 * pitch_hz(-1):
        return "A"
    if abs(peak - loudness(2)) < 0.05 and abs(hz - pitch_hz(1)) < 0.1 * pitch_hz(1):
        return "B"
    return "?"


def play_pose(h: Headless, pose: list[float], seconds: float) -> None:
    """Send /wek/inputs at 50 frames a second for `seconds`, as a sensor would."""
    t0 = time.monotonic()
    for k in range(int(seconds * 50) + 1):
        h.client.send_message("/wek/inputs", pose)
        time.sleep(max(0.0, t0 + (k + 1) / 50 - time.monotonic()))


def test_gestures_steer_a_rave_model_into_a_wav_file(tmp_path: Path, receiver: Receiver, toy):
    folder, take = tmp_path / "steer", tmp_path / "take.wav"
    proc = start(
        str(folder),
        "--inputs",
        "2",
        "--generator",
        f"torchscript:{toy}",
        "--steer",
        "2",
        "--record-audio",
        str(take),
        "--send",
        f"127.0.0.1:{receiver.port}",
    )
    try:
        h = Headless(proc)
        line = h.wait_for_line("torchscript toy.ts", timeout=60)
        assert "16000 Hz" in line and "512 samples per latent frame" in line and "on cpu" in line
        steer = h.wait_for_line("steering 2 of 8 latent dimensions")
        assert "latent-1 <- latent-1, latent-2 <- latent-2; the other 6 held at 0" in steer
        h.wait_for_line(f"recording what plays to {take}")
        record_round(h, receiver, [-1.0, -2.0], [0.1, 0.1])  # pose A: low and quiet
        record_round(h, receiver, [1.0, 2.0], [0.9, 0.9])  # pose B: high and loud
        h.control("train")
        receiver.get_address("/wekinator/status/done-training", timeout=30)
        h.control("startRunning")
        play_pose(h, [0.1, 0.1], 1.2)
        play_pose(h, [0.9, 0.9], 1.2)
        h.client.send_message("/mapper/neural/status", [])
        _, tags, status = receiver.get_address("/mapper/neural/status")
        code, out, err = h.stop()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 0, err
    assert tags == "iiifii" and status[0] == 1 and status[2] > 0 and status[5] == RATE
    assert "neural audio:" in out and "blocks decoded" in out and "real-time factor" in out
    assert f"wrote {take}" in out

    rate, channels, audio = read_wav(take)
    assert (rate, channels) == (RATE, 1)
    assert 2.4 < len(audio) / RATE < 60  # at least the two poses played, in real time
    windows = [sound_of(audio[k : k + WINDOW]) for k in range(0, len(audio) - WINDOW, WINDOW)]
    runs = [(s, len(list(g))) for s, g in itertools.groupby(w for w in windows if w != "?")]
    # recording set A then B by hand; running, the gestures played A for 1.2 s then B to the end
    assert [s for s, _ in runs][-2:] == ["A", "B"], runs
    assert runs[-2][1] >= 8 and runs[-1][1] >= 8, runs

    doc = json.loads((folder / "project.json").read_text())
    assert doc["generator"] == {"type": "torchscript", "path": str(toy.resolve()), "steer": 2}
    assert [(o["name"], o["min"], o["max"]) for o in doc["outputs"]] == [
        ("latent-1", -2.0, 2.0),
        ("latent-2", -2.0, 2.0),
    ]

    again = tmp_path / "again.wav"  # reopened: its model plays again, with its examples (a
    proc = start(  # model outside the project's folder loads only when the command line names it)
        str(folder),
        *("--run", "--generator", f"torchscript:{toy}", "--record-audio", str(again)),
        *("--send", f"127.0.0.1:{receiver.port}"),
    )
    try:
        h = Headless(proc)
        h.wait_for_line("torchscript toy.ts", timeout=60)
        receiver.get_address("/wekinator/status/done-training", timeout=30)
        play_pose(h, [0.9, 0.9], 1.0)
        code, _, err = h.stop()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 0, err
    windows = [sound_of(w) for w in np.array_split(read_wav(again)[2], 10)]
    assert windows[-1] == "B"


def test_options_that_do_not_fit_a_torchscript_model_are_refused(tmp_path: Path, toy):
    base = ("headless", "--inputs", "2", "--listen", "127.0.0.1:0")
    model = f"torchscript:{toy}"
    (tmp_path / "notes.ts").write_text("hello\n")
    for extra, message, code in (
        (("--generator", model, "--bpm", "90"), "--bpm is for the drum model", 2),
        (("--generator", model, "--midi"), "--midi is for the drum model", 2),
        (
            ("--generator", "torch:x.ts"),
            "give rhythm (the drum model), sound (the sound model mapper ships) or torchscript:",
            2,
        ),
        (("--generator", "torchscript:nope.ts"), "nope.ts: no such file", 2),
        (("--generator", "torchscript:notes.ts"), "is not a TorchScript model", 2),
        (("--generator", model, "--steer", "9"), "--steer 9: toy.ts has 8 latent dimensions", 2),
        (("--generator", model, "--steer", "-8"), "--steer -8: toy.ts has 8 latent", 2),
        (("--generator", "rhythm", "--steer", "2"), "--steer is for a neural audio model", 2),
        (("--generator", model, "--record-audio", "no/x.wav"), "a folder that exists", 2),
        (("--outputs", "2", "--record-audio", "x.wav"), "add --generator torchscript:", 2),
    ):
        r = mapper(*base, *extra, cwd=tmp_path)
        assert r.returncode == code and message in r.stderr, (extra, r.stderr)
        assert "Traceback" not in r.stderr
    for steer, message in (("9", "--steer 9: toy.ts has 8 latent"), ("-8", "at least 1")):
        r = mapper("new-folder", "--generator", model, "--steer", steer, cwd=tmp_path)  # the TUI
        assert r.returncode == 2 and message in r.stderr, r.stderr
        assert "Traceback" not in r.stderr and not (tmp_path / "new-folder").exists()


def test_rtf_measures_a_model_and_toy_ts_writes_one(tmp_path: Path):
    r = mapper("generator", "toy-ts", "mine.ts", "--latent", "4", "--sr", "8000", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "8000 Hz" in r.stdout and (tmp_path / "mine.ts").is_file()
    r = mapper("generator", "toy-ts", "mine.ts", cwd=tmp_path)
    assert r.returncode == 1 and "exists; add --force" in r.stderr
    r = mapper("generator", "rtf", "mine.ts", "--device", "cpu", "--seconds", "0.5", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "latent size 4" in r.stdout and "1 CPU thread" in r.stdout
    factor = float(r.stdout.split("real-time factor ")[1].split()[0])
    assert factor > 0
    assert "per block: median" in r.stdout
    r = mapper("generator", "rtf", "nothing.ts", cwd=tmp_path)
    assert r.returncode == 1 and "no such file" in r.stderr and "Traceback" not in r.stderr
    r = mapper("generator", "toy-ts", "no/such/folder/x.ts", cwd=tmp_path)
    assert r.returncode == 1 and "is not a folder that exists" in r.stderr
    assert "Traceback" not in r.stderr


def test_a_model_inside_the_project_is_saved_by_a_relative_path(tmp_path: Path, toy):
    folder = tmp_path / "inside"
    dims = [LatentDim(f"latent-{k}", -2.0, 2.0) for k in (1, 2)]
    project = new_project("inside", 2, latent_outputs(dims), OSCSettings())
    osc = OSCSettings(listen_port=0, send_port=9)
    choice = GeneratorChoice.parse(f"torchscript:{folder / 'toy.ts'}")
    consent = PlayOptions(choice).consent()  # the command line named it
    session = Session(project, ExampleStore(2, 2).snapshot(), osc, folder, consent=consent)
    session.create_folder()
    shutil.copy(toy, folder / "toy.ts")
    try:
        spec = settings_to_play(PlayOptions(choice), session.project.generator, session.folder)
        player = session.attach_player(spec, "cpu")
        assert player.steer == 2 and player.generator.path == folder / "toy.ts"
        session.save()
    finally:
        session.close()
    moved = tmp_path / "moved"
    folder.rename(moved)  # a relative path travels with the folder
    reopened, rows = load_project(moved)
    assert reopened.generator == {"type": "torchscript", "path": "toy.ts", "steer": 2}
    session = Session(reopened, rows, osc, moved, consent=PlayOptions(trust_models=True).consent())
    try:
        player = session.attach_player(None, "cpu")
        assert player.generator.path == moved / "toy.ts" and player.steer == 2
    finally:
        session.close()
