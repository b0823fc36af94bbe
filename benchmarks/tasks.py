"""The data every peer learns, generated the same way (seeded) by the suite and the naive peer.

Regression: the mean of the inputs (smooth; Wekinator's network reaches an error of 0.0005 on
it with 1,000 examples). Classification: which of the first three inputs is largest (classes
1..3); the other inputs are there but carry nothing, like a sensor's unused axes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from mapper.core.engine import Engine
    from mapper.core.outputs import Output

CLASSES = 3
TEST_SEED = 12345  # the frames played to the peers, never seen in training


def examples(task: str, n: int, n_inputs: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n examples (X (n, n_inputs) in 0..1, y (n,)) of 'regression' or 'classification'."""
    X = np.random.default_rng(seed).random((n, n_inputs))
    if task == "regression":
        return X, X.mean(axis=1)
    if task == "classification":
        return X, (X[:, :CLASSES].argmax(axis=1) + 1).astype(np.float64)
    raise ValueError(f"unknown task {task!r}")


def quality(task: str, predicted: np.ndarray, truth: np.ndarray) -> tuple[str, float]:
    """('MAE', mean absolute error) for regression, ('accuracy', share right) for classes."""
    if task == "regression":
        return "MAE", float(np.abs(predicted - truth).mean())
    return "accuracy", float((predicted == truth).mean())


def taught_engine(outputs: Sequence[Output], task: str, n: int, n_inputs: int) -> Engine:
    """An engine of `n_inputs` inputs whose outputs learned `n` of the task's examples, in one
    recorded round, each output taking the task's target; trained (not running)."""
    from mapper.core.engine import Engine

    X, y = examples(task, n, n_inputs)
    engine = Engine([f"in{k + 1}" for k in range(n_inputs)], outputs)
    engine.start_recording()
    for x, target in zip(X.tolist(), y.tolist()):
        engine.set_values([target] * len(outputs), send=False)
        engine.process_frame(x)
    engine.stop_recording()
    engine.train()
    engine.wait_for_training(300)
    return engine
