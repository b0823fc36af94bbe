"""Fitting the MLPs' ensembles in the background, after their models already play.

An MLP output's uncertainty comes from a few more networks fitted on its examples
(MLPRegressor.fit_ensemble). Training swaps the new models in first, as fast as without them;
this worker then fits their ensembles one after another on a thread of its own (one BLAS
thread, as training), so the uncertainty appears a moment later. A newer model for the same
output replaces the work still to do for it (and stops its fit within one optimiser step).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

import numpy as np

log = logging.getLogger("mapper.core.ensembles")
Work = tuple[Any, np.ndarray, np.ndarray]  # (a model with fit_ensemble, its inputs, targets)


class EnsembleWorker:
    """`submit({output: work})`: fit each model's ensemble in turn, on one worker thread."""

    def __init__(self) -> None:
        self._pending: dict[int, Work] = {}
        self._dropped: dict[int, bool] = {}  # outputs whose work was dropped since it began
        self._closed = False
        self._lock = threading.Lock()
        self._idle = threading.Event()
        self._idle.set()

    def submit(self, work: Mapping[int, Work | None]) -> None:
        """Fit these outputs' ensembles, replacing any still waiting or under way for them
        (None for an output: only drop its work, its new model has no ensemble)."""
        with self._lock:
            for j, item in work.items():
                self._dropped[j] = item is None
                if item is None:
                    self._pending.pop(j, None)
                else:
                    self._pending[j] = item
            if not self._pending or not self._idle.is_set():
                return  # nothing to do, or the worker will get to it
            self._idle.clear()
        threading.Thread(target=self._run, name="mapper-ensembles", daemon=True).start()

    def close(self) -> None:
        """Drop every fit waiting, and stop the one under way (the instrument is closing)."""
        with self._lock:
            self._pending.clear()
            self._closed = True

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no ensemble is waiting or being fitted (tests, benchmarks)."""
        return self._idle.wait(timeout)

    def _run(self) -> None:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):  # the other cores stay the receive thread's
            while True:
                with self._lock:
                    if not self._pending or self._closed:
                        self._idle.set()
                        return
                    j, (model, X, y) = self._pending.popitem()
                    self._dropped[j] = False
                try:
                    model.fit_ensemble(X, y, lambda j=j, model=model: self._replaced(j, model))
                except Exception as e:  # this output shows no uncertainty; the rest go on
                    log.warning("could not fit output %d's ensemble: %s", j + 1, e)

    def _replaced(self, j: int, model: Any) -> bool:
        """Whether this fit is wasted (stop it): newer work for output j waits, its new model
        has none, or the worker closed."""
        pending = self._pending.get(j)
        replaced = pending is not None and pending[0] is not model
        return replaced or self._dropped.get(j, False) or self._closed
