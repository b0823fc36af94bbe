"""Reading an artist's recordings for sound-model training (real files written by libsndfile),
trimming their silence, refusing what cannot be used, and augmenting a small corpus."""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from mapper.errors import GeneratorError
from mapper.generators.sound import audio_files
from mapper.generators.sound.audio_files import Corpus, read_folder
from mapper.generators.sound.augment import SMALL_SECONDS, augment, stretch, varispeed

RATE = 16000  # the rate asked for


def tone(freq: float, seconds: float, rate: int, amp: float = 0.5) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def peak_hz(x: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x)), n=8 * len(x)))
    return float(np.argmax(spectrum) * rate / (8 * len(x)))


def rms_db(x: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.square(x, dtype=np.float64)))))


def write(path: Path, data: np.ndarray, rate: int, **kwargs: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, data, rate, **kwargs)
    return path


@pytest.mark.parametrize(
    ("name", "rate", "stereo", "fmt", "subtype", "freq", "tolerance"),
    [
        ("take.wav", 48000, True, "WAV", "PCM_24", 440.0, 2),
        ("take.flac", 22050, False, "FLAC", "PCM_16", 330.0, 2),
        ("take.ogg", 44100, False, "OGG", "VORBIS", 550.0, 16),
        ("take.aiff", 32000, True, "AIFF", "PCM_16", 660.0, 2),
    ],
)
def test_each_format_comes_back_mono_float32_at_the_rate_asked(
    tmp_path: Path,
    name: str,
    rate: int,
    stereo: bool,
    fmt: str,
    subtype: str,
    freq: float,
    tolerance: int,
) -> None:
    mono = tone(freq, 1.5, rate)
    data = np.stack([mono, 0.5 * mono], axis=1) if stereo else mono  # mixed: 0.75 of the tone
    write(tmp_path / name, data, rate, format=fmt, subtype=subtype)
    corpus = read_folder(tmp_path, RATE, min_seconds=1.0)
    assert corpus.names == [name]
    (clip,) = corpus.clips
    assert clip.dtype == np.float32 and clip.ndim == 1
    assert abs(len(clip) - round(1.5 * RATE)) <= tolerance
    assert corpus.seconds == pytest.approx(len(clip) / RATE)
    assert peak_hz(clip, RATE) == pytest.approx(freq, abs=1.0)
    expected = 0.5 * (0.75 if stereo else 1.0) / np.sqrt(2)
    middle = clip[RATE // 4 : -RATE // 4]
    assert rms_db(middle) == pytest.approx(20 * np.log10(expected), abs=0.2)


def test_mp3_is_read_where_libsndfile_can(tmp_path: Path) -> None:
    if "MP3" not in sf.available_formats():
        pytest.skip(f"libsndfile {sf.__libsndfile_version__} here cannot write MP3")
    write(tmp_path / "take.mp3", tone(440.0, 1.5, 44100), 44100, format="MP3")
    (clip,) = read_folder(tmp_path, RATE, min_seconds=1.0).clips
    assert clip.dtype == np.float32
    assert abs(len(clip) - 1.5 * RATE) < 0.06 * RATE  # an encoder's padding, at most
    assert peak_hz(clip, RATE) == pytest.approx(440.0, abs=1.0)


def test_mp3_where_libsndfile_cannot_says_to_convert(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "take.mp3").write_bytes(b"ID3" + bytes(500))
    monkeypatch.setattr(audio_files, "_mp3_readable", lambda: False)
    refused(tmp_path, r"take\.mp3: this libsndfile cannot read MP3; convert it to WAV or FLAC$")


def test_silence_is_trimmed_and_long_gaps_shortened(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)

    def hush(seconds: float) -> np.ndarray:
        return (1e-4 * rng.standard_normal(round(seconds * RATE))).astype(np.float32)  # -80 dB

    a, b = tone(440.0, 1.0, RATE), tone(440.0, 1.0, RATE)
    write(tmp_path / "gaps.wav", np.concatenate([hush(2), a, hush(3), b, hush(2)]), RATE)
    (clip,) = read_folder(tmp_path / "gaps.wav", RATE, min_seconds=1.0).clips
    # 2 s of tone, the 3 s gap cut to 0.5 s, 50 ms kept before and after the sound
    assert len(clip) / RATE == pytest.approx(2.6, abs=0.03)
    frames = clip[: len(clip) // 160 * 160].reshape(-1, 160)  # 10 ms
    quiet = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1)) < 1e-3
    runs = [len(run) for run in "".join("q" if q else "." for q in quiet).split(".") if run]
    assert max(runs) * 0.01 == pytest.approx(0.5, abs=0.03)  # the gap
    assert quiet[:4].all() and not quiet[6:100].any()  # 50 ms lead-in, then the tone
    # a quiet file that is not silence is kept: about -49 dBFS
    write(tmp_path / "soft.wav", tone(440.0, 1.0, RATE, amp=0.005), RATE)
    (soft,) = read_folder(tmp_path / "soft.wav", RATE, min_seconds=0.5).clips
    assert len(soft) == RATE


