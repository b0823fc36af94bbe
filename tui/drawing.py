"""Text drawing for the panels: bars, sliders, sparklines and model labels (plain strings)."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence
from typing import Any

from mapper.models.registry import default_settings

SPARKS = "▁▂▃▄▅▆▇█"


def fraction(value: float, low: float, high: float) -> float:
    """Where value sits between low and high, clipped to 0..1 (0 for a non-finite value)."""
    if not math.isfinite(value) or high <= low:
        return 0.0
    return min(max((value - low) / (high - low), 0.0), 1.0)


def bar(value: float, low: float, high: float, width: int) -> str:
    """A filled bar: █ for the part below the value, ░ for the rest."""
    filled = round(fraction(value, low, high) * width)
    return "█" * filled + "░" * (width - filled)


def slider(value: float, low: float, high: float, width: int) -> str:
    """A track with a knob where the value is: ━━━●━━━."""
    if width < 1:
        return ""
    knob = round(fraction(value, low, high) * (width - 1))
    return "━" * knob + "●" + "━" * (width - 1 - knob)


def sparkline(values: Sequence[float], low: float, high: float, width: int) -> str:
    """The last `width` values as ▁..█, scaled to low..high."""
    recent = list(values)[-width:]
    top = len(SPARKS) - 1
    line = "".join(SPARKS[round(fraction(v, low, high) * top)] for v in recent)
    return line.rjust(width)


def scope(values: Sequence[float], low: float, high: float, width: int, rows: int) -> list[str]:
    """The last `width` values traced on a plot `rows` tall (top row first): each value a
    mark at its height, in eighths of a row."""
    recent = list(values)[-width:]
    eighths = [round(fraction(v, low, high) * (rows * 8 - 1)) + 1 for v in recent]
    lines = []
    for r in range(rows - 1, -1, -1):  # the top row first
        floor = r * 8
        cells = (SPARKS[e - floor - 1] if floor < e <= floor + 8 else " " for e in eighths)
        lines.append("".join(cells).rjust(width))
    return lines


def number(value: float) -> str:
    """A value in 7 characters: 3 significant decimals for small numbers, fewer for big."""
    if not math.isfinite(value):
        return f"{value!s:>7}"
    if abs(value) >= 10000:
        return f"{value:7.0f}"
    if abs(value) >= 100:
        return f"{value:7.1f}"
    return f"{value:7.3f}"


def short(value: float) -> str:
    """A value in few characters, for lists of values: 0.4, -1.25, 3, 1.2e+03."""
    if abs(value) >= 1000:
        return f"{value:.2g}"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def model_label(settings: dict[str, Any], classifier: bool) -> str:
    """A short name for a model and its main setting: 'MLP 16', 'kNN k=5', 'SVM rbf'."""
    with contextlib.suppress(ValueError):
        settings = {**default_settings(str(settings.get("type", "")), classifier), **settings}
    kind = str(settings.get("type", "")).lower()
    if kind == "mlp":
        hidden = settings.get("hidden", 16)
        sizes = "x".join(str(h) for h in hidden) if isinstance(hidden, list) else str(hidden)
        return f"MLP {sizes}"
    if kind == "knn":
        return f"kNN k={settings.get('k')}"
    if kind == "svm":
        return f"SVM {settings.get('kernel', 'rbf')}"
    if kind == "polynomial":
        return f"poly deg {settings.get('degree', 2)}"
    names = {"naive_bayes": "naive Bayes", "adaboost": "AdaBoost", "tree": "tree"}
    return names.get(kind, kind)
