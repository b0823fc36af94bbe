"""How good is a rhythm model? Three measured answers (and exit status 1 if one falls short):

1. Reconstruction: onset F1 of training patterns encoded then decoded (>= 0.9).
2. Every latent dimension is used: moving along it changes the decoded pattern, from every
   style's centre; the spread of the training patterns along it (posterior collapse check).
3. Distance grows with distance: from random points along random directions, the number of
   cells that differ from the start pattern grows monotonically (on average) with the step.

    python -m mapper.generators.rhythm.quality [--weights FILE.npz] [--data DIR] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from mapper.generators.base import GeneratorError
from mapper.generators.rhythm.decoder import load_arrays, shipped_weights
from mapper.generators.rhythm.generator import RhythmGenerator
from mapper.generators.rhythm.patterns import Pattern, shipped_data_dir
from mapper.generators.rhythm.sources import read_patterns

F1_FLOOR = 0.9
STEPS = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)  # in units of the latent's standard deviation


def encode(arrays: dict[str, np.ndarray], patterns: list[Pattern]) -> np.ndarray:
    """The encoder's mean for each pattern, with numpy (no torch)."""
    x = np.stack([p.velocities.reshape(-1) for p in patterns]).astype(np.float64) / 127.0

    def layer(h: np.ndarray, name: str) -> np.ndarray:
        return h @ arrays[f"{name}.weight"].T.astype(np.float64) + arrays[f"{name}.bias"]

    h = np.maximum(layer(np.maximum(layer(x, "enc1"), 0), "enc2"), 0)
    return layer(h, "mu")


def onset_f1(gen: RhythmGenerator, latents: np.ndarray, patterns: list[Pattern]) -> float:
    tp = fp = fn = 0
    for z, p in zip(latents, patterns):
        pred, true = gen.decode(z) > 0, p.onsets
        tp += int((pred & true).sum())
        fp += int((pred & ~true).sum())
        fn += int((~pred & true).sum())
    return 2 * tp / max(1, 2 * tp + fp + fn)


def changed_cells(a: np.ndarray, b: np.ndarray) -> int:
    """Cells that are a hit in one pattern and not the other."""
    return int(((a > 0) != (b > 0)).sum())


def measure(weights: Path | None = None, data: Path | None = None, seed: int = 0) -> dict[str, Any]:
    gen = RhythmGenerator(weights, device="cpu")
    arrays = load_arrays(weights or shipped_weights())
    patterns = read_patterns(data or shipped_data_dir())
    latents = encode(arrays, patterns)
    spread = latents.std(0)
    centres = list(gen.styles.values()) or [np.zeros(gen.latent_size)]
    per_dim: list[dict[str, Any]] = []
    for d in range(gen.latent_size):
        changes = []
        for c in centres:
            for sign in (-1, 1):
                z = c.copy()
                z[d] += sign * spread[d]
                changes.append(changed_cells(gen.decode(c), gen.decode(z)))
        per_dim.append(
            {
                "name": gen.latent_dims[d].name,
                "spread": round(float(spread[d]), 3),
                "mean_changed_cells": round(float(np.mean(changes)), 2),
                "moves_that_change": round(float(np.mean(np.array(changes) > 0)), 3),
            }
        )
    rng = np.random.default_rng(seed)
    curve = np.zeros(len(STEPS))
    starts = 200
    for _ in range(starts):
        z0 = latents[rng.integers(len(latents))]
        u = rng.normal(size=gen.latent_size)
        u /= np.linalg.norm(u)
        base = gen.decode(z0)
        for k, t in enumerate(STEPS):
            curve[k] += changed_cells(base, gen.decode(z0 + t * u * spread))
    curve /= starts
    f1 = onset_f1(gen, latents, patterns)
    monotonic = bool(np.all(np.diff(curve) >= 0))
    return {
        "patterns": len(patterns),
        "styles": len({p.style for p in patterns}),
        "latent_size": gen.latent_size,
        "onset_f1": round(f1, 4),
        "dimensions": per_dim,
        "distance_curve": {
            "steps": list(STEPS),
            "mean_changed_cells": [round(float(c), 2) for c in curve],
        },
        "passes": {
            "onset_f1": f1 >= F1_FLOOR,
            "every_dimension_changes_the_pattern": all(
                d["mean_changed_cells"] > 0 for d in per_dim
            ),
            "distance_grows_monotonically": monotonic,
        },
    }


def report(q: dict[str, Any]) -> str:
    lines = [
        f"{q['patterns']} patterns, {q['styles']} styles, latent size {q['latent_size']}",
        f"onset F1 (encode -> decode, training set): {q['onset_f1']:.4f}",
        "latent dimensions (a move of one spread from each style's centre):",
    ]
    for d in q["dimensions"]:
        lines.append(
            f"  {d['name']}: spread {d['spread']:.2f}, {d['mean_changed_cells']:.1f} cells "
            f"change on average, {100 * d['moves_that_change']:.0f}% of moves change the pattern"
        )
    c = q["distance_curve"]
    pairs = ", ".join(f"{s}: {m}" for s, m in zip(c["steps"], c["mean_changed_cells"]))
    lines.append(f"cells changed vs distance (in spreads): {pairs}")
    lines += [f"{'PASS' if ok else 'FAIL'} {name}" for name, ok in q["passes"].items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure a rhythm model's quality.")
    parser.add_argument(
        "--weights", type=Path, default=None, help="weights (.npz); default shipped"
    )
    parser.add_argument("--data", type=Path, default=None, help="its training patterns")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    try:
        q = measure(args.weights, args.data)
    except GeneratorError as e:
        print(f"mapper: {e}", file=sys.stderr)
        return 1
    print(report(q))
    if args.json:
        args.json.write_text(json.dumps(q, indent=2) + "\n", encoding="utf-8")
    return 0 if all(q["passes"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
