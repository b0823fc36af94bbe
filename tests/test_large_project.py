"""Issue 19: a tracked body's project (132 inputs: MediaPipe pose, 33 landmarks x 4) of 100,000
examples and 16 outputs fits the limits, saves and opens again identically, and a file past
the limits is refused in one line.

Writing 100,000 rows takes seconds, so the files here are small: the limit is lowered to what
60 rows of 132 inputs take at their longest, and the real limit is checked by arithmetic and by
the text of a sample of realistic rows (benchmarks/memory.py measures the real thing).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import mapper.core.examples as examples_module
import mapper.project.folder as folder_module
import mapper.project.reading as reading_module
from mapper.core.engine import Engine
from mapper.core.examples import (
    TEXT_LIMIT,
    ExampleRows,
    max_examples,
    max_rows,
    text_bound,
)
from mapper.core.outputs import MAX_NAME, Output
from mapper.file_kinds import size_text
from mapper.osc.settings import OSCSettings
from mapper.project import (
    EXAMPLES_FILE,
    JOURNAL_FILE,
    Project,
    ProjectError,
    load_project,
    save_project,
    table,
)
from mapper.project.journal import first_line
from mapper.project.reading import EXAMPLES_LIMIT, JOURNAL_LIMIT

N_IN, N_OUT = 132, 16
LONGEST = -1.2345678901234567e-300  # a number written at its longest: 24 characters
SMALL_ROWS = 60  # the rows the lowered limit holds


def pose_project(long_names: bool = False) -> Project:
    """132 inputs and 16 continuous outputs; with `long_names`, names at their longest in
    UTF-8 (4 bytes a character)."""
    if long_names:
        names = [f"{k:03d}" + "\U0001d11e" * (MAX_NAME - 3) for k in range(N_IN)]
        outputs = [Output(f"{j:02d}" + "\U0001d11e" * (MAX_NAME - 2)) for j in range(N_OUT)]
    else:
        names = [f"landmark-{k // 4}-{'xyzv'[k % 4]}" for k in range(N_IN)]
        outputs = [Output(f"out-{j}") for j in range(N_OUT)]
    return Project("pose", names, outputs, OSCSettings())


def pose_rows(n: int, inputs: np.ndarray, outputs: np.ndarray | None = None) -> ExampleRows:
    """n rows of these inputs (and outputs: random float32 values by default), every output
    recorded except output 3 in every 7th row, times 10 ms apart."""
    rng = np.random.default_rng(1)
    if outputs is None:
        outputs = rng.random((n, N_OUT), dtype=np.float32).astype(np.float64)
    mask = np.ones((n, N_OUT), dtype=bool)
    mask[::7, 3] = False
    outputs = outputs.copy()
    outputs[~mask] = np.nan
    return ExampleRows(
        ids=np.arange(1, n + 1, dtype=np.int64),
        inputs=inputs,
        outputs=outputs,
        mask=mask,
        rounds=1 + np.arange(n, dtype=np.int64) // 1000,
        times=1_767_225_600.0 + np.arange(n) * 0.01,
    )


def sensor_inputs(n: int, seed: int = 0) -> np.ndarray:
    """Pose landmarks as they arrive over OSC: float32 values (x, y, z around 0..1, a
    visibility 0..1) held as float64."""
    rng = np.random.default_rng(seed)
    return rng.normal(0.5, 0.3, (n, N_IN)).astype(np.float32).astype(np.float64)


def assert_identical(a: ExampleRows, b: ExampleRows) -> None:
    """Every number bit for bit (-0.0 is not 0.0 here), the same outputs recorded."""
    assert a.inputs.shape == b.inputs.shape
    np.testing.assert_array_equal(a.inputs.view(np.uint64), b.inputs.view(np.uint64))
    np.testing.assert_array_equal(a.mask, b.mask)
    np.testing.assert_array_equal(
        a.outputs[a.mask].view(np.uint64), b.outputs[b.mask].view(np.uint64)
    )
    assert np.isnan(b.outputs[~b.mask]).all()
    np.testing.assert_array_equal(a.rounds, b.rounds)
    np.testing.assert_allclose(a.times, b.times, rtol=0, atol=1e-6)  # microseconds


def one_line_error(folder: Path) -> str:
    with pytest.raises(ProjectError) as caught:
        load_project(folder)
    said = str(caught.value)
    assert "\n" not in said
    return said


@pytest.fixture
def small_limit(monkeypatch: pytest.MonkeyPatch) -> int:
    """The limits of the core and of reading lowered to what SMALL_ROWS rows of 132 inputs
    and 16 outputs take at their longest, their header and a journal's first line included."""
    limit = text_bound(SMALL_ROWS, N_IN, N_OUT)
    monkeypatch.setattr(examples_module, "TEXT_LIMIT", limit)
    monkeypatch.setattr(folder_module, "EXAMPLES_LIMIT", limit)
    monkeypatch.setattr(reading_module, "JOURNAL_LIMIT", limit)
    assert max_rows(N_IN, N_OUT) == SMALL_ROWS
    return limit


