"""Neural network: tanh hidden layer(s), trained with L-BFGS (network_fit), run in plain numpy."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .base import Classifier, Model, check_examples, input_scaling
from .network_fit import Layers, check_size, heavy_fit, train_network

MAX_LAYERS = 8  # hidden layers
MAX_UNITS = 4096  # units in one hidden layer
ENSEMBLE_EXAMPLES = 2000  # the most examples an MLP's ensemble learns from (a random draw)


def hidden_sizes(hidden: int | Sequence[int]) -> list[int]:
    """The hidden layer sizes as a list (an int means one hidden layer)."""
    if isinstance(hidden, (int, np.integer)):
        return [int(hidden)]
    return [int(h) for h in hidden]


class _Network:
    """Shared settings, training and forward pass for both MLP kinds."""

    _stop: Callable[[], bool] | None

    def __init__(
        self,
        hidden: int | Sequence[int] = 16,
        max_iter: int = 300,
        alpha: float = 1e-8,
        seed: int = 0,
    ) -> None:
        self.hidden = hidden
        self.max_iter = max_iter
        self.alpha = alpha
        self.seed = seed

    def _train(
        self,
        X: np.ndarray,
        target: np.ndarray,
        n_out: int,
        softmax: bool,
        members: int = 1,
        seed: int | None = None,
        cores: bool = True,
    ) -> Layers:
        """The layers fitted on raw inputs X (train_network's, the input scaling folded in);
        `seed` None: the model's own; `cores` False: on this thread alone."""
        sizes = [X.shape[1], *hidden_sizes(self.hidden), n_out]
        check_size([X.shape[1], *(h * members for h in sizes[1:])], X.shape[0])
        mean, std = input_scaling(X)
        Xs = (X - mean) / std
        seed = self.seed if seed is None else seed
        layers = train_network(
            Xs, target, sizes, softmax, self.max_iter, self.alpha, seed, self._stop, members,
            cores,
        )  # fmt: skip
        W, b = layers[0]
        # an input that never changed in training taught nothing: ignore it (it kept its random
        # starting weights, which would otherwise make the output jump when it moves)
        W[np.ptp(X, axis=0) == 0] = 0.0
        # fold the input scaling into the first layer so prediction works on raw inputs
        layers[0] = (np.ascontiguousarray(W / std[:, None]), b - (mean / std) @ W)
        return layers

    def _set_layers(self, layers: Layers) -> None:
        self._hidden_layers_ = layers[:-1]
        W, b = layers[-1]
        self._out_W_ = np.ascontiguousarray(W)
        self._out_b_ = b

    def _hidden(self, x: np.ndarray) -> np.ndarray:
        for W, b in self._hidden_layers_:
            x = x @ W  # a fresh array: the rest happens in it, with no more allocations
            x += b
            np.tanh(x, out=x)
        return x


class MLPRegressor(_Network, Model):
    """Continuous output from a small neural network (the default for continuous outputs).

    With `ensemble` > 0, that many more networks of the same shape learn the same examples
    from other random starts, together in one fit (train_network's members), once the model
    plays (`fit_ensemble`, called by the engine in the background): they never play, they
    only say how sure the output is (`uncertainty`).
    """

    type_name = "mlp"

    def __init__(
        self,
        hidden: int | Sequence[int] = 16,
        max_iter: int = 300,
        alpha: float = 1e-8,
        seed: int = 0,
        ensemble: int = 0,
    ) -> None:
        super().__init__(hidden, max_iter, alpha, seed)
        self.ensemble = ensemble

    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        y_mean, y_std = target_scale(y)
        self._play(self._train(X, ((y - y_mean) / y_std)[:, None], 1, False), (y_mean, y_std))

    def _play(self, layers: Layers, y_scale: tuple[float, float]) -> None:
        """Play these layers (fitted on the target scaled by y_scale, (mean, std))."""
        y_mean, y_std = self._y_scale_ = y_scale
        W, b = layers[-1]
        self._set_layers(layers)
        # fold the target scaling into the output unit
        self._out_w_ = np.ascontiguousarray(W[:, 0] * y_std)
        self._out_c_ = float(b[0] * y_std + y_mean)
        self._ensemble_: Layers | None = None

    def fit_ensemble(
        self, X: np.ndarray, y: np.ndarray, stop: Callable[[], bool] | None = None
    ) -> None:
        """Fit the `ensemble` networks on the examples this model learned (at most
        ENSEMBLE_EXAMPLES of them, drawn at random: `subsample`): after the fit, while the
        model plays. A fit that fails leaves no ensemble (not `learning` any more)."""
        if not self.ensemble:
            return
        X, y = check_examples(X, y)
        X, y = self.subsample(X, y)
        y_mean, y_std = self._y_scale_
        self._stop = stop
        try:
            # the ensemble starts from other random weights than the network it sits beside
            scaled = ((y - y_mean) / y_std)[:, None]
            # background work beside the playing instrument: on this thread alone
            seed = (self.seed + 1) % 2**63
            layers = self._train(X, scaled, 1, False, self.ensemble, seed, cores=False)
        except Exception:
            self._ensemble_ = []  # a fit that fails leaves none: no longer learning
            raise
        finally:
            self._stop = None
        if stop is not None and stop():
            return  # cut short (a newer model replaces this one): not fitted
        W, b = layers[-1]
        layers[-1] = (W * y_std, b * y_std + y_mean)
        self._ensemble_ = layers  # one assignment: a reader sees none or all of it

    def subsample(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The examples the ensemble learns: at most ENSEMBLE_EXAMPLES, drawn at random."""
        if len(X) <= ENSEMBLE_EXAMPLES:
            return X, y
        keep = np.random.default_rng(self.seed).choice(len(X), ENSEMBLE_EXAMPLES, False)
        return X[keep], y[keep]

    @property
    def learning(self) -> bool:
        """True while the ensemble is still to be fitted (its uncertainty comes soon)."""
        return bool(self.ensemble) and getattr(self, "_ensemble_", []) is None

    def uncertainty(self, x: np.ndarray) -> float | None:
        """How much the ensemble's networks and the playing one disagree for frame x: the
        standard deviation of their answers, in the output's units. None while the ensemble
        is still learning (or with `ensemble` 0)."""
        layers = getattr(self, "_ensemble_", None)
        if not layers:
            return None
        h = np.asarray(x, dtype=np.float64)
        for W, b in layers[:-1]:
            h = np.tanh(h @ W + b)
        W, b = layers[-1]
        return float(np.std(np.append(h @ W + b, self.predict_one(x))))

    def predict_one(self, x: np.ndarray) -> float:
        """Output for one frame of raw inputs x (d,)."""
        return (self._hidden(x) @ self._out_w_).item() + self._out_c_

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Outputs for many frames (n, d) -> (n,)."""
        return self._hidden(self._check_inputs(X)) @ self._out_w_ + self._out_c_


def settings_of(model: MLPRegressor) -> dict[str, object]:
    """A model's settings (its public attributes), as make_model takes them."""
    return {k: v for k, v in vars(model).items() if not k.startswith("_") and not k.endswith("_")}


def target_scale(y: np.ndarray) -> tuple[float, float]:
    """The target's mean and standard deviation (1 for a constant target)."""
    y_mean = float(y.mean())
    y_std = float(y.std())
    if y_std <= 1e-12 * max(1.0, abs(y_mean)):
        y_std = 1.0
    return y_mean, y_std


def fit_together(
    models: Sequence[MLPRegressor],
    X: np.ndarray,
    Y: np.ndarray,
    stop: Callable[[], bool] | None = None,
) -> None:
    """Fit continuous MLPs of the same settings on the same examples X, model k on Y[:, k],
    in one fit of their networks side by side (train_network's members) where that fit is
    heavy (network_fit.heavy_fit): as many outputs cost about what one costs, on every core.
    Each model then plays its own network, as if it had been fitted alone. A light fit (a
    few outputs, a thousand examples) fits each model alone, exactly as it always has."""
    first = models[0]
    if any(settings_of(m) != settings_of(first) for m in models):
        raise ValueError("fit_together: the models' settings differ")
    sizes = [X.shape[1], *(h * len(models) for h in hidden_sizes(first.hidden)), len(models)]
    if not heavy_fit(sizes, X.shape[0]):
        for k, model in enumerate(models):
            model.fit(X, Y[:, k], stop)
        return
    X, _ = check_examples(X, Y[:, 0])
    Y = np.stack([check_examples(X, Y[:, k])[1] for k in range(len(models))], axis=1)
    scales = [target_scale(Y[:, k]) for k in range(len(models))]
    target = (Y - [m for m, _ in scales]) / [s for _, s in scales]
    first._stop = stop
    try:
        layers = first._train(X, target, 1, False, len(models))
    finally:
        first._stop = None
    sizes = [*hidden_sizes(first.hidden), 1]
    for k, model in enumerate(models):
        model.n_inputs_ = X.shape[1]
        model._play(member_layers(layers, sizes, k), scales[k])


def member_layers(layers: Layers, sizes: list[int], k: int) -> Layers:
    """Network k's own layers (of layer sizes `sizes`, after the inputs) from the layers of
    networks fitted side by side."""
    out: Layers = []
    for i, ((W, b), size) in enumerate(zip(layers, sizes)):
        rows = slice(None) if i == 0 else slice(k * sizes[i - 1], (k + 1) * sizes[i - 1])
        cols = slice(k * size, (k + 1) * size)
        out.append((np.ascontiguousarray(W[rows, cols]), b[cols].copy()))
    return out


class MLPClassifier(_Network, Classifier):
    """Class output from a small neural network with a softmax over the classes seen."""

    type_name = "mlp"

    def _fit_classes(self, X: np.ndarray, yi: np.ndarray) -> None:
        self._set_layers(self._train(X, yi, len(self.classes_), softmax=True))

    def _scores(self, x: np.ndarray) -> np.ndarray:
        return self._hidden(x) @ self._out_W_ + self._out_b_

    def _predict_index(self, x: np.ndarray) -> int:
        return int(self._scores(x).argmax())

    def _proba(self, x: np.ndarray) -> np.ndarray:
        s = self._scores(np.asarray(x, dtype=np.float64))
        e = np.exp(s - s.max())
        return e / e.sum()

    def uncertainty(self, x: np.ndarray) -> float:
        """1 minus the winning class's probability, 0..1 (no ensemble for class outputs)."""
        if self._only_ is not None:
            return 0.0
        return float(1.0 - self._proba(x).max())
