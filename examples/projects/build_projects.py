"""Rebuild the example projects in this folder the way a person records them: set the sound,
hold a pose while recording a round, next pose; then check that they train and play back.

    .venv/bin/python examples/projects/build_projects.py            # rewrites examples/projects/
    .venv/bin/python examples/projects/build_projects.py /tmp/out   # somewhere else

The "hands" are seeded random jitter around each pose and the clock is fixed, so every run
writes the same bytes. The projects:

- xy-synth: an XY pad (inputs x, y in 0..1) -> 3 synth parameters (pitch, ratio, brightness,
  0..1, MLPs), for examples/instruments/fm-synth.pd, fm-synth.scd or fm-synth.ck. Five poses:
  the four corners and the middle, 25 examples each.
- phone-poses: a phone's accelerometer (tilt-x, tilt-y, tilt-z in g, -1..1) -> one classifier
  output "pose" with 3 classes: 1 lying flat, 2 standing upright, 3 on its side (kNN, k=1).
- xy-drums: an XY pad (inputs x, y) -> the drum model's 4 latent dimensions (latent-1 ..
  latent-4, each with its dimension's range, MLPs); the project's `generator` makes `mapper
  headless examples/projects/xy-drums --run` play the drums, for
  examples/instruments/drum-kit.pd. Five poses, each at the centre of one training style
  (house, funk, bossa, metal, hiphop), 25 examples each.
"""

from __future__ import annotations

import dataclasses
import random
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from mapper.core.engine import Engine
from mapper.core.examples import ExampleRows
from mapper.core.outputs import Output
from mapper.generators.latent import latent_outputs
from mapper.generators.rhythm.generator import RhythmGenerator
from mapper.osc.settings import OSCSettings
from mapper.project import new_project, project_from_engine, save_project

HERE = Path(__file__).resolve().parent
START = datetime(2025, 1, 1, 20, 0, tzinfo=timezone.utc).timestamp()  # a fixed clock
FRAME_S = 0.02  # 50 frames a second while recording
ROUND_GAP_S = 10.0

Pose = tuple[Sequence[float], Sequence[float]]  # (where the hand is, the sound or class)

XY_POSES: list[Pose] = [
    ((0.1, 0.1), (0.15, 0.30, 0.10)),  # bottom left: low and mellow
    ((0.9, 0.1), (0.35, 0.80, 0.50)),  # bottom right: low, metallic
    ((0.1, 0.9), (0.70, 0.15, 0.30)),  # top left: high, hollow
    ((0.9, 0.9), (0.90, 0.60, 0.90)),  # top right: high and bright
    ((0.5, 0.5), (0.50, 0.50, 0.20)),  # the middle
]
PHONE_POSES: list[Pose] = [
    ((0.0, 0.0, 1.0), (1,)),  # lying flat: gravity along z
    ((0.0, 1.0, 0.0), (2,)),  # standing upright: along y
    ((1.0, 0.0, 0.0), (3,)),  # on its side: along x
]
DRUM_CORNERS = [  # where the hand is -> the training style whose centre plays there
    ((0.1, 0.1), "house"),
    ((0.9, 0.1), "funk"),
    ((0.1, 0.9), "bossa"),
    ((0.9, 0.9), "metal"),
    ((0.5, 0.5), "hiphop"),
]
DRUM_GENERATOR = {"type": "rhythm", "bpm": 100.0}


def record(engine: Engine, poses: list[Pose], frames: int, jitter: float, seed: int) -> None:
    """One recording round per pose, through the engine's own recording path."""
    rng = random.Random(seed)
    for where, sound in poses:
        engine.set_values(sound, send=False)
        engine.start_recording()
        for _ in range(frames):
            engine.process_frame([round(v + rng.uniform(-jitter, jitter), 4) for v in where])
        engine.stop_recording()


def on_fixed_clock(rows: ExampleRows) -> ExampleRows:
    """The examples with the fixed clock's times (the real ones differ from run to run)."""
    times = np.empty(len(rows))
    for k in range(len(rows)):
        first = int(np.argmax(rows.rounds == rows.rounds[k]))
        times[k] = START + (rows.rounds[k] - 1) * ROUND_GAP_S + (k - first) * FRAME_S
    return dataclasses.replace(rows, times=np.round(times, 6))


def build(
    engine: Engine,
    name: str,
    poses: list[Pose],
    out: Path,
    generator: dict[str, object] | None = None,
    atol: float = 0.05,
) -> None:
    """Save the project, then train it and check that each pose plays what was recorded
    (within `atol`)."""
    folder = out / name
    base = new_project(name, engine.n_inputs, engine.outputs, OSCSettings())
    base.generator = generator
    project = project_from_engine(engine, base)
    save_project(folder, project, on_fixed_clock(engine.examples.snapshot()))
    engine.train()
    if not engine.wait_for_training(timeout=60):
        raise SystemExit(f"{name}: training did not finish in 60 s")
    print(f"{folder}: {len(engine.examples)} examples")
    sent: list[list[float]] = []
    engine.add_output_sink(sent.append)
    engine.start_running()
    for where, wanted in poses:
        engine.process_frame(list(where))
        got = sent[-1]
        print(f"  {' '.join(f'{v:5.2f}' for v in where)} -> {' '.join(f'{v:.2f}' for v in got)}")
        if not np.allclose(got, wanted, atol=atol):
            raise SystemExit(f"{name}: {list(where)} plays {got}, not {list(wanted)}")


def xy_synth() -> Engine:
    outputs = [Output(name) for name in ("pitch", "ratio", "brightness")]
    engine = Engine(["x", "y"], outputs)
    record(engine, XY_POSES, frames=25, jitter=0.03, seed=1)
    return engine


def phone_poses() -> Engine:
    engine = Engine(["tilt-x", "tilt-y", "tilt-z"], [Output("pose", "classifier", classes=3)])
    record(engine, PHONE_POSES, frames=30, jitter=0.15, seed=2)
    return engine


def drum_poses() -> list[Pose]:
    """The corners and the middle, each at a style's centre (3 decimals, as headless starts)."""
    styles = RhythmGenerator(device="cpu").styles
    return [(where, [round(float(v), 3) for v in styles[style]]) for where, style in DRUM_CORNERS]


def xy_drums(poses: list[Pose]) -> Engine:
    engine = Engine(["x", "y"], latent_outputs(RhythmGenerator(device="cpu").latent_dims))
    record(engine, poses, frames=25, jitter=0.03, seed=3)
    return engine


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else HERE
    build(xy_synth(), "xy-synth", XY_POSES, out)
    build(phone_poses(), "phone-poses", PHONE_POSES, out)
    drums = drum_poses()  # the latent ranges are about 8 wide: 0.2 is 2.5 % of one
    build(xy_drums(drums), "xy-drums", drums, out, dict(DRUM_GENERATOR), atol=0.2)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
