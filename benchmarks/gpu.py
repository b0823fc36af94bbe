"""MLP training on a CUDA GPU with torch, where there is one (run as a subprocess by the suite).

The same network as mapper's default (one hidden layer of 16 tanh units, full-batch L-BFGS,
300 iterations, float64) on the mean-of-inputs task, timed on the GPU and on the CPU with
torch for comparison. Prints one JSON object; without a CUDA GPU it says so and times nothing.

    python -m benchmarks.gpu [--examples 10000]
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from benchmarks.tasks import TEST_SEED, examples, quality


def fit_seconds(device: str, n: int, inputs: int = 8) -> dict[str, Any]:
    import torch

    X, y = examples("regression", n, inputs)
    X_test, y_test = examples("regression", 2000, inputs, seed=TEST_SEED)
    mean, std = X.mean(axis=0), X.std(axis=0)
    kw: dict[str, Any] = {"device": device, "dtype": torch.float64}
    Xt = torch.tensor((X - mean) / std, **kw)
    yt = torch.tensor((y - y.mean()) / y.std(), **kw)[:, None]
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(inputs, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1)
    ).to(**kw)
    opt = torch.optim.LBFGS(
        net.parameters(), max_iter=300, tolerance_grad=1e-10, tolerance_change=0.0,
        history_size=10, line_search_fn="strong_wolfe",
    )  # fmt: skip

    def closure() -> Any:
        opt.zero_grad()
        loss = 0.5 * ((net(Xt) - yt) ** 2).mean()
        loss.backward()
        return loss

    if device == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    opt.step(closure)
    if device == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - t0
    with torch.no_grad():
        pred = net(torch.tensor((X_test - mean) / std, **kw))[:, 0].cpu().numpy()
    metric, value = quality("regression", pred * y.std() + y.mean(), y_test)
    return {"seconds": seconds, "quality": metric, "quality_value": value}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10_000)
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        print(json.dumps({"skipped": "torch is not installed"}))
        return
    if not torch.cuda.is_available():
        print(json.dumps({"skipped": f"no CUDA GPU (torch {torch.__version__})"}))
        return
    fit_seconds("cuda", 1000)  # warm-up: CUDA context, kernels
    result = {
        "device": torch.cuda.get_device_name(0),
        "examples": args.examples,
        "cuda": fit_seconds("cuda", args.examples),
        "torch_cpu": fit_seconds("cpu", args.examples),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
