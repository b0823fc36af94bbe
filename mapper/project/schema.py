"""project.json: the document written for a project, its checks, and older versions migrated.

Schema versions:
  1  the first format (no `saved` field).
  2  adds `saved`: when the project was saved (UTC, ISO 8601). The journal names the save it
     continues, so a journal left by another save is never applied twice.
  3  adds `gesture_sets` (temporal gestures: name, gestures, threshold, inputs; see
     mapper.project.gesture_sets) and `dtw_progress`; their takes are in gestures.csv. A
     project may have no outputs when it has a gesture set.
  4  adds `novelty` (send /mapper/novelty, hold when novel) and `bookmarks` (kept output
     points, one a line); see mapper.project.curation.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from mapper.core.outputs import MAX_CLASSES, Output, clean_name, name_problem
from mapper.core.transport import LIMITS, Transport
from mapper.errors import ProjectError, shown
from mapper.models import make_model
from mapper.osc.settings import OSCSettings
from mapper.sources.spec import SourceSpec

from .curation import bookmarks_doc, bookmarks_text, novelty_doc, read_bookmarks, read_novelty
from .gesture_sets import read_progress, read_sets, sets_doc
from .model import Project
from .reading import field_name, json_problem, refuse_unknown

SCHEMA_VERSION = 4


def project_doc(project: Project) -> dict[str, Any]:
    """The JSON document of a project (what project.json holds)."""
    doc: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "name": project.name,
        "saved": project.saved,
        "inputs": {"names": project.input_names},
        "outputs": [_output_doc(o) for o in project.outputs],
        "values": project.values,
        "osc": dataclasses.asdict(project.osc),
        "transport": project.transport,
        "gesture_sets": sets_doc(project.gesture_sets),
        "dtw_progress": project.dtw_progress,
        "novelty": novelty_doc(project.novelty_send, project.novelty_hold),
    }
    if project.generator is not None:
        doc["generator"] = project.generator
    if project.source is not None:  # absent from older files: they listen to /wek/inputs
        doc["source"] = project.source
    doc["bookmarks"] = bookmarks_doc(project.bookmarks)  # last: see project_text
    return doc


def project_text(project: Project) -> str:
    """project.json's text: the document indented, each bookmark on one line of its own."""
    doc = project_doc(project)
    marks = doc.pop("bookmarks")
    text = json.dumps(doc, indent=2, allow_nan=False)  # ends "\n}"
    return f'{text[:-2]},\n  "bookmarks": {bookmarks_text(marks)}\n}}\n'


def _output_doc(o: Output) -> dict[str, Any]:
    doc = dataclasses.asdict(o)
    if o.is_classifier:
        for key in ("min", "max", "integer", "hard_limits"):
            doc.pop(key)
    else:
        doc.pop("classes")
    return doc


def _from_1(doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, "schema": 2, "saved": None}


def _from_2(doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, "schema": 3, "gesture_sets": [], "dtw_progress": False}


def _from_3(doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, "schema": 4, "novelty": novelty_doc(False, 0.0), "bookmarks": []}


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    1: _from_1,
    2: _from_2,
    3: _from_3,
}


def migrate(doc: dict[str, Any], path: Path) -> dict[str, Any]:
    """Bring an older document up to SCHEMA_VERSION; refuse a newer or unknown one."""
    schema = doc.get("schema")
    if not isinstance(schema, int) or isinstance(schema, bool) or schema < 1:
        raise ProjectError(
            f"{path}: field 'schema' must be a version number 1..{SCHEMA_VERSION}, found "
            f"{shown(schema)}; is this a gesture-mapper project?"
        )
    if schema > SCHEMA_VERSION:
        raise ProjectError(
            f"{path}: schema version {shown(schema)} is newer than this gesture-mapper understands "
            f"({SCHEMA_VERSION}); upgrade gesture-mapper to open it"
        )
    while doc["schema"] < SCHEMA_VERSION:
        doc = MIGRATIONS[doc["schema"]](doc)
    return doc


