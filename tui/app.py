"""The gesture-mapper app: the main screen and its actions over one open Session.

The engine runs exactly as in headless mode (same Session, same OSC server and receive
thread). The UI never sits on the hot path: it reads the engine's state on a 5 Hz timer and
acts through the engine's public methods, the ones OSC control messages call.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import time
from collections import deque
from collections.abc import Iterable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

from textual import work
from textual.actions import ActionParseResult
from textual.app import App, ComposeResult, SystemCommand
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import Footer

from mapper.core.engine import Engine, EngineError, Mode
from mapper.core.examples import ExampleRows, ExampleStore
from mapper.generators import headless as generator_options
from mapper.generators.base import GeneratorError
from mapper.osc.settings import OSCSettings
from mapper.project import PROJECT_FILE, Project, ProjectError
from mapper.session import Session
from tui.keys import MAIN_KEYS, main_bindings
from tui.pad_source import PadSource
from tui.screens.dialogs import AskFolder, Confirm
from tui.screens.examples import ExamplesScreen
from tui.screens.help import HelpScreen
from tui.screens.model import ModelScreen
from tui.screens.new_project import GeneratorOutputs, NewProjectScreen
from tui.widgets.drums import DrumPanel
from tui.widgets.inputs_panel import InputsPanel
from tui.widgets.neural import NeuralPanel
from tui.widgets.outputs_panel import OutputsPanel
from tui.widgets.title_bar import RateMeter, StatusBar
from tui.widgets.xypad import XYPad

REFRESH = 0.2  # seconds between redraws of the live panels (actions redraw at once). Every
# redraw holds the interpreter lock the OSC receive thread needs: at 10 Hz, the p99 round trip
# was 6x headless's; at 5 Hz it is within 1.2x (python -m benchmarks.tui_latency)
WARNING_SECONDS = 3.0  # how long a rejected-frame warning stays up after the last reject
COUNT_INS = (0.0, 1.0, 2.0, 3.0, 4.0)
TAKE_LENGTHS = (0.0, 1.0, 2.0, 3.0, 5.0, 10.0)
GLIDES = (0.0, 0.05, 0.1, 0.25, 0.5, 1.0)


def _next(choices: tuple[float, ...], current: float) -> float:
    later = [c for c in choices if c > current + 1e-9]
    return later[0] if later else choices[0]


class _ToQueue(logging.Handler):
    """Engine warnings (rejected frames, refused control messages) become notifications."""

    def __init__(self, queue: deque[tuple[str, str]]) -> None:
        super().__init__(logging.WARNING)
        self.queue = queue

    def emit(self, record: logging.LogRecord) -> None:
        self.queue.append(("warning", record.getMessage()))


class MapperApp(App[int]):
    """`mapper [PROJECT_DIR]`: opens a project (or the demo, or a new project) and plays it."""

    CSS_PATH = "mapper.tcss"
    TITLE = "gesture-mapper"
    BINDINGS = main_bindings()

    def __init__(
        self,
        opening: tuple[Project, ExampleRows] | None,
        folder: Path | None,
        osc: OSCSettings | None = None,
        pad_on: bool = False,
        generator: argparse.Namespace | None = None,
        new_outputs: GeneratorOutputs | None = None,
    ) -> None:
        super().__init__()
        self.generator_args = generator  # --generator, --bpm, --device, --midi, --audio
        self.new_outputs = new_outputs  # a new project's outputs, when --generator names them
        self.opening = opening
        self.folder = folder
        self.osc_override = osc
        self.session: Session | None = None
        self.pad: PadSource | None = None
        self.pad_on_start = pad_on
        self.rates = RateMeter()
        self.events: deque[tuple[str, str]] = deque(maxlen=100)
        self._rejected_seen = 0
        self._frames_seen = 0
        self._switches_seen = 0
        self._warning_until = 0.0
        self._examples_version = -1
        self._log_handler = _ToQueue(self.events)

    # ---- layout -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with Horizontal(id="top"):
            yield InputsPanel(id="inputs")
            yield XYPad(id="pad")
        yield OutputsPanel(None, id="outputs")
        yield DrumPanel(id="drums")
        yield NeuralPanel(id="neural")
        yield Footer()

    def on_mount(self) -> None:
        logging.getLogger("mapper").addHandler(self._log_handler)
        logging.getLogger("mapper").propagate = False  # stderr would scribble on the screen
        self.set_interval(REFRESH, self.tick)
        if self.opening is not None:
            self.open_session(*self.opening, self.folder)
        elif self.folder is not None:
            self.ask_new_project(self.folder)
        self.main.query_one(OutputsPanel).focus()

    def on_unmount(self) -> None:
        logging.getLogger("mapper").removeHandler(self._log_handler)
        logging.getLogger("mapper").propagate = True
        try:  # quit saved already; any other way out (a signal, an error) saves here
            self.close_session(save=True)
        except OSError:
            self.close_session(save=False)  # the journal still holds every example

    @property
    def main(self) -> Screen[object]:
        """The main screen (the bottom of the stack), whatever dialog is on top of it."""
        return self.screen_stack[0]

    # ---- sessions -----------------------------------------------------------------------
    @property
    def engine(self) -> Engine:
        if self.session is None:
            raise EngineError("no project open")
        return self.session.engine

    def ask_new_project(self, folder: Path) -> None:
        def created(project: Project | None) -> None:
            if project is None:
                self.exit(1, return_code=1, message="no project created")
                return
            rows = ExampleStore(len(project.input_names), len(project.outputs)).snapshot()
            self.open_session(project, rows, folder)

        self.push_screen(
            NewProjectScreen(folder, self.osc_override or OSCSettings(), self.new_outputs), created
        )

    def open_session(self, project: Project, rows: ExampleRows, folder: Path | None) -> None:
        """Start playing a project: its engine, OSC server and saver, and the XY pad."""
        osc = project.osc
        if self.osc_override is not None:
            osc = self.osc_override
        session = Session(project, rows, osc, folder, fallback_port=True)
        try:
            session.create_folder()
        except OSError as e:
            self.notify(f"cannot create {folder}: {e}", severity="error", timeout=10)
        trained = session.start()
        self.session = session
        self._wire(session, pad_on=self.pad_on_start)
        self._attach_generator(session)
        if session.recovered:
            self.notify(
                f"recovered {session.recovered} examples recorded after the last save",
                severity="warning",
                timeout=15,
            )
        if session.listen_problem:
            port = session.listen_address[1]
            self.notify(
                f"{session.listen_problem}; listening on port {port} instead", severity="warning"
            )
        if trained:
            self.notify(
                f"training {', '.join(trained)} from {len(session.engine.examples)} examples"
            )

    def _attach_generator(self, session: Session) -> None:
        """Play the project's generator, a drum model or a neural audio model (or the one asked
        for on the command line)."""
        args = self.generator_args or argparse.Namespace(
            generator=None, bpm=None, device="auto", midi=None, audio=False
        )
        if not generator_options.wanted(args, session.project.generator):
            return
        try:
            for line in generator_options.attach(session, args):
                self.notify(line, timeout=8)
        except (GeneratorError, EngineError, OSError) as e:
            self.notify(f"the generator cannot play: {e}", severity="error", timeout=15)

    def _wire(self, session: Session, pad_on: bool) -> None:
        """Show this session's engine: panels, events, and the XY pad stream into it."""
        engine = session.engine
        engine.add_event_sink(lambda name, detail: self.events.append((name, detail)))
        if self.pad is not None:
            self.pad.close()
        self.pad = PadSource(session.listen_address, session.osc.input_address, engine.n_inputs)
        self.pad.set_on(pad_on and engine.n_inputs >= 2)
        self.main.query_one(InputsPanel).reset(engine.n_inputs)
        self.main.query_one(OutputsPanel).set_engine(engine)
        self._examples_version = -1
        self._rejected_seen = self._frames_seen = 0
        self._switches_seen = session.switches

    def close_session(self, save: bool) -> str:
        """Stop the current project, saving it first if asked and it has a folder. If that save
        fails (OSError), nothing is stopped: the project plays on and can be saved elsewhere."""
        message = ""
        if self.session is not None and save and self.session.saver is not None:
            self.session.save()
            message = f"saved {self.session.folder}"
        if self.pad is not None:
            self.pad.close()
            self.pad = None
        if self.session is not None:
            self.session.close()
            self.session = None
        return message

    # ---- the live view ------------------------------------------------------------------
    def tick(self) -> None:
        if self.session is None or not self.main.is_attached:
            return
        with contextlib.suppress(NoMatches):  # the app is closing: its widgets are gone
            self._redraw(self.session)

    def _redraw(self, session: Session) -> None:
        if session.switches != self._switches_seen:  # OSC's load / runNewProject swapped it
            self._wire(session, pad_on=bool(self.pad and self.pad.on))
            self.notify(f"opened {session.folder} (asked over OSC)")
        for line in generator_options.switched(session):  # where an opened project plays
            self.notify(line, timeout=8)
        e = session.engine
        self._drain_events()
        c = e.counters
        rates = self.rates.sample(c.frames_in, c.outputs_sent)
        self.main.query_one(StatusBar).show(
            e,
            session.name,
            rates,
            self.listening(),
            session.osc.send,
            bool(self.pad and self.pad.on),
        )
        inputs = self.main.query_one(InputsPanel)
        inputs.border_title = f"Inputs · {rates.inputs:.0f}/s"
        if c.frames_in != self._frames_seen:  # the history moves with the frames, not the clock
            self._frames_seen = c.frames_in
            inputs.sample(e.last_inputs)
        now = time.monotonic()
        if c.rejected_total > self._rejected_seen:
            self._rejected_seen = c.rejected_total
            self._warning_until = now + WARNING_SECONDS
        warning = ""
        if now < self._warning_until:
            warning = f"{c.rejected_total} frames rejected · last: {c.last_reject}"
        outputs = self.main.query_one(OutputsPanel)
        nearest = None
        if e.mode is Mode.RUNNING:
            j = outputs.selected
            neighbours = e.nearest(j)
            if neighbours:
                nearest = (e.outputs[j].name, neighbours)
        inputs.show(e, warning, nearest)
        outputs.refresh()
        self._update_pad(e)
        player = session.generator
        kind = player.generator.type_name if player is not None else ""
        drums = self.main.query_one(DrumPanel)
        drums.set_class(kind == "rhythm", "playing-model")
        if kind == "rhythm":
            drums.show_player(player)
        neural = self.main.query_one(NeuralPanel)
        neural.set_class(kind == "torchscript", "playing-model")
        if kind == "torchscript":
            neural.show_player(player, [o.name for o in e.outputs])

    def listening(self) -> str:
        """Where inputs arrive: the settings' address, or the port really bound when the
        settings asked for any free port or the asked one was taken."""
        if self.session is None:
            return "-"
        if self.session.osc.listen_port and not self.session.listen_problem:
            return self.session.osc.listen
        return "{}:{}".format(*self.session.listen_address)

    def _update_pad(self, e: Engine) -> None:
        pad = self.main.query_one(XYPad)
        rounds = pad.rounds
        if e.examples.version != self._examples_version and e.n_inputs >= 2:
            self._examples_version = e.examples.version
            rows = e.examples.snapshot()
            rounds = [
                (
                    int(r),
                    float(rows.inputs[rows.rounds == r, 0].mean()),
                    float(rows.inputs[rows.rounds == r, 1].mean()),
                )
                for r in sorted(set(rows.rounds.tolist()))
            ]
        streaming = bool(self.pad and self.pad.on)
        x, y = pad.x, pad.y
        if not streaming and len(e.last_inputs) >= 2:
            x, y = e.last_inputs[0], e.last_inputs[1]
        pad.show(x, y, streaming, rounds)

    def _drain_events(self) -> None:
        while self.events:
            name, detail = self.events.popleft()
            if name == "training-done":
                self.notify("training done" + (f" ({detail})" if detail else ""))
            elif name == "training-failed":
                self.notify(f"training failed: {detail}", severity="error", timeout=10)
            elif name == "training-cancelled":
                self.notify("training cancelled: the previous models keep playing")
            elif name == "warning":
                self.notify(detail, severity="warning")

    def on_xypad_moved(self, message: XYPad.Moved) -> None:
        if self.pad is not None and self.engine.n_inputs >= 2:
            self.pad.move_to(message.x, message.y)
            self.pad.set_on(True)

    def on_outputs_panel_problem(self, message: OutputsPanel.Problem) -> None:
        self.notify(message.text, severity="warning")

    # ---- actions: each one a public engine method ---------------------------------------
    def _try(self, what: str, method: object, *args: object) -> object:
        try:
            return method(*args)  # type: ignore[operator]
        except (EngineError, ValueError, GeneratorError) as e:
            self.notify(f"{what}: {e}", severity="warning")
            return None

    def action_record(self) -> None:
        e = self.engine
        if e.mode in (Mode.RECORDING, Mode.COUNT_IN):
            e.stop_recording()
            return
        if not any(o.record for o in e.outputs):
            self.notify("no output is recording: R turns recording on for the selected one")
            return
        e.record_take()

    def action_train(self) -> None:
        names = self._try("train", self.engine.train)
        if names:
            self.notify(f"training {', '.join(names)}")  # type: ignore[arg-type]

    def action_cancel_training(self) -> None:
        if not self.engine.cancel_training():
            self.notify("not training")

    def action_play(self) -> None:
        e = self.engine
        if e.mode is Mode.RUNNING:
            e.stop_running()
            return
        e.start_running()
        if not any(e.trained_model(j) for j in range(e.n_outputs)):
            self.notify("running, but nothing is trained yet: record, then press t")

    def action_randomize(self) -> None:
        self._try("randomize", self.engine.randomize)

    def action_delete_last_round(self) -> None:
        n = self._try("undo round", self.engine.delete_last_round)
        if n:
            self.notify(f"deleted round {n}; U puts it back")

    def action_restore_round(self) -> None:
        n = self._try("put back", self.engine.restore_round)
        if n:
            self.notify(f"round {n} is back")

    def action_delete_output_examples(self) -> None:
        j = self.main.query_one(OutputsPanel).selected
        name, count = self.engine.outputs[j].name, self.engine.examples.counts()[j]

        def answer(yes: bool | None) -> None:
            if yes:
                self.engine.delete_examples_for_output(j)
                self.notify(f"deleted {count} examples of {name}")

        self.push_screen(Confirm(f"Delete all {count} examples of {name}?"), answer)

    def action_delete_all_examples(self) -> None:
        count = len(self.engine.examples)

        def answer(yes: bool | None) -> None:
            if yes:
                self.engine.delete_all_examples()
                self.notify(f"deleted {count} examples")

        self.push_screen(Confirm(f"Delete all {count} examples of every output?"), answer)

    def action_examples(self) -> None:
        self.push_screen(ExamplesScreen(self.engine))

    def action_model(self) -> None:
        self.push_screen(ModelScreen(self.engine, self.main.query_one(OutputsPanel).selected))

    def action_evaluate(self) -> None:
        j = self.main.query_one(OutputsPanel).selected
        self.notify(f"evaluating {self.engine.outputs[j].name}…")
        self._evaluate(j)

    @work(thread=True, group="evaluate")
    def _evaluate(self, j: int) -> None:
        try:
            text, severity = self.engine.evaluate(j).text(), "information"
        except EngineError as e:
            text, severity = str(e), "warning"
        self.call_from_thread(self.notify, text, severity=severity, timeout=10)

    def action_toggle_pad(self) -> None:
        if self.pad is None or self.engine.n_inputs < 2:
            self.notify("the XY pad needs a project with at least 2 inputs", severity="warning")
            return
        self.pad.set_on(not self.pad.on)

    def action_cycle_count_in(self) -> None:
        self.engine.set_transport(count_in=_next(COUNT_INS, self.engine.transport.count_in))

    def action_cycle_take_length(self) -> None:
        t = self.engine.transport
        self.engine.set_transport(record_for=_next(TAKE_LENGTHS, t.record_for))

    def action_cycle_glide(self) -> None:
        self.engine.set_transport(smoothing=_next(GLIDES, self.engine.transport.smoothing))

    def _player(self) -> Any:
        player = self.session.generator if self.session else None
        if player is None:
            self.notify(
                "no generator here: start with mapper --generator rhythm (or torchscript:MODEL.ts)",
                severity="warning",
            )
        return player

    def action_beat(self) -> None:
        player = self._player()
        if player is not None:
            self._try("generator", player.stop if player.playing else player.start)

    def action_tempo(self, change: float) -> None:
        player = self._player()
        if player is not None and not hasattr(player, "set_bpm"):
            self.notify("a neural audio model has no tempo", severity="warning")
        elif player is not None:
            self._try("tempo", player.set_bpm, player.bpm + change)

    def action_toggle_output(self, what: str) -> None:
        self.main.query_one(OutputsPanel).toggle(what)

    def action_save(self) -> None:
        session = self.session
        if session is None:
            return
        if session.saver is None:
            self.action_save_as()
            return
        try:
            session.save()
        except OSError as e:
            self.notify(f"could not save {session.folder}: {e}", severity="error", timeout=10)
            return
        self.notify(f"saved {session.folder} ({len(session.engine.examples)} examples)")

    def action_save_as(self) -> None:
        def chosen(folder: Path | None) -> None:
            if folder is None or self.session is None:
                return
            try:
                self.session.save_as(folder)
            except (EngineError, OSError) as e:
                self.notify(f"could not save to {folder}: {e}", severity="error", timeout=10)
                return
            self.notify(f"saved {folder} ({len(self.engine.examples)} examples)")

        self.push_screen(AskFolder("Save the project as (a new or empty folder):"), chosen)

    def action_open(self) -> None:
        """Open another project in place of this one, on the same ports (as OSC's load)."""

        def chosen(folder: Path | None) -> None:
            session = self.session
            if folder is None or session is None:
                return
            if not (folder / PROJECT_FILE).exists():
                self.notify(f"{folder} holds no {PROJECT_FILE}", severity="error")
                return
            unsaved = len(session.engine.examples) if session.saver is None else 0
            if unsaved:
                question = f"Open {folder} and drop the {unsaved} unsaved examples? (S saves)"

                def answer(yes: bool | None) -> None:
                    if yes:
                        switch(session, folder)

                self.push_screen(Confirm(question), answer)
            else:
                switch(session, folder)

        def switch(session: Session, folder: Path) -> None:
            try:
                # saves this one first if it has a folder; else the user agreed to drop it
                session.open_project(folder, drop_unsaved=True)
            except (ProjectError, EngineError, OSError) as e:
                self.notify(f"{folder}: {e}", severity="error", timeout=15)
                return
            self._wire(session, pad_on=bool(self.pad and self.pad.on))
            self.notify(f"opened {folder} ({len(session.engine.examples)} examples)")
            if session.recovered:
                self.notify(f"recovered {session.recovered} examples recorded after the last save")

        self.push_screen(AskFolder("Open a project folder:"), chosen)

    def action_help(self) -> None:
        s = self.session
        where = str(s.folder) if s and s.folder else "not saved yet (S saves it as a folder)"
        addresses = sorted(s.server.controls) if s else []
        self.push_screen(HelpScreen(where, self.listening(), s.osc.send if s else "-", addresses))

    async def run_action(
        self,
        action: str | ActionParseResult,
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        """Every key and command: carried out, then shown at once (not at the next tick)."""
        done = await super().run_action(action, default_namespace, namespaces)
        self.tick()
        return done

    async def action_quit(self) -> None:
        s = self.session
        if s is not None and s.saver is None and len(s.engine.examples):

            def answer(yes: bool | None) -> None:
                if yes:
                    self.close_session(save=False)
                    self.exit(0)

            self.push_screen(
                Confirm(f"Quit without saving {len(s.engine.examples)} examples? (S saves)"),
                answer,
            )
            return
        message = ""
        try:
            message = self.close_session(save=True)
        except OSError as e:
            self.notify(f"could not save: {e}", severity="error", timeout=10)
            return
        self.exit(0, message=message or None)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for _, action, _, desc in MAIN_KEYS:
            if action not in ("quit", "help"):
                title = desc[0].upper() + desc[1:]
                yield SystemCommand(title, desc, partial(self.run_action, action))
