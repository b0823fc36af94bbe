"""Temporal gestures (DTW) in the TUI, driven with Textual's Pilot: takes recorded with the keys
from a real OSC sensor on loopback, their counts shown, the match meter, the matched row and the
following while running, the threshold and progress keys, the examples screen's takes, the
new-project form's dtw type; and snapshots of the main and examples screens of a DTW project
(each snapshot's docstring says what a reviewer should see in its SVG)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from pythonosc.udp_client import SimpleUDPClient
from textual import events

from mapper.core.engine import Engine, Mode
from mapper.core.examples import ExampleStore
from mapper.core.gestures import DEFAULT_THRESHOLD, GestureTake
from mapper.osc.settings import OSCSettings
from mapper.project import Project
from mapper.session.opening import gesture_project
from mapper.session.options import NewProjectOptions
from tests.test_tui_snapshots import utc  # noqa: F401 (a fixture: times in UTC)
from tests.tui_helpers import app_for, until
from tui.actions.gestures import FIRST_REPEAT, threshold_step
from tui.app import MapperApp
from tui.dialogs.confirm import Confirm
from tui.screens.examples import ExamplesScreen
from tui.screens.new_project import NewProjectScreen
from tui.widgets.gestures_panel import GesturesPanel
from tui.widgets.outputs_panel import OutputsPanel
from tui.widgets.takes_table import TakesTable
from tui.widgets.title_bar import StatusBar
from tui.widgets.xypad import XYPad

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
T0 = 1_780_000_000.0  # a fixed moment for the takes' times
FRAMES = 30


def shape(k: int, n: int = FRAMES) -> list[list[float]]:
    """Gesture k's frames: 0 a circle, 1 a rising diagonal, 2 a falling one."""
    t = np.linspace(0.0, 1.0, n)
    if k == 0:
        xy = np.stack([0.5 + 0.4 * np.cos(2 * math.pi * t), 0.5 + 0.4 * np.sin(2 * math.pi * t)])
    elif k == 1:
        xy = np.stack([0.1 + 0.8 * t, 0.1 + 0.8 * t])
    else:
        xy = np.stack([0.9 - 0.8 * t, 0.1 + 0.8 * t])
    return xy.T.tolist()


def dtw_project(send_port: int, outputs: int = 0, listen_port: int = 0) -> Project:
    """Two inputs and one set of three gestures (output_1..3); with `outputs`, that many
    continuous outputs and the set (gestures_1..3) beside them."""
    new = NewProjectOptions(2, outputs or None, None if outputs else "dtw", gestures=3)
    project = gesture_project("strokes", new)
    project.osc = OSCSettings(listen_port=listen_port, send_port=send_port)
    project.transport = {"count_in": 0.0, "record_for": 0.0, "smoothing": 0.0}
    return project


def dtw_app(send_port: int, outputs: int = 0, listen_port: int = 0) -> MapperApp:
    project = dtw_project(send_port, outputs, listen_port)
    return app_for((project, ExampleStore(2, len(project.outputs)).snapshot()))


def taught(engine: Engine, counts: tuple[int, ...] = (2, 2, 2)) -> None:
    """Takes of each gesture (its shape, a little slower each time), recorded at T0 on."""
    takes, take_id = [], 1
    for k, n in enumerate(counts):
        for rep in range(n):
            frames = np.array(shape(k, FRAMES + 4 * rep))
            takes.append(GestureTake(take_id, 0, k, frames, T0 + 10 * take_id))
            take_id += 1
    engine.gestures.add(takes)


def panel_text(app: MapperApp) -> str:
    return app.main.query_one(GesturesPanel).content.plain


def row(app: MapperApp, name: str) -> str:
    return next(line for line in panel_text(app).splitlines() if f" {name} " in line)


def takes_shown(app: MapperApp, name: str) -> str:
    """The take count on gesture `name`'s row."""
    return row(app, name).split(f" {name} ", 1)[1].split()[0]


