"""Sensor sources (`--source`): a phone app's own OSC becomes input frames, what matches nothing
is heard (address, types, rate), and heard messages can be taken as the inputs. Real sessions
on 127.0.0.1 port 0, real UDP from a python-osc client, a real receiver for the outputs."""

from __future__ import annotations

import json
import math
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pythonosc.udp_client import SimpleUDPClient

import mapper.sources.live as live_module
from mapper.core.engine import EngineError
from mapper.errors import ProjectError, UsageError
from mapper.project import PROJECT_FILE, load_project
from mapper.session.factory import Instrument, open_instrument
from mapper.session.learning import learned_messages, take_heard
from mapper.session.options import InstrumentOptions, NetworkOptions, NewProjectOptions
from mapper.sources.heard import HeardTracker
from mapper.sources.lan import lan_address, where_to_send
from mapper.sources.presets import pattern_matches
from mapper.sources.spec import SourceSpec

from .conftest import Receiver, wait_for

EXAMPLES = Path(__file__).parent.parent / "examples" / "projects"


def options(
    receiver: Receiver,
    source: str | None,
    folder: Path | None = None,
    inputs: int | None = None,
) -> InstrumentOptions:
    """A new project of 2 outputs (the inputs: the source's, or `inputs`), or `folder`'s."""
    outputs = None if folder is not None and folder.exists() else 2
    return InstrumentOptions(
        folder=folder,
        new=NewProjectOptions(inputs=inputs, outputs=outputs),
        network=NetworkOptions(listen=("127.0.0.1", 0), send=("127.0.0.1", receiver.port)),
        source=SourceSpec.parse(source) if source else None,
    )


@pytest.fixture
def instruments() -> Iterator[list[Instrument]]:
    opened: list[Instrument] = []
    yield opened
    for instrument in opened:
        instrument.session.close()


def start(instruments: list[Instrument], opts: InstrumentOptions) -> tuple[Instrument, Client]:
    instrument = open_instrument(opts)
    instruments.append(instrument)
    return instrument, Client(instrument)


class Client:
    """Sends to the session's real port and waits until it has handled what was sent."""

    def __init__(self, instrument: Instrument) -> None:
        self.session = instrument.session
        self.udp = SimpleUDPClient("127.0.0.1", self.session.listen_address[1])

    def send(self, address: str, *args: object) -> None:
        self.udp.send_message(address, list(args))

    def sync(self) -> None:
        """A round trip: an unknown address is counted once everything before it is handled."""
        counters = self.session.engine.counters
        before = counters.unknown_addresses
        self.send("/test/sync")
        wait_for(lambda: self.session.engine.counters.unknown_addresses > before)


def test_gyrosc_gyro_alone_records_and_runs(receiver, instruments):
    instrument, c = start(instruments, options(receiver, "gyrosc"))
    engine = instrument.session.engine
    assert engine.input_names == ["pitch", "roll", "yaw", "accel-x", "accel-y", "accel-z"]
    assert any("/gyrosc/gyro (pitch roll yaw)" in line for line in instrument.news)
    poses = {(-1.0, 0.0, 0.5): [0.1, 0.9], (1.0, 0.5, -0.5): [0.9, 0.2]}
    for pose, values in poses.items():
        engine.set_values(values, send=False)
        engine.start_recording()
        for k in range(10):
            c.send("/gyrosc/gyro", *(v + 0.01 * k for v in pose))
        c.sync()
        engine.stop_recording()
    assert len(engine.examples) == 20
    rows = engine.examples.snapshot()
    assert rows.inputs[0, :3] == pytest.approx([-1.0, 0.0, 0.5], abs=1e-6)
    assert rows.inputs[:, 3:].tolist() == [[0.0, 0.0, 0.0]] * 20  # accel never heard: 0
    engine.train()
    assert engine.wait_for_training(timeout=30)
    engine.start_running()
    receiver.drain()
    for pose, values in poses.items():
        c.send("/gyrosc/gyro", *pose)
        _, tags, args = receiver.get_address("/wek/outputs")
        assert tags == "ff" and list(args) == pytest.approx(values, abs=0.1)


