"""The drum model's hits as MIDI notes through a real MIDI server (JACK's dummy backend): the
virtual port `--midi` makes is seen by another program, which receives the notes."""

from __future__ import annotations

import time

import pytest

from mapper.generators.rhythm.sinks.midi import MidiRhythmSink, open_midi_port
from mapper.generators.rhythm.voices import GM_NOTES
from tests.jack_server import jack_server  # noqa: F401 (a fixture)

JACK_BACKEND = "mido.backends.rtmidi/UNIX_JACK"


@pytest.fixture
def mido_on_jack(jack_server):  # noqa: F811
    mido = pytest.importorskip("mido")
    pytest.importorskip("rtmidi", reason="python-rtmidi (the midi extra) is not installed")
    before = mido.backend
    mido.set_backend(JACK_BACKEND, load=True)
    yield mido
    mido.backend = before


def test_hits_reach_another_program_through_the_virtual_port(mido_on_jack):
    mido = mido_on_jack
    port = open_midi_port("gesture-mapper rhythm test")
    sink = MidiRhythmSink.for_port(port)
    try:
        names = [n for n in mido.get_input_names() if "gesture-mapper rhythm test" in n]
        assert names, mido.get_input_names()  # a DAW would see it in its list
        with mido.open_input(names[0]) as listener:
            time.sleep(0.2)  # JACK connects at its next cycle
            sink.hits(0, [(0, 100), (1, 80)])  # kick and snare
            sink.hits(1, [])  # the next step ends them
            got = []
            deadline = time.monotonic() + 5.0
            while len(got) < 4 and time.monotonic() < deadline:
                got += list(listener.iter_pending())
                time.sleep(0.01)
        on = [(m.channel, m.note, m.velocity) for m in got if m.type == "note_on"]
        off = [m.note for m in got if m.type == "note_off"]
        assert on == [(9, GM_NOTES[0], 100), (9, GM_NOTES[1], 80)]  # channel 10, 1-based
        assert sorted(off) == sorted([GM_NOTES[0], GM_NOTES[1]])
    finally:
        sink.close()
