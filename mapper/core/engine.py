"""The engine: record, train and run, and the hot path from one input frame to the outputs.

Every control method (the ones OSC control messages and the TUI call) is safe from any thread.
`process_frame` is the hot path: it reads state without locks, never waits on training, the disk
or a UI, and hands the outputs to the sinks (the OSC sender) on the caller's thread.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np

from mapper.core.evaluation import DEFAULT_FOLDS, Evaluation, cross_validate
from mapper.core.examples import ExampleRows, ExampleStore
from mapper.core.frame_plan import FramePlan
from mapper.core.outputs import Output
from mapper.core.transport import Smoother, Transport
from mapper.errors import EngineError
from mapper.models import make_model

OutputSink = Callable[[list[float]], None]
MessageSink = Callable[[str, list[float]], None]
EventSink = Callable[[str, str], None]


class Mode(str, Enum):
    IDLE = "idle"
    COUNT_IN = "counting in"
    RECORDING = "recording"
    RUNNING = "running"


class ModelState(str, Enum):
    UNTRAINED = "untrained"
    TRAINED = "trained"
    STALE = "needs training"
    TRAINING = "training"


@dataclass
class Counters:
    """Running totals; rates are their differences over time (see mapper.cli.status_line)."""

    frames_in: int = 0
    recorded: int = 0
    outputs_sent: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    last_reject: str = ""
    unknown_addresses: int = 0
    malformed: int = 0
    control_errors: int = 0
    send_errors: int = 0
    save_errors: int = 0
    internal_errors: int = 0
    last_control_error: str = ""
    last_latency: float = 0.0  # seconds from a frame handed to the engine to its outputs sent

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())


@dataclass(frozen=True)
class Trained:
    """A fitted model with the input selection and the example ids it was trained on."""

    model: Any
    input_idx: np.ndarray | None  # None = every input, in order
    example_ids: np.ndarray


@dataclass(frozen=True)
class Neighbour:
    """One recorded example behind a kNN output: where it is and how much it counts."""

    example_id: int
    round: int
    row: int  # 1-based position within its round
    share: float  # 0..1, the shares of one output's neighbours sum to 1


@dataclass(frozen=True)
class TrainingStatus:
    active: bool = False
    done: int = 0
    total: int = 0
    output: str = ""
    error: str = ""


class Engine:
    """Holds the examples, the output values and the trained models; runs the loop."""

    def __init__(self, input_names: Sequence[str], outputs: Sequence[Output]) -> None:
        if not input_names:
            raise EngineError("a mapping needs at least one input")
        if not outputs:
            raise EngineError("a mapping needs at least one output")
        self.input_names = list(input_names)
        self.outputs = list(outputs)
        self.examples = ExampleStore(len(self.input_names), len(self.outputs))
        self.values = [o.initial_value for o in self.outputs]
        self.last_inputs: tuple[float, ...] = ()
        self.last_outputs = list(self.values)
        self.mode = Mode.IDLE
        self.round = 0
        self.counters = Counters()
        self.training = TrainingStatus()
        self.model_states = [ModelState.UNTRAINED for _ in self.outputs]
        self._trained: tuple[Trained | None, ...] = (None,) * len(self.outputs)
        self._frame_plan = FramePlan((), self.n_inputs)
        self._record_mask: list[bool] = []
        self._recording_any = False
        self._update_record_mask()
        self._changed_while_training: set[int] = set()
        self._output_sinks: list[OutputSink] = []
        self._message_sinks: list[MessageSink] = []
        self._event_sinks: list[EventSink] = []
        self._lock = threading.RLock()
        self._idle = threading.Event()  # set while no training is under way
        self._idle.set()
        self._cancel = threading.Event()
        self.transport = Transport()
        self._smoother = Smoother(0.0, self.outputs)
        self._take: threading.Event | None = None  # set to cancel a pending timed take
        self.count_in_ends = 0.0  # time.monotonic() when the count-in ends (while counting in)
        self.take_ends = 0.0  # time.monotonic() when a timed take stops itself (0: untimed)
        self.deleted_rounds: list[ExampleRows] = []  # newest last: what restore_round puts back

    # ---- wiring -------------------------------------------------------------------------
    @property
    def n_inputs(self) -> int:
        return len(self.input_names)

    @property
    def n_outputs(self) -> int:
        return len(self.outputs)

    def add_output_sink(self, sink: OutputSink) -> None:
        """Call `sink(values)` with every output vector sent (on the sending thread)."""
        self._output_sinks.append(sink)

    def add_message_sink(self, sink: MessageSink) -> None:
        """Call `sink(address, floats)` for extra messages: class probabilities."""
        self._message_sinks.append(sink)

    def add_event_sink(self, sink: EventSink) -> None:
        """Call `sink(event, detail)` on events: training-done, training-failed, ..."""
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
        """One validated input frame: record it, or run the models and send, or just show it."""
        self.counters.frames_in += 1
        self.last_inputs = tuple(frame)
        mode = self.mode
        if mode is Mode.RUNNING:
            start = time.perf_counter()
            out = self._frame_plan(frame, self.values)
            if self._smoother.seconds > 0:
                out = self._smoother(out)
            self._emit(out)
            self.counters.last_latency = time.perf_counter() - start
        elif mode is Mode.RECORDING and self._recording_any:
            self.examples.append(frame, self.values, self._record_mask, self.round, time.time())
            self.counters.recorded += 1

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
        """Start a new recording round now (stops running): each frame becomes one example."""
        with self._lock:
            self._cancel_take()
            self._begin_round()

    def _begin_round(self) -> None:
        if self.mode is not Mode.RECORDING:
            self.round = max(self.round, self.examples.last_round()) + 1
            self.mode = Mode.RECORDING

    def stop_recording(self) -> None:
        """End the round (or a count-in); the outputs it touched now need training."""
        with self._lock:
            self._cancel_take()
            if self.mode is Mode.COUNT_IN:
                self.mode = Mode.IDLE
            if self.mode is not Mode.RECORDING:
                return
            self.mode = Mode.IDLE
            self._mark_stale([j for j, o in enumerate(self.outputs) if o.record])

    def record_take(self) -> None:
        """Record one take as the transport says: count in, then record, then stop by itself
        after `record_for` seconds (or when stopped, if 0). The TUI's `r`."""
        with self._lock:
            self._cancel_take()
            count_in, length = self.transport.count_in, self.transport.record_for
            if count_in <= 0 and length <= 0:
                self._begin_round()
                return
            take = threading.Event()
            self._take = take
            if count_in > 0:
                self.mode = Mode.COUNT_IN
                self.count_in_ends = time.monotonic() + count_in
            else:
                self._begin_round()
                self.take_ends = time.monotonic() + length
        threading.Thread(
            target=self._take_worker, args=(take, count_in, length), name="mapper-take", daemon=True
        ).start()

    def _take_worker(self, take: threading.Event, count_in: float, length: float) -> None:
        if count_in > 0:
            if take.wait(count_in):
                return
            with self._lock:
                if take.is_set():
                    return
                self.count_in_ends = 0.0
                self._begin_round()
                if length > 0:
                    self.take_ends = time.monotonic() + length
        if length > 0 and not take.wait(length):
            with self._lock:
                if not take.is_set():
                    self.stop_recording()

    def _cancel_take(self) -> None:
        """Forget a pending count-in or timed stop (lock held)."""
        if self._take is not None:
            self._take.set()
            self._take = None
        self.count_in_ends = self.take_ends = 0.0

    def set_transport(
        self,
        count_in: float | None = None,
        record_for: float | None = None,
        smoothing: float | None = None,
    ) -> None:
        """Change the count-in, take length or output smoothing (seconds; None = unchanged)."""
        try:
            transport = self.transport.updated(
                count_in=count_in, record_for=record_for, smoothing=smoothing
            )
        except ValueError as e:
            raise EngineError(str(e)) from e
        with self._lock:
            self.transport = transport
            if transport.smoothing != self._smoother.seconds:
                self._smoother = Smoother(transport.smoothing, self.outputs)

    def start_running(self) -> None:
        """Run: each input frame gives one output message."""
        with self._lock:
            if self.mode in (Mode.RECORDING, Mode.COUNT_IN):
                self.stop_recording()
            self._smoother.reset()
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
            problem = output.check_value(float(v))
            if problem:
                raise EngineError(problem)
        with self._lock:
            self.values = [o.shape(float(v)) for o, v in zip(self.outputs, values)]
            self._update_record_mask()
        if send:
            self._emit(list(self.values))
        else:
            self.last_outputs = list(self.values)

    def set_value(self, j: int, value: float) -> None:
        """Set one output's value and send every output."""
        self.check_output(j)
        values = list(self.values)
        values[j] = value
        self.set_values(values)

    def randomize(self) -> None:
        """Random values within each output's range (classes 1..K), sent at once."""
        values = []
        for o in self.outputs:
            if o.is_classifier:
                values.append(float(random.randint(1, o.classes)))
            else:
                values.append(random.uniform(o.min, o.max))
        self.set_values(values)

    # ---- examples -----------------------------------------------------------------------
    def delete_all_examples(self) -> int:
        with self._lock:
            n = self.examples.clear()
            self._mark_stale(range(self.n_outputs))
            return n

    def delete_examples_for_output(self, j: int) -> int:
        self.check_output(j)
        with self._lock:
            n = self.examples.clear_output(j)
            self._mark_stale([j])
            return n

    def delete_round(self, round_: int) -> ExampleRows:
        """Delete one recording round; returns its rows, which restore_round can put back."""
        with self._lock:
            rows = self.examples.delete_round(round_)
            if len(rows):
                self._mark_stale(np.flatnonzero(rows.mask.any(axis=0)).tolist())
                self.deleted_rounds.append(rows)
            return rows

    def delete_last_round(self) -> int:
        """Delete the most recent round still there; returns its number."""
        last = self.examples.last_round()
        if last == 0:
            raise EngineError("no examples to delete")
        self.delete_round(last)
        return last

    def restore_round(self) -> int:
        """Put back the most recently deleted round; returns its number."""
        with self._lock:
            if not self.deleted_rounds:
                raise EngineError("no deleted round to put back")
            rows = self.deleted_rounds.pop()
            self.add_examples(rows)
            return int(rows.rounds[0])

    def delete_examples(self, ids: Sequence[int]) -> int:
        """Delete single examples by id (the examples table); returns how many went."""
        with self._lock:
            snap = self.examples.snapshot()
            hit = np.isin(snap.ids, np.asarray(list(ids), dtype=np.int64))
            n = self.examples.delete_ids(list(ids))
            if n:
                self._mark_stale(np.flatnonzero(snap.mask[hit].any(axis=0)).tolist())
            return n

    def add_examples(self, rows: ExampleRows) -> None:
        """Put rows back (undo) or load them from a project."""
        with self._lock:
            self.examples.extend(rows)
            if len(rows):
                self.round = max(self.round, int(rows.rounds.max()))
                self._mark_stale(np.flatnonzero(rows.mask.any(axis=0)).tolist())

    # ---- per-output settings ------------------------------------------------------------
    def set_enabled(self, what: str, outputs: Sequence[int], on: bool) -> None:
        """Turn recording, running, training or class probabilities on/off (outputs 0-based)."""
        if what not in ("record", "run", "train", "probabilities"):
            raise EngineError(f"unknown toggle {what!r}: use record, run, train or probabilities")
        for j in outputs:
            self.check_output(j)
            if what == "probabilities" and on and not self.outputs[j].is_classifier:
                raise EngineError(f"{self.outputs[j].name} is not a classifier: no probabilities")
        with self._lock:
            for j in outputs:
                setattr(self.outputs[j], what, on)
            self._update_record_mask()
            self._rebuild_runners()

    def set_input_names(self, names: Sequence[str]) -> None:
        if len(names) != self.n_inputs:
            raise EngineError(f"expected {self.n_inputs} input names, got {len(names)}")
        self.input_names = [str(n) for n in names]

    def set_output_names(self, names: Sequence[str]) -> None:
        if len(names) != self.n_outputs:
            raise EngineError(f"expected {self.n_outputs} output names, got {len(names)}")
        with self._lock:
            for o, n in zip(self.outputs, names):
                o.name = str(n)

    def select_inputs(self, j: int, inputs: Sequence[int]) -> None:
        """Choose which inputs (0-based) feed output j's model; it then needs training."""
        self.check_output(j)
        if not inputs:
            raise EngineError("an output needs at least one input")
        bad = [i for i in inputs if not 0 <= i < self.n_inputs]
        if bad:
            raise EngineError(f"no input {bad[0] + 1}: there are {self.n_inputs} inputs")
        chosen = sorted(set(inputs))
        with self._lock:
            self.outputs[j].inputs = None if len(chosen) == self.n_inputs else chosen
            self._mark_stale([j])

    def set_limits(self, j: int, low: float, high: float, hard: bool | None = None) -> None:
        """A continuous output's range (sliders, randomize) and whether it is clipped to it."""
        self.check_output(j)
        output = self.outputs[j]
        if output.is_classifier:
            raise EngineError(f"{output.name} is a classifier: set its classes, not limits")
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise EngineError(f"{output.name}: min ({low}) must be below max ({high})")
        with self._lock:
            output.min, output.max = float(low), float(high)
            if hard is not None:
                output.hard_limits = hard
            self.values[j] = output.shape(self.values[j])
            self._rebuild_runners()

    def set_classes(self, j: int, classes: int) -> None:
        """A classifier's class count; refused while examples or the value use a higher class."""
        self.check_output(j)
        output = self.outputs[j]
        if not output.is_classifier:
            raise EngineError(f"{output.name} is continuous: set its limits, not classes")
        if classes < 1:
            raise EngineError(f"{output.name}: a classifier needs at least 1 class")
        snap = self.examples.snapshot()
        used = snap.outputs[snap.mask[:, j], j]
        highest = max([int(used.max())] if len(used) else [0])
        highest = max(highest, int(self.values[j]))
        if highest > classes:
            raise EngineError(
                f"{output.name}: class {highest} is in use (examples or the current value); "
                f"delete those examples first"
            )
        with self._lock:
            output.classes = classes
            self._mark_stale([j])
            self._rebuild_runners()  # a model may now name a class beyond the new count

    def set_model(self, j: int, settings: dict[str, Any]) -> None:
        """Change output j's model type or parameters (checked now); it then needs training."""
        self.check_output(j)
        output = self.outputs[j]
        try:
            make_model(settings, output.is_classifier)
        except ValueError as e:
            raise EngineError(f"{output.name}: {e}") from e
        with self._lock:
            output.model = dict(settings)
            self._mark_stale([j])

    # ---- training -----------------------------------------------------------------------
    @property
    def is_training(self) -> bool:
        return not self._idle.is_set()

    def train(self) -> list[str]:
        """Start training every train-enabled output that has examples, in the background.

        Returns the names of the outputs being trained. The running models keep answering
        until the new ones are swapped in, all at once, when training finishes.
        """
        with self._lock:
            if not self._idle.is_set():
                raise EngineError("already training")
            counts = self.examples.counts()
            plan = [
                (j, Output(**vars(o)), o.input_indices(self.n_inputs))
                for j, o in enumerate(self.outputs)
                if o.train and counts[j] > 0
            ]
            if not plan:
                raise EngineError("nothing to train: record examples for a train-enabled output")
            snapshot = self.examples.snapshot()
            for j, _, _ in plan:
                self.model_states[j] = ModelState.TRAINING
            self._cancel = threading.Event()
            self._changed_while_training = set()
            self._idle.clear()
            self.training = TrainingStatus(active=True, total=len(plan), output=plan[0][1].name)
            threading.Thread(
                target=self._train_worker,
                args=(plan, snapshot, self._cancel),
                name="mapper-training",
                daemon=True,
            ).start()
            return [spec.name for _, spec, _ in plan]

    def cancel_training(self) -> bool:
        """Stop training at once (an MLP within one iteration); keeps the old models.

        Returns True if training was under way.
        """
        with self._lock:
            if self._idle.is_set():
                return False
            self._cancel.set()
            return True

    def wait_for_training(self, timeout: float | None = None) -> bool:
        """Block until training finishes (for tests, scripts and shutdown). True if idle."""
        return self._idle.wait(timeout)

    def _train_worker(
        self,
        plan: list[tuple[int, Output, list[int]]],
        snapshot: ExampleRows,
        cancel: threading.Event,
    ) -> None:
        event, detail = "training-failed", "training stopped unexpectedly"
        try:
            event, detail = self._fit_and_swap(plan, snapshot, cancel)
        finally:
            with self._lock:
                if self.training.active:  # an unexpected error: leave a usable state
                    for j, _, _ in plan:
                        self.model_states[j] = self._state_without_training(j)
                    self.training = TrainingStatus(error=detail)
                self._idle.set()
            self._event(event, detail)

    def _fit_and_swap(
        self,
        plan: list[tuple[int, Output, list[int]]],
        snapshot: ExampleRows,
        cancel: threading.Event,
    ) -> tuple[str, str]:
        """Fit each planned output, then swap the new models in at once; returns the event."""
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):  # leave the other cores to the receive thread
            fitted, errors = self._fit_outputs(plan, snapshot, cancel)
        with self._lock:
            if cancel.is_set():
                for j, _, _ in plan:
                    self.model_states[j] = self._state_without_training(j)
                self.training = TrainingStatus(error="training cancelled")
                return "training-cancelled", ""
            trained = list(self._trained)
            for j, t in fitted.items():
                trained[j] = t
                changed = j in self._changed_while_training
                self.model_states[j] = ModelState.STALE if changed else ModelState.TRAINED
            for j, _, _ in plan:
                if j not in fitted:
                    self.model_states[j] = self._state_without_training(j)
            self._trained = tuple(trained)
            self._rebuild_runners()
            error = "; ".join(errors)
            self.training = TrainingStatus(done=len(fitted), total=len(plan), error=error)
        return ("training-done" if fitted else "training-failed"), error

    def _fit_outputs(
        self,
        plan: list[tuple[int, Output, list[int]]],
        snapshot: ExampleRows,
        cancel: threading.Event,
    ) -> tuple[dict[int, Trained], list[str]]:
        """Fit a fresh model per planned output (stopping early if cancelled)."""
        fitted: dict[int, Trained] = {}
        errors: list[str] = []
        for done, (j, spec, idx) in enumerate(plan):
            if cancel.is_set():
                break
            self.training = TrainingStatus(True, done, len(plan), spec.name)
            X, y = snapshot.for_output(j, idx)
            ids = snapshot.ids[snapshot.mask[:, j]]
            if spec.is_classifier:  # class 0 is "no class": nothing to learn from
                keep = y != 0
                X, y, ids = X[keep], y[keep], ids[keep]
            try:
                model = make_model(spec.model, spec.is_classifier).fit(X, y, cancel.is_set)
            except Exception as e:  # a training failure is reported, never fatal
                errors.append(f"{spec.name}: {e}")
                continue
            all_inputs = idx == list(range(self.n_inputs))
            fitted[j] = Trained(model, None if all_inputs else np.asarray(idx), ids)
        return fitted, errors

    def _state_without_training(self, j: int) -> ModelState:
        return ModelState.UNTRAINED if self._trained[j] is None else ModelState.STALE

    def _update_record_mask(self) -> None:
        """Which outputs a recorded frame carries: recording on, and not a class of 0 (none)."""
        self._record_mask = [
            o.record and not (o.is_classifier and v == 0) for o, v in zip(self.outputs, self.values)
        ]
        self._recording_any = any(self._record_mask)

    def _rebuild_runners(self) -> None:
        runners = tuple(
            (j, t, self.outputs[j])
            for j, t in enumerate(self._trained)
            if t is not None and self.outputs[j].run
        )
        # one assignment: the hot path never sees half a plan
        self._frame_plan = FramePlan(runners, self.n_inputs, self._send_probabilities)

    def _mark_stale(self, outputs: Sequence[int] | range) -> None:
        for j in outputs:
            if self.model_states[j] is ModelState.TRAINED:
                self.model_states[j] = ModelState.STALE
            elif self.model_states[j] is ModelState.TRAINING:
                self._changed_while_training.add(j)

    def trained_model(self, j: int) -> Trained | None:
        """Output j's running model, or None when it has never been trained."""
        return self._trained[j]

    def evaluate(self, j: int, folds: int = DEFAULT_FOLDS) -> Evaluation:
        """Cross-validate output j's model on its examples (seconds for big sets: call it from
        a worker thread; the playing models are untouched)."""
        self.check_output(j)
        with self._lock:
            spec = Output(**vars(self.outputs[j]))
            idx = spec.input_indices(self.n_inputs)
            snap = self.examples.snapshot()
        X, y = snap.for_output(j, idx)
        from threadpoolctl import threadpool_limits

        try:
            with threadpool_limits(limits=1):
                return cross_validate(spec, X, y, folds)
        except ValueError as e:
            raise EngineError(str(e)) from e

    def nearest(self, j: int, frame: Sequence[float] | None = None) -> list[Neighbour]:
        """The recorded examples a kNN output follows for `frame` (default: the last input
        frame), nearest first; [] for other models or before training or input."""
        self.check_output(j)
        trained = self._trained[j]
        frame = self.last_inputs if frame is None else frame
        if trained is None or len(frame) != self.n_inputs:
            return []
        neighbours = getattr(trained.model, "neighbours", None)
        if neighbours is None:
            return []
        x = np.asarray(frame, dtype=np.float64)
        idx, shares = neighbours(x if trained.input_idx is None else x[trained.input_idx])
        snap = self.examples.snapshot()
        result = []
        for i, share in zip(idx, shares):
            example_id = int(trained.example_ids[i])
            where = np.flatnonzero(snap.ids == example_id)
            if not len(where):  # deleted since training: still playing, no longer listed
                result.append(Neighbour(example_id, 0, 0, float(share)))
                continue
            k = int(where[0])
            round_ = int(snap.rounds[k])
            row = int(np.count_nonzero(snap.rounds[: k + 1] == round_))
            result.append(Neighbour(example_id, round_, row, float(share)))
        return result

    def check_output(self, j: int) -> None:
        """EngineError unless j (0-based) names an output."""
        if not 0 <= j < self.n_outputs:
            raise EngineError(f"no output {j + 1}: there are {self.n_outputs} outputs")
