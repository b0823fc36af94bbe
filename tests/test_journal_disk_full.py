"""A full disk while recording: the old project stays byte for byte, the journal backs off
(one log line and one save error, not one every poll), says when it writes again, and loses
nothing once there is room.

The disk fills for real: a writer process whose file size limit (RLIMIT_FSIZE, with SIGXFSZ
ignored) makes its writes fail with EFBIG on real files; where this machine lets the tests
mount a small tmpfs, also on a real full file system (ENOSPC).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mapper.core.engine import Engine
from mapper.core.outputs import Output
from mapper.osc.settings import OSCSettings
from mapper.project import Project, load_project, project_from_engine, save_project

FULL_SECONDS = 5.0

WRITER = r"""
import json, logging, resource, signal, sys, time
from pathlib import Path
from mapper.project import engine_from_project, load_project
from mapper.project.saver import ProjectSaver

folder, seconds, limit = Path(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
logged = []

class Count(logging.Handler):
    def emit(self, record):
        logged.append([time.monotonic(), record.getMessage()])

logging.getLogger("mapper").addHandler(Count(logging.WARNING))
project, rows = load_project(folder)
engine = engine_from_project(project, rows)
saver = ProjectSaver(folder, engine, project)
saver.start()  # a saved project without a journal: nothing is written yet
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead
_, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
if limit:
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
print("full", flush=True)  # the disk is full from here on
began = time.monotonic()
engine.set_values([0.5], send=False)
engine.start_recording()
k = 0
while time.monotonic() - began < seconds:  # 100 frames a second, recorded
    engine.process_frame([k / 1000, 0.5])
    k += 1
    time.sleep(0.01)
engine.stop_recording()
full = {"logged": list(logged), "save_errors": engine.counters.save_errors, "recorded": k}
if limit:
    resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))
else:
    print("free it", flush=True)
    sys.stdin.readline()  # the test made room
freed = time.monotonic()
while time.monotonic() - freed < 15 and not any("written again" in m for _, m in logged):
    time.sleep(0.05)
saver.stop()
full["after"] = [[t - freed, m] for t, m in logged[len(full["logged"]):]]
full["logged"] = [[t - began, m] for t, m in full["logged"]]
print(json.dumps(full), flush=True)
"""


def saved_project(folder: Path) -> dict[str, bytes]:
    engine = Engine(["x", "y"], [Output("level")])
    engine.set_values([0.25], send=False)
    engine.start_recording()
    for k in range(30):
        engine.process_frame([k / 30, -0.5])
    engine.stop_recording()
    base = Project("full", [], [], OSCSettings())
    save_project(folder, project_from_engine(engine, base), engine.examples.snapshot())
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def run_writer(folder: Path, limit: int, free: object = None) -> dict:
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(folder), str(FULL_SECONDS), str(limit)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdin is not None
        assert proc.stdout.readline() == "full\n", proc.stderr.read() if proc.stderr else ""
        if free is not None:
            assert proc.stdout.readline() == "free it\n"
            free()  # type: ignore[operator]
            proc.stdin.write("\n")
            proc.stdin.flush()
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    return json.loads(out.splitlines()[-1])


def check(report: dict, folder: Path, before: dict[str, bytes]) -> None:
    failures = [m for _, m in report["logged"] if "journal" in m]
    assert len(failures) == 1, failures  # one line for the whole episode, not one a poll
    assert "could not write the journal" in failures[0] and "kept in memory" in failures[0]
    assert report["save_errors"] == 1  # one episode, counted once
    again = [m for _, m in report["after"] if "written again" in m]
    assert len(again) == 1, report["after"]
    for name in ("project.json", "examples.csv"):  # the old project, byte for byte
        assert (folder / name).read_bytes() == before[name]
    _, rows = load_project(folder)  # and every example, those recorded while it was full too
    assert len(rows) == 30 + report["recorded"]
    assert rows.inputs[30:, 0].tolist() == [k / 1000 for k in range(report["recorded"])]


def test_a_full_disk_is_logged_once_retried_less_and_nothing_is_lost(tmp_path):
    folder = tmp_path / "project"
    before = saved_project(folder)
    report = run_writer(folder, limit=512)  # the journal's first rows fit, then it is full
    check(report, folder, before)


@pytest.fixture
def small_tmpfs(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root; the RLIMIT_FSIZE test covers this")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_real_full_file_system_too(small_tmpfs):
    folder = small_tmpfs / "project"
    before = saved_project(folder)
    filler = small_tmpfs / "filler"
    with open(filler, "wb", buffering=0) as f:  # fill what is left
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError:
            pass
    report = run_writer(folder, limit=0, free=filler.unlink)
    check(report, folder, before)
