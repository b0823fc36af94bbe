"""The main screen in a small terminal (80x24) and a big one (120x40), driven with Textual's
Pilot: every panel usable (the XY pad keeps 8 rows beside a generator's panel, the footer
shows the main keys, the title bar's lines never wrap, notifications never cover the
outputs), a new project's outputs shown without a resize, the command palette naming each
action once, and the README naming the states the screen shows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Footer
from textual.widgets._footer import FooterKey
from textual.widgets._toast import Toast

from mapper.generators.neural.toy import write_toy
from mapper.project import engine_from_project
from mapper.session.demos import drum_demo_project, neural_demo_project
from tests.tui_helpers import app_for, app_on, small_project, until
from tui.app import MapperApp
from tui.widgets.outputs_panel import STATE_TEXT, OutputsPanel
from tui.widgets.title_bar import StatusBar
from tui.widgets.xypad import XYPad

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
README = Path(__file__).parent.parent / "README.md"


def drums_app(send_port: int) -> MapperApp:
    project, rows = drum_demo_project(120.0)
    project.osc.listen_port, project.osc.send_port = 0, send_port
    return app_for((project, rows), None, "--generator", "rhythm", "--device", "cpu")


def neural_demo_app(tmp_path: Path, send_port: int) -> MapperApp:
    """The neural demo: eight outputs (latent-1..8) and the neural audio panel."""
    model = write_toy(tmp_path / "toy.ts", latent_size=8)
    project, rows = neural_demo_project(str(model), None)
    project.osc.listen_port, project.osc.send_port = 0, send_port
    argv = ["--device", "cpu", "--generator", f"torchscript:{model}"]
    return app_for((project, rows), None, *argv)


async def shown_generator(pilot, name: str) -> None:
    """Wait until the generator's panel is placed (the screen's next redraw after opening)."""
    screen = pilot.app.screen
    await until(pilot, lambda: screen.has_class(f"-gen-{name}"))
    await pilot.pause(0.3)


def overlaps(a, b) -> bool:
    return a.overlaps(b)


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 40)])
async def test_the_xy_pad_keeps_8_rows_beside_the_drums(receiver, size):
    app = drums_app(receiver.port)
    async with app.run_test(size=size) as pilot:
        await shown_generator(pilot, "drums")
        pad, outputs = app.query_one(XYPad), app.query_one(OutputsPanel)
        assert pad.content_size.height >= 8
        drums = app.screen.query_one("#drums")
        assert drums.region.height >= 11  # the nine voices, whole
        assert outputs.region.height == app.engine.n_outputs + 3  # every output
        footer = app.screen.query_one(Footer).region
        for panel in (pad, drums, outputs):
            assert not overlaps(panel.region, footer)
            assert panel.region.bottom <= footer.y


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_xy_pad_keeps_8_rows_beside_the_neural_panel(receiver, tmp_path, size):
    app = neural_demo_app(tmp_path, receiver.port)
    async with app.run_test(size=size) as pilot:
        await shown_generator(pilot, "neural")
        pad, outputs = app.query_one(XYPad), app.query_one(OutputsPanel)
        neural = app.screen.query_one("#neural")
        assert pad.content_size.height >= 8
        assert neural.region.height >= 5  # its title, a latent line, the stats line
        assert outputs.region.height >= 4
        assert not overlaps(neural.region, outputs.region)
        assert not overlaps(pad.region, outputs.region)


async def test_more_outputs_than_rows_scroll_to_the_selected_one(receiver, tmp_path):
    """The neural demo's eight outputs in 80x20: the pad keeps its rows, the outputs panel
    shows what fits and follows the selection; the border says how many are hidden."""
    app = neural_demo_app(tmp_path, receiver.port)
    async with app.run_test(size=(80, 20)) as pilot:
        await shown_generator(pilot, "neural")
        outputs = app.query_one(OutputsPanel)
        assert app.query_one(XYPad).content_size.height >= 8
        assert outputs.region.height < app.engine.n_outputs + 3
        assert "↓" in str(outputs.border_subtitle)
        outputs.focus()
        for _ in range(7):
            await pilot.press("down")
        await pilot.pause()
        assert outputs.selected == 7
        assert "▸ latent-8" in outputs.render().plain
        assert "↑" in str(outputs.border_subtitle)


async def test_a_new_project_shows_its_outputs_without_a_resize(receiver, tmp_path):
    """The outputs panel was laid out for 'no project open' (one line) before the form was
    filled, and stayed one line tall (only the header) until the terminal was resized."""
    app = app_for(None, tmp_path / "fresh", "--listen", "127.0.0.1:0")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+n")  # the form's defaults: 2 inputs, 3 outputs
        await until(pilot, lambda: app.session is not None)
        await pilot.pause(0.3)
        outputs = app.query_one(OutputsPanel)
        assert app.engine.n_outputs == 3
        assert outputs.region.height == 3 + 3  # a row each, the header, the border
        assert outputs.content_size.height == 4


async def test_the_outputs_panel_grows_when_it_is_given_an_engine():
    """The root of the above: the panel's height is auto, so showing an engine must redo the
    layout (a plain refresh repainted one line, the header)."""

    class OnePanel(App[None]):
        CSS = "OutputsPanel { height: auto; }"  # as in mapper.tcss

        def compose(self):
            yield OutputsPanel(None)

    engine = engine_from_project(*small_project(9))
    app = OnePanel()
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.query_one(OutputsPanel)
        await pilot.pause()
        assert panel.region.height == 1  # "no project open"
        panel.set_engine(engine)
        await pilot.pause()
        assert panel.region.height == 1 + engine.n_outputs
        assert "pose" in panel.render().plain


async def test_the_footer_shows_the_main_keys_in_80_columns(receiver):
    app = app_on(small_project(receiver.port), None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        footer = app.screen.query_one(Footer)
        keys = [k for k in footer.query(FooterKey) if k.display and k.region.width]
        shown = {k.description for k in keys if k.region.right <= 80}
        for label in ("Record", "Train", "Play", "Model", "Save", "Help"):
            assert label in shown, f"{label} is not in the footer at 80 columns"
        assert all(k.region.right <= 80 for k in keys)


async def test_the_title_bar_fits_80_columns_with_the_latency(receiver):
    """A latency to show, takes until stopped: both lines fit 80 columns (the latency gives
    way), and the second still says where OSC comes from and goes to."""
    project, rows = small_project(receiver.port)
    project.name = "theremin for the stage"
    app = app_on((project, rows), None)
    async with app.run_test(size=(80, 24)) as pilot:
        app.engine.counters.last_latency = 48e-6
        app.main.tick()
        await pilot.pause()
        bar = app.query_one(StatusBar)
        lines = bar.content.plain.split("\n")
        assert len(lines) == 2
        assert all(len(line) <= bar.content_size.width for line in lines), lines
        assert "theremin for the stage" in lines[0] and "idle" in lines[0] and "rej 0" in lines[0]
        assert f"→ 127.0.0.1:{receiver.port}" in lines[1] and "pad off" in lines[1]
        assert "glide 0s" in lines[1] or "g 0s" in lines[1]
    app = app_on(small_project(receiver.port), None)
    async with app.run_test(size=(120, 40)) as pilot:  # room for everything, the latency too
        app.engine.counters.last_latency = 48e-6
        app.main.tick()
        await pilot.pause()
        first, second = app.query_one(StatusBar).content.plain.split("\n")
        assert "latency 48µs" in first and "gesture-mapper · theremin" in first
        assert "take until stopped" in second


async def test_notifications_never_cover_the_outputs(receiver):
    """They show at the top left, over the inputs panel (Textual's default, bottom right,
    covered the outputs' model and state columns)."""
    app = app_on(small_project(receiver.port), None)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        for k in range(4):
            app.notify(f"message {k}: " + "a long notification that wraps " * 3)

        def at(x: int, y: int):
            return app.screen.get_widget_at(x, y)[0]

        await until(pilot, lambda: any(isinstance(at(x, 3), Toast) for x in range(30)))
        await pilot.pause(0.2)
        outputs = app.query_one(OutputsPanel).region
        covered = [  # what shows on each cell of the outputs panel
            at(x, y)
            for y in range(outputs.y, outputs.bottom)
            for x in range(outputs.x, outputs.right)
        ]
        assert not [w for w in covered if isinstance(w, Toast)]


async def test_the_palette_names_each_action_once(receiver):
    """Each command's title, and under it its key (it was the title again, lower case)."""
    app = app_on(small_project(receiver.port), None)
    async with app.run_test(size=(80, 24)):
        commands = list(app.get_system_commands(app.screen))
        titles = [c.title for c in commands]
        assert len(titles) == len(set(t.casefold() for t in titles))
        for command in commands:
            assert command.help.casefold() != command.title.casefold()
        evaluate = [c for c in commands if c.title.startswith("Cross-validate")]
        assert len(evaluate) == 1 and evaluate[0].help.startswith("key v")


async def test_a_project_opened_with_the_pad_off_says_how_to_turn_it_on(receiver, tmp_path):
    app = app_on(small_project(receiver.port), tmp_path / "saved")  # a folder: pad off
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        pad = app.query_one(XYPad)
        assert "turns it on" in str(pad.border_subtitle)
        await pilot.press("i")
        await until(pilot, lambda: not pad.border_subtitle)


def test_the_readme_names_the_states_the_screen_shows():
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### The terminal UI") : text.index("### `mapper headless`")]
    for label, _ in STATE_TEXT.values():
        assert f"`{label}`" in section, f"README lacks the state {label!r}"
    for badge in ("■ idle", "COUNT-IN", "● RECORDING", "▶ RUNNING"):  # as mode_badge says
        assert f"`{badge}" in section, f"README lacks the mode {badge!r}"
    assert re.search(r"off: i or a click turns it on", section)


async def test_at_120x40_the_pad_and_the_outputs_use_the_space(receiver):
    """The pad and the inputs share the top, the outputs under them, full width."""
    app = app_on(small_project(receiver.port), None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.3)
        pad, outputs = app.query_one(XYPad), app.query_one(OutputsPanel)
        assert outputs.region.width == 120
        assert pad.content_size.height >= 30


async def test_at_120x40_the_inputs_panel_plots_each_input_in_its_rows(receiver):
    """Before a frame arrives, the inputs panel says how to send one; in a big terminal the
    inputs' history is a plot several rows tall under each input, not two lines over an
    empty panel."""
    from tui.widgets.inputs_panel import InputsPanel

    app = app_on(small_project(receiver.port), None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.3)
        panel = app.query_one(InputsPanel)
        assert "no input yet: /wek/inputs" in panel.content.plain
        for k in range(12):  # frames arrive, as from a sensor, over a few redraws
            app.session.engine.process_frame([k / 12, 1 - k / 12])
            await pilot.pause(0.21)
        await until(pilot, lambda: "no input yet" not in panel.content.plain)
        lines = panel.content.plain.splitlines()
        traced = [line for line in lines if set(line.strip()) & set("▁▂▃▄▅▆▇█")]
        assert len(traced) >= 6  # rising x and falling y, each over several rows
        assert len(lines) >= panel.content_size.height // 2
