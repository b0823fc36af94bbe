"""The journal: recorded examples reach the disk at once and come back after a crash."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pythonosc.udp_client import SimpleUDPClient

from mapper.core.engine import Engine
from mapper.core.outputs import Output
from mapper.osc.settings import OSCSettings
from mapper.project import (
    JOURNAL_FILE,
    Project,
    ProjectError,
    load_project,
    new_project,
    save_project,
)
from mapper.project.files import COMMIT_NOTE, beside
from mapper.project.saver import ProjectSaver

from .test_headless import READY, start


def make_saver(folder: Path) -> tuple[Engine, ProjectSaver]:
    outputs = [Output("pitch"), Output("pose", kind="classifier", classes=3)]
    project = new_project("j", 2, outputs, OSCSettings())
    engine = Engine(project.input_names, outputs)
    saver = ProjectSaver(folder, engine, project)
    saver.start()
    return engine, saver


def record(engine: Engine, frames: list[list[float]], values: list[float]) -> None:
    engine.set_values(values, send=False)
    engine.start_recording()
    for f in frames:
        engine.process_frame(f)
    engine.stop_recording()


def wait_for_journal(folder: Path, rows: int, timeout: float = 2.0) -> float:
    """Seconds until journal.csv holds `rows` example lines."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        path = folder / JOURNAL_FILE
        if path.exists() and len(path.read_text().splitlines()) - 2 >= rows:
            return time.monotonic() - began
        time.sleep(0.002)
    pytest.fail(f"journal did not reach {rows} rows in {timeout} s")


def test_examples_reach_the_journal_fast_and_are_recovered(tmp_path):
    engine, saver = make_saver(tmp_path)
    try:
        record(engine, [[0.1 * k, 0.5] for k in range(20)], [0.25, 2.0])
        assert wait_for_journal(tmp_path, 20) < 0.5  # within 0.1 s, with slack for a busy box
        # as if the process died now: the folder alone holds every example
        project, rows = load_project(tmp_path)
    finally:
        saver.stop()
    assert project.recovered == 20
    assert rows.inputs[:, 0].tolist() == pytest.approx([0.1 * k for k in range(20)])
    assert rows.outputs[0].tolist() == [0.25, 2.0]


def test_a_save_empties_the_journal_and_nothing_is_counted_twice(tmp_path):
    engine, saver = make_saver(tmp_path)
    record(engine, [[0.0, 0.0], [1.0, 1.0]], [0.5, 1.0])
    wait_for_journal(tmp_path, 2)
    saver.save_now()
    assert not (tmp_path / JOURNAL_FILE).exists()
    record(engine, [[0.5, 0.5]], [0.75, 3.0])
    wait_for_journal(tmp_path, 1)
    project, rows = load_project(tmp_path)
    saver.stop()
    assert project.recovered == 1
    assert len(rows) == 3
    assert rows.outputs[:, 0].tolist() == [0.5, 0.5, 0.75]


def test_deleted_examples_are_not_resurrected(tmp_path):
    engine, saver = make_saver(tmp_path)
    record(engine, [[0.0, 0.0]] * 3, [0.1, 1.0])
    record(engine, [[1.0, 1.0]] * 4, [0.9, 2.0])
    saver.save_now()
    engine.delete_round(1)
    record(engine, [[0.5, 0.5]] * 2, [0.5, 3.0])
    engine.delete_examples_for_output(1)  # masks change, rows with only that output go
    time.sleep(0.3)
    _, rows = load_project(tmp_path)
    saver.stop()
    assert rows.rounds.tolist() == [2, 2, 2, 2, 3, 3]
    assert not rows.mask[:, 1].any()
    assert engine.examples.snapshot().outputs[:, 0].tolist() == rows.outputs[:, 0].tolist()


def test_a_journal_from_another_save_is_set_aside_not_applied(tmp_path):
    engine, saver = make_saver(tmp_path)
    record(engine, [[0.2, 0.2]], [0.2, 1.0])
    wait_for_journal(tmp_path, 1)
    saver.stop()
    stale = (tmp_path / JOURNAL_FILE).read_text()
    saver.save_now()  # the examples are in examples.csv now
    (tmp_path / JOURNAL_FILE).write_text(stale)  # e.g. a journal copied back by hand
    project, rows = load_project(tmp_path)
    assert (project.recovered, len(rows)) == (0, 1)
    assert (tmp_path / "journal.unused.csv").read_text() == stale


def test_a_torn_last_line_is_ignored_and_a_damaged_middle_is_an_error(tmp_path):
    engine, saver = make_saver(tmp_path)
    record(engine, [[0.1, 0.1], [0.2, 0.2], [0.3, 0.3]], [0.5, 1.0])
    wait_for_journal(tmp_path, 3)
    saver.stop()
    path = tmp_path / JOURNAL_FILE
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines) + "\n" + lines[-1][:9])  # the kill cut a line short
    assert len(load_project(tmp_path)[1]) == 3
    lines[3] = "1,2026-01-01T00:00:00+00:00,oops"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ProjectError, match=r"journal.csv: line 4.*move it away"):
        load_project(tmp_path)


