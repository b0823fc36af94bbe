"""The hostile-input benchmarks still run end to end, small: the fuzz (a flood of malformed
datagrams at a real `mapper headless`) and the soak (a paced stream of frames). Timings are
not checked; that the instrument survives and answers is."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.hostile import KINDS, Hostile
from benchmarks.instrument_under_test import COUNTERS, parse_status

ROOT = Path(__file__).resolve().parents[1]
UDP_MAX = 65_507


def _run(tmp_path: Path, module: str, *args: str) -> tuple[dict[str, Any], str]:
    out = tmp_path / f"{module}.json"
    done = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{module}", *args, "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(out.read_text()), done.stdout


def test_every_kind_fits_a_datagram_and_repeats_with_its_seed():
    a, b = Hostile(3, seed=5), Hostile(3, seed=5)
    for kind, (_, make) in KINDS.items():
        for _ in range(20):
            data = make(a)
            assert len(data) <= UDP_MAX, kind
            assert data == make(b), kind
    assert len(KINDS) >= 17


def test_status_line_counters():
    line = (
        "running | examples 40 | trained 2/2 | in 9/s out 9/s | rejected 66 (last: NaN or "
        "infinity in the inputs) | malformed 111 | control dropped 5"
    )
    c = parse_status(line)
    assert c["state"] == "running" and c["examples"] == 40 and c["trained"] == "2/2"
    assert c["rejected"] == 66 and c["last_reject"] == "NaN or infinity in the inputs"
    assert c["malformed"] == 111 and c["control dropped"] == 5
    assert c["unknown addresses"] == 0  # left out of the line: 0
    assert set(COUNTERS) <= set(c)


def test_fuzz_small_flood_leaves_the_instrument_playing(tmp_path):
    r, stdout = _run(tmp_path, "fuzz", "--datagrams", "500", "--settle", "20", "--behind-reps", "1")
    assert r["machine"]["cores"] >= 1 and r["machine"]["cpu"] and r["load"]["after"]
    flood = r["flood"]
    assert flood["sent"] == 500 and not flood["stopped_early"]
    assert set(flood["per_kind"]) == set(KINDS)
    assert all(row["sent"] >= 500 // len(KINDS) for row in flood["per_kind"].values())
    assert flood["accepted"] == flood["sent"]  # the kernel took every datagram
    after = r["after"]
    assert after["alive"], r["stderr"]
    assert after["answered"] >= 18 and after["answers_finite"]  # 20 probes, 1 s each
    c = after["counters"]
    for counter in ("rejected", "malformed", "unknown addresses", "control errors"):
        assert c[counter] > 0, counter  # bad input is counted, not silently dropped
    assert c["examples"] == r["examples"]  # the flood recorded nothing
    assert r["peak"]["rss_mb"] > 0 and r["peak"]["threads"] >= 1
    assert r["exit"]["returncode"] == 0 and not r["exit"]["killed"]
    project = r["project_after"]
    assert project["project_json_reads"] and project["example_rows"] == r["examples"]
    assert project["other_folders_created"] == []  # no path outside --allow-dir was written
    assert r["stderr"]["escape_bytes"] == 0  # terminal escapes never reach the log raw
    behind = r["behind_one"]  # a frame sent right after one datagram of each kind
    assert behind["idle_ms"] > 0 and set(KINDS) <= set(behind)
    assert all(behind[kind]["no_answer"] == 0 for kind in KINDS), behind
    for table in ("kind", "round trip after", "RSS before / peak / after", "behind one"):
        assert table in stdout


def test_soak_short_stream_loses_nothing(tmp_path):
    r, stdout = _run(tmp_path, "soak", "--minutes", "0.05")
    assert r["machine"]["cores"] >= 1 and r["load"]["after"]
    st = r["stream"]
    assert st["sent"] == 3000  # 1,000 frames/s for 3 s
    assert st["received"] <= st["sent"] and st["lost"] <= 30  # 1 % on a busy machine
    assert st["duplicates"] == 0 and st["undecodable"] == 0
    lat = st["latency_us"]
    assert lat["n"] == st["received"] and 0 < lat["p50"] <= lat["p99"] <= lat["max"]
    assert r["floor"]["before"]["median_us"] > 0 and r["floor"]["before"]["lost"] == 0
    assert set(r["overhead_above_floor_us"]) == {"p50", "p99"}
    idle = r["idle_round_trip_us"]
    assert idle["lost"] == 0 and idle["answer_named_another"] == 0  # answers name their frame
    assert st["rss_mb"]["start"] > 0 and st["threads"]["max"] >= 1
    assert r["alive"] and r["counters_after"]["rejected"] == 0
    assert r["exit"]["returncode"] == 0
    assert "frames sent / answered / lost" in stdout