def test_a_bundle_of_gyro_and_accel_holds_both_and_makes_a_frame_each(receiver, instruments):
    from mapper.osc.encoding import encode_bundle, encode_message

    instrument, c = start(instruments, options(receiver, "gyrosc"))
    engine = instrument.session.engine
    gyro = encode_message("/gyrosc/gyro", [0.1, 0.2, 0.3], "fff")
    accel = encode_message("/gyrosc/accel", [0.0, -1.0, 0.5], "fff")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as raw:  # a bundle, as GyrOSC sends
        raw.sendto(encode_bundle([gyro, accel]), ("127.0.0.1", c.session.listen_address[1]))
    c.sync()
    assert engine.counters.frames_in == 2
    assert engine.last_inputs == pytest.approx([0.1, 0.2, 0.3, 0.0, -1.0, 0.5])


def test_zigsim_matches_any_device_uuid(receiver, instruments):
    instrument, c = start(instruments, options(receiver, "zigsim"))
    engine = instrument.session.engine
    names = engine.input_names
    assert names[:3] == ["accel-x", "accel-y", "accel-z"] and "gyro-z" in names
    c.send("/ZIGSIM/5A1B-77C0-DEVICE/accel", 0.25, -0.5, 1.0)  # iOS
    c.send("/a-phone-id/gyro", 3.0, 2.0, 1.0)  # Android leaves out /ZIGSIM
    c.send("/ZIGSIM/5A1B/extra/accel", 9.0, 9.0, 9.0)  # one segment more: not it
    c.sync()
    frame = dict(zip(names, engine.last_inputs))
    assert [frame["accel-x"], frame["accel-y"], frame["accel-z"]] == [0.25, -0.5, 1.0]
    assert [frame["gyro-x"], frame["gyro-y"], frame["gyro-z"]] == [3.0, 2.0, 1.0]
    assert engine.counters.frames_in == 2
    heard = [h.address for h in instrument.session.sources.heard.heard()]
    assert "/ZIGSIM/5A1B/extra/accel" in heard


def test_comote_devicemotion_skips_its_interval(receiver, instruments):
    instrument, c = start(instruments, options(receiver, "comote"))
    engine = instrument.session.engine
    assert engine.input_names == ["accel-x", "accel-y", "accel-z", "gyro-z", "gyro-x", "gyro-y"]
    c.send("/comote/42/devicemotion", 16.0, 0.1, 0.2, 9.8, 30.0, 10.0, 20.0)
    c.sync()
    assert engine.last_inputs == pytest.approx([0.1, 0.2, 9.8, 30.0, 10.0, 20.0])


def test_bad_source_values_are_rejected_and_counted_not_recorded(receiver, instruments):
    instrument, c = start(instruments, options(receiver, "sensors2osc"))
    engine = instrument.session.engine
    engine.start_recording()
    c.send("/accelerometer", 0.1, float("nan"), 0.3)
    c.send("/accelerometer", 0.1, "tilt", 0.3)
    c.send("/gyroscope", 0.1)
    c.send("/orientation", 10, 20, 30)  # ints are numbers
    c.sync()
    engine.stop_recording()
    rejected = engine.counters.rejected
    assert rejected == {"not finite": 1, "not a number": 1, "wrong number of values": 1}
    assert len(engine.examples) == 1
    assert engine.last_inputs[6:] == (10, 20, 30)


def test_a_rejected_message_is_shown_with_its_address_escaped(receiver, instruments):
    """ZIG SIM's device segment is a wildcard: whatever a stranger puts there reaches the
    rejection shown in the inputs panel, escaped, never as terminal control codes."""
    instrument, c = start(instruments, options(receiver, "zigsim"))
    c.send("/ZIGSIM/\x1b[2J\x1b]0;pwned\x07/accel", 0.1)  # one value of three
    c.sync()
    detail = instrument.session.engine.counters.last_reject
    assert "carries 1 values" in detail and "\x1b" not in detail and "\x07" not in detail


