"""The terminal UI with a neural audio model attached: it plays, and the drum keys and panel
(made for the rhythm player) neither crash nor show. The neural panel: test_tui_neural_panel.py."""

from __future__ import annotations

import wave
from pathlib import Path

from mapper.core.examples import ExampleStore
from mapper.generators.base import LatentDim
from mapper.generators.latent import latent_outputs
from mapper.generators.neural.toy import write_toy
from mapper.osc.settings import OSCSettings
from mapper.project import Project

from .tui_helpers import app_for, until


async def test_the_ui_plays_a_torchscript_model_and_the_drum_keys_stay_harmless(
    receiver, tmp_path: Path
):
    from tui.widgets.drums import DrumPanel

    model = write_toy(tmp_path / "toy.ts")
    dims = [LatentDim(f"latent-{k}", -2.0, 2.0) for k in (1, 2)]
    project = Project(
        "toy",
        ["x", "y"],
        latent_outputs(dims),
        OSCSettings(listen_port=0, send_port=receiver.port),
        generator={"type": "torchscript", "path": str(model), "steer": 2},
    )
    take = tmp_path / "take.wav"
    opening = (project, ExampleStore(2, 2).snapshot())
    app = app_for(
        opening, None, "--generator", f"torchscript:{model}", "--device", "cpu",
        "--record-audio", str(take),
    )  # fmt: skip
    async with app.run_test(size=(100, 40)) as pilot:
        player = app.session.player
        assert player is not None and player.playing and player.steer == 2
        await until(pilot, lambda: player.recorders[0].frames > 4000)
        assert not app.query_one(DrumPanel).display
        await pilot.press("right_square_bracket")  # tempo: no such thing here, says so
        await pilot.press("b")
        assert not player.playing
        await pilot.press("b")
        assert player.playing
        await pilot.pause(0.3)  # a few redraws with the neural player attached
    with wave.open(str(take)) as w:
        assert w.getframerate() == 16000 and w.getnframes() > 4000
