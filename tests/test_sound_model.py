"""The sound model `mapper generator train sound` makes: trained end to end on a few seconds of
generated audio (the pipeline, not the quality), its RAVE interface as our player and nn~ read
it, block-by-block decoding without seams, fine-tuning, and what it refuses."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from mapper.errors import GeneratorError
from mapper.generators.neural.model import load_model
from mapper.generators.neural.toy import write_toy
from mapper.generators.sound.export import load_scripted, read_model
from mapper.generators.sound.options import Progress, TrainOptions
from mapper.generators.sound.training import train_sound

RATE = 16000
SECONDS = 6.0


def phrase(seconds: float, seed: int, rate: int = RATE) -> np.ndarray:
    """A glide between two notes with harmonics, swelling and fading, over a little noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    hz = 220 * 2 ** (np.sin(2 * np.pi * t / seconds) + rng.uniform(-0.2, 0.2))
    phase = 2 * np.pi * np.cumsum(hz) / rate
    tone = sum(np.sin(k * phase) / k for k in range(1, 6))
    swell = 0.2 + 0.6 * np.abs(np.sin(np.pi * t / 1.5))
    return (0.3 * swell * tone + 0.01 * rng.standard_normal(len(t))).astype(np.float32)


@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("recordings")
    sf.write(folder / "a.wav", phrase(SECONDS / 2, 1), RATE)
    sf.write(folder / "b.flac", phrase(SECONDS / 2, 2), RATE)
    return folder


def options(data: Path, out: Path, **changes: object) -> TrainOptions:
    settings: dict = dict(data=data, out=out, minutes=0.1, latent=4, sample_rate=RATE)
    settings.update(min_seconds=1.0, force=True)
    settings.update(changes)
    return TrainOptions(**settings)


@pytest.fixture(scope="module")
def trained(recordings: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    """A model trained for 18 s, and its best held-out score."""
    out = tmp_path_factory.mktemp("models") / "mine.ts"
    seen: list[Progress] = []
    train_sound(options(recordings, out, minutes=0.3), seen.append)
    return out, min(p.best for p in seen if p.stage == "training")


@pytest.fixture(scope="module")
def model(trained: tuple[Path, float]) -> Path:
    return trained[0]


def test_training_reports_progress_writes_a_model_and_measures_it(recordings, tmp_path):
    seen: list[Progress] = []
    out = tmp_path / "m.ts"
    result = train_sound(options(recordings, out, minutes=0.05), seen.append)
    assert out.is_file() and result.out == out
    stages = [p.stage for p in seen]
    assert stages[0] == "reading" and stages[-1] == "done"
    assert {"training", "ordering", "writing", "measuring"} <= set(stages)
    steps = [p.step for p in seen if p.stage == "training"]
    assert steps == sorted(steps) and steps[-1] == result.steps > 0
    assert 5.0 < result.audio_seconds <= SECONDS + 0.1  # silence trimmed, nothing invented
    for key in ("ratio_static", "ratio_linear", "alive", "rtf"):
        assert key in result.quality
    assert any("model / static" in line for line in result.summary)


def test_the_export_has_ravess_streaming_interface(model: Path):
    gen = load_model(model, device="cpu")  # as the neural player loads a RAVE export
    assert (gen.sample_rate, gen.channels, gen.ratio, gen.latent_size) == (RATE, 1, 256, 4)
    assert {"encode", "decode", "forward"} <= set(gen.methods)
    m = load_scripted(model)
    assert m.encode_params.tolist() == [1, 1, 4, 256]
    assert m.decode_params.tolist() == [4, 256, 1, 1]
    with torch.inference_mode():
        z = m.encode(torch.zeros(1, 1, 256 * 5))
        assert z.shape == (1, 4, 5)
        assert m.forward(torch.zeros(1, 1, 256 * 3)).shape == (1, 1, 256 * 3)
    assert m.latency == 1024 - 256
    assert m.latent_map.shape[1] == 4 and len(m.latent_map) > 10


def test_decoding_block_by_block_is_decoding_all_at_once(model: Path):
    rng = np.random.default_rng(3)
    z = torch.from_numpy(np.cumsum(rng.normal(0, 0.2, (1, 4, 40)), axis=2).astype(np.float32))
    whole, blocks = load_scripted(model), load_scripted(model)
    with torch.inference_mode():
        all_at_once = whole.decode(z)[0, 0].numpy()
        one_by_one = np.concatenate([blocks.decode(z[:, :, t : t + 1])[0, 0] for t in range(40)])
    np.testing.assert_allclose(one_by_one, all_at_once, atol=1e-5)


def test_a_held_latent_point_plays_without_a_seam_at_block_edges(model: Path):
    m = load_scripted(model)
    z = torch.tensor([[[1.0], [0.5], [-0.5], [0.0]]])
    with torch.inference_mode():
        audio = np.concatenate([m.decode(z)[0, 0].numpy() for _ in range(60)])[256 * 8 :]
    assert np.sqrt(np.mean(audio**2)) > 1e-3  # it plays
    jumps = np.abs(np.diff(audio))
    at_edges = jumps[255::256]  # from the last sample of a block to the first of the next
    inside = np.delete(jumps, np.arange(255, len(jumps), 256))
    assert at_edges.max() <= 1.5 * np.percentile(inside, 99.9)


def test_fine_tuning_starts_from_the_model_it_is_given(trained, recordings, tmp_path):
    model = trained[0]

    def first_score(**changes: object) -> float:
        seen: list[Progress] = []
        train_sound(options(recordings, tmp_path / "t.ts", minutes=0.02, **changes), seen.append)
        return next(p.best for p in seen if p.stage == "training")

    scratch, tuned = first_score(), first_score(from_model=model)
    # it starts where the model left off, not afresh (a fresh model starts as PCA does)
    assert tuned < 0.95 * scratch, (tuned, scratch)
    again = read_model(tmp_path / "t.ts")
    assert again.latent_size == 4 and again.sr == RATE  # a fine-tune keeps the model's settings


def test_stopping_early_still_writes_the_best_model(recordings, tmp_path):
    stop = threading.Event()

    def cancel_after_a_score(p: Progress) -> None:
        if p.stage == "training" and p.step > 0:
            stop.set()

    result = train_sound(options(recordings, tmp_path / "c.ts"), cancel_after_a_score, stop)
    assert result.stopped == "cancelled" and load_model(tmp_path / "c.ts", device="cpu")


def test_what_cannot_be_trained_or_fine_tuned_is_refused_in_one_line(recordings, tmp_path):
    toy = write_toy(tmp_path / "toy.ts")
    cases = [
        (options(recordings, tmp_path / "x.ts", from_model=toy), "not made by `mapper generator"),
        (options(recordings, tmp_path / "x.ts", latent=1), "the latent size must be 2 to 16"),
        (options(recordings, tmp_path / "x.pt"), "name it *.ts"),
        (options(tmp_path / "none", tmp_path / "x.ts"), "none"),
        (options(recordings, tmp_path / "x.ts", min_seconds=60), "at least 60 s is needed"),
    ]
    for wrong, says in cases:
        with pytest.raises(GeneratorError, match=None) as e:
            train_sound(wrong)
        assert says in str(e.value) and "\n" not in str(e.value), str(e.value)
    (tmp_path / "kept.ts").write_bytes(b"mine")
    with pytest.raises(GeneratorError, match="exists; it is replaced only when asked"):
        train_sound(options(recordings, tmp_path / "kept.ts", force=False))
    assert (tmp_path / "kept.ts").read_bytes() == b"mine"
