"""The shipped sound model steered by gestures: `mapper headless --generator sound` as a real
subprocess, real /wek/inputs over UDP, what plays written to a real WAV file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from mapper.generators.sound.options import SHIPPED

from .conftest import Receiver
from .test_headless import Headless, record_round, start
from .test_neural_headless import play_pose, read_wav


def rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(audio**2)))


def centroid(audio: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(len(audio))))
    return float((np.fft.rfftfreq(len(audio), 1 / rate) * spectrum).sum() / spectrum.sum())


def test_gestures_steer_the_shipped_sound_model_into_a_wav_file(tmp_path: Path, receiver: Receiver):
    folder, take = tmp_path / "steer", tmp_path / "take.wav"
    proc = start(
        str(folder),
        *("--inputs", "1", "--generator", "sound", "--steer", "1"),
        *("--record-audio", str(take), "--send", f"127.0.0.1:{receiver.port}"),
    )
    try:
        h = Headless(proc)
        line = h.wait_for_line("torchscript sound.ts", timeout=60)
        assert "44100 Hz" in line and "on cpu" in line
        h.wait_for_line(f"recording what plays to {take}")
        record_round(h, receiver, [-1.5], [0.1])  # latent-1 low: the quiet side
        record_round(h, receiver, [1.5], [0.9])  # latent-1 high: the loud side
        h.control("train")
        receiver.get_address("/wekinator/status/done-training", timeout=30)
        h.control("startRunning")
        play_pose(h, [0.1], 1.5)
        play_pose(h, [0.9], 1.5)
        code, _, err = h.stop()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 0, err
    rate, channels, audio = read_wav(take)
    assert (rate, channels) == (44100, 1)
    quiet_side = audio[-int(2.4 * rate) : -int(1.7 * rate)]  # the end of the first pose
    loud_side = audio[-int(0.9 * rate) : -int(0.2 * rate)]  # the end of the second
    assert rms(quiet_side) > 1e-3 and rms(loud_side) > 1e-3  # both play
    # the gesture moved the sound: latent-1 is the dimension that moves it most, +2 louder
    assert rms(loud_side) > 1.3 * rms(quiet_side), (rms(quiet_side), rms(loud_side))
    assert SHIPPED.stat().st_size < 10 * 2**20  # the shipped weights stay small

    # the project names the shipped model by name, so it opens again wherever mapper lives
    doc = json.loads((folder / "project.json").read_text())
    assert doc["generator"] == {"type": "torchscript", "path": "mapper:sound", "steer": 1}
    proc = start(str(folder), "--run", "--send", f"127.0.0.1:{receiver.port}")
    try:
        Headless(proc).wait_for_line("torchscript sound.ts", timeout=60)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
