"""One open instrument: a project's engine, its OSC server, its saver and its player, started
and stopped.

Headless mode, the TUI and the tests all open it through one factory
(mapper.session.factory.open_instrument), so they behave the same: same ports, same retraining
at start, same generator, same save on close.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mapper.core.engine import Engine, EngineError, EventSink
from mapper.core.examples import ExampleRows
from mapper.generators.consent import ModelConsent, model_file
from mapper.generators.player import Player
from mapper.generators.routing import Routing
from mapper.models.warmup import warm_up
from mapper.osc.control import make_project_controls
from mapper.osc.server import OSCServer
from mapper.osc.settings import OSCSettings
from mapper.project import (
    PROJECT_FILE,
    Project,
    engine_from_project,
    holds_project,
)
from mapper.project.saver import ProjectSaver
from mapper.session import switching
from mapper.session.model_files import carry_model_file
from mapper.session.options import PlayOptions
from mapper.session.sound_training import SoundTrainer, make_sound_controls
from mapper.session.sourcing import Sources

log = logging.getLogger("mapper.session")


class Session:
    """The engine of one project, listening and sending over OSC, saving to its folder.

    `folder` None means an unsaved project (the demo, or headless without PROJECT_DIR).
    `osc` is this run's settings (command-line overrides included); the project keeps its own.
    `fallback_port`: if the listening port is taken, listen on a free port instead of failing
    (the TUI does this and says so; headless fails, because its peers expect the port).
    """

    def __init__(
        self,
        project: Project,
        rows: ExampleRows,
        osc: OSCSettings,
        folder: Path | None,
        fallback_port: bool = False,
        allowed_dirs: Sequence[Path] = (),
        consent: ModelConsent | None = None,
    ) -> None:
        self.allowed_dirs = list(allowed_dirs)  # where OSC may save and open projects by path
        self.consent = consent or ModelConsent()  # which model files may load (never others)
        self.switches = 0  # how many times open_project replaced the engine (UIs: re-read it)
        self._closed = False
        self._switch = threading.RLock()
        self.project = project
        self.folder = folder
        self.engine: Engine = engine_from_project(project, rows)
        self.saver = ProjectSaver(folder, self.engine, project) if folder is not None else None
        self.recovered = project.recovered  # examples recovered from the journal at load
        self.listen_problem = ""
        self.sources = Sources()  # --source's router, the heard list, a live source
        self.switch_news = ""  # what the last switch of engine was (a project opened, ...)
        self._lock = switching.hold_folder(folder)  # one gesture-mapper per folder, first
        try:
            try:
                self.server = OSCServer(self.engine, osc)
            except OSError as e:
                if not fallback_port:
                    raise
                self.listen_problem = f"cannot listen on {osc.listen}: {e.strerror or e}"
                osc = dataclasses.replace(osc, listen_port=0)
                self.server = OSCServer(self.engine, osc)
        except BaseException:
            self.release()
            raise
        self.osc = osc
        self.sound_training = SoundTrainer(self)  # one sound-model training at a time
        self._add_project_controls()
        self._event_sinks: list[EventSink] = []  # kept for the engines of later projects
        self.player: Player | None = None  # the generator playing, once attached
        # where generators play: set by play(), applied to the player of every project opened
        # later (open_project): the speakers, MIDI port and recording belong to the run
        self.routing = Routing()

    def add_event_sink(self, sink: EventSink) -> None:
        """Hear the engine's events (training-done, ...), this engine's and those of every
        project opened later (open_project), from before each one starts training."""
        self._event_sinks.append(sink)
        self.engine.add_event_sink(sink)

    @property
    def name(self) -> str:
        return self.project.name

    @property
    def listen_address(self) -> tuple[str, int]:
        """The host and port actually bound (the port may differ from the settings')."""
        return self.server.address

    def create_folder(self) -> None:
        """Write a new project's folder now, so the first save cannot surprise anyone later."""
        if self.saver is not None and not (self.saver.folder / PROJECT_FILE).exists():
            self.saver.save_now()

    def start(self, run: bool = False) -> list[str]:
        """Start listening, retrain from the loaded examples; with `run`, run once trained.

        Returns the names of the outputs being trained (models are never loaded from disk).
        """
        warm_up(str(o.model.get("type", "")).lower() for o in self.engine.outputs)
        if self.saver is not None:
            self.saver.start()  # the journal: every recorded example on disk within 0.1 s
        self.server.start()
        names: list[str] = []
        if len(self.engine.examples):
            try:
                names = self.engine.train()
            except EngineError as e:
                log.warning("%s", e)
        if run:

            def run_after_training() -> None:
                self.engine.wait_for_training()
                self.engine.start_running()

            threading.Thread(target=run_after_training, name="mapper-run", daemon=True).start()
        return names

    def _save_soon(self) -> object:
        """Save from the saver's worker (for OSC's save: the receive thread must not wait;
        a burst of saves is one write, see ProjectSaver.save_soon)."""
        if self.saver is None:
            raise EngineError("no project folder to save to: start with a PROJECT_DIR")
        return self.saver.save_soon()

    def save(self) -> None:
        """Save now; OSError if it cannot be written. No folder: EngineError."""
        if self.saver is None:
            raise EngineError("this project has no folder yet: save it as a new project")
        self.saver.save_now()

    def save_as(self, folder: Path) -> None:
        """Save into another folder, which then becomes this project's folder. A generator's
        model file inside the old folder is copied into the new one (a project holds its own
        model: see mapper.generators.consent); one elsewhere is named from the new folder.
        Only into a new or empty folder: EngineError for a project (never written over) or a
        folder of other files."""
        if holds_project(folder, EngineError):  # never over someone's files
            raise EngineError(
                f"{folder} holds a project already: save as makes a new project, in a new or "
                "empty folder only (an existing project is never written over)"
            )
        lock = switching.hold_folder(folder, EngineError)  # nor where another gesture-mapper is
        generator = self.project.generator
        before = dict(generator or {})
        allowed = self.consent.problem(before, self.folder) is None
        copy: Path | None = None
        self.project = dataclasses.replace(self.project, name=folder.name)
        saver = ProjectSaver(folder, self.engine, self.project)
        try:
            copy = carry_model_file(generator, self.folder, folder)
            saver.save_now()
        except BaseException:
            if generator:  # still this folder's project: its model path as it was
                generator.update(before)
            if copy is not None and copy.resolve() != model_file(before, self.folder):
                copy.unlink(missing_ok=True)
            if lock is not None:
                lock.release()
            raise
        if allowed and self.folder is not None:  # the model the user let run, in its new home
            self.consent = self.consent.allowing(folder)
        if self.saver is not None:
            self.saver.stop()
        saver.start()
        self.folder, self.saver = folder, saver
        switching.hold_instead(self, lock)

    def attach_player(
        self, settings: dict[str, Any] | None = None, device: str | None = None
    ) -> Player:
        """Steer a generator with this project's outputs, in place of any player attached
        (closed, its OSC addresses withdrawn). `settings` default: the project's generator,
        else the shipped rhythm model; `device` default: the routing's. The new player's
        control addresses (/mapper/rhythm/..., /mapper/neural/...) join the server's, its
        hits and replies go to the OSC send target, and the project saves its settings.
        Not started: see `play`. GeneratorError if it cannot be opened; ModelNotTrusted if
        its model file may not load (see `consent`)."""
        from mapper.generators.registry import open_player

        spec = dict(settings or self.project.generator or {"type": "rhythm"})
        self.consent.check(spec, self.folder)
        player = open_player(
            spec,
            self.engine,
            self.folder,
            device if device is not None else self.routing.device,
            self.server.sender,
            self._generator_changed,
        )
        old, self.player = self.player, player
        if old is not None:
            old.close()
            for address in old.controls():
                self.server.controls.pop(address, None)
        self._set_generator_settings(player.settings())
        self.server.controls.update(player.controls())
        return player

    def play(self, options: PlayOptions) -> list[str]:
        """Attach the generator the options and the project name, send it where the options
        say (for the rest of the run: projects opened later play there too) and start it.
        Returns the lines that say what plays where. GeneratorError (or OSError for a sound
        card or file) if it cannot."""
        from mapper.session.playing import settings_to_play

        self.routing = Routing(options.audio, options.record_audio, options.midi, options.device)
        spec = settings_to_play(options, self.project.generator, self.folder)
        return self._play(spec, later=False)

    def _play(self, spec: dict[str, Any] | None, later: bool) -> list[str]:
        """Attach, route and start a player: the one sequence for the first project (`later`
        False: a sink that cannot open is an error) and for one opened later (the generator
        plays on without it, and the routing's news says so)."""
        player = self.attach_player(spec)
        if later:
            self.routing.follow(player)
            where: list[str] = []
        else:
            where = self.routing.apply(player)
        player.start()
        return player.describe([o.name for o in self.engine.outputs], self.osc.send) + where

    def play_generator(self, spec: dict[str, Any]) -> list[str]:
        """Play another generator in place of the one playing (the TUI's trained sound model),
        where this run plays, as a project opened later does (a sink that cannot open is
        news: routing.take_news). Returns what plays. GeneratorError if it cannot."""
        with self._switch:
            self._refuse_if_closed("play")
            return self._play(spec, later=True)

    def _generator_changed(self, changes: dict[str, Any]) -> None:
        """The player changed some of its saved settings (a tempo): the project follows."""
        self._set_generator_settings({**(self.project.generator or {}), **changes})

    def _set_generator_settings(self, spec: dict[str, Any]) -> None:
        self.project.generator = spec
        if self.saver is not None:
            self.saver.project.generator = spec

    def _add_project_controls(self) -> None:
        """OSC's save [path], load path and runNewProject path, heard and takeHeard, the
        sound training's, for this session; and the project's source routed into this engine."""
        from mapper.session.learning import make_source_controls

        self.sources.route(self.engine, self.server, self.project.source)
        self.server.controls.update(make_source_controls(self))
        self.server.controls.update(make_sound_controls(self))
        self.server.controls.update(
            make_project_controls(
                self.engine,
                self.server.jobs,  # closed with the server (close, open_project)
                self.allowed_dirs,
                self._save_soon,
                self._save_as,
                self.open_project,
            )
        )

    def _save_as(self, folder: Path) -> None:
        """OSC's save PATH (on a worker): as save_as, unless the session closed meanwhile."""
        with self._switch:
            self._refuse_if_closed("save")
            self.save_as(folder)

    def _refuse_if_closed(self, what: str) -> None:
        """A job queued before close() ran after it: it must not touch the disk any more."""
        if self._closed:
            raise EngineError(f"{what}: the project was closed meanwhile")

    def open_project(
        self, folder: Path, run: bool = False, drop_unsaved: bool = False, trust: bool = False
    ) -> None:
        """Open another project folder in place of this one, on the same listening port
        (OSC's load and runNewProject). This project is saved first if it has a folder; if it
        has none, its examples are refused to be dropped unless `drop_unsaved` (the TUI asks).
        A project whose model file may not load is refused (ModelNotTrusted) unless `trust`:
        the user said yes to the models in its folder (the TUI asks; OSC never says yes).
        ProjectError, EngineError, GeneratorError or OSError before the switch leave this one
        playing. The engine is a new one: read `session.engine` again (`switches` counts)."""
        switching.open_project(self, folder, run, drop_unsaved, trust)

    def replace_inputs(self, project: Project, news: str) -> None:
        """Play `project`, this one with other inputs (mapper.session.learning), in its
        place: same folder, same port. Only while it has no examples (EngineError)."""
        switching.replace_inputs(self, project, news)

    def release(self) -> None:
        """Let go of the project folder's lock (mapper.project.lock): another gesture-mapper
        may open the folder then. close() does, unless asked to keep it for a last save; the
        end of the process lets go of it in any case, a kill or a crash included."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def close(self, keep_lock: bool = False, switching: bool = False) -> None:
        """Stop training and listening, and let go of the folder's lock (another
        gesture-mapper may open it then). Does not save: call save() first if you want to;
        to save after closing, `keep_lock` until then (release(), or the end of the process).
        Waits for a project switch under way (OSC's load), so it never closes half of one.
        `switching`: closed only for another engine to take over (mapper.session.switching):
        the built-in synth and a live source (a MIDI port, a gamepad) stay open for it."""
        with self._switch:  # reentrant: open_project closes the old project through here
            self._closed = True  # jobs still queued (OSC's load, save PATH) refuse from now
            if not switching:  # a sound training goes on in the next project's session
                self.sound_training.close()
            if self.player is not None:
                self.player.close()
            if switching:
                self.sources.router = None  # a live source's messages wait for the next one
            else:
                self.routing.close()
                self.sources.close_live()
            self.engine.cancel_training()
            self.engine.stop_uncertainty()
            self.engine.wait_for_training(timeout=5.0)
            self.server.close()
            self.engine.stop_gesture_recording()  # a take under way is kept (2 frames or more)
            if self.saver is not None:
                self.saver.stop()  # the journal holds every example; a save still works
            if not keep_lock:
                self.release()
