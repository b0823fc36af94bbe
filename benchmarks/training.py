"""Training time per model type and example count, with the quality each fit reaches.

Fits run in this process the way the engine runs them: the fitting libraries already imported
(mapper imports them before saying it is ready), BLAS limited to one thread (the other core is
the receive thread's). Each time is the median of a few fits; quality is measured on 2,000
frames never seen in training (MAE on the mean-of-inputs task, accuracy on the classes task).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from typing import Any

from benchmarks.tasks import TEST_SEED, examples, quality
from mapper.models import make_model, model_types
from mapper.models.warmup import warm_up

TEST_SIZE = 2000
MAX_SECONDS_PER_CELL = 6.0  # stop repeating a fit once this much time went into it


def run(
    sizes: Sequence[int], inputs: int = 8, repeats: int = 3, log: Any = print
) -> dict[str, Any]:
    """{"continuous mlp": {"1000": {"seconds": .., "quality": "MAE", ...}, ...}, ...}"""
    from threadpoolctl import threadpool_limits

    warm_up([*model_types(False), *model_types(True)])
    out: dict[str, Any] = {}
    for classifier in (False, True):
        task = "classification" if classifier else "regression"
        X_test, y_test = examples(task, TEST_SIZE, inputs, seed=TEST_SEED)
        for type_name in model_types(classifier):
            name = f"{'classifier' if classifier else 'continuous'} {type_name}"
            log(f"  {name}")
            cells: dict[str, Any] = {}
            for n in sizes:
                X, y = examples(task, n, inputs)
                times: list[float] = []
                model = None
                with threadpool_limits(limits=1):
                    for _ in range(repeats):
                        t0 = time.perf_counter()
                        model = make_model({"type": type_name}, classifier).fit(X, y)
                        times.append(time.perf_counter() - t0)
                        if sum(times) > MAX_SECONDS_PER_CELL:
                            break
                assert model is not None
                metric, value = quality(task, model.predict(X_test), y_test)
                cells[str(n)] = {
                    "seconds": statistics.median(times),
                    "fits": len(times),
                    "quality": metric,
                    "quality_value": value,
                }
            out[name] = cells
    return out
