"""project.json's `novelty` and `bookmarks` (schema 4): written, and checked on read.

    "novelty": {"send": false, "hold": 0.0},
    "bookmarks": [
      {"name": "bright pad", "values": [0.25, 880.0]}
    ]

`novelty.send`: send /mapper/novelty while running; `novelty.hold`: hold each output while its
novelty is above this, 0 (off) to MAX_HOLD. Each problem there is a one-line ProjectError naming
the file and the field, as is `bookmarks` that is not a list or holds more than MAX_BOOKMARKS.

`bookmarks`: the kept output points in order, one a line: a unique `name` (one line of visible
text) and `values`, one finite number per output. A bookmark that breaks a rule costs only
itself: it is skipped (a name is repaired instead) and `warnings` says so; the project opens.
Bookmarks that would pass MAX_VALUES numbers in all (bookmarks x outputs: the engine's own
bound) are skipped too, the first ones kept, with one warning saying how many.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from mapper.core.bookmarks import MAX_BOOKMARKS, MAX_VALUES, Bookmark, bookmark_problem, free_name
from mapper.core.hold import MAX_HOLD
from mapper.core.outputs import clean_name, name_problem
from mapper.errors import ProjectError, shown

from .reading import field_name, refuse_unknown

NOVELTY_FIELDS = ("send", "hold")
BOOKMARK_FIELDS = ("name", "values")
SAID = 5  # skipped bookmarks said one by one; the rest in one line


# ---- writing --------------------------------------------------------------------------------
def novelty_doc(send: bool, hold: float) -> dict[str, Any]:
    return {"send": send, "hold": hold}


def bookmarks_doc(marks: list[Bookmark]) -> list[dict[str, Any]]:
    return [{"name": b.name, "values": list(b.values)} for b in marks]


def bookmarks_text(marks: list[dict[str, Any]]) -> str:
    """The `bookmarks` list as project.json holds it (indented two deep): one bookmark a
    line, so a thousand of them stay short and diff line by line."""
    if not marks:
        return "[]"
    lines = ",\n    ".join(json.dumps(m, allow_nan=False) for m in marks)
    return "[\n    " + lines + "\n  ]"


# ---- reading --------------------------------------------------------------------------------
def read_novelty(doc: Any, path: Path) -> tuple[bool, float]:
    """project.json's `novelty` (absent or null, as each of its fields: off) as (send, hold)."""
    if doc is None:
        return False, 0.0
    if not isinstance(doc, dict):
        raise ProjectError(f"{path}: 'novelty' must be an object with 'send' and 'hold'")
    refuse_unknown(doc, NOVELTY_FIELDS, f"{path}: novelty")
    send = doc.get("send")
    if send is not None and not isinstance(send, bool):
        raise ProjectError(f"{path}: novelty.send: must be true or false, not {shown(send)}")
    hold = doc.get("hold")
    if hold is None:
        return bool(send), 0.0
    number = _number(hold)
    if number is None or not 0.0 <= number <= MAX_HOLD:
        raise ProjectError(
            f"{path}: novelty.hold: must be a novelty from 0 (off) to {MAX_HOLD:g}, "
            f"not {shown(hold)}"
        )
    return bool(send), number


def read_bookmarks(doc: Any, n_outputs: int, path: Path, warnings: list[str]) -> list[Bookmark]:
    """project.json's `bookmarks` (absent or null: none), checked; what is skipped or
    repaired is added to `warnings`."""
    if doc is None:
        return []
    if not isinstance(doc, list):
        raise ProjectError(f"{path}: 'bookmarks' must be a list of bookmarks")
    if len(doc) > MAX_BOOKMARKS:
        raise ProjectError(
            f"{path}: bookmarks: {len(doc):,} bookmarks, more than the {MAX_BOOKMARKS:,} a "
            "project may hold"
        )
    named = {
        e["name"].strip() for e in doc if isinstance(e, dict) and isinstance(e.get("name"), str)
    }
    marks: list[Bookmark] = []
    skipped: list[str] = []
    beyond = ""  # the bookmarks past MAX_VALUES, said once
    for k, entry in enumerate(doc):
        at = f"{path}: bookmarks[{k}]"
        if (len(marks) + 1) * n_outputs > MAX_VALUES:
            beyond = (
                f"{path}: bookmarks: {len(doc) - k:,} from bookmarks[{k}] on skipped: "
                f"{len(marks):,} bookmarks of {n_outputs} outputs hold as many values as "
                f"bookmarks may ({MAX_VALUES:,} in all); the next save leaves them out"
            )
            break
        try:
            taken = {b.name for b in marks}
            marks.append(_bookmark(entry, n_outputs, (taken, named), at, warnings))
        except _Skip as e:
            name = entry.get("name") if isinstance(entry, dict) else None
            label = f"{at} ({shown(name)})" if isinstance(name, str) else at
            skipped.append(f"{label}: {e}: skipped; the next save leaves it out")
    warnings += skipped[:SAID]
    if len(skipped) > SAID:
        warnings.append(
            f"{path}: bookmarks: {len(skipped) - SAID} more skipped, the last: "
            f"{skipped[-1].removeprefix(f'{path}: ')}"
        )
    if beyond:
        warnings.append(beyond)
    return marks


class _Skip(Exception):
    """What makes one bookmark unusable (it is skipped, the project opens)."""


def _bookmark(
    entry: Any, n_outputs: int, names: tuple[set[str], set[str]], at: str, notes: list[str]
) -> Bookmark:
    """One bookmark, checked; _Skip says why it cannot be one. A bad name is repaired (to a
    name no other bookmark in the file has) and an unknown field left out, each added to
    `notes`. `names`: those kept so far, and all the file holds."""
    taken, named = names
    if not isinstance(entry, dict):
        raise _Skip(f"must be an object with 'name' and 'values', not {shown(entry)}")
    for key in BOOKMARK_FIELDS:
        if key not in entry:
            raise _Skip(f"missing field {key!r}")
    name, values = entry["name"], entry["values"]
    if not isinstance(name, str):
        raise _Skip(f"name: must be a string, not {shown(name)}")
    if not n_outputs:
        raise _Skip("the project has no outputs to bookmark")
    if not isinstance(values, list) or len(values) != n_outputs:
        what = f"{len(values)} values" if isinstance(values, list) else shown(values)
        raise _Skip(f"values: must list one number per output ({n_outputs}), not {what}")
    numbers = [_number(v) for v in values]
    bad = next((i for i, v in enumerate(numbers) if v is None), None)
    if bad is not None:
        raise _Skip(f"values[{bad}]: {shown(values[bad])} is not a finite number")
    name = name.strip()
    problem = name_problem(name, "name")
    if problem is not None:
        new, used = clean_name(name, ""), named | taken  # taken: names given by repairs too
        name = new if new and new not in used else free_name(used)
        notes.append(f"{at}.{problem}: renamed {name!r}")
    if name in taken:
        raise _Skip(f"{shown(name)} names an earlier bookmark too")
    for key in entry:
        if key not in BOOKMARK_FIELDS:
            notes.append(
                f"{at}.{field_name(key)}: unknown field, left out (the fields are: "
                f"{', '.join(BOOKMARK_FIELDS)})"
            )
    point = tuple(v for v in numbers if v is not None)
    problem = bookmark_problem(name, point, n_outputs)  # the engine's own rule, met above
    if problem is not None:
        raise _Skip(problem)
    return Bookmark(name, point)


def _number(value: Any) -> float | None:
    """A JSON number as a finite float; None for anything else (text, true, a number of
    hundreds of digits)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None
