"""Train the rhythm VAE: from scratch on the shipped patterns, or fine-tuned on an artist's own.

    python -m mapper.generators.rhythm.train [--data DIR] [--out FILE.npz] [--from-shipped]

(or `mapper generator train rhythm ...`). Posterior collapse (latent dimensions the decoder
ignores) is the known risk of a VAE this small: the KL term is warmed up from zero and each
dimension keeps "free bits" (its KL is not pushed below a floor), so every dimension stays in
use; mapper.generators.rhythm.quality checks it.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mapper.generators.base import GeneratorError, resolve_device
from mapper.generators.rhythm.decoder import load_arrays, shipped_weights
from mapper.generators.rhythm.patterns import Pattern, shipped_data_dir
from mapper.generators.rhythm.sources import read_patterns

LATENT = 4


@dataclass
class Settings:
    latent: int = LATENT
    hidden: tuple[int, int] = (256, 128)
    epochs: int | None = None  # None: 400, or more for a few patterns (at least 1200 steps)
    batch: int = 64
    lr: float = 2e-3
    beta: float = 0.5  # the KL weight after warm-up
    warmup: float = 0.3  # share of the epochs over which beta rises from 0
    free_bits: float = 0.5  # nats per dimension below which KL is not penalised
    seed: int = 0
    device: str = "auto"


def as_matrix(patterns: list[Pattern]) -> np.ndarray:
    """(n, 144) velocities scaled 0..1."""
    return np.stack([p.velocities.reshape(-1) for p in patterns]).astype(np.float32) / 127.0


def train(
    patterns: list[Pattern],
    settings: Settings | None = None,
    start: dict[str, np.ndarray] | None = None,
    progress: Callable[[int, float], None] | None = None,
) -> dict[str, np.ndarray]:
    """Fit the VAE; returns its weights plus latent ranges and style anchors (arrays to save)."""
    import torch

    s = settings or Settings()
    if not patterns:
        raise GeneratorError("no patterns to train on")
    device = resolve_device(s.device)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a model this small trains fastest on one core, and shares it
    try:
        return _fit(torch, patterns, s, device, start, progress)
    finally:
        torch.set_num_threads(threads)


def _fit(
    torch: Any,
    patterns: list[Pattern],
    s: Settings,
    device: str,
    start: dict[str, np.ndarray] | None,
    progress: Callable[[int, float], None] | None,
) -> dict[str, np.ndarray]:
    from mapper.generators.rhythm.model import RhythmVAE, model_from_arrays, state_to_arrays

    torch.manual_seed(s.seed)
    rng = np.random.default_rng(s.seed)
    model = model_from_arrays(start) if start is not None else RhythmVAE(s.latent, s.hidden)
    model.to(device)
    x_all = torch.from_numpy(as_matrix(patterns)).to(device)
    onsets_all = (x_all > 0).float()
    opt = torch.optim.Adam(model.parameters(), lr=s.lr)
    n = len(patterns)
    steps_per_epoch = max(1, (n + s.batch - 1) // s.batch)
    epochs = s.epochs or max(400, -(-1200 // steps_per_epoch))
    warm = max(1, int(epochs * s.warmup)) if start is None else 1  # fine-tuning: no warm-up
    with torch.no_grad():
        pos = onsets_all.mean().clamp(1e-3, 0.5)
    pos_weight = (1 - pos) / pos / 4  # hits are rarer than rests: do not learn silence
    for epoch in range(epochs):
        beta = s.beta * min(1.0, epoch / warm)
        order = rng.permutation(n)
        total = 0.0
        for k in range(steps_per_epoch):
            idx = torch.from_numpy(order[k * s.batch : (k + 1) * s.batch]).to(device)
            x, on = x_all[idx], onsets_all[idx]
            logits, vel, mu, logvar = model(x)
            bce = torch.nn.functional.binary_cross_entropy_with_logits(
                logits, on, pos_weight=pos_weight, reduction="sum"
            )
            vel_err = (((vel - x) ** 2) * on).sum() * 10.0
            kl = 0.5 * (mu**2 + logvar.exp() - 1.0 - logvar)  # (batch, latent)
            kl_dims = kl.mean(0).clamp(min=s.free_bits) * len(idx)
            loss = (bce + vel_err + beta * kl_dims.sum()) / len(idx)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach())
        if progress is not None:
            progress(epoch, total / steps_per_epoch)
    model.eval()
    arrays = state_to_arrays(model)
    with torch.no_grad():
        mu, _ = model.encode(x_all)
    arrays.update(latent_summary(mu.cpu().numpy(), patterns))
    return arrays


def latent_summary(mu: np.ndarray, patterns: list[Pattern]) -> dict[str, np.ndarray]:
    """Latent ranges (the training patterns' spread, with a margin) and each style's centre."""
    low, high = mu.min(0), mu.max(0)
    margin = 0.15 * (high - low) + 0.1
    styles = sorted({p.style for p in patterns})
    labels = np.array([p.style for p in patterns])
    centres = np.stack([mu[labels == st].mean(0) for st in styles]).astype(np.float32)
    return {
        "latent_low": np.floor((low - margin) * 10) / 10,
        "latent_high": np.ceil((high + margin) * 10) / 10,
        "style_names": np.array(styles),
        "style_centres": centres,
        "train_latents": mu.astype(np.float32),
    }


def save_weights(arrays: dict[str, np.ndarray], path: Path) -> None:
    """Write an .npz (plain arrays, loaded later with pickling disabled)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.npz")
    np.savez_compressed(tmp, **{k: np.asarray(v) for k, v in arrays.items()})  # type: ignore[arg-type]
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the rhythm model (a small drum VAE).")
    parser.add_argument("--data", type=Path, default=None, help="pattern files / MIDI folder")
    parser.add_argument("--out", type=Path, default=None, help="weights file (.npz)")
    parser.add_argument("--from-shipped", action="store_true", help="fine-tune the shipped model")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--latent", type=int, default=LATENT)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args(argv)
    try:
        patterns = read_patterns(args.data or shipped_data_dir())
        settings = Settings(latent=args.latent, device=args.device)
        start = load_arrays(shipped_weights()) if args.from_shipped else None
        if args.epochs:
            settings.epochs = args.epochs
        t0 = time.perf_counter()
        arrays = train(patterns, settings, start)
        out = args.out or shipped_weights()
        save_weights(arrays, out)
    except GeneratorError as e:
        print(f"mapper: {e}", file=sys.stderr)
        return 1
    print(f"trained on {len(patterns)} patterns in {time.perf_counter() - t0:.1f} s -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
