"""The drum model from the command line: headless steering over OSC, train and render."""

from __future__ import annotations

import json
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from mapper.generators.rhythm.generator import RhythmGenerator
from mapper.generators.rhythm.midi import read_midi_patterns, write_midi
from mapper.generators.rhythm.patterns import parse_patterns, shipped_data_dir
from mapper.generators.rhythm.sources import read_patterns

from .conftest import Receiver
from .test_headless import Headless, start


def mapper(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mapper", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def pattern_of(receiver: Receiver, expected: np.ndarray, tries: int = 50) -> tuple:
    """Wait (bounded) for a /mapper/rhythm/pattern equal to `expected`."""
    flat = tuple(expected.reshape(-1).tolist())
    for _ in range(tries):
        _, tags, args = receiver.get_address("/mapper/rhythm/pattern")
        if args == flat:
            return tags, args
    pytest.fail("the expected pattern never arrived")


def test_headless_plays_the_rhythm_model_steered_over_osc(tmp_path: Path, receiver: Receiver):
    proc = start(
        "--send",
        f"127.0.0.1:{receiver.port}",
        str(tmp_path / "drums"),
        "--inputs",
        "2",
        "--generator",
        "rhythm",
        "--bpm",
        "300",
    )
    try:
        h = Headless(proc)
        line = h.wait_for_line("rhythm at 300 BPM")
        assert "latent-1 <- latent-1" in line and "/mapper/rhythm/hit" in line
        gen = RhythmGenerator(device="cpu")
        assert receiver.get_address("/mapper/rhythm/hit")[1] == "ii"
        funk = gen.styles["funk"]
        h.control("outputs", *[float(v) for v in funk])  # audition a latent point at once
        tags, _ = pattern_of(receiver, gen.decode(np.float32(funk)))  # OSC carries float32
        assert tags == "i" * 144
        h.client.send_message("/mapper/rhythm/bpm", [140])
        h.client.send_message("/mapper/rhythm/stop", [])
        receiver.drain()
        code, _, err = h.stop()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 0, err
    doc = json.loads((tmp_path / "drums" / "project.json").read_text())
    assert doc["generator"] == {"type": "rhythm", "bpm": 140.0, "weights": None}
    assert [o["name"] for o in doc["outputs"]] == [d.name for d in gen.latent_dims]
    assert [o["min"] for o in doc["outputs"]] == [d.low for d in gen.latent_dims]


def test_generator_options_without_a_generator_are_refused(tmp_path: Path):
    r = mapper("headless", "--inputs", "2", "--outputs", "2", "--bpm", "90", cwd=tmp_path)
    assert r.returncode == 2 and "--bpm plays a generator: add --generator rhythm" in r.stderr
    r = mapper("headless", "--inputs", "2", "--generator", "rhythm", "--outputs", "3", cwd=tmp_path)
    assert r.returncode == 2 and "one output per latent dimension (4); drop --outputs" in r.stderr
    r = mapper("headless", "--inputs", "2", "--generator", "rhythm", "--bpm", "2", cwd=tmp_path)
    assert r.returncode == 2 and "tempo must be 20 to 400 BPM" in r.stderr
    assert "Traceback" not in r.stderr


# --audio without sounddevice plays on silently, saying so in one line: tests/test_synth.py
@pytest.mark.parametrize(("flag", "module", "extra"), [("--midi", "rtmidi", "midi")])
def test_a_missing_back_end_names_the_extra_to_install(tmp_path: Path, flag, module, extra):
    try:
        __import__(module)
        pytest.skip(f"{module} is installed here")
    except ImportError:
        pass
    r = mapper(
        "headless",
        "--inputs",
        "1",
        "--generator",
        "rhythm",
        flag,
        "--listen",
        "127.0.0.1:0",
        cwd=tmp_path,
    )
    assert r.returncode == 2  # refused as the command line is read, like a bad option
    assert f"pip install 'gesture-mapper[{extra}]'" in r.stderr and "Traceback" not in r.stderr


def test_render_writes_wav_midi_and_text_of_the_decoded_pattern(tmp_path: Path):
    gen = RhythmGenerator(device="cpu")
    z = "0.5,-1,0,1.5"
    expected = gen.decode([0.5, -1, 0, 1.5])
    for name in ("groove.wav", "groove.mid", "groove.txt"):
        r = mapper(
            "generator",
            "render",
            "rhythm",
            "--latent",
            z,
            "--bars",
            "2",
            "--bpm",
            "100",
            "--out",
            name,
            cwd=tmp_path,
        )
        assert r.returncode == 0, r.stderr
    with wave.open(str(tmp_path / "groove.wav")) as w:
        assert w.getnchannels() == 1 and w.getframerate() == 44100
        seconds = w.getnframes() / w.getframerate()
        audio = np.frombuffer(w.readframes(w.getnframes()), "<i2")
    assert seconds == pytest.approx(2 * 2.4, abs=0.6)  # two bars at 100 BPM, plus the last tail
    assert np.abs(audio).max() > 1000
    bars = read_midi_patterns(tmp_path / "groove.mid")
    assert len(bars) == 2 and all(np.array_equal(b.velocities, expected) for b in bars)
    (text,) = parse_patterns((tmp_path / "groove.txt").read_text())
    assert np.array_equal(text.onsets, expected > 0)
    r = mapper("generator", "render", "rhythm", "--style", "nope", "--out", "x.mid", cwd=tmp_path)
    assert r.returncode == 1 and "no style 'nope'" in r.stderr


def test_training_on_midi_loops_saves_weights_the_project_then_plays(tmp_path: Path, receiver):
    loops = tmp_path / "loops"
    loops.mkdir()
    mine = [p for p in read_patterns(shipped_data_dir()) if p.style in ("bossa", "metal")][:12]
    for k in range(0, 12, 2):  # six two-bar MIDI loops
        write_midi(loops / f"loop{k}.mid", [mine[k].velocities, mine[k + 1].velocities], 120)
    project = tmp_path / "drums"
    proc = start(str(project), "--inputs", "1", "--generator", "rhythm")
    Headless(proc).stop()
    r = mapper(
        "generator",
        "train",
        "rhythm",
        "--data",
        str(loops),
        "--from-shipped",
        "--epochs",
        "60",
        "--out",
        str(project),
        "--device",
        "cpu",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert "on 12 patterns" in r.stdout
    doc = json.loads((project / "project.json").read_text())
    assert doc["generator"]["weights"] == "rhythm-weights.npz"
    assert (project / "rhythm-weights.npz").is_file()
    trained = RhythmGenerator(project / "rhythm-weights.npz", device="cpu")
    proc = start("--send", f"127.0.0.1:{receiver.port}", str(project))
    h = Headless(proc)
    try:
        h.wait_for_line("rhythm at 120 BPM")
        # the outputs keep their ranges; each spans its latent dimension's new range
        values = [o["min"] + 0.7 * (o["max"] - o["min"]) for o in doc["outputs"]]
        z = [d.low + 0.7 * (d.high - d.low) for d in trained.latent_dims]
        h.control("outputs", *values)
        pattern_of(receiver, trained.decode(np.float32(z)))
    finally:
        h.stop()
