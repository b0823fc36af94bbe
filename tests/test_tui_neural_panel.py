"""The neural audio panel in the TUI, driven with Textual's Pilot over real toy models (built
in a tmp folder; they play on the silent clock: no GPU, no sound card, no network): the
model's facts, b stopping and starting it, the latent lines following an output moved by
keyboard, underruns and a model's error as the player reports them, and the neural demo
trained and played from the XY pad; then the demo in a real terminal (tmux)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from mapper.core.engine import Mode, ModelState
from mapper.core.examples import ExampleStore
from mapper.core.outputs import Output
from mapper.generators.neural.toy import write_toy
from mapper.osc.settings import OSCSettings
from mapper.project import Project
from tests.tui_helpers import app_for, until
from tui.app import MapperApp
from tui.widgets.drums import DrumPanel
from tui.widgets.neural import NeuralPanel, held_summary
from tui.widgets.outputs_panel import OutputsPanel
from tui.widgets.xypad import XYPad

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def plays(model: Path, record_audio: str | None = None) -> list[str]:
    """The command line of `mapper PROJECT [--record-audio FILE]`: the project's model plays."""
    return ["--device", "cpu", *(["--record-audio", record_audio] if record_audio else [])]


def pitch_project(model: Path, send_port: int, **spec: object) -> Project:
    """Two outputs named pitch and loudness (0..1) steering the first two of the model's
    latent dimensions (-2..2); the others held at 0."""
    return Project(
        "toy",
        ["x", "y"],
        [Output("pitch"), Output("loudness")],
        OSCSettings(listen_port=0, send_port=send_port),
        values=[0.5, 0.5],
        generator={"type": "torchscript", "path": str(model), "steer": 2, **spec},
    )


def neural_app(project: Project, model: Path, record_audio: str | None = None) -> MapperApp:
    rows = ExampleStore(len(project.input_names), len(project.outputs)).snapshot()
    return app_for((project, rows), None, *plays(model, record_audio))


def shown(panel: NeuralPanel) -> str:
    return f"{panel.border_title}\n{panel.dims.content.plain}\n{panel.stats.content.plain}"


async def test_the_panel_shows_the_model_and_b_stops_and_starts_it(receiver, tmp_path):
    model = write_toy(tmp_path / "toy.ts", latent_size=4, ratio=512, sample_rate=16000)
    take = tmp_path / "take.wav"
    app = neural_app(pitch_project(model, receiver.port), model, record_audio=str(take))
    async with app.run_test(size=(100, 40)) as pilot:
        player = app.session.player
        panel = app.query_one(NeuralPanel)
        await until(pilot, lambda: panel.display and "▶ playing" in shown(panel))
        assert not app.query_one(DrumPanel).display
        assert panel.border_title == "Neural audio · toy.ts · 16 kHz · block 512 = 32 ms"
        assert panel.border_subtitle == "latent-3..4 held at 0"
        lines = panel.dims.content.plain
        assert "latent-1 ← pitch" in lines and "latent-2 ← loudness" in lines
        assert "latent-3" not in lines  # held dimensions are only summarized
        assert "RTF " in shown(panel) and "on cpu" in shown(panel)
        assert "→ clock, take.wav" in shown(panel)  # the silent clock, and the WAV file
        await pilot.press("b")
        assert not player.playing
        assert "■ stopped (b plays)" in shown(panel)
        assert "RTF" not in shown(panel)  # no live figures while stopped
        await pilot.press("b")
        assert player.playing
        assert "▶ playing" in shown(panel)


async def test_the_latent_lines_follow_an_output_moved_by_keyboard(receiver, tmp_path):
    model = write_toy(tmp_path / "toy.ts", latent_size=4)
    app = neural_app(pitch_project(model, receiver.port), model)
    async with app.run_test(size=(100, 40)) as pilot:
        player = app.session.player
        panel = app.query_one(NeuralPanel)
        await until(pilot, lambda: "latent-1 ← pitch" in shown(panel))
        assert "+0.00" in panel.dims.content.plain  # pitch 0.5 of 0..1: the latent's centre
        app.query_one(OutputsPanel).focus()
        await pilot.press("shift+right", "shift+right", "shift+right")  # pitch 0.5 -> 0.8
        assert app.engine.values[0] == pytest.approx(0.8)
        assert player.latent[0] == pytest.approx(1.2)  # 0.8 of -2..2
        first = panel.dims.content.plain.split("latent-2")[0]
        assert first.rstrip().endswith("+1.20")
        await pilot.press("down", "shift+left", "shift+left")  # loudness 0.5 -> 0.3
        assert player.latent[1] == pytest.approx(-0.8)
        assert panel.dims.content.plain.rstrip().endswith("-0.80")


