"""A session's engine swapped for another on the same port: another project opened (OSC's
load and runNewProject, the TUI's ctrl+o), or this one with other inputs (the heard messages
taken as the inputs). Part of mapper.session.session.Session, in its own file; and the lock
of a session's folder.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from mapper.core.engine import Engine, EngineError
from mapper.core.examples import ExampleRows, ExampleStore
from mapper.errors import MapperError, ProjectError
from mapper.osc.server import OSCServer
from mapper.project import Project, engine_from_project, holds_project, load_project
from mapper.project.lock import FolderLock, lock_folder
from mapper.project.saver import ProjectSaver

if TYPE_CHECKING:
    from mapper.session.session import Session

log = logging.getLogger("mapper.session")


def open_project(
    session: Session, folder: Path, run: bool, drop_unsaved: bool, trust: bool
) -> None:
    """Session.open_project: see there."""
    with session._switch, contextlib.ExitStack() as undo:
        session._refuse_if_closed("open")
        if not holds_project(folder):  # nothing made for a folder that holds nothing
            raise ProjectError(f"{folder} holds no project.json: nothing to open")
        lock = hold_folder(folder)  # before it is read: its unfinished save is ours to finish
        if lock is not None:
            undo.callback(lock.release)  # unless the switch happens
        project, rows = load_project(folder)
        consent = session.consent.allowing(folder) if trust else session.consent
        consent.check(project.generator, folder)  # nothing runs that the user did not allow
        session.consent = consent
        engine = _new_engine(session, project, rows)
        if session.saver is not None:
            session.saver.save_now()
        elif len(session.engine.examples) and not drop_unsaved:
            raise EngineError(
                f"{len(session.engine.examples)} examples are not saved: save them first "
                "(/mapper/control/save PATH)"
            )
        port = _stop(session)
        undo.pop_all()
        hold_instead(session, lock)
        _switch_to(session, project, engine, folder, port, run, f"opened {folder}")
        for line in project.warnings:  # what loading repaired, said where logs go
            log.warning("%s", line)
        log.info("opened %s (%d examples)", folder, len(engine.examples))


def replace_inputs(session: Session, project: Project, news: str) -> None:
    """Session.replace_inputs: see there."""
    with session._switch:
        session._refuse_if_closed("change the inputs")
        if len(session.engine.examples):
            raise EngineError(
                f"this project has {len(session.engine.examples)} examples of its inputs: "
                "start a new project to take other inputs"
            )
        rows = ExampleStore(len(project.input_names), len(project.outputs)).snapshot()
        engine = _new_engine(session, project, rows)
        port = _stop(session)
        _switch_to(session, project, engine, session.folder, port, False, news)
        if session.saver is not None:
            session.saver.save_soon()  # the new inputs on disk, as a new project's are
        log.info("%s", news)


def _new_engine(session: Session, project: Project, rows: ExampleRows) -> Engine:
    """The project's engine, heard by the session's event sinks from the start."""
    engine = engine_from_project(project, rows)
    for sink in session._event_sinks:
        engine.add_event_sink(sink)
    return engine


def _stop(session: Session) -> int:
    """Close this engine's server, player and saver (not the folder's lock, not the synth)
    before a new engine takes over on the same port, which is returned."""
    port = session.listen_address[1]
    session.close(keep_lock=True, keep_sound=True)  # until the switch: then the new folder's
    session._closed = False  # closed only to switch
    session.player = None  # closed with the old project
    return port


def _switch_to(
    session: Session,
    project: Project,
    engine: Engine,
    folder: Path | None,
    port: int,
    run: bool,
    news: str,
) -> None:
    osc = dataclasses.replace(
        session.osc,
        listen_port=port,
        input_address=project.osc.input_address,
        output_address=project.osc.output_address,
    )
    session.project, session.folder, session.recovered = project, folder, project.recovered
    session.engine = engine
    session.saver = ProjectSaver(folder, engine, project) if folder is not None else None
    session.server = OSCServer(engine, osc)
    session.osc = osc
    session._add_project_controls()
    session.switch_news = news
    session.switches += 1
    session.start(run=run)
    session.sources.reopen_live()  # the new project's MIDI port or gamepad, if any
    if project.generator:  # its generator plays on, as when it opens at start, where
        try:  # the command line said (speakers, MIDI port, WAV file, device)
            session._play(None, later=True)
        except Exception as e:  # the project is open and plays: only its generator
            log.warning("%s: the generator cannot play: %s", folder, e)  # is silent


def hold_instead(session: Session, lock: FolderLock | None) -> None:
    """The session's folder changed: hold the new one's lock, let go of the old one's."""
    old, session._lock = session._lock, lock
    if old is not None:
        old.release()


def hold_folder(folder: Path | None, error: type[MapperError] = ProjectError) -> FolderLock | None:
    """The lock of a session's folder: `error` if another gesture-mapper holds it. A folder
    whose lock file cannot be made (not writable) opens without one: nothing can be saved
    there either, and the save that fails says so."""
    if folder is None:
        return None
    try:
        return lock_folder(folder, error)
    except OSError as e:
        log.warning(
            "%s: cannot lock the folder (%s): another gesture-mapper could open it", folder, e
        )
        return None