def test_heard_lists_an_unknown_address_with_its_types_and_rate(receiver, instruments):
    instrument, c = start(instruments, options(receiver, None, inputs=2))
    for _ in range(20):  # 20 messages over about 0.4 s: about 50/s
        c.send("/gyrosc/gyro", 0.1, 0.2, 0.3)
        time.sleep(0.02)
    c.send("/label", "hello")
    c.sync()
    heard = {h.address: h for h in instrument.session.sources.heard.heard()}
    gyro = heard["/gyrosc/gyro"]
    assert (gyro.tags, gyro.count, gyro.numbers) == ("fff", 20, 3)
    assert 20 < gyro.rate < 80, gyro.rate
    assert gyro.values == pytest.approx((0.1, 0.2, 0.3))
    assert heard["/label"].tags == "s" and heard["/label"].numbers == 0
    assert "/test/sync" in heard  # whatever matches nothing, tests' syncs included


def test_heard_is_bounded_and_cheap():
    clock = [0.0]
    tracker = HeardTracker(clock=lambda: clock[0])
    for k in range(100):
        tracker.note(f"/a/{k}", "f", (1.0,))
    tracker.note("/" + "x" * 300, "f", (1.0,))
    assert len(tracker) == 32 and tracker.more == 69
    for k in range(200):  # 100/s for 2 s: the rate of the last whole window
        clock[0] = k * 0.01
        tracker.note("/a/0", "f", (1.0,))
    assert tracker.heard()[0].rate == pytest.approx(100, rel=0.05)
    clock[0] += 10  # silent since
    assert all(h.rate == 0 for h in tracker.heard())


def test_taking_heard_messages_makes_them_the_inputs_and_frames_record(
    tmp_path, receiver, instruments
):
    folder = tmp_path / "learned"
    instrument, c = start(instruments, options(receiver, None, folder, inputs=2))
    session = instrument.session
    c.send("/myphone/tilt", 0.1, 0.2, 0.3)
    c.send("/gyrosc/gyro", 1.0, 2.0, 3.0)  # a known app's: its own names
    c.send("/midi/cc/74", 0.5)
    c.send("/label", "not a number")  # nothing to take
    c.sync()
    names = take_heard(session, ["/myphone/tilt", "/gyrosc/gyro", "/midi/cc/74"])
    assert names == ["pitch", "roll", "yaw", "cc-74", "tilt-1", "tilt-2", "tilt-3"]
    assert session.engine.input_names == names
    c = Client(instrument)  # the same port, a new engine
    engine = session.engine
    engine.start_recording()
    c.send("/myphone/tilt", 0.4, 0.5, 0.6)
    c.send("/midi/cc/74", 0.25)
    c.sync()
    engine.stop_recording()
    assert engine.examples.snapshot().inputs.tolist()[-1] == pytest.approx(
        [0, 0, 0, 0.25, 0.4, 0.5, 0.6]
    )
    session.save()
    doc = json.loads((folder / PROJECT_FILE).read_text())
    assert doc["inputs"]["names"] == names
    assert doc["source"]["type"] == "learned"
    assert doc["source"]["messages"][1] == {"address": "/midi/cc/74", "names": ["cc-74"]}


def test_taking_keeps_what_the_source_already_routes(receiver, instruments):
    instrument, c = start(instruments, options(receiver, "gyrosc"))
    c.send("/gyrosc/gyro", 0.1, 0.2, 0.3)
    c.send("/gyrosc/comp", 270.0)  # the compass: not in the preset
    c.sync()
    assert take_heard(instrument.session) == ["pitch", "roll", "yaw", "comp"]
    spec = instrument.session.sources.spec
    assert spec is not None and spec.label() == "gyrosc (learned)" and spec.phone


