"""The one factory from typed options to a playing instrument, for `mapper headless`, the TUI
and the tests alike: the session listening, its folder written, its examples training, its
generator playing where the options say."""

from __future__ import annotations

from dataclasses import dataclass, field

from mapper.core.engine import EventSink
from mapper.errors import CannotListen, GeneratorError, ProjectError, SourceError
from mapper.session.opening import Opening, find_project
from mapper.session.options import InstrumentOptions
from mapper.session.session import Session
from mapper.session.sound import play_outputs, speakers_for
from mapper.sources.lan import where_to_send


@dataclass
class Instrument:
    """A started session, with what the performer should be told about it."""

    session: Session
    news: list[str] = field(default_factory=list)  # what happened: training, what plays where
    warnings: list[str] = field(default_factory=list)  # worth a look: recovered, another port
    problems: list[str] = field(default_factory=list)  # what could not be done (it plays on)
    training: list[str] = field(default_factory=list)  # the outputs training from its examples


def open_instrument(
    options: InstrumentOptions,
    opening: Opening | None = None,
    strict: bool = True,
    events: EventSink | None = None,
) -> Instrument:
    """Open the project (`opening`, else the one the options name: see find_project), listen,
    write its folder, train its examples and play its generator.

    Raises before anything runs: UsageError, ProjectError, GeneratorError; CannotListen when
    the port is taken (unless `network.fallback_port`: then a free port, said in `warnings`);
    ProjectError when the new project's folder cannot be written, if `strict` (else that is a
    problem and it plays unsaved). Once playing, a generator that cannot play is a problem.
    `events(name, detail)` hears the engine's events (training-done, ...) from the start, and
    those of every project opened later in the session.
    """
    if opening is None:
        opening = find_project(options)
        if opening is None:
            raise ProjectError(f"{options.folder} holds no project yet: make one first")
    osc = options.network.apply(opening.project.osc)
    try:
        session = Session(
            opening.project,
            opening.rows,
            osc,
            opening.folder,
            fallback_port=options.network.fallback_port,
            allowed_dirs=options.network.allowed_dirs,
            consent=options.play.consent(),
        )
    except OSError as e:
        raise CannotListen(f"cannot listen on {osc.listen}: {e.strerror or e}") from e
    try:  # from here on, whatever fails closes what was opened (threads, sockets, devices)
        return _start(session, opening, options, strict, events)
    except BaseException:
        session.close()
        raise


def _start(
    session: Session,
    opening: Opening,
    options: InstrumentOptions,
    strict: bool,
    events: EventSink | None,
) -> Instrument:
    if events is not None:
        session.add_event_sink(events)
    instrument = Instrument(session)
    if session.listen_problem:
        port = session.listen_address[1]
        instrument.warnings.append(f"{session.listen_problem}; listening on port {port} instead")
    try:
        session.create_folder()
    except OSError as e:
        if strict:
            raise ProjectError(f"cannot create the project in {opening.folder}: {e}") from e
        instrument.problems.append(f"cannot create {opening.folder}: {e}")
    instrument.training = session.start(run=options.run)
    # a source this command line names must open; the project's own plays on without it
    _listen_to_source(session, instrument, strict and options.source is not None)
    if session.recovered:
        instrument.warnings.append(
            f"recovered {session.recovered} examples from the journal (recorded after the last "
            "save)"
        )
    # what loading repaired (clamped, renamed) and a listen host kept to this machine
    instrument.warnings += opening.project.warnings
    instrument.warnings += options.network.warnings(opening.project.osc)
    if instrument.training:
        instrument.news.append(
            f"training {', '.join(instrument.training)} from {len(session.engine.examples)} "
            "examples"
        )
    play, silent = speakers_for(options, session.osc.send_port)  # or the demos' default
    instrument.warnings += silent  # no sound device: one line, and how to hear it anyway
    if play.wanted(session.project.generator):
        try:
            instrument.news += session.play(play)
        except (GeneratorError, OSError) as e:
            instrument.problems.append(f"the generator cannot play: {e}")
    elif play.audio:  # no generator: the built-in synth plays the outputs
        news, silent = play_outputs(session)
        instrument.news += news
        instrument.warnings += silent
    return instrument


def _listen_to_source(session: Session, instrument: Instrument, strict: bool) -> None:
    """The project's source: what it listens for, how to point a phone here, and its device
    opened (a MIDI port, a gamepad: SourceError if it cannot, unless not `strict`)."""
    spec = session.sources.spec
    if spec is None:
        return
    instrument.news.append(f"source {spec.label()}: {spec.describe()}")
    host, port = session.listen_address
    hint = where_to_send(spec, host, port)
    if hint:
        (instrument.warnings if "cannot reach" in hint else instrument.news).append(hint)
    try:
        live = session.sources.open_live()
    except SourceError as e:
        if strict:
            raise
        instrument.problems.append(str(e))
        return
    if live:
        instrument.news.append(f"reading {live}")
