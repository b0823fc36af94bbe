"""Models that learn a mapping from gesture inputs to one output, and predict one frame fast.

Fitting may use scikit-learn or scipy (imported only when a model is trained); prediction of a
single frame (`predict_one`) runs in numpy from the fitted parameters, for the live hot path.
"""

from .base import Classifier, Model, ModelError
from .registry import default_settings, make_model, model_types

__all__ = ["Classifier", "Model", "ModelError", "default_settings", "make_model", "model_types"]