def test_a_folder_is_read_recursively_sorted_skipping_hidden_and_other_files(
    tmp_path: Path,
) -> None:
    write(tmp_path / "sub" / "b.flac", tone(330.0, 1.0, 22050), 22050)
    write(tmp_path / "a.WAV", tone(440.0, 1.0, 48000), 48000, format="WAV")
    write(tmp_path / ".hidden.wav", tone(440.0, 1.0, RATE), RATE)
    write(tmp_path / ".git" / "c.wav", tone(440.0, 1.0, RATE), RATE)
    (tmp_path / "notes.txt").write_text("not audio")
    seen: list[str] = []
    corpus = read_folder(tmp_path, RATE, min_seconds=1.0, on_file=seen.append)
    assert corpus.names == seen == ["a.WAV", "sub/b.flac"]
    assert corpus.seconds == pytest.approx(2.0, abs=0.01)
    assert corpus.describe() == "2 files, 2.0 s of sound"
    clips = [np.zeros(10, np.float32)] * 14
    assert Corpus(clips, ["x"] * 14, 123.4).describe() == "14 files, 2 min 03 s of sound"


def refused(path: Path, *patterns: str, min_seconds: float = 0.5) -> str:
    """The one-line message read_folder refuses `path` with; it must match each pattern."""
    with pytest.raises(GeneratorError) as caught:
        read_folder(path, RATE, min_seconds=min_seconds)
    message = str(caught.value)
    assert "\n" not in message
    for pattern in patterns:
        assert re.search(pattern, message), message
    return message


def test_unreadable_silent_missing_and_empty_are_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "junk.wav").write_bytes(b"RIFF nonsense" * 10)
    refused(tmp_path, r"junk\.wav: not audio that libsndfile can read \(.+\)$")
    (tmp_path / "junk.wav").unlink()
    write(tmp_path / "hush.wav", np.zeros(RATE, np.float32), RATE)
    refused(tmp_path, r"hush\.wav is silent")
    refused(tmp_path / "nowhere", r"nowhere: no such file or folder")
    empty = tmp_path / "empty"
    write(empty / ".hidden.wav", tone(440.0, 1.0, RATE), RATE)
    (empty / "notes.txt").write_text("x")
    refused(empty, r"empty: no audio files in the folder \(reads .*\.flac.*\.wav")
    refused(empty / "notes.txt", r"notes\.txt: not an audio file")


def test_too_little_sound_says_how_much_and_how_much_is_needed(tmp_path: Path) -> None:
    rec = tmp_path / "rec"
    write(rec / "take.wav", np.concatenate([tone(440.0, 1.2, RATE), np.zeros(RATE)]), RATE)
    refused(
        rec,
        r"rec: 1\.2 s of sound after trimming silence; at least 20 s is needed$",
        min_seconds=20,
    )


@pytest.mark.parametrize("bad", [np.nan, np.inf, 100.0])
def test_nan_inf_and_absurd_samples_are_refused(tmp_path: Path, bad: float) -> None:
    data = tone(440.0, 1.0, RATE)
    data[100] = bad
    write(tmp_path / "odd.wav", data, RATE, subtype="FLOAT")
    refused(tmp_path, r"odd\.wav: (has NaN or infinite samples|samples far outside)")


@pytest.fixture
def deadline() -> Iterator[None]:
    """A test that would block fails after 5 s instead."""

    def fail(*_: object) -> None:
        raise TimeoutError("blocked")

    previous = signal.signal(signal.SIGALRM, fail)
    signal.alarm(5)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_fifos_and_devices_are_never_opened_as_audio(tmp_path: Path, deadline: None) -> None:
    write(tmp_path / "good.wav", tone(440.0, 1.0, RATE), RATE)
    os.mkfifo(tmp_path / "pipe.wav")
    refused(tmp_path, r"pipe\.wav: not a regular file")
    refused(tmp_path / "pipe.wav", r"pipe\.wav: not a regular file")
    (tmp_path / "pipe.wav").unlink()
    (tmp_path / "zero.wav").symlink_to("/dev/zero")
    refused(tmp_path, r"zero\.wav: not a regular file")


