"""Example rows as CSV text: `round, time, <inputs…>, <outputs…>`, an empty cell where an
output was not recorded. Shared by examples.csv, the journal and `mapper export`."""

from __future__ import annotations

import csv
import errno
import io
import math
import re
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone

import numpy as np

from mapper.core import examples
from mapper.core.examples import ExampleRows, max_rows
from mapper.core.outputs import MAX_CLASSES, Output
from mapper.errors import ProjectError, shown
from mapper.file_kinds import size_text


def header(input_names: Iterable[str], output_names: Iterable[str]) -> list[str]:
    return ["round", "time", *input_names, *output_names]


# the times a row may have: each can be written back (years 1 to 9999 in UTC, as Python's
# datetime has them) and shown in any time zone (a day from either end)
FIRST_TIME = datetime(1, 1, 2, tzinfo=timezone.utc).timestamp()
LAST_TIME = datetime(9999, 12, 30, tzinfo=timezone.utc).timestamp()


def format_time(stamp: float) -> str:
    """Seconds since the epoch -> ISO 8601 in UTC with microseconds. A time outside FIRST_TIME
    .. LAST_TIME (loading repairs them: `repair`) is written as the nearest that can be."""
    if not stamp >= FIRST_TIME:  # NaN too
        stamp = FIRST_TIME
    elif stamp > LAST_TIME:
        stamp = LAST_TIME
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
    """CSV text of every row, after an optional header line. A row that cannot be written
    (nothing known does that) is an OSError, as a full disk is: a save or a journal write
    that failed, counted and said, the examples kept in memory; never a crash."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    if head is not None:
        writer.writerow(head)
    for k in range(len(rows)):
        try:
            writer.writerow(row_cells(rows, k))
        except (ValueError, OverflowError) as e:
            raise OSError(errno.EINVAL, f"example {k + 1} cannot be written: {e}") from e
    return buf.getvalue()


CHUNK = 4096  # rows gathered in lists before they become arrays: memory stays near the data's


class Columns:
    """Example columns as they are read, row by row (with the line each came from), kept as
    arrays every CHUNK rows so that a big file costs about what its numbers do."""

    def __init__(self) -> None:
        self._blocks: list[tuple[np.ndarray, ...]] = []
        self._n = 0
        self._clear()

    def _clear(self) -> None:
        self._rounds: list[int] = []
        self._times: list[float] = []
        self._inputs: list[list[float]] = []
        self._outputs: list[list[float]] = []
        self._mask: list[list[bool]] = []
        self._lines: list[int] = []

    def __len__(self) -> int:
        return self._n

    def add(
        self,
        round_: int,
        time: float,
        inputs: list[float],
        values: list[float],
        mask: list[bool],
        line: int = 0,
    ) -> None:
        """One row: its round, time, inputs, output values, which outputs it has, and the
        line of the file it was read from (0: not from a file)."""
        self._rounds.append(round_)
        self._times.append(time)
        self._inputs.append(inputs)
        self._outputs.append(values)
        self._mask.append(mask)
        self._lines.append(line)
        self._n += 1
        if len(self._rounds) >= CHUNK:
            self._flush()

    def _flush(self) -> None:
        if not self._rounds:
            return
        n = len(self._rounds)
        self._blocks.append(
            (
                np.asarray(self._rounds, dtype=np.int64),
                np.asarray(self._times, dtype=np.float64),
                np.asarray(self._inputs, dtype=np.float64).reshape(n, -1),
                np.asarray(self._outputs, dtype=np.float64).reshape(n, -1),
                np.asarray(self._mask, dtype=bool).reshape(n, -1),
                np.asarray(self._lines, dtype=np.int64),
            )
        )
        self._clear()

    def extend(self, other: Columns) -> None:
        """Append every row of `other`."""
        self._flush()
        other._flush()
        self._blocks.extend(other._blocks)
        self._n += other._n

    def _column(self, k: int, shape: tuple[int, ...], dtype: type) -> np.ndarray:
        self._flush()
        parts = [b[k].reshape(len(b[0]), *shape) for b in self._blocks]
        if not parts:
            return np.zeros((0, *shape), dtype=dtype)
        return np.concatenate(parts) if len(parts) > 1 else parts[0]

    def rows(self, n_in: int, n_out: int) -> ExampleRows:
        return ExampleRows(
            ids=np.arange(1, self._n + 1, dtype=np.int64),
            inputs=self._column(2, (n_in,), np.float64),
            outputs=self._column(3, (n_out,), np.float64),
            mask=self._column(4, (n_out,), bool),
            rounds=self._column(0, (), np.int64),
            times=self._column(1, (), np.float64),
        )

    def lines(self) -> np.ndarray:
        """The line each row was read from, in order (0 where not from a file)."""
        return self._column(5, (), np.int64)


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
) -> Columns:
    """Parse CSV rows (header already read): the right number of columns, a round, a time,
    finite numbers, at most `max_rows` of them. The outputs' own rules (classes, hard limits)
    are `repair`'s."""
    width = 2 + len(input_names) + len(outputs)
    most = max_rows(len(input_names), len(outputs))
    columns = Columns()
    for line, cells in enumerate(lines, start=first_line):
        if not cells:
            continue
        at = f"{where}: line {line}"
        if len(columns) >= most:
            raise ProjectError(too_many(at, len(input_names), len(outputs)))
        if len(cells) != width:
            raise ProjectError(
                f"{at}: {len(cells)} columns, expected {width} (round, time, "
                f"{len(input_names)} inputs, {len(outputs)} outputs); fix or delete that line"
            )
        parse_row(cells, input_names, outputs, at, columns, line)
    return columns


