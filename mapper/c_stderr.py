"""What C libraries print on the process's standard error (PortAudio and ALSA opening a sound
device or a MIDI port say "Expression 'paInvalidSampleRate' failed ..." and the like, straight
to file descriptor 2), held while they run, then logged: in the terminal UI those lines would
draw over the screen, and a performer cannot act on them anyway (the one-line errors can).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import threading
from collections.abc import Iterator

SAID_AT_MOST = 2000  # characters of what they said, logged
_held = threading.RLock()  # one holder at a time (fd 2 is the whole process's); nests


@contextlib.contextmanager
def held(log: logging.Logger, what: str) -> Iterator[None]:
    """Run the block with fd 2 going to a temporary file; what was written there is logged at
    debug level (`what`: what the block did, for the log line). Python's own sys.stderr is
    flushed first. Where fd 2 cannot be held (no file descriptor, no temporary file), the
    block runs as it is."""
    with _held:
        try:
            sys.stderr.flush()
            fd = sys.stderr.fileno()
        except (AttributeError, OSError, ValueError):  # pytest's capture, an embedded one
            fd = 2
        try:
            sink = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the `with sink` below
        except OSError:
            yield
            return
        with sink:
            try:
                saved = os.dup(fd)
            except OSError:
                yield
                return
            try:
                os.dup2(sink.fileno(), fd)
                yield
            finally:
                os.dup2(saved, fd)
                os.close(saved)
            sink.seek(0)
            said = sink.read(SAID_AT_MOST).decode(errors="replace").strip()
            if said:
                log.debug("%s: the sound system said: %s", what, said)


@contextlib.contextmanager
def screen_apart(log: logging.Logger) -> Iterator[None]:
    """For the terminal UI's whole run: the UI draws on a copy of fd 2 (sys.__stderr__, which
    Textual writes its frames to), and fd 2 itself becomes a pipe whose lines a thread logs at
    debug level. So whatever C libraries print, from whichever thread, whenever, never reaches
    the screen, and no frame of the UI is ever held away from it (`held` alone would hold the
    UI's frames too while a device opens)."""
    try:
        fd = sys.__stderr__.fileno() if sys.__stderr__ is not None else 2
        screen = os.dup(fd)
        read_end, write_end = os.pipe()
    except (AttributeError, OSError, ValueError):
        yield
        return
    old = sys.__stderr__, sys.stderr
    encoding = getattr(old[0], "encoding", None) or "utf-8"
    drawing = os.fdopen(screen, "w", encoding=encoding, errors="backslashreplace", buffering=1)
    sys.stderr.flush()
    os.dup2(write_end, fd)
    os.close(write_end)
    setattr(sys, "__stderr__", drawing)  # noqa: B010 - where Textual draws (mypy: Final)
    sys.stderr = drawing
    reader = threading.Thread(
        target=_log_lines, args=(read_end, log), name="mapper-c-stderr", daemon=True
    )
    reader.start()
    try:
        yield
    finally:
        drawing.flush()
        os.dup2(screen, fd)  # the pipe's last writer gone: the reader ends
        setattr(sys, "__stderr__", old[0])  # noqa: B010
        sys.stderr = old[1]
        drawing.close()
        reader.join(timeout=1.0)


def _log_lines(read_end: int, log: logging.Logger) -> None:
    with os.fdopen(read_end, "rb") as pipe:
        for line in pipe:
            said = line[:SAID_AT_MOST].decode(errors="replace").rstrip()
            if said:
                log.debug("the sound system said: %s", said)
