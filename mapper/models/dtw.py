"""Dynamic time warping, streamed: gestures spotted wherever they start, and followed as played.

Every recorded example (a template of m frames) keeps one column of a subsequence DTW table
(SPRING, Sakurai et al. 2007): cell i holds the cost of the best alignment of the template's
first i+1 frames with stream frames ending now, starting at any earlier frame. Each new frame
updates every column at once from the previous one, so a frame costs the same however long the
stream has run, and a gesture is found wherever in the stream it starts.

The steps allowed per stream frame: stay on the same template frame (the performer slower than
the example, any amount), or advance 1, 2 or 3 frames (up to three times faster). A step over
frames pays the current frame's distance once per frame advanced, so skipping is never free. No
step advances the template without a stream frame: a still pose never matches a whole movement.

Costs are the Euclidean distance between frames (over the inputs chosen), summed along the best
alignment, divided by the template's length and by `scale`: 0 is the example itself.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

NO_MATCH = 1e9  # the cost of a gesture with no example, or before enough frames arrived
MAX_SPEEDUP = 3  # the most template frames one stream frame may advance
_PAD = MAX_SPEEDUP  # columns before each template's first frame: never a path's source


class Spotter:
    """Streams frames against every template; `step(frame)` -> per-gesture cost and progress.

    `templates` are (gesture index, frames (m, n_inputs)) pairs; `gestures` is how many
    gestures there are (those without a template read NO_MATCH). `inputs` picks the columns of
    the templates' and the stream's frames that count (None: all). `scale` divides every cost
    (the examples' spread; None: their `spread` over `inputs`).
    One frame at a time: the receive thread's.
    """

    def __init__(
        self,
        templates: Sequence[tuple[int, np.ndarray]],
        gestures: int,
        inputs: Sequence[int] | None = None,
        scale: float | None = 1.0,
    ) -> None:
        self.gestures = gestures
        self.inputs = None if inputs is None else np.asarray(inputs, dtype=np.intp)
        order = sorted(range(len(templates)), key=lambda t: templates[t][0])
        pick = self.inputs
        kept = [
            (g, np.asarray(f, dtype=np.float64) if pick is None else np.asarray(f)[:, pick])
            for g, f in (templates[t] for t in order)
            if len(f)
        ]
        if scale is None:
            scale = spread([f for _, f in kept])
        self.n = len(kept)
        self.owner = np.array([g for g, _ in kept], dtype=np.intp)
        self.lengths = np.array([len(f) for _, f in kept], dtype=np.intp)
        width = int(self.lengths.max()) if self.n else 1
        dims = kept[0][1].shape[1] if self.n else 0
        frames = np.zeros((self.n, width, dims))
        self._beyond = np.zeros((self.n, width))  # +inf past each template's end
        for t, (_, f) in enumerate(kept):
            frames[t, : len(f)] = f
            self._beyond[t, len(f) :] = np.inf
        self.frames = frames
        # |t - x|^2 = |t|^2 - 2 t.x + |x|^2: one matrix-vector product a frame
        self._flat = np.ascontiguousarray(frames.reshape(self.n * width, dims) * -2.0)
        self._sq = (frames**2).sum(axis=2) + self._beyond
        self.scale = float(scale) if scale > 0 else 1.0
        # per cell: 1 / (length * scale) at the template's last frame (its cost), and
        # 1 / (i + 1) for the partial cost that says how far through it the stream is
        self._weight = 1.0 / (self.lengths * self.scale)
        self._partial = 1.0 / np.arange(1, width + 1)
        self._last = self.lengths - 1
        self._rows = np.arange(self.n)
        # each gesture's templates, one row per gesture with one, padded with a template that
        # is never close (index n: an extra cell of +inf): a frame's answers in a few calls
        self._present = np.unique(self.owner)
        most = max((int(np.count_nonzero(self.owner == g)) for g in self._present), default=1)
        self._slots = np.full((len(self._present), most), self.n, dtype=np.intp)
        for row, g in enumerate(self._present):
            members = np.flatnonzero(self.owner == g)
            self._slots[row, : len(members)] = members
        self._span = np.append(np.maximum(self._last, 1), 1).astype(np.float64)
        # two tables, the previous frame's and this one's, swapped each frame; work buffers
        self._tables = [np.empty((self.n, _PAD + width)) for _ in range(2)]
        self._best = np.empty((self.n, width))
        self._more = np.empty((self.n, width))
        self.followed = -1  # the gesture whose partial alignment is best now
        self.followed_score = np.inf  # its partial cost per frame, in `scale` units
        self.reset()

    def reset(self) -> None:
        """Forget the stream so far: the next frame starts fresh (startRunning)."""
        for table in self._tables:
            table.fill(np.inf)

    def distances(self, frame: np.ndarray) -> np.ndarray:
        """Each template frame's Euclidean distance to `frame` (n templates x width)."""
        x = frame if self.inputs is None else frame[self.inputs]
        sq = (self._flat @ x).reshape(self._sq.shape)
        sq += self._sq
        sq += x @ x
        np.maximum(sq, 0.0, out=sq)  # rounding can take an exact match a little below 0
        return np.sqrt(sq, out=sq)

    def step(self, frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One stream frame -> (cost per gesture, progress per gesture 0..1)."""
        costs = np.full(self.gestures, NO_MATCH)
        progress = np.zeros(self.gestures)
        if not self.n:
            return costs, progress
        d = self.distances(np.asarray(frame, dtype=np.float64))
        prev, table = self._tables
        self._tables = [table, prev]
        p, best, more = _PAD, self._best, self._more
        np.minimum(prev[:, p:], prev[:, p - 1 : -1], out=best)  # stay, or advance one
        np.add(prev[:, p - 2 : -2], d, out=more)  # advance two: pay twice
        np.minimum(best, more, out=best)
        np.add(prev[:, p - 3 : -3], d + d, out=more)  # three: three times
        np.minimum(best, more, out=best)
        best[:, 0] = 0.0  # a path may start at the first frame, on any stream frame
        now = table[:, p:]
        np.add(best, d, out=now)
        ends = np.append(now[self._rows, self._last] * self._weight, np.inf)
        # how far through: the template frame where the stream's best partial alignment is
        where = np.append(np.argmin(now * self._partial, axis=1), 0)
        partial = np.append(now[self._rows, where[:-1]] * self._partial[where[:-1]], np.inf)
        slots = self._slots
        costs[self._present] = np.minimum(ends[slots].min(axis=1), NO_MATCH)
        followed = slots[np.arange(len(slots)), np.argmin(partial[slots], axis=1)]
        progress[self._present] = where[followed] / self._span[followed]
        row = int(np.argmin(partial[followed]))
        self.followed = int(self._present[row])
        self.followed_score = float(partial[followed[row]]) / self.scale
        return costs, progress


def spread(series: Sequence[np.ndarray], inputs: Sequence[int] | None = None) -> float:
    """The examples' own spread: the root mean square distance of their frames from the
    frames' mean (over `inputs`); 1.0 when there is none (one frame, or all the same)."""
    if not series:
        return 1.0
    frames = np.concatenate([np.asarray(s, dtype=np.float64) for s in series if len(s)])
    if inputs is not None:
        frames = frames[:, list(inputs)]
    if len(frames) < 2:
        return 1.0
    value = float(np.sqrt(((frames - frames.mean(axis=0)) ** 2).sum(axis=1).mean()))
    return value if value > 1e-12 else 1.0
