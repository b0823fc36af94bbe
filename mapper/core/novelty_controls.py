"""The engine's "know where you are" controls: novelty, hold when novel, uncertainty, and
where to record next. A part of Engine (a base class of it); the measures live beside it
(novelty.py, hold.py, suggestion.py, visits.py) and in the models (their `uncertainty`)."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence

import numpy as np

from mapper.core.examples import ExampleStore
from mapper.core.hold import MAX_HOLD, NoveltyHold
from mapper.core.novelty import NoveltyPlan
from mapper.core.outputs import FLOAT32_LARGEST, Output
from mapper.core.state import Mode, Trained
from mapper.core.suggestion import Suggestion, suggest
from mapper.core.training import Trainer
from mapper.core.visits import Visits
from mapper.errors import EngineError


class NoveltyControls:
    input_names: list[str]
    outputs: list[Output]
    examples: ExampleStore
    last_inputs: tuple[float, ...]
    last_outputs: list[float]
    mode: Mode
    _lock: threading.RLock
    send_message: Callable[[str, list[float]], None]
    _trainer: Trainer

    def _init_novelty(self) -> None:
        n_in, n_out = len(self.input_names), len(self.outputs)
        self.novelty_send = False  # send /mapper/novelty after each /wek/outputs (saved)
        self.novelty_hold = 0.0  # hold outputs while novelty is above this; 0: off (saved)
        self.novelty_version = 0  # moves with the two settings above (the saver watches it)
        self.last_novelty: float | None = None  # the last running frame's, when measured
        self.last_suggestion: Suggestion | None = None
        self.visits = Visits(n_in)
        self._novelty = NoveltyPlan((), n_in, n_out)
        self._hold = NoveltyHold(self.outputs, self.last_outputs)
        self._holding = False  # whether the hot path holds outputs (measuring first)
        self._telling = False  # whether it sends /mapper/novelty (after the outputs)

    # ---- the hot path ------------------------------------------------------------------
    def _measure(self, frame: Sequence[float], plan: NoveltyPlan | None = None) -> float | None:
        novelty = (self._novelty if plan is None else plan)(frame)
        self.last_novelty = None if novelty is None else min(novelty, FLOAT32_LARGEST)
        return novelty

    def _hold_novel(self, frame: Sequence[float], out: list[float], now: float) -> list[float]:
        """Measure the frame's novelty, and hold the outputs it is too high for."""
        plan, threshold = self._novelty, self.novelty_hold  # one plan and threshold a frame
        if self._measure(frame, plan) is None or threshold <= 0.0:
            return out
        return self._hold(out, plan.by_output, threshold, now)

    def _tell_novelty(self, frame: Sequence[float], measured: bool) -> None:
        """Send /mapper/novelty (measured now unless the hold measured it already)."""
        if not measured:
            self._measure(frame)
        if self.last_novelty is not None:
            self.send_message("/mapper/novelty", [self.last_novelty])

    def _new_novelty_plan(self, trained: Sequence[Trained | None]) -> None:
        """After training (or a change of which outputs run): novelty of what now plays."""
        running = [(j, t) for j, t in enumerate(trained) if t is not None and self.outputs[j].run]
        self._novelty = NoveltyPlan(running, len(self.input_names), len(self.outputs))
        self._rewatch()

    def _rewatch(self) -> None:
        """After a change of plan or settings: what the hot path does (the hold's state,
        a glide under way included, goes on: start_running resets it)."""
        measuring = bool(self._novelty)
        self._holding = measuring and self.novelty_hold > 0.0
        self._telling = measuring and self.novelty_send
        if not (self._holding or self._telling):
            self.last_novelty = None

    # ---- settings ----------------------------------------------------------------------
    def set_novelty(self, on: bool) -> None:
        """Send /mapper/novelty (one float) after each /wek/outputs while running."""
        with self._lock:
            self.novelty_send = bool(on)
            self.novelty_version += 1
            self._rewatch()

    def set_novelty_hold(self, threshold: float) -> None:
        """Hold each output while its novelty is above `threshold` (0: never)."""
        if not (math.isfinite(threshold) and 0.0 <= threshold <= MAX_HOLD):
            raise EngineError(f"the hold threshold is a novelty from 0 (off) to {MAX_HOLD:g}")
        with self._lock:
            self.novelty_hold = float(threshold)
            self.novelty_version += 1
            self._rewatch()

    @property
    def held(self) -> list[bool]:
        """Which outputs are held now (running, their input too new), in order."""
        if self._holding and self.mode is Mode.RUNNING:
            return list(self._hold.held)
        return [False] * len(self.outputs)

    # ---- queries (any thread; not the hot path) ----------------------------------------
    def novelty(self, frame: Sequence[float] | None = None) -> tuple[float | None, list[float]]:
        """The novelty of `frame` (default: the last input frame) and each output's; None
        before any output is trained (and then 0 for each)."""
        frame = self.last_inputs if frame is None else frame
        if len(frame) != len(self.input_names):
            return None, [0.0] * len(self.outputs)
        return self._novelty.measure(frame)

    def uncertainty(self, frame: Sequence[float] | None = None) -> list[float | None]:
        """Each output's uncertainty at `frame` (default: the last input frame), in its own
        units: a kNN's neighbours' spread, an MLP ensemble's disagreement; None where its
        model gives none (other model types, not trained, an ensemble still learning)."""
        frame = self.last_inputs if frame is None else frame
        trained = self._trainer.trained
        if len(frame) != len(self.input_names):
            return [None] * len(self.outputs)
        x = np.asarray(frame, dtype=np.float64)
        out: list[float | None] = []
        for t in trained:
            measure = getattr(t.model, "uncertainty", None) if t is not None else None
            if t is None or measure is None:
                out.append(None)
                continue
            value = measure(x if t.input_idx is None else x[t.input_idx])
            out.append(None if value is None or not math.isfinite(value) else float(value))
        return out

    def learning_uncertainty(self) -> list[bool]:
        """Per output: whether its uncertainty is still being learned (an MLP's ensemble,
        fitted in the background after training), so it will come soon."""
        return [
            t is not None and bool(getattr(t.model, "learning", False))
            for t in self._trainer.trained
        ]

    def stop_uncertainty(self) -> None:
        """Drop the ensembles' fits waiting or under way (the instrument is closing)."""
        self._trainer.ensembles.close()

    def wait_for_uncertainty(self, timeout: float | None = None) -> bool:
        """Block until the MLPs' ensembles are fitted (tests, scripts); True if they are."""
        return self._trainer.ensembles.wait(timeout)

    def suggest(self) -> Suggestion | None:
        """Where to record next: the input place often visited while running, far from every
        example the running models learned (mapper.core.suggestion); None when there is none.
        Bounded work, a fraction of a second: call it off the receive thread."""
        s = suggest(self.visits.rows(), self._novelty)
        self.last_suggestion = s
        return s
