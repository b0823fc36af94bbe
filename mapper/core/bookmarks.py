"""Bookmarks: output points (a sound, a drum pattern, a latent point) kept under a name.

The artist curates: a point they like is kept, listed, recalled by name or number (then heard
at once, and recorded against like any hand-set values), deleted. Saved in the project
(project.json's `bookmarks`); `version` moves with every change, so the project saver writes
them within a fraction of a second (mapper.project.change_watch).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mapper.core.outputs import name_problem
from mapper.errors import EngineError

MAX_BOOKMARKS = 1000
MAX_VALUES = 100_000  # numbers in all bookmarks: project.json stays within its size limit


@dataclass(frozen=True)
class Bookmark:
    name: str
    values: tuple[float, ...]  # every output's value, in order


def bookmark_problem(name: str, values: Sequence[float], n_outputs: int) -> str | None:
    """Why this cannot be a bookmark of a project with `n_outputs` outputs, or None."""
    problem = name_problem(name, "a bookmark's name")
    if problem is not None:
        return problem
    if len(values) != n_outputs:
        return f"bookmark {name!r} holds {len(values)} values; the outputs are {n_outputs}"
    if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in values):
        return f"bookmark {name!r} holds a value that is not a finite number"
    return None


def free_name(taken: set[str]) -> str:
    """The first of "sound 1", "sound 2", ... not in `taken`."""
    return next(f"sound {n}" for n in range(1, len(taken) + 2) if f"sound {n}" not in taken)


class Bookmarks:
    """The project's bookmarks, in the order they were kept; safe from any thread."""

    def __init__(self, n_outputs: int, kept: Iterable[Bookmark] = ()) -> None:
        self.n_outputs = n_outputs
        self.items: tuple[Bookmark, ...] = ()  # replaced whole, never changed: read freely
        self.version = 0
        self._lock = threading.Lock()
        for b in kept:
            self.keep(b.values, b.name)

    def __len__(self) -> int:
        return len(self.items)

    def keep(self, values: Sequence[float], name: str | None = None) -> Bookmark:
        """Keep `values` under `name` (default: the first free "sound N"); a name already
        kept gets the new values, in its place."""
        with self._lock:
            items = list(self.items)
            if name is None:
                name = free_name({b.name for b in items})
            name = name.strip()
            problem = bookmark_problem(name, values, self.n_outputs)
            if problem is not None:
                raise EngineError(problem)
            mark = Bookmark(name, tuple(float(v) for v in values))
            at = next((i for i, b in enumerate(items) if b.name == name), None)
            if at is not None:
                items[at] = mark
            elif len(items) >= MAX_BOOKMARKS or (len(items) + 1) * self.n_outputs > MAX_VALUES:
                raise EngineError(
                    f"{len(items)} bookmarks are kept already (at most {MAX_BOOKMARKS}, and "
                    f"{MAX_VALUES:,} values in all): delete some first"
                )
            else:
                items.append(mark)
            self.items = tuple(items)
            self.version += 1
            return mark

    def find(self, key: str | int) -> Bookmark:
        """The bookmark named `key`, or (an int) the key-th, 0-based; EngineError if none."""
        items = self.items
        if isinstance(key, int):
            if 0 <= key < len(items):
                return items[key]
            raise EngineError(f"no bookmark {key + 1}: {len(items)} kept")
        for b in items:
            if b.name == key.strip():
                return b
        names = ", ".join(repr(b.name) for b in items[:10]) or "none kept yet"
        raise EngineError(f"no bookmark named {key!r} (bookmarks: {names})")

    def delete(self, key: str | int) -> Bookmark:
        with self._lock:
            mark = self.find(key)
            self.items = tuple(b for b in self.items if b is not mark)
            self.version += 1
            return mark

    def at(self, values: Sequence[float]) -> Bookmark | None:
        """The bookmark whose point is `values` exactly (the one just recalled), if any."""
        point = tuple(float(v) for v in values[: self.n_outputs])
        return next((b for b in self.items if b.values == point), None)
