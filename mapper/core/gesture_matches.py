"""When a gesture set announces a match (`/<set>_<k>`): once per performance, at its end.

A gesture is announced when it is the set's closest, its cost is under the threshold, and its
cost has stopped falling (the performance ended a frame ago: not while it is still being
played, when a partial match can dip under the threshold first). It stays the set's match, and
is not announced again, until its cost rises above RELEASE times the threshold. Meanwhile
another gesture is announced only when it is clearly closer (SWITCH times the held one's cost
or less), so two similar gestures never take turns frame after frame.
"""

from __future__ import annotations

import numpy as np

from mapper.models.dtw import NO_MATCH

RELEASE = 1.5  # a match is let go above threshold x RELEASE, not at the threshold
SWITCH = 0.7  # another gesture takes over a held match only at this share of its cost


class Matches:
    """Per gesture set, the gesture matched last (or -1) and the costs of the frame before."""

    def __init__(self, sets: int) -> None:
        self.held = [-1] * sets
        self._before: list[np.ndarray | None] = [None] * sets

    def update(self, s: int, costs: np.ndarray, threshold: float) -> int:
        """This frame's costs of set s -> the gesture to announce now (0-based), or -1."""
        before, self._before[s] = self._before[s], costs
        held = self.held[s]
        if held >= 0 and costs[held] > threshold * RELEASE:
            held = self.held[s] = -1  # let go: the same gesture may match again
        best = int(np.argmin(costs))
        cost = float(costs[best])
        if best == held or not cost < min(threshold, NO_MATCH):
            return -1
        if held >= 0 and not cost <= SWITCH * costs[held]:
            return -1
        if before is None or cost < before[best]:
            return -1  # still falling: the performance may not be over
        self.held[s] = best
        return best

    def clear(self) -> None:
        """Forget every match and the frames before (startRunning)."""
        self.held = [-1] * len(self.held)
        self._before = [None] * len(self._before)
