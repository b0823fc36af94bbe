"""One gesture-mapper at a time per project folder: real processes, real kills, real files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from mapper.errors import ProjectError
from mapper.project import holds_project, load_project
from mapper.project.lock import LOCK_FILE, holder, lock_folder, reading

from .test_headless import headless, record_round, start, wait_until  # noqa: F401 (a fixture)
from .test_project_osc import write_project
from .tui_helpers import app_for, until

HOLD = """
import sys
from pathlib import Path
from mapper.project.lock import lock_folder
lock = lock_folder(Path(sys.argv[1]))
print("held", flush=True)
sys.stdin.readline()
"""


@contextmanager
def held_by_another_process(folder: Path) -> Iterator[subprocess.Popen[str]]:
    """`folder` locked by a separate process (as a running gesture-mapper holds it)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(folder)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "held\n"
        yield proc
    finally:
        proc.kill()
        proc.wait(timeout=10)


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def refused(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`mapper headless FOLDER ARGS`, which must exit by itself (bounded)."""
    proc = start(str(folder), "--send", "127.0.0.1:9", *args)
    try:
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


# ---- two `mapper headless` on one folder --------------------------------------------------
def test_a_second_headless_is_refused_naming_the_first_and_a_kill_releases_it(
    tmp_path,
    receiver,
    headless,  # noqa: F811
):
    folder = tmp_path / "rehearsal"
    first = headless(str(folder), "--inputs", "2", "--outputs", "1")
    record_round(first, receiver, [0.5], [0.1, 0.2])
    first.wait_for_line("examples 15")
    before = files(folder)

    second = refused(folder)
    assert second.returncode == 1, second.stdout
    assert f"{folder} is open in another gesture-mapper (pid {first.proc.pid}, " in second.stderr
    assert "`mapper headless " in second.stderr and "close it first" in second.stderr
    assert "listening on" not in second.stdout  # never started: its peers are not confused
    assert files(folder) == before  # and it changed nothing

    first.proc.send_signal(signal.SIGKILL)  # a crash: the OS lets go of the lock
    first.proc.wait(timeout=10)
    assert (folder / LOCK_FILE).exists()  # left behind, holding nothing
    again = headless(str(folder))
    again.wait_for_line("recovered 15 examples")
    code, _, err = again.stop()
    assert code == 0, err
    assert not (folder / LOCK_FILE).exists()  # a clean exit removes it
    assert len(load_project(folder)[1]) == 15


def test_a_new_project_folder_is_held_from_the_start(tmp_path, headless):  # noqa: F811
    folder = tmp_path / "fresh"
    first = headless(str(folder), "--inputs", "1", "--outputs", "1")
    second = refused(folder, "--inputs", "1", "--outputs", "1")
    assert second.returncode == 1
    assert f"is open in another gesture-mapper (pid {first.proc.pid}, " in second.stderr
    assert first.stop()[0] == 0


# ---- OSC's load and save PATH -------------------------------------------------------------
def test_osc_load_of_a_held_folder_is_refused_and_works_once_it_is_free(
    tmp_path,
    receiver,
    headless,  # noqa: F811
):
    allowed = tmp_path / "allowed"
    write_project(allowed / "a", n_inputs=2, n_outputs=1)
    holder_proc = headless(str(allowed / "a"))
    h = headless(str(allowed / "b"), "--inputs", "3", "--outputs", "1", "--allow-dir", str(allowed))
    before = files(allowed / "a")

    h.client.send_message("/mapper/control/load", [str(allowed / "a")])
    h.wait_for_line("control errors 1")
    h.control("outputs", 0.25)  # still playing b (3 inputs, its own port)
    assert receiver.get_address("/wek/outputs")[2] == (0.25,)
    assert files(allowed / "a") == before

    assert holder_proc.stop()[0] == 0  # closed: free now
    h.client.send_message("/mapper/control/load", [str(allowed / "a")])
    line = h.wait_for_line("opened")
    assert "2 inputs" in line
    assert (allowed / "a" / LOCK_FILE).exists()  # held now
    assert not (allowed / "b" / LOCK_FILE).exists()  # let go when it switched to a
    code, _, err = h.stop()
    assert code == 0
    assert f"is open in another gesture-mapper (pid {holder_proc.proc.pid}, " in err
    assert not (allowed / "a" / LOCK_FILE).exists()


def test_save_as_into_a_folder_another_process_holds_is_refused(tmp_path, receiver):
    from mapper.core.engine import EngineError
    from mapper.osc.settings import OSCSettings
    from mapper.session.session import Session

    write_project(tmp_path / "mine", n_inputs=2, n_outputs=1)
    project, rows = load_project(tmp_path / "mine")
    osc = OSCSettings(listen_port=0, send_port=receiver.port)
    session = Session(project, rows, osc, tmp_path / "mine")
    try:
        with held_by_another_process(tmp_path / "new") as other:  # making a project there
            with pytest.raises(EngineError, match=rf"\(pid {other.pid}, .*close it first"):
                session.save_as(tmp_path / "new")
            assert [p.name for p in (tmp_path / "new").iterdir()] == [LOCK_FILE]
        assert session.folder == tmp_path / "mine"
        session.save_as(tmp_path / "new")  # its holder died: free
        assert session.folder == tmp_path / "new" and (tmp_path / "new" / LOCK_FILE).exists()
        assert not (tmp_path / "mine" / LOCK_FILE).exists()  # let go of the old one
    finally:
        session.close()
    assert not (tmp_path / "new" / LOCK_FILE).exists()  # closed: let go


# ---- readers: `mapper export`, load_project ------------------------------------------------
def test_reading_a_held_folder_changes_nothing_and_export_still_works(
    tmp_path,
    receiver,
    headless,  # noqa: F811
):
    folder = tmp_path / "live"
    h = headless(str(folder), "--inputs", "2", "--outputs", "1")
    record_round(h, receiver, [0.5], [0.1, 0.2])
    h.client.send_message("/mapper/control/save", [])
    wait_until(lambda: len((folder / "examples.csv").read_text().splitlines()) == 16)
    # as if the holder were half-way through writing its next save: not ours to throw away
    (folder / ".examples.csv.tmp").write_text("round,time,inputs-1,inputs-2,outputs-1\n")
    before = files(folder)

    assert len(load_project(folder)[1]) == 15
    done = subprocess.run(
        [sys.executable, "-m", "mapper", "export", str(folder), str(tmp_path / "out.csv")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"open in another gesture-mapper (pid {h.proc.pid}, " in done.stdout
    assert (tmp_path / "out.csv").read_text() == (folder / "examples.csv").read_text()
    assert files(folder) == before  # the holder's beside-file and lock are where they were
    assert h.stop()[0] == 0


def test_a_free_folders_interrupted_save_is_still_cleaned_up_on_load(tmp_path):
    write_project(tmp_path / "p", n_inputs=2, n_outputs=1)
    (tmp_path / "p" / ".examples.csv.tmp").write_text("half a save")
    assert len(load_project(tmp_path / "p")[1]) == 20
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == ["examples.csv", "project.json"]


# ---- the lock itself ---------------------------------------------------------------------
def test_the_lock_names_its_holder_and_a_dead_holder_holds_nothing(tmp_path):
    folder = tmp_path / "p"
    with held_by_another_process(folder) as other:
        with pytest.raises(ProjectError) as refusal:
            lock_folder(folder, wait=0.2)
        message = str(refusal.value)
        assert message.startswith(f"{folder} is open in another gesture-mapper (pid {other.pid}")
        assert "`python -c " in message and ", since " in message
        assert message.endswith("; close it first")
        assert holder(folder) is not None and f"pid {other.pid}" in str(holder(folder))
        with reading(folder) as mine:
            assert not mine
    lock = lock_folder(folder)  # killed: free again, though the file is still there
    assert holder(folder) is None
    assert json.loads((folder / LOCK_FILE).read_text())["pid"] == os.getpid()  # taken over
    same = lock_folder(folder)  # the same process: one gesture-mapper, one hold
    lock.release()
    assert (folder / LOCK_FILE).exists()
    same.release()
    same.release()
    assert not (folder / LOCK_FILE).exists()


def test_a_folder_holding_only_a_lock_file_is_empty_for_a_new_project(tmp_path):
    folder = tmp_path / "left"
    folder.mkdir()
    (folder / LOCK_FILE).write_text("")  # left by a crash before the project was written
    assert holds_project(folder) is False
    proc = start(str(folder), "--send", "127.0.0.1:9", "--inputs", "1", "--outputs", "1")
    try:
        assert proc.stdout is not None and "listening on" in proc.stdout.readline()
        assert (folder / "project.json").exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err


def test_a_lock_made_for_a_new_folder_takes_it_away_again_unused(tmp_path):
    folder = tmp_path / "never"
    lock_folder(folder).release()
    assert not folder.exists()


# ---- the TUI -----------------------------------------------------------------------------
async def test_a_second_tui_on_a_held_folder_says_who_holds_it_and_exits(tmp_path, capsys):
    folder = tmp_path / "p"
    write_project(folder, n_inputs=2, n_outputs=1)
    with held_by_another_process(folder) as other:
        app = app_for(load_project(folder), folder, "--send", "127.0.0.1:9")
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: app.return_code is not None)
        assert app.return_code == 1 and app.session is None
        shown = " ".join(capsys.readouterr().err.split())  # printed as the app exits
        assert f"is open in another gesture-mapper (pid {other.pid}, " in shown


async def test_the_tuis_open_and_save_as_refuse_a_held_folder(tmp_path, receiver):
    from tui.dialogs.ask_folder import AskFolder

    write_project(tmp_path / "theirs", n_inputs=2, n_outputs=1)
    write_project(tmp_path / "mine", n_inputs=2, n_outputs=1)
    with (
        held_by_another_process(tmp_path / "theirs") as other,
        held_by_another_process(tmp_path / "new") as other_new,
    ):
        app = app_for(load_project(tmp_path / "mine"), tmp_path / "mine", "--send", "127.0.0.1:9")
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: app.session is not None)
            await pilot.press("ctrl+o")
            await until(pilot, lambda: isinstance(app.screen, AskFolder))
            app.screen.query_one("Input").value = str(tmp_path / "theirs")
            await pilot.press("enter")
            await until(
                pilot,
                lambda: any("another gesture-mapper" in n.message for n in app._notifications),
            )
            assert app.session is not None and app.session.folder == tmp_path / "mine"
            said = [n.message for n in app._notifications]  # (the next question clears them)
            assert any(f"(pid {other.pid}, " in m for m in said), said
            await pilot.press("S")
            await until(pilot, lambda: isinstance(app.screen, AskFolder))
            app.screen.query_one("Input").value = str(tmp_path / "new")
            await pilot.press("enter")
            await until(
                pilot, lambda: any(f"pid {other_new.pid}" in n.message for n in app._notifications)
            )
            assert app.is_running and app.session.folder == tmp_path / "mine"
        assert [p.name for p in (tmp_path / "new").iterdir()] == [LOCK_FILE]  # nothing saved
    assert not (tmp_path / "mine" / LOCK_FILE).exists()  # the app closed: let go
