"""`mapper import-wekinator`: a Wekinator 2 project folder -> a gesture-mapper project.

Reads `<Name>.wekproj` (listening port, name), `inputConfig.xml` (input names, OSC address),
`outputConfig.xml` (outputs: names, types, limits, class counts; where outputs go) and
`current/currentData.arff` (the examples, with their rounds and '?' for outputs not recorded).
Wekinator's trained models (`current/models/*.xml`) are Java-serialised Weka objects: they are
never read; the models are retrained from the examples instead.

A dynamic time warping project (Wekinator makes a project of one kind: its one output is an
OSCDtwOutput) becomes one gesture set with its takes (`current/currentData.csv`) and the inputs
its model selects (mapper.project.wekinator_dtw, which says what is not imported). XML is
parsed without entity expansion or external resources (mapper.project.wekinator_xml).
"""

from __future__ import annotations

import csv
import math
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from mapper.core.examples import ExampleRows, ExampleStore, max_rows
from mapper.core.outputs import Output
from mapper.osc.settings import OSCSettings
from mapper.project import Project, ProjectError, table

from .wekinator_dtw import DATA, is_dtw, read_dtw
from .wekinator_xml import number, read_xml, text

ARFF = Path("current") / "currentData.arff"
NOT_IMPORTED = (
    "Weka models are not imported (current/models/ holds Java-serialised objects, which are "
    "never read): every output is retrained from the examples"
)


@dataclass
class Imported:
    """A converted project with what the conversion had to say."""

    project: Project
    rows: ExampleRows
    notes: list[str] = field(default_factory=list)


def _outputs(root: ET.Element, path: Path) -> list[Output]:
    group = root.find("outputs")
    if group is None or not len(group):
        raise ProjectError(f"{path}: no <outputs>: a project needs at least one output")
    outputs = []
    for k, node in enumerate(group):
        name = text(node, "name", path, f"outputs-{k + 1}")
        kind = node.tag.rsplit(".", 1)[-1]
        try:
            if kind == "OSCNumericOutput":
                outputs.append(
                    Output(
                        name,
                        min=number(node, "min", path, "0"),
                        max=number(node, "max", path, "1"),
                        integer=text(node, "outputType", path, "REAL") == "INTEGER",
                        hard_limits=text(node, "limitType", path, "SOFT") == "HARD",
                    )
                )
            elif kind == "OSCClassificationOutput":
                classes = number(node, "numClasses", path)
                if classes != int(classes) or classes < 1:
                    raise ProjectError(f"{path}: {name}: numClasses must be a whole number >= 1")
                outputs.append(
                    Output(
                        name,
                        kind="classifier",
                        classes=int(classes),
                        probabilities=text(node, "isSendingDistribution", path, "false") == "true",
                    )
                )
            else:
                raise ProjectError(
                    f"{path}: output {k + 1} ({name}) is a {kind}; only numeric and "
                    "classification outputs, or one dynamic time warping output, can be imported"
                )
        except ValueError as e:
            raise ProjectError(f"{path}: {e}") from e
    return outputs


def read_wekinator(folder: Path) -> Imported:
    """Read a Wekinator project folder (or its .wekproj file); ProjectError if it cannot."""
    if folder.is_file() and folder.suffix == ".wekproj":
        folder = folder.parent
    if not folder.is_dir():
        raise ProjectError(f"{folder}: not found (give the folder that holds the .wekproj file)")
    name = folder.name
    osc = OSCSettings()
    wekproj = sorted(folder.glob("*.wekproj"))
    if wekproj:
        root = read_xml(wekproj[0])
        name = text(root, "projectName", wekproj[0], name)
        osc.listen_port = int(number(root, "oscReceivePort", wekproj[0], "6448"))
    inputs_path, outputs_path = folder / "inputConfig.xml", folder / "outputConfig.xml"
    root = read_xml(inputs_path)
    osc.input_address = text(root, "oscMessage", inputs_path, "/wek/inputs")
    names_node = root.find("inputNames")
    names = [] if names_node is None else [(s.text or "").strip() for s in names_node]
    count = int(number(root, "numInputs", inputs_path, str(len(names))))
    if not names:
        names = [f"inputs-{i + 1}" for i in range(count)]
    if count != len(names) or not names:
        raise ProjectError(
            f"{inputs_path}: numInputs is {count} but {len(names)} input names are listed"
        )
    root = read_xml(outputs_path)
    osc.output_address = text(root, "oscMessage", outputs_path, "/wek/outputs")
    osc.send_host = text(root, "hostName", outputs_path, "localhost")
    osc.send_port = int(number(root, "outputPort", outputs_path, "12000"))
    try:
        osc.__post_init__()
    except ValueError as e:
        raise ProjectError(f"{outputs_path}: {e}") from e
    group = root.find("outputs")
    if group is not None and any(is_dtw(node) for node in group):
        gesture_set, takes, notes = read_dtw(folder, group, outputs_path, names)
        project = Project(name, names, [], osc, gesture_sets=[gesture_set])
        project.takes = takes
        return Imported(project, ExampleStore(len(names), 0).snapshot(), notes)
    outputs = _outputs(root, outputs_path)
    project = Project(name, names, outputs, osc)
    if (folder / DATA).exists() and not (folder / ARFF).exists():
        raise ProjectError(
            f"{folder}: holds dynamic time warping examples ({DATA}) but outputConfig.xml "
            "has no dynamic time warping output: is outputConfig.xml from another project?"
        )
    rows, notes = _read_arff(folder / ARFF, project)
    return Imported(project, rows, [*notes, NOT_IMPORTED])


