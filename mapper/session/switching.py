"""A session's engine swapped for another on the same port: another project opened (OSC's
load and runNewProject, the TUI's ctrl+o), or this one with other inputs (the heard messages
taken as the inputs). Part of mapper.session.session.Session, in its own file; and the lock
of a session's folder.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from mapper.core.engine import Engine, EngineError, Mode
from mapper.core.examples import ExampleRows, ExampleStore
from mapper.errors import MapperError, ProjectError
from mapper.osc.server import OSCServer
from mapper.project import Project, engine_from_project, holds_project, load_project
from mapper.project.lock import FolderLock, lock_folder
from mapper.project.saver import ProjectSaver
from mapper.session.learning import NO_TAKING, holds_examples
from mapper.sources.spec import SourceSpec

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
        _swap(session, project, engine, folder, run, f"opened {folder}")
        undo.pop_all()
        hold_instead(session, lock)
        for line in project.warnings:  # what loading repaired, said where logs go
            log.warning("%s", line)
        log.info("opened %s (%d examples)", folder, len(engine.examples))


def replace_inputs(session: Session, project: Project, news: str) -> None:
    """Session.replace_inputs: see there."""
    with session._switch:
        session._refuse_if_closed("change the inputs")
        if session.engine.mode in (Mode.RECORDING, Mode.COUNT_IN):
            raise EngineError("a take is being recorded: stop it before taking other inputs")
        _refuse_examples(session.engine)
        check_source(project)  # what can fail, before this one stops
        rows = ExampleStore(len(project.input_names), len(project.outputs)).snapshot()
        engine = _new_engine(session, project, rows)
        old = session.engine  # a frame recorded while it stopped keeps it (nothing lost)
        _swap(session, project, engine, session.folder, False, news, lambda: _refuse_examples(old))
        if session.saver is not None:
            session.saver.save_soon()  # the new inputs on disk, as a new project's are
        log.info("%s", news)


def _refuse_examples(engine: Engine) -> None:
    if holds_examples(engine):
        raise EngineError(NO_TAKING)


def check_source(project: Project) -> None:
    """EngineError, before anything stops, for a source that project.json could not hold
    (the limits a saved project is read with: mapper.sources.spec)."""
    if project.source is None:
        return
    try:
        spec = SourceSpec.from_doc(project.source)
    except ValueError as e:
        raise EngineError(f"these inputs cannot be taken: {e}") from None
    if len(spec.input_names()) != len(project.input_names):
        raise EngineError("these inputs cannot be taken: the source names other inputs")


def _swap(
    session: Session,
    project: Project,
    engine: Engine,
    folder: Path | None,
    run: bool,
    news: str,
    still_ok: Callable[[], None] | None = None,
) -> None:
    """Stop this engine and play `engine` in its place, on the same port. If that fails
    half-way (or `still_ok`, asked once this one has stopped, raises), this one plays again,
    as it was (its settings, its news), and the error is raised: never a deaf instrument."""
    before = (session.project, session.engine, session.folder, session.server, session.saver)
    kept = (session.osc, session.switch_news, session.switches)
    port = session.listen_address[1]
    try:
        _stop(session)
        if still_ok is not None:
            still_ok()
        _switch_to(session, project, engine, folder, port, run, news)
    except BaseException as failed:
        _abandon(session, engine, before[3], before[4])
        session.osc, session.switch_news, session.switches = kept
        try:
            _switch_to(session, *before[:3], port, False, kept[1])
        except Exception as e:  # the port was taken meanwhile: nothing more to do but say so
            log.error("%s cannot play again: %s (after: %s)", before[0].name, e, failed)
            raise failed from None
        session.switches = kept[2]  # nothing switched, as far as anyone watching knows
        log.warning("kept %s playing: the switch failed: %s", before[0].name, failed)
        raise


def _abandon(session: Session, engine: Engine, server: OSCServer, saver: object) -> None:
    """What a failed switch had made of the new engine, stopped: its server (its socket), its
    saver (its journal), its training."""
    if session.server is not server:
        session.server.close()
    if session.saver is not None and session.saver is not saver:
        with contextlib.suppress(Exception):
            session.saver.stop()
    if session.engine is engine:
        for sink in session._event_sinks:  # its "training cancelled" is nobody's news
            engine.remove_sink(sink)
        engine.cancel_training()


def _new_engine(session: Session, project: Project, rows: ExampleRows) -> Engine:
    """The project's engine, heard by the session's event sinks from the start."""
    engine = engine_from_project(project, rows)
    for sink in session._event_sinks:
        engine.add_event_sink(sink)
    return engine


def _stop(session: Session) -> None:
    """Close this engine's server, player and saver (not the folder's lock, not the synth,
    not a live source) before a new engine takes over on the same port."""
    session.close(keep_lock=True, switching=True)  # until the switch: then the new folder's
    session._closed = False  # closed only to switch
    session.player = None  # closed with the old project


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
    else:  # no generator: the built-in synth plays its outputs, if this run is heard
        session.routing.follow_outputs(lambda: session.engine)


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
