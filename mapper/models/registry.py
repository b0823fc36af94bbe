"""Model types, their settings with defaults and checks, and make_model().

Every setting is bounded, generously: a project.json or an OSC message (both may come from
anyone) cannot ask for a model that would take the machine's memory or hours to train. What
depends on the examples too (an MLP's weights with its inputs, a polynomial's terms) is
checked when it is trained (mlp.py, linear.py), as a training failure that says why.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

from mapper.errors import shown

from .base import Model, ModelError
from .knn import KNNClassifier, KNNRegressor
from .linear import LinearRegressor, PolynomialRegressor
from .mlp import MAX_LAYERS, MAX_UNITS, MLPClassifier, MLPRegressor
from .naive_bayes import NaiveBayesClassifier
from .network_fit import MAX_PARAMETERS
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


MAX_K = 1_000  # neighbours a kNN output follows (each frame sums them)
MAX_DEPTH = 1_000  # a decision tree's depth (null: as deep as the examples make it)
MAX_ESTIMATORS = 1_000  # AdaBoost's trees
MAX_LEAVES = 2**24  # AdaBoost's trees times the leaves each may have (2 ** max_depth)
MAX_C = 1e6  # an SVM's C: the bigger, the longer libsvm may take (it cannot be cancelled)
MAX_SEED = 2**63 - 1


def _max_depth(v: Any) -> int | None:
    if v is None:
        return None
    try:
        return _whole(1, MAX_DEPTH)(v)
    except _Bad:
        raise _Bad(f"a whole number from 1 to {MAX_DEPTH}, or null for no limit") from None


def _gamma(v: Any) -> str | float:
    if v == "scale":
        return "scale"
    try:
        return _number(0.0, allow_lo=False)(v)
    except _Bad:
        raise _Bad("'scale' or a number above 0") from None


def _number_at_most(lo: float, hi: float) -> Callable[[Any], float]:
    """A number above `lo`, at most `hi`."""
    above = _number(lo, allow_lo=False)

    def check(v: Any) -> float:
        try:
            value = above(v)
        except _Bad:
            value = math.inf
        if value > hi:
            raise _Bad(f"a number above {lo:g}, at most {hi:g}")
        return value

    return check


def _hidden(v: Any) -> int | list[int]:
    size = _whole(1, MAX_UNITS)
    what = (
        f"a layer size (a whole number from 1 to {MAX_UNITS}) or a list of 1 to {MAX_LAYERS} "
        f"of them, with at most {MAX_PARAMETERS:,} weights between the layers"
    )
    if isinstance(v, (list, tuple)):
        if not 1 <= len(v) <= MAX_LAYERS:
            raise _Bad(what)
        try:
            sizes = [size(h) for h in v]
        except _Bad:
            raise _Bad(what) from None
        if sum(a * b for a, b in pairwise(sizes)) > MAX_PARAMETERS:
            raise _Bad(what)
        return sizes
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
    "seed": _Setting(0, _whole(0, MAX_SEED)),
}
MAX_ENSEMBLE = 8  # networks beside a continuous output's MLP that only measure its uncertainty

# type name -> (model class, settings); the first entry of each table is that kind's default
_CONTINUOUS: dict[str, tuple[type[Model], dict[str, _Setting]]] = {
    "mlp": (MLPRegressor, {**_MLP, "ensemble": _Setting(3, _whole(0, MAX_ENSEMBLE))}),
    "knn": (KNNRegressor, {"k": _Setting(5, _whole(1, MAX_K)), "weighted": _WEIGHTED}),
    "linear": (LinearRegressor, {}),
    "polynomial": (PolynomialRegressor, {"degree": _Setting(2, _whole(1, 5))}),
}
_CLASSIFIER: dict[str, tuple[type[Model], dict[str, _Setting]]] = {
    "knn": (KNNClassifier, {"k": _Setting(1, _whole(1, MAX_K)), "weighted": _WEIGHTED}),
    "svm": (
        SVMClassifier,
        {
            "kernel": _Setting("rbf", _choice("rbf", "linear", "poly")),
            "C": _Setting(1.0, _number_at_most(0.0, MAX_C)),
            "gamma": _Setting("scale", _gamma),
            "degree": _Setting(3, _whole(1, 10)),
        },
    ),
    "tree": (DecisionTreeClassifier, {"max_depth": _Setting(None, _max_depth)}),
    "adaboost": (
        AdaBoostClassifier,
        {
            "n_estimators": _Setting(50, _whole(1, MAX_ESTIMATORS)),
            "max_depth": _Setting(2, _whole(1, 20)),
        },
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
                f"the {name!r} model's setting {key!r} must be {bad} (got {shown(value, 60)})"
            ) from None
    if name == "adaboost":
        _check_leaves(kwargs["n_estimators"], kwargs["max_depth"])
    return cls(**kwargs)


def _check_leaves(n_estimators: int, max_depth: int) -> None:
    """AdaBoost's trees, each with up to 2 ** max_depth leaves: bounded together."""
    if n_estimators * 2**max_depth > MAX_LEAVES:
        raise ModelError(
            f"the 'adaboost' model's settings 'n_estimators' ({n_estimators}) and "
            f"'max_depth' ({max_depth}) make up to {n_estimators * 2**max_depth:,} leaves, "
            f"more than {MAX_LEAVES:,}: n_estimators times 2 to the power max_depth must be "
            f"at most that (e.g. {MAX_LEAVES // 2**max_depth:,} trees of depth {max_depth})"
        )
