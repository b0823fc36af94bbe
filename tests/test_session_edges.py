"""The session's edges found in review: save-as never over a project (the TUI's `S` too), a
newer save never lost to an older one, the folder's lock held until the last save is written,
a load of nothing making nothing, and OSC jobs queued before close() never running after it.
Real files in tmp folders, real sessions on port 0; a slow disk is a slowed save function."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

import mapper.project.saver as saver_module
from mapper.core.engine import EngineError
from mapper.core.examples import ExampleStore
from mapper.core.outputs import Output
from mapper.osc.encoding import encode_message
from mapper.osc.settings import OSCSettings
from mapper.project import engine_from_project, load_project, new_project, save_project
from mapper.project.lock import holder
from mapper.project.saver import ProjectSaver
from mapper.session.session import Session

from .conftest import wait_for


def make_project(folder: Path, examples: int = 3) -> Path:
    project = new_project(folder.name, 2, [Output("level", model={"type": "knn", "k": 1})],
                          OSCSettings(listen_port=0, send_port=9))  # fmt: skip
    store = ExampleStore(2, 1)
    for k in range(examples):
        store.append([0.1 * k, 0.2], [0.5], [True], 1, time.time())
    save_project(folder, project, store.snapshot())
    return folder


def session_on(folder: Path, allowed: list[Path] | None = None) -> Session:
    project, rows = load_project(folder)
    session = Session(project, rows, project.osc, folder, allowed_dirs=allowed or [])
    session.start()
    return session


def test_save_as_never_writes_over_a_project(tmp_path: Path):
    mine, theirs = make_project(tmp_path / "mine", 1), make_project(tmp_path / "theirs", 50)
    before = {p.name: p.read_bytes() for p in theirs.iterdir()}
    session = session_on(mine)
    try:
        with pytest.raises(EngineError, match="holds a project already"):
            session.save_as(theirs)  # what the TUI's S calls
        assert session.folder == mine
    finally:
        session.close()
    assert {p.name: p.read_bytes() for p in theirs.iterdir()} == before
    assert len(load_project(theirs)[1]) == 50


def test_a_save_numbered_first_but_read_last_never_wins(tmp_path: Path, monkeypatch):
    folder = make_project(tmp_path / "p")
    project, rows = load_project(folder)
    engine = engine_from_project(project, rows)
    saver = ProjectSaver(folder, engine, project)
    real, paused, go_on = saver_module.project_from_engine, threading.Event(), threading.Event()

    def slow_for_a(e, base):  # thread A is preempted between taking its number and reading
        if threading.current_thread().name == "A":
            paused.set()
            go_on.wait(5)
        return real(e, base)

    monkeypatch.setattr(saver_module, "project_from_engine", slow_for_a)
    a = threading.Thread(target=saver.save_now, name="A")
    a.start()
    assert paused.wait(5)
    b = threading.Thread(target=saver.save_now, name="B")  # numbered after A
    b.start()
    b.join(0.5)  # B may save what it read now (before the fix it did, and won)
    engine.set_output_names(["renamed"])  # then the newest state, which A reads...
    go_on.set()
    a.join(10)
    b.join(10)
    saved = json.loads((folder / "project.json").read_text())
    assert saved["outputs"][0]["name"] == "renamed"  # ...is what is on disk


def test_the_lock_is_held_until_a_save_under_way_is_written(tmp_path: Path, monkeypatch):
    folder = make_project(tmp_path / "p")
    real, writing = saver_module.save_project, threading.Event()
    written: list[float] = []

    def slow_save(*args, **kwargs):  # a big examples.csv on a slow card
        if threading.current_thread().name == "mapper-save":
            writing.set()
            time.sleep(0.8)
        real(*args, **kwargs)
        written.append(time.monotonic())

    monkeypatch.setattr(saver_module, "save_project", slow_save)
    session = session_on(folder)
    session.server.handle_datagram(encode_message("/mapper/control/save", []))
    assert writing.wait(5)
    session.close()
    released = time.monotonic()
    assert written and written[-1] <= released  # the save landed before the lock went
    assert holder(folder) is None


def test_a_load_of_a_folder_that_is_not_there_makes_nothing(tmp_path: Path):
    root = tmp_path / "allowed"
    make_project(root / "a")
    session = session_on(root / "a", [root])
    try:
        for k in range(3):
            session.server.handle_datagram(encode_message("/mapper/control/load", [f"junk{k}/x/y"]))
        wait_for(lambda: session.engine.counters.control_errors == 3)
        assert session.folder == root / "a"
    finally:
        session.close()
    assert sorted(p.name for p in root.iterdir()) == ["a"]
    assert "no project.json" in session.engine.counters.last_control_error


def test_a_load_queued_before_close_never_runs_after_it(tmp_path: Path):
    root = tmp_path / "allowed"
    a, b = make_project(root / "a"), make_project(root / "b")
    session = session_on(a, [root])
    with session._switch:  # close() has begun (it takes the switch first) when a load arrives
        session.server.handle_datagram(encode_message("/mapper/control/load", [str(b)]))
        time.sleep(0.2)  # its worker waits for the switch
        session.close()
    closed = time.time()
    time.sleep(1.0)  # the worker gives up on the switch only now
    assert session.folder == a and not session.server._thread.is_alive()
    assert holder(a) is None and holder(b) is None and not (b / ".lock").exists()
    assert (a / "project.json").stat().st_mtime <= closed


def test_a_name_that_only_looks_like_loopback_is_kept_to_this_machine():
    from mapper.session.options import NetworkOptions

    for host in ("127.0.0.1.attacker.example", "127.example", "0.0.0.0", "::"):
        saved = OSCSettings(listen_host=host, listen_port=7000)
        assert NetworkOptions().apply(saved).listen_host == "127.0.0.1", host
        assert NetworkOptions().warnings(saved), host
    for host in ("127.0.0.1", "127.5.6.7", "::1", "localhost"):
        saved = OSCSettings(listen_host=host, listen_port=7000)
        assert NetworkOptions().apply(saved).listen_host == host
        assert NetworkOptions().warnings(saved) == []


def test_a_flood_of_saves_copies_nothing_on_the_receive_thread(tmp_path: Path, monkeypatch):
    from mapper.osc.encoding import encode_bundle

    session = session_on(make_project(tmp_path / "p", examples=2000))
    readers: list[str] = []
    real = saver_module.read_store

    def counted(*args, **kwargs):
        readers.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(saver_module, "read_store", counted)
    try:
        session.engine.set_output_names(["after"])
        flood = encode_bundle([encode_message("/mapper/control/save", [])] * 1800)
        session.server.handle_datagram(flood)  # as the receive thread does
        assert threading.current_thread().name not in readers  # no copy of 2,000 rows here
        assert session.saver is not None and session.saver.wait_for_saves()
        assert 1 <= len(readers) <= 2  # 1,800 saves asked for: one or two written
        saved = json.loads((tmp_path / "p" / "project.json").read_text())
        assert saved["outputs"][0]["name"] == "after"
    finally:
        session.close()


def test_set_model_saves_the_plain_type_and_delete_round_of_nothing_says_so(tmp_path: Path):
    session = session_on(make_project(tmp_path / "p"))
    try:
        session.server.handle_datagram(
            encode_message("/mapper/control/setModel", [1, "\r\rKNN ", "k", 2])
        )
        assert session.engine.outputs[0].model == {"type": "knn", "k": 2}
        session.server.handle_datagram(encode_message("/mapper/control/deleteRound", [1e300], "d"))
        assert session.engine.counters.control_errors == 1
        assert "no round 1e+300: nothing deleted" in session.engine.counters.last_control_error
        assert len(session.engine.examples) == 3
    finally:
        session.close()


@pytest.mark.parametrize("model", ["mlp", "linear", "knn"])
def test_inputs_far_beyond_what_was_taught_never_send_nan(tmp_path: Path, model: str):
    from mapper.core.engine import Engine

    engine = Engine(["x", "y"], [Output("level", model={"type": model})])
    for pose, value in (([0.1, 0.1], 0.2), ([0.9, 0.9], 0.8)):
        engine.set_values([value], send=False)
        engine.start_recording()
        for k in range(5):
            engine.process_frame([pose[0] + 0.01 * k, pose[1]])
        engine.stop_recording()
    engine.train()
    assert engine.wait_for_training(timeout=60)
    sent: list[list[float]] = []
    engine.add_output_sink(sent.append)
    engine.start_running()
    engine.process_frame([0.9, 0.9])
    for frame in ([1e308, 1e308], [1e308, -1e308], [-1e308, 1e308], [3e38, 3e38]):
        engine.process_frame(frame)
    assert len(sent) == 5  # every frame answered (none lost to a float32 that cannot carry it)
    assert all(-3.4e38 < v < 3.4e38 for out in sent for v in out), sent  # never NaN or inf


def test_infinite_limits_never_reach_project_json(tmp_path: Path):
    from mapper.core.engine import Engine

    engine = Engine(["x"], [Output("level")])
    for low, high in ((0.0, float("inf")), (float("-inf"), 1.0), (0.0, float("nan"))):
        with pytest.raises(EngineError):
            engine.set_limits(0, low, high)
    with pytest.raises(ValueError):
        Output("level", max=float("inf"))
    project = new_project("p", 1, [Output("level")], OSCSettings())
    project.outputs[0].max = float("inf")  # however one got there
    with pytest.raises(ValueError):  # never written as JSON's non-standard Infinity
        save_project(tmp_path / "p", project, ExampleStore(1, 1).snapshot())
    assert not (tmp_path / "p" / "project.json").exists()
