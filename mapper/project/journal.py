"""The journal: every recorded example reaches the disk within a fraction of a second.

`journal.csv` in the project folder holds what changed since the last save:

    # gesture-mapper journal; base=<the 'saved' time of project.json>; mode=append
    round,time,<inputs…>,<outputs…>
    3,2025-05-01T20:15:02.123456+00:00,0.1,0.2,0.5,
    ...

`mode=append`: these rows come after examples.csv's. `mode=full`: examples were deleted or
changed since the save, and these rows are all the examples (examples.csv is superseded).
A journal whose base is not project.json's `saved` belongs to another save and is not applied.

The hot path never waits for it: a writer thread polls the example store every POLL seconds
for rows it has not written (ids only grow; the store's version counter tells of deletions,
which make it rewrite the journal in full), appends them and flushes them to the OS (safe from
a kill at once), and fsyncs at most every FSYNC seconds (safe from a power cut). A full save
restarts the journal in the same commit (mapper.project.files), with the rows recorded since.
"""

from __future__ import annotations

import contextlib
import csv
import logging
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from mapper.core.engine import Engine
from mapper.core.examples import ExampleRows, ExampleStore
from mapper.errors import ProjectError

from . import table
from .files import fsync_dir, write_atomic
from .model import Project

POLL = 0.02  # seconds between looks at the store
FSYNC = 0.05  # seconds: at most this long between an append and its fsync
FIRST_LINE = re.compile(
    r"# gesture-mapper journal; base=(?P<base>[^;]*); mode=(?P<mode>append|full)"
)
log = logging.getLogger("mapper.project.journal")


@dataclass(frozen=True)
class StoreState:
    """Where the store stood when rows were read: its version, row count and last id."""

    version: int
    count: int
    last_id: int


def read_store(store: ExampleStore, after_id: int = 0) -> tuple[StoreState, ExampleRows]:
    """The rows with an id above `after_id`, and the store's state, read at one instant
    (a copy of the new rows only: microseconds)."""
    version, count, last_id, rows = store.rows_after(after_id)
    return StoreState(version, count, last_id), rows


def store_state(store: ExampleStore) -> StoreState:
    """The store's state now (no rows copied)."""
    version, count, last_id, _ = store.rows_after(2**62)
    return StoreState(version, count, last_id)


def only_appended(before: StoreState, after: StoreState, new_rows: int) -> bool:
    """True when the store only gained `new_rows` rows between the two states."""
    return after.version - before.version == new_rows and after.count == before.count + new_rows


def first_line(base: str | None, full: bool) -> str:
    return f"# gesture-mapper journal; base={base or ''}; mode={'full' if full else 'append'}\n"


