"""Opening a generator's model file with bounds: a regular file only, of at most a limit.

A model file may be named by a project folder from anywhere (a download, a shared drive), so
it may be a FIFO (a plain open, numpy's or torch's, would wait for a writer forever), a link
to a device (endless), or far bigger than any model. The file is checked before it is opened
(os.stat: a regular file), opened without blocking, checked again on the open descriptor (a
regular file, not over the limit) and only then read; anything else is a one-line
GeneratorError naming the file. (mapper.project.reading does the same for a project's own
files; the layers keep generators from importing it.)
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from mapper.errors import GeneratorError
from mapper.file_kinds import kind_of, size_text


def _refuse_kind(path: Path, mode: int, expected: str) -> None:
    if not stat.S_ISREG(mode):
        raise GeneratorError(f"{path} is {kind_of(mode)}, not a regular file; expected {expected}")


def open_model_file(path: Path, limit: int, expected: str) -> BinaryIO:
    """`path` opened for reading in binary, if it is a regular file (a link to one is fine) of
    at most `limit` bytes. A FIFO, a device, a socket or a folder is refused before it is
    opened for long: opening never blocks. `expected` says what the file should be (it ends
    each message)."""
    try:
        _refuse_kind(path, os.stat(path).st_mode, expected)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise GeneratorError(f"{path}: no such file; expected {expected}") from None
    except (OSError, ValueError) as e:  # ValueError: a NUL in the name
        reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        raise GeneratorError(f"{path}: cannot be read: {reason}; expected {expected}") from None
    try:
        st = os.fstat(fd)  # what was opened, in case the name changed since the stat
        _refuse_kind(path, st.st_mode, expected)
        if st.st_size > limit:
            raise GeneratorError(
                f"{path}: {size_text(st.st_size)} is more than the {size_text(limit)} such a "
                f"file may be; expected {expected}"
            )
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def opened_name(f: BinaryIO, path: Path) -> str:
    """A name that opens the very file `f` holds open, for a loader that takes only names
    (torch.jit.load): /proc/self/fd/N where there is one (Linux), so that a name swapped for a
    FIFO after the checks is never opened; else `path` itself."""
    proc = f"/proc/self/fd/{f.fileno()}"
    return proc if os.path.isdir("/proc/self/fd") and os.path.exists(proc) else str(path)