async def test_takes_are_recorded_with_space_from_a_real_sensor(receiver):
    app = dtw_app(receiver.port)
    async with app.run_test(size=(100, 30)) as pilot:
        engine = app.engine
        panel = app.query_one(GesturesPanel)
        assert panel.display and panel.has_focus  # gestures alone: in the outputs' place
        assert not app.query_one(OutputsPanel).display
        sensor = SimpleUDPClient("127.0.0.1", app.session.listen_address[1])
        for k in (0, 0, 1):
            await pilot.press(*(["down"] if k and panel.selected != k else []))
            await pilot.pause(FIRST_REPEAT)
            await pilot.press("space")
            assert engine.mode is Mode.RECORDING_GESTURE and engine.gestures.taking == k
            assert f"RECORDING gesture {k + 1}" in str(app.query_one(StatusBar).content)
            before = engine.counters.frames_in
            for frame in shape(k):
                sensor.send_message("/wek/inputs", frame)
            await until(pilot, lambda b=before: engine.counters.frames_in == b + FRAMES)
            await until(pilot, lambda: f"● recording {FRAMES} frames" in panel_text(app))
            await pilot.pause(FIRST_REPEAT)
            await pilot.press("space")
            assert engine.mode is Mode.IDLE
        assert engine.gestures.counts() == [2, 1, 0]
        assert [len(t.frames) for t in engine.gestures.takes] == [FRAMES] * 3
        assert takes_shown(app, "output_1") == "2" and takes_shown(app, "output_2") == "1"
        assert "no takes" in row(app, "output_3")
        await until(pilot, lambda: "recorded gesture 2: 30 frames" in messages(app))


def messages(app: MapperApp) -> str:
    return " | ".join(str(n.message) for n in app._notifications)


async def test_a_held_key_records_until_it_is_let_go(receiver):
    """Terminals send no key release: a held space bar is one press, then after the
    terminal's repeat delay a repeat every few hundredths of a second. The take records for as
    long as the repeats come, and stops when they stop (the key let go)."""
    app = dtw_app(receiver.port)
    async with app.run_test(size=(100, 30)) as pilot:
        engine = app.engine
        await pilot.pause(FIRST_REPEAT)
        app.post_message(events.Key("space", " "))
        await pilot.pause(0.45)  # the repeat delay
        assert engine.mode is Mode.RECORDING_GESTURE
        frames = iter(shape(0))
        for _ in range(30):  # a second of repeats, 33 ms apart, frames arriving meanwhile
            app.post_message(events.Key("space", " "))
            engine.process_frame(next(frames))
            await pilot.pause(0.033)
        assert engine.mode is Mode.RECORDING_GESTURE  # still held: still recording
        await until(pilot, lambda: engine.mode is Mode.IDLE)  # let go: stopped
        assert engine.gestures.counts() == [1, 0, 0]
        assert len(engine.gestures.takes[0].frames) == 30


async def test_press_perform_press_and_r_stops_a_take_too(receiver):
    app = dtw_app(receiver.port)
    async with app.run_test(size=(100, 30)) as pilot:
        engine = app.engine
        await pilot.pause(FIRST_REPEAT)
        await pilot.press("space")
        for frame in shape(0):
            engine.process_frame(frame)
        await pilot.pause(FIRST_REPEAT)  # a performance longer than a repeat delay
        assert engine.mode is Mode.RECORDING_GESTURE
        await pilot.press("space")
        assert engine.mode is Mode.IDLE and engine.gestures.counts() == [1, 0, 0]
        await pilot.pause(0.3)  # the stopping key's first repeat starts nothing
        app.post_message(events.Key("space", " "))
        await pilot.pause(0.1)
        assert engine.mode is Mode.IDLE
        await pilot.pause(FIRST_REPEAT)
        await pilot.press("space")
        for frame in shape(1):
            engine.process_frame(frame)
        await pilot.press("r")  # r stops a gesture's take as it stops a round
        assert engine.mode is Mode.IDLE and engine.gestures.counts() == [2, 0, 0]


