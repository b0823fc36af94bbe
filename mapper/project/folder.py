"""A project folder: project.json and examples.csv, saved together, loaded with clear errors.

Loading also finishes (or discards) a save a kill interrupted, and recovers the examples the
journal holds beyond the last save (see mapper.project.journal).
"""

from __future__ import annotations

import csv
import json
import logging
import threading
from datetime import datetime, timezone
from pathlib import Path

from mapper.core.examples import ExampleRows
from mapper.errors import MapperError, ProjectError

from . import table
from .files import commit, finish_interrupted_save, write_beside
from .journal import Journal, StoreState, read_journal
from .model import Project
from .schema import project_doc, project_from_doc

PROJECT_FILE = "project.json"
EXAMPLES_FILE = "examples.csv"
JOURNAL_FILE = "journal.csv"
PROJECT_FILES = (PROJECT_FILE, EXAMPLES_FILE, JOURNAL_FILE)

log = logging.getLogger("mapper.project")
_token_lock = threading.Lock()
_last_token = ""


def _save_time() -> str:
    """Now, in UTC with microseconds; strictly later than any earlier call in this process."""
    global _last_token
    with _token_lock:
        now = datetime.now(timezone.utc)
        token = now.isoformat(timespec="microseconds")
        while token <= _last_token:
            now = now.replace(microsecond=(now.microsecond + 1) % 1_000_000)
            token = now.isoformat(timespec="microseconds")
        _last_token = token
        return token


# ---- saving ---------------------------------------------------------------------------------
def save_project(
    folder: Path,
    project: Project,
    rows: ExampleRows,
    journal: Journal | None = None,
    taken: StoreState | None = None,
) -> None:
    """Write project.json and examples.csv into folder (created if needed), together.

    Sets `project.saved`. With a `journal` (and the store state `taken` when `rows` were
    read), the journal is restarted in the same commit with the rows recorded since; without
    one, any journal in the folder is removed with the commit.
    """
    folder.mkdir(parents=True, exist_ok=True)
    project.saved = _save_time()
    write_beside(folder / PROJECT_FILE, json.dumps(project_doc(project), indent=2) + "\n")
    head = table.header(project.input_names, (o.name for o in project.outputs))
    write_beside(folder / EXAMPLES_FILE, table.rows_text(rows, head))
    if journal is None or taken is None:
        commit(folder, [PROJECT_FILE, EXAMPLES_FILE], remove=[JOURNAL_FILE])
        return

    def commit_with(journal_text: str | None) -> None:
        names = [PROJECT_FILE, EXAMPLES_FILE]
        if journal_text is not None:
            write_beside(folder / JOURNAL_FILE, journal_text)
            names.append(JOURNAL_FILE)
        commit(folder, names, remove=[JOURNAL_FILE])

    journal.restart(project.saved, taken, commit_with)


# ---- loading --------------------------------------------------------------------------------
def holds_project(folder: Path, error: type[MapperError] = ProjectError) -> bool:
    """True when `folder` holds a project; False when it is new or empty, so that a project
    can be made there. Raises `error` (the caller's kind) when it is a file, or a folder of
    other files: a project is never written over someone's files."""
    if folder.exists() and not folder.is_dir():
        raise error(f"{folder} is a file, not a project folder")
    if (folder / PROJECT_FILE).exists():
        return True
    if folder.exists() and any(folder.iterdir()):
        raise error(
            f"{folder} holds no {PROJECT_FILE}, only other files: not a project folder; "
            "choose a project folder, or an empty or new one"
        )
    return False


def load_project(folder: Path) -> tuple[Project, ExampleRows]:
    """Read a project folder, with the journal's examples recovered (`project.recovered`
    says how many). ProjectError says what is wrong, where, and what to do."""
    path = folder / PROJECT_FILE
    try:
        done = finish_interrupted_save(folder, PROJECT_FILES)
    except OSError as e:
        raise ProjectError(f"{folder}: cannot finish an interrupted save: {e}") from e
    if done:
        log.warning("%s: %s", folder, done)
    if not path.is_file():
        raise ProjectError(f"{path}: not found; is {folder} a gesture-mapper project folder?")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ProjectError(
            f"{path}: invalid JSON at line {e.lineno}, column {e.colno}: {e.msg}; fix that "
            "line (a JSON checker helps) or restore the file from a copy"
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ProjectError(f"{path}: cannot be read: {e}") from e
    project = project_from_doc(doc, path)
    rows = read_examples(folder / EXAMPLES_FILE, project)
    journal = read_journal(folder / JOURNAL_FILE, project)
    if journal is None:
        return project, rows
    if journal.base != project.saved:
        unused = folder / "journal.unused.csv"
        (folder / JOURNAL_FILE).replace(unused)
        log.warning(
            "%s: the journal continues another save (%s) than %s (%s): not applied, kept as %s",
            folder,
            journal.base,
            PROJECT_FILE,
            project.saved,
            unused.name,
        )
        return project, rows
    project.recovered = len(journal.rows)
    if journal.full:  # examples were deleted after the save: the journal holds them all
        return project, journal.rows
    return project, table.concat(rows, journal.rows)


def read_examples(path: Path, project: Project) -> ExampleRows:
    """examples.csv of a project (none when the file is absent)."""
    n_in, n_out = len(project.input_names), len(project.outputs)
    width = 2 + n_in + n_out
    if not path.exists():
        return table.Columns().rows(n_in, n_out)
    try:
        with open(path, encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            head = next(reader, None)
            if head is not None and len(head) != width:
                raise ProjectError(
                    f"{path}: line 1: the header has {len(head)} columns, expected {width} "
                    f"(round, time, {n_in} inputs, {n_out} outputs as in {PROJECT_FILE})"
                )
            columns = table.read_rows(reader, str(path), project.input_names, project.outputs, 2)
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise ProjectError(f"{path}: cannot be read: {e}") from e
    return columns.rows(n_in, n_out)
