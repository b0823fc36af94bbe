"""The DTW section's reference side: labelled gesture and motion datasets that aeon ships, and
offline 1-nearest-neighbour DTW on their train/test splits, computed by aeon.

Runs in its own virtual environment (.venv-bench, `make bench-dtw-setup`): aeon pins numpy,
scipy and scikit-learn below the versions mapper runs on, so it never enters .venv. It imports
nothing of mapper nor of the benchmarks package; benchmarks/dtw.py runs it and reads what it
writes:

    .venv-bench/bin/python benchmarks/dtw_reference.py --out DIR

DIR/<dataset>.npz: every series as frames (train_frames: the training series one after the
other, one row per frame, one column per dimension; train_lengths: each series' length;
train_labels: 0-based class; the same for test), classes (the labels as aeon names them) and
reference (the class 1-NN DTW predicts for each test series). DIR/reference.json: the library,
its version and settings, and per dataset the sizes, lengths, dimensions, the reference's
accuracy and the seconds it took. Nothing is downloaded: the data is what aeon's wheel bundles
(aeon/datasets/data), read with load_classification, unequal lengths as recorded.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

# (name, what it is): real human motion first. Each is read at its recorded lengths.
DATASETS = (
    (
        "GunPoint",
        "hand motion: the x-coordinate of an actor's hand drawing a gun or pointing "
        "(video tracking), 1 dimension",
    ),
    (
        "BasicMotions",
        "a wrist-worn smartwatch's accelerometer and gyroscope (6 axes) while "
        "standing, walking, running, playing badminton",
    ),
    (
        "PickupGestureWiimoteZ",
        "a Wii remote's z-axis accelerometer: 10 gestures (pick-up, "
        "shake, tilt...) performed by people, recorded at their own lengths",
    ),
    (
        "JapaneseVowels",
        "speech: 12 LPC cepstrum coefficients of a spoken vowel per frame, "
        "9 speakers, recorded at their own lengths",
    ),
)


def flatten(series: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(frames, lengths): aeon's (dims, length) series as one (frames, dims) array."""
    frames = np.concatenate([np.asarray(s, dtype=np.float64).T for s in series])
    return frames, np.array([s.shape[1] for s in series], dtype=np.int64)


def reference(name: str, out: Path) -> dict[str, object]:
    from aeon.classification.distance_based import KNeighborsTimeSeriesClassifier
    from aeon.datasets import load_classification

    X_train, y_train = load_classification(name, split="train", load_equal_length=False)
    X_test, y_test = load_classification(name, split="test", load_equal_length=False)
    train = [np.asarray(x) for x in X_train]
    test = [np.asarray(x) for x in X_test]
    if any(np.isnan(s).any() for s in train + test):
        raise SystemExit(f"{name}: missing values; the benchmark streams whole frames only")
    classes = np.array(sorted(set(y_train.tolist()), key=_label_order))
    index = {c: k for k, c in enumerate(classes.tolist())}
    started = time.perf_counter()
    clf = KNeighborsTimeSeriesClassifier(distance="dtw", n_neighbors=1)  # full window
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba's type-safety notes
        clf.fit(X_train, y_train)
        predicted = clf.predict(X_test)
    seconds = time.perf_counter() - started
    train_frames, train_lengths = flatten(train)
    test_frames, test_lengths = flatten(test)
    np.savez(
        out / f"{name}.npz",
        train_frames=train_frames,
        train_lengths=train_lengths,
        train_labels=np.array([index[c] for c in y_train.tolist()]),
        test_frames=test_frames,
        test_lengths=test_lengths,
        test_labels=np.array([index[c] for c in y_test.tolist()]),
        classes=classes,
        reference=np.array([index.get(c, -1) for c in predicted.tolist()]),
    )
    return {
        "train": len(train),
        "test": len(test),
        "dims": int(train[0].shape[0]),
        "classes": len(classes),
        "train_lengths": [int(train_lengths.min()), int(train_lengths.max())],
        "test_lengths": [int(test_lengths.min()), int(test_lengths.max())],
        "accuracy": float(np.mean(predicted == y_test)),
        "seconds": seconds,
        "params": {k: v for k, v in clf.get_params().items() if k != "n_jobs"},
    }


def _label_order(label: str) -> tuple[int, float | str]:
    try:
        return (0, float(label))
    except ValueError:
        return (1, label)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="the folder to write")
    args = parser.parse_args(argv)
    import aeon
    import numba

    args.out.mkdir(parents=True, exist_ok=True)
    r: dict[str, object] = {
        "library": f"aeon {aeon.__version__}",
        "classifier": "aeon.classification.distance_based.KNeighborsTimeSeriesClassifier"
        "(distance='dtw', n_neighbors=1): full window, squared Euclidean between frames "
        "(dependent DTW for several dimensions)",
        "versions": {
            "aeon": aeon.__version__,
            "numba": numba.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
        "datasets": {},
    }
    for name, about in DATASETS:
        print(f"  reference: {name}", file=sys.stderr, flush=True)
        row = reference(name, args.out)
        row["about"] = about
        r["datasets"][name] = row  # type: ignore[index]
    (args.out / "reference.json").write_text(json.dumps(r, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
