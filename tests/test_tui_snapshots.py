"""Snapshots of the TUI's screens (pytest-textual-snapshot). Each test's docstring says what
a reviewer should see in its SVG under tests/__snapshots__/.

The project is fixed (examples with fixed times, shown in UTC) and nothing streams in, so the
screens are the same on every run.
"""

from __future__ import annotations

import time

import pytest

from mapper.core.examples import ExampleStore
from mapper.core.outputs import Output
from mapper.osc.settings import OSCSettings
from mapper.project import Project
from tests.tui_helpers import app_for, until
from tui.app import MapperApp

T0 = 1_780_000_000.0  # a fixed moment for the examples' times


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def recorded_app() -> MapperApp:
    """Two inputs, three outputs (MLP, kNN, a 3-class classifier), three recorded rounds."""
    outputs = [
        Output("pitch"),
        Output("brightness", model={"type": "knn", "k": 3}),
        Output("voice", kind="classifier", classes=3),
    ]
    store = ExampleStore(2, 3)
    poses = [
        ((0.1, 0.2), [0.1, 0.9, 1.0]),
        ((0.8, 0.3), [0.7, 0.2, 2.0]),
        ((0.5, 0.9), [0.4, 0.5, 3.0]),
    ]
    for round_, (pose, values) in enumerate(poses, start=1):
        for k in range(4):
            frame = [pose[0] + 0.01 * k, pose[1] - 0.01 * k]
            store.append(frame, values, [True] * 3, round_, T0 + 10 * round_ + 0.1 * k)
    project = Project(
        "theremin",
        ["tilt", "roll"],
        outputs,
        OSCSettings(listen_port=46448, send_port=9),
        values=[0.4, 0.5, 3.0],
        transport={"count_in": 1.0, "record_for": 2.0, "smoothing": 0.1},
    )
    return app_for((project, store.snapshot()))


TRAINING_ENDED = ("training done", "training failed", "training cancelled")


async def settle(pilot) -> None:
    """Training at start finished and said so, every notification gone, panels redrawn.

    The engine goes idle a moment before it reports the end of training, and the app shows
    that report on its next tick: so wait for the report itself on screen, not for the clock.
    """
    app = pilot.app
    await until(pilot, lambda: not app.engine.is_training, timeout=60)
    if app.engine.training.total:  # it trained at start: wait until the app says it ended
        await until(
            pilot,
            lambda: any(n.message.startswith(TRAINING_ENDED) for n in app._notifications),
            timeout=30,
        )
    await pilot.pause()  # every notification posted so far has arrived
    app.clear_notifications()
    await pilot.pause()


def test_main_screen_at_80x24(snap_compare):
    """The main screen in an 80x24 terminal: title bar (theremin, idle, rates, listening on
    127.0.0.1:46448, sending to 127.0.0.1:9, count-in 1s, take 2s, glide 0.1s), neither line
    wrapped; the Inputs panel (0/s) with tilt and roll, no frames yet; under it the Novelty
    panel ("-    no input yet", the hold slider at "off") and the Bookmarks panel ("none yet:
    B keeps the sound playing"); the XY pad (its bottom
    border "off: i or a click turns it on") with rounds ◆1 ◆2 ◆3 where they were recorded;
    three outputs with slider, slider and class selector ([3] highlighted), models MLP 16 /
    kNN k=3 / kNN k=1, 12 examples each, all trained, toggles on; the footer: r Record,
    t Train, p Play, x Random, u Undo, e Examples, m Model, ^s Save, ? Help, all in 80
    columns (the palette's key from 100)."""
    assert snap_compare(recorded_app(), terminal_size=(80, 24), run_before=settle)


def test_main_screen_at_120x40(snap_compare):
    """The same in a 120x40 terminal: the title bar with "gesture-mapper · theremin"; the
    inputs (over the Novelty and Bookmarks panels) and the XY pad side by side, 60 columns
    each, the pad 29 rows tall; the outputs
    full width under them, with long sliders; the footer with "^p palette" on the right."""
    assert snap_compare(recorded_app(), terminal_size=(120, 40), run_before=settle)


def test_examples_screen(snap_compare):
    """The examples table after `e`: 12 rows in rounds 1-3 (rows 1-4 each), times 20:26:50.000
    onwards (UTC), the tilt/roll inputs and the three outputs; footer: this screen's keys only
    (d, D, escape; the main screen's keys belong to the main screen)."""
    assert snap_compare(recorded_app(), terminal_size=(100, 30), press=["e"], run_before=settle)


def test_model_settings_screen(snap_compare):
    """Model settings of the second output (down, then m): brightness (continuous 0..1), model
    knn with k 3 and weighted false, inputs tilt and roll ticked, min 0 / max 1, hard limits
    unticked, Apply and Evaluate buttons; footer: this screen's keys only (^a, ^e, escape)."""
    assert snap_compare(
        recorded_app(), terminal_size=(100, 30), press=["down", "m"], run_before=settle
    )


