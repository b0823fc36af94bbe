"""The example store: recorded rows of (inputs, outputs), each with its round, time and mask.

A row's mask says which outputs were recorded in it (Wekinator records only the outputs whose
recording is enabled; the others stay empty and are not trained on). Appending is O(1) and
takes a lock only for a few microseconds, so the OSC receive thread can record at full rate
while another thread reads a snapshot for training or the UI.

How many examples a project may hold is bounded by what its files may hold and still open
again: `max_examples` is the most rows whose CSV text (examples.csv, or a journal holding every
example) surely stays within TEXT_LIMIT bytes, the size mapper.project.reading reads back.
Recording stops there (the engine says so); loading never drops a row, and refuses a file of
more than `max_rows` (which no save writes), so what reading holds is bounded by the rows a
project may have, however short a hand-made file's numbers are.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mapper.core.outputs import MAX_NAME

MiB = 1024 * 1024
# the most bytes of CSV text a project's examples may take: mapper.project.reading refuses a
# bigger examples.csv or journal.csv. Sized for a tracked body: 100,000 examples (17 minutes at
# 100 frames/s) of 132 inputs (MediaPipe pose: 33 landmarks x 4) and 16 outputs take 275 MiB
# (2,888 bytes a row), and at most 106,941 are recorded (each number counted at its longest:
# 3,764 bytes a row); 218,918 of 63 inputs and 8 outputs. Reading 100,000 back takes about
# 12 s and at most 250 MiB (their numbers twice, as float64); reading a file never holds more
# rows than max_rows, however short its numbers are (benchmarks/memory.py measures it all)
TEXT_LIMIT = 384 * MiB
ROW_TEXT = 64  # a row's round (int64: at most 20 characters), ISO time (32), 2 commas, newline
CELL_TEXT = 25  # a number at its longest (-1.2345678901234567e-308: 24 characters) and a comma
NAME_TEXT = 8 * MAX_NAME + 3  # a header cell: a name in UTF-8 (4 bytes a character), quotes
# doubled, in quotes, and a comma
FIRST_LINE_TEXT = 4096  # the journal's first line (its base is a save time: about 100 bytes)


def text_bound(rows: int, n_inputs: int, n_outputs: int) -> int:
    """The most bytes `rows` examples can take as CSV text: a journal's first line, the header
    and the rows, each number at its longest."""
    cells = n_inputs + n_outputs
    head = FIRST_LINE_TEXT + 16 + cells * NAME_TEXT
    return head + rows * (ROW_TEXT + cells * CELL_TEXT)


def max_examples(n_inputs: int, n_outputs: int) -> int:
    """The most examples a project of this shape records: their text surely fits TEXT_LIMIT
    (one row is kept in hand, for a round put back while a frame is being recorded)."""
    head = text_bound(0, n_inputs, n_outputs)
    row = text_bound(1, n_inputs, n_outputs) - head
    return max(0, (TEXT_LIMIT - head) // row - 1)


def max_rows(n_inputs: int, n_outputs: int) -> int:
    """The most example rows a project's examples.csv or journal.csv of this shape holds: the
    examples it records and the one kept in hand. Reading refuses more (a hand-made file of
    short numbers could otherwise hold millions of rows in TEXT_LIMIT bytes, and save again
    bigger than it)."""
    return max_examples(n_inputs, n_outputs) + 1


def full_message(what: str, held: int, n_inputs: int, n_outputs: int, capacity: int) -> str:
    """What a musician is told when recording stops, or does not start, at the capacity."""
    return (
        f"{what}: the project holds {held:,} examples, and one of {n_inputs} inputs and "
        f"{n_outputs} outputs may hold {capacity:,} for its files "
        "to open again; delete examples or rounds to record more"
    )


@dataclass(frozen=True)
class ExampleRows:
    """A consistent copy of the store (or a part of it), safe to use from any thread."""

    ids: np.ndarray  # (n,) int64, stable identity of each row
    inputs: np.ndarray  # (n, n_inputs) float64
    outputs: np.ndarray  # (n, n_outputs) float64, NaN where not recorded
    mask: np.ndarray  # (n, n_outputs) bool, True where the output was recorded
    rounds: np.ndarray  # (n,) int64, recording round, 1-based
    times: np.ndarray  # (n,) float64, seconds since the epoch

    def __len__(self) -> int:
        return len(self.ids)

    def for_output(self, j: int, input_idx: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """Training data for output j: the chosen input columns and targets of rows that have it."""
        rows = self.mask[:, j]
        return self.inputs[rows][:, list(input_idx)], self.outputs[rows, j]

    def recorded_outputs(self) -> list[int]:
        """The outputs (0-based) that at least one of these rows carries."""
        return np.flatnonzero(self.mask.any(axis=0)).tolist()


class ExampleStore:
    """Growable column arrays of examples; every method is safe to call from any thread."""

    def __init__(self, n_inputs: int, n_outputs: int, capacity: int = 1024) -> None:
        self.n_inputs = n_inputs
        self.n_outputs = n_outputs
        self._lock = threading.Lock()
        self._n = 0
        self._next_id = 1
        self._new_columns(max(capacity, 16))
        self.version = 0  # bumped on every change: a cheap "did anything change" for readers

    def _new_columns(self, cap: int) -> None:
        self._ids = np.zeros(cap, dtype=np.int64)
        self._inputs = np.zeros((cap, self.n_inputs))
        self._outputs = np.zeros((cap, self.n_outputs))
        self._mask = np.zeros((cap, self.n_outputs), dtype=bool)
        self._rounds = np.zeros(cap, dtype=np.int64)
        self._times = np.zeros(cap)

    def _columns(self) -> tuple[np.ndarray, ...]:
        return (self._ids, self._inputs, self._outputs, self._mask, self._rounds, self._times)

    def _rows(self, sel: np.ndarray | slice) -> ExampleRows:
        """A copy of the selected live rows (lock held)."""
        return ExampleRows(*(col[: self._n][sel].copy() for col in self._columns()))

    def __len__(self) -> int:
        return self._n

    def append(
        self,
        inputs: Sequence[float],
        outputs: Sequence[float],
        mask: Sequence[bool],
        round_: int,
        time: float,
    ) -> int:
        """Add one example; returns its id. Outputs where mask is False are stored as NaN."""
        with self._lock:
            if self._n == len(self._ids):
                old = self._columns()
                self._new_columns(2 * len(self._ids))
                for new_col, old_col in zip(self._columns(), old):
                    new_col[: self._n] = old_col[: self._n]
            i = self._n
            rid = self._next_id
            self._ids[i] = rid
            self._inputs[i] = inputs
            self._outputs[i] = outputs
            self._mask[i] = mask
            if not all(mask):
                self._outputs[i, ~self._mask[i]] = np.nan
            self._rounds[i] = round_
            self._times[i] = time
            self._n = i + 1
            self._next_id = rid + 1
            self.version += 1
            return rid

    def extend(self, rows: ExampleRows) -> None:
        """Add many rows at once (loading a project, undoing a delete); new ids are assigned."""
        for k in range(len(rows)):
            self.append(
                rows.inputs[k], rows.outputs[k], rows.mask[k], int(rows.rounds[k]), rows.times[k]
            )

    def snapshot(self) -> ExampleRows:
        """A copy of every row."""
        with self._lock:
            return self._rows(slice(None))

    def rows_after(self, after_id: int) -> tuple[int, int, int, ExampleRows]:
        """(version, row count, last id given, the rows with an id above `after_id`), read at
        one instant: what a journal needs to append only what is new (ids grow in order)."""
        with self._lock:
            n = self._n
            start = int(np.searchsorted(self._ids[:n], after_id, side="right"))
            return self.version, n, self._next_id - 1, self._rows(slice(start, None))

    def counts(self) -> list[int]:
        """Examples per output, in output order."""
        with self._lock:
            return [int(c) for c in self._mask[: self._n].sum(axis=0)]

    def last_round(self) -> int:
        """The highest round number recorded so far (0 when empty)."""
        with self._lock:
            return int(self._rounds[: self._n].max()) if self._n else 0

    def _keep(self, keep: np.ndarray) -> int:
        """Keep only rows where `keep` is True (lock held); returns how many were removed."""
        n = self._n
        kept = int(keep.sum())
        if kept == n:
            return 0
        for col in self._columns():
            col[:kept] = col[:n][keep]
        self._n = kept
        self.version += 1
        return n - kept

    def clear(self) -> int:
        """Delete every example; returns how many were deleted."""
        with self._lock:
            return self._keep(np.zeros(self._n, dtype=bool))

    def clear_output(self, j: int) -> int:
        """Forget output j's recorded values; rows left with no recorded output are deleted.

        Returns how many rows lost their value for output j.
        """
        with self._lock:
            n = self._n
            had = int(self._mask[:n, j].sum())
            self._mask[:n, j] = False
            self._outputs[:n, j] = np.nan
            self._keep(np.any(self._mask[:n], axis=1))
            self.version += 1
            return had

    def delete_ids(self, ids: Sequence[int]) -> int:
        """Delete the rows with these ids; returns how many were deleted."""
        with self._lock:
            return self._keep(~np.isin(self._ids[: self._n], np.asarray(ids, dtype=np.int64)))

    def delete_round(self, round_: int) -> ExampleRows:
        """Delete one recording round; returns the deleted rows so they can be put back."""
        with self._lock:
            sel = np.asarray(self._rounds[: self._n] == round_)
            gone = self._rows(sel)
            self._keep(~sel)
            return gone
