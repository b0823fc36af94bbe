"""Training in the background: fit fresh models from a snapshot, then swap them in at once.

The playing models keep answering while the new ones are fitted. When every planned output is
fitted, the new models replace the old ones in one assignment and the engine rebuilds its frame
plan, so the hot path never sees half a training. Cancelling keeps the old models; an output
that fails to fit is reported (the status and an event), never raised.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from mapper.core.ensembles import EnsembleWorker
from mapper.core.examples import ExampleRows, ExampleStore
from mapper.core.novelty import known
from mapper.core.outputs import Output
from mapper.core.state import ModelState, Trained, TrainingStatus
from mapper.errors import EngineError
from mapper.models import ModelError, make_model
from mapper.models.mlp import MLPRegressor, fit_together

EventSink = Callable[[str, str], None]
# what one training fits: (output index, a copy of the output's settings, its input columns)
Plan = list[tuple[int, Output, list[int]]]


class Trainer:
    """The trained models, each output's model state, and the one training that may run.

    It shares the engine's lock, so a swap and the engine's own changes never interleave.
    `swapped()` is called (lock held) once new models are in `trained`; `event(name, detail)`
    after every training: training-done, training-failed or training-cancelled.
    """

    def __init__(
        self,
        n_inputs: int,
        n_outputs: int,
        lock: threading.RLock,
        swapped: Callable[[], None],
        event: EventSink,
    ) -> None:
        self.n_inputs = n_inputs
        self.trained: tuple[Trained | None, ...] = (None,) * n_outputs
        self.states = [ModelState.UNTRAINED for _ in range(n_outputs)]
        self.status = TrainingStatus()
        self._lock = lock
        self._swapped = swapped
        self._event = event
        self._idle = threading.Event()  # set while no training is under way
        self._idle.set()
        self._cancel = threading.Event()
        self._changed_while_training: set[int] = set()
        self.ensembles = EnsembleWorker()

    @property
    def active(self) -> bool:
        return not self._idle.is_set()

    def start(self, outputs: Sequence[Output], examples: ExampleStore) -> list[str]:
        """Start fitting every train-enabled output that has examples, on a new thread.

        Returns the names of the outputs being trained.
        """
        with self._lock:
            if not self._idle.is_set():
                raise EngineError("already training")
            counts = examples.counts()
            plan = [
                (j, Output(**vars(o)), o.input_indices(self.n_inputs))
                for j, o in enumerate(outputs)
                if o.train and counts[j] > 0
            ]
            if not plan:
                raise EngineError("nothing to train: record examples for a train-enabled output")
            snapshot = examples.snapshot()
            for j, _, _ in plan:
                self.states[j] = ModelState.TRAINING
            self._cancel = threading.Event()
            self._changed_while_training = set()
            self._idle.clear()
            self.status = TrainingStatus(active=True, total=len(plan), output=plan[0][1].name)
            threading.Thread(
                target=self._run,
                args=(plan, snapshot, self._cancel),
                name="mapper-training",
                daemon=True,
            ).start()
            return [spec.name for _, spec, _ in plan]

    def cancel(self) -> bool:
        """Stop at once (an MLP within one iteration), keeping the old models.

        Returns True if training was under way.
        """
        with self._lock:
            if self._idle.is_set():
                return False
            self._cancel.set()
            return True

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no training is under way; True if idle."""
        return self._idle.wait(timeout)

    def mark_changed(self, outputs: Iterable[int]) -> None:
        """These outputs' examples or settings changed: a trained model now needs training,
        and so will a model being trained now, once it is done."""
        with self._lock:
            for j in outputs:
                if self.states[j] is ModelState.TRAINED:
                    self.states[j] = ModelState.STALE
                elif self.states[j] is ModelState.TRAINING:
                    self._changed_while_training.add(j)

    def _run(self, plan: Plan, snapshot: ExampleRows, cancel: threading.Event) -> None:
        event, detail = "training-failed", "training stopped unexpectedly"
        try:
            event, detail = self._fit_and_swap(plan, snapshot, cancel)
        finally:
            with self._lock:
                if self.status.active:  # an unexpected error: leave a usable state
                    for j, _, _ in plan:
                        self.states[j] = self._state_without_training(j)
                    self.status = TrainingStatus(error=detail)
                self._idle.set()
            self._event(event, detail)

    def _fit_and_swap(
        self, plan: Plan, snapshot: ExampleRows, cancel: threading.Event
    ) -> tuple[str, str]:
        """Fit each planned output, then swap the new models in at once; returns the event."""
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):  # leave the other cores to the receive thread
            fitted, errors, data = self._fit_outputs(plan, snapshot, cancel)
        with self._lock:
            if cancel.is_set():
                for j, _, _ in plan:
                    self.states[j] = self._state_without_training(j)
                self.status = TrainingStatus(error="training cancelled")
                return "training-cancelled", ""
            trained = list(self.trained)
            for j, t in fitted.items():
                trained[j] = t
                changed = j in self._changed_while_training
                self.states[j] = ModelState.STALE if changed else ModelState.TRAINED
            for j, _, _ in plan:
                if j not in fitted:
                    self.states[j] = self._state_without_training(j)
            self.trained = tuple(trained)
            self._swapped()
            # the MLPs' ensembles (their uncertainty) learn while the new models play
            self.ensembles.submit(
                {j: (t.model, *data[j]) if j in data else None for j, t in fitted.items()}
            )
            error = "; ".join(errors)
            self.status = TrainingStatus(done=len(fitted), total=len(plan), error=error)
        return ("training-done" if fitted else "training-failed"), error

    def _fit_outputs(
        self, plan: Plan, snapshot: ExampleRows, cancel: threading.Event
    ) -> tuple[dict[int, Trained], list[str], dict[int, tuple[np.ndarray, np.ndarray]]]:
        """Fit fresh models for the planned outputs (stopping early if cancelled): continuous
        MLPs with the same settings, inputs and examples together (`batches`), each other
        output alone. Returns them, the errors, and, per output whose ensemble is still to
        fit, the examples it will learn."""
        fitted: dict[int, Trained] = {}
        errors: list[str] = []
        data: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        done = 0
        inputs: dict[tuple[tuple[int, ...], bytes], np.ndarray] = {}  # one copy per selection
        for batch in batches(plan, snapshot):
            if cancel.is_set():
                break
            self.status = TrainingStatus(True, done, len(plan), batch[0][1].name, len(batch))
            done += len(batch)
            (j, spec, idx), names = batch[0], ", ".join(spec.name for _, spec, _ in batch)
            rows = snapshot.mask[:, j]
            key = (tuple(idx), rows.tobytes())
            if key not in inputs:  # outputs recorded in the same rows share their inputs
                inputs[key] = snapshot.inputs[rows][:, list(idx)]
            X, y = inputs[key], snapshot.outputs[rows, j]
            ids = snapshot.ids[rows]
            if spec.is_classifier:  # class 0 is "no class": nothing to learn from
                keep = y != 0
                X, y, ids = X[keep], y[keep], ids[keep]
            # the outputs fitted together were recorded in the same rows: their targets side
            # by side (an output alone: its own)
            columns = [k for k, _, _ in batch]
            Y = snapshot.outputs[rows][:, columns] if len(batch) > 1 else y[:, None]
            try:
                models = [make_model(spec.model, spec.is_classifier) for _, spec, _ in batch]
                if len(batch) == 1:
                    models[0].fit(X, y, cancel.is_set)
                else:
                    fit_together(models, X, Y, cancel.is_set)  # type: ignore[arg-type]
            except Exception as e:  # a training failure is reported, never fatal
                errors.append(f"{names}: {e}")
                continue
            all_inputs = idx == list(range(self.n_inputs))
            index = known(X)
            for column, ((k, _, _), model) in enumerate(zip(batch, models)):
                fitted[k] = Trained(model, None if all_inputs else np.asarray(idx), ids, index)
                if isinstance(model, MLPRegressor) and model.ensemble:  # what it will learn
                    data[k] = model.subsample(X, Y[:, column])
        return fitted, errors, data

    def _state_without_training(self, j: int) -> ModelState:
        return ModelState.UNTRAINED if self.trained[j] is None else ModelState.STALE


def batches(plan: Plan, snapshot: ExampleRows) -> list[Plan]:
    """The plan as fits: continuous MLP outputs with the same settings, the same inputs and
    the same examples in one fit (fit_together), every other output in a fit of its own."""
    out: list[Plan] = []
    together: dict[tuple[str, tuple[int, ...], bytes], Plan] = {}
    for item in plan:
        j, spec, idx = item
        try:
            model = None if spec.is_classifier else make_model(spec.model, False)
        except ModelError:  # refused settings: its own fit says so
            model = None
        if not isinstance(model, MLPRegressor):
            out.append([item])
            continue
        key = (repr(model), tuple(idx), snapshot.mask[:, j].tobytes())
        if key in together:
            together[key].append(item)
        else:
            together[key] = [item]
            out.append(together[key])
    return out
