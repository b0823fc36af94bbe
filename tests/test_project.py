"""Project folders: a round trip keeps everything, and broken files give clear errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from mapper.core.engine import Engine, Mode
from mapper.core.outputs import Output
from mapper.osc.settings import OSCSettings
from mapper.project import (
    SCHEMA_VERSION,
    Project,
    ProjectError,
    engine_from_project,
    load_project,
    project_from_engine,
    save_project,
)


def recorded_engine() -> Engine:
    outputs = [
        Output("cutoff", min=20.0, max=2000.0, model={"type": "knn", "k": 1}),
        Output("pose", kind="classifier", classes=3),
    ]
    engine = Engine(["tilt", "roll"], outputs)
    engine.set_values([440.0, 2.0])
    engine.start_recording()
    engine.process_frame([0.1, 0.2])
    engine.process_frame([0.3, 0.4])
    engine.stop_recording()
    engine.set_enabled("record", [1], False)
    engine.set_values([880.0, 2.0])
    engine.start_recording()
    engine.process_frame([0.9, 0.8])
    engine.stop_recording()
    return engine


def test_round_trip_keeps_settings_examples_and_outputs(tmp_path):
    engine = recorded_engine()
    engine.set_transport(count_in=2.0, record_for=4.0)
    osc = OSCSettings(listen_port=7000, send_host="localhost", send_port=57120)
    save_project(
        tmp_path,
        project_from_engine(engine, Project("theremin", [], [], osc)),
        engine.examples.snapshot(),
    )

    project, rows = load_project(tmp_path)
    assert project.name == "theremin"
    assert project.input_names == ["tilt", "roll"]
    assert project.outputs == engine.outputs
    assert project.osc == osc
    assert project.values == [880.0, 2.0]
    assert project.transport == {"count_in": 2.0, "record_for": 4.0, "smoothing": 0.0}
    before = engine.examples.snapshot()
    assert rows.inputs.tolist() == before.inputs.tolist()
    assert rows.mask.tolist() == [[True, True], [True, True], [True, False]]
    assert rows.rounds.tolist() == [1, 1, 2]
    np.testing.assert_allclose(rows.times, before.times, atol=1e-6)

    reloaded = engine_from_project(project, rows)
    assert reloaded.transport == engine.transport
    for e in (engine, reloaded):
        e.train()
        assert e.wait_for_training(30)
        e.start_running()
    sent: list[list[float]] = []
    reloaded.add_output_sink(sent.append)
    engine.add_output_sink(sent.append)
    for frame in ([0.1, 0.2], [0.85, 0.85]):
        reloaded.process_frame(frame)
        engine.process_frame(frame)
        assert sent[-2] == sent[-1]


def test_examples_csv_is_readable_with_empty_cells_for_unrecorded_outputs(tmp_path):
    engine = recorded_engine()
    save_project(
        tmp_path,
        project_from_engine(engine, Project("x", [], [], OSCSettings())),
        engine.examples.snapshot(),
    )
    with open(tmp_path / "examples.csv", newline="") as f:
        table = list(csv.reader(f))
    assert table[0] == ["round", "time", "tilt", "roll", "cutoff", "pose"]
    assert table[1][0] == "1" and table[1][2:] == ["0.1", "0.2", "440.0", "2.0"]
    assert table[3][2:] == ["0.9", "0.8", "880.0", ""]
    assert not list(tmp_path.glob(".*.tmp"))  # atomic writes leave nothing behind


@pytest.fixture
def saved(tmp_path) -> Path:
    engine = recorded_engine()
    save_project(
        tmp_path,
        project_from_engine(engine, Project("x", [], [], OSCSettings())),
        engine.examples.snapshot(),
    )
    return tmp_path


def edit_json(folder: Path, change) -> None:
    doc = json.loads((folder / "project.json").read_text())
    change(doc)
    (folder / "project.json").write_text(json.dumps(doc))


def edit_line(folder: Path, line: int, text: str) -> None:
    lines = (folder / "examples.csv").read_text().splitlines()
    lines[line - 1] = text
    (folder / "examples.csv").write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda f: (f / "project.json").write_text('{"schema": 1,'), "invalid JSON at line 1"),
        (lambda f: (f / "project.json").unlink(), "project.json: not found"),
        (lambda f: edit_json(f, lambda d: d.update(schema=99)), "upgrade gesture-mapper"),
        (lambda f: edit_json(f, lambda d: d.pop("outputs")), "missing field 'outputs'"),
        (
            lambda f: edit_json(f, lambda d: d["outputs"][0].update(model={"type": "magic"})),
            "outputs[0]",
        ),
        (
            lambda f: edit_json(f, lambda d: d["outputs"][0].update(min=5, max=1)),
            "min (5) must be below max (1)",
        ),
        (lambda f: edit_line(f, 2, "1,2026-01-01T00:00:00+00:00,0.1"), "line 2: 3 columns"),
        (
            lambda f: edit_line(f, 3, "1,2026-01-01T00:00:00+00:00,nan,0.1,1,1"),
            "line 3: input 1 is nan",
        ),
        (
            lambda f: edit_line(f, 2, "1,2026-01-01T00:00:00+00:00,zero,0.1,1,1"),
            "line 2: input 1 is 'zero', not a number",
        ),
    ],
)
def test_broken_files_give_clear_errors(saved, breakage, message):
    breakage(saved)
    with pytest.raises(ProjectError) as caught:
        load_project(saved)
    assert message in str(caught.value)


def test_values_outside_hard_limits_are_clamped_with_a_warning(saved):
    """A file from before hard limits were checked when set still opens: nothing is refused,
    the values are clamped and the warning says how many, from which line."""
    edit_json(saved, lambda d: d["outputs"][0].update(hard_limits=True))
    edit_line(saved, 2, "1,2026-01-01T00:00:00+00:00,0,0.1,5000,1")
    project, rows = load_project(saved)
    assert rows.outputs[:, 0].tolist() == [2000.0, 440.0, 880.0]
    (warning,) = project.warnings
    assert "cutoff: 1 example (the first on line 2) outside its hard limits [20, 2000]" in warning


def test_a_class_beyond_the_count_raises_it_and_no_class_is_left_unrecorded(saved):
    edit_line(saved, 2, "1,2026-01-01T00:00:00+00:00,0,0.1,1,7")
    edit_line(saved, 3, "1,2026-01-01T00:00:00+00:00,0,0.1,1,2.5")
    project, rows = load_project(saved)
    assert project.outputs[1].classes == 7
    assert rows.mask[:, 1].tolist() == [True, False, False]
    assert rows.outputs[0, 1] == 7.0
    assert any("pose: classes up to 7 in 1 example" in w for w in project.warnings)
    assert any("pose: 1 example (the first on line 3) with no class" in w for w in project.warnings)


def test_an_engine_starts_idle_with_the_saved_values(saved):
    project, rows = load_project(saved)
    engine = engine_from_project(project, rows)
    assert engine.mode is Mode.IDLE
    assert engine.values == [880.0, 2.0]
    assert engine.round == 2
    assert len(engine.examples) == 3


def test_a_schema_1_project_is_migrated_on_load(saved):
    edit_json(saved, lambda d: (d.update(schema=1), d.pop("saved")))
    project, rows = load_project(saved)
    assert project.saved is None and len(rows) == 3
    save_project(saved, project, rows)  # written back in the current schema
    doc = json.loads((saved / "project.json").read_text())
    assert doc["schema"] == SCHEMA_VERSION == 4
    assert isinstance(doc["saved"], str)


@pytest.mark.parametrize("schema", [0, "2", None, True])
def test_a_schema_that_is_not_a_version_is_refused(saved, schema):
    edit_json(saved, lambda d: d.update(schema=schema))
    with pytest.raises(ProjectError, match=r"project.json: field 'schema' must be a version"):
        load_project(saved)


def test_a_failed_load_overwrites_nothing(saved):
    before = {p.name: p.read_bytes() for p in saved.iterdir()}
    edit_line(saved, 3, "1,2026-01-01T00:00:00+00:00,0.1")
    broken = (saved / "examples.csv").read_bytes()
    with pytest.raises(ProjectError):
        load_project(saved)
    assert (saved / "examples.csv").read_bytes() == broken
    assert (saved / "project.json").read_bytes() == before["project.json"]
