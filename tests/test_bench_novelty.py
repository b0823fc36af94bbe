"""The novelty benchmark section (issue 18) runs end to end in its quick mode, its figures are
there and sane, and its measures (the AUC, Spearman's correlation, the shifts) are right on
cases small enough to check by hand.

Timings are not checked (they live in the benchmark's report, with a met / NOT MET per goal).
With .venv-bench set up (`make bench-dtw-setup`) the quick run also measures the recorded
smartwatch data (BasicMotions); without it (CI), synthetic poses only, and the report says so.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import rankdata

from benchmarks.novelty_data import MARGIN, Taught, between, outside
from benchmarks.novelty_quality import auc, spearman

ROOT = Path(__file__).resolve().parents[1]
MODELS = ("mlp (default)", "knn k=5")


def test_the_quick_novelty_section_writes_its_figures(tmp_path):
    out = tmp_path / "novelty.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.novelty", "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    r = json.loads(out.read_text(), parse_constant=_no_constants)
    assert r["quick"] and r["machine"]["cpu"] and r["load"]["after"]

    s = r["synthetic"]
    for kind in ("between", "outside"):
        assert 0.0 <= s[kind]["auc"] <= 1.0
        assert s[kind]["median"] > s["near"]["median"]  # shifted frames are newer
    assert s["overall_auc"] > 0.9  # seeded poses far apart: a broken measure would fail this
    assert s["formula_gap"] < 1e-9  # the engine's novelty is the docstring's formula

    real = r["real"]
    if (ROOT / ".venv-bench" / "dtw-data" / "BasicMotions.npz").exists():
        teachings = real["teachings"]
        assert set(teachings) == {
            "all classes",
            "without badminton",
            "without running",
            "without standing",
            "without walking",
        }
        for name, row in teachings.items():
            assert 0.0 <= row["overall_auc"] <= 1.0 and row["formula_gap"] < 1e-9
            assert ("untaught" in row) == (name != "all classes")
        assert "BasicMotions (all classes)" in r["rays"]
    else:  # CI: no recorded data; the report says what to run
        assert "bench-dtw-setup" in real["skipped"]
        assert "real data: not measured" in done.stdout

    ray = r["rays"]["synthetic"]
    assert ray["rays"] > 0 and 0.0 <= ray["not_decreasing"] <= 1.0
    assert -1.0 <= ray["spearman_min"] <= ray["spearman_median"] <= 1.0
    assert ray["novelty_at_reach_median"] > 2.0  # 3 spreads out, far from every other pose

    for model in MODELS:
        c = r["in_process"][model]
        assert c["off"]["median_us"] > 0 and c["on"]["median_us"] > 0
        sent = c["messages"]
        assert sent["on"] == sent["frames"] and sent["off"] == 0  # one message a frame, on only
        assert c["hot_path_vs_query"] < 1e-9
        paced = c["paced"]
        assert paced["off"]["median_us"] > 0 and paced["on"]["median_us"] > 0
        assert paced["gap"]["median_us"] > 0  # /mapper/novelty leaves after /wek/outputs

        w = r["roundtrip"][model]
        assert "skipped" not in w, w.get("skipped")
        assert w["lost"] == {"off": 0, "on": 0, "floor": 0, "floor2": 0}
        for key in ("off", "on", "on_whole", "floor", "floor2_whole"):
            assert w[key]["median_us"] > 0
        assert w["on_whole"]["median_us"] >= w["on"]["median_us"]  # novelty follows outputs
        agree = w["wire_vs_in_process"]
        assert agree["frames"] > 0 and agree["largest_relative_gap"] < 1e-5  # float32 only

    assert r["goals"] and all({"goal", "measured", "met"} <= set(g) for g in r["goals"])
    for table in ("novelty (issue 18)", "separation", "monotonic", "in-process", "round trip"):
        assert table in done.stdout
    assert "goals" in done.stdout and ("met" in done.stdout or "NOT MET" in done.stdout)


def test_auc_counts_the_pairs_a_shifted_frame_wins():
    # pairs (shifted above near) by hand: 0.8 beats 0.1, 0.4, 0.35 and ties 0.8 (3.5);
    # 0.9 beats all four (4); 0.3 beats 0.1 (1): 8.5 of 4 x 3 = 12 pairs
    near, shifted = [0.1, 0.4, 0.35, 0.8], [0.8, 0.9, 0.3]
    assert auc(near, shifted) == pytest.approx(8.5 / 12)
    rng = np.random.default_rng(1)  # with ties: values on a coarse grid
    a, b = rng.integers(0, 6, 40).astype(float), rng.integers(2, 8, 30).astype(float)
    pairs = (b[:, None] > a[None, :]).sum() + 0.5 * (b[:, None] == a[None, :]).sum()
    assert auc(a, b) == pytest.approx(pairs / (len(a) * len(b)))  # every pair, counted
    assert auc([0.0, 1.0], [2.0, 3.0]) == 1.0
    assert auc([2.0, 3.0], [0.0, 1.0]) == 0.0
    assert auc([1.0, 1.0], [1.0]) == 0.5
    with pytest.raises(ValueError):
        auc([], [1.0])


def test_spearman_reads_order_and_shares_ties():
    assert spearman([1, 2, 3, 4], [1, 4, 9, 16]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [9, 4, 1, 0]) == pytest.approx(-1.0)
    assert spearman([1, 2, 3], [5, 5, 5]) == 0.0  # constant: 0, not NaN
    assert spearman([4, 4, 4], [1, 2, 3]) == 0.0
    # ties share their average rank (3, 1, 3, 2 ranks 3.5, 1, 3.5, 2): Pearson's r of the ranks
    a, b = [3.0, 1.0, 3.0, 2.0], [1.0, 2.0, 4.0, 3.0]
    assert rankdata(a).tolist() == [3.5, 1.0, 3.5, 2.0]
    assert spearman(a, b) == pytest.approx(np.corrcoef(rankdata(a), rankdata(b))[0, 1])


def test_the_shifts_move_frames_as_documented():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [4.0, 0.0], [4.0, 1.0]])  # two clusters, 2 inputs
    labels = np.array([0, 0, 1, 1])
    near = np.array([[0.1, 0.5], [3.9, 0.5]])
    t = Taught("tiny", "", X, labels, labels, near, np.array([0, 1]))
    rng = np.random.default_rng(0)
    # half way toward the other cluster's centre: centres (0, 0.5) and (4, 0.5)
    np.testing.assert_allclose(between(t, rng), [[2.1, 0.5], [1.9, 0.5]])
    out = outside(t, rng)
    lo, hi, span = X.min(axis=0), X.max(axis=0), X.max(axis=0) - X.min(axis=0)
    for frame, original in zip(out, near):
        moved = np.flatnonzero(frame != original)
        assert len(moved) == 1  # one input, the others as recorded
        k = moved[0]
        beyond = max(frame[k] - hi[k], lo[k] - frame[k]) / span[k]
        assert MARGIN <= beyond <= 2 * MARGIN


def _no_constants(name: str) -> float:
    raise AssertionError(f"{name} in the JSON: every figure should be a finite number")
