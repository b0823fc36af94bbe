"""Neural network: tanh hidden layer(s), trained full-batch with L-BFGS, run in plain numpy."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise

import numpy as np

from mapper.errors import ModelError

from .base import Classifier, Model, check_examples, check_training_size, input_scaling

Layers = list[tuple[np.ndarray, np.ndarray]]
MAX_LAYERS = 8  # hidden layers
MAX_UNITS = 4096  # units in one hidden layer
ENSEMBLE_EXAMPLES = 2000  # the most examples an MLP's ensemble learns from (a random draw)
MAX_PARAMETERS = 2**22  # weights and biases in all (4,194,304): L-BFGS keeps 20 times as many


def hidden_sizes(hidden: int | Sequence[int]) -> list[int]:
    """The hidden layer sizes as a list (an int means one hidden layer)."""
    if isinstance(hidden, (int, np.integer)):
        return [int(hidden)]
    return [int(h) for h in hidden]


def _unpack(p: np.ndarray, sizes: list[int]) -> Layers:
    """Views (W, b) per layer into the flat parameter vector p."""
    layers, at = [], 0
    for n_in, n_out in pairwise(sizes):
        W = p[at : at + n_in * n_out].reshape(n_in, n_out)
        at += n_in * n_out
        layers.append((W, p[at : at + n_out]))
        at += n_out
    return layers


def train_network(
    X: np.ndarray,
    target: np.ndarray,
    sizes: list[int],
    softmax: bool,
    max_iter: int,
    alpha: float,
    seed: int,
    stop: Callable[[], bool] | None = None,
    members: int = 1,
) -> Layers:
    """Fit weights on standardized X: squared error on target (n, 1), or cross-entropy on
    class positions target (n,) when softmax. Returns [(W, b), ...] per layer.

    `members` > 1 (squared error only) fits that many networks of these sizes together, each
    from its own random start, as one network whose hidden layers lie side by side and whose
    layers after the first connect each network only to itself (block-diagonal, the other
    weights held at 0): each network learns the target on its own, in one fit. `sizes` are one
    network's; the layers returned are the joint network's, one output per member."""
    from scipy.optimize import minimize

    n = X.shape[0]
    rng = np.random.default_rng(seed)
    wide = [sizes[0]] + [h * members for h in sizes[1:]]
    parts, masks = [], []
    for i, ((n_in, n_out), (w_in, w_out)) in enumerate(zip(pairwise(sizes), pairwise(wide))):
        bound = np.sqrt(6.0 / (n_in + n_out))  # Glorot uniform, as scikit-learn does for tanh
        own = np.ones((w_in, w_out)) if i == 0 else np.kron(np.eye(members), np.ones((n_in, n_out)))
        parts.append(rng.uniform(-bound, bound, w_in * w_out) * own.reshape(-1))
        parts.append(rng.uniform(-bound, bound, w_out))
        masks += [own.reshape(-1), np.ones(w_out)]
    p0 = np.concatenate(parts)
    target = np.repeat(target, members, axis=1) if members > 1 else target

    objective = Objective(X, target, wide, softmax, alpha / n)
    loss_and_grad: Callable[[np.ndarray], tuple[float, np.ndarray]] = objective
    if members > 1:
        mask = np.concatenate(masks)

        def loss_and_grad(p: np.ndarray) -> tuple[float, np.ndarray]:
            loss, grad = objective(p)
            grad *= mask  # the weights between networks stay 0
            return loss, grad

    def poll_stop(intermediate_result: object) -> None:
        if stop is not None and stop():
            raise StopIteration  # scipy ends the fit and returns the weights so far

    result = minimize(
        loss_and_grad,
        p0,
        jac=True,
        method="L-BFGS-B",
        callback=poll_stop if stop is not None else None,
        options={"maxiter": max_iter, "ftol": 0.0, "gtol": 1e-10},
    )
    return [(W.copy(), b.copy()) for W, b in _unpack(result.x, wide)]


class Objective:
    """The loss and its gradient for L-BFGS, computed in buffers allocated once per fit.

    Fresh (n, hidden) temporaries on every call cost more than the arithmetic: each is a new
    memory mapping that the kernel zero-fills page by page. Reusing them (and folding the first
    bias into the first product) makes a fit of 10,000 examples several times faster; the loss
    and gradient are the same up to rounding.
    """

    def __init__(
        self, X: np.ndarray, target: np.ndarray, sizes: list[int], softmax: bool, decay: float
    ) -> None:
        n = X.shape[0]
        self.target, self.sizes, self.softmax, self.decay, self.n = (
            target, sizes, softmax, decay, n
        )  # fmt: skip
        self.rows = np.arange(n)
        self.ones = np.ones(n)
        # the inputs with a column of ones: the first layer's weights and bias lie together in
        # p, as one (inputs + 1, hidden) block, so one product gives X @ W + b and its gradient
        self.X1 = np.hstack([X, self.ones[:, None]])
        # acts[i] feeds layer i; delta[i] is the loss's gradient at layer i's output
        self.acts = [X] + [np.empty((n, h)) for h in sizes[1:-1]]
        self.delta = [np.empty((n, h)) for h in sizes[1:]]
        self.slope = [np.empty((n, h)) for h in sizes[1:-1]]  # tanh' = 1 - a^2
        self.out = self.delta[-1]

    def __call__(self, p: np.ndarray) -> tuple[float, np.ndarray]:
        sizes, acts, n = self.sizes, self.acts, self.n
        layers = _unpack(p, sizes)
        first = p[: (sizes[0] + 1) * sizes[1]].reshape(sizes[0] + 1, sizes[1])  # [W; b]
        for i, (W, b) in enumerate(layers[:-1]):
            a = acts[i + 1]
            if i == 0:
                np.matmul(self.X1, first, out=a)
            else:
                np.matmul(acts[i], W, out=a)
                a += b
            np.tanh(a, out=a)
        W, b = layers[-1]
        out = self.out
        np.matmul(acts[-1], W, out=out)
        out += b
        if self.softmax:
            target, rows = self.target, self.rows
            out -= out.max(axis=1, keepdims=True)
            picked = float(out[rows, target].sum())
            np.exp(out, out=out)
            total = out.sum(axis=1, keepdims=True)
            loss = float(np.log(total).sum() - picked) / n
            out /= total
            out[rows, target] -= 1.0
        else:
            out -= self.target
            flat = out.reshape(-1)
            loss = 0.5 * float(flat @ flat) / n
        out *= 1.0 / n
        grad = np.empty_like(p)
        glayers = _unpack(grad, sizes)
        decay = self.decay
        for i in range(len(layers) - 1, -1, -1):
            W, _ = layers[i]
            gW, gb = glayers[i]
            delta = self.delta[i]
            w = W.reshape(-1)
            loss += 0.5 * decay * float(w @ w)
            if i == 0:  # weights and bias at once, from the inputs with their ones column
                g = grad[: (sizes[0] + 1) * sizes[1]].reshape(sizes[0] + 1, sizes[1])
                np.matmul(self.X1.T, delta, out=g)
            else:
                np.matmul(acts[i].T, delta, out=gW)
                np.matmul(self.ones, delta, out=gb)
            gW += decay * W
            if i > 0:
                back, slope, a = self.delta[i - 1], self.slope[i - 1], acts[i]
                if W.shape[1] == 1:  # one output: an outer product, cheaper as a broadcast
                    np.multiply(delta, W[:, 0], out=back)
                else:
                    np.matmul(delta, W.T, out=back)
                np.multiply(a, a, out=slope)
                np.subtract(1.0, slope, out=slope)
                back *= slope
        return loss, grad


def check_size(sizes: list[int], n: int) -> None:
    """ModelError unless a network of these layer sizes (inputs, hidden..., outputs) has at
    most MAX_PARAMETERS weights, and its training on n examples fits in memory."""
    weights = sum((a + 1) * b for a, b in pairwise(sizes))
    hidden = sizes[1:-1]
    what = (
        f"the 'mlp' model's hidden layers {hidden} with {sizes[0]} inputs and {sizes[-1]} outputs"
    )
    if weights > MAX_PARAMETERS:
        raise ModelError(
            f"{what} have {weights:,} weights, more than {MAX_PARAMETERS:,}: choose smaller "
            "layers (setting 'hidden') or fewer inputs"
        )
    # the examples with a column of ones, and per hidden unit an activation, a slope and a
    # gradient per example; the outputs' gradients
    floats = n * (sizes[0] + 1 + 3 * sum(hidden) + sizes[-1])
    check_training_size(floats, f"{what} on {n:,} examples", "choose smaller layers")


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
        self, X: np.ndarray, target: np.ndarray, n_out: int, softmax: bool, members: int = 1
    ) -> Layers:
        sizes = [X.shape[1], *hidden_sizes(self.hidden), n_out]
        check_size([X.shape[1], *(h * members for h in sizes[1:])], X.shape[0])
        mean, std = input_scaling(X)
        Xs = (X - mean) / std
        # the ensemble starts from other random weights than the network it sits beside
        seed = self.seed if members == 1 else (self.seed + 1) % 2**63
        layers = train_network(
            Xs, target, sizes, softmax, self.max_iter, self.alpha, seed, self._stop, members
        )
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
        y_mean = float(y.mean())
        y_std = float(y.std())
        if y_std <= 1e-12 * max(1.0, abs(y_mean)):
            y_std = 1.0
        self._y_scale_ = (y_mean, y_std)
        layers = self._train(X, ((y - y_mean) / y_std)[:, None], 1, softmax=False)
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
            layers = self._train(X, ((y - y_mean) / y_std)[:, None], 1, False, self.ensemble)
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
