"""The optional parts (pyproject's extras): whether each is installed, and what to install.

Checked when the command line is read, before a project folder is made or a port opened, so a
missing extra is one line and nothing else happened. `find_spec` looks without importing:
sounddevice would start PortAudio.
"""

from __future__ import annotations

import sys
from importlib.util import find_spec

# extra -> (the module it installs, what it gives, in words)
EXTRAS: dict[str, tuple[str, str]] = {
    "midi": ("rtmidi", "live MIDI ports"),
    "audio": ("sounddevice", "the speakers"),
    "gamepad": ("pygame", "a gamepad"),
}


def needs(extra: str) -> str:
    """The line that says what to install for `extra`."""
    return f"{EXTRAS[extra][1]} need the {extra} extra: pip install 'gesture-mapper[{extra}]'"


def missing(extra: str) -> str | None:
    """`needs(extra)` when its module is not installed, else None."""
    module = EXTRAS[extra][0]
    if sys.modules.get(module, False) is None:  # imports of it were switched off
        return needs(extra)
    try:
        found = find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    return None if found else needs(extra)
