"""`mapper import-wekinator` on a Wekinator dynamic time warping project written by hand in its
format, and `mapper export --format dtw` back to Wekinator's DTW data layout."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mapper.core.engine import Engine
from mapper.core.gestures import DEFAULT_THRESHOLD, GestureSet
from mapper.core.outputs import Output
from mapper.osc.settings import OSCSettings
from mapper.project import (
    ProjectError,
    load_project,
    new_project,
    project_from_engine,
    save_project,
)
from mapper.project.dtw_data import FIRST_LINE
from mapper.project.wekinator_import import read_wekinator

# three takes of 2 inputs, as Java's Double.toString writes them (1.0E-5), a trailing comma each
TAKES = [
    (1, [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]),
    (3, [[1.0e-5, 2.0], [3.0, 4.0]]),
    (1, [[0.9, 0.8], [0.7, 0.6], [0.5, 0.4], [0.3, 0.2]]),
]


def mapper(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mapper", *args], capture_output=True, text=True, timeout=120
    )


def java(v: float) -> str:
    return "1.0E-5" if v == 1.0e-5 else repr(v)


def data_text(takes=TAKES) -> str:
    lines = [FIRST_LINE]
    for gesture, frames in takes:
        numbers = "".join(java(v) + "," for f in frames for v in f)
        lines.append(f"2,{gesture},{numbers}")
    return "\n".join(lines) + "\n"


OUTPUTS = """<?xml version="1.0"?>
<OSCOutputGroup>
  <outputs class="linked-list">
    <wekimini.osc.OSCDtwOutput>
      <name>hands</name>
      <numGestures>3</numGestures>
      <gestureNames>
        <string>hands_1</string>
        <string>hands_2</string>
        <string>wave</string>
      </gestureNames>
      <gestureOscMessages>
        <string>/hands_1</string>
        <string>/hands_2</string>
        <string>/wave</string>
      </gestureOscMessages>
    </wekimini.osc.OSCDtwOutput>
  </outputs>
  <oscMessage>/wek/outputs</oscMessage>
  <hostName>localhost</hostName>
  <outputPort>57120</outputPort>
</OSCOutputGroup>
"""

# XStream writes the selectedInputs array in full where it first meets it (inside the
# distance function), and refers to it from the model's own field
MODEL = """<?xml version="1.0"?>
<DtwModel>
  <isGestureActive><boolean>true</boolean><boolean>true</boolean><boolean>true</boolean></isGestureActive>
  <numGestures>3</numGestures>
  <maxDistance>12.5</maxDistance>
  <modelName>hands</modelName>
  <matchThreshold>3.7</matchThreshold>
  <distanceFunction class="wekimini.learning.dtw.EuclideanDistanceWithInputSelection">
    <selectedInputs><boolean>false</boolean><boolean>true</boolean></selectedInputs>
  </distanceFunction>
  <selectedInputs reference="../distanceFunction/selectedInputs"/>
