"""Saving and opening projects over OSC in `mapper headless`, only inside --allow-dir folders."""

from __future__ import annotations

import numpy as np
import pytest

from mapper.core.engine import Engine
from mapper.core.outputs import make_outputs
from mapper.osc.settings import OSCSettings
from mapper.project import Project, load_project, project_from_engine, save_project

from .test_headless import headless, record_round, wait_until  # noqa: F401 (a fixture)


def write_project(folder, n_inputs: int, n_outputs: int) -> None:
    engine = Engine([f"in-{i}" for i in range(n_inputs)], make_outputs(n_outputs))
    for pose, value in ((0.0, 0.2), (1.0, 0.8)):
        engine.set_values([value] * n_outputs, send=False)
        engine.start_recording()
        for k in range(10):
            engine.process_frame([pose + 0.001 * k] * n_inputs)
        engine.stop_recording()
    base = Project(folder.name, [], [], OSCSettings())
    save_project(folder, project_from_engine(engine, base), engine.examples.snapshot())


def test_save_load_and_run_new_project_inside_allowed_folders(
    tmp_path,
    receiver,
    headless,  # noqa: F811
):
    allowed, outside = tmp_path / "allowed", tmp_path / "outside"
    allowed.mkdir()
    h = headless(str(allowed / "a"), "--inputs", "2", "--outputs", "1", "--allow-dir", str(allowed))
    record_round(h, receiver, [0.5], [0.1, 0.2])

    h.client.send_message("/mapper/control/save", ["b"])  # relative: inside the first allowed
    wait_until(lambda: (allowed / "b" / "project.json").exists())
    assert len(load_project(allowed / "b")[1]) == 15

    h.client.send_message("/mapper/control/save", [str(outside / "x")])
    h.client.send_message("/mapper/control/load", [str(allowed / ".." / "outside")])
    h.wait_for_line("control errors 2")
    assert not outside.exists()

    write_project(allowed / "c", n_inputs=3, n_outputs=2)
    h.client.send_message("/wekinator/control/runNewProject", [str(allowed / "c")])
    h.wait_for_line("opened")  # a new engine: 3 inputs, 2 outputs, same port
    receiver.get_address("/wekinator/status/done-training", timeout=30)
    h.wait_for_line("running")
    h.client.send_message("/wek/inputs", [0.99, 0.99, 0.99])
    _, tags, values = receiver.get_address("/wek/outputs")
    assert tags == "ff" and values == pytest.approx((0.8, 0.8), abs=0.1)

    h.client.send_message("/mapper/control/load", [str(allowed / "b")])  # back to 2 inputs
    h.wait_for_line("opened")
    h.control("outputs", 0.25)
    assert receiver.get_address("/wek/outputs")[1:] == ("f", (0.25,))
    code, _, err = h.stop()
    assert code == 0
    assert "outside the folders allowed with --allow-dir" in err
    _, rows = load_project(allowed / "b")
    assert len(rows) == 15 and np.all(rows.outputs == 0.5)


def test_paths_over_osc_are_refused_without_allow_dir(tmp_path, headless):  # noqa: F811
    h = headless(str(tmp_path / "p"), "--inputs", "1", "--outputs", "1")
    h.client.send_message("/mapper/control/save", [str(tmp_path / "q")])
    h.wait_for_line("control errors 1")
    code, _, err = h.stop()
    assert code == 0
    assert "start mapper headless with --allow-dir DIR" in err
    assert not (tmp_path / "q").exists()


def test_opening_another_project_never_drops_unsaved_examples(tmp_path, receiver, headless):  # noqa: F811
    allowed = tmp_path / "allowed"
    write_project(allowed / "c", n_inputs=2, n_outputs=1)
    h = headless("--inputs", "2", "--outputs", "1", "--allow-dir", str(allowed))  # no folder
    record_round(h, receiver, [0.5], [0.1, 0.2])
    h.client.send_message("/mapper/control/load", [str(allowed / "c")])
    h.wait_for_line("control errors 1")
    h.client.send_message("/mapper/control/save", [str(allowed / "kept")])
    wait_until(lambda: (allowed / "kept" / "project.json").exists())
    h.client.send_message("/mapper/control/load", [str(allowed / "c")])
    h.wait_for_line("opened")
    code, _, err = h.stop()
    assert code == 0 and "15 examples are not saved: save them first" in err
    assert len(load_project(allowed / "kept")[1]) == 15
