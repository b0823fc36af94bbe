"""`mapper headless`: the engine and its OSC server, no UI, until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from mapper.engine import Engine, EngineError
from mapper.examples import ExampleRows, ExampleStore
from mapper.osc.server import OSCServer
from mapper.osc.settings import OSCSettings, parse_host_port
from mapper.outputs import make_outputs
from mapper.project import (
    PROJECT_FILE,
    Project,
    ProjectError,
    engine_from_project,
    load_project,
    new_project,
    project_from_engine,
    save_project,
)
from mapper.status import StatusLine


class UsageError(Exception):
    """A command line that cannot work; the message says how to fix it."""


def run_headless(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, format="mapper: %(message)s", stream=sys.stderr)
    try:
        folder = Path(args.project) if args.project else None
        project, rows = open_project(args, folder)
    except (UsageError, ProjectError) as e:
        print(f"mapper: {e}", file=sys.stderr)
        return 2 if isinstance(e, UsageError) else 1
    engine = engine_from_project(project, rows)

    def save() -> str:
        assert folder is not None
        current = project_from_engine(engine, project.name, project.osc)
        save_project(folder, current, engine.examples.snapshot())
        return str(folder)

    try:
        server = OSCServer(engine, project.osc, save if folder else None)
    except OSError as e:
        print(
            f"mapper: cannot listen on {project.osc.listen}: {e.strerror or e}. Is Wekinator "
            "or another mapper using that port? Choose another with --listen HOST:PORT.",
            file=sys.stderr,
        )
        return 1
    if folder is not None and not (folder / PROJECT_FILE).exists():
        save()
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    with server:
        _start(engine, run=args.run)
        host, port = server.address
        osc = project.osc
        if osc.listens_beyond_this_machine:
            print(
                f"mapper: warning: listening on {osc.listen_host}: anyone who can reach this "
                "port can play and edit the instrument",
                file=sys.stderr,
            )
        print(
            f"listening on {host}:{port} ({osc.input_address}, {engine.n_inputs} inputs), "
            f"sending to {osc.send} ({osc.output_address}, {engine.n_outputs} outputs)",
            flush=True,
        )
        _status_loop(engine, stop, quiet=args.quiet)
    engine.cancel_training()
    engine.wait_for_training(timeout=5.0)
    if folder is None:
        if len(engine.examples):
            print(
                f"stopped; {len(engine.examples)} examples were not saved (give a PROJECT_DIR "
                "to keep them)",
                flush=True,
            )
        return 0
    try:
        save()
    except OSError as e:
        print(f"mapper: could not save {folder}: {e}", file=sys.stderr)
        return 1
    print(f"saved {folder} ({len(engine.examples)} examples)", flush=True)
    return 0


def open_project(args: argparse.Namespace, folder: Path | None) -> tuple[Project, ExampleRows]:
    """Load the project folder if it exists, else make a project from the counts given."""
    if folder is not None and (folder / PROJECT_FILE).exists():
        project, rows = load_project(folder)
        for flag, have, want in (
            ("--inputs", len(project.input_names), args.inputs),
            ("--outputs", len(project.outputs), args.outputs),
        ):
            if want is not None and want != have:
                raise UsageError(f"{folder} has {have} {flag[2:]}, not {want}; drop {flag}")
    else:
        if folder is not None and folder.exists() and any(folder.iterdir()):
            raise UsageError(f"{folder} exists but holds no {PROJECT_FILE}: not a project folder")
        project, rows = _new_project(args, folder)
    try:
        if args.listen:
            project.osc.listen_host, project.osc.listen_port = parse_host_port(args.listen)
        if args.send:
            project.osc.send_host, project.osc.send_port = parse_host_port(args.send)
    except ValueError as e:
        raise UsageError(str(e)) from e
    return project, rows


def _new_project(args: argparse.Namespace, folder: Path | None) -> tuple[Project, ExampleRows]:
    from mapper.models import make_model

    if args.inputs is None or args.outputs is None:
        raise UsageError("say how many inputs and outputs, e.g. --inputs 3 --outputs 2")
    if args.inputs < 1 or args.outputs < 1:
        raise UsageError("--inputs and --outputs must be at least 1")
    if args.classes < 1:
        raise UsageError("--classes must be at least 1")
    outputs = make_outputs(args.outputs, args.type, args.classes)
    if args.model:
        try:
            make_model({"type": args.model}, args.type == "classifier")
        except ValueError as e:
            raise UsageError(f"--model: {e}") from e
        for o in outputs:
            o.model = {"type": args.model}
    name = folder.name if folder is not None else "untitled"
    project = new_project(name, args.inputs, outputs, OSCSettings())
    return project, ExampleStore(args.inputs, args.outputs).snapshot()


def _start(engine: Engine, run: bool) -> None:
    """Retrain from the loaded examples (models are never loaded from disk), then maybe run."""
    from mapper.models.warmup import warm_up

    warm_up(str(o.model.get("type", "")).lower() for o in engine.outputs)
    if len(engine.examples):
        try:
            names = engine.train()
            print(f"training {', '.join(names)} from {len(engine.examples)} examples", flush=True)
        except EngineError as e:
            print(f"mapper: {e}", file=sys.stderr)
    if run:
        engine.start_running()


def _status_loop(engine: Engine, stop: threading.Event, quiet: bool) -> None:
    status = StatusLine(engine)
    last = ""
    while not stop.wait(1.0):
        line = status.line()
        if not quiet and line != last:
            print(line, flush=True)
            last = line