# ---- the bound ---------------------------------------------------------------------------------
def test_a_hundred_thousand_examples_of_a_tracked_body_fit_the_bound():
    assert EXAMPLES_LIMIT == JOURNAL_LIMIT == TEXT_LIMIT == 384 * 1024 * 1024
    assert max_examples(N_IN, N_OUT) == 106_941  # as the README says
    assert max_rows(N_IN, N_OUT) == max_examples(N_IN, N_OUT) + 1
    assert text_bound(max_rows(N_IN, N_OUT), N_IN, N_OUT) <= TEXT_LIMIT
    assert text_bound(max_rows(N_IN, N_OUT) + 1, N_IN, N_OUT) > TEXT_LIMIT  # not looser
    engine = Engine([f"in-{k}" for k in range(N_IN)], [Output(f"o{j}") for j in range(N_OUT)])
    assert engine.capacity == max_examples(N_IN, N_OUT) >= 100_000
    assert max_examples(63, 8) > 4 * 50_000  # the older yardstick: four long rehearsals


def test_realistic_rows_take_three_fourths_of_the_limit():
    """The text of 100,000 rows, estimated from 2,000: sensor floats written in full (as
    Python's shortest exact repr), and numbers that use all of float64's digits."""
    for inputs in (sensor_inputs(2000), np.random.default_rng(2).random((2000, N_IN))):
        text = table.rows_text(pose_rows(2000, inputs))
        per_row = len(text.encode()) / 2000
        assert 2500 < per_row < 3100
        assert 100_000 * per_row < 0.8 * EXAMPLES_LIMIT
        assert per_row < (text_bound(1, N_IN, N_OUT) - text_bound(0, N_IN, N_OUT))


# ---- near the bound: saves and opens again -----------------------------------------------------
def test_a_project_at_the_bound_with_every_number_at_its_longest_opens_again(small_limit, tmp_path):
    project = pose_project(long_names=True)
    inputs = np.full((SMALL_ROWS, N_IN), LONGEST)
    rows = pose_rows(SMALL_ROWS, inputs, np.full((SMALL_ROWS, N_OUT), LONGEST))
    rows.mask[:] = True
    rows.outputs[:] = LONGEST
    rows.rounds[:] = 999_999_999
    save_project(tmp_path, project, rows)
    text = (tmp_path / EXAMPLES_FILE).read_bytes()
    assert len(text) <= small_limit
    row_bound = text_bound(1, N_IN, N_OUT) - text_bound(0, N_IN, N_OUT)
    rows_text = len(text) - len(text.split(b"\n", 1)[0]) - 1
    assert rows_text > 0.99 * SMALL_ROWS * row_bound  # each row near its bound
    loaded, back = load_project(tmp_path)
    assert loaded.input_names == project.input_names
    assert [o.name for o in loaded.outputs] == [o.name for o in project.outputs]
    assert_identical(rows, back)


def test_a_pose_project_at_the_bound_saves_and_opens_again_identically(small_limit, tmp_path):
    rows = pose_rows(SMALL_ROWS, sensor_inputs(SMALL_ROWS))
    save_project(tmp_path, pose_project(), rows)
    _, back = load_project(tmp_path)
    assert_identical(rows, back)
    save_project(tmp_path, pose_project(), back)  # and again: the same text
    first = (tmp_path / EXAMPLES_FILE).read_bytes()
    _, again = load_project(tmp_path)
    save_project(tmp_path, pose_project(), again)
    assert (tmp_path / EXAMPLES_FILE).read_bytes() == first


@pytest.mark.parametrize("kind", ["float32 sensor values", "full float64", "extremes"])
def test_numbers_round_trip_exactly(kind, tmp_path):
    n = 50
    rng = np.random.default_rng(3)
    if kind == "float32 sensor values":
        inputs = sensor_inputs(n)
    elif kind == "full float64":
        inputs = rng.normal(0.0, 1e3, (n, N_IN)) * 10.0 ** rng.integers(-30, 30, (n, N_IN))
    else:
        special = [5e-324, -5e-324, 2.2250738585072014e-308, 2.225073858507201e-308,
                   1.7976931348623157e308, -1.7976931348623157e308, -0.0, 0.0, 0.1, 1 / 3,
                   1e16, 2.0**53 + 2, 123456789.0, LONGEST, np.nextafter(1.0, 2.0),
                   float(np.float32(0.31)), float(np.finfo(np.float32).tiny)]  # fmt: skip
        inputs = rng.choice(np.array(special), (n, N_IN))
    outputs = rng.choice(inputs.ravel(), (n, N_OUT))
    rows = pose_rows(n, inputs, outputs)
    save_project(tmp_path, pose_project(), rows)
    _, back = load_project(tmp_path)
    assert_identical(rows, back)


