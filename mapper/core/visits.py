"""Where the performer has been: a bounded record of recent live inputs while running.

One frame every INTERVAL seconds goes into a ring of CAPACITY rows (the last minute of
playing at any frame rate); the oldest is overwritten. The hot path pays one comparison a
frame and one row copy every INTERVAL. Read (suggestions) from any thread: a copy.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

INTERVAL = 0.02  # seconds between frames kept: 50 a second whatever the sensor's rate
CAPACITY = 3000  # rows: 60 seconds of playing


class Visits:
    def __init__(self, n_inputs: int) -> None:
        self._rows = np.zeros((CAPACITY, n_inputs))
        self._count = 0  # rows ever kept (the next goes to _count % CAPACITY)
        self._next = 0.0  # perf_counter time from which the next frame is kept
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return min(self._count, CAPACITY)

    def add(self, frame: Sequence[float], now: float) -> None:
        """Keep `frame` if INTERVAL has passed since the last one kept (the hot path)."""
        if now < self._next:
            return
        self._next = now + INTERVAL
        with self._lock:
            self._rows[self._count % CAPACITY] = frame
            self._count += 1

    def rows(self) -> np.ndarray:
        """The frames kept, oldest first (a copy)."""
        with self._lock:
            count = self._count
            if count <= CAPACITY:
                return self._rows[:count].copy()
            at = count % CAPACITY
            return np.concatenate((self._rows[at:], self._rows[:at]))

    def clear(self) -> None:
        with self._lock:
            self._count = 0
