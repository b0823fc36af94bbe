"""project.json: the document written for a project, its checks, and older versions migrated.

Schema versions:
  1  the first format (no `saved` field).
  2  adds `saved`: when the project was saved (UTC, ISO 8601). The journal names the save it
     continues, so a journal left by another save is never applied twice.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mapper.core.outputs import Output
from mapper.errors import ProjectError
from mapper.models import make_model
from mapper.osc.settings import OSCSettings

from .model import Project

SCHEMA_VERSION = 2


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
    }
    if project.generator is not None:
        doc["generator"] = project.generator
    return doc


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


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _from_1}


def migrate(doc: dict[str, Any], path: Path) -> dict[str, Any]:
    """Bring an older document up to SCHEMA_VERSION; refuse a newer or unknown one."""
    schema = doc.get("schema")
    if not isinstance(schema, int) or isinstance(schema, bool) or schema < 1:
        raise ProjectError(
            f"{path}: field 'schema' must be a version number 1..{SCHEMA_VERSION}, found "
            f"{schema!r}; is this a gesture-mapper project?"
        )
    if schema > SCHEMA_VERSION:
        raise ProjectError(
            f"{path}: schema version {schema} is newer than this gesture-mapper understands "
            f"({SCHEMA_VERSION}); upgrade gesture-mapper to open it"
        )
    while doc["schema"] < SCHEMA_VERSION:
        doc = MIGRATIONS[doc["schema"]](doc)
    return doc


def project_from_doc(doc: Any, path: Path) -> Project:
    """Check a project.json document (any schema version) and build the Project."""
    if not isinstance(doc, dict):
        raise ProjectError(f"{path}: expected a JSON object at the top")
    doc = migrate(doc, path)
    try:
        names = doc["inputs"]["names"]
        if not isinstance(names, list):
            raise ProjectError(f"{path}: 'inputs.names' must be a list of input names")
        names = [str(n) for n in names]
        outputs = doc["outputs"]
        if not isinstance(outputs, list):
            raise ProjectError(f"{path}: 'outputs' must be a list of outputs")
        outputs = [_output(o, k, len(names), path) for k, o in enumerate(outputs)]
        osc = doc.get("osc", {})
        if not isinstance(osc, dict):
            raise ProjectError(f"{path}: 'osc' must be an object")
        osc = OSCSettings(**osc)
        values = doc.get("values")
        transport = doc.get("transport", {})
        generator = doc.get("generator")
        saved = doc.get("saved")
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
    if saved is not None and not isinstance(saved, str):
        raise ProjectError(f"{path}: 'saved' must be a date string or null")
    name = str(doc.get("name", path.parent.name))
    return Project(name, names, outputs, osc, values, transport, generator, saved)


def _output(o: Any, k: int, n_inputs: int, path: Path) -> Output:
    try:
        _check_output_fields(o)
        output = Output(**o)
        make_model(output.model, output.is_classifier)
    except (TypeError, ValueError) as e:
        raise ProjectError(f"{path}: outputs[{k}]: {e}") from e
    if output.inputs is not None and not all(0 <= i < n_inputs for i in output.inputs):
        raise ProjectError(f"{path}: outputs[{k}].inputs: input numbers must be 0..{n_inputs - 1}")
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
