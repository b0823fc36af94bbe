"""`mapper headless`: the engine and its OSC server, no UI, until SIGINT, SIGTERM or SIGHUP."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from mapper.engine import Engine
from mapper.examples import ExampleRows, ExampleStore
from mapper.generators import headless as generator_options
from mapper.generators.base import GeneratorError
from mapper.models import make_model
from mapper.osc.sender import resolve_udp
from mapper.osc.settings import OSCSettings, parse_host_port
from mapper.outputs import OutputKind, make_outputs
from mapper.project import (
    PROJECT_FILE,
    Project,
    ProjectError,
    load_project,
    new_project,
)
from mapper.saving import ProjectSaver
from mapper.session import Session
from mapper.status import StatusLine

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)  # SIGHUP: the SSH session dropped
SWITCH_INTERVAL = 0.0005  # seconds: how soon the receive thread gets the GIL back from training


class UsageError(Exception):
    """A command line that cannot work; the message says how to fix it."""


class Console:
    """Prints progress to stdout; if nobody reads it any more (a closed pipe), goes quiet."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet

    def say(self, line: str, status: bool = False) -> None:
        if status and self.quiet:
            return
        try:
            print(line, flush=True)
        except OSError:  # BrokenPipeError and friends: never worth losing a rehearsal over
            self.quiet = True
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - stays open until exit


def run_headless(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, format="mapper: %(message)s", stream=sys.stderr)
    try:
        folder = Path(args.project) if args.project else None
        project, rows = open_project(args, folder)
        generator_options.check_options(args, project.generator)
        osc = runtime_settings(project.osc, args)
        resolve_udp(osc.send_host, osc.send_port)
    except (UsageError, ProjectError, GeneratorError) as e:
        print(f"mapper: {e}", file=sys.stderr)
        return 1 if isinstance(e, ProjectError) else 2
    except OSError as e:
        print(f"mapper: cannot send to {osc.send}: {e}. Check --send HOST:PORT.", file=sys.stderr)
        return 2
    try:
        allowed = [Path(d) for d in args.allow_dir]
        session = Session(project, rows, osc, folder, allowed_dirs=allowed)
    except OSError as e:
        print(
            f"mapper: cannot listen on {osc.listen}: {e.strerror or e}. Is Wekinator or another "
            "mapper using that port? Choose another with --listen HOST:PORT.",
            file=sys.stderr,
        )
        return 1
    engine = session.engine
    try:
        session.create_folder()
    except OSError as e:
        print(f"mapper: cannot create the project in {folder}: {e}", file=sys.stderr)
        session.close()
        return 1
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for sig in STOP_SIGNALS:
        signal.signal(sig, on_signal)
    sys.setswitchinterval(SWITCH_INTERVAL)
    console = Console(args.quiet)
    try:
        names = session.start(run=args.run)
        host, port = session.listen_address
        if osc.listens_beyond_this_machine:
            logging.warning(
                "listening on %s: anyone who can reach this port can play and edit the instrument",
                osc.listen_host,
            )
        console.say(
            f"listening on {host}:{port} ({osc.input_address}, {engine.n_inputs} inputs), "
            f"sending to {osc.send} ({osc.output_address}, {engine.n_outputs} outputs)"
        )
        if session.recovered:
            console.say(
                f"recovered {session.recovered} examples from the journal (recorded after the "
                "last save)"
            )
        if names:
            console.say(f"training {', '.join(names)} from {len(engine.examples)} examples")
        if generator_options.wanted(args, session.project.generator):
            try:
                for line in generator_options.attach(session, args):
                    console.say(line)
            except GeneratorError as e:
                print(f"mapper: {e}", file=sys.stderr)
                return 1
        _status_loop(session, stop, console)
    finally:
        session.close()
        for line in generator_options.summary(session):  # a neural model: blocks, underruns
            console.say(line)
        code = _save_on_exit(session.engine, session.saver, console)
    return code


def _save_on_exit(engine: Engine, saver: ProjectSaver | None, console: Console) -> int:
    if saver is None:
        if len(engine.examples):
            console.say(
                f"stopped; {len(engine.examples)} examples were not saved (give a PROJECT_DIR "
                "to keep them)"
            )
        return 0
    try:
        saver.save_now()
    except OSError as e:
        print(f"mapper: could not save {saver.folder}: {e}", file=sys.stderr)
        return 1
    console.say(f"saved {saver.folder} ({len(engine.examples)} examples)")
    return 0