def too_many(where: str, n_inputs: int, n_outputs: int) -> str:
    """The one line that refuses a file of more example rows than a project may hold."""
    most = max_rows(n_inputs, n_outputs)
    return (
        f"{where}: more than {most:,} examples, the most a project of {n_inputs} inputs and "
        f"{n_outputs} outputs holds (its files must open again within "
        f"{size_text(examples.TEXT_LIMIT)}); delete rows or split them into two projects"
    )


MAX_ROUND = 1_000_000_000  # recording rounds: far more than any rehearsal makes
_ROUND = re.compile(r"\s*\+?([0-9]{1,10})\s*", re.ASCII)


def parse_row(
    cells: list[str],
    input_names: list[str],
    outputs: list[Output],
    where: str,
    columns: Columns,
    line: int = 0,
) -> None:
    n_in = len(input_names)
    round_ = _round(cells[0], where)
    stamp = parse_time(cells[1], where)
    texts = cells[2 : 2 + n_in]
    try:
        inputs = [float(c) for c in texts]
    except ValueError:
        inputs = []
    if len(inputs) != n_in or not math.isfinite(sum(inputs)):  # says which cell, and why
        inputs = [cell_number(c, where, f"input {k + 1}") for k, c in enumerate(texts)]
    values, mask = [], []
    for o, c in zip(outputs, cells[2 + n_in :]):
        if c.strip() == "":
            values.append(math.nan)
            mask.append(False)
        else:
            values.append(cell_number(c, where, f"output {o.name!r}"))
            mask.append(True)
    columns.add(round_, stamp, inputs, values, mask, line)


def _round(text: str, where: str) -> int:
    match = _ROUND.fullmatch(text)
    if match is None or int(match.group(1)) > MAX_ROUND:
        raise ProjectError(
            f"{where}: round is {shown(text)}; it must be a whole number 0..{MAX_ROUND:,}"
        )
    return int(match.group(1))


def parse_time(text: str, where: str) -> float:
    """A time in seconds since the epoch. A date that Python cannot count in seconds (the
    year 1 as local time) is -inf or inf: `repair` moves it to the nearest that can be."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError as e:
        raise ProjectError(
            f"{where}: time is {shown(text)}; it must be an ISO 8601 date such as "
            f"2026-01-01T12:00:00+00:00 ({e})"
        ) from None
    try:
        return when.timestamp()
    except (ValueError, OverflowError, OSError):
        return -math.inf if when.year < 5000 else math.inf


def cell_number(
    text: str, where: str, what: str, why: str = "; examples must be finite numbers"
) -> float:
    """A CSV cell's finite number; a ProjectError naming where and what (`why` ends the
    message for a number that is not finite)."""
    try:
        value = float(text)
    except ValueError:
        raise ProjectError(f"{where}: {what} is {shown(text)}, not a number") from None
    if not math.isfinite(value):
        raise ProjectError(f"{where}: {what} is {text.strip()[:40]}{why}")
    return value


def repair(rows: ExampleRows, lines: np.ndarray, outputs: list[Output], where: str) -> list[str]:
    """Make rows that break a rule usable again, in place, and say what changed (for files
    written before the rule, or edited by hand): a time that could not be written back (the
    year 1 or 9999 in another time zone, beyond the UTC years 1 to 9999) is moved to the
    nearest that can; values outside hard limits are clamped to them; a class beyond an
    output's count raises the count (while it is at most MAX_CLASSES); a cell that is no class
    (0, 2.5, -1) is left unrecorded. Nothing is refused: the project opens, and the next save
    keeps the repair."""
    notes = []
    t = rows.times
    odd = ~((t >= FIRST_TIME) & (t <= LAST_TIME))
    if odd.any():
        notes.append(
            f"{where}: {_which(odd, lines)} with a time before "
            f"{format_time(FIRST_TIME)[:10]} or after {format_time(LAST_TIME)[:10]} (UTC), "
            "which cannot be written back: moved to the nearest of those days"
        )
        t[odd] = np.clip(np.nan_to_num(t[odd], nan=FIRST_TIME), FIRST_TIME, LAST_TIME)
    for j, o in enumerate(outputs):
        have = rows.mask[:, j]
        if not have.any():
            continue
        v = rows.outputs[:, j]
        if o.is_classifier:
            no_class = have & ((v != np.floor(v)) | (v < 1) | (v > MAX_CLASSES))
            if no_class.any():
                notes.append(
                    f"{where}: {o.name}: {_which(no_class, lines)} with no class 1.."
                    f"{MAX_CLASSES:,} (e.g. {v[no_class][0]:g}): left unrecorded for {o.name}"
                )
                rows.outputs[no_class, j] = np.nan
                rows.mask[no_class, j] = False
            high = have & ~no_class & (v > o.classes)
            if high.any():
                top = int(v[high].max())
                notes.append(
                    f"{where}: {o.name}: classes up to {top} in {_which(high, lines)}, more "
                    f"than its {o.classes}: it now has {top} classes"
                )
                o.classes = top
        elif o.hard_limits:
            outside = have & ((v < o.min) | (v > o.max))
            if outside.any():
                notes.append(
                    f"{where}: {o.name}: {_which(outside, lines)} outside its hard limits "
                    f"[{o.min:g}, {o.max:g}] (from {v[outside].min():g} to "
                    f"{v[outside].max():g}): clamped to them"
                )
                rows.outputs[outside, j] = np.clip(v[outside], o.min, o.max)
    return notes


def _which(selected: np.ndarray, lines: np.ndarray) -> str:
    n = int(selected.sum())
    first = int(lines[selected][0]) if len(lines) == len(selected) else 0
    where = f" (the first on line {first})" if first else ""
    return f"{n} example{'s' if n != 1 else ''}{where}"
