"""Playing the instrument: record, train, run, randomize; rounds and examples; the selected
output's model; count-in, take length and glide; the XY pad."""

from __future__ import annotations

from textual import work

from mapper.core.engine import EngineError, Mode
from tui.actions.base import Actions
from tui.dialogs.confirm import Confirm
from tui.screens.examples import ExamplesScreen
from tui.screens.model import ModelScreen
from tui.widgets.gestures_panel import GesturesPanel
from tui.widgets.outputs_panel import OutputsPanel

COUNT_INS = (0.0, 1.0, 2.0, 3.0, 4.0)
TAKE_LENGTHS = (0.0, 1.0, 2.0, 3.0, 5.0, 10.0)
GLIDES = (0.0, 0.05, 0.1, 0.25, 0.5, 1.0)
NO_OUTPUTS = "this project has gestures, no outputs: space records the selected gesture"


def _next(choices: tuple[float, ...], current: float) -> float:
    later = [c for c in choices if c > current + 1e-9]
    return later[0] if later else choices[0]


class InstrumentActions(Actions):
    """The keys of the record -> train -> run loop (tui/keys.py lists them)."""

    def _no_outputs(self) -> bool:
        """True (and said) when the project has no outputs to act on: gestures alone."""
        if self.engine.n_outputs:
            return False
        self.notify(NO_OUTPUTS, severity="warning")
        return True

    def action_record(self) -> None:
        e = self.engine
        if e.mode in (Mode.RECORDING, Mode.COUNT_IN):
            e.stop_recording()
            return
        if e.mode is Mode.RECORDING_GESTURE:  # r stops whatever records
            e.stop_gesture_recording()
            return
        if self._no_outputs():
            return
        if not any(o.record for o in e.outputs):
            self.notify("no output is recording: R turns recording on for the selected one")
            return
        e.record_take()

    def action_train(self) -> None:
        names = self._try("train", self.engine.train)
        if names:
            self.notify(f"training {', '.join(names)}")

    def action_cancel_training(self) -> None:
        if not self.engine.cancel_training():
            self.notify("not training")

    def action_play(self) -> None:
        e = self.engine
        if e.mode is Mode.RUNNING:
            e.stop_running()
            return
        e.start_running()
        if e.gestures.sets and not e.gestures.takes:
            self.notify("running, but no gesture has a take yet: space records one")
        elif e.n_outputs and not any(e.trained_model(j) for j in range(e.n_outputs)):
            self.notify("running, but nothing is trained yet: record, then press t")

    def action_randomize(self) -> None:
        if self._no_outputs():
            return
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
        gestures = self.query_one(GesturesPanel)
        if gestures.has_focus or (gestures.display and not self.engine.n_outputs):
            self._delete_gesture_takes(gestures.selected)
            return
        j = self.selected
        name, count = self.engine.outputs[j].name, self.engine.examples.counts()[j]

        def answer(yes: bool | None) -> None:
            if yes:
                self.engine.delete_examples_for_output(j)
                self.notify(f"deleted {count} examples of {name}")

        self.app.push_screen(Confirm(f"Delete all {count} examples of {name}?"), answer)

    def _delete_gesture_takes(self, g: int) -> None:
        name, count = self.engine.gestures.names()[g], self.engine.gestures.counts()[g]
        if not count:
            self.notify(f"{name} has no takes", severity="warning")
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.engine.delete_gesture_examples(g)
                self.notify(f"deleted {count} takes of {name}")

        self.app.push_screen(Confirm(f"Delete all {count} takes of {name}?"), answer)

    def action_delete_all_examples(self) -> None:
        count, takes = len(self.engine.examples), len(self.engine.gestures.takes)
        what = f"{count} examples" + (f" and {takes} gesture takes" if takes else "")

        def answer(yes: bool | None) -> None:
            if yes:
                self.engine.delete_all_examples()
                self.notify(f"deleted {what}")

        question = f"Delete all {count} examples of every output?"
        if self.engine.gestures.sets:
            question = f"Delete all {what}, of every output and gesture?"
        self.app.push_screen(Confirm(question), answer)

    def action_examples(self) -> None:
        self.app.push_screen(ExamplesScreen(self.engine))

    def action_model(self) -> None:
        if self._no_outputs():
            return
        self.app.push_screen(ModelScreen(self.engine, self.selected))

    def action_evaluate(self) -> None:
        if self._no_outputs():
            return
        j = self.selected
        self.notify(f"evaluating {self.engine.outputs[j].name}…")
        self._evaluate(j)

    @work(thread=True, group="evaluate")
    def _evaluate(self, j: int) -> None:
        try:
            text, severity = self.engine.evaluate(j).text(), "information"
        except EngineError as e:
            text, severity = str(e), "warning"
        self.app.call_from_thread(self.notify, text, severity=severity, timeout=10)

    def action_toggle_pad(self) -> None:
        pad = self.mapper.pad
        if pad is None or self.engine.n_inputs < 2:
            self.notify("the XY pad needs a project with at least 2 inputs", severity="warning")
            return
        pad.set_on(not pad.on)

    def action_cycle_count_in(self) -> None:
        self.engine.set_transport(count_in=_next(COUNT_INS, self.engine.transport.count_in))

    def action_cycle_take_length(self) -> None:
        t = self.engine.transport
        self.engine.set_transport(record_for=_next(TAKE_LENGTHS, t.record_for))

    def action_cycle_glide(self) -> None:
        self.engine.set_transport(smoothing=_next(GLIDES, self.engine.transport.smoothing))

    def action_toggle_output(self, what: str) -> None:
        if self._no_outputs():
            return
        self.query_one(OutputsPanel).toggle(what)
