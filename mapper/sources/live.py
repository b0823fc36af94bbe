"""Live sensor sources: devices read on this machine (a MIDI controller, a gamepad), their events
turned into OSC-like messages and handed to one callable, `offer(address, tags, args)`, from the
source's own thread, as if they had arrived over OSC.

Addresses (channel 1 has none in the address; channel N > 1 adds `/N` after `/midi`):
- MIDI: `/midi/cc/74` `f` value/127; `/midi/note/60` `f` velocity/127 (0.0 at note-off);
  `/midi/bend` `f` -1..1; on channel 2: `/midi/2/cc/74` ...
- gamepad: `/gamepad/axis/N` `f` -1..1; `/gamepad/button/N` `f` 0.0 or 1.0;
  `/gamepad/hat/N` `ff` x y (each -1, 0 or 1).

Each device's library is an extra (`midi`, `gamepad`) imported only when its source opens.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from mapper.c_stderr import held
from mapper.errors import SourceError

log = logging.getLogger("mapper.sources")

Offer = Callable[[str, str, tuple[object, ...]], object]
"""Where a source hands each message: (address, OSC type tags, args); the return is ignored."""

LIVE_SOURCES: dict[str, str] = {
    "midi": "a MIDI controller's CCs, notes and pitch bend (midi:NAME picks the port by name)",
    "gamepad": "a gamepad's axes, buttons and hats (gamepad:N picks the Nth, or by name)",
}


class LiveSource(Protocol):
    """An open live source: it calls `offer` from its own thread until closed."""

    def close(self) -> None:
        """Stop reading and end the source's thread (and process), within a second."""
        ...

    def describe(self) -> str:
        """One line for the console and the UI, e.g. "MIDI in from 'nanoKONTROL2 MIDI 1'"."""
        ...


def open_live_source(name: str, arg: str | None, offer: Offer) -> LiveSource:
    """Open the live source `name` (a key of LIVE_SOURCES) with its optional argument (the part
    after the colon of `midi:NAME`); raises SourceError with a one-line message."""
    if name == "midi":
        from mapper.sources.midi import open_midi

        with held(log, "opening MIDI in"):  # ALSA's library speaks on stderr
            return open_midi(arg, offer)
    if name == "gamepad":
        from mapper.sources.gamepad import open_gamepad

        return open_gamepad(arg, offer)
    raise SourceError(f"no live source called {name!r}: there are {', '.join(LIVE_SOURCES)}")
