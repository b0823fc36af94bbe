"""Generated takes for the sound-training tests: a gliding, swelling tone written as a WAV file,
and a fixture that keeps the augmenting of short takes small (to 4 s, not 2 minutes)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

RATE = 16000


@pytest.fixture(autouse=True)
def little_augmenting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under 2 minutes of audio is augmented up to 3 times as much: to 4 s here (faster)."""
    monkeypatch.setattr("mapper.generators.sound.training.SMALL_SECONDS", 4.0, raising=False)


def write_glide(path: Path, seconds: float, glide_hz: float = 60.0) -> Path:
    """A tone gliding up `glide_hz` each second and swelling, `seconds` long, at RATE."""
    t = np.arange(round(seconds * RATE)) / RATE
    tone = 0.4 * np.sin(2 * np.pi * (220 + glide_hz * t) * t)
    tone *= 0.6 + 0.4 * np.sin(2 * np.pi * 0.7 * t)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, tone.astype(np.float32), RATE)
    return path
