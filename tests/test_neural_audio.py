"""Neural audio (RAVE TorchScript exports): discovery, clear errors, streaming, WAV, the player.

The models are small TorchScript modules with RAVE's exported interface, built here (no GPU, no
network): the shipped toy (a sine whose pitch and loudness follow latent-1 and latent-2) and a
few deliberately wrong files.
"""

from __future__ import annotations

import itertools
import time
import warnings
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from mapper.core.engine import Engine
from mapper.core.outputs import Output
from mapper.generators.base import GeneratorError
from mapper.generators.latent import latent_outputs
from mapper.generators.neural.model import load_model
from mapper.generators.neural.player import NeuralPlayer, open_neural_player, spec_path
from mapper.generators.neural.sound_out import ClockOutput, SpeakerOutput, WavRecorder, fill
from mapper.generators.neural.streamer import Streamer
from mapper.generators.neural.toy import loudness, pitch_hz, write_toy

from .conftest import Rig, wait_for

RATE, RATIO = 16000, 512


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_toy(tmp_path_factory.mktemp("models") / "toy.ts", ratio=RATIO, sample_rate=RATE)


class V1Stereo(torch.nn.Module):
    """RAVE v1's export: a `sampling_rate` buffer, no get_methods, stereo decode."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("decode_params", torch.tensor([4, 256, 2, 1]))
        self.register_buffer("sampling_rate", torch.tensor(44100))

    @torch.jit.export
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        y = z[:, :1, :].repeat_interleave(256, dim=2)
        return torch.cat([y, -y], 1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.decode(z)


def script(module: torch.nn.Module, path: Path) -> Path:
    with warnings.catch_warnings():  # torch calls TorchScript deprecated; RAVE exports it
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.script(module).save(str(path))
    return path


def test_a_rave_v2_export_is_discovered(toy: Path):
    gen = load_model(toy, "cpu")
    assert (gen.type_name, gen.device) == ("torchscript", "cpu")
    assert (gen.latent_size, gen.ratio, gen.channels, gen.sample_rate) == (8, RATIO, 1, RATE)
    assert gen.methods == ["encode", "decode"]  # from get_methods()
    assert gen.labels[0] == "(signal) Latent dimension 0"
    assert [d.name for d in gen.latent_dims] == [f"latent-{k}" for k in range(1, 9)]
    assert all((d.low, d.high) == (-2.0, 2.0) for d in gen.latent_dims)
    block = gen.decode(np.zeros(8))
    assert block.shape == (1, RATIO) and block.dtype == np.float32
    assert gen.block_seconds == pytest.approx(RATIO / RATE)


def test_a_rave_v1_export_gives_its_rate_in_sampling_rate(tmp_path: Path):
    gen = load_model(script(V1Stereo(), tmp_path / "v1.ts"), "cpu")
    assert (gen.latent_size, gen.ratio, gen.channels, gen.sample_rate) == (4, 256, 2, 44100)
    assert gen.methods == []  # v1 exports have no get_methods
    block = gen.decode(np.array([0.5, 0, 0, 0]))
    assert block.shape == (2, 256)
    assert np.allclose(block[0], 0.5) and np.allclose(block[1], -0.5)


class NoParams(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.sr = 44100

    @torch.jit.export
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return z

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return z


class NoDecode(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("decode_params", torch.tensor([4, 64, 1, 1]))
        self.sr = 44100

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return z


class NoRate(NoParams):
    def __init__(self) -> None:
        torch.nn.Module.__init__(self)
        self.register_buffer("decode_params", torch.tensor([4, 64, 1, 1]))


class ThreeParams(NoParams):
    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("decode_params", torch.tensor([4, 64, 1]))


class WrongShape(NoParams):
    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("decode_params", torch.tensor([4, 64, 1, 1]))


def wrong_files(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    text = tmp_path / "notes.ts"
    text.write_text("not a model\n")
    yield text, "is not a TorchScript model"
    checkpoint = tmp_path / "weights.ckpt"
    torch.save({"state_dict": {"w": torch.zeros(2)}}, checkpoint)
    yield checkpoint, "is not a TorchScript model"
    yield tmp_path / "missing.ts", "no such file"
    yield tmp_path, "is a folder"
    yield script(NoParams(), tmp_path / "no-params.ts"), "no decode_params buffer"
    yield script(NoDecode(), tmp_path / "no-decode.ts"), "no decode method"
    yield script(NoRate(), tmp_path / "no-rate.ts"), "neither `sr`"
    yield script(ThreeParams(), tmp_path / "three.ts"), "expected four positive whole numbers"
    yield (
        script(WrongShape(), tmp_path / "shape.ts"),
        "returned shape (1, 4, 1), expected (1, 1, 64)",
    )


def test_a_wrong_file_says_what_was_expected(tmp_path: Path):
    for path, reason in wrong_files(tmp_path):
        with pytest.raises(GeneratorError) as e:
            load_model(path, "cpu")
        assert reason in str(e.value), (path, str(e.value))
        assert str(path) in str(e.value)
    with pytest.raises(GeneratorError) as e:
        load_model(tmp_path / "notes.ts", "cpu")
    assert "decode" in str(e.value) and "decode_params" in str(e.value) and "sr" in str(e.value)


def counting_decode(ratio: int, channels: int = 1):
    """A decode whose block is full of latent[0] (so the order of blocks can be read back)."""

    def decode(z: np.ndarray) -> np.ndarray:
        return np.full((channels, ratio), z[0], np.float32)

    return decode


def counter() -> Iterator[np.ndarray]:
    for k in itertools.count(1):
        yield np.array([float(k)])


def test_blocks_come_out_in_the_order_the_latents_went_in_through_any_read_size():
    latents = counter()
    s = Streamer(counting_decode(64), lambda: next(latents), 1, 64, 8000, ahead=4)
    assert not s.read(10).any() and s.underruns == 0  # before the first blocks: silence, free
    s.start()
    try:
        chunks = []
        for size in itertools.islice(itertools.cycle([37, 64, 1, 200, 5]), 120):
            wait_for(lambda: len(s._queue) >= 4, timeout=5)  # read when ready: no underrun
            chunks.append(s.read(size)[:, 0])
    finally:
        s.stop()
    audio = np.concatenate(chunks)
    assert s.underruns == 0
    runs = [(v, len(list(g))) for v, g in itertools.groupby(audio)]
    values = [v for v, _ in runs]
    assert values == list(range(1, len(values) + 1))  # every block, in order, none twice
    assert all(n == 64 for _, n in runs[:-1])  # whole blocks, joined without gaps


def test_the_toy_plays_the_latents_in_order_and_joins_its_blocks(toy: Path):
    gen = load_model(toy, "cpu")
    z1 = [-2.0, 2.0, 0.0, -1.0, 1.0, -2.0]
    queue = iter([np.array([0.0, v, 0, 0, 0, 0, 0, 0]) for v in z1])
    s = Streamer(gen.decode, lambda: next(queue, np.zeros(8)), 1, RATIO, RATE, ahead=len(z1))
    s.start()
    try:
        wait_for(lambda: len(s._queue) >= len(z1), timeout=10)
        audio = s.read(RATIO * len(z1))[:, 0]
    finally:
        s.stop()
    blocks = audio.reshape(len(z1), RATIO)
    peaks = [float(np.abs(b).max()) for b in blocks]
    assert peaks == pytest.approx([loudness(v) for v in z1], abs=0.01)
    sine = np.concatenate([b / loudness(v) for b, v in zip(blocks, z1)])
    steps = np.abs(np.diff(sine))  # a 220 Hz sine at 16 kHz moves at most ~0.087 per sample
    assert steps.max() < 0.1, "the phase jumps between blocks: decoded out of order or restarted"


def test_a_model_slower_than_real_time_is_heard_as_counted_underruns():
    block = 160  # 10 ms at 16 kHz; each takes 25 ms to decode

    def slow(z: np.ndarray) -> np.ndarray:
        end = time.thread_time() + 0.025  # compute: the real-time factor counts only that
        while time.thread_time() < end:
            pass
        return np.ones((1, block), np.float32)

    s = Streamer(slow, lambda: np.zeros(1), 1, block, RATE, ahead=2)
    clock = ClockOutput(s)
    s.start()
    clock.start()
    try:
        wait_for(lambda: s.underruns >= 5, timeout=10)
    finally:
        clock.stop()
        s.stop()
    stats = s.stats()
    assert stats.underrun_seconds > 0
    assert 0 < stats.real_time_factor < 1  # 10 ms of audio per 25 ms of compute: about 0.4
    assert stats.block_ms >= 20 and stats.block_budget_ms == pytest.approx(10)


def test_a_model_that_fails_says_why_in_one_line_then_plays_silence_not_underruns(
    tmp_path: Path,
):
    """TorchScript wraps a model's error in a long interpreter traceback; what the player
    shows (headless's line, the TUI's panel) is the model's own message."""
    from tests.neural_models import write_fragile_toy

    model = load_model(write_fragile_toy(tmp_path / "fragile.ts", latent_size=2), "cpu")
    latent = np.zeros(2)
    s = Streamer(model.decode, lambda: latent, 1, model.ratio, model.sample_rate, ahead=2)
    s.start()
    try:
        wait_for(lambda: s.primed.is_set(), timeout=10)
        latent = np.array([2.0, 0.0])  # past what the fragile toy takes
        s.read(model.ratio)  # makes room: the next block decodes the new latent and fails
        wait_for(lambda: bool(s.error), timeout=10)
        assert s.read(model.ratio).any()  # the block queued before the failure still plays
        underruns = s.underruns
        for _ in range(20):  # then silence, which is not counted as underruns: nothing plays
            assert not s.read(model.ratio).any()
        assert s.underruns == underruns and not s.playing
    finally:
        s.stop()
    assert s.stats().error == (
        "decode failed: builtins.RuntimeError: the fragile toy breaks above latent-1 = 1.5"
    )


