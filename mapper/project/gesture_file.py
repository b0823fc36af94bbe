"""gestures.csv: a project's gesture takes (temporal gestures), one line per frame.

    take,set,gesture,time,<input names...>
    1,output,1,2026-01-01T12:00:00.123456+00:00,0.25,0.5
    1,output,1,2026-01-01T12:00:00.123456+00:00,0.3,0.55
    2,output,3,2026-01-01T12:00:04.000000+00:00,0.9,0.1
    ...

`take`: the take's number (1..999,999,999, unique); `set`: the gesture set's name, as in
project.json's `gesture_sets`; `gesture`: 1-based within that set; `time`: when the take was
recorded (UTC, ISO 8601, the same on each of its lines); then one finite number per input, in
the project's order (the header's input names are for people: only their count must match).
A take's lines are together, in the order of its frames; takes are in the order recorded.
Written only for a project with gesture sets (with the other files, mapper.project.files).

Read bounded (mapper.project.reading): at most GESTURES_LIMIT bytes, lines of at most
LINE_LIMIT, MAX_TAKES takes of 2..MAX_TAKE_FRAMES frames; anything else (a set or gesture
that does not exist, a number that is not finite, a take cut in two) is a one-line
ProjectError naming the file and the line. Nothing in it is executed.
"""

from __future__ import annotations

import csv
import errno
import io
import math
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from mapper.core.examples import TEXT_LIMIT
from mapper.core.gestures import (
    MAX_FRAMES_IN_ALL,
    MAX_TAKE_FRAMES,
    MAX_TAKES,
    GestureSet,
    GestureTake,
)
from mapper.errors import ProjectError, shown
from mapper.file_kinds import size_text

from .reading import open_regular, text_lines
from .table import FIRST_TIME, LAST_TIME, cell_number, format_time, parse_time

GESTURES_FILE = "gestures.csv"
GESTURES_LIMIT = TEXT_LIMIT  # as examples.csv: a save that would pass it fails, and says so
HEAD = ("take", "set", "gesture", "time")
MAX_TAKE_ID = 999_999_999
_WHOLE = re.compile(r"\s*\+?([0-9]{1,9})\s*", re.ASCII)


def whole(text: str) -> int | None:
    """A cell holding a whole number of at most 9 digits, or None."""
    match = _WHOLE.fullmatch(text)
    return None if match is None else int(match.group(1))


ADVICE = "fix it or move it away (the project then opens with no gesture takes)"


# ---- writing --------------------------------------------------------------------------------
def gestures_text(
    input_names: Sequence[str], sets: Sequence[GestureSet], takes: Sequence[GestureTake]
) -> str:
    """gestures.csv's text. A take that cannot be written (a number that is not finite), or
    more text than GESTURES_LIMIT, is an OSError, as a full disk is: the save fails and says
    so, and nothing on disk changes."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([*HEAD, *input_names])
    for t in takes:
        if not np.isfinite(t.frames).all():
            raise OSError(errno.EINVAL, f"gesture take {t.id} holds a number that is not finite")
        start = [t.id, sets[t.set].name, t.gesture + 1, format_time(t.time)]
        writer.writerows([*start, *map(repr, frame)] for frame in t.frames.tolist())
        if buf.tell() > GESTURES_LIMIT:
            raise OSError(
                errno.EFBIG,
                f"the gesture takes need more than {size_text(GESTURES_LIMIT)} in "
                f"{GESTURES_FILE}; delete some takes",
            )
    return buf.getvalue()


# ---- reading --------------------------------------------------------------------------------
def read_gestures(
    path: Path, input_names: Sequence[str], sets: Sequence[GestureSet]
) -> list[GestureTake]:
    """The takes in gestures.csv (none when the file is absent), checked against the
    project's inputs and gesture sets."""
    if not (path.is_symlink() or path.exists()):
        return []
    with open_regular(path, GESTURES_LIMIT, ADVICE) as f:
        reader = csv.reader(text_lines(f, path, GESTURES_LIMIT, ADVICE))
        try:
            return _Reader(path, len(input_names), sets).read(
                (reader.line_num, cells) for cells in reader
            )
        except csv.Error as e:
            raise ProjectError(
                f"{path}: line {reader.line_num}: cannot be read as CSV: {e}; {ADVICE}"
            ) from None


