"""The running outputs' work for one input frame, planned once after training, not per frame.

Outputs that can share work are grouped when the plan is made:
- one-hidden-layer MLPs on every input run as one network (models/stacking.py);
- kNN outputs that learned from the same examples with the same k look their neighbours up
  once, and every output of the group reads its value from those neighbours (models/knn.py).
Every other output runs its own model. The answers are the same as each model's predict_one
(up to float rounding); only the number of numpy calls per frame changes, and on a frame of a
few inputs those calls, not the arithmetic, are the time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from mapper.core.outputs import Output
from mapper.models.knn import NeighbourGroup, can_share_neighbours, neighbour_key
from mapper.models.stacking import can_stack, stack

# an output's place and its shaping (None: the model's value is sent as it is)
Target = tuple[int, Callable[[float], float] | None]
# a group's work: (the frame followed by a 1, the frame) -> its outputs' values, in order
Group = tuple[Callable[[np.ndarray, np.ndarray], Sequence[float]], tuple[Target, ...]]
ProbabilitySink = Callable[[Output, np.ndarray], None]


def shaping(output: Output, model: Any) -> Callable[[float], float] | None:
    """The output's shape() where it can change the model's value, else None (skipped): a
    classifier's labels already are classes 1..classes unless the classes were cut since."""
    if output.is_classifier:
        labels = getattr(model, "classes_", None)
        if labels is not None and len(labels) and 1 <= min(labels) <= max(labels) <= output.classes:
            return None
        return output.shape
    if output.hard_limits or output.integer:
        return output.shape
    return None


def _targets(runners: Sequence[tuple[int, Any, Output]]) -> tuple[Target, ...]:
    return tuple((j, shaping(o, t.model)) for j, t, o in runners)


class FramePlan:
    """`plan(frame, values)` -> the output vector for one input frame while running.

    `runners` are (output index, trained model, Output) for every output that runs; outputs
    not among them keep their value from `values`.
    """

    def __init__(
        self,
        runners: Sequence[tuple[int, Any, Output]],
        n_inputs: int,
        send_probabilities: ProbabilitySink | None = None,
    ) -> None:
        groups: list[Group] = []
        rest = list(runners)

        whole = [r for r in rest if r[1].input_idx is None and not r[2].probabilities]
        mlps = [r for r in whole if can_stack(r[1].model)]
        stacked = stack([t.model for _, t, _ in mlps])
        if stacked is not None:
            groups.append((stacked.predict_frame, _targets(mlps)))
            rest = [r for r in rest if r not in mlps]

        by_search: dict[tuple[int, int], list[tuple[int, Any, Output]]] = {}
        for r in whole:
            if r in rest and can_share_neighbours(r[1].model):
                by_search.setdefault(neighbour_key(r[1].model), []).append(r)
        for members in by_search.values():
            if len(members) > 1:
                group = NeighbourGroup([t.model for _, t, _ in members])
                groups.append((group.predict_frame, _targets(members)))
                rest = [r for r in rest if r not in members]

        self.groups = tuple(groups)
        self.singles = tuple((j, t, o, shaping(o, t.model)) for j, t, o in rest)
        self.idle = not runners
        self._send_probabilities = send_probabilities
        # one input buffer, reused frame after frame: the frame's values, then a 1 that the
        # stacked MLPs' bias row reads. The groups reuse buffers too, so one frame at a time
        # (the receive thread's; another caller waits a few microseconds).
        self._buffer = np.ones(n_inputs + 1)
        self._frame = self._buffer[:n_inputs]
        self._lock = threading.Lock()

    def __call__(self, frame: Sequence[float], values: Sequence[float]) -> list[float]:
        out = list(values)
        if self.idle:
            return out
        with self._lock:
            buffer, x = self._buffer, self._frame
            x[:] = frame
            for predict, targets in self.groups:
                for (j, shape), v in zip(targets, predict(buffer, x)):
                    out[j] = v if shape is None else shape(v)
            for j, trained, output, shape in self.singles:
                xi = x if trained.input_idx is None else x[trained.input_idx]
                v = trained.model.predict_one(xi)
                out[j] = v if shape is None else shape(v)
                if output.probabilities and self._send_probabilities is not None:
                    self._send_probabilities(output, trained.model.predict_proba_one(xi))
        return out
