"""Import the fitting libraries in the background, so the first training does not wait on them."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterable

# model type -> the modules its fit imports (scipy for the MLP, scikit-learn for the others)
FIT_MODULES = {
    "mlp": ("scipy.optimize",),
    "svm": ("sklearn.svm",),
    "tree": ("sklearn.tree",),
    "adaboost": ("sklearn.ensemble",),
    "naive_bayes": ("sklearn.naive_bayes",),
}


def warm_up(model_types: Iterable[str]) -> threading.Thread:
    """Start a daemon thread importing what these model types need to train; returns it."""
    modules = sorted({m for t in model_types for m in FIT_MODULES.get(t, ())})

    def load() -> None:
        for name in modules:
            importlib.import_module(name)

    thread = threading.Thread(target=load, name="mapper-warm-up", daemon=True)
    thread.start()
    return thread
