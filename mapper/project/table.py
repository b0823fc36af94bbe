"""Example rows as CSV text: `round, time, <inputs…>, <outputs…>`, an empty cell where an
output was not recorded. Shared by examples.csv, the journal and `mapper export`."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np

from mapper.core.examples import ExampleRows
from mapper.core.outputs import Output
from mapper.errors import ProjectError


def header(input_names: Iterable[str], output_names: Iterable[str]) -> list[str]:
    return ["round", "time", *input_names, *output_names]


def format_time(stamp: float) -> str:
    """Seconds since the epoch -> ISO 8601 in UTC with microseconds."""
    return datetime.fromtimestamp(stamp, timezone.utc).isoformat(timespec="microseconds")


def row_cells(rows: ExampleRows, k: int) -> list[object]:
    """The CSV cells of row k (floats as Python's shortest exact repr)."""
    outputs = [repr(float(v)) if m else "" for v, m in zip(rows.outputs[k], rows.mask[k])]
    return [
        int(rows.rounds[k]),
        format_time(float(rows.times[k])),
        *(repr(float(v)) for v in rows.inputs[k]),
        *outputs,
    ]


def rows_text(rows: ExampleRows, head: list[str] | None = None) -> str:
    """CSV text of every row, after an optional header line."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    if head is not None:
        writer.writerow(head)
    for k in range(len(rows)):
        writer.writerow(row_cells(rows, k))
    return buf.getvalue()


@dataclass
class Columns:
    """Example columns as they are read, row by row."""

    rounds: list[int] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    inputs: list[list[float]] = field(default_factory=list)
    outputs: list[list[float]] = field(default_factory=list)
    mask: list[list[bool]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rounds)

    def add(
        self, round_: int, time: float, inputs: list[float], values: list[float], mask: list[bool]
    ) -> None:
        """One row: its round, time, inputs, output values and which outputs it has."""
        self.rounds.append(round_)
        self.times.append(time)
        self.inputs.append(inputs)
        self.outputs.append(values)
        self.mask.append(mask)

    def rows(self, n_in: int, n_out: int) -> ExampleRows:
        n = len(self.rounds)
        return ExampleRows(
            ids=np.arange(1, n + 1, dtype=np.int64),
            inputs=np.asarray(self.inputs, dtype=np.float64).reshape(n, n_in),
            outputs=np.asarray(self.outputs, dtype=np.float64).reshape(n, n_out),
            mask=np.asarray(self.mask, dtype=bool).reshape(n, n_out),
            rounds=np.asarray(self.rounds, dtype=np.int64),
            times=np.asarray(self.times, dtype=np.float64),
        )


def concat(a: ExampleRows, b: ExampleRows) -> ExampleRows:
    """Rows of a, then rows of b (ids renumbered 1..n)."""
    n = len(a) + len(b)
    return ExampleRows(
        ids=np.arange(1, n + 1, dtype=np.int64),
        inputs=np.concatenate([a.inputs, b.inputs]),
        outputs=np.concatenate([a.outputs, b.outputs]),
        mask=np.concatenate([a.mask, b.mask]),
        rounds=np.concatenate([a.rounds, b.rounds]),
        times=np.concatenate([a.times, b.times]),
    )


def read_rows(
    lines: Iterator[list[str]],
    where: str,
    input_names: list[str],
    outputs: list[Output],
    first_line: int,
    strict: bool = True,
) -> Columns:
    """Parse CSV rows (header already read). `strict` also checks classes and hard limits
    (examples.csv); the journal, written by the engine itself, is only checked for numbers."""
    width = 2 + len(input_names) + len(outputs)
    columns = Columns()
    for line, cells in enumerate(lines, start=first_line):
        if not cells:
            continue
        at = f"{where}: line {line}"
        if len(cells) != width:
            raise ProjectError(
                f"{at}: {len(cells)} columns, expected {width} (round, time, "
                f"{len(input_names)} inputs, {len(outputs)} outputs); fix or delete that line"
            )
        parse_row(cells, input_names, outputs, at, columns, strict)
    return columns


def parse_row(
    cells: list[str],
    input_names: list[str],
    outputs: list[Output],
    where: str,
    columns: Columns,
    strict: bool = True,
) -> None:
    n_in = len(input_names)
    try:
        round_ = int(cells[0])
        stamp = datetime.fromisoformat(cells[1]).timestamp()
    except ValueError as e:
        raise ProjectError(
            f"{where}: round must be a whole number and time an ISO date ({e})"
        ) from None
    inputs = [_cell(c, where, f"input {k + 1}") for k, c in enumerate(cells[2 : 2 + n_in])]
    values, mask = [], []
    for o, c in zip(outputs, cells[2 + n_in :]):
        if c.strip() == "":
            values.append(math.nan)
            mask.append(False)
            continue
        value = _cell(c, where, f"output {o.name!r}")
        problem = o.check_value(value) if strict else None
        if problem is None and strict and o.is_classifier and value == 0:
            problem = f"{o.name}: class 0 (no class) cannot be learned; leave the cell empty"
        if problem is None and strict and o.hard_limits and not o.min <= value <= o.max:
            problem = f"{o.name}: {value} is outside its hard limits [{o.min}, {o.max}]"
        if problem:
            raise ProjectError(f"{where}: {problem}")
        values.append(value)
        mask.append(True)
    columns.add(round_, stamp, inputs, values, mask)


def _cell(text: str, where: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ProjectError(f"{where}: {what} is {text!r}, not a number") from None
    if not math.isfinite(value):
        raise ProjectError(f"{where}: {what} is {text}; examples must be finite numbers")
    return value
