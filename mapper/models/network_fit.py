"""Fitting tanh networks: the loss and its gradient, and the L-BFGS fit, small and large.

A fit of at most LARGE_EXAMPLES examples runs as it always has: every example at every
iteration. A larger one learns coarse to fine: a random LARGE_EXAMPLES of the examples first (a
third of max_iter iterations), then four times as many, and so on, and last all of them (a
tenth of max_iter each). The early passes do most of the learning for a fraction of the work;
the last one fits every example. A fit whose every iteration is heavy (HEAVY_WORK products, as
many outputs' networks together make) runs in float32, its rows shared among the cores, with
our L-BFGS (lbfgs.py); a light one (a few outputs, a thousand examples) in float64 on one core
with scipy's L-BFGS-B, as it always has.
On 10,000 examples of 63 inputs, 16 outputs' networks fitted together this way take under a
second on two cores (the mean-of-inputs task: MAE under 0.002); one full-data pass of 300
iterations per output took 34 s.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise

import numpy as np

from . import lbfgs
from .base import check_training_size

Layers = list[tuple[np.ndarray, np.ndarray]]
MAX_PARAMETERS = 2**22  # weights and biases in all (4,194,304): L-BFGS keeps 20 times as many
LARGE_EXAMPLES = 2048  # above this many examples a fit learns coarse to fine (module docstring)
BLOCK_FLOATS = 2**17  # a block of rows' hidden activations, about L2-sized in float32
HEAVY_WORK = 2**22  # multiply-adds of the first layer in one pass over the rows: ~1 ms or more
MAX_WORKERS = 8


def workers() -> int:
    """The cores this process may use (at most MAX_WORKERS)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_WORKERS))


def unpack(p: np.ndarray, sizes: list[int]) -> Layers:
    """Views (W, b) per layer into the flat parameter vector p."""
    layers, at = [], 0
    for n_in, n_out in pairwise(sizes):
        W = p[at : at + n_in * n_out].reshape(n_in, n_out)
        at += n_in * n_out
        layers.append((W, p[at : at + n_out]))
        at += n_out
    return layers


