"""A project folder: project.json, examples.csv and (with gesture sets) gestures.csv, saved
together, loaded with clear errors.

Loading also finishes (or discards) a save a kill interrupted, and recovers the examples the
journal holds beyond the last save (see mapper.project.journal).
"""

from __future__ import annotations

import csv
import json
import logging
import re
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from mapper.core.examples import ExampleRows, max_rows
from mapper.errors import MapperError, ProjectError, shown

from . import table
from .files import COMMIT_NOTE, commit, finish_interrupted_save, write_beside
from .gesture_file import GESTURES_FILE, gestures_text, read_gestures
from .journal import Journal, StoreState, read_journal
from .lock import LOCK_FILE, reading
from .model import Project
from .reading import (
    EXAMPLES_LIMIT,
    NOTE_LIMIT,
    PROJECT_LIMIT,
    describe,
    open_regular,
    read_text,
    text_lines,
)
from .schema import project_from_doc, project_text, repair_values

PROJECT_FILE = "project.json"
EXAMPLES_FILE = "examples.csv"
JOURNAL_FILE = "journal.csv"
PROJECT_FILES = (PROJECT_FILE, EXAMPLES_FILE, GESTURES_FILE, JOURNAL_FILE)

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
    """Write project.json, examples.csv and gestures.csv (`project.takes`; only with gesture
    sets, else it is removed) into folder (created if needed), together.

    Sets `project.saved`. With a `journal` (and the store state `taken` when `rows` were
    read), the journal is restarted in the same commit with the rows recorded since; without
    one, any journal in the folder is removed with the commit.
    """
    folder.mkdir(parents=True, exist_ok=True)
    project.saved = _save_time()
    write_beside(folder / PROJECT_FILE, project_text(project))
    head = table.header(project.input_names, (o.name for o in project.outputs))
    write_beside(folder / EXAMPLES_FILE, table.rows_text(rows, head))
    written, gone = [PROJECT_FILE, EXAMPLES_FILE], [JOURNAL_FILE]
    if project.gesture_sets:
        text = gestures_text(project.input_names, project.gesture_sets, project.takes)
        write_beside(folder / GESTURES_FILE, text)
        written.append(GESTURES_FILE)
    else:
        gone.append(GESTURES_FILE)
    if journal is None or taken is None:
        commit(folder, written, remove=gone)
        return

    def commit_with(journal_text: str | None) -> None:
        names = list(written)
        if journal_text is not None:
            write_beside(folder / JOURNAL_FILE, journal_text)
            names.append(JOURNAL_FILE)
        commit(folder, names, remove=gone)

    journal.restart(project.saved, taken, commit_with)


# ---- loading --------------------------------------------------------------------------------
def holds_project(folder: Path, error: type[MapperError] = ProjectError) -> bool:
    """True when `folder` holds a project; False when it is new or empty, so that a project
    can be made there. Raises `error` (the caller's kind) when it is a file (or a device, a
    FIFO...), or a folder of other files: a project is never written over someone's files."""
    kind = describe(folder)
    if kind not in ("missing", "a folder"):
        raise error(f"{folder} is {kind}, not a project folder")
    if (folder / PROJECT_FILE).is_symlink() or (folder / PROJECT_FILE).exists():
        return True  # what it is is load_project's to say
    if kind == "a folder" and any(p.name != LOCK_FILE for p in folder.iterdir()):
        raise error(
            f"{folder} holds no {PROJECT_FILE}, only other files: not a project folder; "
            "choose a project folder, or an empty or new one"
        )
    return False


def load_project(folder: Path) -> tuple[Project, ExampleRows]:
    """Read a project folder, with the journal's examples recovered (`project.recovered`
    says how many). ProjectError says what is wrong, where, and what to do; what files from
    before a rule hold against it is repaired and said in `project.warnings` (for the caller
    to show: headless and the TUI through the instrument's warnings, export on stderr).

    Every file is read bounded (mapper.project.reading): regular files only, never a FIFO or
    a device, at most PROJECT_LIMIT, EXAMPLES_LIMIT, GESTURES_LIMIT, JOURNAL_LIMIT bytes,
    lines of at most LINE_LIMIT.

    A folder another gesture-mapper holds (mapper.project.lock) is only read, never changed:
    a save it left unfinished is its own to finish, and a read that one of its saves overlapped
    is read again."""
    kind = describe(folder)
    if kind != "a folder":
        if kind == "missing":
            raise ProjectError(f"{folder}: not found; give a gesture-mapper project folder")
        raise ProjectError(f"{folder} is {kind}, not a project folder")
    with reading(folder) as mine:
        if mine:
            return _read_project(folder, mine=True)
        for _ in range(50):  # a save's renames take milliseconds: 1 s is plenty
            before = _stamp(folder)
            try:
                loaded = _read_project(folder, mine=False)
            except ProjectError:
                if _stamp(folder) == before and not before[-1]:
                    raise  # broken as it stands, not by a save under way
            else:
                if _stamp(folder) == before and not before[-1]:
                    return loaded
            time.sleep(0.02)
        return _read_project(folder, mine=False)