def test_taking_is_refused_once_there_are_examples(receiver, instruments):
    instrument, c = start(instruments, options(receiver, None, inputs=2))
    engine = instrument.session.engine
    engine.start_recording()
    c.send("/wek/inputs", 0.1, 0.2)
    c.send("/other/thing", 1.0)
    c.sync()
    engine.stop_recording()
    with pytest.raises(EngineError, match="start a new project"):
        take_heard(instrument.session)
    assert instrument.session.engine is engine and engine.input_names == ["inputs-1", "inputs-2"]


def test_osc_lists_heard_and_takes_them(receiver, instruments):
    instrument, c = start(instruments, options(receiver, None, inputs=2))
    session = instrument.session
    c.send("/fader", 0.5)
    c.sync()
    receiver.drain()
    c.send("/mapper/control/heard")
    listed = []
    for _ in range(10):  # one per address heard (the syncs' too), then the end
        message = receiver.get()
        if message[0] == "/mapper/heard/end":
            break
        listed.append(message)
    assert listed[0][:2] == ("/mapper/heard", "ssff")
    fader = [args for _, _, args in listed if args[0] == "/fader"]
    assert fader[0][1:] == ("f", pytest.approx(fader[0][2]), 1.0)
    assert message[2] == (len(listed), 0.0)
    engine = session.engine
    switches = session.switches
    c.send("/mapper/control/takeHeard", "/fader")
    wait_for(lambda: session.switches > switches)  # counted last, once the switch is whole
    assert session.engine is not engine and session.engine.input_names == ["fader"]
    assert session.switch_news == "inputs taken from the heard messages: fader"
    Client(instrument).send("/fader", 0.75)
    wait_for(lambda: session.engine.last_inputs == (0.75,))


def test_osc_take_with_examples_is_a_control_error(receiver, instruments):
    instrument, c = start(instruments, options(receiver, None, inputs=2))
    engine = instrument.session.engine
    engine.start_recording()
    c.send("/wek/inputs", 0.1, 0.2)
    c.send("/fader", 0.5)
    c.sync()
    engine.stop_recording()
    c.send("/mapper/control/takeHeard")
    wait_for(lambda: engine.counters.control_errors == 1)
    assert "start a new project" in engine.counters.last_control_error


def test_the_source_is_saved_and_reopens(tmp_path, receiver, instruments):
    folder = tmp_path / "phone"
    instrument, _ = start(instruments, options(receiver, "gyrosc", folder))
    instrument.session.save()
    instrument.session.close()
    instruments.clear()
    assert json.loads((folder / PROJECT_FILE).read_text())["source"] == {"type": "gyrosc"}
    again, c = start(instruments, options(receiver, None, folder))  # no --source: its own
    assert again.session.sources.spec == SourceSpec("gyrosc")
    c.send("/gyrosc/gyro", 0.5, 0.5, 0.5)
    c.sync()
    assert again.session.engine.last_inputs[:3] == (0.5, 0.5, 0.5)


def test_an_old_project_without_a_source_opens_and_hears(tmp_path, receiver, instruments):
    folder = tmp_path / "xy"
    shutil.copytree(EXAMPLES / "xy-synth", folder)
    assert "source" not in json.loads((folder / PROJECT_FILE).read_text())
    instrument, c = start(instruments, options(receiver, None, folder))
    assert instrument.session.sources.spec is None and instrument.session.project.source is None
    c.send("/gyrosc/gyro", 0.1, 0.2, 0.3)
    c.sync()
    assert instrument.session.sources.heard.heard()[-1].address == "/gyrosc/gyro"
    instrument.session.save()
    assert "source" not in json.loads((folder / PROJECT_FILE).read_text())


