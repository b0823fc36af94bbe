"""What a project is in memory, and how it becomes an engine and back."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mapper.core.bookmarks import Bookmark
from mapper.core.engine import Engine
from mapper.core.examples import ExampleRows
from mapper.core.gestures import GestureSet, GestureTake
from mapper.core.outputs import Output
from mapper.osc.settings import OSCSettings


@dataclass
class Project:
    """Everything needed to resume: names, outputs and their models, OSC settings, values."""

    name: str
    input_names: list[str]
    outputs: list[Output]
    osc: OSCSettings = field(default_factory=OSCSettings)
    values: list[float] | None = None  # the hand-set output values when last saved
    transport: dict[str, float] = field(default_factory=dict)  # count-in, record-for, smoothing
    generator: dict[str, Any] | None = None  # the latent model this project steers, if any
    saved: str | None = None  # when it was last saved (UTC, ISO 8601): the journal's base
    source: dict[str, Any] | None = None  # the sensor source it listens to (mapper.sources)
    gesture_sets: list[GestureSet] = field(default_factory=list)  # temporal gestures (DTW)
    dtw_progress: bool = False  # send /mapper/dtw/progress while running
    novelty_send: bool = False  # send /mapper/novelty while running
    novelty_hold: float = 0.0  # hold outputs while their novelty is above this; 0: off
    bookmarks: list[Bookmark] = field(default_factory=list)  # kept output points, in order
    # examples read back from the journal when it was loaded (not saved: a report for the user)
    recovered: int = field(default=0, compare=False)
    # what loading repaired in files that break a rule (not saved: a report for the user)
    warnings: list[str] = field(default_factory=list, compare=False)
    # the gesture takes (gestures.csv): read at load, taken from the engine at each save
    takes: list[GestureTake] = field(default_factory=list, compare=False)


def new_project(name: str, n_inputs: int, outputs: list[Output], osc: OSCSettings) -> Project:
    """A fresh project with Wekinator's default input names (inputs-1, inputs-2, ...)."""
    return Project(name, [f"inputs-{i + 1}" for i in range(n_inputs)], outputs, osc)


def engine_from_project(
    project: Project, rows: ExampleRows, takes: Sequence[GestureTake] | None = None
) -> Engine:
    """A ready engine holding the project's settings, values, examples, gesture takes
    (`takes`, else the project's own: those read from its folder), novelty settings and
    bookmarks, not yet trained; its gesture sets are ready."""
    engine = Engine(project.input_names, project.outputs, project.gesture_sets)
    if project.values is not None:
        engine.set_values(project.values, send=False)
    engine.add_examples(rows)
    engine.gestures.add(project.takes if takes is None else takes)
    engine.gestures.send_progress = project.dtw_progress
    engine.set_transport(**project.transport)
    engine.set_novelty(project.novelty_send)
    engine.set_novelty_hold(project.novelty_hold)
    for mark in project.bookmarks:
        engine.bookmarks.keep(mark.values, mark.name)
    return engine


def project_from_engine(engine: Engine, base: Project) -> Project:
    """What to save of a running engine (names, outputs, values, transport, gesture sets and
    takes, novelty settings, bookmarks), with the name, OSC settings, generator, save time
    and source of `base`."""
    outputs = [
        dataclasses.replace(
            o, model=dict(o.model), inputs=None if o.inputs is None else [*o.inputs]
        )
        for o in engine.outputs
    ]
    gestures = engine.gestures
    with gestures.lock:  # the sets' settings and the takes of one instant (a copy of the list)
        sets = [
            dataclasses.replace(s, inputs=None if s.inputs is None else [*s.inputs])
            for s in gestures.sets
        ]
        takes, progress = list(gestures.takes), gestures.send_progress
    project = Project(
        base.name,
        list(engine.input_names),
        outputs,
        base.osc,
        list(engine.values),
        engine.transport.to_dict(),
        base.generator,
        base.saved,
        base.source,
        sets,
        progress,
        engine.novelty_send,
        engine.novelty_hold,
        list(engine.bookmarks.items),  # frozen bookmarks in a tuple replaced whole: shared
    )
    project.takes = takes  # frozen takes whose frames are never changed: shared, not copied
    return project
