"""The built-in demos: an XY pad steering a small synth's pitch, brightness and voice; the
drum model's latent space (`--generator rhythm`); a neural audio model's latent space
(`--generator torchscript:MODEL.ts`), with example rounds already recorded.

They need no hardware: the XY pad is their input. They live in memory until saved (`S`).
"""

from __future__ import annotations

import time

from mapper.core.examples import ExampleRows, ExampleStore
from mapper.core.outputs import Output
from mapper.generators.presets import GeneratorPreset, generator_preset
from mapper.osc.settings import OSCSettings
from mapper.project import Project
from mapper.session.opening import generator_project

DEMO_NAME = "demo (unsaved)"


def demo_project(osc: OSCSettings | None = None) -> tuple[Project, ExampleRows]:
    outputs = [
        Output("pitch", model={"type": "mlp"}),
        Output("brightness", model={"type": "knn", "k": 3}),
        Output("voice", kind="classifier", classes=3, model={"type": "knn", "k": 1}),
    ]
    project = Project(
        DEMO_NAME,
        ["x", "y"],
        outputs,
        osc or OSCSettings(),
        values=[0.5, 0.5, 1.0],
        transport={"count_in": 0.0, "record_for": 2.0, "smoothing": 0.05},
    )
    return project, ExampleStore(2, len(outputs)).snapshot()


def drum_demo_project(bpm: float | None) -> tuple[Project, ExampleRows]:
    """The XY pad steering the shipped drum model: one output per latent dimension."""
    preset = generator_preset("rhythm", bpm=bpm)
    return _pad_project("drums demo (unsaved)", preset), ExampleStore(
        2, len(preset.outputs)
    ).snapshot()


def _pad_project(name: str, preset: GeneratorPreset) -> Project:
    """The XY pad's two inputs steering a generator, takes of 2 s, a short glide."""
    project = generator_project(name, 2, preset)
    project.input_names = ["x", "y"]
    project.transport = {"count_in": 0.0, "record_for": 2.0, "smoothing": 0.1}
    return project


# where the neural demo's rounds were "recorded" on the XY pad: the centre, then the corners
# (the very corners, so that the whole pad lies between examples: an MLP guesses beyond them)
NEURAL_POSES = ((0.5, 0.5), (0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0))
REACH = 0.75  # how far towards the ends of their range the corners take the first dimensions
FRAMES_PER_ROUND = 8


def neural_demo_project(model: str, steer: int | None) -> tuple[Project, ExampleRows]:
    """The XY pad steering a neural audio model's first `steer` latent dimensions (one output
    each, as a new project gets them), with five rounds already recorded so that `t` then `p`
    play it: the centre of the pad is the centre of the latent space; towards the corners, the
    odd dimensions (latent-1, -3, ..) follow x and the even ones follow y, less far the later
    the dimension. With the toy model (`mapper generator toy-ts`), x is the pitch and y the
    loudness. GeneratorError if the model cannot be loaded."""
    preset = generator_preset("torchscript", model, None, steer)
    outputs = preset.outputs
    store = ExampleStore(2, len(outputs))
    start = time.time() - 60.0
    for round_, (x, y) in enumerate(NEURAL_POSES, start=1):
        target = []
        for k, o in enumerate(outputs):
            toward = (x if k % 2 == 0 else y) * 2.0 - 1.0  # -1 .. 1 across the pad
            half = (o.max - o.min) / 2.0
            target.append(round(o.min + half + REACH * toward * half / (1 + k // 2), 3))
        for f in range(FRAMES_PER_ROUND):
            wobble = 0.01 * (f % 4 - 1.5)  # a held pose is never quite still
            frame = [min(max(x + wobble, 0.0), 1.0), min(max(y - wobble, 0.0), 1.0)]
            store.append(frame, target, [True] * len(outputs), round_, start + round_ + 0.05 * f)
    return _pad_project("neural demo (unsaved)", preset), store.snapshot()
