"""Saving a running engine's project without holding up the instrument, and its journal.

The caller (often the OSC receive thread) only takes a snapshot; one worker thread formats and
writes it. One writer at a time, and an older snapshot never overwrites a newer one. Saves asked
for faster than they are written merge: a snapshot still waiting is replaced by the newer one,
so a flood of saves holds one snapshot waiting and one worker thread (a daemon, gone when
nothing waits). Between saves, the journal (mapper.project.journal) keeps every recorded
example on disk, and every change to the gesture takes, the bookmarks or the novelty settings
asks for a save at once (mapper.project.change_watch).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from pathlib import Path

from mapper.core.engine import Engine
from mapper.core.examples import ExampleRows
from mapper.project import (
    JOURNAL_FILE,
    PROJECT_FILE,
    Project,
    project_from_engine,
    save_project,
)
from mapper.project.change_watch import ChangeWatch, changes
from mapper.project.journal import Journal, StoreState, read_store, store_state

log = logging.getLogger("mapper.project.saver")
STOP_WAIT = 10.0  # seconds stop() waits for a save under way
WARN_EVERY = 5.0  # seconds between "could not save" warnings from the save worker


class ProjectSaver:
    """Saves one engine's project into one folder, in the background or right now; between
    saves, journals its new examples and saves its changed gesture takes, bookmarks and
    novelty settings (start() / stop())."""

    def __init__(self, folder: Path, engine: Engine, project: Project) -> None:
        self.folder = folder
        self.engine = engine
        self.project = project  # name, generator, and the project's own OSC settings (not
        # one-off command-line overrides); the rest comes from the engine at each save
        self._write_lock = threading.Lock()
        self._count_lock = threading.Lock()
        self._snapshot_lock = threading.Lock()  # a later number always holds a later state
        self._last_warning = -math.inf  # monotonic time of the last "could not save" logged
        self._taken = 0
        self._written = 0
        self._wanted = False  # a save asked for (save_soon) that the worker has not started
        self._worker: threading.Thread | None = None  # guarded by _count_lock
        state = store_state(engine.examples)
        self.journal = Journal(folder / JOURNAL_FILE, engine, project.saved, state)
        # changes(engine) as the folder holds it (the engine starts as it was read)
        self.changes_saved = changes(engine)
        self.watch = ChangeWatch(engine, lambda: self.changes_saved, self.save_soon)

    def start(self) -> None:
        """Start journaling. Saves first when the folder needs it: a new project, one from an
        older format, or one whose journal was just recovered (so it starts afresh)."""
        if (
            self.project.saved is None
            or not (self.folder / PROJECT_FILE).exists()
            or (self.folder / JOURNAL_FILE).exists()
        ):
            try:
                self.save_now()
            except OSError as e:  # the journal still holds everything: play on, and say so
                self.engine.counters.save_errors += 1
                log.warning("could not save %s: %s", self.folder, e)
        self.journal.start()
        self.watch.start()

    def stop(self) -> None:
        """Stop journaling, with every example written, wait for a save under way or waiting
        (so the folder's lock is never let go while this saver still writes), and save once
        more if a change the watch saves (mapper.project.change_watch) is not on disk yet."""
        self.watch.stop()
        self.journal.stop()
        self.wait_for_saves()
        if changes(self.engine) != self.changes_saved:
            try:
                self.save_now()
            except OSError as e:
                self.engine.counters.save_errors += 1
                log.warning("could not save the latest changes of %s: %s", self.folder, e)

    def wait_for_saves(self, timeout: float = STOP_WAIT) -> bool:
        """Wait until the save worker has written what waits (False if it is still at it
        after `timeout` seconds: a disk that hangs; it is logged)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._count_lock:
                worker = self._worker
            if worker is None or worker is threading.current_thread():
                return True
            worker.join(max(0.0, deadline - time.monotonic()))
            if worker.is_alive():
                log.warning("%s: a save is still being written after %g s", self.folder, timeout)
                return False

    def _snapshot(self) -> tuple[int, Project, StoreState, ExampleRows, int]:
        with self._snapshot_lock:  # numbered and read together: a higher number is newer
            self._taken += 1
            version = changes(self.engine)  # read first: never newer than what is saved
            project = project_from_engine(self.engine, self.project)
            state, rows = read_store(self.engine.examples, 0)
            return self._taken, project, state, rows, version

    def _write(
        self, seq: int, project: Project, state: StoreState, rows: ExampleRows, version: int
    ) -> bool:
        with self._write_lock:
            if seq < self._written:
                return False  # a newer snapshot is already on disk
            save_project(self.folder, project, rows, self.journal, state)
            self.project.saved = project.saved
            self._written = seq
            self.changes_saved = version
            return True

    def save_now(self) -> None:
        """Save and return when it is on disk; OSError if it could not be written."""
        self._write(*self._snapshot())

    def save_soon(self) -> bool:
        """Have the save worker take a snapshot and write it, soon; failures are counted
        (save_errors) and logged. Returns at once, without copying anything (the receive
        thread calls it). False when a save was already waiting: it stands for this one (it
        snapshots when it starts, so it holds everything asked for until then)."""
        with self._count_lock:
            merged = self._wanted
            self._wanted = True
            if self._worker is None:
                self._worker = threading.Thread(target=self._drain, name="mapper-save", daemon=True)
                self._worker.start()
        return not merged

    def _drain(self) -> None:
        """The save worker: snapshots and writes while a save is wanted, then ends. A daemon:
        at exit, save_now (which waits for a write under way) has the last word."""
        while True:
            with self._count_lock:
                if not self._wanted:
                    self._worker = None
                    return
                self._wanted = False
            snapshot = self._snapshot()
            try:
                if self._write(*snapshot):
                    log.info("saved %s (%d examples)", self.folder, len(snapshot[3]))
            except Exception as e:  # OSError, mostly: the worker lives on for the next save
                self.engine.counters.save_errors += 1
                now = time.monotonic()
                if now - self._last_warning >= WARN_EVERY:  # a flood of saves on a full disk
                    self._last_warning = now  # is counted, and said once in a while
                    log.warning("could not save %s: %s", self.folder, e)