def open_project(args: argparse.Namespace, folder: Path | None) -> tuple[Project, ExampleRows]:
    """Load the project folder if it exists, else make a project from the counts given."""
    if folder is not None and folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is a file, not a project folder")
    if folder is not None and (folder / PROJECT_FILE).exists():
        project, rows = load_project(folder)
        for flag, have, want in (
            ("--inputs", len(project.input_names), args.inputs),
            ("--outputs", len(project.outputs), args.outputs),
        ):
            if want is not None and want != have:
                raise UsageError(f"{folder} has {have} {flag[2:]}, not {want}; drop {flag}")
        for flag, value in (
            ("--type", args.type),
            ("--classes", args.classes),
            ("--model", args.model),
        ):
            if value is not None:
                raise UsageError(
                    f"{folder} already defines its outputs; drop {flag} (change models over "
                    "OSC with /mapper/control/setModel)"
                )
        return project, rows
    if folder is not None and folder.exists() and any(folder.iterdir()):
        raise UsageError(f"{folder} exists but holds no {PROJECT_FILE}: not a project folder")
    return _new_project(args, folder)


def runtime_settings(saved: OSCSettings, args: argparse.Namespace) -> OSCSettings:
    """The project's OSC settings with this run's --listen/--send; these are never saved."""
    try:
        osc = dataclasses.replace(saved)
        if args.listen:
            osc.listen_host, osc.listen_port = parse_host_port(args.listen)
        if args.send:
            osc.send_host, osc.send_port = parse_host_port(args.send)
    except ValueError as e:
        raise UsageError(str(e)) from e
    return osc


def _new_project(args: argparse.Namespace, folder: Path | None) -> tuple[Project, ExampleRows]:
    if args.generator:  # one output per latent dimension, with its range
        if args.inputs is None or args.inputs < 1:
            raise UsageError(
                "say how many inputs, e.g. --inputs 3 (the generator sets the outputs)"
            )
        outputs, values = generator_options.new_project_outputs(args)
        name = folder.name if folder is not None else "untitled"
        project = new_project(name, args.inputs, outputs, OSCSettings())
        project.values = values  # a musical starting point, not the corner of the space
        project.generator = generator_options.new_project_spec(args, folder, len(outputs))
        return project, ExampleStore(args.inputs, len(outputs)).snapshot()
    if args.inputs is None or args.outputs is None:
        raise UsageError("say how many inputs and outputs, e.g. --inputs 3 --outputs 2")
    if args.inputs < 1 or args.outputs < 1:
        raise UsageError("--inputs and --outputs must be at least 1")
    kind: OutputKind = "classifier" if args.type == "classifier" else "continuous"
    classes = 2 if args.classes is None else args.classes
    if classes < 1:
        raise UsageError("--classes must be at least 1")
    outputs = make_outputs(args.outputs, kind, classes)
    if args.model:
        try:
            make_model({"type": args.model}, kind == "classifier")
        except ValueError as e:
            raise UsageError(f"--model: {e}") from e
        for o in outputs:
            o.model = {"type": args.model}
    name = folder.name if folder is not None else "untitled"
    project = new_project(name, args.inputs, outputs, OSCSettings())
    return project, ExampleStore(args.inputs, args.outputs).snapshot()


def _status_loop(session: Session, stop: threading.Event, console: Console) -> None:
    engine = session.engine
    status = StatusLine(engine)
    watch = generator_options.Watch()  # a neural model's underruns, as they happen (stderr)
    last = ""
    while not stop.wait(1.0):
        watch.report(session)
        if session.engine is not engine:  # OSC opened another project (load, runNewProject)
            engine = session.engine
            status = StatusLine(engine)
            console.say(
                f"opened {session.folder} ({engine.n_inputs} inputs, {engine.n_outputs} "
                f"outputs, {len(engine.examples)} examples)"
            )
        for news in generator_options.switched(session):  # where that project's generator
            console.say(news)  # plays (it may start after the engine swapped)
        line = status.line()
        if line != last:
            console.say(line, status=True)
            last = line
