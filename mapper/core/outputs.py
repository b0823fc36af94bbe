"""What each output is: continuous or classifier, its limits, its model, its inputs, its toggles."""

from __future__ import annotations

import math
import numbers
import random
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal

OutputKind = Literal["continuous", "classifier"]
KINDS: tuple[OutputKind, ...] = ("continuous", "classifier")
FLOAT32_LARGEST = 3.4e38  # the largest value OSC's float32 carries (a little under its maximum)
MAX_CLASSES = 10_000  # its class probabilities (classes + 1 floats) still fit one datagram
MAX_NAME = 100  # characters in an input's or an output's name
# control characters, line and paragraph separators, format characters (bidi overrides,
# zero-width) and lone surrogates: a name is one visible line, in a CSV header and an address
_UNPRINTABLE = ("Cc", "Cf", "Cs", "Zl", "Zp")


def _unprintable(c: str) -> bool:
    return unicodedata.category(c) in _UNPRINTABLE and c != "\u200d"  # ZWJ joins emoji


def name_problem(name: str, what: str) -> str | None:
    """Why `name` cannot name an input or output (`what` says which), or None when it can."""
    if not name.strip():
        return f"{what}: a name cannot be empty"
    if len(name) > MAX_NAME:
        return f"{what}: a name of {len(name)} characters is too long (at most {MAX_NAME})"
    bad = next((c for c in name if _unprintable(c)), None)
    if bad is not None:
        return (
            f"{what}: {name[:40]!r} holds the control character U+{ord(bad):04X}; names are "
            "one line of visible text"
        )
    return None


def clean_name(name: str, fallback: str) -> str:
    """`name` made acceptable (control characters become spaces, cut to MAX_NAME), or
    `fallback` when nothing is left: for files written before names were checked."""
    text = "".join(" " if _unprintable(c) else c for c in name).strip()[:MAX_NAME].strip()
    return text or fallback


def finite(value: Any, what: str) -> float:
    """`value` as a float; ValueError naming `what` unless it is a finite number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{what} must be a number, not {type(value).__name__}")
    try:
        number = float(value)
    except OverflowError:
        raise ValueError(f"{what} is too large a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{what} must be a finite number, not {number}")
    return number


def default_model(kind: OutputKind) -> dict[str, Any]:
    """The model a new output starts with: an MLP for continuous, kNN (k=1) for classifiers."""
    return {"type": "mlp"} if kind == "continuous" else {"type": "knn", "k": 1}


@dataclass
class Output:
    """One output, as Wekinator defines it, plus which inputs feed it and its three toggles.

    Continuous outputs have a range [min, max]; with `hard_limits` values are clamped to it
    (Wekinator's HARD limit type), otherwise the range only bounds sliders and randomize (SOFT).
    `integer` truncates toward zero. Classifiers send labels 1..classes as floats; 0 = no class.
    `inputs` lists the 0-based input numbers that feed this output's model (None = all).
    A classifier with `probabilities` on also sends `/<name>` with classes+1 floats while
    running: the probability of each class, index 0 being "no class" (off by default).
    """

    name: str
    kind: OutputKind = "continuous"
    min: float = 0.0
    max: float = 1.0
    integer: bool = False
    hard_limits: bool = False
    classes: int = 2
    model: dict[str, Any] = field(default_factory=dict)
    inputs: list[int] | None = None
    record: bool = True
    run: bool = True
    train: bool = True
    probabilities: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(
                f"output {self.name!r}: kind must be one of {KINDS}, not {self.kind!r}"
            )
        self.min = finite(self.min, f"output {self.name!r}: min")
        self.max = finite(self.max, f"output {self.name!r}: max")
        if self.kind == "continuous" and not self.min < self.max:
            raise ValueError(
                f"output {self.name!r}: min ({self.min:g}) must be below max ({self.max:g})"
            )
        if self.kind == "classifier" and self.classes < 1:
            raise ValueError(f"output {self.name!r}: a classifier needs at least 1 class")
        if not self.model:
            self.model = default_model(self.kind)

    @property
    def is_classifier(self) -> bool:
        return self.kind == "classifier"

    @property
    def initial_value(self) -> float:
        """The value a fresh output holds before anyone sets it."""
        return 1.0 if self.is_classifier else self.min

    def shape(self, value: float) -> float:
        """Turn a model's raw prediction (or a hand-set value) into what is sent."""
        if self.is_classifier:
            if not math.isfinite(value):
                return 0.0
            return float(min(max(round(value), 0), self.classes))
        if self.hard_limits:
            value = min(max(value, self.min), self.max)
        if self.integer:
            value = float(math.trunc(value)) if math.isfinite(value) else value
        return value

    def check_value(self, value: float) -> str | None:
        """Why a hand-set value is not acceptable for this output, or None when it is."""
        if not math.isfinite(value):
            return f"{self.name}: {value} is not a finite number"
        if self.is_classifier and not (value == int(value) and 0 <= value <= self.classes):
            return f"{self.name}: class must be a whole number 0..{self.classes}, not {value}"
        return None

    def check_limits(self, low: float, high: float) -> str | None:
        """Why a new range is not acceptable for this output, or None when it is."""
        if self.is_classifier:
            return f"{self.name} is a classifier: set its classes, not limits"
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            return f"{self.name}: min ({low}) must be below max ({high})"
        return None

    def check_classes(self, classes: int, in_use: int = 0) -> str | None:
        """Why a new class count is not acceptable, or None when it is; `in_use` is the
        highest class the examples or the current value use."""
        if not self.is_classifier:
            return f"{self.name} is continuous: set its limits, not classes"
        if classes < 1:
            return f"{self.name}: a classifier needs at least 1 class"
        if classes > MAX_CLASSES:
            return f"{self.name}: {classes} classes are too many (at most {MAX_CLASSES})"
        if in_use > classes:
            return (
                f"{self.name}: class {in_use} is in use (examples or the current value); "
                f"delete those examples first"
            )
        return None

    def random_value(self) -> float:
        """A random value within the range (a class 1..classes), to audition."""
        if self.is_classifier:
            return float(random.randint(1, self.classes))
        return random.uniform(self.min, self.max)

    def input_indices(self, n_inputs: int) -> list[int]:
        """The 0-based inputs feeding this output's model."""
        return list(range(n_inputs)) if self.inputs is None else list(self.inputs)


def make_outputs(
    count: int,
    kind: OutputKind = "continuous",
    classes: int = 2,
    names: list[str] | None = None,
) -> list[Output]:
    """`count` fresh outputs of one kind, named like Wekinator's (outputs-1, ...) by default."""
    names = names or [f"outputs-{i + 1}" for i in range(count)]
    return [Output(name=names[i], kind=kind, classes=classes) for i in range(count)]