def test_the_recorder_writes_what_plays_and_the_file_is_valid_while_recording(tmp_path: Path):
    path = tmp_path / "take.wav"
    rec = WavRecorder(path, 22050, 2)
    chunk = np.stack([np.linspace(-1, 1, 1000), np.full(1000, 0.25)], axis=1).astype(np.float32)
    rec.feed(chunk)
    wait_for(lambda: rec.frames == 1000)
    with wave.open(str(path)) as w:  # before close: the header already says 1000 frames
        assert w.getnframes() == 1000
    rec.feed(chunk[:10])
    rec.close()
    with wave.open(str(path)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (22050, 2, 2)
        pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2").reshape(-1, 2)
    assert len(pcm) == 1010
    assert np.abs(pcm[:1000] / 32767 - chunk).max() < 1e-4
    with pytest.raises(GeneratorError, match="cannot write it"):
        WavRecorder(tmp_path / "no-such-folder" / "x.wav", 22050, 1)


def test_the_audio_callback_takes_frames_from_the_stream_without_waiting():
    s = Streamer(counting_decode(100), lambda: np.array([0.5]), 1, 100, 8000, ahead=2)
    s.start()
    try:
        wait_for(lambda: s.primed.is_set())
        out = np.full((150, 1), 9.0, np.float32)
        fill(s, out, 150)  # what sounddevice's callback does with its buffer
    finally:
        s.stop()
    assert np.all(out == 0.5)


def test_speakers_without_the_audio_extra_say_what_to_install():
    try:
        import sounddevice  # noqa: F401
    except (ImportError, OSError):
        pass
    else:
        pytest.skip("sounddevice is installed here")
    s = Streamer(counting_decode(10), lambda: np.zeros(1), 1, 10, 8000)
    with pytest.raises(GeneratorError, match=r"pip install 'gesture-mapper\[audio\]'"):
        SpeakerOutput(s)


def test_the_player_steers_the_first_dimensions_and_holds_the_rest_at_zero(
    toy: Path, tmp_path: Path
):
    gen = load_model(toy, "cpu")
    engine = Engine(["x", "y"], latent_outputs(gen.latent_dims[:3]))
    player = NeuralPlayer(gen, engine)
    assert player.steer == 3 and player.outputs == [0, 1, 2, None, None, None, None, None]
    engine.set_values([1.0, -2.0, 0.5])
    assert player.latent.tolist() == [1.0, -2.0, 0.5, 0, 0, 0, 0, 0]
    assert NeuralPlayer(gen, engine, steer=1).outputs == [0, *[None] * 7]
    unit = Engine(["x"], [Output("o", "continuous", 0.0, 1.0)])  # other ranges are rescaled
    unit.set_values([0.75])
    assert NeuralPlayer(gen, unit).latent[0] == pytest.approx(1.0)

    rec = player.record_to(tmp_path / "played.wav")
    assert player.sinks == ["clock", str(tmp_path / "played.wav")]
    player.start()
    try:
        assert player.playing
        wait_for(lambda: rec.frames >= RATE // 4, timeout=10)
    finally:
        player.close()
    assert not player.playing
    stats = player.stats
    assert stats.blocks >= 8 and stats.real_time_factor > 0 and stats.sample_rate == RATE
    with wave.open(str(tmp_path / "played.wav")) as w:
        audio = np.frombuffer(w.readframes(w.getnframes()), "<i2") / 32767
    assert np.abs(audio).max() == pytest.approx(loudness(-2.0), abs=0.02)  # latent-2 = -2
    crossings = np.count_nonzero(np.diff(np.signbit(audio).astype(int)))
    assert crossings / 2 / (len(audio) / RATE) == pytest.approx(pitch_hz(1.0), rel=0.05)


def test_status_over_osc_answers_with_the_stream_figures(toy: Path, make_rig):
    rig: Rig = make_rig(2, [Output("latent-1", "continuous", -2, 2)])
    player = NeuralPlayer(load_model(toy, "cpu"), rig.engine, sender=rig.server.sender)
    rig.server.controls.update(player.controls())
    rig.send("/mapper/neural/start")
    try:
        wait_for(lambda: player.stats.blocks >= 4, timeout=10)
        rig.send("/mapper/neural/status")
        _, tags, args = rig.receiver.get_address("/mapper/neural/status")
    finally:
        rig.send("/mapper/neural/stop")
        wait_for(lambda: not player.playing)
        player.close()
    assert tags == "iiifii"
    playing, underruns, blocks, factor, queue, rate = args
    assert playing == 1 and blocks >= 4 and factor > 0 and rate == RATE and queue >= 0
    assert underruns >= 0


def test_settings_save_the_model_path_relative_to_the_project_when_inside_it(tmp_path: Path):
    folder = tmp_path / "proj"
    (folder / "models").mkdir(parents=True)
    assert spec_path(folder / "models" / "a.ts", folder) == "models/a.ts"
    assert spec_path(tmp_path / "b.ts", folder) == str((tmp_path / "b.ts").resolve())
    assert spec_path(tmp_path / "b.ts", None) == str((tmp_path / "b.ts").resolve())


def test_bad_settings_are_refused_with_the_reason(toy: Path):
    engine = Engine(["x"], [Output("o")])
    for spec, reason in (
        ({"type": "torchscript"}, "needs 'path'"),
        ({"path": str(toy), "steer": 9}, "steer 9: this model has 8 latent dimensions"),
        ({"path": str(toy), "ahead": 0}, "blocks ahead must be a whole number from 1"),
        ({"path": str(toy), "range": -1}, "'range' must be a number above 0"),
        ({"path": str(toy), "outputs": [1]}, "must list 8 output numbers"),
    ):
        with pytest.raises(GeneratorError, match=reason):
            open_neural_player(spec, engine, None, "cpu")
