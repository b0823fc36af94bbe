"""The engine: record, train and run, and the hot path from one input frame to the outputs.

Every control method (the ones OSC control messages and the TUI call) is safe from any thread.
`process_frame` is the hot path: it reads state without locks, never waits on training, the disk
or a UI, and hands the outputs to the sinks (the OSC sender) on the caller's thread.

The engine keeps the state the hot path reads and every public method; the work behind some of
them lives beside it: per-output settings (output_settings.py, a base class), training
(training.py), timed takes (takes.py), deleting and putting back examples (example_edits.py),
and the queries (evaluation.py, neighbours.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

import numpy as np

from mapper.core.curation_controls import CurationControls
from mapper.core.evaluation import DEFAULT_FOLDS, Evaluation, evaluate_output
from mapper.core.example_edits import ExampleEdits
from mapper.core.examples import ExampleRows, ExampleStore, full_message, max_examples
from mapper.core.frame_plan import FramePlan
from mapper.core.gesture_controls import GestureControls
from mapper.core.gestures import Gestures, GestureSet
from mapper.core.neighbours import nearest_examples
from mapper.core.novelty_controls import NoveltyControls
from mapper.core.output_settings import OutputSettings, refuse
from mapper.core.outputs import FLOAT32_LARGEST, Output
from mapper.core.state import Counters, Mode, ModelState, Neighbour, Trained, TrainingStatus
from mapper.core.take_controls import TakeControls
from mapper.core.takes import Take
from mapper.core.training import EventSink, Trainer
from mapper.core.transport import Smoother, Transport
from mapper.errors import EngineError

PLAYABLE = FLOAT32_LARGEST  # the largest output OSC's float32 carries

__all__ = [
    "Counters",
    "Engine",
    "EngineError",
    "EventSink",
    "MessageSink",
    "Mode",
    "ModelState",
    "Neighbour",
    "OutputSink",
    "Trained",
    "TrainingStatus",
]

OutputSink = Callable[[list[float]], None]
MessageSink = Callable[[str, list[float]], None]


class Engine(OutputSettings, TakeControls, GestureControls, NoveltyControls, CurationControls):
    """Holds the examples, the output values and the trained models; runs the loop. Gesture
    sets (DTW) add their costs after the outputs (mapper.core.gestures); novelty, hold and
    bookmarks are in their own parts (novelty_controls.py, curation_controls.py)."""

    def __init__(
        self,
        input_names: Sequence[str],
        outputs: Sequence[Output],
        gesture_sets: Sequence[GestureSet] = (),
    ) -> None:
        if not input_names:
            raise EngineError("a mapping needs at least one input")
        if not outputs and not gesture_sets:
            raise EngineError("a mapping needs at least one output or gesture set")
        self.input_names = list(input_names)
        self.outputs = list(outputs)
        self.examples = ExampleStore(len(self.input_names), len(self.outputs))
        # the most examples recording adds: their files must open again (core.examples)
        self.capacity = max_examples(len(self.input_names), len(self.outputs))
        self.values = [o.initial_value for o in self.outputs]
        self.last_inputs: tuple[float, ...] = ()
        self.last_outputs = list(self.values)
        self.mode = Mode.IDLE
        self.round = 0
        self.counters = Counters()
        self._frame_plan = FramePlan((), self.n_inputs)
        self._record_mask: list[bool] = []
        self._recording_any = False
        self._update_record_mask()
        self._output_sinks: list[OutputSink] = []
        self._message_sinks: list[MessageSink] = []
        self._event_sinks: list[EventSink] = []
        self._lock = threading.RLock()
        self.gestures = Gestures(self.n_inputs, gesture_sets, self._lock)
        self._trainer = Trainer(
            self.n_inputs, self.n_outputs, self._lock, self._rebuild_runners, self._event
        )
        self.transport = Transport()
        self._smoother = Smoother(0.0, self.outputs)
        self._take: Take | None = None  # the timed take under way, if any
        self._edits = ExampleEdits(self.examples, self._lock, self._trainer.mark_changed)
        self._init_novelty()
        self._init_curation()

    # ---- wiring -------------------------------------------------------------------------
    def add_output_sink(self, sink: OutputSink) -> None:
        """Call `sink(values)` with every output vector sent (on the sending thread)."""
        self._output_sinks = [*self._output_sinks, sink]  # new lists: never one being read

    def remove_sink(self, sink: object) -> None:
        """Stop calling `sink`, of whichever kind (a player or a server closed)."""
        self._output_sinks = [s for s in self._output_sinks if s != sink]
        self._message_sinks = [s for s in self._message_sinks if s != sink]
        self._event_sinks = [s for s in self._event_sinks if s != sink]

    def add_message_sink(self, sink: MessageSink) -> None:
        """Call `sink(address, floats)` for extra messages: class probabilities."""
        self._message_sinks.append(sink)

    def add_event_sink(self, sink: EventSink) -> None:
        """Call `sink(event, detail)` on events: training-done, -failed, -cancelled,
        recording-full (the project holds as many examples as its files may: `detail` says)."""
        self._event_sinks.append(sink)

    def _emit(self, values: list[float]) -> None:
        self.last_outputs = values
        for sink in self._output_sinks:
            sink(values)

    def _event(self, name: str, detail: str = "") -> None:
        for sink in self._event_sinks:
            sink(name, detail)

    # ---- the hot path -------------------------------------------------------------------
    def process_frame(self, frame: Sequence[float]) -> None:
        """One validated input frame: record it (until the project holds `capacity` examples:
        recording then stops, saying so), or run the models and send, or just show it."""
        self.counters.frames_in += 1
        self.last_inputs = tuple(frame)
        mode = self.mode
        if mode is Mode.RUNNING:
            start = time.perf_counter()
            out = self._frame_plan(frame, self.values)
            if not -PLAYABLE < sum(out) < PLAYABLE:  # NaN, infinity, or beyond a float32
                out = self._held(out)
            holding = self._holding
            if holding:  # novelty measured now: outputs too new to the models are held
                out = self._hold_novel(frame, out, start)
            if self._smoother.seconds > 0:
                out = self._smoother(out)
            if self.gestures.sets:
                out = out + self.gestures.step(frame, self.send_message)
            self._emit(out)
            if self._telling:  # after the outputs: they never wait for it
                self._tell_novelty(frame, holding)
            self.visits.add(frame, start)
            self.counters.last_latency = time.perf_counter() - start
        elif mode is Mode.RECORDING and self._recording_any:
            self.examples.append(frame, self.values, self._record_mask, self.round, time.time())
            self.counters.recorded += 1
            if len(self.examples) >= self.capacity:  # one comparison a frame
                self._recording_full()
        elif mode is Mode.RECORDING_GESTURE and not self.gestures.record(frame):
            self._gesture_take_full()

    def _held(self, out: list[float]) -> list[float]:
        """The outputs with each one a model could not play (NaN, infinite, or too big for
        OSC's float32: inputs far beyond anything taught) held at its last value."""
        self.counters.held_outputs += 1
        # the outputs' last values (a gesture set's costs follow them in last_outputs)
        last = self.last_outputs if len(self.last_outputs) >= len(out) else self.values
        return [v if -PLAYABLE < v < PLAYABLE else float(last[j]) for j, v in enumerate(out)]

    def _send_probabilities(self, output: Output, proba: np.ndarray) -> None:
        values = [0.0] * (output.classes + 1)
        n = min(len(proba), len(values))
        values[:n] = proba[:n].tolist()
        self.send_message("/" + output.name, values)

    def send_message(self, address: str, values: list[float]) -> None:
        """Send an extra message of floats to the output target (replies to queries)."""
        for sink in self._message_sinks:
            sink(address, values)

    # ---- record / run -------------------------------------------------------------------
    def start_recording(self) -> None:
        """Start a new recording round now (stops running, ends a gesture's take): each frame
        becomes one example."""
        with self._lock:
            self.stop_gesture_recording()
            self._cancel_take()
            self._begin_round()

    def _begin_round(self) -> None:
        if self.mode is Mode.RECORDING:
            return
        if self.is_full:  # nothing more would open again: say so, and record nothing
            self._cancel_take()
            if self.mode is Mode.COUNT_IN:
                self.mode = Mode.IDLE
            self._say_full("recording did not start")
            return
        self.round = max(self.round, self.examples.last_round()) + 1
        self.mode = Mode.RECORDING

    @property
    def is_full(self) -> bool:
        """True when the project holds `capacity` examples: recording adds no more."""
        return len(self.examples) >= self.capacity

    def _recording_full(self) -> None:
        """The hot path met the capacity: stop the round (every example so far is kept)."""
        with self._lock:
            if self.mode is not Mode.RECORDING:
                return  # stopped meanwhile: said already, or not needed
            self.stop_recording()
        self._say_full("recording stopped")

    def _say_full(self, what: str) -> None:
        held, n_in, n_out = len(self.examples), self.n_inputs, self.n_outputs
        self._event("recording-full", full_message(what, held, n_in, n_out, self.capacity))

    def stop_recording(self) -> None:
        """End the round (or a count-in); the outputs it touched now need training."""
        with self._lock:
            self._cancel_take()
            if self.mode is Mode.COUNT_IN:
                self.mode = Mode.IDLE
            if self.mode is not Mode.RECORDING:
                return
            self.mode = Mode.IDLE
            self._trainer.mark_changed([j for j, o in enumerate(self.outputs) if o.record])

    def start_running(self) -> None:
        """Run: each input frame gives one output message."""
        with self._lock:
            if self.mode in (Mode.RECORDING, Mode.COUNT_IN):
                self.stop_recording()
            if self.mode is Mode.RECORDING_GESTURE:
                self.stop_gesture_recording()
            self._smoother.reset()
            self.gestures.reset()
            self._hold.reset(self.last_outputs)
            self.mode = Mode.RUNNING

    def stop_running(self) -> None:
        with self._lock:
            if self.mode is Mode.RUNNING:
                self.mode = Mode.IDLE

    # ---- output values ------------------------------------------------------------------
    def set_values(self, values: Sequence[float], send: bool = True) -> None:
        """Set every output's value (the training targets) and send them, to audition."""
        if len(values) != self.n_outputs:
            raise EngineError(f"expected {self.n_outputs} output values, got {len(values)}")
        for output, v in zip(self.outputs, values):
            refuse(output.check_value(float(v)))
        with self._lock:
            self.values = [o.shape(float(v)) for o, v in zip(self.outputs, values)]
            self._update_record_mask()
        sent = list(self.values) + self.gestures.last_costs  # a message carries every cost
        if send:
            self._emit(sent)
        else:
            self.last_outputs = sent

    def set_value(self, j: int, value: float) -> None:
        """Set one output's value and send every output."""
        self.check_output(j)
        values = list(self.values)
        values[j] = value
        self.set_values(values)

    def randomize(self) -> None:
        """Random values within each output's range (classes 1..K), sent at once."""
        self.set_values([o.random_value() for o in self.outputs])

    # ---- examples (mapper.core.example_edits) -------------------------------------------
    def delete_all_examples(self) -> int:
        return self._edits.delete_all() + self.gestures.delete_all()

    def delete_examples_for_output(self, j: int) -> int:
        """Output j's examples; past the outputs, a gesture's takes (its place on the wire)."""
        if j >= self.n_outputs and self.gestures.sets:
            return self.gestures.delete_gesture(j - self.n_outputs)
        self.check_output(j)
        return self._edits.delete_output(j)

    def delete_round(self, round_: int) -> ExampleRows:
        """Delete one recording round; returns its rows, which restore_round can put back."""
        return self._edits.delete_round(round_)

    def delete_last_round(self) -> int:
        """Delete the most recent round still there; returns its number."""
        return self._edits.delete_last_round()

    def restore_round(self) -> int:
        """Put back the most recently deleted round; returns its number."""
        with self._lock:
            rows = self._edits.take_back_round()
            if len(self.examples) + len(rows) > self.capacity:
                self._edits.deleted_rounds.append(rows)  # still there to put back later
                raise EngineError(
                    f"round {int(rows.rounds[0])} ({len(rows):,} examples) does not fit: the "
                    f"project may hold {self.capacity:,} examples for its files to open "
                    f"again, and holds {len(self.examples):,}; delete some first"
                )
            self.add_examples(rows)
            return int(rows.rounds[0])

    def delete_examples(self, ids: Sequence[int]) -> int:
        """Delete single examples by id (the examples table); returns how many went."""
        return self._edits.delete_ids(ids)

    def add_examples(self, rows: ExampleRows) -> None:
        """Put rows back (undo) or load them from a project."""
        with self._lock:
            self._edits.add(rows)
            if len(rows):
                self.round = max(self.round, int(rows.rounds.max()))

    # ---- training (mapper.core.training) ------------------------------------------------
    @property
    def is_training(self) -> bool:
        return self._trainer.active

    @property
    def training(self) -> TrainingStatus:
        return self._trainer.status

    @property
    def model_states(self) -> list[ModelState]:
        return self._trainer.states

    def train(self) -> list[str]:
        """Train every train-enabled output that has examples, in the background; returns their
        names. The old models play until the new ones are swapped in, all at once. Gesture
        sets need no training: with nothing else to train, they answer done at once."""
        if self.gestures.sets and not any(
            o.train and n for o, n in zip(self.outputs, self.examples.counts())
        ):
            self._event("training-done")
            return []
        return self._trainer.start(self.outputs, self.examples)

    def cancel_training(self) -> bool:
        """Stop training at once, keeping the old models; True if training was under way."""
        return self._trainer.cancel()

    def wait_for_training(self, timeout: float | None = None) -> bool:
        """Block until training finishes (for tests, scripts and shutdown). True if idle."""
        return self._trainer.wait(timeout)

    def _update_record_mask(self) -> None:
        """Which outputs a recorded frame carries: recording on, and not a class of 0 (none)."""
        self._record_mask = [
            o.record and not (o.is_classifier and v == 0) for o, v in zip(self.outputs, self.values)
        ]
        self._recording_any = any(self._record_mask)

    def _rebuild_runners(self) -> None:
        runners = tuple(
            (j, t, self.outputs[j])
            for j, t in enumerate(self._trainer.trained)
            if t is not None and self.outputs[j].run
        )
        # one assignment: the hot path never sees half a plan
        self._frame_plan = FramePlan(runners, self.n_inputs, self._send_probabilities)
        self._new_novelty_plan(self._trainer.trained)

    def trained_model(self, j: int) -> Trained | None:
        """Output j's running model, or None when it has never been trained."""
        return self._trainer.trained[j]

    def evaluate(self, j: int, folds: int = DEFAULT_FOLDS) -> Evaluation:
        """Cross-validate output j's model on its examples (seconds for big sets: call it from
        a worker thread; the playing models are untouched)."""
        self.check_output(j)
        with self._lock:
            spec = Output(**vars(self.outputs[j]))
            rows = self.examples.snapshot()
        X, y = rows.for_output(j, spec.input_indices(self.n_inputs))
        return evaluate_output(spec, X, y, folds)

    def nearest(self, j: int, frame: Sequence[float] | None = None) -> list[Neighbour]:
        """The recorded examples a kNN output follows for `frame` (default: the last input
        frame), nearest first; [] for other models or before training or input."""
        self.check_output(j)
        trained = self._trainer.trained[j]
        frame = self.last_inputs if frame is None else frame
        if trained is None or len(frame) != self.n_inputs:
            return []
        return nearest_examples(trained, frame, self.examples)
