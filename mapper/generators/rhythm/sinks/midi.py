"""The sequencer's hits as MIDI notes on the General MIDI drum channel (10), live.

Needs the `midi` extra (python-rtmidi, the back end of mido's live ports). Opens the named
output port if it exists, otherwise creates a virtual port with that name for a DAW or a drum
machine to listen to.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from mapper.extras import needs
from mapper.generators.base import GeneratorError
from mapper.generators.rhythm.voices import GM_DRUM_CHANNEL, GM_NOTES

DEFAULT_PORT = "gesture-mapper rhythm"
MISSING = needs("midi")
NOTE_ON, NOTE_OFF = 0x90 | GM_DRUM_CHANNEL, 0x80 | GM_DRUM_CHANNEL

SendBytes = Callable[[list[int]], None]


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
    """Note-ons at each hit; each note ends at the next step (drum machines ignore the length).

    `send` takes one MIDI message as bytes; `for_port` builds it for a mido port.
    """

    def __init__(self, send: SendBytes, close: Callable[[], None] | None = None) -> None:
        self._send = send
        self._close = close
        self._sounding: list[int] = []

    @classmethod
    def for_port(cls, port: Any) -> MidiRhythmSink:
        import mido

        return cls(lambda data: port.send(mido.Message.from_bytes(data)), port.close)

    def pattern(self, velocities: np.ndarray) -> None:
        pass

    def hits(self, step: int, hits: Sequence[tuple[int, int]]) -> None:
        for note in self._sounding:
            self._send([NOTE_OFF, note, 0])
        self._sounding = []
        for voice, velocity in hits:
            note = GM_NOTES[voice]
            self._send([NOTE_ON, note, velocity])
            self._sounding.append(note)

    def close(self) -> None:
        self.hits(0, [])
        if self._close is not None:
            self._close()
