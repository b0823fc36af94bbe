"""Wekinator's file of DTW examples (`current/currentData.csv`, DtwData.writeDataToFile): the
takes of `mapper export --format dtw`, and those `mapper import-wekinator` reads.

    # First field is # dimensions of each datapoint, 2nd is gesture class, Next fields are ...
    2,1,0.1,0.5,0.2,0.55,0.3,0.6,
    2,3,0.9,0.1,0.8,0.2,

One line per take: the number of inputs, the gesture (1-based), then the frames one after the
other (frame 1's inputs, frame 2's, ...), each number followed by a comma. A project with
several gesture sets is written with its gestures numbered set after set, as in /wek/outputs
(Wekinator holds one set). Read bounded as a project's files are (mapper.project.reading).
"""

from __future__ import annotations

import errno
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mapper.core.gestures import (
    MAX_FRAMES_IN_ALL,
    MAX_TAKE_FRAMES,
    MAX_TAKES,
    GestureSet,
    GestureTake,
)
from mapper.errors import ProjectError, shown

from .gesture_file import GESTURES_LIMIT, whole
from .reading import LINE_LIMIT, lines, open_regular
from .table import cell_number

FIRST_LINE = (
    "# First field is # dimensions of each datapoint, 2nd is gesture class, Next fields are raw "
    "time series in order t_f1[0], t_f2[0], t_f3[0] etc. where f1, f2, etc are features and "
    "[0] is time"
)  # Wekinator's own first line, word for word
NUMBER_TEXT = 32  # bytes a number and its comma take at most, as Java or Python write them


def dtw_text(sets: Sequence[GestureSet], takes: Sequence[GestureTake]) -> str:
    """The takes in Wekinator's layout (numbers as Python's shortest exact repr, which Java's
    Double.parseDouble reads back)."""
    base = [sum(s.gestures for s in sets[:k]) for k in range(len(sets))]
    out = [FIRST_LINE + "\n"]
    for t in takes:
        if not np.isfinite(t.frames).all():
            raise OSError(errno.EINVAL, f"gesture take {t.id} holds a number that is not finite")
        numbers = "".join(repr(v) + "," for v in t.frames.ravel().tolist())
        out.append(f"{t.frames.shape[1]},{base[t.set] + t.gesture + 1},{numbers}\n")
    return "".join(out)


def read_dtw_data(
    path: Path, n_inputs: int, gestures: int, advice: str
) -> tuple[list[tuple[int, np.ndarray]], list[str]]:
    """The takes in a file of Wekinator's layout: (gesture, 0-based; frames) each, and notes
    on what was left out or cut (a take of one frame; frames beyond MAX_TAKE_FRAMES). A line
    that is not a take of `n_inputs` inputs and a gesture 1..`gestures` is a ProjectError."""
    line_limit = max(LINE_LIMIT, NUMBER_TEXT * n_inputs * MAX_TAKE_FRAMES)
    takes: list[tuple[int, np.ndarray]] = []
    short = cut = total = 0
    with open_regular(path, GESTURES_LIMIT, advice) as f:
        for number, raw in lines(f, path, GESTURES_LIMIT, advice, line_limit):
            at = f"{path}: line {number}"
            try:
                text = raw.decode("utf-8").strip()
            except UnicodeDecodeError:
                raise ProjectError(f"{at}: not UTF-8 text; {advice}") from None
            if not text or text.startswith("#"):
                continue
            gesture, frames = _take(text, at, n_inputs, gestures)
            if len(frames) < 2:
                short += 1
                continue
            if len(frames) > MAX_TAKE_FRAMES:
                cut += 1
                frames = frames[:MAX_TAKE_FRAMES]
            if len(takes) >= MAX_TAKES:
                raise ProjectError(f"{at}: more than {MAX_TAKES:,} takes, the most a project holds")
            total += len(frames)
            if total > MAX_FRAMES_IN_ALL:
                raise ProjectError(
                    f"{at}: more than {MAX_FRAMES_IN_ALL:,} frames of takes, the most a project "
                    "holds; import part of it"
                )
            takes.append((gesture, frames))
    notes = []
    if short:
        notes.append(f"{short} takes of one frame were left out (a take needs 2 frames or more)")
    if cut:
        notes.append(f"{cut} takes longer than {MAX_TAKE_FRAMES:,} frames were cut to that")
    return takes, notes


def _take(text: str, at: str, n_inputs: int, gestures: int) -> tuple[int, np.ndarray]:
    cells = text.split(",")
    if cells[-1].strip() == "":
        cells.pop()  # the comma after the last number
    if len(cells) < 2:
        raise ProjectError(f"{at}: expected the number of inputs, a gesture, then the frames")
    dims = _whole(cells[0], at, "the number of inputs")
    if dims != n_inputs:
        raise ProjectError(
            f"{at}: a take of {dims} inputs; the project has {n_inputs} (inputConfig.xml)"
        )
    gesture = _whole(cells[1], at, "the gesture")
    if not 1 <= gesture <= gestures:
        raise ProjectError(f"{at}: gesture {gesture}; there are 1..{gestures}")
    texts = cells[2:]
    if not texts or len(texts) % n_inputs:
        raise ProjectError(f"{at}: {len(texts)} numbers are not whole frames of {n_inputs} inputs")
    why = ", not a finite number"
    values = [cell_number(t, at, f"number {k + 3}", why) for k, t in enumerate(texts)]
    return gesture - 1, np.array(values, dtype=np.float64).reshape(-1, n_inputs)


def _whole(text: str, at: str, what: str) -> int:
    number = whole(text)
    if number is None:
        raise ProjectError(f"{at}: {what} is {shown(text)}, not a whole number")
    return number