class Journal:
    """Writes one engine's new examples to `journal.csv` from its own thread."""

    def __init__(self, path: Path, engine: Engine, base: str | None, state: StoreState) -> None:
        self.path = path
        self.engine = engine
        self.base = base
        self._state = state  # the store as the journal file (with examples.csv) holds it
        self._file: IO[str] | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._unsynced_since = 0.0  # monotonic time of the oldest append not yet fsynced
        self._rewrite = False  # a failed write left the file in doubt: write it all again

    # ---- the thread ---------------------------------------------------------------------
    def start(self) -> None:
        self._stop.clear()
        thread = threading.Thread(target=self._loop, name="mapper-journal", daemon=True)
        thread.start()
        self._thread = thread  # only a started thread is ever joined by stop()

    def stop(self) -> None:
        """Write what is left, fsync, and stop the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10.0)
            self._thread = None
        with self._lock:
            self._write_new()
            self._fsync()
            self._close()

    def _loop(self) -> None:
        while not self._stop.wait(POLL):
            with self._lock:
                self._write_new()
                if self._unsynced_since and time.monotonic() - self._unsynced_since >= FSYNC:
                    self._fsync()

    # ---- writing ------------------------------------------------------------------------
    def _write_new(self) -> None:
        """Append the rows the journal has not seen (or rewrite it all after a deletion)."""
        if self.engine.examples.version == self._state.version and not self._rewrite:
            return  # nothing changed: the usual case while playing, checked without a copy
        try:
            state, rows = read_store(self.engine.examples, self._state.last_id)
            if state.version == self._state.version and not self._rewrite:
                return
            if only_appended(self._state, state, len(rows)) and not self._rewrite:
                if len(rows):
                    self._append(rows)
            else:
                state, rows = read_store(self.engine.examples, 0)
                self._write_full(rows)
            self._state = state
            self._rewrite = False
        except OSError as e:
            self._rewrite = True
            self._close()
            self.engine.counters.save_errors += 1
            log.warning("could not write the journal %s: %s", self.path, e)

    def _head(self) -> list[str]:
        return table.header(self.engine.input_names, (o.name for o in self.engine.outputs))

    def _append(self, rows: ExampleRows) -> None:
        if self._file is None:
            new = not self.path.exists()
            self._file = open(self.path, "a", encoding="utf-8", newline="")  # noqa: SIM115
            if new:
                self._file.write(first_line(self.base, full=False))
                self._file.write(table.rows_text(rows, self._head()))
                self._file.flush()
                os.fsync(self._file.fileno())
                fsync_dir(self.path.parent)  # the new file's name is on disk too
                return
        self._file.write(table.rows_text(rows))
        self._file.flush()  # in the OS now: safe from a kill
        if not self._unsynced_since:
            self._unsynced_since = time.monotonic()

    def _write_full(self, rows: ExampleRows) -> None:
        self._close()
        text = first_line(self.base, full=True) + table.rows_text(rows, self._head())
        write_atomic(self.path, text)

    def _fsync(self) -> None:
        if self._file is not None and self._unsynced_since:
            try:
                os.fsync(self._file.fileno())
            except OSError as e:
                self._rewrite = True
                log.warning("could not write the journal %s: %s", self.path, e)
        self._unsynced_since = 0.0

    def _close(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None
        self._unsynced_since = 0.0

    # ---- a full save --------------------------------------------------------------------
    def restart(self, base: str, taken: StoreState, commit: Callable[[str | None], None]) -> None:
        """Start a new journal for the save `base` whose rows were read at `taken`.

        `commit(text)` commits the save with the new journal's text (None: no journal, nothing
        was recorded since). The journal thread waits meanwhile, so no row falls between.
        """
        with self._lock:
            state, rows = read_store(self.engine.examples, taken.last_id)
            full = not only_appended(taken, state, len(rows))
            if full:
                state, rows = read_store(self.engine.examples, 0)
            text = None
            if full or len(rows):
                text = first_line(base, full) + table.rows_text(rows, self._head())
            self._close()
            commit(text)
            self.base = base
            self._state = state
            self._rewrite = False


# ---- reading, when a project opens ------------------------------------------------------------
@dataclass(frozen=True)
class JournalContents:
    base: str | None
    full: bool
    rows: ExampleRows
    torn: int  # lines at the end that a crash left unreadable (ignored)


def read_journal(path: Path, project: Project) -> JournalContents | None:
    """The journal beside a project, or None. Its last lines may be torn by a crash: they are
    ignored; an unreadable line followed by good ones is a ProjectError."""
    if not path.exists():
        return None
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError as e:
        raise ProjectError(f"{path}: cannot be read: {e}") from e
    if "\n" not in text:
        return None  # cut before its first line ended: it holds no rows
    lines = text.split("\n")
    if not text.endswith("\n"):
        lines[-1] = ""  # a line the crash cut short
    match = FIRST_LINE.fullmatch(lines[0])
    if match is None:
        raise ProjectError(
            f"{path}: line 1 is not a gesture-mapper journal's first line; move the file away "
            "to open the project without it"
        )
    n_in, n_out = len(project.input_names), len(project.outputs)
    columns = table.Columns()
    problem: ProjectError | None = None
    torn = 0
    for number, line in enumerate(lines[2:], start=3):
        if not line.strip():
            continue
        try:
            cells = next(csv.reader([line]))
            row = table.read_rows(
                iter([cells]), str(path), project.input_names, project.outputs, number, False
            )
        except (ProjectError, csv.Error, StopIteration) as e:
            problem = problem or ProjectError(f"{path}: line {number}: unreadable ({e})")
            torn += 1
            continue
        if problem is not None:
            raise ProjectError(
                f"{problem}; later lines are fine, so the journal was damaged: move it away "
                "to open the project without it"
            )
        for name in ("rounds", "times", "inputs", "outputs", "mask"):
            getattr(columns, name).extend(getattr(row, name))
    base = match.group("base") or None
    return JournalContents(base, match.group("mode") == "full", columns.rows(n_in, n_out), torn)
