"""The MIDI live source (mapper/sources/midi.py) through a real MIDI server: JACK's dummy back
end (tests/jack_server.py), with python-rtmidi's JACK API on both sides. A virtual output port
plays the controller; the source, opened by name, must offer the right messages in order.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from mapper.errors import SourceError
from mapper.sources.live import LIVE_SOURCES, open_live_source
from mapper.sources.midi import MISSING, midi_message, port_list
from tests.jack_server import JackServer, jack_server  # noqa: F401  (the fixture)
from tests.offers import Offers

JACK_BACKEND = "mido.backends.rtmidi/UNIX_JACK"


def _rtmidi() -> Any:
    try:
        import rtmidi
    except ImportError as e:
        pytest.skip(f"python-rtmidi is not installed (the midi extra): {e}")
    if rtmidi.API_UNIX_JACK not in rtmidi.get_compiled_api():
        pytest.skip("this python-rtmidi was built without JACK")
    return rtmidi


@pytest.fixture
def jack_midi(jack_server: JackServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:  # noqa: F811
    """python-rtmidi on the test's JACK server; mido's back end pointed at it too."""
    rtmidi = _rtmidi()
    monkeypatch.setenv("MIDO_BACKEND", JACK_BACKEND)
    yield rtmidi


class Controller:
    """A virtual MIDI output port on JACK: the test's stand-in for a fader box."""

    def __init__(self, rtmidi: Any, name: str) -> None:
        self.out = rtmidi.MidiOut(rtapi=rtmidi.API_UNIX_JACK, name=name)
        self.out.open_virtual_port(name)

    def send(self, *messages: list[int]) -> None:
        for data in messages:
            self.out.send_message(data)

    def close(self) -> None:
        self.out.close_port()
        self.out.delete()


def test_a_controller_s_messages_arrive_in_order(jack_midi: Any) -> None:
    controller = Controller(jack_midi, "nanoKONTROL2")
    offers = Offers()
    source = open_live_source("midi", "NANOkontrol", offers)  # a name part, any case
    try:
        assert source.describe() == "MIDI in from 'nanoKONTROL2:nanoKONTROL2'"
        time.sleep(0.2)  # JACK connects the ports at its next cycle
        controller.send(
            [0xB0, 74, 127],  # CC 74 on channel 1
            [0xB1, 74, 0],  # channel 2
            [0x90, 60, 127],  # note 60 on
            [0xF8],  # MIDI clock: not an input
            [0x80, 60, 64],  # note-off
            [0x9F, 61, 100],  # channel 16
            [0x90, 61, 0],  # note-on at velocity 0 is a note-off
            [0xE0, 0x00, 0x00],  # bend: the lowest
            [0xE0, 0x00, 0x40],  # the middle
            [0xE2, 0x7F, 0x7F],  # the highest, channel 3
            [0xB0, 1, 64],
        )
        got = offers.wait_for(10)
    finally:
        source.close()
        controller.close()
    assert got == [
        ("/midi/cc/74", "f", (1.0,)),
        ("/midi/2/cc/74", "f", (0.0,)),
        ("/midi/note/60", "f", (1.0,)),
        ("/midi/note/60", "f", (0.0,)),
        ("/midi/16/note/61", "f", (100 / 127,)),
        ("/midi/note/61", "f", (0.0,)),
        ("/midi/bend", "f", (-1.0,)),
        ("/midi/bend", "f", (0.0,)),
        ("/midi/3/bend", "f", (1.0,)),
        ("/midi/cc/1", "f", (64 / 127,)),
    ]
    assert offers.threads == {"mapper-midi"}  # offered from the source's own thread


def test_with_no_ports_it_opens_a_virtual_port_others_can_play(jack_midi: Any) -> None:
    offers = Offers()
    source = open_live_source("midi", None, offers)
    sender = jack_midi.MidiOut(rtapi=jack_midi.API_UNIX_JACK, name="a-daw")
    try:
        assert "virtual port 'gesture-mapper'" in source.describe()
        ports = sender.get_ports()
        assert "gesture-mapper:gesture-mapper" in ports, ports
        sender.open_port(ports.index("gesture-mapper:gesture-mapper"))
        time.sleep(0.2)
        sender.send_message([0xB0, 20, 127])
        sender.send_message([0x90, 36, 127])
        got = offers.wait_for(2)
    finally:
        source.close()
        sender.close_port()
        sender.delete()
    assert got == [("/midi/cc/20", "f", (1.0,)), ("/midi/note/36", "f", (1.0,))]


