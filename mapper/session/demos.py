"""The built-in demos: an XY pad steering a small synth's pitch, brightness and voice (the
built-in synth plays them: mapper.generators.synth); the drum model's latent space
(`--generator rhythm`); a neural audio model's latent space (`--generator
torchscript:MODEL.ts`); the last two with example rounds already recorded.

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


# the drums demo's rounds: where on the pad, and the training style whose centre plays there
# (the very corners and the centre, as the neural demo's; five grooves a listener tells apart)
DRUM_POSES = (
    ((0.5, 0.5), "hiphop"),
    ((0.0, 0.0), "house"),
    ((1.0, 0.0), "funk"),
    ((0.0, 1.0), "bossa"),
    ((1.0, 1.0), "metal"),
)


def drum_demo_project(bpm: float | None) -> tuple[Project, ExampleRows]:
    """The XY pad steering the shipped drum model: one output per latent dimension, with five
    rounds already recorded so that `t` then `p` play it: the centre of the pad plays the
    hip-hop groove, its corners house (bottom left), funk (bottom right), bossa (top left) and
    metal (top right): each at its training style's centre in the latent space. Between them
    the model's grooves morph into one another."""
    from mapper.generators.rhythm.generator import RhythmGenerator

    preset = generator_preset("rhythm", bpm=bpm)
    styles = RhythmGenerator(device="cpu").styles
    poses = [(where, styles[name]) for where, name in DRUM_POSES if name in styles]
    project = _pad_project("drums demo (unsaved)", preset)
    rounds = [(where, [round(float(v), 3) for v in point]) for where, point in poses]
    if rounds:
        project.values = list(rounds[0][1])  # it starts at the centre's groove
    return project, _recorded(rounds, len(preset.outputs))


def _recorded(rounds: list[tuple[tuple[float, float], list[float]]], outputs: int) -> ExampleRows:
    """One recording round per pose of the XY pad: FRAMES_PER_ROUND frames held (almost)
    still at `where`, each with the target outputs, a minute ago."""
    store = ExampleStore(2, outputs)
    start = time.time() - 60.0
    for round_, ((x, y), target) in enumerate(rounds, start=1):
        for f in range(FRAMES_PER_ROUND):
            wobble = 0.01 * (f % 4 - 1.5)  # a held pose is never quite still
            frame = [min(max(x + wobble, 0.0), 1.0), min(max(y - wobble, 0.0), 1.0)]
            store.append(frame, target, [True] * outputs, round_, start + round_ + 0.05 * f)
    return store.snapshot()


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
    rounds = []
    for x, y in NEURAL_POSES:
        target = []
        for k, o in enumerate(outputs):
            toward = (x if k % 2 == 0 else y) * 2.0 - 1.0  # -1 .. 1 across the pad
            half = (o.max - o.min) / 2.0
            target.append(round(o.min + half + REACH * toward * half / (1 + k // 2), 3))
        rounds.append(((x, y), target))
    return _pad_project("neural demo (unsaved)", preset), _recorded(rounds, len(outputs))
