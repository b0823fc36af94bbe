"""Gaussian naive Bayes: each class is a bell curve per input; fitted by scikit-learn."""

from __future__ import annotations

import numpy as np

from .base import Classifier, input_scaling

MIN_VARIANCE = 1e-9  # in standardized units: keeps constant inputs from dividing by zero


class NaiveBayesClassifier(Classifier):
    """Class output: the most likely class if each input varies independently within a class."""

    type_name = "naive_bayes"

    def _fit_classes(self, X: np.ndarray, yi: np.ndarray) -> None:
        from sklearn.naive_bayes import GaussianNB

        mean, std = input_scaling(X)
        nb = GaussianNB().fit((X - mean) / std, yi)
        var = np.maximum(nb.var_, MIN_VARIANCE)
        # store in raw input units so prediction needs no scaling step
        self._centre_ = np.ascontiguousarray(nb.theta_ * std + mean)
        raw_var = var * std**2
        self._half_inv_var_ = np.ascontiguousarray(0.5 / raw_var)
        self._log_const_ = np.log(nb.class_prior_) - 0.5 * np.log(2.0 * np.pi * raw_var).sum(axis=1)

    def _log_likelihood(self, x: np.ndarray) -> np.ndarray:
        diff = x - self._centre_
        return self._log_const_ - np.einsum("ij,ij->i", diff * diff, self._half_inv_var_)

    def _predict_index(self, x: np.ndarray) -> int:
        return int(self._log_likelihood(x).argmax())

    def _proba(self, x: np.ndarray) -> np.ndarray:
        ll = self._log_likelihood(np.asarray(x, dtype=np.float64))
        e = np.exp(ll - ll.max())
        return e / e.sum()
