"""The DTW benchmark section runs end to end in its quick mode, and its figures are sane.

Timings are not checked (they live in the benchmark). With .venv-bench set up (`make
bench-dtw-setup`) the quick run streams a few test series of each real dataset and reads the
reference's answers for them; without it, a small synthetic set (and no reference), so the
wire to a real `mapper headless` is exercised either way.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from benchmarks import dtw

ROOT = Path(__file__).resolve().parents[1]


def test_the_quick_dtw_section_writes_sane_figures(tmp_path):
    out = tmp_path / "dtw.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.dtw", "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    r = json.loads(out.read_text(), parse_constant=_no_constants)
    assert r["quick"] and r["machine"]["cpu"] and r["load"]["after"]
    assert r["accuracy"], "no dataset was measured"
    real = "skipped" not in r["reference"]
    if real:
        assert r["reference"]["library"].startswith("aeon ")
    else:
        assert set(r["accuracy"]) == {"synthetic"}
    for name, row in r["accuracy"].items():
        assert "udp_error" not in row, row.get("udp_error")
        for key in ("udp", "in_process", "wekinator_default"):
            assert 0.0 <= row[key] <= 1.0, (name, key, row[key])
        assert ("reference" in row) == real
        if real:
            assert 0.0 <= row["reference"] <= 1.0
        u = row["udp_run"]
        assert u["lost"] == 0 and u["frames"] > 0
        assert u["takes_held"] in (None, u["takes_sent"])  # every take arrived
        assert row["udp_agrees"] == 1.0  # the wire changes no decision
        assert row["udp_cost_gap"] is not None and row["udp_cost_gap"] < 1e-3  # float32 only
        assert u["round_trip"]["median_us"] > 0
        assert row["downsample_factor"] >= 1 and row["downsampled_train_length"] <= 20
        assert r["datasets"][name]["test"] == row["series"] <= dtw.QUICK_SERIES
    th = r["thresholds"]
    assert th["suggested_fixed"] in th["fixed"]
    assert th["suggested_relative"] in th["relative"]
    for t in th["datasets"].values():
        assert t["correct"]["n"] + t["wrong"]["n"] > 0
        assert t["own"]["n"] > 0 and t["own_median"] >= 0
        for kind in dtw.KINDS:
            assert all(0 <= row[kind] <= 1 for row in t["fixed"].values() if row[kind] is not None)
    cost = r["cost"]
    for name in ("Spotter.step", "Gestures.step", "Gestures.step paced"):
        assert 0 < cost[name]["median_us"] <= cost[name]["p99_us"]
    rt = r["roundtrip"]
    assert rt["mapper"]["lost"] == 0 and rt["floor"]["lost"] == 0
    assert rt["mapper"]["median_us"] > 0 and rt["floor"]["median_us"] > 0
    for table in ("DTW: temporal gestures", "match threshold", "matching cost", "round trip"):
        assert table in done.stdout


def test_wekinator_default_keeps_one_frame_in_longest_over_ten():
    """DOWNSAMPLE_TO_MAX_LENGTH 10: factor = longest // 10, at least 1 (Wekinator's DtwData)."""
    assert dtw.downsample_factor([np.zeros((150, 1)), np.zeros((90, 1))]) == 15
    assert dtw.downsample_factor([np.zeros((26, 12))]) == 2
    assert dtw.downsample_factor([np.zeros((9, 2))]) == 1


def test_the_quick_subset_takes_each_class_in_turn():
    d = dtw.synthetic()
    sub = dtw.quick_subset(d, 5)
    assert len(sub.test) == 5 and len(sub.train) == len(d.train)
    assert sorted(set(sub.test_labels.tolist())) == [0, 1, 2, 3]


def _no_constants(name: str) -> float:
    raise AssertionError(f"{name} in the JSON: every figure should be a finite number")
