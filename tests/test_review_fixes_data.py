"""After the review of issue 14's hardening: what a project holds can always be written back
and opened again.

1. A time that loading accepts but that cannot be written back (the year 1 east of Greenwich)
   is repaired with a warning; the journal thread never dies of an unexpected error.
2. Recording stops (and says so) before the examples outgrow what a project may open.
3. Text from a project's files reaches a warning escaped; `saved` must be a plain save time.
4. Model settings are bounded, at load and over OSC.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import mapper.core.examples as examples_module
import mapper.project.folder as folder_module
import mapper.project.journal as journal_module
import mapper.project.reading as reading_module
from mapper.core.engine import Engine, Mode
from mapper.core.examples import TEXT_LIMIT, max_examples, text_bound
from mapper.core.outputs import Output
from mapper.errors import EngineError
from mapper.models import ModelError, make_model
from mapper.osc.settings import OSCSettings
from mapper.project import (
    EXAMPLES_FILE,
    JOURNAL_FILE,
    Project,
    ProjectError,
    engine_from_project,
    load_project,
    project_from_engine,
    save_project,
)
from mapper.project import table as table_module
from mapper.project.reading import EXAMPLES_LIMIT, JOURNAL_LIMIT
from mapper.project.saver import ProjectSaver

from .conftest import wait_for

ROOT = Path(__file__).resolve().parents[1]
LONGEST = -1.2345678901234567e-300  # a number written at its longest: 24 characters


# ---- helpers ----------------------------------------------------------------------------------
def recorded_engine() -> Engine:
    outputs = [
        Output("cutoff", min=0.0, max=1.0, model={"type": "knn", "k": 1}),
        Output("pose", kind="classifier", classes=3),
    ]
    engine = Engine(["tilt", "roll"], outputs)
    engine.set_values([0.8, 2.0], send=False)
    for xs in ((0.1, 0.2, 0.3), (0.6, 0.7)):
        engine.start_recording()
        for x in xs:
            engine.process_frame([x, x])
        engine.stop_recording()
    return engine


def save_engine(folder: Path, engine: Engine) -> None:
    project = project_from_engine(engine, Project(folder.name, [], [], OSCSettings()))
    save_project(folder, project, engine.examples.snapshot())


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    """A saved project: 2 inputs, a continuous and a classifier output, rounds of 3 and 2."""
    folder = tmp_path / "song"
    save_engine(folder, recorded_engine())
    return folder


def set_time(folder: Path, line: int, stamp: str) -> None:
    """Write `stamp` as the time of examples.csv's line `line`."""
    path = folder / EXAMPLES_FILE
    lines = path.read_text().splitlines()
    cells = lines[line - 1].split(",")
    cells[1] = stamp
    lines[line - 1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")


def start_saver(folder: Path) -> tuple[Engine, ProjectSaver]:
    project, rows = load_project(folder)
    engine = engine_from_project(project, rows)
    saver = ProjectSaver(folder, engine, project)
    saver.start()
    return engine, saver


def journal_rows(folder: Path) -> int:
    path = folder / JOURNAL_FILE
    return len(path.read_text().splitlines()) - 2 if path.exists() else 0


def journal_thread() -> threading.Thread | None:
    return next((t for t in threading.enumerate() if t.name == "mapper-journal"), None)


# ---- 1. a time that cannot be written back ----------------------------------------------------
UNWRITABLE = [
    "0001-01-01T00:00:00+14:00",  # the year 0 in UTC
    "9999-12-31T23:59:59-01:00",  # the year 10000 in UTC
    "0001-01-01T00:00:00",  # local time, with no time in seconds west of Greenwich (or in UTC)
]


@pytest.mark.parametrize("stamp", UNWRITABLE)
def test_a_time_that_cannot_be_written_back_opens_repaired_with_a_warning(saved, stamp):
    set_time(saved, 3, stamp)
    project, rows = load_project(saved)
    assert len(rows) == 5
    warned = [w for w in project.warnings if "cannot be written back" in w]
    assert len(warned) == 1, project.warnings
    assert "1 example (the first on line 3)" in warned[0]
    assert table_module.FIRST_TIME <= rows.times.min() <= rows.times.max() <= table_module.LAST_TIME
    save_project(saved, project, rows)  # it saves, and opens again as it was saved
    again, rows_again = load_project(saved)
    assert again.warnings == []
    np.testing.assert_array_equal(rows_again.times, rows.times)


def test_every_time_is_written_somehow():
    for stamp in (-1e300, 1e300, float("nan"), float("inf"), -float("inf")):
        text = table_module.format_time(stamp)
        assert text.endswith("+00:00") and len(text) == 32
    assert table_module.format_time(0.0) == "1970-01-01T00:00:00.000000+00:00"


def test_mapper_export_works_on_such_a_project(saved, tmp_path):
    set_time(saved, 2, UNWRITABLE[0])
    for name in ("data.csv", "data.arff"):
        out = tmp_path / name
        done = subprocess.run(
            [sys.executable, "-m", "mapper", "export", str(saved), str(out)],
            capture_output=True, text=True, timeout=60, cwd=ROOT,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "cannot be written back" in done.stderr and "Traceback" not in done.stderr
        assert len(out.read_text().splitlines()) > 5
    assert "0001-01-02T00:00:00.000000+00:00" in (tmp_path / "data.csv").read_text()


def test_the_journal_keeps_writing_after_a_deletion_in_such_a_project(saved):
    set_time(saved, 2, UNWRITABLE[0])
    engine, saver = start_saver(saved)  # it opens, saves (the repair kept) and journals
    try:
        engine.delete_round(2)  # the journal now holds every example: the repaired time too
        wait_for(lambda: journal_rows(saved) == 3)
        engine.set_values([0.4, 1.0], send=False)
        engine.start_recording()
        for x in (0.9, 0.8):
            engine.process_frame([x, x])
        engine.stop_recording()
        wait_for(lambda: journal_rows(saved) == 5)
        assert engine.counters.save_errors == 0
        project, rows = load_project(saved)  # as if the process died now
    finally:
        saver.stop()
    assert (project.recovered, len(rows)) == (5, 5)
    assert rows.rounds.tolist() == [1, 1, 1, 3, 3]
    assert rows.times[0] == table_module.FIRST_TIME


def test_the_journal_thread_survives_an_unexpected_error(saved, monkeypatch, caplog):
    monkeypatch.setattr(journal_module, "RETRY_FIRST", 0.05)
    engine, saver = start_saver(saved)
    rows_text = table_module.rows_text
    calls = {"n": 0}

    def failing_once(*args: Any, **kwargs: Any) -> str:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ValueError("year 0 is out of range")  # any bug: not an OSError
        return rows_text(*args, **kwargs)

    monkeypatch.setattr(journal_module.table, "rows_text", failing_once)
    try:
        engine.delete_round(1)  # a full rewrite of the journal: it fails once
        wait_for(lambda: calls["n"] >= 1)
        wait_for(lambda: engine.counters.save_errors == 1)
        thread = journal_thread()
        assert thread is not None and thread.is_alive()
        engine.start_recording()
        engine.process_frame([0.5, 0.5])
        engine.stop_recording()
        wait_for(lambda: journal_rows(saved) == 3)  # the retry wrote every example
        _, rows = load_project(saved)
    finally:
        saver.stop()
    assert len(rows) == 3
    assert engine.counters.save_errors == 1  # one episode
    assert sum("could not write the journal" in r.getMessage() for r in caplog.records) == 1


def test_a_row_that_cannot_be_written_is_a_failed_save_not_a_crash(saved, monkeypatch):
    before = (saved / EXAMPLES_FILE).read_text()
    project, rows = load_project(saved)

    def broken(stamp: float) -> str:
        raise ValueError("year 0 is out of range")

    monkeypatch.setattr(table_module, "format_time", broken)
    with pytest.raises(OSError, match="example 1 cannot be written: year 0 is out of range"):
        save_project(saved, project, rows)
    assert (saved / EXAMPLES_FILE).read_text() == before  # the old files as they were


# ---- 2. recording stops before the project could not open -------------------------------------
def test_the_limits_are_the_cores_and_room_is_left_for_a_real_performance():
    assert EXAMPLES_LIMIT == JOURNAL_LIMIT == TEXT_LIMIT
    for n_in, n_out in ((1, 1), (2, 2), (63, 8), (1000, 64), (10_000, 1)):
        n = max_examples(n_in, n_out)
        assert n > 0 and text_bound(n + 1, n_in, n_out) <= TEXT_LIMIT
    assert max_examples(63, 8) > 2 * 50_000  # a long rehearsal of 63 inputs fits twice over


@pytest.fixture
def small_limit(monkeypatch: pytest.MonkeyPatch) -> int:
    """The limits of the core and of reading as small as a few dozen examples of 63 inputs."""
    limit = 200_000
    monkeypatch.setattr(examples_module, "TEXT_LIMIT", limit)
    monkeypatch.setattr(folder_module, "EXAMPLES_LIMIT", limit)
    monkeypatch.setattr(reading_module, "JOURNAL_LIMIT", limit)
    return limit


def wide_engine() -> tuple[Engine, list[tuple[str, str]]]:
    """63 inputs and 8 outputs set to numbers written at their longest, hearing its events."""
    names = [f"a-rather-long-input-name-{k:03d}" for k in range(63)]
    engine = Engine(names, [Output(f"out-{j}") for j in range(8)])
    engine.set_values([LONGEST] * 8, send=False)
    events: list[tuple[str, str]] = []
    engine.add_event_sink(lambda name, detail: events.append((name, detail)))
    return engine, events


def test_recording_stops_at_the_capacity_and_the_saved_project_opens(small_limit, tmp_path):
    engine, events = wide_engine()
    cap = engine.capacity
    assert 20 < cap < 200
    engine.start_recording()
    for k in range(cap + 50):
        engine.process_frame([LONGEST * (k + 1)] * 63)
    assert len(engine.examples) == cap  # every frame until the cap, none after
    assert engine.mode is Mode.IDLE
    assert [name for name, _ in events] == ["recording-full"]
    assert events[0][1].startswith(f"recording stopped: the project holds {cap} examples")
    engine.start_recording()  # full: nothing starts, and it says so
    assert engine.mode is Mode.IDLE
    assert events[-1][0] == "recording-full" and "recording did not start" in events[-1][1]
    folder = tmp_path / "full"
    save_engine(folder, engine)
    assert (folder / EXAMPLES_FILE).stat().st_size <= small_limit
    _, rows = load_project(folder)
    np.testing.assert_array_equal(rows.inputs, engine.examples.snapshot().inputs)


def test_a_full_project_is_said_where_the_musician_looks(small_limit, make_rig, caplog):
    """Headless prints the OSC server's warnings; the TUI shows them as notifications."""
    rig = make_rig(n_inputs=63, outputs=[Output(f"out-{j}") for j in range(8)])
    rig.control("startRecording")
    for _ in range(rig.engine.capacity + 20):
        rig.send("/wek/inputs", *([0.5] * 63))
    rig.sync()
    assert len(rig.engine.examples) == rig.engine.capacity
    assert rig.engine.mode is Mode.IDLE
    said = [r.getMessage() for r in caplog.records if r.name == "mapper.osc"]
    assert any(m.startswith("recording-full: recording stopped: the project holds") for m in said)


def test_a_timed_take_ends_at_the_capacity(small_limit):
    engine, events = wide_engine()
    engine.set_transport(count_in=0.0, record_for=60.0)
    engine.record_take()
    assert engine.mode is Mode.RECORDING and engine.take_ends > 0
    for _ in range(engine.capacity):
        engine.process_frame([0.5] * 63)
    assert engine.mode is Mode.IDLE and engine.take_ends == 0.0
    assert [name for name, _ in events] == ["recording-full"]


def test_the_journal_of_a_full_project_opens_too(small_limit, tmp_path):
    engine, _ = wide_engine()
    project = Project("full", list(engine.input_names), engine.outputs, OSCSettings())
    saver = ProjectSaver(tmp_path, engine, project)
    saver.start()
    try:
        engine.start_recording()
        for _ in range(10):
            engine.process_frame([LONGEST] * 63)
        engine.stop_recording()
        wait_for(lambda: journal_rows(tmp_path) == 10)
        engine.delete_round(1)  # the journal holds every example from now on
        engine.start_recording()
        for _ in range(engine.capacity + 5):
            engine.process_frame([LONGEST] * 63)
        wait_for(lambda: journal_rows(tmp_path) == engine.capacity)
        assert (tmp_path / JOURNAL_FILE).stat().st_size <= small_limit
        project, rows = load_project(tmp_path)  # as if the process died now
    finally:
        saver.stop()
    assert len(rows) == engine.capacity


def test_a_round_put_back_must_fit(small_limit):
    engine, _ = wide_engine()
    engine.start_recording()
    for _ in range(10):
        engine.process_frame([0.5] * 63)
    engine.stop_recording()
    engine.delete_round(1)
    engine.start_recording()
    for _ in range(engine.capacity):
        engine.process_frame([0.5] * 63)
    with pytest.raises(EngineError, match=r"round 1 \(10 examples\) does not fit"):
        engine.restore_round()
    engine.delete_examples(engine.examples.snapshot().ids[:10].tolist())
    assert engine.restore_round() == 1  # kept to put back once there is room
    assert len(engine.examples) == engine.capacity


def test_the_hot_path_still_records_below_the_capacity():
    engine, events = wide_engine()
    engine.start_recording()
    for _ in range(100):
        engine.process_frame([0.5] * 63)
    engine.stop_recording()
    assert (len(engine.examples), events) == (100, [])


# ---- 3. file text in warnings: escaped --------------------------------------------------------
ESCAPES = "\x1b[2J\x1b[31mowned\x07"  # no ";": the first line ends its base there


def test_a_journals_base_reaches_the_warning_escaped(saved):
    head = (saved / EXAMPLES_FILE).read_text().splitlines()[0]
    journal = f"# gesture-mapper journal; base={ESCAPES}; mode=append\n{head}\n"
    (saved / JOURNAL_FILE).write_text(journal)
    project, rows = load_project(saved)
    warned = [w for w in project.warnings if "continues another save" in w]
    assert len(warned) == 1 and len(rows) == 5
    assert "\x1b" not in warned[0] and "\x07" not in warned[0]
    assert "\\x1b[2J" in warned[0]


@pytest.mark.parametrize(
    "bad", [ESCAPES, "2026-01-01T00:00:00+00:00" + ESCAPES, 12345, ["x"], "yesterday"]
)
def test_a_saved_field_that_is_no_save_time_is_null_with_a_warning(saved, bad):
    doc = json.loads((saved / "project.json").read_text())
    good = doc["saved"]
    doc["saved"] = bad
    (saved / "project.json").write_text(json.dumps(doc))
    project, rows = load_project(saved)
    assert project.saved is None and len(rows) == 5
    warned = [w for w in project.warnings if "saved:" in w]
    assert len(warned) == 1 and "treated as null" in warned[0]
    assert all(c.isprintable() for c in "".join(project.warnings))
    doc["saved"] = good
    (saved / "project.json").write_text(json.dumps(doc))
    assert load_project(saved)[0].saved == good  # a plain save time is kept as it is


# ---- 4. model settings are bounded ------------------------------------------------------------
@pytest.mark.parametrize(
    ("settings", "classifier", "expected"),
    [
        ({"type": "mlp", "hidden": [4096] * 200}, False, "setting 'hidden' must be"),
        ({"type": "mlp", "hidden": [8] * 9}, False, "a list of 1 to 8"),
        ({"type": "mlp", "hidden": [4096, 4096]}, True, "at most 4,194,304 weights"),
        ({"type": "mlp", "seed": 2**64}, False, "setting 'seed' must be"),
        ({"type": "knn", "k": 100_000}, False, "setting 'k' must be a whole number from 1 to 1000"),
        ({"type": "knn", "k": 10**30}, True, "setting 'k' must be"),
        ({"type": "tree", "max_depth": 10**6}, True, "setting 'max_depth' must be"),
        ({"type": "adaboost", "n_estimators": 5000}, True, "setting 'n_estimators' must be"),
        ({"type": "adaboost", "n_estimators": 1000, "max_depth": 20}, True, "'max_depth' (20)"),
        ({"type": "svm", "C": 1e300}, True, "setting 'C' must be a number above 0, at most 1e+06"),
    ],
)
def test_absurd_model_settings_are_refused_naming_the_setting(settings, classifier, expected):
    with pytest.raises(ModelError) as caught:
        make_model(settings, classifier)
    message = str(caught.value)
    assert expected in message and len(message) < 400, message


@pytest.mark.parametrize(
    ("settings", "classifier"),
    [
        ({"type": "mlp", "hidden": [2048, 2048]}, False),  # 4,194,304 weights between them
        ({"type": "mlp", "hidden": [64] * 8}, True),
        ({"type": "mlp", "hidden": 4096, "seed": 2**63 - 1}, False),
        ({"type": "knn", "k": 1000}, False),
        ({"type": "adaboost", "n_estimators": 1000, "max_depth": 14}, True),
        ({"type": "tree", "max_depth": 1000}, True),
        ({"type": "svm", "C": 1e6}, True),
    ],
)
def test_generous_model_settings_are_still_accepted(settings, classifier):
    model = vars(make_model(settings, classifier))
    assert all(model[k] == v for k, v in settings.items() if k != "type")


def test_a_huge_network_in_project_json_is_one_line_naming_the_model(saved):
    doc = json.loads((saved / "project.json").read_text())
    doc["outputs"][0]["model"] = {"type": "mlp", "hidden": [4096] * 200}
    (saved / "project.json").write_text(json.dumps(doc))
    began = time.monotonic()
    with pytest.raises(ProjectError) as caught:
        load_project(saved)
    message = str(caught.value)
    assert time.monotonic() - began < 5  # refused, not trained
    assert "\n" not in message and len(message) < 400, message
    assert "outputs[0].model: the 'mlp' model's setting 'hidden' must be" in message


def test_set_model_over_osc_is_refused_naming_the_setting(make_rig):
    rig = make_rig(n_inputs=2, outputs=[Output("level"), Output("pose", "classifier", classes=2)])
    before = [dict(o.model) for o in rig.engine.outputs]
    refusals = [
        ((1, "knn", "k", 100_000), "setting 'k' must be a whole number from 1 to 1000"),
        ((1, "mlp", "hidden", 8192), "setting 'hidden' must be"),
        ((2, "adaboost", "n_estimators", 1000, "max_depth", 20), "make up to"),
        ((2, "svm", "C", 1e30), "setting 'C' must be"),
    ]
    for args, expected in refusals:
        errors = rig.engine.counters.control_errors
        rig.send("/mapper/control/setModel", *args)
        rig.sync()
        assert rig.engine.counters.control_errors == errors + 1
        assert expected in rig.engine.counters.last_control_error
    assert [o.model for o in rig.engine.outputs] == before


@pytest.mark.parametrize(
    ("settings", "n_inputs", "expected"),
    [
        ({"type": "mlp", "hidden": 4096}, 2000, "weights, more than 4,194,304"),
        ({"type": "polynomial", "degree": 3}, 63, "45,759 terms, more than 5,000"),
    ],
)
def test_a_model_too_big_for_its_inputs_fails_to_train_saying_why(settings, n_inputs, expected):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(4, n_inputs)), np.array([0.1, 0.2, 0.3, 0.4])
    began = time.monotonic()
    with pytest.raises(ModelError, match=expected):
        make_model(settings, False).fit(X, y)
    assert time.monotonic() - began < 2  # refused before any weight or term is made


def test_training_that_would_not_fit_in_memory_is_refused():
    from mapper.models.network_fit import check_size

    # a large fit holds its examples, but the hidden layers' arrays only for a block of rows
    # per core: 40,000 examples with 1,200 hidden units need about 2 MB of those
    check_size([2, 1200, 1], 40_000)
    with pytest.raises(ModelError, match=r"on 50,000,000 examples would need .* GB to train"):
        check_size([2, 1200, 1], 50_000_000)


def test_an_engine_reports_such_a_training_failure():
    engine = Engine([f"i{k}" for k in range(63)], [Output("x", model={"type": "polynomial"})])
    engine.set_model(0, {"type": "polynomial", "degree": 3})
    engine.set_values([0.5], send=False)
    engine.start_recording()
    for k in range(3):
        engine.process_frame([float(k)] * 63)
    engine.stop_recording()
    engine.train()
    assert engine.wait_for_training(10)
    assert "45,759 terms" in engine.training.error