def project_from_doc(doc: Any, path: Path) -> Project:
    """Check a project.json document (any schema version) and build the Project. A value that
    cannot work is a ProjectError naming the file and the field; what files written before a
    rule can still hold (a name with control characters, too many classes) is repaired and
    said in `project.warnings`."""
    if not isinstance(doc, dict):
        raise ProjectError(f"{path}: expected a JSON object at the top")
    problem = json_problem(doc)
    if problem:
        raise ProjectError(f"{path}: {problem}")
    doc = migrate(doc, path)
    warnings: list[str] = []
    for key in ("inputs", "outputs"):
        if key not in doc:
            raise ProjectError(f"{path}: missing field {key!r}")
    inputs = doc["inputs"]
    if not isinstance(inputs, dict) or "names" not in inputs:
        raise ProjectError(f"{path}: 'inputs' must be an object with 'names', a list of names")
    names = _input_names(inputs["names"], path, warnings)
    outputs = doc["outputs"]
    if not isinstance(outputs, list):
        raise ProjectError(f"{path}: 'outputs' must be a list of outputs")
    outputs = [_output(o, k, len(names), path, warnings) for k, o in enumerate(outputs)]
    gesture_sets = read_sets(doc.get("gesture_sets"), len(names), path)
    if not names or not (outputs or gesture_sets):
        raise ProjectError(
            f"{path}: a project needs at least one input, and one output or gesture set"
        )
    osc = _osc(doc.get("osc", {}), path)
    transport = _transport(doc.get("transport", {}), path)
    values = _values(doc.get("values"), outputs, path)
    generator = doc.get("generator")
    if generator is not None and not isinstance(generator, dict):
        raise ProjectError(f"{path}: 'generator' must be an object or absent")
    source = _source(doc.get("source"), len(names), path)
    saved = _saved(doc.get("saved"), path, warnings)
    name = doc.get("name", path.parent.name)
    if not isinstance(name, str):
        raise ProjectError(f"{path}: 'name' must be a string, not {shown(name)}")
    if name_problem(name, "name"):
        name = _renamed(name, path.parent.name or "project", "the project's name", path, warnings)
    progress = read_progress(doc.get("dtw_progress"), path)
    send, hold = read_novelty(doc.get("novelty"), path)
    bookmarks = read_bookmarks(doc.get("bookmarks"), len(outputs), path, warnings)
    project = Project(
        name,
        names,
        outputs,
        osc,
        values,
        transport,
        generator,
        saved,
        source,
        gesture_sets,
        progress,
        send,
        hold,
        bookmarks,
    )
    project.warnings = warnings
    return project


def _source(source: Any, n_inputs: int, path: Path) -> dict[str, Any] | None:
    """project.json's `source` (mapper.sources.spec), absent for /wek/inputs alone: its
    inputs must be the project's."""
    if source is None:
        return None
    try:
        spec = SourceSpec.from_doc(source)
    except ValueError as e:
        raise ProjectError(f"{path}: source: {e}") from None
    have = len(spec.input_names())
    if have != n_inputs:
        raise ProjectError(
            f"{path}: source: {spec.label()} gives {have} inputs, the project has {n_inputs}"
        )
    return spec.to_doc()


# a save time as gesture-mapper writes it (2026-01-01T12:00:00.123456+00:00), or near it: digits
# and the date's own signs, nothing a terminal or the journal's first line would read as more
_SAVED = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{2,15}(Z|[+-][0-9]{2}:[0-9]{2})?", re.ASCII)


def _saved(saved: Any, path: Path, warnings: list[str]) -> str | None:
    """project.json's `saved`: a plain ISO 8601 time, or None. Anything else (written by
    hand, or to reach a terminal through a message) is treated as null with a warning: the
    project opens, and a journal beside it is then kept aside, not applied."""
    if saved is None:
        return None
    if isinstance(saved, str) and _SAVED.fullmatch(saved):
        try:
            datetime.fromisoformat(saved)
            return saved
        except ValueError:
            pass
    warnings.append(
        f"{path}: saved: {shown(saved)} is not a save time such as "
        "2026-01-01T12:00:00.000000+00:00: treated as null (never saved)"
    )
    return None


def repair_values(project: Project, path: Path) -> list[str]:
    """Hand-set values that no longer fit their output (a class beyond its count, a number
    that is not finite) go back to the output's first value; says which. Called once the
    examples are read, as they may raise a class count."""
    notes: list[str] = []
    if project.values is None:
        return notes
    for j, (o, v) in enumerate(zip(project.outputs, project.values)):
        problem = o.check_value(v)
        if problem:
            project.values[j] = o.initial_value
            notes.append(f"{path}: values[{j}]: {problem}: set to {o.initial_value:g}")
    return notes


def _renamed(name: str, fallback: str, what: str, path: Path, warnings: list[str]) -> str:
    new = clean_name(name, fallback)
    problem = name_problem(name, what) or what
    warnings.append(f"{path}: {problem}: renamed {new!r}")
    return new


