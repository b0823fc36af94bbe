"""The TUI driven with Textual's Pilot: the whole record -> train -> run loop, with a real OSC
sensor on loopback and with the XY pad, and each action a performer reaches by key."""

from __future__ import annotations

import html
import re
import time
from pathlib import Path

import pytest
from pythonosc.udp_client import SimpleUDPClient

from mapper.core.engine import Mode, ModelState
from mapper.project import load_project
from mapper.session.demos import demo_project
from tests.tui_helpers import app_for, app_on, record, small_project, until
from tui.dialogs.ask_folder import AskFolder
from tui.dialogs.confirm import Confirm
from tui.keys import MAIN_KEYS, display
from tui.screens.examples import ExamplesScreen
from tui.screens.model import ModelScreen
from tui.screens.new_project import NewProjectScreen
from tui.widgets.inputs_panel import InputsPanel
from tui.widgets.outputs_panel import OutputsPanel
from tui.widgets.title_bar import StatusBar
from tui.widgets.xypad import XYPad

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def latest_outputs(receiver, listen: float = 0.3) -> tuple:
    """The newest /wek/outputs of a steady stream (the pad streams while running)."""
    deadline = time.monotonic() + listen
    newest: tuple = ()
    for _ in range(10_000):
        if time.monotonic() > deadline and newest:
            return newest
        address, _, args = receiver.get(timeout=3.0)
        if address == "/wek/outputs":
            newest = args
    return newest


async def test_record_train_run_with_an_osc_sensor(receiver, tmp_path):
    app = app_on(small_project(receiver.port), tmp_path / "theremin")
    async with app.run_test(size=(100, 30)) as pilot:
        engine = app.engine
        sensor = SimpleUDPClient("127.0.0.1", app.session.listen_address[1])
        for pose, presses, value in (((0.1, 0.1), "left", 0.0), ((0.9, 0.9), "right", 1.0)):
            await pilot.press(*[f"shift+{presses}"] * 10)  # the level slider, by keyboard
            assert engine.values[0] == pytest.approx(value)
            before = len(engine.examples)
            await pilot.press("r")
            assert engine.mode is Mode.RECORDING
            assert "RECORDING" in str(app.query_one(StatusBar).content)  # shown at once
            for _ in range(10):
                sensor.send_message("/wek/inputs", list(pose))
            await until(pilot, lambda before=before: len(engine.examples) == before + 10)
            await pilot.press("r")
            assert engine.mode is Mode.IDLE
        await pilot.press("t")
        await until(pilot, lambda: engine.model_states[0] is ModelState.TRAINED)
        await pilot.press("p")
        assert engine.mode is Mode.RUNNING
        for pose, value in (((0.12, 0.1), 0.0), ((0.88, 0.9), 1.0)):
            receiver.drain()
            sensor.send_message("/wek/inputs", list(pose))
            assert receiver.get_address("/wek/outputs")[2][0] == pytest.approx(value)


async def test_record_train_run_with_the_xy_pad_alone(receiver):
    project, rows = demo_project()
    project.osc.listen_port, project.osc.send_port = 0, receiver.port
    app = app_for((project, rows), pad_on=True)
    async with app.run_test(size=(100, 30)) as pilot:
        engine = app.engine
        await until(pilot, lambda: engine.counters.frames_in > 5)  # the pad streams at once
        pad = app.query_one(XYPad)
        w, h = pad.content_size.width, pad.content_size.height
        corners = {"low": (1, h), "high": (w, 1)}  # offsets inside the border
        for corner, key in (("low", "shift+left"), ("high", "shift+right")):
            await pilot.click(XYPad, offset=corners[corner])
            await until(pilot, lambda c=corner: (engine.last_inputs[0] > 0.9) == (c == "high"))
            app.query_one("#outputs").focus()
            await pilot.press(*[key] * 10)  # pitch to 0 or 1
            await pilot.press("r")  # the demo records 2-second takes
            await until(pilot, lambda: engine.mode is Mode.RECORDING)
            await until(pilot, lambda: engine.mode is Mode.IDLE, timeout=5)
        assert len(engine.examples) > 100
        assert [r for r, _, _ in pad.rounds] == [1, 2]
        await pilot.press("t")
        await until(pilot, lambda: engine.model_states[0] is ModelState.TRAINED)
        await pilot.press("p")
        for corner, value in (("low", 0.0), ("high", 1.0)):
            await pilot.click(XYPad, offset=corners[corner])
            await pilot.pause(0.3)  # the demo glides over 0.05 s
            assert latest_outputs(receiver)[0] == pytest.approx(value, abs=0.05)


