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

A write that fails (a full disk, or anything unexpected: the thread never dies of it) leaves
the examples in memory and the old files as they were; the writer tries again after
RETRY_FIRST seconds, waiting twice as long after each failure up to RETRY_MAX, counts the
episode once in the engine's save errors, logs it once (again at most every REPEAT_LOG
seconds while it lasts), and says when the journal is written again.
"""

from __future__ import annotations

import contextlib
import csv
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np

from mapper.core.engine import Engine
from mapper.core.examples import ExampleRows, ExampleStore, max_rows
from mapper.errors import ProjectError

from . import reading, table
from .files import fsync_dir, write_atomic
from .model import Project

POLL = 0.02  # seconds between looks at the store
FSYNC = 0.05  # seconds: at most this long between an append and its fsync
RETRY_FIRST = 1.0  # seconds from a failed write to the next try
RETRY_MAX = 10.0  # the wait doubles after each failed try, up to this
REPEAT_LOG = 60.0  # seconds: a failure that goes on is logged again at most this often
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
        self._failing_since = 0.0  # monotonic time the writes began to fail (0: they work)
        self._retry_at = 0.0  # monotonic time of the next try while they fail
        self._wait = RETRY_FIRST  # seconds from the next failed try to the one after
        self._tries = 0  # failed tries since they began to fail
        self._logged: dict[str, float] = {}  # kind of failure -> monotonic time last logged

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
                if self._failing_since and time.monotonic() < self._retry_at:
                    continue  # backing off: the examples wait in memory meanwhile
                try:
                    self._write_new()
                    if self._unsynced_since and time.monotonic() - self._unsynced_since >= FSYNC:
                        self._fsync()
                except Exception as e:  # a bug, not the disk: still a failed write, never
                    self._failed("write", e)  # the end of the thread (and of the journal)

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
        except Exception as e:  # a full disk, mostly; anything else is handled as one
            self._failed("write", e)
            return
        if self._failing_since:
            self._recovered()

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
                self._failed("fsync", e)
        self._unsynced_since = 0.0

    def _failed(self, kind: str, error: Exception) -> None:
        """A write or fsync failed: write it all again later, backing off; one save error an
        episode, one log line a kind (again at most every REPEAT_LOG seconds)."""
        now = time.monotonic()
        self._rewrite = True
        self._close()
        if not self._failing_since:
            self._failing_since, self._wait, self._tries = now, RETRY_FIRST, 0
            self.engine.counters.save_errors += 1
        self._tries += 1
        self._retry_at = now + self._wait
        last = self._logged.get(kind)
        if last is None:
            self._logged[kind] = now
            log.warning(
                "could not write the journal %s: %s; the examples are kept in memory, tried "
                "again in %g s, then less often (every %g s at most)",
                self.path,
                error,
                self._wait,
                RETRY_MAX,
            )
        elif now - last >= REPEAT_LOG:
            self._logged[kind] = now
            log.warning(
                "still cannot write the journal %s (%d tries in %.0f s): %s",
                self.path,
                self._tries,
                now - self._failing_since,
                error,
            )
        self._wait = min(self._wait * 2, RETRY_MAX)

    def _recovered(self) -> None:
        log.warning(
            "the journal %s is written again (after %d failed tries in %.0f s): every example "
            "is on disk",
            self.path,
            self._tries,
            time.monotonic() - self._failing_since,
        )
        self._failing_since, self._wait, self._tries = 0.0, RETRY_FIRST, 0
        self._logged.clear()

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
            if self._failing_since:  # the save wrote every example
                self._recovered()


# ---- reading, when a project opens ------------------------------------------------------------
@dataclass(frozen=True)
class JournalContents:
    base: str | None
    full: bool
    rows: ExampleRows
    torn: int  # lines at the end that a crash left unreadable (ignored)
    lines: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # per row


def read_journal(path: Path, project: Project) -> JournalContents | None:
    """The journal beside a project, or None. Its last lines may be torn by a crash: they are
    ignored; an unreadable line followed by good ones is a ProjectError. Read bounded, as
    examples.csv is (mapper.project.reading): a FIFO, a device or an endless line is a
    ProjectError, never a hang."""
    if not (path.is_symlink() or path.exists()):
        return None
    advice = "move it away to open the project without it"
    with reading.open_regular(path, reading.JOURNAL_LIMIT, advice) as f:
        return _read_journal_lines(
            reading.lines(f, path, reading.JOURNAL_LIMIT, advice), path, project
        )


def _read_journal_lines(
    numbered: Iterator[tuple[int, bytes]], path: Path, project: Project
) -> JournalContents | None:
    first = next(numbered, None)
    if first is None or not first[1].endswith(b"\n"):
        return None  # cut before its first line ended: it holds no rows
    match = FIRST_LINE.fullmatch(first[1][:-1].decode("utf-8", errors="replace"))
    if match is None:
        raise ProjectError(
            f"{path}: line 1 is not a gesture-mapper journal's first line; move the file away "
            "to open the project without it"
        )
    n_in, n_out = len(project.input_names), len(project.outputs)
    most = max_rows(n_in, n_out)
    columns = table.Columns()
    problem: ProjectError | None = None
    torn = 0
    for number, raw in numbered:
        if number < 3:
            continue  # line 2: the header
        if not raw.endswith(b"\n"):
            break  # a line the crash cut short
        line = raw.decode("utf-8", errors="replace")
        if not line.strip():
            continue
        try:
            cells = next(csv.reader([line]))
            row = table.read_rows(
                iter([cells]), str(path), project.input_names, project.outputs, number
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
        columns.extend(row)
        if len(columns) > most:  # no save writes more: refused, as examples.csv is
            raise ProjectError(table.too_many(f"{path}: line {number}", n_in, n_out))
    base = match.group("base") or None
    full = match.group("mode") == "full"
    return JournalContents(base, full, columns.rows(n_in, n_out), torn, columns.lines())