def test_length_limits_are_checked_before_decoding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_decoding(file: Path) -> None:
        raise AssertionError(f"{file} was decoded")

    monkeypatch.setattr(audio_files, "_decode", no_decoding)
    write(tmp_path / "long.wav", tone(440.0, 2.0, RATE), RATE)
    monkeypatch.setattr(audio_files, "MAX_FILE_SECONDS", 1.5)
    refused(tmp_path, r"long\.wav: 2\.0 s long; use at most 1\.5 s$")
    monkeypatch.setattr(audio_files, "MAX_FILE_SECONDS", 30 * 60.0)
    write(tmp_path / "more.wav", tone(440.0, 2.0, RATE), RATE)
    monkeypatch.setattr(audio_files, "MAX_TOTAL_SECONDS", 3.0)
    refused(tmp_path, r": 4\.0 s of audio; use at most 3\.0 s of audio$")
    assert audio_files._minutes(3600.0) == "60 minutes"


def test_too_many_files_and_odd_rates_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(5):
        (tmp_path / f"{i}.txt").write_text("x")
    monkeypatch.setattr(audio_files, "MAX_ENTRIES", 3)
    refused(tmp_path, r"over 3 files")
    write(tmp_path / "slow" / "slow.wav", tone(50.0, 2.0, 500), 500)
    refused(tmp_path / "slow", r"slow\.wav: a sample rate of 500 Hz is not audio")


def test_augment_reaches_the_target_with_varied_copies() -> None:
    rate = 8000
    clips = [tone(440.0, 1.0, rate, amp=0.25), tone(440.0, 0.5, rate, amp=0.25)]
    out = augment(clips, rate, np.random.default_rng(1), target_seconds=12.0)
    assert all(np.array_equal(a, b) for a, b in zip(out[:2], clips))
    copies = out[2:]
    total = sum(len(x) for x in out) / rate
    assert 12.0 <= total < 12.0 + 1.3  # no more than one copy past it
    assert len(copies) >= 10
    gains, pitches = [], []
    for i, copy in enumerate(copies):
        source = clips[i % 2]
        assert copy.dtype == np.float32
        assert 0.9 * 0.94 - 0.01 <= len(copy) / len(source) <= 1.1 * 1.06 + 0.01
        gains.append(rms_db(copy[400:-400]) - rms_db(source))
        pitches.append(peak_hz(copy, rate))
        assert not (len(copy) == len(source) and np.allclose(copy, source))
    assert all(-6.2 <= g <= 6.2 for g in gains) and np.ptp(gains) > 3.0
    low, high = 440.0 * 2 ** (-1 / 12), 440.0 * 2 ** (1 / 12)
    assert all(low - 3 <= p <= high + 3 for p in pitches) and np.ptp(pitches) > 5.0


def test_augment_is_deterministic_per_seed_and_leaves_enough_alone() -> None:
    rate = 8000
    clips = [tone(440.0, 1.0, rate)]
    one = augment(clips, rate, np.random.default_rng(7), target_seconds=5.0)
    two = augment(clips, rate, np.random.default_rng(7), target_seconds=5.0)
    other = augment(clips, rate, np.random.default_rng(8), target_seconds=5.0)
    assert len(one) == len(two) and all(np.array_equal(a, b) for a, b in zip(one, two))
    assert not (len(one) == len(other) and all(np.array_equal(a, b) for a, b in zip(one, other)))
    assert len(augment(clips, rate, np.random.default_rng(7), target_seconds=1.0)) == 1
    assert SMALL_SECONDS == 120.0


def test_stretch_keeps_pitch_and_varispeed_moves_it() -> None:
    x = tone(440.0, 2.0, RATE)
    for factor in (0.9, 1.1):
        y = stretch(x, factor, RATE)
        assert len(y) == round(len(x) * factor)
        assert peak_hz(y, RATE) == pytest.approx(440.0, abs=1.0)
        assert rms_db(y[800:-800]) == pytest.approx(rms_db(x), abs=0.3)  # no phasing dips
    up = varispeed(x, 1.0)
    assert peak_hz(up, RATE) == pytest.approx(440.0 * 2 ** (1 / 12), abs=1.5)
    assert len(up) / len(x) == pytest.approx(2 ** (-1 / 12), rel=0.01)
