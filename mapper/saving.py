"""Saving a running engine's project without holding up the instrument.

The caller (often the OSC receive thread) only takes a snapshot; a worker thread formats and
writes it. One writer at a time, and an older snapshot never overwrites a newer one.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from mapper.engine import Engine
from mapper.examples import ExampleRows
from mapper.project import Project, project_from_engine, save_project

log = logging.getLogger("mapper.saving")


class ProjectSaver:
    """Saves one engine's project into one folder, in the background or right now."""

    def __init__(self, folder: Path, engine: Engine, project: Project) -> None:
        self.folder = folder
        self.engine = engine
        self.project = project  # name, generator, and the project's own OSC settings (not
        # one-off command-line overrides); the rest comes from the engine at each save
        self._write_lock = threading.Lock()
        self._count_lock = threading.Lock()
        self._taken = 0
        self._written = 0

    def _snapshot(self) -> tuple[int, Project, ExampleRows]:
        with self._count_lock:
            self._taken += 1
            seq = self._taken
        project = project_from_engine(self.engine, self.project)
        return seq, project, self.engine.examples.snapshot()

    def _write(self, seq: int, project: Project, rows: ExampleRows) -> bool:
        with self._write_lock:
            if seq < self._written:
                return False  # a newer snapshot is already on disk
            save_project(self.folder, project, rows)
            self._written = seq
            return True

    def save_now(self) -> None:
        """Save and return when it is on disk; OSError if it could not be written."""
        self._write(*self._snapshot())

    def save_soon(self) -> threading.Thread:
        """Take a snapshot now and write it from a worker thread; failures are logged."""
        seq, project, rows = self._snapshot()

        def write() -> None:
            try:
                if self._write(seq, project, rows):
                    log.info("saved %s (%d examples)", self.folder, len(rows))
            except OSError as e:
                self.engine.counters.save_errors += 1
                log.warning("could not save %s: %s", self.folder, e)

        thread = threading.Thread(target=write, name="mapper-save", daemon=False)
        thread.start()
        return thread
