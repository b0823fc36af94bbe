"""The terminal UI's sound training view (from the command palette: a training on generated
audio shows its progress, finishes, and its model plays) and the latent map (`z`: the
training points drawn, the playing point as a cursor, a click sets the outputs to a point).
Snapshots: the form, and the map of a model with fixed points, at 80x24."""

from __future__ import annotations

from pathlib import Path

import pytest

from mapper.core.examples import ExampleStore
from mapper.generators.base import LatentDim
from mapper.generators.latent import latent_outputs
from mapper.osc.settings import OSCSettings
from mapper.project import Project
from mapper.session.latent_map import latent_points, nearest_point
from tests.sound_models import spiral, write_mapped_toy
from tests.sound_takes import little_augmenting, write_glide
from tests.tui_helpers import app_for, until
from tui.app import MapperApp
from tui.screens.sound_training import SoundTrainingScreen
from tui.widgets.latent_map import LatentMap
from tui.widgets.xypad import XYPad

__all__ = ["little_augmenting"]  # the fixture, used by every test here


def write_audio(folder: Path, seconds: float = 21.0) -> Path:
    """Just over the 20 s the form's training asks for."""
    write_glide(folder / "glide.wav", seconds, glide_hz=10.0)
    return folder


def latent_app(send_port: int, listen_port: int = 0, model: Path | None = None) -> MapperApp:
    """Two outputs latent-1 and latent-2 (-2..2) set by hand; `model` plays if given."""
    dims = [LatentDim(f"latent-{k}", -2.0, 2.0) for k in (1, 2)]
    generator = None if model is None else {"type": "torchscript", "path": str(model)}
    project = Project(
        "my-sound",
        ["x", "y"],
        latent_outputs(dims),
        OSCSettings(listen_port=listen_port, send_port=send_port),
        values=[0.5, -0.5],
        transport={"count_in": 0.0, "record_for": 2.0, "smoothing": 0.0},
        generator=generator,
    )
    return app_for((project, ExampleStore(2, 2).snapshot()), None, "--device", "cpu")


async def open_view(pilot) -> SoundTrainingScreen:
    await pilot.press("ctrl+p")
    await pilot.press(*"train a sound model")
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, SoundTrainingScreen))
    return pilot.app.screen


async def fill(pilot, screen: SoundTrainingScreen, data: Path, out: Path, minutes: str) -> None:
    from textual.widgets import Input

    for name, value in (("data", str(data)), ("out", str(out)), ("minutes", minutes)):
        screen.query_one(f"#sound-{name}", Input).value = value
    screen.query_one("#sound-latent", Input).value = "4"
    await pilot.click("#sound-train")
    await until(pilot, lambda: pilot.app.session.sound_training.running)


def shown(screen: SoundTrainingScreen, name: str) -> str:
    from textual.widgets import Static

    return str(screen.query_one(f"#sound-{name}", Static).render())


async def test_the_palette_opens_the_view_a_training_finishes_and_its_model_plays(
    receiver, tmp_path: Path
):
    from textual.widgets import ProgressBar, Sparkline

    data, out = write_audio(tmp_path / "takes"), tmp_path / "mine.ts"
    app = latent_app(receiver.port)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_view(pilot)
        assert screen.query_one("#sound-form").display
        await pilot.click("#sound-train")  # nothing given yet: said, nothing starts
        await until(pilot, lambda: any("give the recordings" in n.message
                                       for n in app._notifications))  # fmt: skip
        await pilot.pause(0.3)  # the button's press effect over: it takes presses again
        assert app.session.sound_training.job is None
        await fill(pilot, screen, data, out, "0.05")
        trainer = app.session.sound_training
        job = trainer.job
        assert job is not None and job.options.latent == 4
        await until(pilot, lambda: "step" in shown(screen, "figures"), timeout=30)
        assert "held-out best" in shown(screen, "figures") and "left" in shown(screen, "figures")
        assert not screen.query_one("#sound-form").display
        await until(pilot, lambda: not job.running, timeout=90)
        await until(pilot, lambda: "wrote" in shown(screen, "summary"))
        assert job.result is not None and out.is_file()
        assert "Done" in shown(screen, "what")
        assert screen.query_one("#sound-bar", ProgressBar).progress == 1.0
        assert list(screen.query_one("#sound-loss", Sparkline).data or []) == job.losses != []
        await pilot.press("p")  # plays it as the session's generator, back on the main screen
        await until(pilot, lambda: app.session.player is not None, timeout=30)
        await until(pilot, lambda: not isinstance(app.screen, SoundTrainingScreen))
        player = app.session.player
        assert player.generator.path == out and player.steer == 2
        assert app.session.project.generator["path"] == str(out)

        await pilot.press("z")  # its latent map, in the XY pad's place
        latent_map = app.query_one(LatentMap)
        assert latent_map.display and not app.query_one(XYPad).display
        points = latent_points(player)
        assert points is not None and latent_map.points is not None
        await pilot.click(LatentMap, offset=(2, 2))  # near the top left: (-2, 2)
        picked = latent_map.picked
        assert picked is not None
        spot = latent_map._spot(1, 1)
        assert picked == nearest_point(points, *spot)
        assert app.engine.values == pytest.approx(points[picked][:2].tolist(), abs=1e-5)


