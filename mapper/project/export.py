"""`mapper export`: a project's examples as CSV or ARFF (Wekinator reads ARFF back), and its
trained MLP and kNN models as plain JSON (the form is documented in the README: every number
needed to compute the outputs, nothing to execute).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import numpy as np

from mapper.core.engine import Engine
from mapper.core.examples import ExampleRows
from mapper.models.base import input_scaling
from mapper.project import Project, table

MODELS_FORMAT = "gesture-mapper models"
MODELS_VERSION = 1
# a text cell starting with one of these is a formula to a spreadsheet (OWASP, CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def text_cell(text: str) -> str:
    """A name as a CSV cell a spreadsheet shows and never runs: one starting like a formula
    (`=HYPERLINK(...)`, `-2+3`, `@SUM(...)`) gets a leading single quote (OWASP's rule)."""
    return "'" + text if text.startswith(FORMULA_START) else text


def examples_csv(project: Project, rows: ExampleRows) -> str:
    """The examples as examples.csv holds them (numbers as they are, -0.5 included), with the
    names a spreadsheet would run as formulas neutralised (`text_cell`)."""
    head = table.header(
        [text_cell(n) for n in project.input_names],
        (text_cell(o.name) for o in project.outputs),
    )
    return table.rows_text(rows, head)


def _arff_name(name: str) -> str:
    plain = name and all(c.isalnum() or c in "-_." for c in name)
    return name if plain else "'" + name.replace("\\", "\\\\").replace("'", "\\'") + "'"


def examples_arff(project: Project, rows: ExampleRows) -> str:
    """The examples in Wekinator's currentData.arff layout: ID, Time, Training round, the
    inputs, the outputs (classifiers as nominal {0,1,..,K}); '?' where not recorded."""
    lines = [
        "@relation dataset",
        "",
        "@attribute ID numeric",
        "@attribute Time date 'yyyy/MM/dd HH:mm:ss:SSS'",
        "@attribute 'Training round' numeric",
    ]
    lines += [f"@attribute {_arff_name(n)} numeric" for n in project.input_names]
    for o in project.outputs:
        kind = "{" + ",".join(str(c) for c in range(o.classes + 1)) + "}"
        lines.append(f"@attribute {_arff_name(o.name)} {kind if o.is_classifier else 'numeric'}")
    lines += ["", "@data"]
    for k in range(len(rows)):
        stamp = datetime.fromtimestamp(float(rows.times[k]))
        when = stamp.strftime("%Y/%m/%d %H:%M:%S:") + f"{stamp.microsecond // 1000:03d}"
        outputs = []
        for o, v, m in zip(project.outputs, rows.outputs[k], rows.mask[k]):
            outputs.append("?" if not m else str(int(v)) if o.is_classifier else repr(float(v)))
        cells = [str(k + 1), f"'{when}'", str(int(rows.rounds[k]))]
        cells += [repr(float(v)) for v in rows.inputs[k]]
        lines.append(",".join(cells + outputs))
    return "\n".join(lines) + "\n"


def _floats(a: Any) -> Any:
    return np.asarray(a, dtype=np.float64).tolist()


def _mlp(model: Any) -> dict[str, Any]:
    hidden = [{"weights": _floats(W), "bias": _floats(b)} for W, b in model._hidden_layers_]
    if model.classifier:
        if model._only_ is not None:
            return {"constant": model._only_}
        out = {"weights": _floats(model._out_W_), "bias": _floats(model._out_b_)}
        return {"hidden": hidden, "output": out, "classes": _floats(model.classes_)}
    return {"hidden": hidden, "output": {"weights": _floats(model._out_w_), "bias": model._out_c_}}


def _knn(model: Any, X: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    mean, std = input_scaling(X)
    return {
        "k": int(min(model.k, len(X))),
        "weighted": bool(model.weighted),
        "mean": _floats(mean),
        "std": _floats(std),
        "examples": {"inputs": _floats(X), "targets": _floats(y)},
    }


def models_doc(project: Project, engine: Engine) -> dict[str, Any]:
    """The trained models of `engine` (trained from `project`'s examples) as a JSON document."""
    rows = engine.examples.snapshot()
    models = []
    for j, output in enumerate(engine.outputs):
        entry: dict[str, Any] = {
            "output": output.name,
            "kind": output.kind,
            "settings": dict(output.model),
        }
        trained = engine.trained_model(j)
        type_name = getattr(trained.model, "type_name", "") if trained is not None else ""
        if trained is None:
            entry["exported"] = False
            entry["reason"] = "not trained (no examples)"
        elif type_name not in ("mlp", "knn"):
            entry["exported"] = False
            entry["reason"] = f"{type_name} models are not exported, only mlp and knn"
        else:
            idx = output.input_indices(engine.n_inputs)
            entry["inputs"] = idx
            if type_name == "mlp":
                entry["mlp"] = _mlp(trained.model)
            else:
                keep = np.isin(rows.ids, trained.example_ids)
                X = rows.inputs[keep][:, idx]
                y = rows.outputs[keep, j]
                entry["knn"] = _knn(trained.model, X, y)
            entry["exported"] = True
        models.append(entry)
    return {
        "format": MODELS_FORMAT,
        "version": MODELS_VERSION,
        "project": project.name,
        "inputs": list(engine.input_names),
        "examples": len(rows),
        "models": models,
    }


def check_finite(doc: Any) -> bool:
    """True when every number in the document is finite (JSON has no NaN)."""
    if isinstance(doc, float):
        return math.isfinite(doc)
    if isinstance(doc, dict):
        return all(check_finite(v) for v in doc.values())
    if isinstance(doc, list):
        return all(check_finite(v) for v in doc)
    return True