def _read_arff(path: Path, project: Project) -> tuple[ExampleRows, list[str]]:
    n_in, n_out = len(project.input_names), len(project.outputs)
    columns = table.Columns()
    if not path.is_file():
        return columns.rows(n_in, n_out), [f"{path} not found: the project has no examples"]
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as e:
        raise ProjectError(f"{path}: cannot be read: {e}") from e
    attributes = 0
    data_at = None
    for k, line in enumerate(lines):
        low = line.strip().lower()
        if low.startswith("@attribute"):
            attributes += 1
        elif low.startswith("@data"):
            data_at = k + 1
            break
    width = 3 + n_in + n_out
    if data_at is None:
        raise ProjectError(f"{path}: no @data line: not an ARFF file of examples")
    if attributes != width:
        raise ProjectError(
            f"{path}: {attributes} attributes, expected {width} (ID, Time, Training round, "
            f"{n_in} inputs from inputConfig.xml, {n_out} outputs from outputConfig.xml)"
        )
    clamped = 0
    dropped_class_0 = 0
    reader = csv.reader(lines[data_at:], quotechar="'", skipinitialspace=True)
    most = max_rows(n_in, n_out)
    for line_no, cells in enumerate(reader, start=data_at + 1):
        if not cells or cells[0].lstrip().startswith("%"):
            continue
        where = f"{path}: line {line_no}"
        if len(columns) >= most:  # the project it makes would not open again
            raise ProjectError(table.too_many(where, n_in, n_out))
        if len(cells) != width:
            raise ProjectError(f"{where}: {len(cells)} values, expected {width}")
        try:
            round_ = int(float(cells[2]))
            stamp = datetime.strptime(cells[1].strip(), "%Y/%m/%d %H:%M:%S:%f").timestamp()
            inputs = [float(c) for c in cells[3 : 3 + n_in]]
        except ValueError as e:
            raise ProjectError(f"{where}: {e}") from None
        if not all(math.isfinite(v) for v in inputs):
            raise ProjectError(f"{where}: an input is not a finite number")
        values, mask = [], []
        for o, cell in zip(project.outputs, cells[3 + n_in :]):
            if cell.strip() == "?":
                values.append(math.nan)
                mask.append(False)
                continue
            try:
                value = float(cell)
            except ValueError:
                raise ProjectError(f"{where}: output {o.name} is {cell!r}, not a number") from None
            problem = o.check_value(value)
            if problem:
                raise ProjectError(f"{where}: {problem}")
            if o.is_classifier and value == 0:
                dropped_class_0 += 1
                values.append(math.nan)
                mask.append(False)
                continue
            if o.hard_limits and not o.min <= value <= o.max:
                clamped += 1
                value = min(max(value, o.min), o.max)
            values.append(value)
            mask.append(True)
        columns.add(round_, stamp, inputs, values, mask)
    notes = []
    if clamped:
        notes.append(f"{clamped} output values outside their hard limits were clamped to them")
    if dropped_class_0:
        notes.append(f"{dropped_class_0} class-0 (no class) values are left unrecorded")
    return columns.rows(n_in, n_out), notes


def train_all(project: Project, rows: ExampleRows, timeout: float = 300.0) -> tuple[str, float]:
    """Retrain every output from the imported examples; returns (problem or '', seconds).
    Gesture sets need no training: a project of gestures alone returns ('', 0.0)."""
    from mapper.core.engine import EngineError
    from mapper.project import engine_from_project

    if not project.outputs:
        return "", 0.0
    engine = engine_from_project(project, rows)
    began = time.perf_counter()
    try:
        engine.train()
    except EngineError as e:
        return str(e), 0.0
    engine.wait_for_training(timeout)
    error = engine.training.error
    return error, time.perf_counter() - began


def counts(rows: ExampleRows) -> list[int]:
    return [int(c) for c in np.asarray(rows.mask).sum(axis=0)]
