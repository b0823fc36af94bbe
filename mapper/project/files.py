"""Writing a project folder so that a kill or a power cut leaves the old project or the new one.

A save writes every new file beside its final name (`.NAME.tmp`, fsynced), then writes a small
commit note (`.saving`, atomically) listing the renames, does the renames, and deletes the note.
Opening a folder finishes a save whose note is there (every new file was complete) and throws
away the beside-files of a save that never reached its note. So the files of one save are
replaced together: never project.json from one save with examples.csv from another.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

COMMIT_NOTE = ".saving"


def beside(path: Path) -> Path:
    """Where a new version of `path` is written before it replaces it."""
    return path.with_name(f".{path.name}.tmp")


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_beside(path: Path, text: str) -> Path:
    """Write text next to `path` (not replacing it yet), flushed to the disk; returns where."""
    tmp = beside(path)
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    return tmp


def write_atomic(path: Path, text: str) -> None:
    """Replace one file at once: the old text or the new, never a mix."""
    tmp = write_beside(path, text)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def commit(folder: Path, names: Iterable[str], remove: Iterable[str] = ()) -> None:
    """Replace `names` by their beside-files (already written) and delete `remove`, together."""
    renames = [n for n in names]
    note = {"rename": renames, "remove": [n for n in remove if n not in renames]}
    fsync_dir(folder)  # the beside-files exist on disk before the note says to use them
    write_atomic(folder / COMMIT_NOTE, json.dumps(note) + "\n")
    _apply(folder, note)


def _apply(folder: Path, note: dict[str, list[str]]) -> None:
    for name in note["rename"]:
        tmp = beside(folder / name)
        if tmp.exists():
            os.replace(tmp, folder / name)
    for name in note["remove"]:
        (folder / name).unlink(missing_ok=True)
    fsync_dir(folder)
    (folder / COMMIT_NOTE).unlink(missing_ok=True)


def finish_interrupted_save(folder: Path, known: Iterable[str]) -> str:
    """Complete a committed save, or discard an uncommitted one; says which (or '')."""
    note_path = folder / COMMIT_NOTE
    if note_path.exists():
        try:
            note = json.loads(note_path.read_text(encoding="utf-8"))
            names = [str(n) for n in note["rename"]]
            gone = [str(n) for n in note["remove"]]
        except (ValueError, KeyError, TypeError, OSError):
            note_path.unlink(missing_ok=True)  # written atomically: never half a note
            return ""
        allowed = set(known)
        if not set(names) | set(gone) <= allowed:  # only our own files, never a path elsewhere
            return ""
        _apply(folder, {"rename": names, "remove": gone})
        return "finished a save that was interrupted"
    stray = [beside(folder / n) for n in [*known, COMMIT_NOTE]]
    found = [p for p in stray if p.exists()]
    for p in found:
        with contextlib.suppress(OSError):
            p.unlink()
    return "discarded a save that was interrupted before it was complete" if found else ""
