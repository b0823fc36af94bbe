"""`mapper export`: examples as CSV/ARFF, and trained MLP/kNN models as documented JSON."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from mapper.core.engine import Engine
from mapper.core.outputs import Output
from mapper.osc.settings import OSCSettings
from mapper.project import Project, engine_from_project, project_from_engine, save_project


def mapper(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mapper", *args], capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def project_dir(tmp_path):
    outputs = [
        Output("cutoff", min=20.0, max=2000.0),  # mlp
        Output("pose", kind="classifier", classes=3),  # knn k=1
        Output("mix", model={"type": "knn", "k": 3, "weighted": True}),
        Output("gate", kind="classifier", classes=2, model={"type": "mlp", "hidden": [6, 5]}),
        Output("tilt", model={"type": "linear"}),  # not exported: says so
    ]
    engine = Engine(["x", "y"], outputs)
    rng = np.random.default_rng(1)
    for k, (pose, values) in enumerate(
        [
            ((0.1, 0.2), [200.0, 1, 0.1, 1, 0.0]),
            ((0.8, 0.3), [900.0, 2, 0.6, 2, 0.5]),
            ((0.5, 0.9), [1500.0, 3, 0.9, 1, 1.0]),
        ]
    ):
        engine.set_values(values, send=False)
        engine.start_recording()
        for _ in range(12 + k):
            engine.process_frame(list(np.asarray(pose) + rng.normal(0, 0.03, 2)))
        engine.stop_recording()
    folder = tmp_path / "proj"
    save_project(
        folder,
        project_from_engine(engine, Project("p", [], [], OSCSettings())),
        engine.examples.snapshot(),
    )
    return folder


def mlp_output(entry: dict, x: np.ndarray) -> float:
    """The README's recipe for an exported MLP."""
    h = x[entry["inputs"]]
    m = entry["mlp"]
    if "constant" in m:
        return m["constant"]
    for layer in m["hidden"]:
        h = np.tanh(h @ np.array(layer["weights"]) + np.array(layer["bias"]))
    out = h @ np.array(m["output"]["weights"]) + np.array(m["output"]["bias"])
    if entry["kind"] == "classifier":
        return m["classes"][int(np.argmax(out))]
    return float(out)


def knn_output(entry: dict, x: np.ndarray) -> float:
    """The README's recipe for an exported kNN."""
    m = entry["knn"]
    xs = (x[entry["inputs"]] - np.array(m["mean"])) / np.array(m["std"])
    train = (np.array(m["examples"]["inputs"]) - np.array(m["mean"])) / np.array(m["std"])
    y = np.array(m["examples"]["targets"])
    d = np.sqrt(((train - xs) ** 2).sum(axis=1))
    near = np.argsort(d, kind="stable")[: m["k"]]
    w = np.ones(len(near)) if not m["weighted"] else 1.0 / d[near]
    if entry["kind"] == "classifier":
        votes: dict[float, float] = {}
        for i, wi in zip(near, w):
            votes[y[i]] = votes.get(y[i], 0.0) + wi
        return min(votes, key=lambda c: (-votes[c], c))
    return float((y[near] * w).sum() / w.sum())


def test_exported_models_compute_the_same_outputs(project_dir, tmp_path):
    target = tmp_path / "models.json"
    done = mapper("export", str(project_dir), str(target))
    assert done.returncode == 0, done.stderr
    doc = json.loads(target.read_text())
    assert (doc["format"], doc["version"], doc["inputs"]) == (
        "gesture-mapper models",
        1,
        ["x", "y"],
    )
    entries = {e["output"]: e for e in doc["models"]}
    assert entries["tilt"]["exported"] is False and "only mlp and knn" in entries["tilt"]["reason"]

    from mapper.project import load_project

    engine = engine_from_project(*load_project(project_dir))
    engine.train()
    assert engine.wait_for_training(60)
    engine.start_running()
    sent: list[list[float]] = []
    engine.add_output_sink(sent.append)
    rng = np.random.default_rng(7)
    for frame in rng.uniform(0, 1, (40, 2)):
        engine.process_frame(frame.tolist())
        got = dict(zip(["cutoff", "pose", "mix", "gate"], sent[-1]))
        assert mlp_output(entries["cutoff"], frame) == pytest.approx(got["cutoff"], rel=1e-9)
        assert knn_output(entries["pose"], frame) == got["pose"]
        assert knn_output(entries["mix"], frame) == pytest.approx(got["mix"], rel=1e-9)
        assert mlp_output(entries["gate"], frame) == got["gate"]


def test_csv_export_is_examples_csv_and_nothing_is_overwritten(project_dir, tmp_path):
    target = tmp_path / "data.csv"
    assert mapper("export", str(project_dir), str(target)).returncode == 0
    assert target.read_text() == (project_dir / "examples.csv").read_text()
    target.write_text("mine")
    done = mapper("export", str(project_dir), str(target))
    assert done.returncode == 2 and "already exists" in done.stderr
    assert target.read_text() == "mine"
    (project_dir / "project.json").write_text("{")
    done = mapper("export", str(project_dir), str(tmp_path / "x.arff"))
    assert done.returncode == 1 and "project.json: invalid JSON" in done.stderr
    assert not (tmp_path / "x.arff").exists()


def test_csv_export_neutralises_names_a_spreadsheet_would_run(tmp_path):
    import csv
    import io

    from mapper.project.export import text_cell

    assert [text_cell(t) for t in ("\tcell", "\rcell", "a=b", "")] == [
        "'\tcell",
        "'\rcell",
        "a=b",
        "",
    ]
    names = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)"]
    outputs = [Output("=cmd|' /C calc'!A0"), Output("plain-name")]
    engine = Engine(names, outputs)
    engine.set_values([-0.5, 0.25], send=False)
    engine.start_recording()
    engine.process_frame([-0.5, 1.0, -2.0, -1e-9])
    engine.stop_recording()
    folder = tmp_path / "p"
    save_project(
        folder,
        project_from_engine(engine, Project("p", [], [], OSCSettings())),
        engine.examples.snapshot(),
    )
    done = mapper("export", str(folder), str(tmp_path / "out.csv"))
    assert done.returncode == 0, done.stderr
    head, row = list(csv.reader(io.StringIO((tmp_path / "out.csv").read_text(), newline="")))
    assert head[2:] == ["'" + n for n in names] + ["'=cmd|' /C calc'!A0", "plain-name"]
    assert row[2:] == ["-0.5", "1.0", "-2.0", "-1e-09", "-0.5", "0.25"]  # numbers stay numbers
    assert (folder / "examples.csv").read_text().startswith('round,time,"=HYPERLINK(')  # ours
