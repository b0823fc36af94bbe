"""The TUI over sensor sources: the inputs panel lists what is heard but matches nothing
(address, types, rate), `h` takes it as the inputs after a yes (refused with examples), and the
new-project form's sensor source gives the project the source's named inputs. Textual's Pilot
on a real session; real UDP from a python-osc client."""

from __future__ import annotations

import json
import threading

from pythonosc.udp_client import SimpleUDPClient

import mapper.session.learning as learning
from mapper.project import PROJECT_FILE
from mapper.sources.heard import Heard
from tui.dialogs.confirm import Confirm
from tui.screens.new_project import NewProjectScreen
from tui.widgets.inputs_panel import InputsPanel, heard_lines

from .tui_helpers import app_for, app_on, small_project, until


async def test_heard_messages_are_listed_and_h_takes_them(receiver):
    app = app_on(small_project(receiver.port), None)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.session is not None)
        session = app.session
        assert session is not None
        client = SimpleUDPClient("127.0.0.1", session.listen_address[1])
        panel = app.query_one(InputsPanel)

        def shown() -> bool:
            client.send_message("/gyrosc/gyro", [0.1, 0.2, 0.3])
            return "heard /gyrosc/gyro fff" in str(panel.content)

        await until(pilot, shown)
        text = str(panel.content)
        assert "/s" in text and "h takes them as the inputs" in text  # (not an input): if room
        await pilot.pause(0.3)  # the log's warning, if any, reaches the app on its next tick
        notes = [n.message for n in app._notifications]
        assert not [m for m in notes if "gyrosc" in m], notes  # listed, not notified again
        await pilot.press("h")
        await pilot.press("n")  # no: nothing changes
        assert app.engine.input_names == ["tilt", "roll"]
        await pilot.press("h")
        await pilot.press("y")
        await until(pilot, lambda: app.engine.input_names == ["pitch", "roll", "yaw"])
        client = SimpleUDPClient("127.0.0.1", session.listen_address[1])  # same port
        client.send_message("/gyrosc/gyro", [0.5, 0.6, 0.7])
        await until(pilot, lambda: "0.500" in str(panel.content))
        assert "heard /gyrosc/gyro" not in str(panel.content)


async def test_h_is_refused_once_there_are_examples(receiver):
    app = app_on(small_project(receiver.port), None)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.session is not None)
        engine = app.engine
        engine.start_recording()
        engine.process_frame([0.1, 0.2])
        engine.stop_recording()
        assert app.session is not None
        client = SimpleUDPClient("127.0.0.1", app.session.listen_address[1])

        def heard() -> bool:
            client.send_message("/fader", [0.5])
            return bool(app.session and app.session.sources.heard.heard())

        await until(pilot, heard)
        await pilot.press("h")
        await pilot.pause(0.1)
        assert app.engine is engine and app.screen is app.main  # no question asked
        assert any("start a new project" in n.message for n in app._notifications)


async def test_the_new_project_form_takes_a_sensor_source(tmp_path, receiver):
    folder = tmp_path / "phone"
    app = app_for(None, folder, "--send", f"127.0.0.1:{receiver.port}", "--listen", ":0")
    async with app.run_test(size=(100, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, NewProjectScreen))
        app.screen.query_one("#source").value = "comote"
        app.screen.query_one("#inputs").value = "not read with a source"
        await pilot.press("ctrl+n")
        await until(pilot, lambda: app.session is not None)
        names = ["accel-x", "accel-y", "accel-z", "gyro-z", "gyro-x", "gyro-y"]
        assert app.engine.input_names == names
        doc = json.loads((folder / PROJECT_FILE).read_text())
        assert doc["source"] == {"type": "comote"} and doc["inputs"]["names"] == names


async def test_source_on_the_command_line_is_chosen_in_the_form(tmp_path, receiver):
    folder = tmp_path / "pad"
    argv = ("--send", f"127.0.0.1:{receiver.port}", "--listen", ":0", "--source", "gyrosc")
    app = app_for(None, folder, *argv)
    async with app.run_test(size=(100, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, NewProjectScreen))
        assert app.screen.query_one("#source").value == "gyrosc"
        await pilot.press("ctrl+n")
        await until(pilot, lambda: app.session is not None)
        assert app.engine.input_names[:3] == ["pitch", "roll", "yaw"]
        notes = [n.message for n in app._notifications]
        assert any("a phone cannot reach 127.0.0.1" in n for n in notes), notes


async def test_h_takes_what_it_asked_about_off_the_ui_thread(receiver, monkeypatch):
    taken: list[tuple[str, list[str] | None]] = []
    take_heard = learning.take_heard

    def spy(session, addresses=None):  # where it runs, and what it was asked to take
        taken.append((threading.current_thread().name, addresses))
        return take_heard(session, addresses)

    monkeypatch.setattr(learning, "take_heard", spy)
    app = app_on(small_project(receiver.port), None)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.session is not None)
        session = app.session
        assert session is not None
        client = SimpleUDPClient("127.0.0.1", session.listen_address[1])

        def heard(address: str) -> bool:
            client.send_message(address, [0.1, 0.2, 0.3][: 3 if "gyro" in address else 1])
            return any(h.address == address for h in session.sources.heard.heard())

        await until(pilot, lambda: heard("/gyrosc/gyro"))
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        await until(pilot, lambda: heard("/fader"))  # arrives while the question is asked
        await pilot.press("y")
        await until(pilot, lambda: app.engine.input_names != ["tilt", "roll"])
        assert app.engine.input_names == ["pitch", "roll", "yaw"]  # not the fader
        assert taken == [(taken[0][0], ["/gyrosc/gyro"])]
        assert taken[0][0] != threading.main_thread().name
        await until(pilot, lambda: any("inputs taken" in n.message for n in app._notifications))
        assert any(h.address == "/fader" for h in session.sources.heard.heard())  # still heard


def test_the_heard_lines_offer_h_only_when_a_number_was_heard():
    label = Heard("/label", "s", 3, 1.0, ("hi",), 0.1)
    fader = Heard("/fader", "f", 3, 1.0, (0.5,), 0.1)
    assert heard_lines([label], 80) == ["heard /label s 1/s (not an input)"]
    assert heard_lines([label, fader], 80)[-1] == "h takes them as the inputs"
    assert heard_lines([label] * 3, 80)[-1] == "+1 more"
