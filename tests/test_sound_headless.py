"""The shipped sound model steered by gestures: `mapper headless --generator sound` as a real
subprocess, real /wek/inputs over UDP, what plays written to a real WAV file."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np

from mapper.generators.sound.options import SHIPPED

from .conftest import Receiver
from .test_headless import Headless, record_round, start
from .test_neural_headless import play_pose, read_wav

WINDOW = 4410  # 0.1 s at 44.1 kHz


def rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(audio**2)))


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

    # the take is what played while running, in 0.1 s windows: latent-1 = -1.5 plays at about
    # 0.005 RMS (quiet), +1.5 at about 0.027 (loud); the glides between them, an underrun's
    # silence and the take's silent end are neither: the runs must end quiet, then loud
    windows = [rms(audio[k : k + WINDOW]) for k in range(0, len(audio) - WINDOW, WINDOW)]
    sides = ["Q" if 1e-3 < r < 0.009 else "L" for r in windows if 1e-3 < r < 0.009 or r > 0.02]
    runs = [(side, len(list(run))) for side, run in itertools.groupby(sides)]
    assert [side for side, _ in runs][-2:] == ["Q", "L"], runs
    assert runs[-2][1] >= 5 and runs[-1][1] >= 5, runs  # each held for most of its 1.5 s
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
