"""The decode thread: a few blocks of audio ready ahead of whoever plays them.

One thread calls `decode(latent())` for the latest latent point, one block after the other
(a streaming RAVE model must be called from one thread, in order), and keeps up to `ahead`
blocks in a queue. The player (the audio callback, or the recorder's clock) calls `read(n)`
for any number of frames: it takes them from the queued blocks through a FIFO and never waits;
when nothing is ready it plays silence and counts an underrun. So a latent change is heard
about `ahead` blocks later, and a model slower than real time is heard as gaps, counted,
instead of stalling the audio.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from mapper.generators.base import GeneratorError
from mapper.generators.neural.real_time import RECENT, DecodeTimes, rtf, timed

log = logging.getLogger("mapper.neural")

# Audio decoded ahead of the player, at least: enough to ride out the stalls of a busy
# machine (a garbage-collection pass of the terminal UI's objects, training, the process
# waiting for a core: 60-150 ms on two cores), which two blocks of a small model (64 ms)
# did not, so underruns rose while nothing was played. A latent change is heard this late.
AHEAD_SECONDS = 0.15
MIN_AHEAD = 2
MAX_AHEAD = 32
__all__ = ["RECENT", "StreamStats", "Streamer", "check_ahead", "default_ahead", "one_line", "rtf"]


def default_ahead(block_seconds: float) -> int:
    """Blocks to decode ahead by default: AHEAD_SECONDS of audio, and at least MIN_AHEAD
    (the toy, 32 ms blocks: 5; RAVE at 48 kHz, 43 ms blocks: 4)."""
    blocks = math.ceil(AHEAD_SECONDS / block_seconds - 1e-9) if block_seconds > 0 else MIN_AHEAD
    return min(max(MIN_AHEAD, blocks), MAX_AHEAD)


class Tap(Protocol):
    """Hears every chunk played, on the player's thread: must return at once (a WAV recorder)."""

    def feed(self, chunk: np.ndarray) -> None: ...


@dataclass(frozen=True)
class StreamStats:
    """What a display or a status line shows about the audio stream."""

    playing: bool
    blocks: int  # blocks decoded since the player was made
    underruns: int  # reads that found too little audio ready (silence played instead)
    underrun_seconds: float  # the silence those underruns played
    real_time_factor: float  # audio seconds per compute second, last 64 blocks (real_time.py)
    block_ms: float  # median compute time of the last 64 blocks
    block_budget_ms: float  # how long one block plays: compute must stay below this
    queue: int  # blocks ready now
    ahead: int  # blocks the decode thread keeps ready
    sample_rate: int
    channels: int
    device: str
    error: str  # why decoding stopped, or ""


