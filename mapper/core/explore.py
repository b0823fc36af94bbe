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
MOST_HEARD = 20_000  # recorded points looked at (evenly spaced): bounded work


def _ranges(outputs: Sequence[Output]) -> tuple[np.ndarray, np.ndarray]:
    low = np.array([1.0 if o.is_classifier else o.min for o in outputs])
    high = np.array([float(o.classes) if o.is_classifier else o.max for o in outputs])
    return low, np.where(high > low, high - low, 1.0)


def far_point(
    outputs: Sequence[Output],
    heard: np.ndarray,
    carried: np.ndarray | None = None,
    rng: random.Random | None = None,
) -> list[float]:
    """The candidate farthest from the points in `heard` (k, outputs), in output units; each
    point compared only on the outputs it carries (`carried`, (k, outputs) bool: an example
    records only some outputs; None: all). At most MOST_HEARD points (evenly spaced)."""
    draw: Any = rng or random  # the module's own generator unless one is given (tests)
    if len(heard) > MOST_HEARD:
        keep = np.linspace(0, len(heard) - 1, MOST_HEARD).astype(np.intp)
        heard, carried = heard[keep], None if carried is None else carried[keep]
    count = CANDIDATES if len(heard) else 1
    candidates = np.array([[_value(o, draw) for o in outputs] for _ in range(count)])
    if not len(heard):
        return candidates[0].tolist()
    low, span = _ranges(outputs)
    c = (candidates - low) / span
    h = (np.nan_to_num(heard) - low) / span
    mask = np.ones(heard.shape, dtype=bool) if carried is None else carried
    nearest = np.full(len(c), np.inf)
    for pattern in np.unique(mask, axis=0):  # the examples that carry the same outputs
        if not pattern.any():
            continue
        points = np.unique(h[(mask == pattern).all(axis=1)][:, pattern], axis=0)
        cp = c[:, pattern]
        d2 = (cp * cp).sum(1)[:, None] - 2.0 * cp @ points.T + (points * points).sum(1)[None, :]
        np.minimum(nearest, d2.min(axis=1), out=nearest)
    return candidates[int(nearest.argmax())].tolist()


def _value(output: Output, rng: Any) -> float:
    if output.is_classifier:
        return float(rng.randint(1, output.classes))
    return rng.uniform(output.min, output.max)
