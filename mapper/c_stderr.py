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
    flushed first; a process whose stderr has no file descriptor runs the block as it is."""
    try:
        sys.stderr.flush()
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # pytest's capture, an embedded interpreter
        fd = 2
    with _held:
        try:
            saved = os.dup(fd)
        except OSError:
            yield
            return
        with tempfile.TemporaryFile() as sink:
            os.dup2(sink.fileno(), fd)
            try:
                yield
            finally:
                os.dup2(saved, fd)
                os.close(saved)
                sink.seek(0)
                said = sink.read(SAID_AT_MOST).decode(errors="replace").strip()
                if said:
                    log.debug("%s: the sound system said: %s", what, said)