# ---- past the bound: refused in one line -------------------------------------------------------
def test_a_file_over_the_byte_limit_is_refused_in_one_line(tmp_path):
    save_project(tmp_path, pose_project(), pose_rows(3, sensor_inputs(3)))
    with open(tmp_path / EXAMPLES_FILE, "r+b") as f:
        f.truncate(EXAMPLES_LIMIT + 1)  # sparse: no disk, no time
    said = one_line_error(tmp_path)
    assert said == (
        f"{tmp_path / EXAMPLES_FILE}: 384 MB is more than the 384 MB this file may hold; fix "
        "it or move it away (the project then opens with no examples)"
    )


def test_more_rows_than_a_project_records_are_refused_in_one_line(small_limit, tmp_path):
    """Short numbers fit many rows in the bytes: a hand-made file of more rows than any save
    writes is refused (it could save again bigger than the limit)."""
    rows = pose_rows(SMALL_ROWS, np.zeros((SMALL_ROWS, N_IN)), np.zeros((SMALL_ROWS, N_OUT)))
    save_project(tmp_path, pose_project(), rows)
    path = tmp_path / EXAMPLES_FILE
    assert load_project(tmp_path)[1].inputs.shape == (SMALL_ROWS, N_IN)  # at the bound: opens
    text = path.read_text()
    path.write_text(text + text.splitlines(keepends=True)[-1])  # one row more
    assert path.stat().st_size < small_limit / 3
    said = one_line_error(tmp_path)
    assert said.startswith(
        f"{path}: line {SMALL_ROWS + 2}: more than {SMALL_ROWS} examples, the most a project of "
        f"132 inputs and 16 outputs holds (its files must open again within "
        f"{size_text(small_limit)}); "
    )


def test_a_journal_of_more_rows_than_a_project_records_is_refused_in_one_line(
    small_limit, tmp_path
):
    project = pose_project()
    save_project(tmp_path, project, pose_rows(1, sensor_inputs(1)))
    assert project.saved is not None
    head = table.header(project.input_names, (o.name for o in project.outputs))
    journal = tmp_path / JOURNAL_FILE

    def write_journal(n: int) -> None:
        rows = pose_rows(n, sensor_inputs(n))
        journal.write_text(first_line(project.saved, full=True) + table.rows_text(rows, head))

    write_journal(SMALL_ROWS + 1)
    said = one_line_error(tmp_path)
    assert said.startswith(f"{journal}: line {SMALL_ROWS + 3}: more than {SMALL_ROWS} examples")
    write_journal(SMALL_ROWS)  # every example the project may hold: recovered
    loaded, back = load_project(tmp_path)
    assert loaded.recovered == SMALL_ROWS and len(back) == SMALL_ROWS


def test_a_wekinator_project_of_more_examples_than_a_project_holds_is_refused(monkeypatch):
    from mapper.project import table, wekinator_import

    theremin = Path(__file__).parent / "data" / "wekinator" / "Theremin"
    held = len(wekinator_import.read_wekinator(theremin).rows)
    for module in (wekinator_import, table):  # the bound, and the message that says it
        monkeypatch.setattr(module, "max_rows", lambda n_in, n_out: held - 1)
    with pytest.raises(ProjectError, match=f"more than {held - 1:,} examples"):
        wekinator_import.read_wekinator(theremin)


def test_a_save_and_a_journal_after_it_of_more_rows_than_a_project_records_are_refused(
    small_limit, tmp_path
):
    project = pose_project()
    save_project(tmp_path, project, pose_rows(SMALL_ROWS, sensor_inputs(SMALL_ROWS)))
    assert project.saved is not None
    head = table.header(project.input_names, (o.name for o in project.outputs))
    journal = tmp_path / JOURNAL_FILE
    journal.write_text(first_line(project.saved, full=False) + table.rows_text(
        pose_rows(1, sensor_inputs(1, seed=5)), head))  # fmt: skip
    said = one_line_error(tmp_path)
    assert said.startswith(f"{journal}: more than {SMALL_ROWS} examples")
