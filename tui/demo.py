"""The built-in demo: an XY pad steering a small synth's pitch, brightness and voice.

It needs no hardware: the XY pad is its input. It lives in memory until saved (`S`).
"""

from __future__ import annotations

from mapper.examples import ExampleRows, ExampleStore
from mapper.osc.settings import OSCSettings
from mapper.outputs import Output
from mapper.project import Project

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
    from argparse import Namespace

    from mapper.generators.headless import new_project_outputs

    outputs, values = new_project_outputs(Namespace(outputs=None, type=None))
    project = Project(
        "drums demo (unsaved)",
        ["x", "y"],
        outputs,
        OSCSettings(),
        values=values,
        transport={"count_in": 0.0, "record_for": 2.0, "smoothing": 0.1},
        generator={"type": "rhythm", "bpm": bpm or 120.0, "weights": None},
    )
    return project, ExampleStore(2, len(outputs)).snapshot()