def stages(n: int, max_iter: int) -> Iterator[tuple[int, int]]:
    """(examples, iterations) per pass of a fit on n examples (the module docstring)."""
    if n <= LARGE_EXAMPLES:
        yield n, max_iter
        return
    rows = LARGE_EXAMPLES
    yield rows, max(1, max_iter // 3)
    while rows * 8 <= n:  # a pass on 4x the rows, while that is at most half of them all
        rows *= 4
        yield rows, max(1, max_iter // 10)
    yield n, max(1, max_iter // 10)


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
    cores: bool = True,
) -> Layers:
    """Fit weights on standardized X: squared error on target (n, members), or cross-entropy
    on class positions target (n,) when softmax. Returns [(W, b), ...] per layer.

    `members` > 1 (squared error only) fits that many networks of these sizes together, each
    from its own random start, as one network whose hidden layers lie side by side and whose
    layers after the first connect each network only to itself (block-diagonal, the other
    weights held at 0): network k learns target[:, k] on its own, in one fit. `sizes` are one
    network's; the layers returned are the joint network's, one output per member. `cores`
    False keeps a heavy fit on this thread (in float64), for work in the background."""
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
    p = np.concatenate(parts)
    if not softmax and members > 1 and target.shape[1] == 1:
        target = np.repeat(target, members, axis=1)  # every network learns the same target
    mask = np.concatenate(masks) if members > 1 else None
    order = rng.permutation(n) if n > LARGE_EXAMPLES else None
    heavy = cores and heavy_fit(wide, n)
    if not heavy:  # scipy's L-BFGS-B: its bookkeeping is cheap for a light fit's few weights
        return [(W.copy(), b.copy()) for W, b in unpack(_scipy_fit(
            Objective(X, target, wide, softmax, alpha / n, members=members), mask, p, max_iter,
            stop), wide)]  # fmt: skip
    with ThreadPoolExecutor(workers(), thread_name_prefix="mapper-fit") as pool:
        for rows, iterations in stages(n, max_iter):
            pick = slice(None) if order is None or rows == n else np.sort(order[:rows])
            objective = Objective(
                X[pick], target[pick], wide, softmax, alpha / rows, np.float32, pool, members
            )
            p = lbfgs.minimize(_masked(objective, mask), p, iterations, stop)
            if stop is not None and stop():
                break
    return [(W.copy(), b.copy()) for W, b in unpack(p, wide)]


def heavy_fit(sizes: list[int], n: int) -> bool:
    """Whether a fit of these layer sizes on n examples runs in float32 on every core."""
    return n > LARGE_EXAMPLES or n * (sizes[0] + 1) * sizes[1] >= HEAVY_WORK


def block_rows(sizes: list[int]) -> int:
    """Rows in a block of a heavy fit: their hidden activations about BLOCK_FLOATS."""
    return max(64, BLOCK_FLOATS // max(sum(sizes[1:-1]), 1))


def _scipy_fit(
    objective: Callable[[np.ndarray], tuple[float, np.ndarray]],
    mask: np.ndarray | None,
    p: np.ndarray,
    max_iter: int,
    stop: Callable[[], bool] | None,
) -> np.ndarray:
    """scipy's L-BFGS-B from p for max_iter iterations (no tolerance ends it sooner), `stop`
    polled every iteration: a light fit, exactly as mapper has always fitted one."""
    from scipy.optimize import minimize

    def poll_stop(intermediate_result: object) -> None:
        if stop is not None and stop():
            raise StopIteration  # scipy ends the fit and returns the weights so far

    result = minimize(
        _masked(objective, mask), p, jac=True, method="L-BFGS-B",
        callback=poll_stop if stop is not None else None,
        options={"maxiter": max_iter, "ftol": 0.0, "gtol": 1e-10},
    )  # fmt: skip
    return np.asarray(result.x)


def _masked(
    objective: Callable[[np.ndarray], tuple[float, np.ndarray]], mask: np.ndarray | None
) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    """The objective whose gradient keeps the weights between networks at 0 (mask)."""
    if mask is None:
        return objective

    def loss_and_grad(p: np.ndarray) -> tuple[float, np.ndarray]:
        loss, grad = objective(p)
        grad *= mask
        return loss, grad

    return loss_and_grad


class _Buffers:
    """One worker's arrays for a block of rows: activations, slopes, the loss's gradients at
    each layer's output, and the gradient of the block (made once per fit, reused), with
    their per-layer views."""

    def __init__(self, rows: int, sizes: list[int], n_params: int, dtype: type) -> None:
        self.acts: list[np.ndarray] = [np.empty((rows, h), dtype) for h in sizes[1:-1]]
        self.delta: list[np.ndarray] = [np.empty((rows, h), dtype) for h in sizes[1:]]
        self.slope: list[np.ndarray] = [np.empty((rows, h), dtype) for h in sizes[1:-1]]
        self.ones: np.ndarray = np.ones(rows, dtype)  # sums a layer's gradients over rows
        self.grad: np.ndarray = np.empty(n_params, dtype)  # this worker's sum over its blocks
        self.block_grad: np.ndarray = np.empty(n_params, dtype)
        # per layer (gW, gb), and the first layer's [gW; gb] as one block, of each gradient
        first = (sizes[0] + 1) * sizes[1]
        self.into = [
            (unpack(g, sizes), g[:first].reshape(sizes[0] + 1, sizes[1]))
            for g in (self.grad, self.block_grad)
        ]


class _Rows:
    """A block of rows and the views of its worker's buffers that hold its work."""

    def __init__(self, at: slice, X1: np.ndarray, target: np.ndarray, buf: _Buffers) -> None:
        rows = at.stop - at.start
        self.rows, self.X1, self.target = rows, X1[at], target[at]
        self.acts = [self.X1[:, :-1]] + [a[:rows] for a in buf.acts]
        self.deltas = [d[:rows] for d in buf.delta]
        self.slopes = [a[:rows] for a in buf.slope]
        self.ones = buf.ones[:rows]
        self.picks = np.arange(rows)


class Objective:
    """The loss and its gradient for L-BFGS, computed in buffers allocated once per fit.

    The rows are cut into blocks whose activations stay in a core's cache; with a `pool`, the
    blocks are shared among its threads (numpy lets go of the interpreter while it computes),
    each summing its own gradient. The first layer's weights and bias lie together in p, as
    one (inputs + 1, hidden) block, multiplied by the inputs with a column of ones. `dtype`
    float32 halves the memory traffic; the loss and the sums come back as float64.
    """

    def __init__(
        self,
        X: np.ndarray,
        target: np.ndarray,
        sizes: list[int],
        softmax: bool,
        decay: float,
        dtype: type = np.float64,
        pool: ThreadPoolExecutor | None = None,
        members: int = 1,
    ) -> None:
        n = X.shape[0]
        self.members = members
        self.own = np.empty((0, 0))  # with members: their output weights, set for each call
        self.sizes, self.softmax, self.decay, self.n, self.dtype = sizes, softmax, decay, n, dtype
        self.scale = dtype(1.0 / n)
        X1: np.ndarray = np.hstack([X, np.ones((n, 1))]).astype(dtype, copy=False)
        target = target if softmax else target.astype(dtype, copy=False)
        n_params = sum((a + 1) * b for a, b in pairwise(sizes))
        self.pool = pool
        rows = n if pool is None else block_rows(sizes)
        blocks = [slice(at, min(at + rows, n)) for at in range(0, n, rows)]
        count = min(workers() if pool is not None else 1, len(blocks))
        self.buffers = [_Buffers(min(rows, n), sizes, n_params, dtype) for _ in range(count)]
        self.shares = [
            [_Rows(at, X1, target, self.buffers[w]) for at in blocks[w::count]]
            for w in range(count)
        ]

    def __call__(self, p: np.ndarray) -> tuple[float, np.ndarray]:
        q: np.ndarray = p.astype(self.dtype, copy=False)
        sizes = self.sizes
        layers = unpack(q, sizes)
        first = q[: (sizes[0] + 1) * sizes[1]].reshape(sizes[0] + 1, sizes[1])  # [W; b]
        if self.members > 1:  # the output layer's own weights: (members, last hidden)
            W = layers[-1][0]
            at = np.arange(self.members)
            self.own = W.reshape(self.members, -1, self.members)[at, :, at]
        count = len(self.shares)
        if count == 1:
            losses = [self._share(0, layers, first)]
        else:
            assert self.pool is not None
            losses = list(self.pool.map(self._share, range(count), [layers] * count,
                                        [first] * count))  # fmt: skip
        grad = self.buffers[0].grad.astype(np.float64)  # a fresh array: L-BFGS keeps it
        for b in self.buffers[1:count]:
            grad += b.grad
        loss = sum(losses) / self.n
        decay = self.decay
        for (W, _), (gW, _) in zip(reversed(unpack(p, sizes)), reversed(unpack(grad, sizes))):
            w = W.reshape(-1)  # the last layer's first, as ever
            loss += 0.5 * decay * float(w @ w)
            gW += decay * W
        return loss, grad

    def _share(self, worker: int, layers: Layers, first: np.ndarray) -> float:
        """One worker's blocks: their summed loss (not yet divided by n); their gradient in
        the worker's buffers."""
        buf = self.buffers[worker]
        loss = 0.0
        for k, block in enumerate(self.shares[worker]):
            loss += self._block(block, layers, first, *buf.into[k > 0])
            if k:
                buf.grad += buf.block_grad
        return loss

    def _block(
        self, block: _Rows, layers: Layers, first: np.ndarray, glayers: Layers, gfirst: np.ndarray
    ) -> float:
        """Forward and backward through one block of rows: its loss (summed), its gradient
        (divided by n, without the weight decay) written into glayers and gfirst."""
        rows, X1, acts, deltas = block.rows, block.X1, block.acts, block.deltas
        for i, (W, b) in enumerate(layers[:-1]):
            a = acts[i + 1]
            if i == 0:
                np.matmul(X1, first, out=a)
            else:
                np.matmul(acts[i], W, out=a)
                a += b
            np.tanh(a, out=a)
        W, b = layers[-1]
        out, m = deltas[-1], self.members
        if m > 1:  # block-diagonal: each output unit reads only its own network's units
            np.einsum("rkh,kh->rk", acts[-1].reshape(rows, m, -1), self.own, out=out)
        else:
            np.matmul(acts[-1], W, out=out)
        out += b
        if self.softmax:
            target, picks = block.target, block.picks
            out -= out.max(axis=1, keepdims=True)
            picked = float(out[picks, target].sum())
            np.exp(out, out=out)
            total = out.sum(axis=1, keepdims=True)
            loss = float(np.log(total).sum()) - picked
            out /= total
            out[picks, target] -= 1.0
        else:
            out -= block.target
            flat = out.reshape(-1)
            loss = 0.5 * float(flat @ flat)
        out *= self.scale
        for i in range(len(layers) - 1, 0, -1):
            W, _ = layers[i]
            gW, gb = glayers[i]
            delta = deltas[i]
            last = i == len(layers) - 1 and m > 1
            if last:  # only the block-diagonal weights have a gradient
                gW.fill(0.0)
                own = np.einsum("rk,rkh->kh", delta, acts[i].reshape(rows, m, -1))
                gW.reshape(m, -1, m)[np.arange(m), :, np.arange(m)] = own
            else:
                np.matmul(acts[i].T, delta, out=gW)
            np.matmul(block.ones, delta, out=gb)
            back, slope, a = deltas[i - 1], block.slopes[i - 1], acts[i]
            if last:
                np.multiply(delta[:, :, None], self.own, out=back.reshape(rows, m, -1))
            elif W.shape[1] == 1:  # one output: an outer product, cheaper as a broadcast
                np.multiply(delta, W[:, 0], out=back)
            else:
                np.matmul(delta, W.T, out=back)
            np.multiply(a, a, out=slope)
            np.subtract(1.0, slope, out=slope)
            back *= slope
        # the first layer: weights and bias at once, from the inputs with their ones column
        np.matmul(X1.T, deltas[0], out=gfirst)
        return loss


def check_size(sizes: list[int], n: int) -> None:
    """ModelError unless a network of these layer sizes (inputs, hidden..., outputs) has at
    most MAX_PARAMETERS weights, and its training on n examples fits in memory."""
    from mapper.errors import ModelError

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
    # the examples with a column of ones and the outputs' gradients; per hidden unit an
    # activation, a slope and a gradient per row held at once (every row in a light fit, a
    # block per core in a heavy one)
    held = workers() * block_rows(sizes) if heavy_fit(sizes, n) else n
    # and per core a gradient and a block's gradient
    floats = n * (sizes[0] + 1 + sizes[-1]) + min(held, n) * 3 * sum(hidden)
    floats += 2 * workers() * weights
    check_training_size(floats, f"{what} on {n:,} examples", "choose smaller layers")
