"""The growth section (issue 19) runs end to end in --quick, and reads its cells right (figures
are not checked against goals: timings live in them)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from benchmarks.growth import MODELS, QUICK, shapes
from benchmarks.growth_report import cell_key, goals, print_section

ROOT = Path(__file__).resolve().parents[1]


def test_quick_growth_measures_every_cell_and_prints_its_tables(tmp_path):
    out = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--only", "growth", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    r = json.loads(out.read_text())
    g = r["growth"]
    rows = shapes(QUICK)
    assert g["rows"] == {name: [list(s) for s in row] for name, row in rows.items()}
    wanted = {cell_key(m, *s) for m in MODELS for row in rows.values() for s in row}
    assert set(g["cells"]) == wanted
    for key, c in g["cells"].items():
        assert "skipped" not in c, (key, c.get("skipped"))
        assert c["train_s"] > 0 and c["rss_mb"] > 10 and 0 <= c["mae"] < 0.2, key
        for way in ("paced", "back_to_back"):
            assert c[way]["lost"] == 0 and c[way]["median_us"] > 0 and c[way]["p99_us"] > 0
            assert c["floor"][way]["median_us"] > 0 and c["floor"][way]["lost"] == 0
            assert c[way]["overhead_us"] == c[way]["median_us"] - c["floor"][way]["median_us"]
    text = done.stdout
    for dim, row in rows.items():
        assert f"**{dim}**" in text
        assert f"| {dim} | model | paced: median above floor |" in text
        for model in MODELS:
            for shape in row:
                value = shape[("inputs", "outputs", "examples").index(dim)]
                assert f"| {value:,} | {model} | " in text
    # QUICK's base is the goals' 8x3x1,000: its overhead goals, each model each way, are checked
    names = [goal["goal"] for goal in r["goals"]]
    assert len([n for n in names if n.startswith("growth, ") and "x1,000: overhead" in n]) == 4


def test_goals_and_tables_of_a_run_with_a_cell_stopped_and_one_refused(capsys):
    """A training over the limit is a goal not met, shown as over it; a skipped cell is a row
    of dashes with its reason below the table."""
    measured = {
        "inputs": 63, "outputs": 16, "examples": 10_000, "train_s": 0.5, "rss_mb": 120.0,
        "mae": 0.001,
        "floor": {w: {"median_us": 20.0, "p99_us": 40.0} for w in ("paced", "back_to_back")},
        "paced": {"median_us": 30.0, "p99_us": 90.0, "overhead_us": 10.0, "overhead_p99_us": 50.0},
        "back_to_back": {"median_us": 25.0, "p99_us": 80.0, "overhead_us": 5.0,
                         "overhead_p99_us": 40.0},
    }  # fmt: skip
    r = {
        "quick": False,
        "plan": {
            "base": [8, 3, 1000],
            "rate": 200.0,
            "paced": 1000,
            "frames": 2000,
            "test_frames": 1000,
        },
        "rows": {"examples": [[63, 16, 10_000], [63, 16, 100_000]]},
        "load": {"before": "0.1", "after": "0.2"},
        "cells": {
            "mlp 63x16x10000": measured,
            "mlp 63x16x100000": {"train_over_s": 90.0, "skipped": "training took longer"},
            "knn k=5 63x16x10000": measured,
            "knn k=5 63x16x100000": {"skipped": "headless refused it: too many"},
        },
    }
    got = {g["goal"]: g for g in goals(r)}
    assert got["growth, mlp 63x16x10,000: training <= 1 s"]["met"]
    assert got["growth, mlp 63x16x10,000: MAE <= 0.002"]["met"]
    stopped = got["growth, mlp 63x16x100,000: training <= 10 s"]
    assert not stopped["met"] and stopped["measured"] == "> 90 s (training stopped)"
    assert not any("8x3" in g for g in got)  # not measured in this run: no goal
    print_section(r)
    text = capsys.readouterr().out
    assert "| 10,000 | mlp | +10 µs | 90 µs | +5 µs | 80 µs | 0.500 s | 120 MB | 0.0010 |" in text
    assert "| 100,000 | mlp | skipped | – | – | – | > 90 s | – | – |" in text
    assert "- skipped: knn k=5 63x16x100,000: headless refused it: too many" in text
    assert "paced median 20 µs, p99 40 µs" in text
