"""Numbers sent over OSC as float32 are kept as their sender typed them: 0.8, not
0.800000011920929 (the float32 nearest 0.8), in the engine, project files and examples."""

from __future__ import annotations

import json
import struct

import pytest

from mapper.core.outputs import Output
from mapper.osc.codec import as_typed
from mapper.osc.settings import OSCSettings
from mapper.project import Project, load_project, project_from_engine, save_project


def float32(x: float) -> float:
    return struct.unpack(">f", struct.pack(">f", x))[0]


@pytest.mark.parametrize("typed", [0.8, 0.1, -0.7, 0.3, 1e-4, 12345.678, 3e38, 1e-40])
def test_a_float32_reads_back_as_the_number_typed(typed):
    assert float32(typed) != typed or typed in (0.0,)  # each one is float32 noise when sent
    assert as_typed(float32(typed)) == typed


def test_numbers_that_are_not_float32_values_pass_unchanged():
    for x in (1 / 3, 0.1, 2.0**-60 + 1.0, float("inf"), 1e39):
        assert as_typed(x) == x or x != x


def test_values_settings_and_files_keep_what_was_sent(make_rig, tmp_path):
    """/wekinator/control/outputs 0.8, setSmoothing 0.3 and setModel ... alpha 0.0001, all
    float32 on the wire (python-osc sends floats so), are 0.8, 0.3 and 0.0001 in the engine,
    in project.json and in examples.csv."""
    rig = make_rig(n_inputs=1, outputs=[Output("level"), Output("tone")])
    rig.record([0.8, 0.1], [[0.25]] * 2)
    rig.control("outputs", 0.8, 0.1)
    rig.send("/mapper/control/setSmoothing", 0.3)
    rig.send("/mapper/control/setModel", 1, "mlp", "alpha", 0.0001)
    rig.sync()
    engine = rig.engine
    assert engine.values == [0.8, 0.1]
    assert engine.transport.smoothing == 0.3
    assert engine.outputs[0].model["alpha"] == 0.0001

    base = Project("typed", [], [], OSCSettings())
    save_project(tmp_path / "p", project_from_engine(engine, base), engine.examples.snapshot())
    text = (tmp_path / "p" / "project.json").read_text()
    saved = json.loads(text)
    assert "0.800000011920929" not in text and "0.30000001" not in text
    assert saved["values"] == [0.8, 0.1]
    csv = (tmp_path / "p" / "examples.csv").read_text()
    assert ",0.8,0.1" in csv and "0.800000011920929" not in csv
    assert load_project(tmp_path / "p")[0].values == [0.8, 0.1]
