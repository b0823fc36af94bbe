"""Which recorded examples a kNN output follows for one frame: the "why this sound" query."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mapper.core.examples import ExampleStore
from mapper.core.state import Neighbour, Trained


def nearest_examples(
    trained: Trained, frame: Sequence[float], examples: ExampleStore
) -> list[Neighbour]:
    """The examples `trained` follows for `frame` (every input), nearest first, each placed by
    round and row in `examples` now; [] for a model that has no neighbours."""
    neighbours = getattr(trained.model, "neighbours", None)
    if neighbours is None:
        return []
    x = np.asarray(frame, dtype=np.float64)
    idx, shares = neighbours(x if trained.input_idx is None else x[trained.input_idx])
    snap = examples.snapshot()
    result = []
    for i, share in zip(idx, shares):
        example_id = int(trained.example_ids[i])
        where = np.flatnonzero(snap.ids == example_id)
        if not len(where):  # deleted since training: still playing, no longer listed
            result.append(Neighbour(example_id, 0, 0, float(share)))
            continue
        k = int(where[0])
        round_ = int(snap.rounds[k])
        row = int(np.count_nonzero(snap.rounds[: k + 1] == round_))
        result.append(Neighbour(example_id, round_, row, float(share)))
    return result