async def test_rejected_frames_show_a_warning_with_the_reason(receiver):
    app = app_on(small_project(receiver.port), None)
    async with app.run_test(size=(100, 30)) as pilot:
        sensor = SimpleUDPClient("127.0.0.1", app.session.listen_address[1])
        sensor.send_message("/wek/inputs", [0.1, 0.2, 0.3])
        await until(
            pilot, lambda: "wrong number of inputs" in str(app.query_one(InputsPanel).content)
        )
        assert "1 frames rejected" in str(app.query_one(InputsPanel).content)


async def test_deleting_asks_first_and_rounds_come_back(receiver):
    app = app_on(small_project(receiver.port), None)
    async with app.run_test(size=(100, 30)) as pilot:
        engine = app.engine
        for _ in range(2):
            record(engine, engine.values, [[0.5, 0.5]])
        await pilot.press("D")
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")
        assert len(engine.examples) == 2
        await pilot.press("u")
        assert engine.examples.snapshot().rounds.tolist() == [1]
        await pilot.press("U")
        assert engine.examples.snapshot().rounds.tolist() == [1, 2]
        await pilot.press("D", "y")
        assert len(engine.examples) == 0


async def test_examples_screen_deletes_rows_and_rounds(receiver):
    app = app_on(small_project(receiver.port), None)
    async with app.run_test(size=(100, 30)) as pilot:
        engine = app.engine
        for round_ in range(2):
            record(engine, [0.2 + 0.6 * round_, 1.0 + round_], [[0.1 * k, 0.5] for k in range(3)])
        engine.train()
        await until(pilot, lambda: engine.model_states[0] is ModelState.TRAINED)
        await pilot.press("e")
        assert isinstance(app.screen, ExamplesScreen)
        table = app.screen.query_one("DataTable")
        assert table.row_count == 6
        await pilot.press("d")
        assert len(engine.examples) == 5 and table.row_count == 5
        assert engine.model_states[0] is ModelState.STALE  # shown as "needs retraining"
        await pilot.press("D")  # the cursor's round (1, now 2 rows)
        assert engine.examples.snapshot().rounds.tolist() == [2, 2, 2]
        await pilot.press("escape")
        await pilot.press("U")  # back on the main screen: the round comes back
        assert len(engine.examples) == 5


async def test_the_main_screens_keys_act_on_the_main_screen_only(receiver):
    app = app_on(small_project(receiver.port), None)
    async with app.run_test(size=(100, 30)) as pilot:
        engine = app.engine
        await pilot.press("e")
        assert isinstance(app.screen, ExamplesScreen)
        await pilot.press("r", "p")  # record, run: not keys of the examples screen
        assert engine.mode is Mode.IDLE and isinstance(app.screen, ExamplesScreen)
        await pilot.press("escape", "r")  # back on the main screen, with its keys
        assert engine.mode is Mode.RECORDING
        assert "RECORDING" in str(app.query_one(StatusBar).content)


async def test_enter_on_the_outputs_panel_opens_model_settings(receiver):
    """Enter on the outputs panel (tui.keys.PANEL_KEYS) opens the selected output's model."""
    app = app_on(small_project(receiver.port), None)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.session is not None)
        app.main.query_one(OutputsPanel).focus()
        await pilot.press("down", "enter")
        assert isinstance(app.screen, ModelScreen)
        title = str(app.screen.query_one("#model-title").content)
        assert "pose" in title  # the second output's settings
        await pilot.press("escape")
        assert app.screen is app.main


