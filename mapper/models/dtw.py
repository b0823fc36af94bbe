"""Dynamic time warping, streamed: gestures spotted wherever they start, and followed as played.

Every recorded example (a template of m frames) keeps one column of a subsequence DTW table
(SPRING, Sakurai et al. 2007): cell i holds the cost of the best alignment of the template's
first i+1 frames with stream frames ending now, starting at any earlier frame. Each new frame
updates every column at once from the previous one, so a frame costs the same however long the
stream has run, and a gesture is found wherever in the stream it starts.

The steps allowed per stream frame: stay on the same template frame (the performer slower than
the example, any amount), or advance 1, 2 or 3 frames (up to three times faster). Every step
pays the squared distance between the stream frame and the template frame it reaches; a step
off the diagonal also pays OFF_DIAGONAL (a stay once, an advance of k frames k-1 times, with the
distance again for each frame passed over), so a path keeps to the example's own pace unless
the performance is really slower or faster. No step advances the template without a stream
frame: a still pose never matches a whole movement.

A cost is the sum along the best alignment of a whole template ending at this frame, divided by
half the alignment's length (the template's frames plus the stream's) and by `scale` squared:
0 is the example itself, 1 an average squared distance of `scale` squared. Dividing by both
lengths, not by the template's alone, makes explaining more of the stream count: a gesture that
fits only the stream's last few frames does not win over one that fits all of it.

Following (how far through each gesture the stream is) keeps tables of its own, with the same
steps and no pace kept: a performance three times slower is followed where it is.

The templates lie end to end in flat arrays, each after PAD cells that never hold a path, so a
frame costs in proportion to the frames of all the takes, whatever their lengths.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

TOO_BIG = 1e300  # a take's frame whose squared length is beyond this matches nothing
TOO_BIG_VALUE = 1e140  # nor does a live frame with a value beyond this (131 of them square
# and sum to under 1e283: with a take's frame, a product of at most 1e292)
ALL, NEAREST, NONE = "all", "nearest", "none"  # whose following step() works out
NO_MATCH = 1e9  # the cost of a gesture with no example, or before enough frames arrived
TRIM = 0.05  # the share of frames farthest from the rest that a set's spread leaves out
MAX_SPEEDUP = 3  # the most template frames one stream frame may advance
# what a step off the diagonal pays, in units of scale squared: chosen on four labelled
# datasets (benchmarks/dtw.py), where 0.2 to 0.4 all do about as well
OFF_DIAGONAL = 0.3
PAD = MAX_SPEEDUP  # cells before each template's first frame: never on a path


class Spotter:
    """Streams frames against every template; `step(frame)` -> per-gesture cost and progress.

    `templates` are (gesture index, frames (m, n_inputs)) pairs; `gestures` is how many
    gestures there are (those without a template read NO_MATCH). `inputs` picks the columns of
    the templates' and the stream's frames that count (None: all). `scale` divides every cost
    (the examples' spread; None: the `spread` of the templates' chosen inputs).
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
        pick = self.inputs
        kept = sorted(
            (
                (g, np.asarray(f, dtype=np.float64) if pick is None else np.asarray(f)[:, pick])
                for g, f in templates
                if len(f)
            ),
            key=lambda t: t[0],
        )
        if scale is None:
            scale = spread([f for _, f in kept])
        self.scale = float(scale) if math.isfinite(scale) and scale > 0 else 1.0
        self.n = len(kept)
        self.owner = np.array([g for g, _ in kept], dtype=np.intp)
        self.lengths = np.array([len(f) for _, f in kept], dtype=np.intp)
        dims = kept[0][1].shape[1] if self.n else 0
        # the flat layout: per template PAD cells, then its frames
        self._first = PAD + np.concatenate(([0], np.cumsum(self.lengths + PAD)[:-1])).astype(
            np.intp
        )
        self._last = self._first + self.lengths - 1
        size = int(self._last[-1]) + 1 if self.n else PAD + 1
        frames = np.zeros((size, dims))
        cells = np.ones(size)  # per cell: template frames so far (1 in the pads)
        real = np.zeros(size, dtype=bool)
        for (_, f), first in zip(kept, self._first):
            frames[first : first + len(f)] = f
            cells[first : first + len(f)] = np.arange(1, len(f) + 1)
            real[first : first + len(f)] = True
        with np.errstate(over="ignore", invalid="ignore"):
            sq = (frames**2).sum(axis=1)
        # |t|^2, +inf in the pads (no path goes through them) and for a frame too big to
        # square safely (from a file: it matches nothing, and costs no NaN)
        usable = real & (sq <= TOO_BIG)
        frames[~usable] = 0.0
        sq = np.where(usable, sq, np.inf)
        self.size = size
        # |t - x|^2 = |t|^2 - 2 t.x + |x|^2: one matrix-vector product a frame
        self._flat = np.ascontiguousarray(frames * -2.0)
        self._sq = sq
        self._unit = 2.0 / self.scale**2  # a cost: 2 D / ((template + stream frames) s^2)
        self._penalty = OFF_DIAGONAL * self.scale**2
        self._per_cell = 1.0 / (cells[PAD:] * self.scale**2)  # the following's cost a frame
        # in work arrays (the flat ones less the first PAD cells): where each template's first
        # frame is (and where its cells start, for a reduceat: the next one's pads follow them)
        self._starts = self._first - PAD
        self._ends = self._last - PAD
        # each gesture's templates, one row per gesture with one, padded with a template that
        # is never close (index n: an extra +inf): a frame's answers in a few calls
        self._present = np.unique(self.owner)
        most = max((int(np.count_nonzero(self.owner == g)) for g in self._present), default=1)
        self._slots = np.full((len(self._present), most), self.n, dtype=np.intp)
        for row, g in enumerate(self._present):
            members = np.flatnonzero(self.owner == g)
            self._slots[row, : len(members)] = members
        # the previous frame's and this one's tables, swapped each frame: the cost of the best
        # path to each cell and how many stream frames it holds, and the following's own
        self._tables = [np.empty(size) for _ in range(2)]
        self._counts = [np.zeros(size) for _ in range(2)]
        self._follow = [np.empty(size) for _ in range(2)]
        n = size - PAD
        self._best, self._k, self._more = np.empty(n), np.empty(n), np.empty(n)
        self._paid, self._twice, self._scaled = np.empty(n), np.empty(n), np.empty(n)
        self._mask = np.empty(n, dtype=bool)
        self._shift = np.empty(n)
        self._ends_buf = np.full(self.n + 1, np.inf)
        self._lows = np.full(self.n + 1, np.inf)
        self._gesture_rows = np.arange(len(self._present))
        self._present_list = self._present.tolist()
        self._bounds = list(zip(self._starts.tolist(), (self._ends + 1).tolist()))
        self._span_list = np.maximum(self.lengths - 1, 1).astype(np.float64).tolist()
        self.followed = -1  # the gesture whose partial alignment is best now
        self.followed_score = np.inf  # its partial cost, in `scale` squared units
        self.reset()

    def reset(self) -> None:
        """Forget the stream so far: the next frame starts fresh (startRunning)."""
        for tables in (self._tables, self._follow):
            for table in tables:
                table.fill(np.inf)
        for counts in self._counts:
            counts.fill(0.0)

    def distances(self, frame: np.ndarray) -> np.ndarray:
        """Each cell's squared Euclidean distance to `frame` (+inf in the pads, and for a
        frame too big to square: it matches nothing, and the stream goes on after it)."""
        x = frame if self.inputs is None else frame[self.inputs]
        if not float(np.abs(x).max(initial=0.0)) < TOO_BIG_VALUE:  # NaN too
            return np.full(self.size, np.inf)
        sq = self._flat @ x  # |t.x| <= sqrt(TOO_BIG) |x|: finite
        sq += self._sq
        sq += float(x @ x)
        return np.maximum(sq, 0.0, out=sq)  # rounding can take an exact match a little below 0

    def step(self, frame: np.ndarray, follow: str = ALL) -> tuple[np.ndarray, np.ndarray]:
        """One stream frame -> (cost per gesture, progress per gesture 0..1). `follow`: ALL
        gestures' progress, the NEAREST one's only (`followed`; the others read 0), or NONE
        (about a third of the time saved; the following starts afresh when next asked for)."""
        costs = np.full(self.gestures, NO_MATCH)
        progress = np.zeros(self.gestures)
        if not self.n:
            return costs, progress
        d_all = self.distances(np.asarray(frame, dtype=np.float64))
        d = d_all[PAD:]
        prev, table = self._tables
        prev_k, counts = self._counts
        self._tables, self._counts = [table, prev], [counts, prev_k]
        best, k, more, mask = self._best, self._k, self._more, self._mask
        paid, twice, shift = self._paid, self._twice, self._shift
        np.add(prev[PAD:], self._penalty, out=best)  # stay: slower than the example
        k[:] = prev_k[PAD:]
        np.add(d, self._penalty, out=paid)  # for each frame passed over
        np.add(paid, paid, out=twice)
        for step, extra in ((1, None), (2, paid), (3, twice)):  # its pace, or faster
            back = prev[PAD - step : -step]
            if extra is None:
                more[:] = back
            else:
                np.add(back, extra, out=more)
            np.less(more, best, out=mask)
            np.minimum(best, more, out=best)
            # k = where(mask, the step's source's count, k), with no branch per cell
            np.subtract(prev_k[PAD - step : -step], k, out=shift)
            shift *= mask
            k += shift
        best[self._starts] = 0.0  # a path may start at a first frame, on any stream frame
        k[self._starts] = 0.0
        now = table[PAD:]
        np.add(best, d, out=now)
        held = counts[PAD:]
        np.add(k, 1.0, out=held)
        ends = self._ends_buf
        ends[: self.n] = now[self._ends] * self._unit / (self.lengths + held[self._ends])
        costs[self._present] = np.minimum(ends[self._slots].min(axis=1), NO_MATCH)
        if follow != NONE:
            self._follow_step(d, progress, follow == ALL)
        elif self.followed >= 0:
            self._stop_following()
        return costs, progress

    def _stop_following(self) -> None:
        for table in self._follow:
            table.fill(np.inf)
        self.followed, self.followed_score = -1, np.inf

    def _follow_step(self, d: np.ndarray, progress: np.ndarray, everyone: bool) -> None:
        """How far through each gesture the stream is: where the best partial alignment ends
        (its cost per template frame so far, lowest), in the gesture's closest take."""
        prev, table = self._follow
        self._follow = [table, prev]
        best, more = self._best, self._more
        np.minimum(prev[PAD:], prev[PAD - 1 : -1], out=best)  # stay, or advance one
        np.add(prev[PAD - 2 : -2], d, out=more)  # advance two: pay twice
        np.minimum(best, more, out=best)
        np.add(d, d, out=more)  # three: three times
        more += prev[PAD - 3 : -3]
        np.minimum(best, more, out=best)
        best[self._starts] = 0.0
        now = table[PAD:]
        np.add(best, d, out=now)
        partial = np.multiply(now, self._per_cell, out=self._scaled)
        lows = self._lows  # each template's lowest, then +inf for the slots' padding
        np.minimum.reduceat(partial, self._starts, out=lows[: self.n])
        rows = np.argmin(lows[self._slots], axis=1)
        chosen = self._slots[self._gesture_rows, rows].tolist()
        nearest = int(lows[chosen].argmin())
        self.followed = self._present_list[nearest]
        self.followed_score = float(lows[chosen[nearest]])
        bounds, span = self._bounds, self._span_list
        pairs = zip(self._present_list, chosen) if everyone else [(self.followed, chosen[nearest])]
        for g, t in pairs:  # a few gestures: a short loop
            first, stop = bounds[t]
            progress[g] = partial[first:stop].argmin() / span[t]


def spread(series: Sequence[np.ndarray]) -> float:
    """The examples' own spread: the root mean square distance of their frames from the median
    frame, leaving out the farthest TRIM of frames, so a few wild frames in a take change
    nothing; 1.0 when there is no spread."""
    kept = [np.asarray(s, dtype=np.float64) for s in series if len(s)]
    if not kept:
        return 1.0
    frames = np.concatenate(kept)
    if len(frames) < 2 or not np.isfinite(frames).all():
        return 1.0
    with np.errstate(over="ignore", invalid="ignore"):
        far = np.sort(((frames - np.median(frames, axis=0)) ** 2).sum(axis=1))
        value = float(np.sqrt(far[: max(1, math.ceil(len(far) * (1 - TRIM)))].mean()))
    return value if 1e-12 < value < 1e150 else 1.0
