"""Explore: an output point far from every recorded one, so auditioning covers the space.

Random values (as randomize gives) favour no region, so after a dozen presses some places were
heard twice and others never. Explore draws CANDIDATES random points and keeps the one farthest
from every recorded output point and every point explored before (each output measured across
its range: 0..1), the least-visited place (Co-Explorer's idea). With nothing recorded or
explored yet, it is one random point.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import numpy as np

from mapper.core.outputs import Output

CANDIDATES = 256
REMEMBERED = 64  # explored points kept to stay away from (the oldest forgotten first)


def _ranges(outputs: Sequence[Output]) -> tuple[np.ndarray, np.ndarray]:
    low = np.array([1.0 if o.is_classifier else o.min for o in outputs])
    high = np.array([float(o.classes) if o.is_classifier else o.max for o in outputs])
    return low, np.where(high > low, high - low, 1.0)


def far_point(
    outputs: Sequence[Output], heard: np.ndarray, rng: random.Random | None = None
) -> list[float]:
    """The candidate farthest from the points in `heard` (k, outputs), in output units."""
    draw: Any = rng or random  # the module's own generator unless one is given (tests)
    count = CANDIDATES if len(heard) else 1
    candidates = np.array([[_value(o, draw) for o in outputs] for _ in range(count)])
    if not len(heard):
        return candidates[0].tolist()
    low, span = _ranges(outputs)
    c = (candidates - low) / span
    h = (np.unique(heard, axis=0) - low) / span
    d2 = (c * c).sum(1)[:, None] - 2.0 * c @ h.T + (h * h).sum(1)[None, :]
    return candidates[int(d2.min(axis=1).argmax())].tolist()


def _value(output: Output, rng: Any) -> float:
    if output.is_classifier:
        return float(rng.randint(1, output.classes))
    return rng.uniform(output.min, output.max)
