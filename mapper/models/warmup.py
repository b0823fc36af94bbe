"""Import the fitting libraries a project's models need, before the instrument is played.

Importing scipy or scikit-learn takes 0.5-2 s and holds the interpreter lock in long stretches,
so doing it while frames arrive would stall them: load them at start-up instead.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

# model type -> the modules its fit imports (scipy for a light MLP fit, scikit-learn for others)
FIT_MODULES = {
    "mlp": ("scipy.optimize",),
    "svm": ("sklearn.svm",),
    "tree": ("sklearn.tree",),
    "adaboost": ("sklearn.ensemble",),
    "naive_bayes": ("sklearn.naive_bayes",),
}


def warm_up(model_types: Iterable[str]) -> list[str]:
    """Import what these model types need to train (and threadpoolctl); returns the modules."""
    modules = sorted({m for t in model_types for m in FIT_MODULES.get(t, ())})
    for name in [*modules, "threadpoolctl"]:
        importlib.import_module(name)
    return modules