async def test_model_settings_apply_and_evaluate(receiver):
    app = app_on(small_project(receiver.port), None)
    async with app.run_test(size=(100, 40)) as pilot:
        engine = app.engine
        for k in range(10):
            record(engine, [0.1 * k, 1.0], [[0.1 * k, 0.0]])
        await pilot.press("m")
        assert isinstance(app.screen, ModelScreen)
        app.screen.query_one("#param-k").value = "2"
        app.screen.query_one("#max").value = "10"
        await pilot.press("ctrl+a")
        assert engine.outputs[0].model == {"type": "knn", "k": 2, "weighted": False}
        assert engine.outputs[0].max == 10.0
        app.screen.query_one("#param-k").value = "zero"
        await pilot.press("ctrl+a")
        assert "must be" in str(app.screen.query_one("#problem").content)
        await pilot.press("ctrl+e")
        await until(pilot, lambda: "RMS error" in str(app.screen.query_one("#evaluation").content))


async def test_save_and_save_as(receiver, tmp_path):
    app = app_on(small_project(receiver.port), None)
    async with app.run_test(size=(100, 30)) as pilot:
        engine = app.engine
        record(engine, engine.values, [[0.3, 0.4]])
        await pilot.press("ctrl+s")  # no folder yet: asks for one
        assert isinstance(app.screen, AskFolder)
        app.screen.query_one("Input").value = str(tmp_path / "kept")
        await pilot.press("enter")
        project, rows = load_project(tmp_path / "kept")
        assert rows.inputs.tolist() == [[0.3, 0.4]]
        assert project.name == "kept"
        record(engine, engine.values, [[0.5, 0.6]])
        await pilot.press("ctrl+s")
        assert len(load_project(tmp_path / "kept")[1]) == 2


async def test_a_new_folder_asks_for_the_project_then_plays(receiver, tmp_path):
    folder = tmp_path / "fresh"
    app = app_for(None, folder)
    async with app.run_test(size=(100, 30)) as pilot:
        assert isinstance(app.screen, NewProjectScreen)
        app.screen.query_one("#inputs").value = "3"
        app.screen.query_one("#outputs").value = "2"
        await pilot.press("ctrl+n")
        await until(pilot, lambda: app.session is not None)
        assert app.engine.n_inputs == 3 and app.engine.n_outputs == 2
        assert (folder / "project.json").exists()


def test_the_readme_lists_every_key():
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    for key, _, _, _ in MAIN_KEYS:
        assert re.search(rf"`{re.escape(display(key))}`", readme), f"README lacks key {key}"


async def test_help_lists_every_key_and_the_palette_runs_actions(receiver):
    app = app_on(small_project(receiver.port), None)
    async with app.run_test(size=(120, 70)) as pilot:
        await pilot.press("question_mark")
        shown = html.unescape(re.sub(r"<[^>]+>", "", app.export_screenshot())).replace("\xa0", " ")
        for _, _, _, description in MAIN_KEYS:
            assert description[:40] in shown
        await pilot.press("escape")
        before = list(app.engine.values)
        for _ in range(5):  # random values: five tries to differ from the start
            await pilot.press("ctrl+p")
            await pilot.press(*"random output values")
            await pilot.press("enter")
            await pilot.pause(0.2)
            if app.engine.values != before:
                break
        assert app.engine.values != before