def _two_saves(tmp_path: Path) -> tuple[Project, Engine]:
    engine, saver = make_saver(tmp_path)
    saver.stop()
    record(engine, [[0.1, 0.1]], [0.5, 1.0])
    saver.save_now()
    return saver.project, engine


def test_a_save_interrupted_after_its_commit_note_is_finished_on_load(tmp_path):
    project, engine = _two_saves(tmp_path)
    # a later save that was killed after writing its note, before its renames
    record(engine, [[0.9, 0.9]], [0.7, 2.0])
    newer = tmp_path / "newer"
    save_project(newer, project, engine.examples.snapshot())
    for name in ("project.json", "examples.csv"):
        beside(tmp_path / name).write_text((newer / name).read_text())
    (tmp_path / COMMIT_NOTE).write_text(
        json.dumps({"rename": ["project.json", "examples.csv"], "remove": ["journal.csv"]})
    )
    _, rows = load_project(tmp_path)
    assert len(rows) == 2
    assert not (tmp_path / COMMIT_NOTE).exists() and not list(tmp_path.glob(".*.tmp"))


def test_a_save_interrupted_before_its_commit_note_leaves_the_old_project(tmp_path):
    _two_saves(tmp_path)
    beside(tmp_path / "project.json").write_text("{half a fi")
    _, rows = load_project(tmp_path)
    assert len(rows) == 1
    assert not list(tmp_path.glob(".*.tmp"))


# ---- real processes, real kills ---------------------------------------------------------------
def test_sigkill_while_recording_at_1000_frames_per_second_loses_nothing_older_than_200ms(
    tmp_path,
):
    folder = tmp_path / "rehearsal"
    proc = start(str(folder), "--inputs", "3", "--outputs", "2", "--send", "127.0.0.1:9")
    try:
        assert proc.stdout is not None
        port = int(READY.search(proc.stdout.readline()).group(1))  # type: ignore[union-attr]
        client = SimpleUDPClient("127.0.0.1", port)
        client.send_message("/wekinator/control/outputs", [0.3, 0.6])
        client.send_message("/wekinator/control/startRecording", [])
        sent: list[float] = []  # send time of frame k
        began = time.perf_counter()
        for k in range(2500):  # 2.5 s at 1,000 frames/s
            while time.perf_counter() < began + k / 1000:
                pass
            client.send_message("/wek/inputs", [float(k), 0.5, 0.25])
            sent.append(time.perf_counter())
        killed = time.perf_counter()
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    _, rows = load_project(folder)
    have = set(rows.inputs[:, 0].astype(int).tolist())
    old_enough = [k for k, t in enumerate(sent) if killed - t > 0.2]
    lost = [k for k in old_enough if k not in have]
    assert len(old_enough) > 2000
    assert lost == [], f"{len(lost)} examples older than 200 ms lost, first {lost[:5]}"

    again = start(str(folder), "--send", "127.0.0.1:9")
    try:
        out = [again.stdout.readline() for _ in range(2)]  # type: ignore[union-attr]
        assert f"recovered {len(rows)} examples from the journal" in out[1]
        again.send_signal(signal.SIGTERM)
        again.wait(timeout=20)
    finally:
        if again.poll() is None:
            again.kill()
    assert not (folder / JOURNAL_FILE).exists()  # saved: the journal starts afresh
    assert len(load_project(folder)[1]) == len(rows)


SAVE_LOOP = """
import sys
from pathlib import Path
import numpy as np
from mapper.core.examples import ExampleRows
from mapper.osc.settings import OSCSettings
from mapper.core.outputs import Output
from mapper.project import new_project, save_project

folder = Path(sys.argv[1])
print("saving", flush=True)
for gen in range(1, 10_000):
    n = 4000 + gen
    project = new_project(f"gen-{gen}", 2, [Output("out")], OSCSettings())
    rows = ExampleRows(
        ids=np.arange(1, n + 1), inputs=np.full((n, 2), float(gen)), outputs=np.zeros((n, 1)),
        mask=np.ones((n, 1), bool), rounds=np.ones(n, np.int64), times=np.zeros(n),
    )
    save_project(folder, project, rows)
"""


def test_a_kill_during_saves_leaves_the_old_or_the_new_project(tmp_path):
    folder = tmp_path / "saving"
    generations = set()
    for attempt in range(8):
        proc = subprocess.Popen(
            [sys.executable, "-c", SAVE_LOOP, str(folder)],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stdout is not None and proc.stdout.readline() == "saving\n"
            time.sleep(0.3 + 0.037 * attempt)  # land at different points of a save
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
        if not (folder / "project.json").exists() and not (folder / COMMIT_NOTE).exists():
            continue  # killed before the very first save: nothing to check
        project, rows = load_project(folder)  # never a mix: the name and the rows agree
        gen = int(project.name.split("-")[1])
        assert len(rows) == 4000 + gen
        assert rows.inputs[0, 0] == gen
        generations.add(gen)
        assert not list(folder.glob(".*.tmp")) and not (folder / COMMIT_NOTE).exists()
    assert len(generations) >= 2  # the kills did land during a run of saves