def _stamp(folder: Path) -> tuple[object, ...]:
    """What a save changes in a folder (appends to the journal leave a readable prefix)."""

    def stat(name: str) -> tuple[int, int, int] | None:
        try:
            s = (folder / name).stat()
        except OSError:
            return None
        return s.st_ino, s.st_size, s.st_mtime_ns

    journal = stat(JOURNAL_FILE)
    return (
        stat(PROJECT_FILE),
        stat(EXAMPLES_FILE),
        stat(GESTURES_FILE),
        journal and journal[0],
        (folder / COMMIT_NOTE).exists(),
    )


def _read_project(folder: Path, mine: bool) -> tuple[Project, ExampleRows]:
    """load_project's reading; `mine`: this process may finish an interrupted save and set a
    stale journal aside (else they are another gesture-mapper's: left as they are)."""
    if mine:
        note = folder / COMMIT_NOTE
        if note.is_symlink() or note.exists():  # read by finish_interrupted_save: bounded
            read_text(note, NOTE_LIMIT, f"delete {COMMIT_NOTE} to open the project")
        try:
            done = finish_interrupted_save(folder, PROJECT_FILES)
        except OSError as e:
            raise ProjectError(f"{folder}: cannot finish an interrupted save: {e}") from e
        if done:
            log.warning("%s: %s", folder, done)
    path = folder / PROJECT_FILE
    if not (path.is_symlink() or path.exists()):
        raise ProjectError(f"{path}: not found; is {folder} a gesture-mapper project folder?")
    text = read_text(path, PROJECT_LIMIT, "restore it from a copy")
    project = project_from_doc(parse_json(text, path), path)
    warnings = project.warnings
    examples_path = folder / EXAMPLES_FILE
    columns = read_example_columns(examples_path, project)
    rows = columns.rows(len(project.input_names), len(project.outputs))
    warnings += table.repair(rows, columns.lines(), project.outputs, str(examples_path))
    project.takes = read_gestures(folder / GESTURES_FILE, project.input_names, project.gesture_sets)
    journal = read_journal(folder / JOURNAL_FILE, project)
    if journal is not None and journal.base != project.saved and not mine:
        pass  # the holder's save under way (load_project reads again): not applied
    elif journal is not None and journal.base != project.saved:
        unused = folder / "journal.unused.csv"
        (folder / JOURNAL_FILE).replace(unused)
        warnings.append(  # both from files: quoted and escaped, as shown() writes them
            f"{folder}: the journal continues another save ({shown(journal.base, 60)}) than "
            f"{PROJECT_FILE} ({shown(project.saved, 60)}): not applied, kept as {unused.name}"
        )
    elif journal is not None:
        where = str(folder / JOURNAL_FILE)
        warnings += table.repair(journal.rows, journal.lines, project.outputs, where)
        project.recovered = len(journal.rows)
        # after deletions since the save, the journal holds every example
        rows = journal.rows if journal.full else table.concat(rows, journal.rows)
        if len(rows) > max_rows(len(project.input_names), len(project.outputs)):
            # the save and the journal after it hold more than a project records: a save of
            # them would not open again
            raise ProjectError(
                table.too_many(where, len(project.input_names), len(project.outputs))
            )
    warnings += repair_values(project, path)
    return project, rows


def parse_json(text: str, path: Path) -> object:
    """project.json's document; ProjectError for anything that is not plain JSON."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise ProjectError(
            f"{path}: invalid JSON at line {e.lineno}, column {e.colno}: {e.msg}; fix that "
            "line (a JSON checker helps) or restore the file from a copy"
        ) from None
    except RecursionError:
        raise ProjectError(
            f"{path}: nested too deeply to read; not a gesture-mapper project"
        ) from None
    except ValueError as e:  # a number of thousands of digits, beyond Python's limit
        long = re.search(r"[0-9]{1000,}", text)
        at = f"line {text.count(chr(10), 0, long.start()) + 1}: " if long else ""
        what = f"a number of {len(long.group())} digits" if long else str(e).split(";")[0]
        raise ProjectError(f"{path}: {at}{what} cannot be read; fix or restore it") from None


def read_examples(path: Path, project: Project) -> ExampleRows:
    """examples.csv of a project (none when the file is absent), as it is on disk (not
    repaired: see load_project)."""
    columns = read_example_columns(path, project)
    return columns.rows(len(project.input_names), len(project.outputs))


def read_example_columns(path: Path, project: Project) -> table.Columns:
    """examples.csv's rows with the line each came from (none when the file is absent)."""
    n_in, n_out = len(project.input_names), len(project.outputs)
    width = 2 + n_in + n_out
    if not (path.is_symlink() or path.exists()):
        return table.Columns()
    advice = "fix it or move it away (the project then opens with no examples)"
    with open_regular(path, EXAMPLES_LIMIT, advice) as f:
        try:
            reader = csv.reader(text_lines(f, path, EXAMPLES_LIMIT, advice))
            head = next(reader, None)
            if head is not None and len(head) != width:
                raise ProjectError(
                    f"{path}: line 1: the header has {len(head)} columns, expected {width} "
                    f"(round, time, {n_in} inputs, {n_out} outputs as in {PROJECT_FILE})"
                )
            return table.read_rows(reader, str(path), project.input_names, project.outputs, 2)
        except csv.Error as e:
            raise ProjectError(f"{path}: cannot be read as CSV: {e}; {advice}") from None
