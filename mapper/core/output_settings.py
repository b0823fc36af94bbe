"""The engine's per-output settings: toggles, names, which inputs feed an output, limits,
classes and models. A part of Engine (a base class of it): each method checks its request,
changes the outputs under the engine's lock, and marks what needs training or a new plan."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from mapper.core.examples import ExampleStore
from mapper.core.outputs import Output, name_problem
from mapper.core.training import Trainer
from mapper.errors import EngineError
from mapper.models import default_settings, make_model


def refuse(problem: str | None) -> None:
    """EngineError with the problem's words, if there is one."""
    if problem:
        raise EngineError(problem)


class OutputSettings:
    """What an output is and how it learns, changed from OSC or the TUI (any thread)."""

    input_names: list[str]
    outputs: list[Output]
    values: list[float]
    examples: ExampleStore
    _lock: threading.RLock
    _trainer: Trainer

    @property
    def n_inputs(self) -> int:
        return len(self.input_names)

    @property
    def n_outputs(self) -> int:
        return len(self.outputs)

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
        """Rename the inputs; refused (EngineError) for an empty name, one over MAX_NAME
        characters, or one with control characters (it goes into examples.csv's header)."""
        if len(names) != self.n_inputs:
            raise EngineError(f"expected {self.n_inputs} input names, got {len(names)}")
        clean = [str(n) for n in names]
        for k, n in enumerate(clean):
            refuse(name_problem(n, f"input {k + 1}"))
        self.input_names = clean

    def set_output_names(self, names: Sequence[str]) -> None:
        """Rename the outputs, checked as input names are."""
        if len(names) != self.n_outputs:
            raise EngineError(f"expected {self.n_outputs} output names, got {len(names)}")
        clean = [str(n) for n in names]
        for k, n in enumerate(clean):
            refuse(name_problem(n, f"output {k + 1}"))
        with self._lock:
            for o, n in zip(self.outputs, clean):
                o.name = n

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
            self._trainer.mark_changed([j])

    def set_limits(self, j: int, low: float, high: float, hard: bool | None = None) -> None:
        """A continuous output's range (sliders, randomize) and whether it is clipped to it.
        Hard limits are refused while recorded examples lie outside them (a project's
        examples are always within its hard limits: it opens again as it was saved)."""
        self.check_output(j)
        output = self.outputs[j]
        refuse(output.check_limits(low, high))
        with self._lock:
            if output.hard_limits if hard is None else hard:
                refuse(self._outside(j, float(low), float(high)))
            output.min, output.max = float(low), float(high)
            if hard is not None:
                output.hard_limits = hard
            self.values[j] = output.shape(self.values[j])
            self._rebuild_runners()

    def _outside(self, j: int, low: float, high: float) -> str | None:
        """Why [low, high] cannot be output j's hard limits: the examples outside it."""
        rows = self.examples.snapshot()
        values = rows.outputs[rows.mask[:, j], j]
        outside = values[(values < low) | (values > high)]
        if not len(outside):
            return None
        return (
            f"{self.outputs[j].name}: {len(outside)} recorded example"
            f"{'s lie' if len(outside) > 1 else ' lies'} outside [{low:g}, {high:g}] (from "
            f"{outside.min():g} to {outside.max():g}); widen the limits, make them soft, or "
            "delete those examples first"
        )

    def set_classes(self, j: int, classes: int) -> None:
        """A classifier's class count; refused while examples or the value use a higher class."""
        self.check_output(j)
        output = self.outputs[j]
        refuse(output.check_classes(classes))
        rows = self.examples.snapshot()
        used = [*rows.outputs[rows.mask[:, j], j].tolist(), self.values[j]]
        refuse(output.check_classes(classes, in_use=int(max(used))))
        with self._lock:
            output.classes = classes
            self._trainer.mark_changed([j])
            self._rebuild_runners()  # a model may now name a class beyond the new count

    def set_model(self, j: int, settings: dict[str, Any]) -> None:
        """Change output j's model type or parameters (checked now); it then needs training."""
        self.check_output(j)
        output = self.outputs[j]
        try:
            make_model(settings, output.is_classifier)
            kind = default_settings(settings["type"], output.is_classifier)["type"]
        except ValueError as e:
            raise EngineError(f"{output.name}: {e}") from e
        with self._lock:  # saved by its plain name: "\r\rKNN " is knn
            output.model = {**settings, "type": kind}
            self._trainer.mark_changed([j])

    def check_output(self, j: int) -> None:
        """EngineError unless j (0-based) names an output."""
        if not 0 <= j < self.n_outputs:
            raise EngineError(f"no output {j + 1}: there are {self.n_outputs} outputs")

    def _update_record_mask(self) -> None:
        """The engine's: which outputs a recorded frame carries."""
        raise NotImplementedError

    def _rebuild_runners(self) -> None:
        """The engine's: the frame plan, rebuilt in one assignment."""
        raise NotImplementedError