def _input_names(names: Any, path: Path, warnings: list[str]) -> list[str]:
    if not isinstance(names, list):
        raise ProjectError(f"{path}: 'inputs.names' must be a list of input names")
    clean = []
    for k, n in enumerate(names):
        if isinstance(n, bool) or not isinstance(n, (str, int, float)):
            raise ProjectError(f"{path}: inputs.names[{k}] must be a name, not {shown(n)}")
        n = str(n)
        if name_problem(n, f"input {k + 1}"):
            n = _renamed(n, f"inputs-{k + 1}", f"inputs.names[{k}]", path, warnings)
        clean.append(n)
    return clean


def _osc(osc: Any, path: Path) -> OSCSettings:
    if not isinstance(osc, dict):
        raise ProjectError(f"{path}: 'osc' must be an object")
    refuse_unknown(osc, OSCSettings.field_names(), f"{path}: osc")
    try:
        return OSCSettings(**osc)
    except ValueError as e:  # each message starts with the field's name
        raise ProjectError(f"{path}: osc.{e}") from None


def _transport(transport: Any, path: Path) -> dict[str, float]:
    if not isinstance(transport, dict):
        raise ProjectError(f"{path}: 'transport' must map names to numbers of seconds")
    refuse_unknown(transport, LIMITS, f"{path}: transport", "setting")
    given = {k: v for k, v in transport.items() if v is not None}
    try:
        checked = Transport().updated(**given).to_dict()
    except ValueError as e:  # each message starts with the setting's name
        raise ProjectError(f"{path}: transport.{e}") from None
    return {k: checked[k] for k in given}


def _values(values: Any, outputs: list[Output], path: Path) -> list[float] | None:
    if values is None:
        return None
    if not isinstance(values, list) or len(values) != len(outputs):
        raise ProjectError(f"{path}: 'values' must list one number per output")
    numbers = []
    for j, v in enumerate(values):
        if not _is_number(v):
            raise ProjectError(f"{path}: values[{j}]: {shown(v)} is not a number")
        try:
            numbers.append(float(v))
        except OverflowError:
            numbers.append(math.inf)  # not finite: repair_values resets it
    return numbers


def _output(o: Any, k: int, n_inputs: int, path: Path, warnings: list[str]) -> Output:
    at = f"{path}: outputs[{k}]"
    _check_output_fields(o, at)
    try:
        output = Output(**o)
    except (TypeError, ValueError, ArithmeticError) as e:
        raise ProjectError(f"{at}: {e}") from None
    try:  # bounded settings (mapper.models.registry): no model beyond reason is trained at open
        make_model(output.model, output.is_classifier)
    except (TypeError, ValueError, ArithmeticError) as e:
        raise ProjectError(f"{at}.model: {e}") from None
    if output.inputs is not None:
        chosen = sorted(set(output.inputs))
        if not chosen:
            raise ProjectError(f"{at}.inputs: an output needs at least one input (null: all)")
        if not 0 <= chosen[0] <= chosen[-1] < n_inputs:
            raise ProjectError(f"{at}.inputs: input numbers must be 0..{n_inputs - 1}")
        output.inputs = chosen
    if name_problem(output.name, "name"):
        output.name = _renamed(
            output.name, f"outputs-{k + 1}", f"outputs[{k}].name", path, warnings
        )
    if output.is_classifier and output.classes > MAX_CLASSES:
        warnings.append(
            f"{at}.classes: {shown(output.classes)} classes are too many: cut to {MAX_CLASSES:,}"
        )
        output.classes = MAX_CLASSES
    return output


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


def _check_output_fields(o: Any, at: str) -> None:
    """ProjectError naming the field (`outputs[0].inputs`) whose JSON value has the wrong
    type, or is unknown; `at` is where the output is (`project.json: outputs[0]`)."""
    if not isinstance(o, dict):
        raise ProjectError(f"{at}: each output must be a JSON object")
    for key, value in o.items():
        types = _FIELD_TYPES.get(key)
        if types is None:
            raise ProjectError(
                f"{at}.{field_name(key)}: unknown field; the fields are: {', '.join(_FIELD_TYPES)}"
            )
        numeric = types in ((int, float), (int,))
        if not isinstance(value, types) or (numeric and isinstance(value, bool)):
            names = " or ".join("null" if t is type(None) else t.__name__ for t in types)
            raise ProjectError(f"{at}.{key}: must be {names}, not {shown(value)}")
    inputs = o.get("inputs")
    if isinstance(inputs, list) and not all(
        isinstance(i, int) and not isinstance(i, bool) for i in inputs
    ):
        raise ProjectError(
            f"{at}.inputs: must list whole input numbers (0-based), or be null for all"
        )
    if "name" not in o:
        raise ProjectError(f"{at}: missing field 'name'")
