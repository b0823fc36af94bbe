"""The shipped rhythm model: small, safe to load, good (measured), and trainable here."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from mapper.generators.base import Generator, GeneratorError, LatentDim
from mapper.generators.rhythm.decoder import load_arrays, shipped_weights
from mapper.generators.rhythm.generator import RhythmGenerator
from mapper.generators.rhythm.patterns import shipped_data_dir
from mapper.generators.rhythm.quality import encode, measure, onset_f1
from mapper.generators.rhythm.sources import read_patterns


def test_the_shipped_weights_are_a_small_file_of_plain_arrays():
    path = shipped_weights()
    assert path.stat().st_size < 2 * 1024 * 1024
    with zipfile.ZipFile(path) as z:
        assert all(name.endswith(".npy") for name in z.namelist())
    arrays = load_arrays(path)  # np.load with allow_pickle=False: no code can run
    assert arrays["dec1.weight"].dtype == np.float32


def test_the_generator_follows_the_protocol():
    gen = RhythmGenerator(device="cpu")
    assert isinstance(gen, Generator)
    assert 2 <= gen.latent_size <= 8
    assert all(isinstance(d, LatentDim) and d.low < 0 < d.high for d in gen.latent_dims)
    pattern = gen.decode(np.zeros(gen.latent_size))
    assert pattern.shape == (9, 16) and pattern.dtype == np.uint8
    with pytest.raises(GeneratorError, match="takes 4 latent values, got 3"):
        gen.decode([0.0, 0.0, 0.0])


def test_the_shipped_model_is_measured_good():
    """Onset F1 >= 0.9, every dimension changes the pattern, distance grows with distance."""
    q = measure()
    assert q["onset_f1"] >= 0.9
    assert all(d["moves_that_change"] > 0.5 for d in q["dimensions"])
    assert all(q["passes"].values()), q


def test_distinct_styles_decode_to_distinct_patterns():
    gen = RhythmGenerator(device="cpu")
    patterns = {name: gen.decode(c).tobytes() for name, c in gen.styles.items()}
    assert len(patterns) >= 8 and len(set(patterns.values())) == len(patterns)


def test_the_numpy_decoder_matches_torch():
    torch = pytest.importorskip("torch")
    from mapper.generators.rhythm.model import model_from_arrays

    arrays = load_arrays(shipped_weights())
    model = model_from_arrays(arrays).eval()
    gen = RhythmGenerator(device="cpu")
    rng = np.random.default_rng(1)
    for z in rng.normal(size=(20, gen.latent_size)) * 2:
        logits, vel = model.decode(torch.tensor(z, dtype=torch.float32)[None])
        expected = np.where(
            logits.detach().numpy()[0] > 0,
            np.clip(np.rint(vel.detach().numpy()[0] * 127), 1, 127),
            0,
        )
        assert np.array_equal(gen.decode(z).reshape(-1), expected.astype(np.uint8))


def test_a_short_training_run_learns_a_handful_of_patterns(tmp_path: Path):
    from mapper.generators.rhythm.train import Settings, save_weights, train

    patterns = read_patterns(shipped_data_dir())[::24][:8]  # one groove from each of 8 styles
    arrays = train(patterns, Settings(epochs=150, batch=8, device="cpu"))
    path = tmp_path / "mine.npz"
    save_weights(arrays, path)
    gen = RhythmGenerator(path, device="cpu")
    assert onset_f1(gen, encode(load_arrays(path), patterns), patterns) > 0.8


def test_a_weights_file_that_is_not_one_is_refused(tmp_path: Path):
    bad = tmp_path / "bad.npz"
    bad.write_text("not a zip")
    with pytest.raises(GeneratorError, match="not a rhythm weights file"):
        RhythmGenerator(bad, device="cpu")
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(GeneratorError, match=r"missing dec1\.weight"):
        RhythmGenerator(tmp_path / "other.npz", device="cpu")


def test_asking_for_cuda_without_a_gpu_says_so():
    from mapper.generators.base import cuda_present

    if cuda_present():
        pytest.skip("a CUDA GPU is present here")
    with pytest.raises(GeneratorError, match="no CUDA GPU"):
        RhythmGenerator(device="cuda")
    assert RhythmGenerator(device="auto").device == "cpu"
