"""The main screen: the panels of one open project, redrawn from the engine's state.

The UI never sits on the hot path: it reads the engine's state on a 5 Hz timer (and at once
after every key) and acts through the engine's and the session's public methods, the ones OSC
control messages call. The keys' actions live in tui/actions/, by concern.
"""

from __future__ import annotations

import contextlib
import time

from textual.app import ComposeResult
from textual.containers import Container, Vertical
from textual.css.query import NoMatches
from textual.widgets import Footer

from mapper.core.engine import Engine, Mode
from mapper.session.session import Session
from tui.actions.base import listening
from tui.actions.curation import CurationActions
from tui.actions.generator import GeneratorActions
from tui.actions.gestures import GestureActions
from tui.actions.instrument import InstrumentActions
from tui.actions.project import ProjectActions
from tui.keys import main_bindings
from tui.screens.help import HelpScreen
from tui.widgets.bookmarks_panel import BookmarksPanel
from tui.widgets.drums import DrumPanel
from tui.widgets.gestures_panel import GesturesPanel
from tui.widgets.hold_slider import HoldSlider
from tui.widgets.inputs_panel import InputsPanel
from tui.widgets.latent_map import LatentMap, bookmark_marks
from tui.widgets.neural import NeuralPanel
from tui.widgets.novelty_panel import NoveltyPanel
from tui.widgets.outputs_panel import OutputsPanel, doubt_label
from tui.widgets.title_bar import RateMeter, StatusBar
from tui.widgets.xypad import XYPad

REFRESH = 0.2  # seconds between redraws of the live panels (actions redraw at once). Every
# redraw holds the interpreter lock the OSC receive thread needs: at 10 Hz, the p99 round trip
# was 6x headless's; at 5 Hz it is within 1.2x (python -m benchmarks.tui_latency)
WARNING_SECONDS = 3.0  # how long a rejected-frame warning stays up after the last reject
PAD_ROWS = 8  # the XY pad keeps at least this many rows: the outputs scroll before it shrinks
DRUM_ROWS = 11  # the drum panel's height: nine voices and the border