async def test_the_drums_demo_shows_the_pattern_and_the_keys_play_it(receiver):
    from mapper.session.demos import drum_demo_project
    from tui.widgets.drums import DrumPanel

    project, rows = drum_demo_project(100.0)
    project.osc.listen_port, project.osc.send_port = 0, receiver.port
    app = app_for((project, rows), None, "--generator", "rhythm", "--bpm", "100", "--device", "cpu")
    async with app.run_test(size=(100, 40)) as pilot:
        player = app.session.player
        assert player is not None and player.playing
        panel = app.query_one(DrumPanel)
        await until(pilot, lambda: panel.display and "kick" in str(panel.content))
        assert all(voice in str(panel.content) for voice in player.voices)
        assert "100 BPM" in str(panel.border_title)
        await pilot.press("right_square_bracket")
        assert player.bpm == 105.0
        assert app.session.project.generator["bpm"] == 105.0  # saved with the project
        await pilot.press("b")
        assert not player.playing
        await pilot.press("b")
        assert player.playing
        assert receiver.get_address("/mapper/rhythm/hit", timeout=5)[0] == "/mapper/rhythm/hit"


async def test_open_replaces_the_project_on_the_same_port_and_asks_before_dropping(
    receiver, tmp_path
):
    from mapper.core.engine import Engine
    from mapper.core.outputs import make_outputs
    from mapper.project import Project, project_from_engine, save_project

    other = Engine(["a", "b", "c"], make_outputs(1))
    record(other, [0.5], [[0.1, 0.2, 0.3]])
    base = Project("other", other.input_names, other.outputs)
    save_project(tmp_path / "other", project_from_engine(other, base), other.examples.snapshot())
    app = app_on(small_project(receiver.port), None)
    async with app.run_test(size=(100, 30)) as pilot:
        port = app.session.listen_address[1]
        record(app.engine, app.engine.values, [[0.3, 0.4]])  # the demo-like project: unsaved
        await pilot.press("ctrl+o")
        app.screen.query_one("Input").value = str(tmp_path / "other")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, Confirm))  # 1 unsaved would go
        await pilot.press("y")
        await until(pilot, lambda: app.engine.n_inputs == 3)
        assert app.session.listen_address[1] == port
        assert len(app.engine.examples) == 1
        assert app.query_one(OutputsPanel).engine is app.engine  # redrawn with it at once


async def test_quit_keeps_playing_when_the_save_fails(receiver, tmp_path):
    import shutil

    folder = tmp_path / "theremin"
    app = app_on(small_project(receiver.port), folder)
    async with app.run_test(size=(100, 30)) as pilot:
        record(app.engine, app.engine.values, [[0.3, 0.4]])
        app.session.saver.stop()  # the journal would notice the folder going
        shutil.rmtree(folder)
        folder.write_text("not a folder any more")  # every save now fails
        await pilot.press("ctrl+q")
        await pilot.pause(0.2)
        assert app.is_running and app.session is not None  # nothing lost, still playing
        assert any("could not save" in n.message for n in app._notifications)


async def test_the_arrow_keys_move_a_slider_by_round_steps(receiver):
    """Seven presses of right from 0.5 make 0.57 (what a musician reads and what the project
    saves), not 0.5700000000000001 (seven float additions)."""
    app = app_on(small_project(receiver.port), None)
    async with app.run_test(size=(100, 30)) as pilot:
        engine = app.engine
        engine.set_values([0.5, *engine.values[1:]], send=False)
        await pilot.press(*["right"] * 7)
        assert repr(engine.values[0]) == "0.57"
        await pilot.press(*["shift+left"] * 3)
        assert repr(engine.values[0]) == "0.27"


async def test_the_pad_moves_by_round_steps_too(receiver):
    """The XY pad's keyboard steps land on 0.6, not 0.6000000000000001 (five float additions):
    what it records is what a musician reads in examples.csv."""
    from tui.widgets.xypad import XYPad

    app = app_on(small_project(receiver.port), None)
    async with app.run_test(size=(100, 30)) as pilot:
        pad = app.query_one(XYPad)
        pad.set_position(0.5, 0.5)
        pad.focus()
        await pilot.press(*["right"] * 5)
        assert repr(pad.x) == "0.6" and pad.y == 0.5
