"""The gesture-mapper app: one open Session, its opening and closing, and what the engine has
to say shown as notifications. What the performer sees and presses is the MainScreen.

The engine runs exactly as in headless mode (same Session, same OSC server and receive
thread); the app only opens it, wires it to the screen and closes it.
"""

from __future__ import annotations

import contextlib
import logging
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import cast

from rich.markup import escape
from textual.actions import ActionParseResult
from textual.app import App, SystemCommand
from textual.dom import DOMNode
from textual.screen import Screen

from mapper.core.engine import Engine, EngineError
from mapper.errors import MapperError, ModelNotTrusted
from mapper.generators.presets import GeneratorPreset
from mapper.osc.codec import printable
from mapper.osc.server import HEARD
from mapper.osc.settings import OSCSettings
from mapper.project import Project
from mapper.session.factory import open_instrument
from mapper.session.learning import NO_TAKING, holds_examples
from mapper.session.opening import Opening
from mapper.session.options import InstrumentOptions
from mapper.session.playing import asks_for_trust
from mapper.session.session import Session
from tui.dialogs.confirm import Confirm, trust_question, unsaved
from tui.keys import MAIN_KEYS, app_bindings, display
from tui.pad_source import PadSource
from tui.screens.main import MainScreen
from tui.screens.new_project import NewProjectScreen
from tui.screens.sound_training import SoundTrainingScreen, ended

NO_MODEL = "open it with its generator silent"
TAKING = "take-heard"  # the worker group of `h`: one take at a time


class _ToQueue(logging.Handler):
    """Engine warnings (rejected frames, refused control messages) become notifications."""

    def __init__(self, queue: deque[tuple[str, str]]) -> None:
        super().__init__(logging.WARNING)
        self.queue = queue

    def emit(self, record: logging.LogRecord) -> None:
        if not getattr(record, HEARD, False):  # unknown addresses: the inputs panel lists them
            self.queue.append(("warning", record.getMessage()))


