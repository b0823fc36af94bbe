"""Projects on disk: a folder with `project.json` (settings) and `examples.csv` (the examples).

Both are plain text a person can read, diff and edit. Trained models are not saved: they are
retrained from the examples on load (seconds, by design), so nothing in a project folder is ever
unpickled or executed. Writes are atomic (write beside, fsync, rename).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from mapper.engine import Engine
from mapper.examples import ExampleRows
from mapper.models import make_model
from mapper.osc.settings import OSCSettings
from mapper.outputs import Output

SCHEMA_VERSION = 1
PROJECT_FILE = "project.json"
EXAMPLES_FILE = "examples.csv"


class ProjectError(Exception):
    """A project that cannot be read or written; the message names the file and what to do."""


@dataclass
class Project:
    """Everything needed to resume: names, outputs and their models, OSC settings, values."""

    name: str
    input_names: list[str]
    outputs: list[Output]
    osc: OSCSettings = field(default_factory=OSCSettings)
    values: list[float] | None = None  # the hand-set output values when last saved
    transport: dict[str, float] = field(default_factory=dict)  # count-in, record-for, smoothing
    generator: dict[str, Any] | None = None  # the latent model this project steers, if any


def new_project(name: str, n_inputs: int, outputs: list[Output], osc: OSCSettings) -> Project:
    """A fresh project with Wekinator's default input names (inputs-1, inputs-2, ...)."""
    return Project(name, [f"inputs-{i + 1}" for i in range(n_inputs)], outputs, osc)


