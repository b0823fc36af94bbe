"""How a take is recorded and how the outputs move while running: count-in, length, smoothing."""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from mapper.core.outputs import Output

LIMITS = {"count_in": 60.0, "record_for": 3600.0, "smoothing": 10.0}  # seconds


@dataclass(frozen=True)
class Transport:
    """Seconds: count-in before a take, take length (0 = until stopped), output smoothing
    (the time the outputs take to cover 63% of a jump while running; 0 = none)."""

    count_in: float = 0.0
    record_for: float = 0.0
    smoothing: float = 0.0

    def to_dict(self) -> dict[str, float]:
        return dataclasses.asdict(self)

    def updated(self, **changes: float | None) -> Transport:
        """A copy with the given settings; ValueError names a bad one and its range."""
        clean: dict[str, float] = {}
        for name, value in changes.items():
            if value is None:
                continue
            if name not in LIMITS:
                raise ValueError(f"unknown transport setting {name!r}: use {', '.join(LIMITS)}")
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{name} must be a number of seconds, not {type(value).__name__}")
            try:
                seconds = float(value)
            except OverflowError:  # an int beyond any float
                seconds = math.inf if value > 0 else -math.inf
            if not (math.isfinite(seconds) and 0 <= seconds <= LIMITS[name]):
                raise ValueError(f"{name} must be 0..{LIMITS[name]:g} seconds, not {seconds:g}")
            clean[name] = seconds
        return dataclasses.replace(self, **clean)


class Smoother:
    """A one-pole low-pass per continuous output, independent of the frame rate.

    Classifier outputs jump (a class is a class); integer outputs are rounded after smoothing.
    """

    def __init__(self, seconds: float, outputs: Sequence[Output]) -> None:
        self.seconds = seconds
        self._smooth = [not o.is_classifier for o in outputs]
        self._outputs = list(outputs)
        self._state: list[float] | None = None
        self._last = 0.0

    def reset(self) -> None:
        """Forget the past: the next frame's outputs are sent as they are."""
        self._state = None

    def retime(self, seconds: float, sent: Sequence[float]) -> None:
        """A new glide time that goes on gliding from where the outputs are: from its own
        state, or, when it kept none (glide was 0), from the outputs last `sent`."""
        if (self._state is None or self.seconds <= 0) and len(sent) == len(self._smooth):
            self._state, self._last = [float(v) for v in sent], time.perf_counter()
        self.seconds = seconds

    def __call__(self, values: list[float]) -> list[float]:
        now = time.perf_counter()
        state, seconds = self._state, self.seconds  # once: retime() may change them meanwhile
        if state is None or seconds <= 0:
            self._state, self._last = list(values), now
            return values
        alpha = 1.0 - math.exp(-(now - self._last) / seconds)
        self._last = now
        for j, v in enumerate(values):
            if self._smooth[j]:
                s = state[j] + alpha * (v - state[j])
                state[j] = s
                values[j] = self._outputs[j].shape(s) if self._outputs[j].integer else s
            else:
                state[j] = v
        return values