async def test_underruns_show_in_red_while_they_rise(receiver, tmp_path):
    # 16-sample blocks with one decoded ahead: the clock reads 10 ms (160 samples) at a time,
    # more than is ever ready, so the player really runs short on every read
    model = write_toy(tmp_path / "tiny-blocks.ts", latent_size=2, ratio=16)
    app = neural_app(pitch_project(model, receiver.port, ahead=1), model)
    async with app.run_test(size=(100, 40)) as pilot:
        player = app.session.player
        panel = app.query_one(NeuralPanel)
        await until(pilot, lambda: player.stats.underruns >= 3 and "underruns" in shown(panel))
        await pilot.pause(0.5)  # a couple of redraws while the count keeps rising
        text = panel.stats.content
        start = text.plain.index("underruns ")
        count = int(text.plain[start:].split()[1])
        assert 0 < count <= player.stats.underruns
        red = [s for s in text.spans if s.start <= start < s.end and "red" in str(s.style)]
        assert red, "the rising underrun count is not red"
        assert "ready 0/1" in text.plain or "ready 1/1" in text.plain


async def test_a_model_that_fails_while_playing_says_why(receiver, tmp_path):
    from tests.neural_models import write_fragile_toy

    model = write_fragile_toy(tmp_path / "fragile.ts")
    app = neural_app(pitch_project(model, receiver.port), model)
    async with app.run_test(size=(100, 40)) as pilot:
        panel = app.query_one(NeuralPanel)
        await until(pilot, lambda: "▶ playing" in shown(panel))
        app.query_one(OutputsPanel).focus()
        await pilot.press(*["shift+right"] * 5)  # pitch 1.0: latent-1 2.0, past what it takes
        await until(pilot, lambda: "breaks above" in panel.stats.content.plain)
        last = panel.stats.content.plain.splitlines()[-1]
        assert last == (
            "decode failed: builtins.RuntimeError: the fragile toy breaks above latent-1 = 1.5"
        )
        assert app.session.player.stats.error  # the panel says what the player says


async def test_opening_another_project_records_on_into_the_next_file(receiver, tmp_path):
    from mapper.project import save_project
    from tui.dialogs.confirm import Confirm

    first = write_toy(tmp_path / "first.ts", latent_size=2)
    (tmp_path / "other").mkdir()
    write_toy(tmp_path / "other" / "second.ts", latent_size=2, sample_rate=8000)
    other = pitch_project(Path("second.ts"), receiver.port)  # its own model, inside its folder
    save_project(tmp_path / "other", other, ExampleStore(2, 2).snapshot())
    take = tmp_path / "take.wav"
    app = neural_app(pitch_project(first, receiver.port), first, record_audio=str(take))
    async with app.run_test(size=(100, 40)) as pilot:
        panel = app.query_one(NeuralPanel)
        await until(pilot, lambda: "→ clock, take.wav" in shown(panel))
        await pilot.press("ctrl+o")
        app.screen.query_one("Input").value = str(tmp_path / "other")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, Confirm))  # a program: it asks
        assert "second.ts" not in str(panel.border_title)
        await pilot.press("y")
        await until(pilot, lambda: "second.ts · 8 kHz" in str(panel.border_title))
        await until(pilot, lambda: "→ clock, take-2.wav" in shown(panel))
        assert app.session.player.sinks == ["clock", str(tmp_path / "take-2.wav")]


def test_the_short_forms():
    assert held_summary(["latent-9", "latent-10", "latent-11", "latent-16"]) == (
        "latent-9..11, latent-16"
    )
    assert held_summary(["latent-2", "latent-4", "latent-5"]) == "latent-2, latent-4..5"
    assert held_summary(["a", "b"]) == "a, b"


