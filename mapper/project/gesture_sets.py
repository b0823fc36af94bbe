"""project.json's `gesture_sets` and `dtw_progress` (schema 3): written, and checked on read.

    "gesture_sets": [{"name": "output", "gestures": 3, "threshold": 0.5, "inputs": null}],
    "dtw_progress": false

`name`: the set's name (gesture k is sent as `/<name>_<k>`), one line of visible text, unique;
`gestures`: 1..MAX_GESTURES; `threshold`: a finite number >= 0 (in units of the examples'
spread, mapper.models.dtw); `inputs`: the 0-based inputs that count for matching, or null for
all. Every problem is a one-line ProjectError naming the file and the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mapper.core.gestures import DEFAULT_THRESHOLD, MAX_GESTURES, GestureSet, threshold_problem
from mapper.core.outputs import name_problem
from mapper.errors import ProjectError, shown

from .reading import refuse_unknown

MAX_SETS = 64  # gesture sets in a project: each is matched on every frame
FIELDS = ("name", "gestures", "threshold", "inputs")


def sets_doc(sets: list[GestureSet]) -> list[dict[str, Any]]:
    return [
        {"name": s.name, "gestures": s.gestures, "threshold": s.threshold, "inputs": s.inputs}
        for s in sets
    ]


def read_sets(doc: Any, n_inputs: int, path: Path) -> list[GestureSet]:
    """project.json's `gesture_sets` (absent: none), checked."""
    if doc is None:
        return []
    if not isinstance(doc, list):
        raise ProjectError(f"{path}: 'gesture_sets' must be a list of gesture sets")
    if len(doc) > MAX_SETS:
        raise ProjectError(
            f"{path}: gesture_sets: {len(doc)} sets, more than the {MAX_SETS} a project may hold"
        )
    sets = [_set(s, k, n_inputs, path) for k, s in enumerate(doc)]
    names = [s.name for s in sets]
    for k, name in enumerate(names):
        if name in names[:k]:
            raise ProjectError(
                f"{path}: gesture_sets[{k}].name: {shown(name)} names another set too; "
                "each set needs its own name (its gestures' addresses)"
            )
    return sets


def read_progress(value: Any, path: Path) -> bool:
    """project.json's `dtw_progress` (absent: false)."""
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ProjectError(f"{path}: 'dtw_progress' must be true or false, not {shown(value)}")
    return value


def _set(doc: Any, k: int, n_inputs: int, path: Path) -> GestureSet:
    at = f"{path}: gesture_sets[{k}]"
    if not isinstance(doc, dict):
        raise ProjectError(f"{at}: each gesture set must be a JSON object")
    refuse_unknown(doc, FIELDS, at)
    for key in ("name", "gestures"):
        if key not in doc:
            raise ProjectError(f"{at}: missing field {key!r}")
    name = doc["name"]
    if not isinstance(name, str):
        raise ProjectError(f"{at}.name: must be a string, not {shown(name)}")
    problem = name_problem(name, "name")
    if problem:
        raise ProjectError(f"{at}.{problem}")
    gestures = doc["gestures"]
    if not _whole(gestures) or not 1 <= gestures <= MAX_GESTURES:
        raise ProjectError(f"{at}.gestures: must be 1 to {MAX_GESTURES}, not {shown(gestures)}")
    threshold = doc.get("threshold", DEFAULT_THRESHOLD)
    try:
        problem = threshold_problem(threshold)
    except OverflowError:  # a whole number of hundreds of digits
        problem = f"{shown(threshold)} is not a finite number"
    if problem:
        raise ProjectError(f"{at}.threshold: {problem}")
    return GestureSet(name, gestures, float(threshold), _inputs(doc.get("inputs"), n_inputs, at))


def _inputs(inputs: Any, n_inputs: int, at: str) -> list[int] | None:
    if inputs is None:
        return None
    if not isinstance(inputs, list) or not all(_whole(i) for i in inputs):
        raise ProjectError(
            f"{at}.inputs: must list whole input numbers (0-based), or be null for all"
        )
    chosen = sorted(set(inputs))
    if not chosen:
        raise ProjectError(f"{at}.inputs: a gesture set needs at least one input (null: all)")
    if not 0 <= chosen[0] <= chosen[-1] < n_inputs:
        raise ProjectError(f"{at}.inputs: input numbers must be 0..{n_inputs - 1}")
    return None if len(chosen) == n_inputs else chosen


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