def neural_app(model) -> MapperApp:
    """A toy neural audio model (latent size 6) steered by four outputs set by hand, no
    examples; 32 blocks (1 s) decoded ahead, so that a busy machine does not count underruns."""
    from mapper.generators.base import LatentDim
    from mapper.generators.latent import latent_outputs

    dims = [LatentDim(f"latent-{k}", -2.0, 2.0) for k in range(1, 5)]
    project = Project(
        "toy-voice",
        ["x", "y"],
        latent_outputs(dims),
        OSCSettings(listen_port=46448, send_port=9),
        values=[1.2, -0.5, 0.4, 0.0],
        transport={"count_in": 0.0, "record_for": 2.0, "smoothing": 0.1},
        generator={"type": "torchscript", "path": str(model), "steer": 4, "ahead": 32},
    )
    return app_for((project, ExampleStore(2, 4).snapshot()), None, "--device", "cpu")


@pytest.fixture
def never_played(monkeypatch):
    """The neural model attached but never started: played, even for a moment before `b`
    stops it, a loaded machine may count an underrun (it did, once, in CI)."""
    from mapper.generators.neural.player import NeuralPlayer

    monkeypatch.setattr(NeuralPlayer, "start", lambda self: None)


async def stopped_neural(pilot) -> None:
    """Settled, and the panel saying the model is stopped (b would play it)."""
    await settle(pilot)
    panel = pilot.app.screen.query_one("#neural")
    await until(pilot, lambda: "stopped" in panel.stats.content.plain)
    await pilot.pause(0.3)


def test_neural_audio_panel_at_80x24(snap_compare, tmp_path, never_played):
    """The main screen with a neural audio model, stopped (never started: while it plays, the
    real-time factor and the blocks ready change from run to run). Four outputs latent-1..4
    (+1.20, -0.50, +0.40, 0.00 on sliders) at the bottom, whole; above them the inputs, the
    Novelty ("-    train first (t)") and Bookmarks panels under the inputs, the XY pad (12
    rows, "off" on its border) and, beside it, the Neural audio panel, compact:
    title "toy.ts · 16 kHz · 32 ms"; the same four values on sliders, one a line; at its
    bottom "■ stopped (b plays) · underruns 0 · → clock" (on two lines); the bottom border
    "latent-5..6 held at 0"."""
    from mapper.generators.neural.toy import write_toy

    model = write_toy(tmp_path / "toy.ts", latent_size=6)

    assert snap_compare(neural_app(model), terminal_size=(80, 24), run_before=stopped_neural)


def test_neural_audio_panel_at_120x40(snap_compare, tmp_path, never_played):
    """The same, stopped, in a 120x40 terminal: the neural audio panel under the four outputs,
    full width, with the long title ("Neural audio · toy.ts · 16 kHz · block 512 = 32 ms"), the
    four latent sliders on one line, the stats line "■ stopped (b plays) · underruns 0 · →
    clock" and the bottom border "each steered by its output of the same name · latent-5..6
    held at 0"; the XY pad 24 rows tall beside the inputs, the Novelty and the Bookmarks."""
    from mapper.generators.neural.toy import write_toy

    model = write_toy(tmp_path / "toy.ts", latent_size=6)
    assert snap_compare(neural_app(model), terminal_size=(120, 40), run_before=stopped_neural)


def drums_app() -> MapperApp:
    """The drums demo (the rhythm model on the cpu, 120 BPM), its outputs as they start."""
    from mapper.session.demos import drum_demo_project

    project, rows = drum_demo_project(120.0)
    project.osc.listen_port, project.osc.send_port = 46448, 9
    argv = ("--generator", "rhythm", "--bpm", "120", "--device", "cpu")
    return app_for((project, rows), None, *argv)


async def stopped_drums(pilot) -> None:
    """Settled, then the sequencer stopped with `b` (while it plays the playhead moves)."""
    await settle(pilot)
    await pilot.press("b")
    player = pilot.app.session.player
    await until(pilot, lambda: not player.playing)
    await until(pilot, lambda: "b plays" in str(pilot.app.screen.query_one("#drums").border_title))
    await pilot.pause(0.3)


def test_drums_screen_at_80x24(snap_compare):
    """The drums demo in an 80x24 terminal, the sequencer stopped: the drum panel beside the
    XY pad, compact (title "120 BPM · ■ b plays", the nine voices' names cut to five
    letters, 16 steps in groups of four without spaces, the latent point on the bottom
    border); the inputs at the left (26 columns), over the Novelty panel ("no input yet") and
    the Bookmarks ("none yet: B keeps one"); the XY pad between them, 12 rows tall; the
    four latent outputs under them, whole (trained on the demo's rounds, ◆ on the pad);
    the footer's main keys."""
    assert snap_compare(drums_app(), terminal_size=(80, 24), run_before=stopped_drums)


def test_drums_screen_at_120x40(snap_compare):
    """The same in a 120x40 terminal: the drum panel under the outputs, full width, as in the
    sketch (title "Drum model · 120 BPM · cpu · stopped (b plays)", the voices' whole names,
    spaced steps, "latent ..." on the bottom border); the inputs (over the Novelty and
    Bookmarks panels) and the XY pad side by side above the outputs, the pad 17 rows tall."""
    assert snap_compare(drums_app(), terminal_size=(120, 40), run_before=stopped_drums)