class _Reader:
    """gestures.csv's lines -> takes, one take at a time."""

    def __init__(self, path: Path, n_inputs: int, sets: Sequence[GestureSet]) -> None:
        self.path = path
        self.n_inputs = n_inputs
        self.sets = {s.name: (k, s) for k, s in enumerate(sets)}
        self.width = len(HEAD) + n_inputs
        self.takes: list[GestureTake] = []
        self.ids: set[int] = set()
        self.key: list[str] | None = None  # the current take's first four cells
        self.take: tuple[int, int, int, float] | None = None  # its id, set, gesture, time
        self.frames: list[list[float]] = []
        self.total = 0  # frames of every take so far
        self.first = 0  # the line its first frame is on

    def read(self, lines: Iterator[tuple[int, list[str]]]) -> list[GestureTake]:
        """The takes of the numbered CSV rows, the header first."""
        first = next(lines, None)
        if first is None:
            return []
        head = first[1]
        if len(head) != self.width or [h.strip() for h in head[:4]] != list(HEAD):
            raise ProjectError(
                f"{self.path}: line 1: the header must be {','.join(HEAD)} and "
                f"{self.n_inputs} input names ({self.width} columns), not {shown(head, 60)}"
            )
        for line, cells in lines:
            if cells:
                self._line(cells, line)
        self._end()
        return self.takes

    def _line(self, cells: list[str], line: int) -> None:
        at = f"{self.path}: line {line}"
        if len(cells) != self.width:
            raise ProjectError(
                f"{at}: {len(cells)} columns, expected {self.width} (take, set, gesture, time, "
                f"{self.n_inputs} inputs); fix or delete that line"
            )
        if cells[:4] != self.key:
            self._start(cells, at, line)
        if len(self.frames) >= MAX_TAKE_FRAMES:
            raise ProjectError(f"{at}: a take of more than {MAX_TAKE_FRAMES:,} frames")
        self.total += 1
        if self.total > MAX_FRAMES_IN_ALL:
            raise ProjectError(
                f"{at}: more than {MAX_FRAMES_IN_ALL:,} frames of takes, the most a project holds"
            )
        self.frames.append(self._numbers(cells[4:], at))

    def _start(self, cells: list[str], at: str, line: int) -> None:
        take_id = self._whole(cells[0], at, "take", MAX_TAKE_ID)
        if self.take is not None and take_id == self.take[0]:
            raise ProjectError(
                f"{at}: take {take_id} changes its set, gesture or time; every line of a take "
                "has the same"
            )
        if take_id in self.ids:
            raise ProjectError(
                f"{at}: take {take_id} again, after other takes: a take's lines are together"
            )
        found = self.sets.get(cells[1])
        if found is None:
            known = ", ".join(shown(n, 30) for n in self.sets) or "none"
            raise ProjectError(
                f"{at}: no gesture set {shown(cells[1])} in project.json (its sets: {known})"
            )
        s, gs = found
        gesture = self._whole(cells[2], at, f"gesture (1..{gs.gestures} in {gs.name})", gs.gestures)
        when = min(max(parse_time(cells[3], at), FIRST_TIME), LAST_TIME)
        self._end()
        if len(self.takes) >= MAX_TAKES:
            raise ProjectError(f"{at}: more than {MAX_TAKES:,} takes, the most a project holds")
        self.ids.add(take_id)
        self.key, self.take, self.first = cells[:4], (take_id, s, gesture - 1, when), line
        self.frames = []

    def _end(self) -> None:
        """The take read so far is complete: kept if it has 2 frames or more."""
        if self.take is None:
            return
        take_id, s, k, when = self.take
        if len(self.frames) < 2:
            raise ProjectError(
                f"{self.path}: line {self.first}: take {take_id} has one frame; a take needs 2 "
                "or more"
            )
        frames = np.array(self.frames, dtype=np.float64).reshape(-1, self.n_inputs)
        self.takes.append(GestureTake(take_id, s, k, frames, when))
        self.take, self.key, self.frames = None, None, []

    def _whole(self, text: str, at: str, what: str, top: int) -> int:
        number = whole(text)
        if number is None or not 1 <= number <= top:
            raise ProjectError(f"{at}: {what} is {shown(text)}; it must be 1..{top:,}")
        return number

    def _numbers(self, texts: list[str], at: str) -> list[float]:
        try:
            values = [float(c) for c in texts]
            if math.isfinite(sum(values)):
                return values
        except (ValueError, OverflowError):
            pass
        why = "; takes hold finite numbers"  # says which cell, and why
        return [cell_number(c, at, f"input {k + 1}", why) for k, c in enumerate(texts)]
