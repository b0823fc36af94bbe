"""What C libraries print on fd 2 while a sound device or MIDI port opens is held and logged,
never drawn over the terminal UI: tested with a real subprocess whose fd 2 is a pipe."""

from __future__ import annotations

import subprocess
import sys

# a C-level write to fd 2 (as PortAudio's "Expression 'paInvalidSampleRate' failed" is)
CHILD = """
import logging, os, sys
logging.basicConfig(level=logging.DEBUG, stream=sys.stdout, format="%(message)s")
from mapper.c_stderr import held
log = logging.getLogger("test")
with held(log, "opening the audio output"):
    os.write(2, b"Expression 'paInvalidSampleRate' failed\\n")
os.write(2, b"after\\n")
"""


def test_what_a_c_library_prints_while_held_is_logged_not_shown():
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "after\n"  # fd 2 is back, and held nothing else
    assert "opening the audio output: the sound system said: Expression" in done.stdout


def test_held_nests():
    """Opening the speakers holds fd 2 around sounddevice's own import, which holds it too."""
    import logging
    import threading

    from mapper.c_stderr import held

    log = logging.getLogger("test")
    done = threading.Event()

    def nest() -> None:
        with held(log, "outer"), held(log, "inner"):
            done.set()

    threading.Thread(target=nest, daemon=True).start()
    assert done.wait(5.0), "held() deadlocked inside itself"


# the terminal UI's run: frames drawn on sys.__stderr__ reach the terminal (fd 2 as it was),
# C-level writes to fd 2 from any thread, at any time, are logged instead
UI_CHILD = """
import logging, os, sys, threading
logging.basicConfig(level=logging.DEBUG, stream=sys.stdout, format="%(message)s")
from mapper.c_stderr import screen_apart
with screen_apart(logging.getLogger("test")):
    sys.__stderr__.write("a frame of the UI\\n")
    sys.__stderr__.flush()
    t = threading.Thread(target=lambda: os.write(2, b"ALSA lib pcm.c: Unknown PCM\\n"))
    t.start(); t.join()
sys.stderr.write("after\\n")
"""


def test_the_ui_draws_on_its_own_copy_of_stderr_and_c_libraries_are_logged():
    done = subprocess.run(
        [sys.executable, "-c", UI_CHILD], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == "a frame of the UI\nafter\n"
    assert "the sound system said: ALSA lib pcm.c: Unknown PCM" in done.stdout
