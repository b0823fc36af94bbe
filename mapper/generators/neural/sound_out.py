"""Where the neural audio goes: the speakers, or a clock that keeps time without them, and a
WAV recorder that hears whichever of the two plays.

- Speakers: the default audio output (mapper.generators.speakers); its callback reads the frames it
  needs from the streamer, which never makes it wait.
- Clock: without speakers (headless on a server, or only recording), a thread reads frames at
  the sample rate on a real-time clock, so a recording follows the gestures in time, and a
  model slower than real time is heard (and counted) as gaps, exactly as it would be live.
- WavRecorder: 16-bit PCM via the standard `wave` module. The chunks played are queued
  and written by its own thread; the file's header is rewritten after every write, so even a
  killed process leaves a valid file, and close() writes the rest.
"""

from __future__ import annotations

import logging
import threading
import time
import wave
from collections import deque
from pathlib import Path
from typing import Any

import numpy as np

from mapper.generators.base import GeneratorError
from mapper.generators.neural.streamer import Streamer
from mapper.generators.speakers import Speakers

log = logging.getLogger("mapper.neural")

TICK = 0.01  # seconds between the clock's reads
MAX_CATCH_UP = 1.0  # seconds of audio the clock reads at once after a stall
WRITE_EVERY = 0.05  # seconds between the recorder's writes
SPEAKER_BLOCK = 512  # frames per audio callback (the FIFO adapts it to the model's blocks)


class ClockOutput:
    """Reads the streamer in real time without an audio device (what is read goes to its taps).

    Time starts when the first blocks are ready; from then on it reads `rate` frames a second
    whatever happens, so a stall of the model shows as counted silence, not as a shorter file.
    """

    name = "clock"

    def __init__(self, streamer: Streamer) -> None:
        self.streamer = streamer
        self.frames = 0  # frames read since start
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="mapper-audio-clock", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        s = self.streamer
        while not s.primed.wait(timeout=0.05):  # until the first blocks are ready
            if self._stop.is_set():
                return
        t0 = time.perf_counter()
        self.frames = 0
        most = max(1, int(MAX_CATCH_UP * s.sample_rate))
        while not self._stop.wait(TICK):
            due = int((time.perf_counter() - t0) * s.sample_rate) - self.frames
            if due > 0:
                n = min(due, most)
                s.read(n)
                self.frames += n

    def stop(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2.0)

    def close(self) -> None:
        self.stop()


def fill(streamer: Streamer, outdata: Any, frames: int) -> None:
    """The audio callback's work: the next frames, or silence (never waits on the model)."""
    outdata[:] = streamer.read(frames)


class SpeakerOutput:
    """The default audio output (mapper.generators.speakers), at the model's sample rate."""

    name = "speakers"

    def __init__(self, streamer: Streamer) -> None:
        self.streamer = streamer
        self.speakers = Speakers(
            lambda outdata, frames: fill(streamer, outdata, frames),
            streamer.sample_rate,
            streamer.channels,
            SPEAKER_BLOCK,
        )

    def start(self) -> None:
        self.speakers.start()

    def stop(self) -> None:
        self.speakers.stop()

    def close(self) -> None:
        self.speakers.close()


class WavRecorder:
    """Writes what is played to a 16-bit PCM WAV file; `feed` only queues (the player's thread)."""

    def __init__(self, path: Path, sample_rate: int, channels: int) -> None:
        self.path = path
        self.sample_rate = sample_rate
        self.channels = channels
        self.frames = 0  # frames written
        self.error = ""
        try:
            self._file = open(path, "wb")  # noqa: SIM115 - closed by close()
        except OSError as e:
            raise GeneratorError(f"--record-audio {path}: cannot write it: {e}") from e
        try:
            self._wav: Any = wave.open(self._file, "wb")  # noqa: SIM115 - closed by close()
            self._wav.setnchannels(channels)
            self._wav.setsampwidth(2)
            self._wav.setframerate(sample_rate)
            self._wav.writeframes(b"")  # the header, now: a valid (empty) file from the start
        except (OSError, wave.Error) as e:
            self._file.close()
            raise GeneratorError(f"--record-audio {path}: cannot write it: {e}") from e
        self._chunks: deque[np.ndarray] = deque()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="mapper-wav", daemon=True)
        self._thread.start()

    @property
    def seconds(self) -> float:
        return self.frames / self.sample_rate

    def feed(self, chunk: np.ndarray) -> None:
        self._chunks.append(chunk)

    def _run(self) -> None:
        while not self._stop.wait(WRITE_EVERY):
            self._write()

    def _write(self) -> None:
        with self._lock:
            if self._closed or self.error:
                self._chunks.clear()
                return
            parts = []
            while self._chunks:
                parts.append(self._chunks.popleft())
            if not parts:
                return
            audio = np.concatenate(parts)
            pcm = (np.clip(audio, -1.0, 1.0) * 32767.0).astype("<i2")
            try:
                self._wav.writeframes(pcm.tobytes())
            except (OSError, wave.Error) as e:
                self.error = f"cannot write {self.path}: {e}"
                log.error("%s", self.error)
                return
            self.frames += len(audio)

    def close(self) -> None:
        """Write what is left and finish the file (its header says the final length)."""
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=5.0)
        self._write()
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                self._wav.close()  # writes the final header; the file is ours to close
            except (OSError, wave.Error) as e:
                self.error = self.error or f"cannot finish {self.path}: {e}"
            finally:
                self._file.close()