async def test_running_shows_the_meter_the_match_and_the_following(receiver):
    app = dtw_app(receiver.port)
    async with app.run_test(size=(100, 30)) as pilot:
        engine = app.engine
        taught(engine)
        await pilot.press("p")
        assert engine.mode is Mode.RUNNING
        stroke = shape(1)
        for frame in stroke[:10]:
            engine.process_frame(frame)
        await until(pilot, lambda: "▶" in row(app, "output_2"))
        early = int(row(app, "output_2").rsplit(None, 1)[1].rstrip("%"))
        for frame in stroke[10:]:
            engine.process_frame(frame)
        engine.process_frame(stroke[-1])  # the sensor goes on: the gesture has ended
        assert engine.gestures.matched() == [1]
        receiver.get_address("/output_2")  # the match, sent as Wekinator does
        await until(pilot, lambda: "◆" in row(app, "output_2"))
        late = int(row(app, "output_2").rsplit(None, 1)[1].rstrip("%"))
        assert early < late and late >= 80
        assert "◆ output_2" in str(app.query_one(StatusBar).content)
        matched, other = row(app, "output_2"), row(app, "output_3")
        assert matched.count("█") > other.count("█")  # closer: a fuller meter
        assert "◆" not in row(app, "output_1") and "◆" not in other
        cost = float(re.findall(r"[█░┃]\s+([\d.]+)", matched)[0])
        assert cost < engine.gestures.sets[0].threshold


async def test_threshold_and_progress_keys(receiver):
    app = dtw_app(receiver.port)
    async with app.run_test(size=(100, 30)) as pilot:
        engine = app.engine
        taught(engine)
        assert engine.gestures.sets[0].threshold == pytest.approx(DEFAULT_THRESHOLD)
        await pilot.press("plus")
        assert engine.gestures.sets[0].threshold == pytest.approx(DEFAULT_THRESHOLD + 0.05)
        await pilot.press("minus", "minus", "minus")
        assert engine.gestures.sets[0].threshold == pytest.approx(DEFAULT_THRESHOLD - 0.1)
        shown = f"threshold {DEFAULT_THRESHOLD - 0.1:.2f}"
        assert shown in panel_text(app)
        assert shown in str(app.query_one(GesturesPanel).border_title)
        assert threshold_step(0.95, 1) == pytest.approx(1.0)
        assert threshold_step(1.0, 1) == pytest.approx(1.1)
        assert threshold_step(0.0, -1) == 0.0
        await pilot.press("f")
        assert engine.gestures.send_progress
        assert "f progress: on" in str(app.query_one(GesturesPanel).border_subtitle)
        await pilot.press("p")
        receiver.drain()
        engine.process_frame(shape(0)[0])
        _, _, args = receiver.get_address("/mapper/dtw/progress")
        assert len(args) == 3
        await pilot.press("f")
        assert not engine.gestures.send_progress


async def test_the_examples_screen_lists_and_deletes_takes(receiver):
    app = dtw_app(receiver.port)
    async with app.run_test(size=(100, 30)) as pilot:
        engine = app.engine
        taught(engine, (2, 1, 0))
        await pilot.press("e")
        assert isinstance(app.screen, ExamplesScreen)
        table = app.screen.query_one(TakesTable)
        assert table.has_focus and table.row_count == 3
        assert [str(table.get_row_at(r)[0]) for r in range(3)] == ["output_1"] * 2 + ["output_2"]
        assert str(table.get_row_at(0)[2]) == str(FRAMES)
        await pilot.press("d")  # the first take, at once (as an example row is)
        assert [t.id for t in engine.gestures.takes] == [2, 3] and table.row_count == 2
        await pilot.press("D")  # every take of output_1: asked first
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        assert engine.gestures.counts() == [0, 1, 0] and table.row_count == 1
        assert "1 gesture take (2 gestures have none)" in str(
            app.screen.query_one("#takes-summary").render()
        )


async def test_outputs_and_gestures_side_by_side_at_80x24(receiver):
    """A project with outputs and a gesture set: the gestures under the outputs, the XY pad
    keeps 8 rows; tab reaches the gestures, whose d deletes the selected gesture's takes."""
    app = dtw_app(receiver.port, outputs=2)
    async with app.run_test(size=(80, 24)) as pilot:
        engine = app.engine
        taught(engine, (1, 2, 0))
        await pilot.pause(0.3)
        outputs, gestures = app.query_one(OutputsPanel), app.query_one(GesturesPanel)
        assert outputs.display and gestures.display and outputs.has_focus
        assert outputs.region.bottom <= gestures.region.y
        assert app.query_one(XYPad).content_size.height >= 8
        assert "gestures_2" in panel_text(app) and "gestures_3" in panel_text(app)
        gestures.focus()
        await pilot.press("down", "d")
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        assert engine.gestures.counts() == [1, 0, 0]
        await pilot.press("r")  # r still records the outputs
        assert engine.mode is Mode.RECORDING