def test_source_option_errors_are_one_clear_line(tmp_path, receiver):
    with pytest.raises(UsageError, match="give gyrosc, zigsim"):
        SourceSpec.parse("gyrOSC")
    with pytest.raises(UsageError, match="drop --inputs"):
        open_instrument(options(receiver, "gyrosc", inputs=3))
    folder = tmp_path / "two"
    shutil.copytree(EXAMPLES / "xy-synth", folder)
    with pytest.raises(UsageError, match="has 2 inputs; --source gyrosc gives 6"):
        open_instrument(options(receiver, "gyrosc", folder))
    doc = json.loads((folder / PROJECT_FILE).read_text())
    doc["source"] = {"type": "gyrosc"}  # 6 inputs for a project of 2
    (folder / PROJECT_FILE).write_text(json.dumps(doc))
    with pytest.raises(ProjectError, match="source: gyrosc gives 6 inputs"):
        load_project(folder)


def test_a_phone_on_loopback_is_told_how_to_reach_it():
    line = where_to_send(SourceSpec("gyrosc"), "127.0.0.1", 6448)
    assert line.startswith("a phone cannot reach 127.0.0.1: add --listen 0.0.0.0:6448")
    assert line.endswith(f"send to {lan_address()}:6448")
    assert where_to_send(SourceSpec("midi"), "127.0.0.1", 6448) == ""
    assert where_to_send(SourceSpec("gyrosc"), "0.0.0.0", 7000).endswith(":7000")


def test_patterns_and_learned_names():
    assert pattern_matches("/ZIGSIM/*/accel", "/ZIGSIM/abc/accel")
    assert not pattern_matches("/ZIGSIM/*/accel", "/ZIGSIM//accel")
    from mapper.sources.heard import Heard

    def h(address: str, tags: str) -> Heard:
        return Heard(address, tags, 1, 1.0, (), 0.0)

    learned = learned_messages([h("/comote/7/devicemotion", "fffffff"), h("/x/pad", "sff")])
    assert learned[0].names == (None, "accel-x", "accel-y", "accel-z", "gyro-z", "gyro-x", "gyro-y")
    assert learned[1].names == (None, "pad-1", "pad-2")
    spec = SourceSpec("learned", None, learned)
    assert SourceSpec.from_doc(spec.to_doc()) == spec


class FakeMidi:
    """A live source as mapper.sources.live opens one: a thread offering CC messages."""

    def __init__(self, offer, count: int) -> None:
        self.stop = threading.Event()
        self.go = threading.Event()  # set by the test once recording
        self.sent = 0

        def run() -> None:
            self.go.wait(5)
            for k in range(count):
                if self.stop.is_set():
                    break
                offer("/midi/cc/1", "f", (k / count,))
                self.sent += 1
                time.sleep(0.0005)

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=2)

    def describe(self) -> str:
        return "MIDI in from 'fake'"


def test_a_live_source_and_osc_frames_record_together(receiver, instruments, monkeypatch):
    opened: list[FakeMidi] = []

    def fake_open(name, arg, offer):
        assert (name, arg) == ("midi", "fake")
        opened.append(FakeMidi(offer, 300))
        return opened[-1]

    monkeypatch.setattr(live_module, "open_live_source", fake_open)
    instrument, c = start(instruments, options(receiver, "midi:fake"))
    assert "reading MIDI in from 'fake'" in instrument.news
    engine = instrument.session.engine
    assert engine.input_names == ["cc-1"]
    engine.start_recording()
    opened[0].go.set()
    for _ in range(100):  # /wek/inputs on the receive thread while the MIDI thread offers
        c.send("/wek/inputs", 2.0)
    opened[0].thread.join(timeout=10)
    c.sync()
    engine.stop_recording()
    inputs = engine.examples.snapshot().inputs[:, 0]
    assert len(inputs) == 100 + opened[0].sent and opened[0].sent == 300
    assert (inputs == 2.0).sum() == 100 and all(math.isfinite(v) for v in inputs)
    instrument.session.close()
    instruments.clear()
    assert opened[0].stop.is_set()  # closed with the session