class MapperApp(App[int]):
    """`mapper [PROJECT_DIR]`: opens a project (or the demo, or a new project) and plays it."""

    CSS_PATH = "mapper.tcss"
    TITLE = "gesture-mapper"
    BINDINGS = app_bindings()

    def __init__(
        self,
        options: InstrumentOptions,
        opening: Opening | None,
        preset: GeneratorPreset | None = None,
        pad_on: bool | None = None,
    ) -> None:
        """`opening` None: a new project in `options.folder`, asked for with a form (its
        outputs are the generator's latent dimensions when `preset` says so). `pad_on`: the
        XY pad streams at start (default: when nothing is saved, as in the demos)."""
        super().__init__()
        self.options = options
        self.opening = opening
        self.preset = preset
        self.session: Session | None = None
        self.pad: PadSource | None = None  # the XY pad's stream into the session
        self.pad_on_start = options.folder is None if pad_on is None else pad_on
        # engine events and logged warnings, from any thread, shown on the screen's next tick
        self.events: deque[tuple[str, str]] = deque(maxlen=100)
        self._switches_seen = 0
        self.sound_seen: object = None  # the sound training whose end was shown
        self._log_handler = _ToQueue(self.events)

    def get_default_screen(self) -> MainScreen:
        return MainScreen()

    def on_mount(self) -> None:
        logging.getLogger("mapper").addHandler(self._log_handler)
        logging.getLogger("mapper").propagate = False  # stderr would scribble on the screen
        if self.opening is not None:  # the main screen shows it once it is up
            self.open_session(self.opening)
        elif self.options.folder is not None:
            self.ask_new_project(self.options.folder)

    def on_unmount(self) -> None:
        logging.getLogger("mapper").removeHandler(self._log_handler)
        logging.getLogger("mapper").propagate = True
        try:  # quit saved already; any other way out (a signal, an error) saves here
            self.close_session(save=True)
        except OSError:
            self.close_session(save=False)  # the journal still holds every example

    @property
    def main(self) -> MainScreen:
        """The main screen (the bottom of the stack), whatever dialog is on top of it."""
        return cast(MainScreen, self.screen_stack[0])

    @property
    def engine(self) -> Engine:
        if self.session is None:
            raise EngineError("no project open")
        return self.session.engine

    # ---- the session: opened, switched, closed ------------------------------------------
    def ask_new_project(self, folder: Path) -> None:
        def created(project: Project | None) -> None:
            if project is None:
                self.exit(1, return_code=1, message="no project created")
                return
            self.open_session(Opening.new(project, folder))

        osc = self.options.network.apply(OSCSettings())  # --listen / --send, saved with it
        screen = NewProjectScreen(folder, osc, self.preset, self.options.source)
        self.push_screen(screen, created)

    def open_session(self, opening: Opening) -> None:
        """Start playing a project through the one factory (as headless does): its engine, OSC
        server, saver and generator; then the XY pad, and what happened as notifications.
        A project whose generator is a program (a TorchScript model in its folder) plays it
        only after a yes; no opens the project with its generator silent."""
        play, folder = self.options.play, opening.folder
        if folder is not None and asks_for_trust(play, opening.project.generator, folder):

            def answer(yes: bool | None) -> None:
                if yes:
                    self.options = replace(self.options, play=play.trusting(folder))
                self._open_session(opening)

            self.push_screen(
                Confirm(trust_question(folder, opening.project.generator, NO_MODEL)), answer
            )
            return
        self._open_session(opening)

    def _open_session(self, opening: Opening) -> None:
        try:  # the events sink is there before training starts: it can end at once
            instrument = open_instrument(self.options, opening, strict=False, events=self._event)
        except MapperError as e:
            self.exit(1, return_code=1, message=f"mapper: {e}")
            return
        session = self.session = instrument.session
        self._wire(session, pad_on=self.pad_on_start)
        for line in instrument.warnings:  # recovered examples, another port
            self.notify(line, severity="warning", timeout=15)
        for line in instrument.news:
            self.notify(line, timeout=8)
        for line in instrument.problems:
            self.notify(line, severity="error", timeout=15)
        self.main.tick()

    def _event(self, name: str, detail: str) -> None:
        """An engine event, from any thread: shown at the screen's next redraw."""
        self.events.append((name, detail))

    def _wire(self, session: Session, pad_on: bool) -> None:
        """Follow this session's engine: the XY pad streaming into it (the main screen shows
        the engine at its next redraw; its events reach the app through the session)."""
        engine = session.engine
        if self.pad is not None:
            self.pad.close()
        self.pad = PadSource(session.listen_address, session.osc.input_address, engine.n_inputs)
        self.pad.set_on(pad_on and engine.n_inputs >= 2)
        self._switches_seen = session.switches

    def open_project(self, folder: Path, trust: bool = False) -> None:
        """Open another project in place of this one, on the same ports (as OSC's load): this
        one is saved first if it has a folder; else the user agreed to drop it. A project
        that plays its own TorchScript model (a program) asks first (`trust`: the yes)."""
        session = self.session
        if session is None:
            return
        try:
            session.open_project(folder, drop_unsaved=True, trust=trust)
        except ModelNotTrusted as e:
            if not e.askable:
                self.notify(str(e), severity="error", timeout=15)
                return

            def answer(yes: bool | None) -> None:
                if yes:
                    self.open_project(folder, trust=True)

            self.push_screen(Confirm(trust_question(folder, None, "stay on this project")), answer)
            return
        except (MapperError, OSError) as e:
            self.notify(f"{folder}: {e}", severity="error", timeout=15)
            return
        self._wire(session, pad_on=bool(self.pad and self.pad.on))
        self.notify(f"opened {folder} ({len(session.engine.examples)} examples)")
        if session.recovered:
            self.notify(f"recovered {session.recovered} examples recorded after the last save")
        self.main.tick()

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

    def catch_up(self, session: Session) -> None:
        """What happened away from the UI since the last redraw, shown: a project opened over
        OSC, where its generator plays, engine events and logged warnings."""
        taking = any(w.group == TAKING and not w.is_finished for w in self.workers)
        if session.switches != self._switches_seen and not taking:  # OSC's load swapped it
            # (h's own take rewires when it is done: with the pad off, and its own news)
            self._wire(session, pad_on=bool(self.pad and self.pad.on))  # (or takeHeard)
            self.notify(f"{session.switch_news or f'opened {session.folder}'} (asked over OSC)")
        for line in session.routing.take_news():  # where an opened project's generator plays
            self.notify(line, timeout=8)
        job = session.sound_training.job  # a sound training (over OSC too) that ended
        if job is not None and job is not self.sound_seen and not job.running:
            self.sound_seen = job
            if not isinstance(self.screen, SoundTrainingScreen):  # (else the view shows it)
                message, severity = ended(job)
                self.notify(message, severity=severity, timeout=10, markup=False)
        while self.events:
            name, detail = self.events.popleft()
            if name == "training-done":
                self.notify("training done" + (f" ({detail})" if detail else ""))
            elif name == "training-failed":
                self.notify(f"training failed: {detail}", severity="error", timeout=10)
            elif name == "training-cancelled":
                self.notify("training cancelled: the previous models keep playing")
            elif name == "gesture-recorded":
                self.notify(f"recorded {detail}", timeout=3)
            elif name == "gesture-dropped":
                self.notify(f"take dropped: {detail}", severity="warning")
            elif name == "warning":
                self.notify(detail, severity="warning")

    def action_take_heard(self) -> None:
        """`h`: the messages heard that match nothing become the inputs (after a yes), as
        /mapper/control/takeHeard does; refused once the project has examples. What the
        question lists is what is taken (not what arrives while it is asked); the switch runs
        on a worker thread (it waits for training to stop, the server to close, a live source
        to start), and the screen follows the new engine when it is done."""
        session = self.session
        if session is None:
            return
        if any(w.group == TAKING and not w.is_finished for w in self.workers):
            self.notify("taking the heard messages as the inputs: a moment", timeout=4)
            return
        heard = [h.address for h in session.sources.heard.heard() if h.numbers]
        if not heard:
            self.notify("nothing heard yet: what matches no input is listed", severity="warning")
            return
        if holds_examples(session.engine):
            self.notify(NO_TAKING, severity="warning", timeout=8)
            return

        def done(seen: int, problem: str) -> None:  # on the UI thread
            if problem:
                self.notify(problem, severity="warning", timeout=8)
            elif self.session is session and self._switches_seen == seen:  # (else catch_up did)
                self._wire(session, pad_on=False)
                self.notify(session.switch_news, timeout=8)

        def take() -> None:  # on a worker thread
            from mapper.session.learning import take_heard

            seen, problem = session.switches, ""
            try:
                take_heard(session, heard)
            except (MapperError, OSError) as e:
                problem = str(e)
            except Exception as e:  # the instrument plays on: said, not a crash of the UI
                problem = f"could not take the heard messages: {e!r}"
            with contextlib.suppress(RuntimeError):  # the app has closed meanwhile
                self.call_from_thread(done, seen, problem)

        def answer(yes: bool | None) -> None:
            if yes and self.session is session:
                self.run_worker(take, name="take heard", group=TAKING, thread=True)

        listed = ", ".join(escape(printable(a, 60)) for a in heard[:4])  # as sent: no markup
        listed += f" and {len(heard) - 4} more" if len(heard) > 4 else ""
        self.push_screen(Confirm(f"Take {listed} as the inputs?"), answer)

    # ---- every key and command ----------------------------------------------------------
    async def run_action(
        self,
        action: str | ActionParseResult,
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        """Every key and command: carried out, then shown at once (not at the next tick)."""
        done = await super().run_action(action, default_namespace, namespaces)
        self.main.tick()
        return done

    async def action_quit(self) -> None:
        s = self.session
        if s is not None and s.saver is None and unsaved(s.engine):

            def answer(yes: bool | None) -> None:
                if yes:
                    self.close_session(save=False)
                    self.exit(0)

            self.push_screen(Confirm(f"Quit without saving {unsaved(s.engine)}? (S saves)"), answer)
            return
        message = ""
        try:
            message = self.close_session(save=True)
        except OSError as e:
            self.notify(f"could not save: {e}", severity="error", timeout=10)
            return
        self.exit(0, message=message or None)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's commands, then every action of the main screen by name (ctrl+p)."""
        yield from super().get_system_commands(screen)
        for key, action, _, desc in MAIN_KEYS:  # the help line under each: its key, not
            if action not in ("quit", "help"):  # the title again (it read twice)
                title = desc[0].upper() + desc[1:]
                help_line = f"key {display(key)} on the main screen"
                yield SystemCommand(title, help_line, partial(self.run_action, action, self.main))
        yield SystemCommand(
            "Train a sound model",
            "a neural audio model of your recordings, steered by the outputs: its progress, "
            "cancel, play it",
            self.action_train_sound,
        )

    def action_train_sound(self) -> None:
        """The sound training view: its form, or the training under way (or the latest)."""
        if self.session is not None:
            self.push_screen(SoundTrainingScreen(self.session.sound_training))
