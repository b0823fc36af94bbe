"""Temporal gestures: gesture sets, their recorded takes, and matching them as the stream plays.

A gesture set is Wekinator's DTW output: K gestures, each taught by a few takes (one take = the
frames between startDtwRecording k and stopDtwRecording). While running, every frame gives one
cost per gesture (lower is closer: mapper.models.dtw), appended to `/wek/outputs` after the
continuous and classifier outputs, set after set; when the best gesture of a set falls under
the set's threshold and is not the one matched last, `/<set name>_<k>` is sent (no arguments).

Gestures are numbered as they appear in `/wek/outputs`: set after set, 1-based on the wire
(`startDtwRecording 1` is the first set's first gesture; in a project with one set, as in
Wekinator, gesture k of that set).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from mapper.core.gesture_matches import Matches
from mapper.core.outputs import name_problem
from mapper.errors import EngineError
from mapper.models.dtw import ALL, NEAREST, NO_MATCH, NONE, Spotter

DEFAULT_THRESHOLD = 0.3  # in units of the spread squared (mapper.models.dtw); benchmarks/dtw.py
MAX_THRESHOLD = 1000.0  # far below NO_MATCH: a gesture with no take never matches
MAX_GESTURES = 100  # in one set: one cost each in every /wek/outputs
MAX_TAKE_FRAMES = 6_000  # one take: a minute at 100 frames/s; the take stops there
MAX_TAKES = 1_000  # in a project
# frames of all takes together: matching costs about 15-20 ns per take frame a stream frame
# (mapper.models.dtw), so at most about 0.6 ms (benchmarks/dtw.py)
MAX_FRAMES_IN_ALL = 30_000
PROGRESS = "/mapper/dtw/progress"
JITTER = 0.1  # a following that slips back less than this is noise: it holds its place

Send = Callable[[str, list[float]], None]


@dataclass
class GestureSet:
    """K gestures matched by dynamic time warping, with their threshold and inputs.

    `threshold`: a set's best gesture matches when its cost is under it. `inputs`: the 0-based
    inputs that count (None: all). Gesture k (0-based) is named `<name>_<k+1>`, its address.
    """

    name: str = "output"
    gestures: int = 3
    threshold: float = DEFAULT_THRESHOLD
    inputs: list[int] | None = None

    def __post_init__(self) -> None:
        problem = set_problem(self)
        if problem:
            raise ValueError(problem)

    def gesture_name(self, k: int) -> str:
        return f"{self.name}_{k + 1}"


def set_problem(s: GestureSet) -> str | None:
    """Why `s` cannot be a gesture set, or None when it can."""
    problem = name_problem(s.name, "gesture set")
    if problem:
        return problem
    if isinstance(s.gestures, bool) or not isinstance(s.gestures, int):
        return f"gesture set {s.name!r}: gestures must be a whole number"
    if not 1 <= s.gestures <= MAX_GESTURES:
        return f"gesture set {s.name!r}: 1 to {MAX_GESTURES} gestures, not {s.gestures}"
    return threshold_problem(s.threshold)


def threshold_problem(value: float) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"a match threshold must be a number, not {value!r}"
    if not (math.isfinite(value) and 0 <= value <= MAX_THRESHOLD):
        return f"a match threshold must be 0 to {MAX_THRESHOLD:g}, not {value}"
    return None


@dataclass(frozen=True)
class GestureTake:
    """One recorded example of one gesture: every input, frame after frame."""

    id: int
    set: int  # which gesture set (0-based)
    gesture: int  # which gesture of the set (0-based)
    frames: np.ndarray = field(repr=False)  # (frames, inputs)
    time: float = 0.0  # when it was recorded (Unix time)


class Gestures:
    """The project's gesture sets and takes, the take being recorded, and the matching.

    Control methods are safe from any thread (they hold `lock`); `record` and `step` are the
    receive thread's (no lock: they read a matcher swapped in whole).
    """

    def __init__(self, n_inputs: int, sets: Sequence[GestureSet], lock: threading.RLock) -> None:
        self.n_inputs = n_inputs
        self.sets = list(sets)
        self.lock = lock
        self.takes: list[GestureTake] = []
        self.send_progress = False
        # work the following out even when it is not sent (a UI shows it): it costs time
        self.show_following = False
        self.version = 0  # counts changes to the takes: a saver writes when it moved
        self._next_id = 1
        self._taking: tuple[int, int] | None = None  # (set, gesture) being recorded
        self._frames: list[tuple[float, ...]] = []
        self._room = MAX_TAKE_FRAMES  # the most frames the take under way may hold
        self._matches = Matches(len(self.sets))
        self._spotters: tuple[Spotter, ...] = ()
        self.last_costs: list[float] = [NO_MATCH] * self.count
        self.last_progress: list[float] = [0.0] * self.count
        self.followed = -1  # the gesture whose following is furthest along (global, 0-based)
        self._rebuild()

    # ---- numbering ----------------------------------------------------------------------
    @property
    def count(self) -> int:
        """How many gestures in all (their costs in every /wek/outputs)."""
        return sum(s.gestures for s in self.sets)

    def locate(self, g: int) -> tuple[int, int]:
        """Global gesture g (0-based) -> (set, gesture within it); EngineError if none."""
        if isinstance(g, int) and g >= 0:
            for s, gs in enumerate(self.sets):
                if g < gs.gestures:
                    return s, g
                g -= gs.gestures
        raise EngineError(f"no gesture {g + 1}: there are {self.count} gestures")

    def number(self, s: int, k: int) -> int:
        """(set, gesture within it) -> global gesture (0-based)."""
        return sum(x.gestures for x in self.sets[:s]) + k

    def names(self) -> list[str]:
        return [gs.gesture_name(k) for gs in self.sets for k in range(gs.gestures)]

    def counts(self) -> list[int]:
        """Takes per gesture, in global order."""
        out = [0] * self.count
        for t in self.takes:
            out[self.number(t.set, t.gesture)] += 1
        return out

    # ---- recording (the hot path appends) -----------------------------------------------
    @property
    def taking(self) -> int:
        """The global gesture being recorded, or -1."""
        t = self._taking
        return -1 if t is None else self.number(*t)

    @property
    def taking_frames(self) -> int:
        """How many frames the take under way holds so far (0 when none is)."""
        return len(self._frames) if self._taking is not None else 0

    def start_take(self, g: int) -> None:
        with self.lock:
            where = self.locate(g)
            room = MAX_FRAMES_IN_ALL - sum(len(t.frames) for t in self.takes)
            if len(self.takes) >= MAX_TAKES or room < 2:  # said before the take, not after
                raise EngineError(
                    f"the project holds as many gesture takes as it may ({MAX_TAKES:,} takes, "
                    f"{MAX_FRAMES_IN_ALL:,} frames in all); delete some first"
                )
            self._room = min(room, MAX_TAKE_FRAMES)
            self._taking = where
            self._frames = []

    def record(self, frame: Sequence[float]) -> bool:
        """Add a frame to the take; False when the take is full (the caller stops it)."""
        self._frames.append(tuple(frame))
        return len(self._frames) < self._room

    def stop_take(self) -> GestureTake | None:
        """End the take: kept if it has at least 2 frames (returned), else dropped (None)."""
        with self.lock:
            where, frames = self._taking, self._frames
            self._taking, self._frames = None, []
            if where is None or len(frames) < 2:
                return None
            take = GestureTake(self._next_id, where[0], where[1], np.array(frames), time.time())
            self.add([take])
            return take

    # ---- the takes ----------------------------------------------------------------------
    def add(self, takes: Sequence[GestureTake]) -> None:
        """Add takes (recorded, or read from a project); their ids stay unique."""
        with self.lock:
            for t in takes:
                gs = self.sets[t.set] if 0 <= t.set < len(self.sets) else None
                if gs is None or not 0 <= t.gesture < gs.gestures:
                    raise EngineError(f"take {t.id}: no gesture {t.gesture + 1} in set {t.set + 1}")
                if t.frames.ndim != 2 or t.frames.shape[1] != self.n_inputs:
                    raise EngineError(f"take {t.id}: frames must have {self.n_inputs} inputs")
            self.takes = [*self.takes, *takes]
            self._next_id = max([self._next_id, *(t.id + 1 for t in takes)])
            self._changed()

    def delete_gesture(self, g: int) -> int:
        """Delete every take of global gesture g; returns how many went."""
        with self.lock:
            s, k = self.locate(g)
            return self._keep([t for t in self.takes if (t.set, t.gesture) != (s, k)])

    def delete_take(self, take_id: int) -> int:
        with self.lock:
            return self._keep([t for t in self.takes if t.id != take_id])

    def delete_all(self) -> int:
        with self.lock:
            return self._keep([])

    def _keep(self, kept: list[GestureTake]) -> int:
        gone = len(self.takes) - len(kept)
        if gone:
            self.takes = kept
            self._changed()
        return gone

    # ---- settings -----------------------------------------------------------------------
    def set_threshold(self, s: int, value: float) -> None:
        problem = threshold_problem(value)
        if problem:
            raise EngineError(problem)
        with self.lock:
            self._set(s).threshold = float(value)
            self.version += 1

    def select_inputs(self, s: int, inputs: Sequence[int]) -> None:
        bad = [i for i in inputs if not 0 <= i < self.n_inputs]
        if bad or not inputs:
            raise EngineError(
                f"no input {bad[0] + 1}: there are {self.n_inputs} inputs"
                if bad
                else "choose at least one input"
            )
        chosen = sorted(set(inputs))
        with self.lock:
            self._set(s).inputs = None if len(chosen) == self.n_inputs else chosen
            self._changed()

    def _set(self, s: int) -> GestureSet:
        if not 0 <= s < len(self.sets):
            raise EngineError(f"no gesture set {s + 1}: there are {len(self.sets)}")
        return self.sets[s]

    def _changed(self) -> None:
        self.version += 1
        self._rebuild()

    def _rebuild(self) -> None:
        """New matchers from the takes (fresh: the stream's history starts again)."""
        spotters = []  # each with its own copy of its set's inputs: never out of step
        for s, gs in enumerate(self.sets):
            series = [(t.gesture, t.frames) for t in self.takes if t.set == s]
            spotters.append(Spotter(series, gs.gestures, gs.inputs, scale=None))
        self._matches.clear()
        self._spotters = tuple(spotters)  # one assignment: the hot path sees all or nothing

    # ---- running (the hot path) ---------------------------------------------------------
    def reset(self) -> None:
        """Forget the stream so far and the last match (startRunning)."""
        with self.lock:
            for spotter in self._spotters:
                spotter.reset()
            self._matches.clear()

    def step(self, frame: Sequence[float], send: Send) -> list[float]:
        """One running frame -> the costs of every gesture; match and progress messages
        go to `send` (address, floats)."""
        x = np.asarray(frame, dtype=np.float64)
        costs: list[float] = []
        progress: list[float] = []
        last = self.last_progress
        follow = ALL if self.send_progress else NEAREST if self.show_following else NONE
        for s, (gs, spotter) in enumerate(zip(self.sets, self._spotters)):
            c, p = spotter.step(x, follow)
            announce = self._matches.update(s, c, gs.threshold)
            if announce >= 0:
                send("/" + gs.gesture_name(announce), [])
            costs.extend(c.tolist())
            progress.extend(p.tolist())
        # a slip back by less than JITTER is noise (the gestures are the same as last frame's)
        progress = [q if q >= o or o - q >= JITTER else o for q, o in zip(progress, last)]
        self.last_costs, self.last_progress = costs, progress
        self.followed = _furthest(self._spotters, self.sets)
        if self.send_progress and progress:
            send(PROGRESS, progress)
        return costs

    def matched(self) -> list[int]:
        """Per set, the gesture matched last (0-based within the set), or -1."""
        return list(self._matches.held)


def _furthest(spotters: Sequence[Spotter], sets: Sequence[GestureSet]) -> int:
    """The global gesture whose partial alignment is best now (the one being followed)."""
    best, where, base = math.inf, -1, 0
    for spotter, gs in zip(spotters, sets):
        if spotter.followed_score < best:
            best, where = spotter.followed_score, base + spotter.followed
        base += gs.gestures
    return where
