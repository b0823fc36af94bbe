"""Gesture sets and takes in project folders: project.json schema 3, gestures.csv, takes saved
within a fraction of a second while a session is open, and broken files named in one line."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest

from mapper.core.engine import Engine
from mapper.core.examples import ExampleStore
from mapper.core.gestures import GestureSet
from mapper.core.outputs import Output
from mapper.osc.settings import OSCSettings
from mapper.project import (
    GESTURES_FILE,
    SCHEMA_VERSION,
    Project,
    ProjectError,
    engine_from_project,
    load_project,
    new_project,
    project_from_engine,
    save_project,
)
from mapper.project.files import beside
from mapper.project.gesture_file import GESTURES_LIMIT, read_gestures
from mapper.project.saver import ProjectSaver
from mapper.session.session import Session

OSC = OSCSettings(listen_port=0, send_port=9)


def gesture_engine(outputs: list[Output] | None = None) -> Engine:
    sets = [GestureSet("hands", 3), GestureSet("feet", 2, threshold=1.25, inputs=[1])]
    return Engine(["x", "y", "z"], outputs or [], sets)


def take(engine: Engine, gesture: int, frames: list[list[float]]) -> None:
    engine.start_gesture_recording(gesture)
    for f in frames:
        engine.process_frame(f)
    assert engine.stop_gesture_recording() is not None


def recorded() -> Engine:
    engine = gesture_engine()
    take(engine, 0, [[0.1 * k, 1 / 3, -0.5] for k in range(6)])
    take(engine, 2, [[1e-300, 2.5e10, 0.30000000000000004], [0.0, -0.0, 7.0]])
    take(engine, 4, [[k, k * k, -k] for k in range(40)])  # the second set's second gesture
    engine.set_dtw_threshold(0.75, 0)
    engine.set_dtw_progress(True)
    return engine


def saved(folder: Path, engine: Engine) -> Project:
    project = project_from_engine(engine, new_project(folder.name, 3, [], OSC))
    save_project(folder, project, engine.examples.snapshot())
    return project


def assert_same_takes(a: list, b: list) -> None:
    assert [(t.id, t.set, t.gesture) for t in a] == [(t.id, t.set, t.gesture) for t in b]
    for x, y in zip(a, b):
        assert x.frames.shape == y.frames.shape
        assert np.array_equal(x.frames, y.frames)  # bit for bit: repr round-trips floats
        assert x.time == pytest.approx(y.time, abs=1e-5)


def wait_for(check, timeout: float = 3.0) -> float:
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if check():
            return time.monotonic() - began
        time.sleep(0.005)
    pytest.fail(f"not done within {timeout} s")


def takes_on_disk(folder: Path) -> list:
    return load_project(folder)[0].takes


def takes_in_file(folder: Path, project: Project) -> list:
    """gestures.csv as it is now (each save replaces it whole), read while a session holds
    the folder (load_project would take this process for the holder and finish its save)."""
    return read_gestures(folder / GESTURES_FILE, project.input_names, project.gesture_sets)


# ---- the round trip ------------------------------------------------------------------------
def test_sets_thresholds_inputs_progress_and_takes_come_back(tmp_path):
    engine = recorded()
    saved(tmp_path, engine)
    project, rows = load_project(tmp_path)
    assert project.outputs == [] and len(rows) == 0
    assert project.gesture_sets == [
        GestureSet("hands", 3, 0.75, None),
        GestureSet("feet", 2, 1.25, [1]),
    ]
    assert project.dtw_progress is True
    assert_same_takes(project.takes, engine.gestures.takes)
    again = engine_from_project(project, rows)  # the takes go into the engine
    assert_same_takes(again.gestures.takes, engine.gestures.takes)
    assert again.gestures.counts() == [1, 0, 1, 0, 1]
    assert again.gestures.send_progress is True
    lines = (tmp_path / GESTURES_FILE).read_text().splitlines()
    assert lines[0] == "take,set,gesture,time,x,y,z"
    assert lines[1].startswith("1,hands,1,") and lines[-1].startswith("3,feet,2,")
    assert len(lines) == 1 + 6 + 2 + 40


def test_gestures_csv_is_only_for_projects_with_gesture_sets(tmp_path):
    engine = Engine(["x"], [Output("level")])
    saved_project = project_from_engine(engine, new_project("p", 1, [], OSC))
    save_project(tmp_path, saved_project, engine.examples.snapshot())
    assert not (tmp_path / GESTURES_FILE).exists()
    (tmp_path / GESTURES_FILE).write_text("take,set,gesture,time,x\n")  # left by an older save
    save_project(tmp_path, saved_project, engine.examples.snapshot())
    assert not (tmp_path / GESTURES_FILE).exists()


def test_a_schema_2_project_opens_migrated_and_saves_as_the_current_schema(tmp_path):
    engine = Engine(["x", "y"], [Output("level")])
    save_project(tmp_path, project_from_engine(engine, new_project("p", 2, [], OSC)),
                 engine.examples.snapshot())  # fmt: skip
    path = tmp_path / "project.json"
    doc = json.loads(path.read_text())
    for key in ("gesture_sets", "dtw_progress", "novelty", "bookmarks"):
        doc.pop(key)
    path.write_text(json.dumps({**doc, "schema": 2}))
    project, rows = load_project(tmp_path)
    assert project.gesture_sets == [] and project.dtw_progress is False
    save_project(tmp_path, project, rows)
    doc = json.loads(path.read_text())
    assert doc["schema"] == SCHEMA_VERSION == 4
    assert doc["gesture_sets"] == [] and doc["dtw_progress"] is False


def test_a_project_needs_an_output_or_a_gesture_set(tmp_path):
    saved(tmp_path, gesture_engine())
    load_project(tmp_path)  # no outputs, two sets: fine
    edit_json(tmp_path, lambda d: d.update(gesture_sets=[]))
    with pytest.raises(ProjectError, match="one output or gesture set"):
        load_project(tmp_path)


def edit_json(folder: Path, change) -> None:
    path = folder / "project.json"
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def first_set(**fields):
    return lambda d: d["gesture_sets"][0].update(fields)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (first_set(name=""), r"gesture_sets\[0\]\.name: a name cannot be empty"),
        (first_set(name="a\x07b"), r"gesture_sets\[0\]\.name: .*control character"),
        (first_set(name=7), r"gesture_sets\[0\]\.name: must be a string"),
        (
            lambda d: d["gesture_sets"][1].update(name="hands"),
            r"gesture_sets\[1\]\.name: .*another",
        ),
        (first_set(gestures=0), r"gesture_sets\[0\]\.gestures: must be 1 to 100, not 0"),
        (first_set(gestures=101), r"gesture_sets\[0\]\.gestures: must be 1 to 100"),
        (first_set(gestures=True), r"gesture_sets\[0\]\.gestures: must be 1 to 100"),
        (first_set(gestures="3"), r"gesture_sets\[0\]\.gestures: must be 1 to 100"),
        (first_set(threshold=-1), r"gesture_sets\[0\]\.threshold: .*must be 0 to 1000"),
        (first_set(threshold=1e9), r"gesture_sets\[0\]\.threshold: .*must be 0 to 1000"),
        (first_set(threshold="low"), r"gesture_sets\[0\]\.threshold: .*must be a number"),
        (first_set(threshold=10**400), r"gesture_sets\[0\]\.threshold: .*not a finite number"),
        (first_set(inputs=[3]), r"gesture_sets\[0\]\.inputs: input numbers must be 0\.\.2"),
        (first_set(inputs=[]), r"gesture_sets\[0\]\.inputs: .*at least one input"),
        (first_set(inputs=[0.5]), r"gesture_sets\[0\]\.inputs: must list whole input numbers"),
        (first_set(colour="red"), r"gesture_sets\[0\]\.colour: unknown field"),
        (lambda d: d["gesture_sets"][0].pop("gestures"), r"gesture_sets\[0\]: missing field"),
        (lambda d: d.update(gesture_sets={"name": "x"}), r"'gesture_sets' must be a list"),
        (
            lambda d: d.update(gesture_sets=[{"name": f"s{k}", "gestures": 1} for k in range(65)]),
            r"gesture_sets: 65 sets, more than the 64",
        ),
        (lambda d: d.update(dtw_progress="yes"), r"'dtw_progress' must be true or false"),
    ],
)
def test_a_gesture_set_that_cannot_work_is_named_in_one_line(tmp_path, change, message):
    saved(tmp_path, gesture_engine())
    edit_json(tmp_path, change)
    with pytest.raises(ProjectError, match=message) as caught:
        load_project(tmp_path)
    text = str(caught.value)
    assert "\n" not in text and str(tmp_path / "project.json") in text


# ---- a hostile or broken gestures.csv --------------------------------------------------------
HEAD = "take,set,gesture,time,x,y,z\n"
WHEN = "2026-01-01T12:00:00.000000+00:00"


def frame(take_id: int, set_name: str, gesture: int, values: str = "0.1,0.2,0.3") -> str:
    return f"{take_id},{set_name},{gesture},{WHEN},{values}\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (HEAD + frame(1, "hands", 1) + "1,hands,1\n", r"line 3: 3 columns, expected 7"),
        (
            HEAD + frame(1, "hands", 1) + frame(1, "hands", 1, "0.1,nan,0.3"),
            r"line 3: input 2 is nan",
        ),
        (
            HEAD + frame(1, "hands", 1) + frame(1, "hands", 1, "0.1,1e999,0"),
            r"line 3: input 2 is 1e999",
        ),
        (
            HEAD + frame(1, "hands", 1) + frame(1, "hands", 1, "0.1,__import__('os'),0"),
            r"line 3: input 2 is .*not a number",
        ),
        (HEAD + frame(1, "hands", 4) * 2, r"line 2: gesture \(1\.\.3 in hands\) is '4'"),
        (HEAD + frame(1, "feet", 0) * 2, r"line 2: gesture \(1\.\.2 in feet\) is '0'"),
        (HEAD + frame(1, "arms", 1) * 2, r"line 2: no gesture set 'arms' in project.json"),
        (HEAD + frame(1, "hands", 1), r"line 2: take 1 has one frame"),
        (
            HEAD + frame(1, "hands", 1) * 2 + frame(2, "hands", 2) * 2 + frame(1, "hands", 1) * 2,
            r"line 6: take 1 again, after other takes",
        ),
        (HEAD + frame(1, "hands", 1) + frame(1, "hands", 2), r"line 3: take 1 changes its set"),
        (HEAD + frame(0, "hands", 1) * 2, r"line 2: take is '0'"),
        (
            HEAD + frame(1, "hands", 1).replace(WHEN, "yesterday") * 2,
            r"line 2: time is 'yesterday'",
        ),
        ("take,set,gesture,x,y,z\n", r"line 1: the header must be take,set,gesture,time"),
        (HEAD + 'x,"unclosed\n', r"line 2: .*"),
        (HEAD + "1,hands,1," + WHEN + ",0.1,0.2\x00,0.3\n", r"line 2: "),
    ],
)
def test_a_broken_gestures_csv_is_one_line_naming_the_file_and_line(tmp_path, text, message):
    saved(tmp_path, gesture_engine())
    (tmp_path / GESTURES_FILE).write_text(text)
    with pytest.raises(ProjectError, match=message) as caught:
        load_project(tmp_path)
    said = str(caught.value)
    assert "\n" not in said and str(tmp_path / GESTURES_FILE) in said


def test_a_huge_gestures_csv_is_refused_before_it_is_read(tmp_path):
    saved(tmp_path, gesture_engine())
    with open(tmp_path / GESTURES_FILE, "wb") as f:
        f.truncate(GESTURES_LIMIT + 1)  # sparse: no disk used
    began = time.monotonic()
    with pytest.raises(
        ProjectError, match=r"gestures.csv: .* is more than the .* this file may hold"
    ) as caught:
        load_project(tmp_path)
    assert time.monotonic() - began < 1.0 and "\n" not in str(caught.value)


def test_an_endless_line_and_a_fifo_are_refused_without_hanging(tmp_path):
    saved(tmp_path, gesture_engine())
    (tmp_path / GESTURES_FILE).write_text(HEAD + "1," * 600_000)
    with pytest.raises(ProjectError, match=r"gestures.csv: line 2 is longer than"):
        load_project(tmp_path)
    (tmp_path / GESTURES_FILE).unlink()
    os.mkfifo(tmp_path / GESTURES_FILE)
    with pytest.raises(ProjectError, match=r"gestures.csv is a FIFO"):
        load_project(tmp_path)


def test_too_many_frames_in_one_take_is_an_error_not_a_cut(tmp_path):
    saved(tmp_path, gesture_engine())
    (tmp_path / GESTURES_FILE).write_text(HEAD + frame(1, "hands", 1) * 6_001)
    with pytest.raises(ProjectError, match=r"line 6002: a take of more than 6,000 frames"):
        load_project(tmp_path)


# ---- takes reach the disk while a session is open ---------------------------------------------
def test_a_recorded_take_reaches_gestures_csv_within_a_second(tmp_path):
    folder = tmp_path / "live"
    project = new_project(folder.name, 3, [Output("level")], OSC)
    project.gesture_sets = [GestureSet("hands", 3)]
    session = Session(project, ExampleStore(3, 1).snapshot(), OSC, folder)
    session.start()
    try:
        engine = session.engine
        take(engine, 1, [[0.1 * k, 0.2, 0.3] for k in range(10)])
        assert wait_for(lambda: len(takes_in_file(folder, project)) == 1) < 1.0
        assert_same_takes(takes_in_file(folder, project), engine.gestures.takes)
        take(engine, 2, [[0.5, 0.5, 0.5], [0.6, 0.6, 0.6]])
        engine.delete_gesture_take(1)  # deletes are saved the same way
        wait_for(lambda: [t.id for t in takes_in_file(folder, project)] == [2])
        engine.set_dtw_threshold(2.5)  # and the settings
        doc = lambda: json.loads((folder / "project.json").read_text())  # noqa: E731
        wait_for(lambda: doc()["gesture_sets"][0]["threshold"] == 2.5)
    finally:
        session.close()
    assert [t.id for t in takes_on_disk(folder)] == [2]


def test_stopping_the_saver_saves_a_take_not_yet_on_disk(tmp_path):
    engine = gesture_engine([Output("level")])
    project = new_project("p", 3, [Output("level")], OSC)
    project.gesture_sets = engine.gestures.sets
    saver = ProjectSaver(tmp_path, engine, project)
    saver.start()
    take(engine, 0, [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
    saver.stop()  # at once: the watch may not have seen it yet
    assert_same_takes(takes_on_disk(tmp_path), engine.gestures.takes)
    take(engine, 1, [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])  # after stop: nothing watches
    time.sleep(0.2)
    assert len(takes_on_disk(tmp_path)) == 1


def test_a_take_recorded_while_the_disk_fails_is_saved_when_it_works_again(tmp_path):
    folder = tmp_path / "p"
    engine = gesture_engine()
    project = new_project("p", 3, [], OSC)
    project.gesture_sets = engine.gestures.sets
    saver = ProjectSaver(folder, engine, project)
    saver.start()
    blocker = beside(folder / GESTURES_FILE)
    try:
        blocker.mkdir()  # where the new gestures.csv is written: every save fails, as on a
        take(engine, 0, [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])  # full disk (root included)
        wait_for(lambda: engine.counters.save_errors > 0)
        assert takes_in_file(folder, project) == []
        blocker.rmdir()
        wait_for(lambda: len(takes_in_file(folder, project)) == 1, timeout=5.0)  # asked again
    finally:
        if blocker.is_dir():
            blocker.rmdir()
        saver.stop()