async def test_cancel_keeps_the_best_so_far_and_escape_goes_back(receiver, tmp_path: Path):
    data, out = write_audio(tmp_path / "takes"), tmp_path / "cut.ts"
    app = latent_app(receiver.port)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_view(pilot)
        await fill(pilot, screen, data, out, "3")
        job = app.session.sound_training.job
        await until(pilot, lambda: job.progress is not None and job.progress.stage == "training",
                    timeout=30)  # fmt: skip
        await pilot.press("escape")  # while it runs: cancels (the best so far is written)
        await until(pilot, lambda: not job.running, timeout=30)
        await until(pilot, lambda: "Cancelled" in shown(screen, "what"))
        assert job.result is not None and job.result.stopped == "cancelled" and out.is_file()
        assert isinstance(app.screen, SoundTrainingScreen)
        await pilot.press("n")  # a new one: the form again, with the last answers
        assert screen.query_one("#sound-form").display
        await pilot.press("escape")  # not running: back to the main screen
        await until(pilot, lambda: not isinstance(app.screen, SoundTrainingScreen))
        assert not app._notifications or all(
            "sound training" not in n.message for n in app._notifications
        )  # its end was seen in the view: no notification for it


async def test_the_latent_map_draws_the_points_and_the_playing_point(receiver, tmp_path: Path):
    points = spiral()
    model = write_mapped_toy(tmp_path / "mapped.ts", points)
    app = latent_app(receiver.port, model=model)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.session.player is not None)
        await pilot.press("z")
        latent_map = app.query_one(LatentMap)
        await until(pilot, lambda: latent_map.current is not None)
        assert latent_map.current == pytest.approx((0.5, -0.5))
        h = latent_map.content_size.height
        lines = ["".join(s.text for s in latent_map.render_line(y)) for y in range(h)]
        assert sum("\u2801" <= ch <= "\u28ff" for line in lines for ch in line) > 40
        col, row = latent_map._cell(0.5, -0.5)
        assert lines[row][col] == "✚"
        assert "160 points" in str(latent_map.border_title)
        app.engine.set_values([-1.5, 1.5])  # the outputs move: so does the cursor
        await until(pilot, lambda: latent_map.current == pytest.approx((-1.5, 1.5)))
        for key in ("right", "right", "up", "enter"):  # from the centre, with the keys
            await pilot.press(key)
        picked = latent_map.picked
        assert picked == nearest_point(points, *latent_map.aim)
        assert app.engine.values == pytest.approx(points[picked][:2].tolist(), abs=1e-5)
        assert f"point {picked + 1}" in str(latent_map.border_subtitle)
        await pilot.press("z")  # the pad again
        assert app.query_one(XYPad).display and not latent_map.display


async def test_a_model_without_a_map_has_none(receiver, tmp_path: Path):
    from mapper.generators.neural.toy import write_toy

    app = latent_app(receiver.port, model=write_toy(tmp_path / "toy.ts", latent_size=2))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.session.player is not None)
        await pilot.press("z")
        assert not app.query_one(LatentMap).display and app.query_one(XYPad).display
        assert any("no latent map" in n.message for n in app._notifications)


# ---- snapshots: nothing that moves -----------------------------------------------------------
async def settled(pilot) -> None:
    """Nothing trains, no notification is up, the screen redrawn."""
    await until(pilot, lambda: pilot.app.session is not None)
    await pilot.pause()
    pilot.app.clear_notifications()
    await pilot.pause(0.3)


def test_the_training_form_at_80x24(snap_compare, receiver):
    """The sound training view's form at 80x24: the title "Train a sound model on your
    recordings"; "recordings" (empty, its placeholder), "model file" sound.ts, "minutes" 5 and
    "latent size" 8; the Train button and "replace the model file" unchecked; the hint on
    relative paths; the footer's "esc Back"."""

    async def view(pilot) -> None:
        await settled(pilot)
        await open_view(pilot)
        await pilot.pause(0.3)

    app = latent_app(9, listen_port=46448)
    assert snap_compare(app, terminal_size=(80, 24), run_before=view)


@pytest.fixture
def never_played(monkeypatch):
    """The model attached but never started (a stream's figures change from run to run)."""
    from mapper.generators.neural.player import NeuralPlayer

    monkeypatch.setattr(NeuralPlayer, "start", lambda self: None)


def test_the_latent_map_at_80x24(snap_compare, tmp_path, never_played):
    """The main screen at 80x24 with a model that keeps a latent map of 160 points on a
    spiral: the map in the XY pad's place ("Latent map · 160 points · x latent-1, y latent-2"),
    the spiral in cyan braille dots around the dotted axes, the playing point ✚ at (+0.5,
    -0.5), right of the centre and below it; the neural audio panel beside it, stopped; the
    inputs over the Novelty ("train first (t)") and Bookmarks ("none yet") panels."""
    model = write_mapped_toy(tmp_path / "mapped.ts", spiral())

    async def mapped(pilot) -> None:
        await settled(pilot)
        await pilot.press("z")
        await pilot.press("tab")  # the focus off the map: no aim drawn
        panel = pilot.app.screen.query_one("#neural")
        await until(pilot, lambda: "stopped" in panel.stats.content.plain)
        await pilot.pause(0.3)

    app = latent_app(9, listen_port=46448, model=model)
    assert snap_compare(app, terminal_size=(80, 24), run_before=mapped)
