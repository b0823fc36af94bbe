"""A small built-in drum synthesizer: one short sample per voice, made with numpy at start.

Good enough to hear a pattern without any other program (rendering WAV files, the `--audio`
output); send OSC or MIDI to a real instrument for the real sound.
"""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np

from mapper.generators.rhythm.voices import STEPS

RATE = 44100


def _env(n: int, decay: float) -> np.ndarray:
    return np.exp(-np.arange(n) / (decay * RATE))


def _sweep(n: int, f0: float, f1: float, speed: float) -> np.ndarray:
    t = np.arange(n) / RATE
    freq = f1 + (f0 - f1) * np.exp(-t * speed)
    return np.sin(2 * np.pi * np.cumsum(freq) / RATE)


def _highpass(x: np.ndarray) -> np.ndarray:
    return np.diff(x, prepend=0.0)


def make_samples(seed: int = 7) -> list[np.ndarray]:
    """float32 mono samples for the nine voices, in voice order."""
    rng = np.random.default_rng(seed)

    def noise(n: int) -> np.ndarray:
        return rng.uniform(-1, 1, n)

    n = int(0.5 * RATE)
    kick = _sweep(n, 150, 45, 30) * _env(n, 0.15)
    snare = 0.5 * _sweep(n, 220, 180, 10) * _env(n, 0.05) + 0.6 * noise(n) * _env(n, 0.07)
    hat = 0.5 * _highpass(_highpass(noise(n))) * _env(n, 0.015)
    openhat = 0.5 * _highpass(_highpass(noise(n))) * _env(n, 0.12)
    toms = [_sweep(n, f * 1.6, f, 12) * _env(n, 0.18) for f in (90, 130, 180)]
    metal = sum(np.sin(2 * np.pi * f * np.arange(n) / RATE) for f in (540, 800, 1170, 1630))
    crash = 0.4 * (_highpass(noise(n)) + 0.1 * metal) * _env(n, 0.4)
    ride = 0.3 * (0.4 * _highpass(noise(n)) + 0.3 * metal) * _env(n, 0.25)
    voices = [kick, snare, hat, openhat, *toms, crash, ride]
    return [(0.8 * v / np.max(np.abs(v))).astype(np.float32) for v in voices]


def render_bars(
    bars: list[np.ndarray], bpm: float, samples: list[np.ndarray] | None = None
) -> np.ndarray:
    """Mono float32 audio of the bars (velocities (9, 16) each) at `bpm`, with the last tail."""
    samples = samples or make_samples()
    step = 60.0 / bpm / 4.0
    length = int(len(bars) * STEPS * step * RATE) + max(len(s) for s in samples)
    out = np.zeros(length, np.float32)
    for b, grid in enumerate(bars):
        for voice, k in zip(*np.nonzero(grid)):
            start = round((b * STEPS + int(k)) * step * RATE)
            s = samples[voice] * (float(grid[voice, k]) / 127.0)
            out[start : start + len(s)] += s
    peak = float(np.max(np.abs(out))) if out.size else 0.0
    return out / peak * 0.9 if peak > 0.9 else out


def wav_bytes(audio: np.ndarray) -> bytes:
    """16-bit mono WAV at RATE."""
    pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())
    return buf.getvalue()


def write_wav(path: Path, audio: np.ndarray) -> None:
    path.write_bytes(wav_bytes(audio))
