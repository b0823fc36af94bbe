"""Reading an artist's recordings for sound-model training: a folder (or one file) of WAV, FLAC,
OGG, AIFF or MP3 at any rate and channel count, mixed to mono (the mean of the channels),
resampled to the model's rate (scipy's resample_poly) as float32, with silence trimmed.

Silence: 20 ms frames whose RMS is below -60 dBFS or more than 50 dB under the file's loudest
frame (whichever is higher). Leading and trailing silence goes (50 ms kept either side of the
sound, for attacks and tails); an internal silence longer than 0.5 s is cut to 0.5 s (its first
and last 0.25 s). A file with no frame above that is silent, and refused.

The folder may come from a stranger, so nothing in it is trusted: only regular files are opened
(never a FIFO or a device, opened without blocking and checked again once open), hidden files are
skipped, symlinked folders are not followed, at most `MAX_ENTRIES` entries are scanned, the
declared lengths are checked against `MAX_FILE_SECONDS` and `MAX_TOTAL_SECONDS` before anything
is decoded (and the decoded lengths again, a header can lie), and NaN or infinite samples are
refused. Every refusal is a one-line `GeneratorError` naming the file.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

from mapper.errors import GeneratorError

SUFFIXES = (".aif", ".aifc", ".aiff", ".flac", ".mp3", ".oga", ".ogg", ".wav", ".wave")
MAX_FILE_SECONDS = 30 * 60.0  # one file's declared (and decoded) length
MAX_TOTAL_SECONDS = 60 * 60.0  # the folder's
MAX_ENTRIES = 5000  # directory entries scanned, audio or not
MIN_RATE, MAX_RATE = 1000, 768_000  # a declared sample rate outside this is not audio
MAX_PEAK = 64.0  # float samples far past full scale (+36 dBFS) are not audio either
FRAME_SECONDS = 0.02
FLOOR_DB = -60.0  # silence: below this, or RANGE_DB under the loudest frame
RANGE_DB = 50.0
EDGE_SECONDS = 0.05  # kept before the first and after the last sound
GAP_SECONDS = 0.5  # the longest internal silence kept
_BLOCK = 1 << 16


@dataclass(frozen=True)
class Corpus:
    """The recordings, one mono float32 clip per file (kept apart so that part of each can be
    held out), their names (relative to the folder) and the seconds of sound in all."""

    clips: list[np.ndarray]
    names: list[str]
    seconds: float

    def describe(self) -> str:
        """One line, such as "14 files, 2 min 03 s of sound"."""
        files = f"{len(self.clips)} file{'' if len(self.clips) == 1 else 's'}"
        minutes, secs = divmod(round(self.seconds), 60)
        length = f"{minutes} min {secs:02d} s" if minutes else f"{self.seconds:.1f} s"
        return f"{files}, {length} of sound"


def _mp3_readable() -> bool:
    return "MP3" in sf.available_formats()


def _minutes(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 60 else f"{seconds / 60:.3g} minutes"


def _why(error: BaseException) -> str:
    text = getattr(error, "error_string", None) or getattr(error, "strerror", None) or str(error)
    return " ".join(str(text).split()).rstrip(".")[:120]


def _audio_files(path: Path) -> list[tuple[str, Path]]:
    """(name, path) of each audio file at `path`, sorted, recursing into subfolders."""
    if not os.path.lexists(path):
        raise GeneratorError(f"{path}: no such file or folder")
    kinds = ", ".join(SUFFIXES)
    if not path.is_dir():
        if path.suffix.lower() not in SUFFIXES:
            raise GeneratorError(f"{path}: not an audio file (reads {kinds})")
        return [(path.name, path)]
    found: list[tuple[str, Path]] = []
    folders, scanned = [path], 0
    while folders:
        folder = folders.pop()
        try:
            with os.scandir(folder) as listing:
                for entry in listing:
                    scanned += 1
                    if scanned > MAX_ENTRIES:
                        raise GeneratorError(
                            f"{path}: over {MAX_ENTRIES} files; choose a folder of recordings only"
                        )
                    if entry.name.startswith("."):
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(Path(entry.path))
                    elif Path(entry.name).suffix.lower() in SUFFIXES:
                        name = Path(entry.path).relative_to(path).as_posix()
                        found.append((name, Path(entry.path)))
        except OSError as e:
            raise GeneratorError(f"{folder}: cannot list the folder ({_why(e)})") from None
    if not found:
        raise GeneratorError(f"{path}: no audio files in the folder (reads {kinds})")
    return sorted(found)


@contextmanager
def _opened(file: Path) -> Iterator[sf.SoundFile]:
    """The file open for reading, refused unless it is a regular file libsndfile can read."""
    if file.suffix.lower() == ".mp3" and not _mp3_readable():
        raise GeneratorError(f"{file}: this libsndfile cannot read MP3; convert it to WAV or FLAC")
    try:
        fd = os.open(file, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO must not block the open
    except OSError as e:
        raise GeneratorError(f"{file}: cannot be read ({_why(e)})") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise GeneratorError(f"{file}: not a regular file")
        try:
            opened = sf.SoundFile(handle)
        except Exception as e:  # libsndfile's errors, and whatever a hostile header causes
            raise GeneratorError(
                f"{file}: not audio that libsndfile can read ({_why(e)})"
            ) from None
        with opened:
            if not MIN_RATE <= opened.samplerate <= MAX_RATE:
                raise GeneratorError(
                    f"{file}: a sample rate of {opened.samplerate} Hz is not audio"
                )
            yield opened


def _declared_seconds(file: Path) -> float:
    with _opened(file) as opened:
        seconds = max(opened.frames, 0) / opened.samplerate
    if seconds > MAX_FILE_SECONDS:
        raise GeneratorError(
            f"{file}: {_minutes(seconds)} long; use at most {_minutes(MAX_FILE_SECONDS)}"
        )
    return seconds


def _decode(file: Path) -> tuple[np.ndarray, int]:
    """The file as mono float32 at its own rate, bounded by MAX_FILE_SECONDS however it lies."""
    parts: list[np.ndarray] = []
    with _opened(file) as opened:
        rate, cap, total = opened.samplerate, int(MAX_FILE_SECONDS * opened.samplerate), 0
        while True:
            try:
                block = opened.read(_BLOCK, dtype="float32", always_2d=True)
            except Exception as e:
                why = _why(e)
                raise GeneratorError(
                    f"{file}: not audio that libsndfile can read ({why})"
                ) from None
            if not len(block):
                break
            if not np.isfinite(block).all():
                raise GeneratorError(f"{file}: has NaN or infinite samples; not usable audio")
            parts.append(block.mean(axis=1, dtype=np.float64).astype(np.float32))
            total += len(block)
            if total > cap:
                raise GeneratorError(f"{file}: over {_minutes(MAX_FILE_SECONDS)} long; use less")
    mono = np.concatenate(parts) if parts else np.zeros(0, np.float32)
    if len(mono) and float(np.abs(mono).max()) > MAX_PEAK:
        raise GeneratorError(f"{file}: samples far outside -1..1; not usable audio")
    return mono, rate


def resample(x: np.ndarray, rate: int, sample_rate: int) -> np.ndarray:
    """`x` from `rate` to `sample_rate` (a rational ratio, its terms kept under about 1000)."""
    if rate == sample_rate:
        return x.astype(np.float32, copy=False)
    ratio = Fraction(sample_rate, rate).limit_denominator(1000)
    return resample_poly(x, ratio.numerator, ratio.denominator).astype(np.float32)


def trim_silence(x: np.ndarray, sample_rate: int) -> np.ndarray:
    """`x` without leading and trailing silence, its internal silences cut to GAP_SECONDS;
    empty when all of it is silence (thresholds in the module's docstring)."""
    frame = max(1, round(FRAME_SECONDS * sample_rate))
    count = -(-len(x) // frame)
    padded = np.zeros(count * frame, np.float64)
    padded[: len(x)] = x
    rms = np.sqrt(np.mean(padded.reshape(count, frame) ** 2, axis=1))
    db = 20 * np.log10(np.maximum(rms, 1e-12))
    if not count or db.max() <= FLOOR_DB:
        return np.zeros(0, np.float32)
    loud = np.flatnonzero(db > max(FLOOR_DB, db.max() - RANGE_DB))
    edge = round(EDGE_SECONDS * sample_rate)
    half = round(GAP_SECONDS * sample_rate / 2)
    long = np.flatnonzero((np.diff(loud) - 1) * frame > 2 * half)  # gaps cut to their ends
    starts = [max(0, int(loud[0]) * frame - edge)] + [int(loud[i + 1]) * frame - half for i in long]
    ends = [(int(loud[i]) + 1) * frame + half for i in long]
    ends.append(min(len(x), (int(loud[-1]) + 1) * frame + edge))
    return np.concatenate([x[start:end] for start, end in zip(starts, ends)]).astype(np.float32)


def read_folder(
    path: Path,
    sample_rate: int,
    min_seconds: float,
    on_file: Callable[[str], None] | None = None,
) -> Corpus:
    """The recordings at `path` (a folder, read recursively, or one file) at `sample_rate`,
    mono and trimmed; `on_file(name)` is called before each file is read."""
    files = _audio_files(Path(path))
    declared = sum(_declared_seconds(file) for _, file in files)
    if declared > MAX_TOTAL_SECONDS:
        raise GeneratorError(
            f"{path}: {_minutes(declared)} of audio; "
            f"use at most {_minutes(MAX_TOTAL_SECONDS)} of audio"
        )
    clips: list[np.ndarray] = []
    decoded = 0.0
    for name, file in files:
        if on_file is not None:
            on_file(name)
        mono, rate = _decode(file)
        decoded += len(mono) / rate
        if decoded > MAX_TOTAL_SECONDS:
            raise GeneratorError(f"{path}: over {_minutes(MAX_TOTAL_SECONDS)} of audio; use less")
        clip = trim_silence(resample(mono, rate, sample_rate), sample_rate)
        if not len(clip):
            raise GeneratorError(f"{file} is silent")
        clips.append(clip)
    seconds = sum(len(clip) for clip in clips) / sample_rate
    if seconds < min_seconds:
        raise GeneratorError(
            f"{path}: {seconds:.1f} s of sound after trimming silence; "
            f"at least {min_seconds:g} s is needed"
        )
    return Corpus(clips=clips, names=[name for name, _ in files], seconds=seconds)