def test_a_take_beyond_the_limits_is_refused_before_the_switch(receiver, instruments):
    instrument, c = start(instruments, options(receiver, None, inputs=2))
    session, engine = instrument.session, instrument.session.engine
    c.send("/features", *[0.5] * 65)  # 65 numbers: project.json keeps at most 64 per message
    c.sync()
    with pytest.raises(EngineError, match="/features carries 65 values: at most 64 per message"):
        take_heard(session, ["/features"])
    assert session.engine is engine and engine.input_names == ["inputs-1", "inputs-2"]
    c.send("/wek/inputs", 0.25, 0.75)  # it still plays: the same server answers
    c.sync()
    assert engine.last_inputs == (0.25, 0.75)
    assert engine.counters.frames_in == 1
    c.send("/comote/7/devicemotion", 16.0)  # only CoMote's interval: not an input
    c.sync()
    with pytest.raises(EngineError, match="nothing heard carries a number to take"):
        take_heard(session, ["/comote/7/devicemotion"])
    assert session.engine is engine


def test_the_heard_list_makes_room_for_a_new_address_when_full():
    clock = [0.0]
    tracker = HeardTracker(clock=lambda: clock[0])
    for note in range(32):  # 32 keys pressed: the list is full
        clock[0] += 1
        tracker.note(f"/midi/note/{note}", "f", (1.0,))
    clock[0] += 1
    tracker.note("/midi/note/0", "f", (0.0,))  # the first key again: heard lately
    clock[0] += 1
    tracker.note("/midi/cc/74", "f", (0.5,))  # the knob moved then: listed
    heard = [h.address for h in tracker.heard()]
    assert len(heard) == 32 and heard[0] == "/midi/cc/74" and "/midi/note/0" in heard
    assert "/midi/note/1" not in heard  # silent longest: gone, its message counted
    assert tracker.more == 1


def test_a_flood_of_new_addresses_never_pushes_out_the_ones_still_sending():
    """40 faders streaming at once: the first 32 stay listed (each still sends), the other 8
    are counted; every list the h question shows is still there when it is answered."""
    clock = [0.0]
    tracker = HeardTracker(clock=lambda: clock[0])
    for _ in range(3):  # three rounds of 40 faders, 10 ms apart
        for fader in range(40):
            clock[0] += 0.01
            tracker.note(f"/fader/{fader}", "f", (0.5,))
    heard = {h.address for h in tracker.heard()}
    assert heard == {f"/fader/{k}" for k in range(32)}
    assert tracker.more == 3 * 8


def test_a_hostile_source_in_project_json_is_refused_in_one_line(tmp_path, receiver, capsys):
    from mapper.cli.main import main

    folder = tmp_path / "hostile"
    shutil.copytree(EXAMPLES / "xy-synth", folder)
    doc = json.loads((folder / PROJECT_FILE).read_text())
    escape = "\x1b]0;pwned\x07\x1b[2J"
    sources = [
        {"type": "learned", "messages": [{"address": "/x", "names": ["a" + escape, "b"]}]},
        {"type": "learned", "messages": [{"address": "/x" + escape, "names": ["a", "b"]}]},
        {"type": "midi", "port": "nano" + escape},
    ]
    for source in sources:
        doc["source"] = source
        (folder / PROJECT_FILE).write_text(json.dumps(doc))
        with pytest.raises(ProjectError, match="source: ") as refused:
            load_project(folder)
        assert "\x1b" not in str(refused.value) and "\n" not in str(refused.value)
        argv = ["headless", str(folder), "--listen", "127.0.0.1:0"]
        assert main([*argv, "--send", f"127.0.0.1:{receiver.port}"]) != 0
        out, err = capsys.readouterr()
        assert "\x1b" not in out + err and "\x07" not in out + err
        assert "source: " in err and len(err.strip().splitlines()) == 1, err
