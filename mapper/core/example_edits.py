"""Deleting recorded examples and putting deleted rounds back: the examples table's edits.

Every edit tells the trainer which outputs' examples it changed, so their models show as
needing training. Deleted rounds are kept, newest last, so an undo can put them back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from mapper.core.examples import ExampleRows, ExampleStore
from mapper.errors import EngineError


class ExampleEdits:
    """The edits of one ExampleStore, each made under `lock`; `changed(outputs)` is told the
    outputs (0-based) whose examples an edit changed."""

    def __init__(
        self,
        store: ExampleStore,
        lock: threading.RLock,
        changed: Callable[[Iterable[int]], None],
    ) -> None:
        self.store = store
        self.deleted_rounds: list[ExampleRows] = []  # newest last: what an undo puts back
        self._lock = lock
        self._changed = changed

    def delete_all(self) -> int:
        """Delete every example; returns how many went."""
        with self._lock:
            n = self.store.clear()
            self._changed(range(self.store.n_outputs))
            return n

    def delete_output(self, j: int) -> int:
        """Forget output j's recorded values; returns how many examples had one."""
        with self._lock:
            n = self.store.clear_output(j)
            self._changed([j])
            return n

    def delete_round(self, round_: int) -> ExampleRows:
        """Delete one recording round; returns its rows, also kept for `take_back_round`."""
        with self._lock:
            rows = self.store.delete_round(round_)
            if len(rows):
                self._changed(rows.recorded_outputs())
                self.deleted_rounds.append(rows)
            return rows

    def delete_last_round(self) -> int:
        """Delete the most recent round still there; returns its number."""
        last = self.store.last_round()
        if last == 0:
            raise EngineError("no examples to delete")
        self.delete_round(last)
        return last

    def take_back_round(self) -> ExampleRows:
        """The most recently deleted round's rows, no longer kept (`add` puts them back)."""
        with self._lock:
            if not self.deleted_rounds:
                raise EngineError("no deleted round to put back")
            return self.deleted_rounds.pop()

    def delete_ids(self, ids: Sequence[int]) -> int:
        """Delete single examples by id; returns how many went."""
        with self._lock:
            snap = self.store.snapshot()
            hit = np.isin(snap.ids, np.asarray(list(ids), dtype=np.int64))
            n = self.store.delete_ids(list(ids))
            if n:
                self._changed(np.flatnonzero(snap.mask[hit].any(axis=0)).tolist())
            return n

    def add(self, rows: ExampleRows) -> None:
        """Add rows (an undo, or a project's examples); they get new ids."""
        with self._lock:
            self.store.extend(rows)
            if len(rows):
                self._changed(rows.recorded_outputs())
