"""kNN search on many examples: float64 ranking of every example (old) against the index a
model gets now (`make_index`: float32 ranking and an exact re-rank where the examples are many).

    python -m benchmarks.knn_search [--quick] [--threads N]

For each size (inputs x examples, uniform random, benchmarks.tasks): the in-process time of one
search, median and p99 in microseconds, back to back and paced (one search every 5 ms, as
frames arrive at 200 frames/s: caches and BLAS threads go cold between them), for k = 1 and
k = 5; the share of the exact nearest examples each search finds (recall against a brute-force
float64 search over the test frames); the kNN regressor's mean absolute error on the same
frames; and what the index holds, in MB.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from contextlib import nullcontext

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from benchmarks.tasks import TEST_SEED, examples
from mapper.models.knn import KNNRegressor, LargeSearchIndex, SearchIndex, make_index

SIZES = ((8, 1_000), (63, 10_000), (63, 50_000), (132, 100_000))
KS = (1, 5)
PACE_S = 0.005


def times(search: Callable[[np.ndarray], object], frames: np.ndarray, pace: float) -> np.ndarray:
    """Seconds of each search, one frame after another (`pace` seconds apart when > 0)."""
    out = np.empty(len(frames))
    clock = time.perf_counter
    for i, x in enumerate(frames):
        if pace:
            time.sleep(pace)
        start = clock()
        search(x)
        out[i] = clock() - start
    return out


def brute_force(train: np.ndarray, xs: np.ndarray, k: int) -> list[list[int]]:
    """The exact k nearest (squared differences summed in float64; ties: lower index first) of
    each standardized frame in xs, in chunks of frames."""
    norms = np.einsum("ij,ij->i", train, train)
    answers = []
    for at in range(0, len(xs), 100):
        chunk = xs[at : at + 100]
        d2 = norms[None, :] - 2.0 * chunk @ train.T  # candidates: a few more than k
        near = np.argpartition(d2, k + 16, axis=1)[:, : k + 16]
        for x, rows in zip(chunk, near):
            exact = ((train[rows] - x) ** 2).sum(axis=1)
            answers.append(rows[np.lexsort((rows, exact))[:k]].tolist())
    return answers


def recall(index: SearchIndex, frames: np.ndarray, truth: list[list[int]], k: int) -> float:
    """The share of the true k nearest that the index's search finds, over the frames."""
    hits = sum(len(set(index.search(x, k)) & set(t)) for x, t in zip(frames, truth))
    return hits / (k * len(frames))


def mae(model: KNNRegressor, index: SearchIndex, frames: np.ndarray, truth: np.ndarray) -> float:
    """The regressor's mean absolute error on the frames, searching with `index`."""
    model._search_ = index
    predicted = np.array([model.predict_one(x) for x in frames])
    return float(np.abs(predicted - truth).mean())


def megabytes(index: SearchIndex) -> float:
    """What the index holds: the standardized examples, |t|^2/2, and its ranker(s)."""
    held = index.train.nbytes + index.half_sq.nbytes
    if isinstance(index, LargeSearchIndex):
        held += index.float32.nbytes
    else:
        held += index.ranker.nbytes
    return held / 2**20


def stats(seconds: np.ndarray) -> str:
    us = seconds * 1e6
    return f"{np.median(us):7.1f} {np.percentile(us, 99):7.1f}"


def run_size(d: int, n: int, tests: int, paced: int, repeats: int) -> None:
    X, y = examples("regression", n, d)
    frames, truth_y = examples("regression", tests, d, seed=TEST_SEED)
    old = SearchIndex(X)
    new = make_index(X)
    kind = type(new).__name__
    print(f"\n{d} inputs x {n:,} examples: new index = {kind}")
    print(
        f"  memory: old {megabytes(old):.1f} MB, new {megabytes(new):.1f} MB "
        f"({megabytes(new) * 2**20 / n:.0f} bytes an example)"
    )
    print("  k  index  back-to-back med p99 (us)   paced 5 ms med p99 (us)   recall")
    xs = (frames - old.mean) * old.inv_scale
    for k in KS:
        truth = brute_force(old.train, xs, k)
        for name, index in (("old", old), ("new", new)):

            def search(x: np.ndarray, index: SearchIndex = index, k: int = k) -> object:
                return index.search(x, k)

            times(search, frames[:50], 0.0)  # warm up
            back = np.concatenate([times(search, frames, 0.0) for _ in range(repeats)])
            slow = times(search, frames[:paced], PACE_S)
            print(
                f"  {k}  {name}    {stats(back)}                {stats(slow)}"
                f"           {recall(index, frames, truth, k):.4f}"
            )
    model = KNNRegressor(k=5).fit(X, y)
    assert isinstance(model, KNNRegressor)
    errors = [mae(model, index, frames, truth_y) for index in (old, new)]
    print(f"  kNN regressor (k=5) MAE: old {errors[0]:.6f}, new {errors[1]:.6f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.knn_search", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer frames, no 100,000 set")
    parser.add_argument(
        "--threads", type=int, default=0, help="BLAS threads (default: numpy's, all cores)"
    )
    args = parser.parse_args(argv)
    tests, paced, repeats = (300, 60, 1) if args.quick else (2000, 300, 3)
    sizes = SIZES[:-1] if args.quick else SIZES
    limit = threadpool_limits(args.threads) if args.threads else nullcontext()
    with limit:
        blas = [f"{i['internal_api']} {i['num_threads']} threads" for i in threadpool_info()]
        print(f"kNN search, in process ({', '.join(blas)}); test frames: {tests}")
        for d, n in sizes:
            run_size(d, n, tests, paced, repeats)


if __name__ == "__main__":
    main()
