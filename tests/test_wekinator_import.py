"""`mapper import-wekinator` on a Wekinator project folder written by hand in its format."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from mapper.project import engine_from_project, load_project

THEREMIN = Path(__file__).parent / "data" / "wekinator" / "Theremin"


def mapper(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mapper", *args], capture_output=True, text=True, timeout=120
    )


def test_import_keeps_every_example_and_setting(tmp_path):
    dest = tmp_path / "theremin"
    done = mapper("import-wekinator", str(THEREMIN), str(dest))
    assert done.returncode == 0, done.stderr
    assert "Weka models are not imported" in done.stdout and "retrained" in done.stdout
    assert "9 examples in 3 rounds" in done.stdout

    project, rows = load_project(dest)
    assert project.input_names == ["hand-x", "hand-y", "hand z"]
    pitch, steps, mood = project.outputs
    assert (pitch.name, pitch.kind, pitch.min, pitch.max) == ("pitch", "continuous", 20.0, 2000.0)
    assert pitch.hard_limits and not pitch.integer
    assert (steps.min, steps.max, steps.integer, steps.hard_limits) == (0.0, 10.0, True, False)
    assert (mood.kind, mood.classes, mood.probabilities) == ("classifier", 3, True)
    assert (project.osc.input_address, project.osc.output_address) == (
        "/wek/inputs",
        "/synth/params",
    )
    assert (project.osc.send_host, project.osc.send_port, project.osc.listen_port) == (
        "localhost",
        57120,
        6449,
    )
    assert rows.rounds.tolist() == [1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert rows.inputs[3].tolist() == [0.9, 0.8, 0.5]
    assert (
        rows.mask.tolist()
        == [[True, True, True]] * 5 + [[True, True, False]] + [[False, False, True]] * 3
    )
    assert rows.outputs[:6, 0].tolist() == [220.0] * 3 + [880.0] * 3
    assert rows.outputs[6:, 2].tolist() == [3.0] * 3
    first = datetime.strptime("2019/03/02 20:15:01:100", "%Y/%m/%d %H:%M:%S:%f").timestamp()
    assert rows.times[0] == pytest.approx(first, abs=1e-6)

    engine = engine_from_project(project, rows)  # retrained from the examples
    engine.train()
    assert engine.wait_for_training(60)
    engine.start_running()
    sent: list[list[float]] = []
    engine.add_output_sink(sent.append)
    engine.process_frame([0.9, 0.81, 0.5])
    assert sent[-1][0] == pytest.approx(880.0, abs=60)
    assert sent[-1][2] == 2.0
    engine.process_frame([0.5, 0.9, 0.99])
    assert sent[-1][2] == 3.0


def test_nothing_is_overwritten_and_broken_files_are_named(tmp_path):
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "mine.txt").write_text("keep me")
    done = mapper("import-wekinator", str(THEREMIN), str(taken))
    assert done.returncode == 2 and "not empty" in done.stderr
    assert [p.name for p in taken.iterdir()] == ["mine.txt"]

    broken = tmp_path / "Broken"
    shutil.copytree(THEREMIN, broken)
    (broken / "outputConfig.xml").write_text("<OSCOutputGroup><outputs>")
    done = mapper("import-wekinator", str(broken), str(tmp_path / "new"))
    assert done.returncode == 1
    assert "outputConfig.xml: not valid XML" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "new").exists()

    shutil.copytree(THEREMIN, broken, dirs_exist_ok=True)
    arff = broken / "current" / "currentData.arff"
    arff.write_text(arff.read_text().replace("0.52,880.0,7,2", "0.52,880.0,7"))
    done = mapper("import-wekinator", str(broken), str(tmp_path / "new"))
    assert done.returncode == 1
    assert "currentData.arff: line 18: 8 values, expected 9" in done.stderr
    assert not (tmp_path / "new").exists()


def test_exported_arff_goes_back_to_wekinator_layout(tmp_path):
    dest = tmp_path / "theremin"
    assert mapper("import-wekinator", str(THEREMIN), str(dest)).returncode == 0
    back = tmp_path / "Back"
    shutil.copytree(THEREMIN, back)
    arff = back / "current" / "currentData.arff"
    arff.unlink()
    done = mapper("export", str(dest), str(arff))
    assert done.returncode == 0, done.stderr
    text = arff.read_text()
    assert "@attribute mood {0,1,2,3}" in text and "@attribute 'hand z' numeric" in text
    assert "7,'2019/03/02 20:15:09:010',3,0.5,0.9,1.0,?,?,3" in text
    _, original = load_project(dest)
    again = tmp_path / "again"
    assert mapper("import-wekinator", str(back), str(again)).returncode == 0
    _, rows = load_project(again)
    np.testing.assert_array_equal(rows.mask, original.mask)
    np.testing.assert_array_equal(rows.inputs, original.inputs)
    np.testing.assert_array_equal(rows.outputs[rows.mask], original.outputs[original.mask])
    np.testing.assert_allclose(rows.times, original.times, atol=1e-3)
