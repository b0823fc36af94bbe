"""Model types, their settings with defaults and checks, and make_model()."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .base import Model, ModelError
from .knn import KNNClassifier, KNNRegressor
from .linear import LinearRegressor, PolynomialRegressor
from .mlp import MLPClassifier, MLPRegressor
from .naive_bayes import NaiveBayesClassifier
from .svm import SVMClassifier
from .tree import AdaBoostClassifier, DecisionTreeClassifier


class _Bad(Exception):
    """A setting value failed its check; carries what a good value looks like."""


def _whole(lo: int, hi: int | None = None) -> Callable[[Any], int]:
    what = (
        f"a whole number from {lo} to {hi}" if hi is not None else f"a whole number, {lo} or more"
    )

    def check(v: Any) -> int:
        if isinstance(v, (bool, np.bool_)) or not isinstance(
            v, (int, float, np.integer, np.floating)
        ):
            raise _Bad(what)
        if not math.isfinite(v) or v != int(v) or v < lo or (hi is not None and v > hi):
            raise _Bad(what)
        return int(v)

    return check


def _number(lo: float, allow_lo: bool) -> Callable[[Any], float]:
    what = f"a number {'of at least' if allow_lo else 'above'} {lo}"

    def check(v: Any) -> float:
        if isinstance(v, (bool, np.bool_)) or not isinstance(
            v, (int, float, np.integer, np.floating)
        ):
            raise _Bad(what)
        v = float(v)
        if not math.isfinite(v) or v < lo or (v == lo and not allow_lo):
            raise _Bad(what)
        return v

    return check


def _boolean(v: Any) -> bool:
    """True/False, or 1/0 and "true"/"false" as OSC senders (Max, Pd) send them."""
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, float)) and v in (0, 1):
        return bool(v)
    if isinstance(v, str) and v.lower() in ("true", "false"):
        return v.lower() == "true"
    raise _Bad("true or false (or 1 or 0)")


def _choice(*options: str) -> Callable[[Any], str]:
    what = "one of " + ", ".join(repr(o) for o in options)

    def check(v: Any) -> str:
        if v not in options:
            raise _Bad(what)
        return str(v)

    return check


def _max_depth(v: Any) -> int | None:
    if v is None:
        return None
    try:
        return _whole(1)(v)
    except _Bad:
        raise _Bad("a whole number, 1 or more, or null for no limit") from None


def _gamma(v: Any) -> str | float:
    if v == "scale":
        return "scale"
    try:
        return _number(0.0, allow_lo=False)(v)
    except _Bad:
        raise _Bad("'scale' or a number above 0") from None


def _hidden(v: Any) -> int | list[int]:
    size = _whole(1, 4096)
    what = "a layer size (whole number from 1 to 4096) or a list of layer sizes"
    if isinstance(v, (list, tuple)):
        if not v:
            raise _Bad(what)
        try:
            return [size(h) for h in v]
        except _Bad:
            raise _Bad(what) from None
    try:
        return size(v)
    except _Bad:
        raise _Bad(what) from None


@dataclass(frozen=True)
class _Setting:
    default: Any
    check: Callable[[Any], Any]


_WEIGHTED = _Setting(False, _boolean)
_MLP = {
    "hidden": _Setting(16, _hidden),
    "max_iter": _Setting(300, _whole(1, 100_000)),
    "alpha": _Setting(1e-8, _number(0.0, allow_lo=True)),
    "seed": _Setting(0, _whole(0)),
}

# type name -> (model class, settings); the first entry of each table is that kind's default
_CONTINUOUS: dict[str, tuple[type[Model], dict[str, _Setting]]] = {
    "mlp": (MLPRegressor, _MLP),
    "knn": (KNNRegressor, {"k": _Setting(5, _whole(1)), "weighted": _WEIGHTED}),
    "linear": (LinearRegressor, {}),
    "polynomial": (PolynomialRegressor, {"degree": _Setting(2, _whole(1, 5))}),
}
_CLASSIFIER: dict[str, tuple[type[Model], dict[str, _Setting]]] = {
    "knn": (KNNClassifier, {"k": _Setting(1, _whole(1)), "weighted": _WEIGHTED}),
    "svm": (
        SVMClassifier,
        {
            "kernel": _Setting("rbf", _choice("rbf", "linear", "poly")),
            "C": _Setting(1.0, _number(0.0, allow_lo=False)),
            "gamma": _Setting("scale", _gamma),
            "degree": _Setting(3, _whole(1, 10)),
        },
    ),
    "tree": (DecisionTreeClassifier, {"max_depth": _Setting(None, _max_depth)}),
    "adaboost": (
        AdaBoostClassifier,
        {"n_estimators": _Setting(50, _whole(1, 10_000)), "max_depth": _Setting(2, _whole(1, 20))},
    ),
    "naive_bayes": (NaiveBayesClassifier, {}),
    "mlp": (MLPClassifier, _MLP),
}


def _table(classifier: bool) -> dict[str, tuple[type[Model], dict[str, _Setting]]]:
    return _CLASSIFIER if classifier else _CONTINUOUS


def _lookup(type_name: Any, classifier: bool) -> tuple[str, type[Model], dict[str, _Setting]]:
    table = _table(classifier)
    kind = "class outputs" if classifier else "continuous outputs"
    name = type_name.strip().lower().replace(" ", "_") if isinstance(type_name, str) else None
    if name not in table:
        raise ModelError(
            f"unknown model type {type_name!r} for {kind}; choose one of: {', '.join(table)}"
        )
    cls, settings = table[name]
    return name, cls, settings


def model_types(classifier: bool) -> list[str]:
    """Model type names valid for class outputs (classifier=True) or continuous outputs."""
    return list(_table(classifier))


def default_settings(type_name: str, classifier: bool) -> dict[str, Any]:
    """The full settings dict, with defaults, for a model type (includes "type")."""
    name, _, settings = _lookup(type_name, classifier)
    out: dict[str, Any] = {"type": name}
    for key, s in settings.items():
        out[key] = list(s.default) if isinstance(s.default, list) else s.default
    return out


def make_model(settings: Mapping[str, Any], classifier: bool) -> Model:
    """An untrained model from settings like {"type": "knn", "k": 5}; raises ModelError if bad."""
    if not isinstance(settings, Mapping):
        raise ModelError("model settings must be a set of name: value pairs")
    default_type = model_types(classifier)[0]
    name, cls, known = _lookup(settings.get("type", default_type), classifier)
    kwargs: dict[str, Any] = default_settings(name, classifier)
    del kwargs["type"]
    for key, value in settings.items():
        if key == "type":
            continue
        if key not in known:
            valid = ", ".join(known) if known else "none"
            raise ModelError(
                f"the {name!r} model has no setting {key!r}; its settings are: {valid}"
            )
        try:
            kwargs[key] = known[key].check(value)
        except _Bad as bad:
            raise ModelError(
                f"the {name!r} model's setting {key!r} must be {bad} (got {value!r})"
            ) from None
    return cls(**kwargs)