class Streamer:
    """Decodes blocks (channels, ratio) ahead on its own thread; `read` takes frames from them."""

    def __init__(
        self,
        decode: Callable[[np.ndarray], np.ndarray],
        latent: Callable[[], np.ndarray],
        channels: int,
        ratio: int,
        sample_rate: int,
        ahead: int | None = None,
        device: str = "cpu",
    ) -> None:
        self._decode = decode
        self._latent = latent
        self.channels = channels
        self.ratio = ratio
        self.sample_rate = sample_rate
        block = ratio / sample_rate
        self.ahead = check_ahead(default_ahead(block) if ahead is None else ahead)
        self.device = device
        self.taps: list[Tap] = []
        self.blocks = 0
        self.underruns = 0
        self.underrun_frames = 0
        self.times = DecodeTimes(block)  # what the real-time factor is made of
        self.error = ""
        self.primed = threading.Event()  # set once `ahead` blocks are ready after start
        self._queue: deque[np.ndarray] = deque()  # blocks as (ratio, channels), oldest first
        self._current: np.ndarray | None = None  # the block being read, from _position on
        self._position = 0
        self._space = threading.Event()  # a block was taken: the decode thread may fill in
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._stopping: threading.Thread | None = None  # the last run's thread, after stop
        self._lock = threading.Lock()

    # ---- control -------------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Decode from the latest latent on. Refused (GeneratorError) while the last run's
        decode is still busy: a streaming model must never be called from two threads."""
        with self._lock:
            if self.playing:
                return
            if self._stopping is not None and self._stopping.is_alive():
                raise GeneratorError(
                    "the model is still finishing its last block after stop: start again soon"
                )
            self._queue.clear()
            self._current = None
            self.primed.clear()
            self._stop = threading.Event()  # each run its own: a late old thread stays stopped
            self.error = ""
            self._thread = threading.Thread(
                target=self._run, args=(self._stop,), name="mapper-decode", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        self._stop.set()
        self._space.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5.0)
            self._stopping = thread  # still alive if its decode outlasted the wait
        self.primed.clear()

    # ---- the player's side: never waits --------------------------------------------------
    def read(self, frames: int) -> np.ndarray:
        """`frames` frames of audio, float32 (frames, channels): what is ready, then silence.

        Before the first blocks are ready (just started) it is silence, not counted; after,
        a short read counts one underrun. Every chunk read goes to the taps.
        """
        out = np.zeros((frames, self.channels), np.float32)
        if not self.primed.is_set():
            return out
        if self.error and self._current is None and not self._queue:
            return out  # the model has stopped (see error): silence, not underruns
        filled = 0
        while filled < frames:
            if self._current is None:
                try:
                    self._current = self._queue.popleft()
                except IndexError:
                    break
                self._position = 0
                self._space.set()
            block, pos = self._current, self._position
            take = min(frames - filled, len(block) - pos)
            out[filled : filled + take] = block[pos : pos + take]
            filled += take
            self._position = pos + take
            if self._position >= len(block):
                self._current = None
        if filled < frames:
            self.underruns += 1
            self.underrun_frames += frames - filled
        for tap in self.taps:
            tap.feed(out)
        return out

    # ---- the decode thread ---------------------------------------------------------------
    def _run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self._space.clear()
            if len(self._queue) >= self.ahead:
                self.primed.set()
                self._space.wait(timeout=0.5)
                continue
            z = self._latent()
            try:
                block, seconds = timed(self._decode, z)
            except Exception as e:  # the model failed: stop decoding, say why, keep the rest
                self.error = f"decode failed: {one_line(e)}"
                log.error("the neural audio model stopped: %s", self.error)
                log.debug("the model's whole error: %s", e)
                self.primed.set()  # what is queued still plays, then silence
                return
            if stop.is_set():  # stopped while it decoded: this block belongs to no run
                return
            self._queue.append(np.ascontiguousarray(np.asarray(block, np.float32).T))
            self.blocks += 1
            self.times.add(seconds)

    # ---- figures -------------------------------------------------------------------------
    def stats(self) -> StreamStats:
        block = self.ratio / self.sample_rate
        return StreamStats(
            playing=self.playing,
            blocks=self.blocks,
            underruns=self.underruns,
            underrun_seconds=self.underrun_frames / self.sample_rate,
            real_time_factor=self.times.real_time_factor,
            block_ms=self.times.median_ms,
            block_budget_ms=1000 * block,
            queue=len(self._queue),
            ahead=self.ahead,
            sample_rate=self.sample_rate,
            channels=self.channels,
            device=self.device,
            error=self.error,
        )


def one_line(error: BaseException) -> str:
    """An error's message in one line: a TorchScript error's last line (the model's own
    message, e.g. "builtins.RuntimeError: ..."), without the interpreter's traceback."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[-1] if lines else type(error).__name__


def check_ahead(ahead: object) -> int:
    if not isinstance(ahead, int) or isinstance(ahead, bool) or not 1 <= ahead <= MAX_AHEAD:
        raise ValueError(f"blocks ahead must be a whole number from 1 to {MAX_AHEAD}")
    return ahead