async def test_the_neural_demo_trains_and_plays_from_the_xy_pad(receiver, tmp_path):
    from mapper.session.demos import neural_demo_project

    model = write_toy(tmp_path / "toy.ts", latent_size=8)
    project, rows = neural_demo_project(str(model), None)
    assert [o.name for o in project.outputs] == [f"latent-{k}" for k in range(1, 9)]
    assert len(set(rows.rounds.tolist())) == 5  # recorded rounds come with it
    project.osc.listen_port, project.osc.send_port = 0, receiver.port
    argv = [*plays(model), "--generator", f"torchscript:{model}"]
    app = app_for((project, rows), None, *argv, pad_on=True)
    async with app.run_test(size=(100, 40)) as pilot:
        engine, player = app.engine, app.session.player
        panel = app.query_one(NeuralPanel)
        assert player.steer == 8 and player.playing
        await until(
            pilot,
            lambda: "each steered by its output of the same name" in str(panel.border_subtitle),
        )
        await pilot.press("t")
        await until(pilot, lambda: all(s is ModelState.TRAINED for s in engine.model_states))
        await pilot.press("p")
        assert engine.mode is Mode.RUNNING
        pad = app.query_one(XYPad)
        w, h = pad.content_size.width, pad.content_size.height
        for offset, sign in (((1, h), -1), ((w, 1), 1)):  # bottom left, then top right
            await pilot.click(XYPad, offset=offset)
            await until(
                pilot, lambda s=sign: s * player.latent[0] > 1.0 and s * player.latent[1] > 1.0
            )
            # the panel shows the value being decoded (read afresh: the glide may still move it)
            await until(pilot, lambda: f"{player.latent[0]:+.2f}" in panel.dims.content.plain)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_mapper_with_a_model_and_no_folder_opens_the_neural_demo(tmp_path):
    import uuid

    from tests.test_tui_terminal import MAPPER, alive, wait_for_text

    model = write_toy(tmp_path / "toy.ts")
    name = f"mapper-test-{uuid.uuid4().hex[:8]}"
    cmd = [MAPPER, "--generator", f"torchscript:{model}", "--steer", "2"]
    cmd += ["--listen", "127.0.0.1:0", "--send", "127.0.0.1:9"]
    try:
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", name, "-x", "80", "-y", "24", *cmd], check=True
        )
        wait_for_text(name, "gesture-mapper · neural demo")
        screen = wait_for_text(name, "latent-3..8 held at 0")  # once the notes are gone
        assert "Neural audio · toy.ts · 16 kHz · block 512 = 32 ms" in screen
        assert "▶ playing" in screen and "latent-2 ━" in screen
        assert "latent-3 ━" not in screen  # two outputs, two steered dimensions
        subprocess.run(["tmux", "send-keys", "-t", name, "p"], check=True)
        wait_for_text(name, "RUNNING")  # its examples were trained at start
        subprocess.run(["tmux", "send-keys", "-t", name, "C-q"], check=True)
        wait_for_text(name, "Quit without saving", timeout=10)  # the demo's examples
    finally:
        if alive(name):
            subprocess.run(["tmux", "kill-session", "-t", name], check=False)


async def test_a_new_folder_for_a_model_asks_only_for_the_inputs_and_plays_it(receiver, tmp_path):
    """`mapper DIR --generator torchscript:toy.ts --steer 3` on a new folder: the form asks for
    the inputs and the model type, not the outputs, which are the steered latent dimensions;
    the project saves its generator and plays it at once."""
    from mapper.project import load_project
    from tui.screens.new_project import NewProjectScreen

    model = write_toy(tmp_path / "toy.ts", latent_size=6)
    folder = tmp_path / "fresh"
    argv = [*plays(model), "--generator", f"torchscript:{model}", "--steer", "3"]
    send = ["--listen", "127.0.0.1:0", "--send", f"127.0.0.1:{receiver.port}"]
    app = app_for(None, folder, *argv, *send)
    async with app.run_test(size=(100, 30)) as pilot:
        assert isinstance(app.screen, NewProjectScreen)
        assert not app.screen.query("#outputs") and not app.screen.query("#kind")
        about = str(app.screen.query_one("#generator-outputs").render())
        assert "outputs: 3" in about and "latent-1..latent-3" in about and "-2..2" in about
        app.screen.query_one("#inputs").value = "4"
        await pilot.press("ctrl+n")
        await until(pilot, lambda: app.session is not None and app.session.player is not None)
        assert app.engine.n_inputs == 4
        assert [o.name for o in app.engine.outputs] == ["latent-1", "latent-2", "latent-3"]
        player = app.session.player
        assert player.steer == 3 and player.outputs[:4] == [0, 1, 2, None]
        await until(pilot, lambda: player.playing)
    project, _ = load_project(folder)
    assert project.generator == {"type": "torchscript", "path": str(model.resolve()), "steer": 3}
