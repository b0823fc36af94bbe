"""The DTW section's datasets: the recorded gesture datasets and the reference's answers that
benchmarks/dtw_reference.py writes from .venv-bench (made here where it is missing), the small
synthetic set a quick run streams without it, and the quick run's subset."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BENCH_VENV = ROOT / ".venv-bench"  # ignored by git: it holds a .gitignore of its own
DATA = BENCH_VENV / "dtw-data"
REFERENCE_SCRIPT = Path(__file__).with_name("dtw_reference.py")
AEON = "aeon==1.3.0"
WEKINATOR_MAX_LENGTH = 10  # Wekinator's DEFAULT_DOWNSAMPLE_MAX_LENGTH
QUICK_SERIES = 6  # test series per dataset in --quick
Log = Callable[[str], None]


@dataclass
class Dataset:
    name: str
    about: str
    train: list[np.ndarray]  # (frames, dims) each
    train_labels: np.ndarray  # 0-based gesture
    test: list[np.ndarray]
    test_labels: np.ndarray
    classes: list[str]
    reference: np.ndarray | None  # the reference's class per test series, or None

    @property
    def dims(self) -> int:
        return int(self.train[0].shape[1])

    @property
    def gestures(self) -> int:
        return len(self.classes)

    def describe(self) -> dict[str, Any]:
        def span(series: list[np.ndarray]) -> list[int]:
            return [min(map(len, series)), max(map(len, series))]

        return {
            "about": self.about,
            "train": len(self.train),
            "test": len(self.test),
            "dims": self.dims,
            "classes": self.gestures,
            "train_lengths": span(self.train),
            "test_lengths": span(self.test),
        }


def _split(frames: np.ndarray, lengths: np.ndarray) -> list[np.ndarray]:
    return np.split(frames, np.cumsum(lengths)[:-1])


def load(folder: Path = DATA) -> tuple[dict[str, Any], list[Dataset]]:
    """reference.json and every dataset it lists (FileNotFoundError when not written yet)."""
    meta = json.loads((folder / "reference.json").read_text())
    out = []
    for name, row in meta["datasets"].items():
        with np.load(folder / f"{name}.npz", allow_pickle=False) as z:
            out.append(
                Dataset(
                    name,
                    row["about"],
                    _split(z["train_frames"], z["train_lengths"]),
                    z["train_labels"],
                    _split(z["test_frames"], z["test_lengths"]),
                    z["test_labels"],
                    [str(c) for c in z["classes"]],
                    z["reference"],
                )
            )
    return meta, out


def setup(log: Log) -> str | None:
    """Make .venv-bench (aeon) where it is missing, then write the datasets and the
    reference's answers to .venv-bench/dtw-data. None when done, else why not."""
    python = BENCH_VENV / "bin" / "python"
    steps: list[tuple[str, list[str], float]] = []
    if not (BENCH_VENV / ".installed").exists():
        steps += [
            ("making .venv-bench", [sys.executable, "-m", "venv", str(BENCH_VENV)], 300),
            (
                f"installing {AEON} into .venv-bench",
                [
                    str(python),
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    AEON,
                ],
                1200,
            ),
        ]
    steps.append(
        (
            "1-NN DTW with aeon on each dataset",
            [str(python), str(REFERENCE_SCRIPT), "--out", str(DATA)],
            900,
        )
    )
    for what, cmd, timeout in steps:
        log(f"  dtw: {what}")
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except (OSError, subprocess.SubprocessError) as e:
            return f"{what} failed: {e}"
        if done.returncode:
            why = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["?"]
            return f"{what} failed: {why[0]}"
        if cmd[1:3] == ["-m", "venv"]:
            (BENCH_VENV / ".gitignore").write_text("# made by benchmarks/dtw.py\n*\n")
        elif "pip" in cmd:
            (BENCH_VENV / ".installed").write_text(AEON + "\n")
    return None


def synthetic(seed: int = 0) -> Dataset:
    """Four 2-D shapes (circle, line, zigzag, figure eight), taken at different speeds with a
    wobble: the quick run's data where the reference side is not set up."""
    rng = np.random.default_rng(seed)

    def shape(k: int, n: int) -> np.ndarray:
        t = np.linspace(0, 1, n)
        xy = [
            (np.cos(2 * np.pi * t), np.sin(2 * np.pi * t)),
            (2 * t - 1, 2 * t - 1),
            (2 * t - 1, np.sign(np.sin(6 * np.pi * t))),
            (np.sin(2 * np.pi * t), np.sin(4 * np.pi * t)),
        ][k]
        return np.stack(xy, 1) + rng.normal(0, 0.05, (n, 2))

    def takes(each: int) -> tuple[list[np.ndarray], np.ndarray]:
        series = [(k, shape(k, int(rng.integers(24, 40)))) for k in range(4) for _ in range(each)]
        return [s for _, s in series], np.array([k for k, _ in series])

    train, train_labels = takes(3)
    test, test_labels = takes(2)
    about = "synthetic 2-D shapes (no reference: `make bench-dtw-setup` for the real datasets)"
    names = ["circle", "line", "zigzag", "figure eight"]
    return Dataset("synthetic", about, train, train_labels, test, test_labels, names, None)


def quick_subset(d: Dataset, n: int) -> Dataset:
    """The first test series of each class in turn, n in all; every training series."""
    picked = each_class_in_turn(d.test_labels, n)
    ref = None if d.reference is None else d.reference[picked]
    return Dataset(
        d.name,
        d.about,
        d.train,
        d.train_labels,
        [d.test[i] for i in picked],
        d.test_labels[picked],
        d.classes,
        ref,
    )


def downsample_factor(train: Sequence[np.ndarray]) -> int:
    """Wekinator's DOWNSAMPLE_TO_MAX_LENGTH: keep one frame in longest // 10 (at least 1)."""
    return max(1, max(map(len, train)) // WEKINATOR_MAX_LENGTH)


def each_class_in_turn(labels: np.ndarray, n: int) -> list[int]:
    """The first n indices taking each class in turn (as quick_subset picks)."""
    by_class = [list(np.flatnonzero(labels == k)) for k in np.unique(labels)]
    picked: list[int] = []
    for rank in range(len(labels)):
        for members in by_class:
            if rank < len(members) and len(picked) < n:
                picked.append(int(members[rank]))
    return sorted(picked)
