"""Reading a project's files with bounds: regular files only, a size limit, a line limit.

A project folder may come from anywhere (a download, a shared drive), so a file in it may be
a FIFO (which would hang a plain open), a link to /dev/zero (endless), or one huge line. Each
file is checked before it is read (os.stat: a regular file, not too big), opened without
blocking, checked again on the open descriptor, and read in bounded lines; anything else is a
one-line ProjectError naming the file.

The limits are generous: 100,000 examples of 132 inputs and 16 outputs (a tracked body) make
an examples.csv of 275 MiB (one line is about 2.9 KB), 72% of EXAMPLES_LIMIT. They are what a
project may hold: recording stops before the examples' text could outgrow them
(mapper.core.examples), so a project that saves always opens again; a file of more rows than a
project of its shape records (max_rows) is refused, so reading one holds at most that many.
"""

from __future__ import annotations

import math
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from mapper.core.examples import TEXT_LIMIT
from mapper.errors import ProjectError, shown
from mapper.file_kinds import MiB, kind_of, size_text

# project.json: settings (about 50 KB for 63 inputs, 64 outputs) and bookmarks, one a line:
# 1,000 (MAX_BOOKMARKS) of 64 outputs take about 1.8 MB; at most 100,000 numbers in all
# (MAX_VALUES: 781 bookmarks of 128 outputs) about 2.7 MB, names and numbers at their longest
PROJECT_LIMIT = 4 * MiB
# examples.csv: 100,000 examples of 132 inputs and 16 outputs are 275 MiB, 50,000 of 63 inputs
# about 70 MB. The core's own bound: recording stops before the examples' text (each
# number counted at its longest) could pass it
EXAMPLES_LIMIT = TEXT_LIMIT
JOURNAL_LIMIT = TEXT_LIMIT  # journal.csv: after a deletion it holds every example (the same
# bound counts its first line)
NOTE_LIMIT = 64 * 1024  # .saving: a list of three file names
LINE_LIMIT = 1 * MiB  # one CSV line: 63 inputs take about 1.4 KB, 10,000 inputs about 250 KB
JSON_DEPTH = 64  # project.json nests 4 deep; a generator's settings a few more


def describe(path: Path) -> str:
    """What `path` is, in words ('a device', 'a folder', 'a file', 'missing')."""
    try:
        return kind_of(os.stat(path).st_mode)
    except OSError:
        return "missing"


def _refuse_kind(path: Path, mode: int, advice: str) -> None:
    if not stat.S_ISREG(mode):
        raise ProjectError(f"{path} is {kind_of(mode)}, not a regular file; {advice}")


def _refusesize_text(path: Path, size: int, limit: int, advice: str) -> None:
    if size > limit:
        raise ProjectError(
            f"{path}: {size_text(size)} is more than the {size_text(limit)} this file may "
            f"hold; {advice}"
        )


def open_regular(path: Path, limit: int, advice: str) -> BinaryIO:
    """`path` opened for reading in binary, if it is a regular file of at most `limit` bytes
    (a link to one is fine). A FIFO, a device, a socket or a folder is refused without being
    opened for long: opening never blocks. `advice` says what to do (ends each message)."""
    try:
        _refuse_kind(path, os.stat(path).st_mode, advice)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise ProjectError(f"{path}: not found; {advice}") from None
    except OSError as e:
        raise ProjectError(f"{path}: cannot be read: {e.strerror or e}; {advice}") from None
    try:
        st = os.fstat(fd)  # what was opened, in case the name changed since the stat
        _refuse_kind(path, st.st_mode, advice)
        _refusesize_text(path, st.st_size, limit, advice)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_text(path: Path, limit: int, advice: str) -> str:
    """The whole of a small regular file (at most `limit` bytes) as UTF-8 text."""
    with open_regular(path, limit, advice) as f:
        try:
            data = f.read(limit + 1)
        except OSError as e:
            raise ProjectError(f"{path}: cannot be read: {e.strerror or e}; {advice}") from None
    _refusesize_text(path, len(data), limit, advice)  # it grew while being read
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ProjectError(
            f"{path}: not UTF-8 text (byte {e.start + 1} cannot be decoded); {advice}"
        ) from None


def lines(
    f: BinaryIO, path: Path, limit: int, advice: str, line_limit: int = LINE_LIMIT
) -> Iterator[tuple[int, bytes]]:
    """Each line of `f` (with its line ending; the last may lack one) and its number, from 1.
    A line longer than `line_limit` bytes, or more than `limit` bytes in all, is a
    ProjectError: memory stays bounded whatever the file holds."""
    total = 0
    number = 0
    while True:
        try:
            line = f.readline(line_limit + 1)
        except OSError as e:
            raise ProjectError(f"{path}: cannot be read: {e.strerror or e}; {advice}") from None
        if not line:
            return
        number += 1
        total += len(line)
        if len(line) > line_limit:
            raise ProjectError(
                f"{path}: line {number} is longer than {size_text(line_limit)} (does the file end "
                f"its lines?); {advice}"
            )
        _refusesize_text(path, total, limit, advice)
        yield number, line


def text_lines(
    f: BinaryIO, path: Path, limit: int, advice: str, line_limit: int = LINE_LIMIT
) -> Iterator[str]:
    """The lines of `f` as UTF-8 text (for csv.reader), bounded as in `lines`."""
    for number, line in lines(f, path, limit, advice, line_limit):
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError:
            raise ProjectError(f"{path}: line {number} is not UTF-8 text; {advice}") from None


def json_problem(doc: object) -> str | None:
    """What makes a parsed JSON document one no project writes, or None: nesting deeper than
    JSON_DEPTH, or a number that is not finite (NaN, Infinity, 1e999) in any field, named
    as `outputs[0].max`. Walked without recursion."""
    stack: list[tuple[object, str, int]] = [(doc, "", 1)]
    while stack:
        value, where, depth = stack.pop()
        if depth > JSON_DEPTH:
            return f"nested more than {JSON_DEPTH} levels deep; not a gesture-mapper project"
        if isinstance(value, float) and not math.isfinite(value):
            return f"{where}: {value} is not a finite number"
        if isinstance(value, dict):
            for k, v in value.items():
                name = field_name(k)
                stack.append((v, f"{where}.{name}" if where else name, depth + 1))
        elif isinstance(value, list):
            stack.extend((v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value))
    return None


def field_name(key: str) -> str:
    """A JSON key as a message names it: as it is when it is a plain name, else quoted."""
    return key if key.isidentifier() else shown(key)


def refuse_unknown(doc: dict[str, Any], known: Iterable[str], at: str, noun: str = "field") -> None:
    """ProjectError for the first key of `doc` not in `known`: `{at}.{key}: unknown field;
    the fields are: ...` (`noun` names what they are)."""
    names = list(known)
    for key in doc:
        if key not in names:
            raise ProjectError(
                f"{at}.{field_name(key)}: unknown {noun}; the {noun}s are: {', '.join(names)}"
            )
