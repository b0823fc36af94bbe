"""The real-time factor, defined once for every place that shows it (the TUI's neural panel,
`mapper headless`'s lines and summary, /mapper/neural/status, `mapper generator rtf`):

    seconds of audio decoded / seconds of compute the decoding thread spent on them,
    over the last RECENT blocks (64), each block timed around the model's decode call
    with that thread's own CPU clock (time.thread_time).

Above 1 the model keeps up on this machine; the player wants some margin (1.5 or more).

Why the thread's CPU clock and not the wall clock: beside a busy terminal UI, the OSC thread
or training, the decode thread spends most of a small model's block waiting for Python's
interpreter lock or for a core, not computing; a wall clock counts those waits as the
model's, so the same model measured 578x alone, 24.5x headless and 7.7x-36.8x in the UI. The
CPU clock counts only the decode's own work (a GPU's too: the thread spins while it waits
for the result), so the figure is the model's speed here, wherever it is read. Whether the
machine gives the decode the time it needs is what the underruns count.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

import numpy as np

RECENT = 64  # blocks in the window every figure is measured over

clock = time.thread_time  # the calling thread's CPU time, in seconds


def timed(decode: Callable[[np.ndarray], np.ndarray], z: np.ndarray) -> tuple[np.ndarray, float]:
    """One block and the compute it took (seconds of this thread's CPU time)."""
    t0 = clock()
    block = decode(z)
    return block, clock() - t0


def rtf(audio_seconds: float, compute_seconds: float) -> float:
    """Seconds of audio per second of compute (0 before anything was decoded)."""
    return audio_seconds / compute_seconds if compute_seconds > 0 else 0.0


class DecodeTimes:
    """The compute times of the last RECENT blocks, and the figures made from them."""

    def __init__(self, block_seconds: float, window: int = RECENT) -> None:
        self.block_seconds = block_seconds
        self._times: deque[float] = deque(maxlen=window)

    def add(self, seconds: float) -> None:
        self._times.append(seconds)

    @property
    def real_time_factor(self) -> float:
        times = list(self._times)
        return rtf(len(times) * self.block_seconds, sum(times))

    @property
    def median_ms(self) -> float:
        times = list(self._times)
        return 1000 * float(np.median(times)) if times else 0.0