class MainScreen(
    InstrumentActions, GestureActions, GeneratorActions, CurationActions, ProjectActions
):
    """Title bar, inputs (with novelty and bookmarks under them), XY pad, outputs, gestures
    and the generator's panel, over the app's session."""

    BINDINGS = main_bindings()
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide"), (120, "-wider")]

    def __init__(self) -> None:
        super().__init__()
        self.rates = RateMeter()
        self._shown: Engine | None = None  # the engine the panels show
        self._rejected_seen = 0
        self._frames_seen = 0
        self._warning_until = 0.0
        self._examples_version = -1
        self._placed: tuple[object, ...] = ()

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with Container(id="body"):  # a grid: see _place and mapper.tcss
            with Vertical(id="left"):
                yield InputsPanel(id="inputs")
                yield NoveltyPanel(id="novelty")  # with the hold slider
                yield BookmarksPanel(id="bookmarks")
            yield XYPad(id="pad")
            yield LatentMap(id="latent-map")  # in the pad's place while shown (z)
            yield DrumPanel(id="drums")
            yield NeuralPanel(id="neural")
            yield OutputsPanel(None, id="outputs")
            yield GesturesPanel(id="gestures")  # shown when the project has gesture sets
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.set_interval(REFRESH, self.tick)
        self.tick()
        with contextlib.suppress(NoMatches):  # not composed: the app is closing (a project
            outputs = self.query_one(OutputsPanel)  # that could not open, see open_session)
            if outputs.display:  # (else a project of gestures alone: _show focused them)
                outputs.focus()

    # ---- the live view ------------------------------------------------------------------
    def tick(self) -> None:
        """Catch up with the session (see MapperApp.catch_up) and redraw the panels."""
        session = self.mapper.session
        if session is None or not self.is_attached:
            return
        with contextlib.suppress(NoMatches):  # not composed yet, or the app is closing
            self._redraw(session)

    def _show(self, e: Engine) -> None:
        """A new engine (a project opened): its inputs and outputs, its counters from zero."""
        self.query_one(InputsPanel).reset(e.n_inputs)
        outputs = self.query_one(OutputsPanel)
        outputs.set_engine(e)
        outputs.display = e.n_outputs > 0  # a project of gestures alone has no output rows
        gestures = self.query_one(GesturesPanel)
        gestures.set_engine(e)
        for panel in (self.query_one(NoveltyPanel), self.query_one(BookmarksPanel)):
            panel.display = e.n_outputs > 0  # both are about the outputs
        self.query_one(HoldSlider).set_engine(e)
        if not e.n_outputs:
            gestures.focus()
        elif not outputs.has_focus and not gestures.display:
            outputs.focus()  # (the gestures panel had it, in the project before)
        self._shown = e
        self._examples_version = -1
        self._rejected_seen = self._frames_seen = 0

    def _redraw(self, session: Session) -> None:
        status = self.query_one(StatusBar)  # before anything changes: NoMatches if not composed
        self.mapper.catch_up(session)
        e = session.engine
        if e is not self._shown:
            self._show(e)
        c = e.counters
        rates = self.rates.sample(c.frames_in, c.outputs_sent)
        pad = self.mapper.pad
        streaming = bool(pad and pad.on)
        gestures = self.query_one(GesturesPanel)
        gestures.show()
        matched = gestures.matched_names()
        held = e.held if e.mode is Mode.RUNNING else []
        status.show(
            e,
            session.name,
            rates,
            listening(session),
            session.osc.send,
            streaming,
            matched,
            any(held),
        )
        novelty = self._show_novelty(e, any(held))
        inputs = self.query_one(InputsPanel)
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
        outputs = self.query_one(OutputsPanel)
        nearest = None
        if e.mode is Mode.RUNNING and e.n_outputs:
            j = outputs.selected
            neighbours = e.nearest(j)
            if neighbours:
                nearest = (e.outputs[j].name, neighbours)
        suggestion = e.last_suggestion.point if e.last_suggestion is not None else None
        inputs.show(e, warning, nearest, session.sources.heard.heard(), suggestion)
        outputs.show_doubt(self._doubts(e), held)
        outputs.refresh()
        current = e.bookmarks.at(e.playing_point) if e.n_outputs else None
        self.query_one(BookmarksPanel).show(e.bookmarks.items, current)
        self._update_pad(e, streaming, novelty, suggestion)
        player = session.player  # its panel: steps (the drums) or audio blocks (neural audio)
        steps = player is not None and player.steps is not None
        audio = player is not None and player.audio is not None
        drums = self.query_one(DrumPanel)
        drums.set_class(steps, "playing-model")
        neural = self.query_one(NeuralPanel)
        neural.set_class(audio, "playing-model")
        generator = "drums" if steps else "neural" if audio else None
        lines = len(gestures.lines) if gestures.display else 0
        self._place(generator, e.n_outputs, neural.rows if audio else DRUM_ROWS, lines)
        if steps:
            drums.show_player(player, current.name if current is not None else None)
        if audio:
            neural.show_player(player, [o.name for o in e.outputs])
        latent_map = self.query_one(LatentMap)
        if latent_map.display:
            latent_map.show(player, bookmark_marks(player, e.bookmarks.items))

    def _show_novelty(self, e: Engine, held: bool) -> float | None:
        """The novelty of the last input frame, measured now (the timer's thread, not the hot
        path), on the meter; None when there is none (the meter says why)."""
        panel = self.query_one(NoveltyPanel)
        if not panel.display:
            return None
        novelty, _ = e.novelty()
        why = ""
        if novelty is None:
            if not any(e.trained_model(j) for j in range(e.n_outputs)):
                why = "train first (t)"
            else:
                why = "no input yet" if not e.last_inputs else "no output runs"
        panel.show(novelty, e.novelty_hold, held, e.novelty_send, why)
        return novelty

    @staticmethod
    def _doubts(e: Engine) -> list[str]:
        """How sure each output's model is at the last input frame (see doubt_label)."""
        if len(e.last_inputs) != e.n_inputs:
            return []
        learning = e.learning_uncertainty()
        return [doubt_label(e.outputs[j], u, learning[j]) for j, u in enumerate(e.uncertainty())]

    def on_resize(self) -> None:
        self.tick()

    def _place(
        self, generator: str | None, n_outputs: int, generator_rows: int, gesture_lines: int = 0
    ) -> None:
        """Where the generator's panel goes, and how tall the outputs (and the gestures) may
        be, for this terminal: the XY pad keeps at least PAD_ROWS rows whatever else shows.
        The panel goes under the outputs and gestures, full width, where the pad keeps its
        rows that way; else beside the pad (a third column, compact), so that at 80x24 the
        pad, the outputs and the generator all show. More outputs (or gestures) than fit
        scroll in their panel (to the selected)."""
        width, height = self.size
        body = height - 3  # the title bar's two lines and the footer
        outputs = n_outputs + 3 if n_outputs or not gesture_lines else 0  # header and border
        gestures = gesture_lines + 2 if gesture_lines else 0
        below = generator is not None and body - outputs - gestures - generator_rows >= PAD_ROWS + 2
        placed = (generator, below, width, height, n_outputs, generator_rows, gesture_lines)
        if placed == self._placed:
            return
        self._placed = placed
        for name in ("drums", "neural"):
            self.set_class(generator == name, f"-gen-{name}")
        self.set_class(generator is not None and below, "-below")
        self.set_class(generator is not None and not below, "-beside")
        container = self.query_one("#body")
        outputs_panel = self.query_one(OutputsPanel)
        gestures_panel = self.query_one(GesturesPanel)
        drums = self.query_one(DrumPanel)
        neural = self.query_one(NeuralPanel)
        rows = "auto auto" if outputs and gestures else "auto"  # their rows, under the pad
        if below:  # grid cells fill in order: the outputs first, the generator under them
            container.move_child(outputs_panel, before=drums)
            # its row's height, given: Textual measures an auto row of a widget spanning two
            # columns at one column's width (the neural panel's lines wrap there)
            container.styles.grid_rows = f"1fr {rows} {generator_rows}"
        else:  # the generator beside the pad, in the first row
            container.move_child(outputs_panel, after=neural)
            container.styles.grid_rows = f"1fr {rows}"
        container.move_child(gestures_panel, after=outputs_panel)
        room = body - (PAD_ROWS + 2) - (generator_rows if below else 0)
        if gestures and outputs:  # the outputs whole if they can, at least half the room
            outputs_room = min(outputs, max(room - gestures, room // 2))
            outputs_panel.styles.max_height = max(outputs_room, 4)
            gestures_panel.styles.max_height = max(room - outputs_room, 4)
        else:
            outputs_panel.styles.max_height = max(room, 4)
            gestures_panel.styles.max_height = max(room, 4)

    def _update_pad(
        self,
        e: Engine,
        streaming: bool,
        novelty: float | None,
        suggestion: tuple[float, ...] | None,
    ) -> None:
        pad = self.query_one(XYPad)
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
        x, y = pad.x, pad.y
        if not streaming and len(e.last_inputs) >= 2:
            x, y = e.last_inputs[0], e.last_inputs[1]
        here = (suggestion[0], suggestion[1]) if suggestion and len(suggestion) >= 2 else None
        pad.show(x, y, streaming, rounds, novelty, here)

    def on_xypad_moved(self, message: XYPad.Moved) -> None:
        pad = self.mapper.pad
        if pad is not None and self.engine.n_inputs >= 2:
            pad.move_to(message.x, message.y)
            pad.set_on(True)

    def on_outputs_panel_problem(self, message: OutputsPanel.Problem) -> None:
        self.notify(message.text, severity="warning")

    def action_help(self) -> None:
        s = self.mapper.session
        where = str(s.folder) if s and s.folder else "not saved yet (S saves it as a folder)"
        addresses = sorted(s.server.controls) if s else []
        send = s.osc.send if s else "-"
        self.app.push_screen(HelpScreen(where, listening(s), send, addresses))
