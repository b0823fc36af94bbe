"""The sequencer's hits as MIDI notes on the General MIDI drum channel (10), live.

Needs the `midi` extra (mido and python-rtmidi). Opens the named output port if it exists,
otherwise creates a virtual port with that name for a DAW or a drum machine to listen to.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from mapper.generators.base import GeneratorError
from mapper.generators.rhythm.voices import GM_DRUM_CHANNEL, GM_NOTES

DEFAULT_PORT = "gesture-mapper rhythm"
MISSING = "MIDI output needs the midi extra: pip install 'gesture-mapper[midi]'"


def open_midi_port(name: str = DEFAULT_PORT) -> Any:
    """A mido output port: the existing one called `name`, else a new virtual one."""
    try:
        import mido
    except ImportError:
        raise GeneratorError(MISSING) from None
    try:
        if name in mido.get_output_names():
            return mido.open_output(name)
        return mido.open_output(name, virtual=True)
    except ImportError:
        raise GeneratorError(MISSING) from None
    except (OSError, NotImplementedError, RuntimeError) as e:  # no MIDI system, no virtual ports
        raise GeneratorError(f"cannot open MIDI output {name!r}: {e}") from e


class MidiRhythmSink:
    """Note-ons at each hit; each note ends at the next step (drum machines ignore the length)."""

    def __init__(self, port: Any) -> None:
        import mido

        self.port = port
        self._message = mido.Message
        self._sounding: list[int] = []

    def pattern(self, velocities: np.ndarray) -> None:
        pass

    def hits(self, step: int, hits: Sequence[tuple[int, int]]) -> None:
        msg = self._message
        for note in self._sounding:
            self.port.send(msg("note_off", channel=GM_DRUM_CHANNEL, note=note, velocity=0))
        self._sounding = []
        for voice, velocity in hits:
            note = GM_NOTES[voice]
            self.port.send(msg("note_on", channel=GM_DRUM_CHANNEL, note=note, velocity=velocity))
            self._sounding.append(note)

    def close(self) -> None:
        self.hits(0, [])
        self.port.close()
