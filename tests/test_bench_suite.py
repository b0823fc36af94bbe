"""The benchmark suite still runs end to end (figures are not checked: timings live in it)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_quick_suite_writes_every_section(tmp_path):
    out = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    r = json.loads(out.read_text())
    assert r["machine"]["cores"] >= 1 and r["machine"]["cpu"]
    assert r["load"]["after"]
    assert set(r["startup"]) == {"help", "headless"}
    assert r["floor"]["lost"] == 0 and r["floor"]["median_us"] > 0
    scenarios = {"knn k=5 regression", "knn k=1 classifier", "mlp regression (default)"}
    assert scenarios | {"mlp while training"} == set(r["roundtrip"])
    for name in scenarios:
        row = r["roundtrip"][name]
        for peer in ("mapper", "naive peer"):
            assert {"median_us", "p99_us", "max_us", "lost", "quality"} <= set(row[peer])
            # every frame of the quick run was answered, and answered with a sensible value
            assert row[peer]["lost"] == 0
            if "regression" in name:
                assert row[peer]["quality_value"] < 0.2  # MAE
            else:
                assert row[peer]["quality_value"] > 0.5  # accuracy (3 classes)
        assert row["ratio"] > 0
        # issue 19: each peer's overhead above the floor timed just before, back to back and
        # paced (a sensor's 200 frames/s), and the naive peer's overhead over mapper's
        for way in ("back_to_back", "paced"):
            assert row["floor"][way]["median_us"] > 0 and row["floor"][way]["lost"] == 0
        for peer in ("mapper", "naive peer"):
            x = row[peer]
            assert x["overhead_us"] == x["median_us"] - row["floor"]["back_to_back"]["median_us"]
            assert x["paced"]["lost"] == 0 and x["paced"]["median_us"] > 0
            assert x["paced"]["overhead_us"] == (
                x["paced"]["median_us"] - row["floor"]["paced"]["median_us"]
            )
        assert {"overhead_ratio", "paced_overhead_ratio"} <= set(row)
        for peer in ("mapper", "naive peer"):
            assert r["sustained"][name][peer]["tried"]
    trained = r["training"]
    assert {"continuous mlp", "continuous knn", "classifier svm", "classifier mlp"} <= set(trained)
    assert all("100" in cells for cells in trained.values())
    assert "skipped" in r["gpu"] or "cuda" in r["gpu"]
    decoded = r["osc"]["datagrams"]
    assert {"/wek/inputs 8 ints", "/wek/inputs 8 doubles"} <= set(decoded)
    assert any(name.startswith("bundle") for name in decoded)
    for d in decoded.values():  # both parsers read every datagram alike
        assert d["same_values"] and d["mapper_us"] > 0 and d["python_osc_us"] > 0
    rhythm = r["rhythm"]
    assert {"decode", "sequencer", "bare clock", "quality"} <= set(rhythm), rhythm.get("skipped")
    assert rhythm["sequencer"]["lateness at the sequencer"]["n"] > 10  # 3 s at 120 BPM
    assert rhythm["quality"]["passes"]["onset_f1"]
    assert r["goals"] and all({"goal", "measured", "met"} <= set(g) for g in r["goals"])
    assert r["growth"]["cells"]  # its own test, tests/test_bench_growth.py, reads them
    tables = ("floor", "round trip", "sustained rate", "OSC decoding", "training time", "Growth")
    for table in (*tables, "drum model", "goals"):
        assert table in done.stdout


def test_the_sources_benchmark_answers_every_frame_of_both_peers_alike():
    """`python -m benchmarks.sources`, short: the phone's /gyrosc/gyro (--source gyrosc) and
    /wek/inputs each answer every paced frame, with the same answers (same examples, same
    kNN), close to the truth."""
    from benchmarks.sources import run

    r = run(rate=200.0, count=60)
    wek, gyro = r["/wek/inputs fff"], r["/gyrosc/gyro fff (--source gyrosc)"]
    assert r["floor (UDP echo)"]["lost"] == 0
    assert wek["lost"] == 0 and gyro["lost"] == 0
    assert gyro["mae"] == wek["mae"] < 0.1
