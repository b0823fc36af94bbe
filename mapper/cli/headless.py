"""`mapper headless`: the engine and its OSC server, no UI, until SIGINT, SIGTERM or SIGHUP."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from mapper.cli.console import Console, Watch, problem, summary
from mapper.cli.parse import headless_options
from mapper.cli.status_line import StatusLine
from mapper.core.engine import Engine
from mapper.errors import CannotListen, MapperError, ModelNotTrusted, ProjectError
from mapper.osc.sender import resolve_udp
from mapper.osc.server import SWITCH_INTERVAL
from mapper.session.factory import open_instrument
from mapper.session.opening import find_project
from mapper.session.playing import model_problem
from mapper.session.session import Session

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)  # SIGHUP: the SSH session dropped


def run_headless(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, format="mapper: %(message)s", stream=sys.stderr)
    try:
        options = headless_options(args)
        opening = find_project(options)
        assert opening is not None  # headless never asks: it makes projects from the counts
        refused = model_problem(options.play, opening.project.generator, opening.folder)
        if refused:  # before anything listens: a model nobody allowed never runs
            raise ModelNotTrusted(refused)
        osc = options.network.apply(opening.project.osc)
    except MapperError as e:
        problem(str(e))
        return 1 if isinstance(e, ProjectError) else 2
    try:
        resolve_udp(osc.send_host, osc.send_port)
    except OSError as e:
        problem(f"cannot send to {osc.send}: {e}. Check --send HOST:PORT.")
        return 2
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for sig in STOP_SIGNALS:
        signal.signal(sig, on_signal)
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        instrument = open_instrument(options, opening)
    except CannotListen as e:
        problem(
            f"{e}. Is Wekinator or another mapper using that port? Choose another with "
            "--listen HOST:PORT."
        )
        return 1
    except MapperError as e:
        problem(str(e))
        return 1
    session, console = instrument.session, Console(args.quiet)
    code = 0
    try:
        _say_ready(session, console)
        for line in instrument.warnings + instrument.news:  # recovered examples first
            console.say(line)
        for line in instrument.problems:  # a generator that cannot play: not the run asked for
            problem(line)
            code = 1
        if code == 0:
            _status_loop(session, stop, console)
    finally:
        session.close(keep_lock=True)  # held until the final save is on disk (and the exit)
        for line in summary(session):  # a neural model: blocks, underruns, WAV files
            console.say(line)
        saved = _save_on_exit(session, console)
    return code or saved


def _say_ready(session: Session, console: Console) -> None:
    osc, engine = session.osc, session.engine
    host, port = session.listen_address
    if osc.listens_beyond_this_machine:
        logging.warning(
            "listening on %s: anyone who can reach this port can play and edit the instrument",
            osc.listen_host,
        )
    console.say(
        f"listening on {host}:{port} ({osc.input_address}, {engine.n_inputs} inputs), "
        f"sending to {osc.send} ({osc.output_address}, {_carried(engine)})"
    )


def _save_on_exit(session: Session, console: Console) -> int:
    engine, saver = session.engine, session.saver
    held = f"{len(engine.examples)} examples"
    if engine.gestures.sets:
        held += f", {len(engine.gestures.takes)} gesture takes"
    if saver is None:
        if len(engine.examples) or engine.gestures.takes:
            console.say(f"stopped; {held} were not saved (give a PROJECT_DIR to keep them)")
        return 0
    try:
        saver.save_now()
    except OSError as e:
        problem(f"could not save {saver.folder}: {e}")
        return 1
    console.say(f"saved {saver.folder} ({held})")
    return 0


def _status_loop(session: Session, stop: threading.Event, console: Console) -> None:
    engine = session.engine
    status = StatusLine(engine)
    watch = Watch()  # a neural model's underruns, as they happen (stderr)
    last = ""
    while not stop.wait(1.0):
        watch.report(session)
        if session.engine is not engine:  # OSC opened another project (load, runNewProject)
            engine = session.engine
            status = StatusLine(engine)
            what = session.switch_news or f"opened {session.folder}"  # or inputs taken
            console.say(
                f"{what} ({engine.n_inputs} inputs, {engine.n_outputs} "
                f"outputs, {len(engine.examples)} examples)"
            )
        for news in session.routing.take_news():  # where that project's generator plays
            console.say(news)  # (it may start after the engine swapped)
        line = status.line()
        if line != last:
            console.say(line, status=True)
            last = line


def _carried(engine: Engine) -> str:
    """What each outputs message carries: "2 outputs", "3 gesture costs", or both."""
    parts = [f"{engine.n_outputs} outputs"] if engine.n_outputs or not engine.gestures.sets else []
    if engine.gestures.sets:
        parts.append(f"{engine.gestures.count} gesture costs")
    return " + ".join(parts)
