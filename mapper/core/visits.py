"""Where the performer has been: a bounded record of recent live inputs while running.

One frame every INTERVAL seconds goes into a ring of rows (CAPACITY: the last minute of
playing at any frame rate; fewer for a great many inputs, at most MAX_BYTES); the oldest is
overwritten. The hot path pays one comparison a frame and one row copy every INTERVAL, and
never waits: the row is written, then the count published, and a reader (suggestions, on
another thread) copies what the count says, at worst with one row newer than it thought.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

INTERVAL = 0.02  # seconds between frames kept: 50 a second whatever the sensor's rate
CAPACITY = 3000  # rows: 60 seconds of playing
MAX_BYTES = 8 * 2**20  # the record's memory, whatever the number of inputs


class Visits:
    def __init__(self, n_inputs: int) -> None:
        rows = max(2, min(CAPACITY, MAX_BYTES // (8 * max(n_inputs, 1))))
        self._rows = np.zeros((rows, n_inputs))
        self._count = 0  # rows ever kept (the next goes to _count % rows)
        self._next = 0.0  # perf_counter time from which the next frame is kept

    def __len__(self) -> int:
        return min(self._count, len(self._rows))

    def add(self, frame: Sequence[float], now: float) -> None:
        """Keep `frame` if INTERVAL has passed since the last one kept (the hot path)."""
        if now < self._next:
            return
        self._next = now + INTERVAL
        count = self._count
        self._rows[count % len(self._rows)] = frame
        self._count = count + 1

    def rows(self) -> np.ndarray:
        """The frames kept, oldest first (a copy)."""
        count, size = self._count, len(self._rows)
        if count <= size:
            return self._rows[:count].copy()
        at = count % size
        return np.concatenate((self._rows[at:], self._rows[:at]))

    def clear(self) -> None:
        self._count = 0
