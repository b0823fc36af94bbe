"""Know where you are, in the TUI (issue 18): the novelty meter and the XY pad's halo, hold when
novel (H, the hold slider, HELD in the title bar), /mapper/novelty (n), uncertainty beside the
outputs, where to record next (w), explore (X) and bookmarks (B, the bookmarks panel), driven
with Textual's Pilot on real engines; and one snapshot of the main screen with all of it.

Examples go in through the engine's public methods; every wait is for a state, bounded.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mapper.core.engine import Mode, ModelState
from mapper.core.examples import ExampleStore
from mapper.core.outputs import Output
from mapper.osc.settings import OSCSettings
from mapper.project import Project
from tests.tui_helpers import app_for, app_on, record, small_project, until
from tui.app import MapperApp
from tui.dialogs.ask_name import AskName
from tui.dialogs.confirm import Confirm
from tui.drawing import short
from tui.widgets.bookmarks_panel import BookmarksPanel
from tui.widgets.hold_slider import HoldSlider
from tui.widgets.inputs_panel import InputsPanel
from tui.widgets.novelty_panel import NoveltyMeter, NoveltyPanel, novelty_number
from tui.widgets.outputs_panel import OutputsPanel
from tui.widgets.title_bar import StatusBar
from tui.widgets.xypad import XYPad

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

LOW, HIGH = [0.1, 0.1], [0.9, 0.9]  # where the two poses were recorded


async def trained(pilot) -> None:
    """Two rounds of the small project (level kNN k=1, pose a 3-class kNN), trained: level 0
    with pose 1 around LOW, level 1 with pose 2 around HIGH."""
    e = pilot.app.engine
    record(e, [0.0, 1.0], [[LOW[0] + 0.02 * k, LOW[1] + 0.01 * k] for k in range(5)])
    record(e, [1.0, 2.0], [[HIGH[0] - 0.02 * k, HIGH[1] - 0.01 * k] for k in range(5)])
    e.train()
    e.wait_for_training(30)
    await until(pilot, lambda: all(s is ModelState.TRAINED for s in e.model_states))


def meter_text(app: MapperApp) -> str:
    return app.query_one(NoveltyMeter).content.plain


def title(app: MapperApp) -> str:
    return app.query_one(StatusBar).content.plain


async def test_the_meter_and_the_halo_show_how_new_the_input_is(receiver):
    app = app_on(small_project(receiver.port), None)
    async with app.run_test(size=(100, 30)) as pilot:
        e = app.engine
        assert "train first" in meter_text(app) or "no input yet" in meter_text(app)
        await trained(pilot)
        pad = app.query_one(XYPad)
        for frame, near in ((LOW, True), ([0.5, 3.0], False), (HIGH, True)):
            e.process_frame(frame)
            novelty, _ = e.novelty()
            assert novelty is not None and (novelty < 0.1) == near
            shown = novelty_number(novelty)
            await until(pilot, lambda shown=shown: meter_text(app).startswith(shown))
            await until(pilot, lambda near=near: (pad.halo == 0) == near)
        lines = ["".join(s.text for s in pad.render_line(y)) for y in range(4)]
        assert not any("░" in line or "▒" in line for line in lines)  # near: no halo


async def test_h_and_the_slider_set_the_hold_and_held_shows_while_running(receiver):
    app = app_on(small_project(receiver.port), None)
    async with app.run_test(size=(100, 30)) as pilot:
        e = app.engine
        await trained(pilot)
        for expected in (0.5, 1.0, 1.5, 2.0, 3.0, 0.0, 0.5):
            await pilot.press("H")
            assert e.novelty_hold == expected
        slider = app.query_one(HoldSlider)
        slider.focus()
        await pilot.press("right", "right", "shift+right")
        assert e.novelty_hold == pytest.approx(1.2)
        await pilot.press("left")
        assert e.novelty_hold == pytest.approx(1.1)
        assert "1.1" in slider.render().plain
        await pilot.press("p")
        assert e.mode is Mode.RUNNING
        e.process_frame(LOW)
        e.process_frame([0.5, 3.0])  # far from every example: the outputs hold
        assert any(e.held)
        await until(pilot, lambda: "┃" in meter_text(app))  # the threshold, on the bar
        await until(pilot, lambda: "HELD" in title(app) and "HELD" in meter_text(app))
        outputs = app.query_one(OutputsPanel)
        await until(pilot, lambda: "HELD" in outputs.render().plain)
        assert e.last_outputs[:2] == [0.0, 1.0]  # held where the input last was known
        e.process_frame(HIGH)  # back near an example: nothing holds
        await until(pilot, lambda: "HELD" not in title(app) and "HELD" not in meter_text(app))


async def test_n_sends_the_novelty_while_running(receiver):
    app = app_on(small_project(receiver.port), None)
    async with app.run_test(size=(100, 30)) as pilot:
        e = app.engine
        await trained(pilot)
        await pilot.press("n")
        assert e.novelty_send
        await until(pilot, lambda: "sent" in str(app.query_one(NoveltyPanel).border_title))
        await pilot.press("p")
        receiver.drain()
        e.process_frame([0.5, 3.0])
        _, _, args = receiver.get_address("/mapper/novelty")
        assert args[0] == pytest.approx(e.novelty([0.5, 3.0])[0], rel=1e-5)
        await pilot.press("n")
        assert not e.novelty_send


async def test_the_outputs_show_how_sure_each_model_is(receiver):
    """kNN k=3 between two rounds: their spread beside the value; k=1 agrees with itself."""
    project, rows = small_project(receiver.port)
    project.outputs[0].model = {"type": "knn", "k": 3}
    app = app_on((project, rows), None)
    async with app.run_test(size=(100, 30)) as pilot:
        e = app.engine
        record(e, [0.0, 1.0], [[0.1, 0.1], [0.12, 0.1]])
        record(e, [1.0, 2.0], [[0.9, 0.9]])
        e.train()
        e.wait_for_training(30)
        outputs = app.query_one(OutputsPanel)
        assert "±" not in outputs.render().plain  # no frame yet: no measure, no column
        e.process_frame([0.2, 0.2])  # two neighbours at 0, one at 1
        spread = e.uncertainty()[0]
        assert spread is not None and spread > 0.1
        await until(pilot, lambda: f"±{spread:.2f}" in outputs.render().plain)


async def test_w_says_where_to_record_next_and_the_pad_shows_it(receiver):
    app = app_on(small_project(receiver.port), None)
    async with app.run_test(size=(100, 30)) as pilot:
        e = app.engine
        await trained(pilot)
        await pilot.press("w")  # nothing played yet
        await until(
            pilot, lambda: any("nothing played yet" in n.message for n in app._notifications)
        )
        await pilot.press("p")
        for k in range(2000):  # the engine keeps a visit every 20 ms of playing: play a while
            if len(e.visits) >= 30:
                break
            e.process_frame([2.0 + 0.001 * (k % 10), 0.1])  # often here, far from both poses
            await pilot.pause(0.005)
        assert len(e.visits) >= 30
        await pilot.press("w")
        await until(pilot, lambda: any("record here next" in n.message for n in app._notifications))
        found = e.last_suggestion
        assert found is not None and found.point[0] == pytest.approx(2.0, abs=0.02)
        pad = app.query_one(XYPad)
        await until(pilot, lambda: pad.suggestion is not None)
        assert pad.suggestion == pytest.approx(found.point[:2])
        inputs = app.query_one(InputsPanel).content.plain
        assert all(f"◎{short(v):>6}" in inputs for v in found.point)  # beside each input


async def test_x_explores_a_far_sound(receiver):
    app = app_on(small_project(receiver.port), None)
    async with app.run_test(size=(100, 30)) as pilot:
        e = app.engine
        await trained(pilot)
        for _ in range(3):
            before = list(e.values)
            await pilot.press("X")
            assert e.values != before
            assert any("exploring" in n.message for n in app._notifications)


async def test_bookmarks_keep_recall_and_delete(receiver):
    app = app_on(small_project(receiver.port), None)
    async with app.run_test(size=(100, 30)) as pilot:
        e = app.engine
        e.set_values([0.3, 2.0])
        await pilot.press("B")
        assert isinstance(app.screen, AskName)
        await pilot.press(*"calm")  # the offered name is selected: typing replaces it
        await pilot.press("enter")
        assert [(b.name, b.values) for b in e.bookmarks.items] == [("calm", (0.3, 2.0))]
        e.set_values([0.8, 1.0])
        await pilot.press("B", "enter")  # the offered name as it is
        assert e.bookmarks.items[1].name == "sound 1"  # the first free "sound N"
        await pilot.press("B", "escape")  # cancelled: nothing kept
        assert len(e.bookmarks) == 2
        panel = app.query_one(BookmarksPanel)
        await until(pilot, lambda: "♪ sound 1" in panel.content.plain)  # playing now
        e.set_values([0.5, 3.0])
        panel.focus()
        await pilot.press("1")
        assert e.values == [0.3, 2.0]
        await until(pilot, lambda: "♪ calm" in panel.content.plain)
        await pilot.press("down", "enter")
        assert e.values == [0.8, 1.0]
        await pilot.press("9")  # none there: said, nothing changes
        assert e.values == [0.8, 1.0]
        assert any("no bookmark 9" in n.message for n in app._notifications)
        await pilot.press("up", "d")
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")
        assert len(e.bookmarks) == 2
        await pilot.press("d", "y")
        assert [b.name for b in e.bookmarks.items] == ["sound 1"]
        await until(pilot, lambda: "calm" not in panel.content.plain)


async def test_b_keeps_the_sound_that_played_when_it_was_pressed(receiver):
    """While the name is typed the outputs move on (running): the bookmark is the point that
    sounded at the key."""
    app = app_on(small_project(receiver.port), None)
    async with app.run_test(size=(100, 30)) as pilot:
        e = app.engine
        e.set_values([0.25, 3.0])
        await pilot.press("B")
        e.set_values([0.75, 1.0])
        await pilot.press("enter")
        assert e.bookmarks.items[0].values == (0.25, 3.0)


async def test_the_drum_panel_names_the_bookmark_playing(receiver):
    from mapper.session.demos import drum_demo_project
    from tui.widgets.drums import DrumPanel

    project, rows = drum_demo_project(120.0)
    project.osc.listen_port, project.osc.send_port = 0, receiver.port
    app = app_for((project, rows), None, "--generator", "rhythm", "--device", "cpu")
    async with app.run_test(size=(120, 40)) as pilot:
        panel = app.query_one(DrumPanel)
        await until(pilot, lambda: panel.display)
        app.engine.keep_bookmark("groove")
        await until(pilot, lambda: "★ groove" in str(panel.border_subtitle))
        app.engine.randomize()
        await until(pilot, lambda: "groove" not in str(panel.border_subtitle))


async def test_the_latent_map_marks_each_bookmark(receiver, tmp_path: Path):
    from tests.sound_models import spiral, write_mapped_toy
    from tests.test_tui_sound import latent_app
    from tui.widgets.latent_map import LatentMap

    app = latent_app(receiver.port, model=write_mapped_toy(tmp_path / "mapped.ts", spiral()))
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.session.player is not None)
        e = app.engine
        e.set_values([1.0, 1.0])
        e.keep_bookmark("peak")
        e.set_values([-1.5, 0.0])
        await pilot.press("z")
        latent_map = app.query_one(LatentMap)
        await until(pilot, lambda: latent_map.marks == [("peak", 1.0, 1.0)])
        col, row = latent_map._cell(1.0, 1.0)
        line = "".join(s.text for s in latent_map.render_line(row))
        assert line[col:].startswith("★peak")


# ---- a snapshot: nothing that moves --------------------------------------------------------
T0 = 1_780_000_000.0


def knowing_app() -> MapperApp:
    """Two inputs, three kNN outputs (k=3: their spread shows), three recorded rounds."""
    outputs = [
        Output("pitch", model={"type": "knn", "k": 3}),
        Output("brightness", model={"type": "knn", "k": 3}),
        Output("voice", kind="classifier", classes=3, model={"type": "knn", "k": 3}),
    ]
    store = ExampleStore(2, 3)
    poses = [  # all in the lower right: the upper left is far from every example
        ((0.5, 0.2), [0.1, 0.9, 1.0]),
        ((0.8, 0.3), [0.7, 0.2, 2.0]),
        ((0.7, 0.5), [0.4, 0.5, 3.0]),
    ]
    for round_, (pose, values) in enumerate(poses, start=1):
        for k in range(4):
            frame = [pose[0] + 0.02 * k, pose[1] - 0.02 * k]
            store.append(frame, values, [True] * 3, round_, T0 + 10 * round_ + 0.1 * k)
    project = Project(
        "theremin",
        ["tilt", "roll"],
        outputs,
        OSCSettings(listen_port=46449, send_port=9),
        values=[0.4, 0.5, 3.0],
        transport={"count_in": 1.0, "record_for": 2.0, "smoothing": 0.1},
    )
    return app_for((project, store.snapshot()))


async def knowing(pilot) -> None:
    """Trained; two bookmarks, the second playing; hold at 1.5; a suggestion made from visits
    given at fixed times; one frame far from the examples; the rates back at 0; no
    notification."""
    from tests.test_tui_snapshots import settle

    app = pilot.app
    await settle(pilot)
    e = app.engine
    e.set_values([0.1, 0.9, 1.0], send=False)
    e.keep_bookmark("low hum")
    e.set_values([0.7, 0.2, 2.0], send=False)
    e.keep_bookmark()
    e.set_novelty_hold(1.5)
    for k in range(40):  # visits at fixed times: often around (0.15, 0.85)
        e.visits.add([0.15 + 0.005 * (k % 5), 0.85 - 0.005 * (k % 4)], 100.0 + k)
    assert e.suggest() is not None
    e.process_frame([0.95, 0.95])
    inputs = app.query_one(InputsPanel)
    await until(pilot, lambda: "0.950" in inputs.content.plain)  # shown: its rate counted
    await until(pilot, lambda: "in 0/s" in title(app) and "0/s" in str(inputs.border_title))
    await until(pilot, lambda: "±" in app.query_one(OutputsPanel).render().plain)
    await pilot.pause()
    app.clear_notifications()
    await pilot.pause(0.3)


def test_main_screen_knowing_where_you_are(snap_compare):
    """The main screen at 100x30, idle, rates at 0, after one frame at (0.95, 0.95), far from
    the three rounds (◆1 ◆2 ◆3, lower right): the inputs panel with ◎ 0.15 / ◎ 0.84 (record
    here next) beside tilt and roll; under it the Novelty panel: 2.87 in red, a red bar over
    0..3 with the hold threshold ┃ (yellow) at 1.5, the hold slider's knob under it, "1.5";
    the Bookmarks panel ("Bookmarks · 2"): "▸ 1 low hum 0.1 0.9 1" and "2 ♪ sound 1 0.7 0.2
    2" in green (playing now); the XY pad with its cursor ✚ at the top right in a big red ▒
    halo (clipped by the edge), ◎next (white on blue) at the top left; the outputs with a ±
    column: ±0.00 for pitch and brightness (k=3, the three neighbours agree), ?0% for voice;
    voice's class selector shows 0 1 [2] 3."""
    assert snap_compare(knowing_app(), terminal_size=(100, 30), run_before=knowing)


def test_doubt_labels_say_how_sure_each_model_is():
    from tui.widgets.outputs_panel import doubt_label

    level, pose = Output("level"), Output("pose", kind="classifier", classes=3)
    assert doubt_label(level, 0.123, learning=False) == "±0.12"
    assert doubt_label(level, 42.0, learning=False) == "±42.0"
    assert doubt_label(pose, 0.25, learning=False) == "?25%"
    assert doubt_label(level, None, learning=True) == "…"  # an MLP's ensemble still learning
    assert doubt_label(level, None, learning=False) == ""  # a model with no measure
