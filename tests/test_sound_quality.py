"""The sound model's quality measurements: the metric, its baselines, alignment, liveness, speed."""

from __future__ import annotations

import numpy as np
import pytest

from mapper.generators.sound import quality

RATE = 16_000


def glide(seconds: float, seed: int = 0) -> np.ndarray:
    """A pitched sound whose spectrum changes: a harmonic glide, swelling, with noise bursts."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    hz = 200.0 * 2.0 ** (2.0 * (0.5 - 0.5 * np.cos(2 * np.pi * t / seconds)))
    phase = 2 * np.pi * np.cumsum(hz) / RATE
    tone = sum(np.sin(k * phase) / k for k in (1, 2, 3, 5))
    swell = 0.3 + 0.25 * np.sin(2 * np.pi * 0.7 * t)
    bursts = (np.sin(2 * np.pi * 2.0 * t) > 0.9) * rng.standard_normal(len(t)) * 0.2
    return swell * tone * 0.4 + bursts


class Delayed:
    """A stand-in model that plays the audio back `delay` samples late, block by block."""

    def __init__(self, audio: np.ndarray, delay: int, ratio: int = 256) -> None:
        import torch

        self.decode_params = torch.tensor([2, ratio, 1, 1])
        self.sr = RATE
        self.ratio = ratio
        self.audio = np.concatenate([np.zeros(delay), audio, np.zeros(16 * ratio)])
        self.block = 0

    def encode(self, x):  # type: ignore[no-untyped-def]
        import torch

        return torch.zeros(1, 2, x.shape[-1] // self.ratio)

    def decode(self, z):  # type: ignore[no-untyped-def]
        import torch

        start = self.block * self.ratio
        self.block += 1
        return torch.tensor(self.audio[start : start + self.ratio], dtype=torch.float32)[None, None]


def test_identical_audio_is_at_distance_zero_and_log_mel_has_80_bands() -> None:
    x = glide(1.0)
    assert quality.log_mel(x, RATE).shape[1] == 80
    assert quality.mel_distance(x, x.copy(), RATE) == 0.0
    assert quality.mel_distance(x, 0.5 * x, RATE) > 0.3  # ln 2 in each band above the floor


def test_the_oracle_is_closer_than_the_static_spectrum() -> None:
    x = glide(3.0)
    rng = np.random.default_rng(0)
    static = quality.static_baseline(x, RATE, rng)
    oracle = quality.oracle(x, RATE, rng)
    assert len(static) == len(oracle) == len(x)
    assert quality.mel_distance(x, oracle, RATE) < 0.7 * quality.mel_distance(x, static, RATE)


def test_the_linear_baseline_beats_the_static_spectrum() -> None:
    split = quality.held_out([glide(6.0, seed=1), glide(6.0, seed=2)], RATE)
    # 1 s pieces: the 6th is held out to measure, the 1st to stop training on, the rest train
    assert [len(c) for c in split.test] == [RATE] and [len(c) for c in split.validation] == [RATE]
    assert [len(c) for c in split.train] == [4 * RATE, 6 * RATE]
    train, x = split.train, np.concatenate(split.test)
    rng = np.random.default_rng(0)
    linear = quality.linear_baseline(train, x, RATE, 4, rng)
    assert len(linear) == len(x)
    static = quality.static_baseline(x, RATE, rng)
    assert quality.mel_distance(x, linear, RATE) < 0.8 * quality.mel_distance(x, static, RATE)


def test_the_alignment_search_finds_a_known_delay() -> None:
    x = glide(2.0)
    delayed = Delayed(x, 700)
    assert abs(quality.align(x, delayed.audio, RATE, 8 * 256) - 700) <= 16  # a 16th of a hop
    played = quality.model_audio(lambda: Delayed(x, 700), x, RATE)
    assert len(played) == len(x)
    assert quality.mel_distance(x, played, RATE) < 0.05


def test_a_declared_latency_is_used_instead_of_the_search() -> None:
    x = glide(1.0)

    def load() -> Delayed:
        model = Delayed(x, 300)
        model.latency = 300  # type: ignore[attr-defined]
        return model

    assert np.allclose(quality.model_audio(load, x, RATE), x, atol=1e-6)


@pytest.fixture(scope="module")
def toy() -> object:
    from mapper.generators.neural.toy import build_toy

    return build_toy(latent_size=4, sample_rate=RATE)


def test_liveness_on_the_toy(toy: object) -> None:
    import io

    import torch

    saved = io.BytesIO()
    torch.jit.save(toy, saved)

    def load() -> object:
        saved.seek(0)
        return torch.jit.load(saved)

    effects = quality.liveness(load, 4, RATE, seconds=0.5)
    assert effects[0] >= 0.10 and effects[1] >= 0.10  # pitch, loudness
    assert effects[2] < 0.10 and effects[3] < 0.10  # ignored by the toy
    assert quality.decode_speed(load, 4, seconds=0.5) > 0