def test_a_port_that_is_not_there_lists_the_ports_there_are(jack_midi: Any) -> None:
    controllers = [Controller(jack_midi, f"pad{i}") for i in range(8)]
    try:
        with pytest.raises(SourceError) as caught:
            open_live_source("midi", "launchpad", Offers())
    finally:
        for controller in controllers:
            controller.close()
    message = str(caught.value)
    assert "\n" not in message and len(message) < 300, message
    assert message.startswith("no MIDI input port matches 'launchpad': the MIDI input ports are")
    assert "'pad0:pad0'" in message and "and 2 more" in message


def test_close_is_fast_and_leaves_no_thread(jack_midi: Any) -> None:
    controller = Controller(jack_midi, "faders")
    offers = Offers()
    before = {t.ident for t in threading.enumerate()}
    source = open_live_source("midi", "faders", offers)
    try:
        time.sleep(0.2)
        controller.send([0xB0, 7, 100])
        assert offers.wait_for(1) == [("/midi/cc/7", "f", (100 / 127,))]
        assert any(t.name == "mapper-midi" for t in threading.enumerate())
        start = time.monotonic()
        source.close()
        took = time.monotonic() - start
        source.close()  # twice is harmless
        controller.send([0xB0, 7, 1])  # after close: heard by nobody
        time.sleep(0.3)
    finally:
        controller.close()
    print(f"MIDI close took {took * 1000:.1f} ms")
    assert took < 1.0
    assert offers.items == [("/midi/cc/7", "f", (100 / 127,))]
    left = [t for t in threading.enumerate() if t.ident not in before]
    assert not any(t.name == "mapper-midi" for t in left), left


def test_a_missing_extra_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rtmidi", None)  # import rtmidi fails, as without the extra
    with pytest.raises(SourceError) as caught:
        open_live_source("midi", None, Offers())
    assert str(caught.value) == MISSING
    assert "pip install 'gesture-mapper[midi]'" in MISSING


def test_an_api_the_environment_names_that_rtmidi_lacks(monkeypatch: pytest.MonkeyPatch) -> None:
    _rtmidi()
    monkeypatch.setenv("MIDO_BACKEND", "mido.backends.rtmidi/NO_SUCH_API")
    with pytest.raises(SourceError) as caught:
        open_live_source("midi", None, Offers())
    assert "NO_SUCH_API" in str(caught.value) and "\n" not in str(caught.value)


def test_messages_become_offers() -> None:
    import mido

    def offer(**fields: Any) -> Any:
        return midi_message(mido.Message(**fields))

    assert offer(type="control_change", channel=0, control=74, value=0) == (
        "/midi/cc/74",
        "f",
        (0.0,),
    )
    assert offer(type="note_on", channel=1, note=60, velocity=127)[0] == "/midi/2/note/60"
    assert offer(type="pitchwheel", channel=0, pitch=-8192)[2] == (-1.0,)
    assert offer(type="pitchwheel", channel=0, pitch=8191)[2] == (1.0,)
    assert offer(type="program_change", channel=0, program=3) is None
    assert midi_message(mido.Message("clock")) is None


def test_the_port_list_is_bounded() -> None:
    text = port_list([f"a very long controller name number {i} " * 20 for i in range(500)])
    assert len(text) < 400 and "and 494 more" in text
    assert port_list([]) == "there are no MIDI input ports"


def test_sources_are_named_and_an_unknown_one_says_which_there_are() -> None:
    assert set(LIVE_SOURCES) == {"midi", "gamepad"}
    with pytest.raises(SourceError, match="no live source called 'theremin': there are midi"):
        open_live_source("theremin", None, Offers())