async def test_a_project_of_gestures_alone_refuses_the_output_keys_politely(receiver):
    app = dtw_app(receiver.port)
    async with app.run_test(size=(80, 24)) as pilot:
        for key in ("r", "x", "m", "v", "R", "P", "T", "t", "enter", "up", "left", "1"):
            await pilot.press(key)
            await pilot.pause(0.05)
        assert app.is_running and app.screen is app.main
        assert "space records the selected gesture" in messages(app)


async def test_the_new_project_form_makes_a_dtw_project(tmp_path, receiver):
    app = app_for(None, tmp_path / "strokes", "--send", f"127.0.0.1:{receiver.port}")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, NewProjectScreen))
        form = app.screen
        form.query_one("#kind").value = "dtw"
        await pilot.pause()
        assert str(form.query_one("#outputs-label").render()) == "gesture sets"
        assert form.query_one("#outputs").value == "1"  # one set of three, as headless
        assert form.query_one("#gestures").value == "3"
        assert form.query_one("#model").disabled
        form.query_one("#gestures").value = "4"
        await pilot.press("ctrl+n")
        await until(pilot, lambda: app.session is not None)
        e = app.engine
        assert e.n_outputs == 0 and e.gestures.names() == [f"output_{k}" for k in range(1, 5)]
        assert app.session.osc.send_port == receiver.port
        await until(pilot, lambda: "output_4" in panel_text(app))


async def test_the_new_project_form_puts_gestures_beside_outputs(tmp_path, receiver):
    app = app_for(None, tmp_path / "both", "--send", f"127.0.0.1:{receiver.port}")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, NewProjectScreen))
        app.screen.query_one("#outputs").value = "2"
        app.screen.query_one("#gestures").value = "2"
        await pilot.press("ctrl+n")
        await until(pilot, lambda: app.session is not None)
        assert app.engine.n_outputs == 2 and app.engine.gestures.count == 2


# ---- snapshots ----------------------------------------------------------------------------
def snapshot_app() -> MapperApp:
    """Gestures alone: output_1 with 2 takes, output_2 with 1, output_3 none; fixed ports."""
    return dtw_app(9, listen_port=46451)


async def taught_and_settled(pilot) -> None:
    """The takes added (fixed times), the panel showing them, every notification gone."""
    app = pilot.app
    await until(pilot, lambda: app.session is not None and bool(app.main.query(GesturesPanel)))
    taught(app.engine, (2, 1, 0))
    await until(pilot, lambda: takes_shown(app, "output_1") == "2")
    await pilot.pause()
    app.clear_notifications()
    await pilot.pause()


def test_main_screen_with_gestures(snap_compare, utc):  # noqa: F811
    """A project of gestures alone at 100x30: the title bar (strokes, idle, listening on
    127.0.0.1:46451); Inputs and the XY pad as usual; in the outputs' place the Gestures panel
    (focused), titled "Gestures · output · threshold 0.30": the set's header line (takes,
    "match ┃ threshold 0.30", cost, following), output_1 (2 takes) and output_2 (1 take)
    each with an empty meter and its yellow threshold tick at the middle, cost "-"; output_3
    "no takes: space records one"; the selected row (output_2, after down) marked ▸; the
    bottom border "space records, again stops · - + threshold · f progress: off"."""

    async def run_before(pilot) -> None:
        await taught_and_settled(pilot)
        await pilot.press("down")
        await pilot.pause()

    assert snap_compare(snapshot_app(), terminal_size=(100, 30), run_before=run_before)


def test_examples_screen_with_takes(snap_compare, utc):  # noqa: F811
    """The examples screen of that project (e): no examples table (there are no outputs); the
    summary "3 gesture takes (1 gesture has none) · d deletes a take, D every take of its
    gesture (asks)"; the takes table: output_1 takes 1 and 2 (30 and 34 frames), output_2
    take 3 (30 frames), recorded 2026-05-28 20:26:50 / 20:27:00 / 20:27:10 (UTC); the footer
    d Delete take, D Delete gesture's takes, esc Back."""

    async def run_before(pilot) -> None:
        await taught_and_settled(pilot)
        await pilot.press("e")
        await pilot.pause()

    assert snap_compare(snapshot_app(), terminal_size=(100, 30), run_before=run_before)