</DtwModel>
"""


def wekinator_dtw(folder: Path, data: str | None = None, model: str | None = MODEL) -> Path:
    (folder / "current" / "models").mkdir(parents=True)
    (folder / "Gestures.wekproj").write_text(
        '<?xml version="1.0"?>\n<WekinatorFileData>\n  <oscReceivePort>6448</oscReceivePort>\n'
        "  <projectName>Gestures</projectName>\n</WekinatorFileData>\n"
    )
    (folder / "inputConfig.xml").write_text(
        '<?xml version="1.0"?>\n<OSCInputGroup>\n  <oscMessage>/wek/inputs</oscMessage>\n'
        "  <numInputs>2</numInputs>\n  <inputNames>\n    <string>mouse-x</string>\n"
        "    <string>mouse-y</string>\n  </inputNames>\n</OSCInputGroup>\n"
    )
    (folder / "outputConfig.xml").write_text(OUTPUTS)
    (folder / "current" / "currentData.csv").write_text(data_text() if data is None else data)
    if model is not None:
        (folder / "current" / "models" / "model1.xml").write_text(model)
    return folder


def test_a_dtw_project_imports_as_one_gesture_set_with_its_takes_and_notes(tmp_path):
    source = wekinator_dtw(tmp_path / "Gestures")
    dest = tmp_path / "gestures"
    done = mapper("import-wekinator", str(source), str(dest))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert (
        "gesture set hands: 3 gestures (/hands_1 .. /hands_3), 3 takes (per gesture: 2, 0, 1)"
        in out
    )
    assert "outputs:" not in out and "examples" not in out
    assert "match threshold is not imported: it is on another scale" in out
    assert "downsampling, minimum length" in out
    assert "custom gesture names and OSC messages are not imported" in out
    assert "Wekinator sent '/wave' for gesture 3" in out
    assert "matching uses the inputs selected in Wekinator: mouse-y" in out
    assert "Traceback" not in done.stderr

    project, rows = load_project(dest)
    assert project.outputs == [] and len(rows) == 0
    assert project.gesture_sets == [GestureSet("hands", 3, DEFAULT_THRESHOLD, [1])]
    assert project.osc.send_port == 57120
    assert [(t.id, t.set, t.gesture) for t in project.takes] == [(1, 0, 0), (2, 0, 2), (3, 0, 0)]
    for t, (_, frames) in zip(project.takes, TAKES):
        assert np.array_equal(t.frames, np.array(frames))


def test_export_in_wekinators_layout_comes_back_through_the_import(tmp_path):
    engine = Engine(["a", "b"], [], [GestureSet("hands", 3)])
    for g, frames in [(0, [[0.1, 1 / 3], [2.5e-300, -7.0]]), (2, [[k / 7, -k] for k in range(30)])]:
        engine.start_gesture_recording(g)
        for f in frames:
            engine.process_frame(f)
        engine.stop_gesture_recording()
    mine = tmp_path / "mine"
    save_project(mine, project_from_engine(engine, new_project("mine", 2, [], OSCSettings())),
                 engine.examples.snapshot())  # fmt: skip
    data = tmp_path / "takes.csv"
    done = mapper("export", str(mine), str(data), "--format", "dtw")
    assert done.returncode == 0, done.stderr
    assert "exported 2 gesture takes" in done.stdout
    lines = data.read_text().splitlines()
    assert lines[0].startswith("# First field is # dimensions") and len(lines) == 3
    assert lines[1] == "2,1,0.1,0.3333333333333333,2.5e-300,-7.0,"  # a comma after each number
    assert lines[2].startswith("2,3,0.0,0.0,0.14285714285714285,-1.0,") and lines[2].endswith(",")

    back = wekinator_dtw(tmp_path / "Back", data=data.read_text(), model=None)
    imported = read_wekinator(back)
    assert any("model1.xml not found: every input counts" in n for n in imported.notes)
    assert imported.project.gesture_sets == [GestureSet("hands", 3)]
    takes = imported.project.takes
    assert [t.gesture for t in takes] == [t.gesture for t in engine.gestures.takes]
    for a, b in zip(takes, engine.gestures.takes):
        assert np.array_equal(a.frames, b.frames)


def test_export_dtw_is_refused_for_a_project_without_gesture_sets(tmp_path):
    plain = tmp_path / "plain"
    engine = Engine(["a"], [Output("level")])
    save_project(plain, project_from_engine(engine, new_project("plain", 1, [], OSCSettings())),
                 engine.examples.snapshot())  # fmt: skip
    target = tmp_path / "takes.csv"
    done = mapper("export", str(plain), str(target), "--format", "dtw")
    assert done.returncode == 2 and "has no gesture sets: --format dtw" in done.stderr
    assert not target.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (FIRST_LINE + "\n3,1,0.1,0.2,0.3,\n", r"currentData.csv: line 2: a take of 3 inputs"),
        (FIRST_LINE + "\n2,4,0.1,0.2,0.3,0.4,\n", r"currentData.csv: line 2: gesture 4; there"),
        (FIRST_LINE + "\n2,1,0.1,0.2,0.3,\n", r"line 2: 3 numbers are not whole frames of 2"),
        (FIRST_LINE + "\n2,1,0.1,NaN,0.3,0.4,\n", r"line 2: number 4 is NaN, not a finite"),
        (FIRST_LINE + "\n2,1,0.1,Infinity,0.3,0.4,\n", r"line 2: number 4 is Infinity"),
        (FIRST_LINE + "\n2,1,0.1,rm -rf,0.3,0.4,\n", r"line 2: number 4 is 'rm -rf', not a"),
        (FIRST_LINE + "\ntwo,1,0.1,0.2,\n", r"line 2: the number of inputs is 'two'"),
        ("2,1," + "0.5," * 2_000_000 + "\n", r"currentData.csv: line 1 is longer than"),
    ],
)
def test_a_broken_dtw_data_file_is_named_and_nothing_is_made(tmp_path, data, message):
    source = wekinator_dtw(tmp_path / "Gestures", data=data)
    with pytest.raises(ProjectError, match=message) as caught:
        read_wekinator(source)
    assert "\n" not in str(caught.value)


def test_the_cli_says_what_is_broken_and_writes_nothing(tmp_path):
    source = wekinator_dtw(tmp_path / "Gestures", data=FIRST_LINE + "\n2,9,0.1,0.2,0.3,0.4,\n")
    done = mapper("import-wekinator", str(source), str(tmp_path / "new"))
    assert done.returncode == 1 and "line 2: gesture 9; there are 1..3" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "new").exists()


def test_takes_of_one_frame_are_left_out_and_said(tmp_path):
    data = data_text([(1, [[0.1, 0.2]]), (2, [[0.1, 0.2], [0.3, 0.4]])])
    imported = read_wekinator(wekinator_dtw(tmp_path / "Gestures", data=data))
    assert [t.gesture for t in imported.project.takes] == [1]
    assert "1 takes of one frame were left out (a take needs 2 frames or more)" in imported.notes


def test_an_unreadable_model_only_costs_the_input_selection(tmp_path):
    source = wekinator_dtw(tmp_path / "Gestures", model="<DtwModel><selectedInputs>")
    imported = read_wekinator(source)
    assert imported.project.gesture_sets[0].inputs is None
    assert any(
        "model1.xml: not valid XML" in n and "every input counts" in n for n in imported.notes
    )
    shutil.rmtree(source)
    entity = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><DtwModel>&a;</DtwModel>'
    imported = read_wekinator(wekinator_dtw(source, model=entity))
    assert any("declares a DOCTYPE" in n for n in imported.notes)


def test_a_dtw_output_beside_others_is_refused(tmp_path):
    source = wekinator_dtw(tmp_path / "Gestures")
    numeric = "<wekimini.osc.OSCNumericOutput><name>x</name></wekimini.osc.OSCNumericOutput>"
    config = source / "outputConfig.xml"
    config.write_text(config.read_text().replace("</outputs>", numeric + "</outputs>"))
    with pytest.raises(ProjectError, match=r"outputConfig.xml: a dynamic time warping output"):
        read_wekinator(source)