# ---- saving ---------------------------------------------------------------------------------
def save_project(folder: Path, project: Project, rows: ExampleRows) -> None:
    """Write project.json and examples.csv into folder (created if needed), each atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    doc = {
        "schema": SCHEMA_VERSION,
        "name": project.name,
        "inputs": {"names": project.input_names},
        "outputs": [_output_doc(o) for o in project.outputs],
        "values": project.values,
        "osc": dataclasses.asdict(project.osc),
        "transport": project.transport,
    }
    if project.generator is not None:
        doc["generator"] = project.generator
    _write_atomic(folder / PROJECT_FILE, json.dumps(doc, indent=2) + "\n")
    _write_atomic(folder / EXAMPLES_FILE, _examples_csv(project, rows))


def _output_doc(o: Output) -> dict[str, Any]:
    doc = dataclasses.asdict(o)
    if o.is_classifier:
        for key in ("min", "max", "integer", "hard_limits"):
            doc.pop(key)
    else:
        doc.pop("classes")
    return doc


def _examples_csv(project: Project, rows: ExampleRows) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["round", "time", *project.input_names, *(o.name for o in project.outputs)])
    for k in range(len(rows)):
        stamp = datetime.fromtimestamp(float(rows.times[k]), timezone.utc)
        outputs = [repr(float(v)) if m else "" for v, m in zip(rows.outputs[k], rows.mask[k])]
        writer.writerow(
            [
                int(rows.rounds[k]),
                stamp.isoformat(timespec="microseconds"),
                *(repr(float(v)) for v in rows.inputs[k]),
                *outputs,
            ]
        )
    return buf.getvalue()


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


# ---- loading --------------------------------------------------------------------------------
def load_project(folder: Path) -> tuple[Project, ExampleRows]:
    """Read a project folder; ProjectError says what is wrong, where, and what to do."""
    path = folder / PROJECT_FILE
    if not path.is_file():
        raise ProjectError(f"{path}: not found; is {folder} a gesture-mapper project folder?")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ProjectError(
            f"{path}: invalid JSON at line {e.lineno}, column {e.colno}: {e.msg}"
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ProjectError(f"{path}: cannot be read: {e}") from e
    project = _project_from_doc(doc, path)
    rows = _read_examples(folder / EXAMPLES_FILE, project)
    return project, rows


def _project_from_doc(doc: Any, path: Path) -> Project:
    if not isinstance(doc, dict):
        raise ProjectError(f"{path}: expected a JSON object at the top")
    schema = doc.get("schema")
    if schema != SCHEMA_VERSION:
        if isinstance(schema, int) and schema > SCHEMA_VERSION:
            raise ProjectError(
                f"{path}: schema version {schema} is newer than this gesture-mapper understands "
                f"({SCHEMA_VERSION}); upgrade gesture-mapper to open it"
            )
        raise ProjectError(f"{path}: field 'schema' must be {SCHEMA_VERSION}, found {schema!r}")
    try:
        names = [str(n) for n in doc["inputs"]["names"]]
        outputs = []
        for k, o in enumerate(doc["outputs"]):
            try:
                _check_output_fields(o)
                output = Output(**o)
                make_model(output.model, output.is_classifier)
            except (TypeError, ValueError) as e:
                raise ProjectError(f"{path}: outputs[{k}]: {e}") from e
            if output.inputs is not None and not all(0 <= i < len(names) for i in output.inputs):
                raise ProjectError(
                    f"{path}: outputs[{k}].inputs: input numbers must be 0..{len(names) - 1}"
                )
            outputs.append(output)
        osc = OSCSettings(**doc.get("osc", {}))
        values = doc.get("values")
        transport = doc.get("transport", {})
        generator = doc.get("generator")
    except KeyError as e:
        raise ProjectError(f"{path}: missing field {e}") from e
    except (TypeError, ValueError) as e:
        raise ProjectError(f"{path}: {e}") from e
    if not names or not outputs:
        raise ProjectError(f"{path}: a project needs at least one input and one output")
    if values is not None:
        if not isinstance(values, list) or len(values) != len(outputs):
            raise ProjectError(f"{path}: 'values' must list one number per output")
        for o, v in zip(outputs, values):
            problem = o.check_value(v) if _is_number(v) else f"{o.name}: {v!r} is not a number"
            if problem:
                raise ProjectError(f"{path}: values: {problem}")
    if not isinstance(transport, dict) or not all(
        isinstance(k, str) and _is_number(v) for k, v in transport.items()
    ):
        raise ProjectError(f"{path}: 'transport' must map names to numbers")
    if generator is not None and not isinstance(generator, dict):
        raise ProjectError(f"{path}: 'generator' must be an object or absent")
    name = str(doc.get("name", path.parent.name))
    return Project(name, names, outputs, osc, values, transport, generator)


_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "name": (str,),
    "kind": (str,),
    "min": (int, float),
    "max": (int, float),
    "integer": (bool,),
    "hard_limits": (bool,),
    "classes": (int,),
    "model": (dict,),
    "inputs": (list, type(None)),
    "record": (bool,),
    "run": (bool,),
    "train": (bool,),
    "probabilities": (bool,),
}


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _check_output_fields(o: Any) -> None:
    """TypeError naming the field whose JSON value has the wrong type (or is unknown)."""
    if not isinstance(o, dict):
        raise TypeError("each output must be a JSON object")
    for key, value in o.items():
        types = _FIELD_TYPES.get(key)
        if types is None:
            raise TypeError(f"unknown field {key!r}; the fields are: {', '.join(_FIELD_TYPES)}")
        numeric = types in ((int, float), (int,))
        if not isinstance(value, types) or (numeric and isinstance(value, bool)):
            names = " or ".join("null" if t is type(None) else t.__name__ for t in types)
            raise TypeError(f"field {key!r} must be {names}, not {value!r}")
    if isinstance(o.get("inputs"), list) and not all(_is_number(i) for i in o["inputs"]):
        raise TypeError("field 'inputs' must list input numbers")


@dataclass
class _Columns:
    """Example columns as they are read, row by row."""

    rounds: list[int] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    inputs: list[list[float]] = field(default_factory=list)
    outputs: list[list[float]] = field(default_factory=list)
    mask: list[list[bool]] = field(default_factory=list)

    def rows(self, n_in: int, n_out: int) -> ExampleRows:
        n = len(self.rounds)
        return ExampleRows(
            ids=np.arange(1, n + 1, dtype=np.int64),
            inputs=np.asarray(self.inputs, dtype=np.float64).reshape(n, n_in),
            outputs=np.asarray(self.outputs, dtype=np.float64).reshape(n, n_out),
            mask=np.asarray(self.mask, dtype=bool).reshape(n, n_out),
            rounds=np.asarray(self.rounds, dtype=np.int64),
            times=np.asarray(self.times, dtype=np.float64),
        )


def _read_examples(path: Path, project: Project) -> ExampleRows:
    n_in, n_out = len(project.input_names), len(project.outputs)
    width = 2 + n_in + n_out
    columns = _Columns()
    if not path.exists():
        return columns.rows(n_in, n_out)
    try:
        with open(path, encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is not None and len(header) != width:
                raise ProjectError(
                    f"{path}: line 1: the header has {len(header)} columns, expected {width} "
                    f"(round, time, {n_in} inputs, {n_out} outputs as in {PROJECT_FILE})"
                )
            for cells in reader:
                if not cells:
                    continue
                if len(cells) != width:
                    raise ProjectError(
                        f"{path}: line {reader.line_num}: {len(cells)} columns, expected {width}"
                    )
                _parse_row(cells, project, f"{path}: line {reader.line_num}", columns)
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise ProjectError(f"{path}: cannot be read: {e}") from e
    return columns.rows(n_in, n_out)


def _parse_row(cells: list[str], project: Project, where: str, columns: _Columns) -> None:
    n_in = len(project.input_names)
    try:
        round_ = int(cells[0])
        stamp = datetime.fromisoformat(cells[1]).timestamp()
    except ValueError as e:
        raise ProjectError(
            f"{where}: round must be a whole number and time an ISO date ({e})"
        ) from None
    inputs = [_cell(c, where, f"input {k + 1}") for k, c in enumerate(cells[2 : 2 + n_in])]
    outputs, mask = [], []
    for o, c in zip(project.outputs, cells[2 + n_in :]):
        if c.strip() == "":
            outputs.append(math.nan)
            mask.append(False)
            continue
        value = _cell(c, where, f"output {o.name!r}")
        problem = o.check_value(value)
        if problem is None and o.is_classifier and value == 0:
            problem = f"{o.name}: class 0 (no class) cannot be learned; leave the cell empty"
        if problem is None and o.hard_limits and not o.min <= value <= o.max:
            problem = f"{o.name}: {value} is outside its hard limits [{o.min}, {o.max}]"
        if problem:
            raise ProjectError(f"{where}: {problem}")
        outputs.append(value)
        mask.append(True)
    columns.rounds.append(round_)
    columns.times.append(stamp)
    columns.inputs.append(inputs)
    columns.outputs.append(outputs)
    columns.mask.append(mask)


def _cell(text: str, where: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ProjectError(f"{where}: {what} is {text!r}, not a number") from None
    if not math.isfinite(value):
        raise ProjectError(f"{where}: {what} is {text}; examples must be finite numbers")
    return value


# ---- projects <-> the engine ----------------------------------------------------------------
def engine_from_project(project: Project, rows: ExampleRows) -> Engine:
    """A ready engine holding the project's settings, values and examples (not yet trained)."""
    engine = Engine(project.input_names, project.outputs)
    if project.values is not None:
        engine.set_values(project.values, send=False)
    engine.add_examples(rows)
    engine.set_transport(**project.transport)
    return engine


def project_from_engine(engine: Engine, base: Project) -> Project:
    """What to save of a running engine (names, outputs, values, transport), with the name,
    OSC settings and generator of `base`."""
    outputs = [
        dataclasses.replace(
            o, model=dict(o.model), inputs=None if o.inputs is None else [*o.inputs]
        )
        for o in engine.outputs
    ]
    return Project(
        base.name,
        list(engine.input_names),
        outputs,
        base.osc,
        list(engine.values),
        engine.transport.to_dict(),
        base.generator,
    )
