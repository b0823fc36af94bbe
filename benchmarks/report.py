"""The suite's tables, and its figures checked against the goals of the speed issue."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

GOAL_MEDIAN_US = 50.0
GOAL_P99_US = 250.0
GOAL_RATIO = 6.0
# issue 19: what mapper adds above the bare echo (same client, same minute), and the naive
# peer's overhead over mapper's, at 8 inputs x 3 outputs x 1,000 examples
GOAL_OVERHEAD_US = 15.0
GOAL_OVERHEAD_RATIO = 10.0
WAYS = ("back to back", "paced")  # a round trip's figures, and those of its "paced" variant
GOAL_RATE = 20_000
GOAL_TRAIN_1000_S = 0.5
GOAL_MLP_10000_S = 2.0
GOAL_HELP_S = 0.3
GOAL_DECODE_US = 50.0  # the drum model: one latent decoded to a pattern, on the CPU
GOAL_STEP_P99_US = 1000.0  # the drum model's sequencer at 120 BPM
# mapper's own OSC decoder must beat python-osc's this much on int and double input frames,
# or give way to it (issue 13: "either measure a reason or let the library do it")
GOAL_OSC_RATIO = 2.0
OSC_HOT_FRAMES = ("/wek/inputs 8 ints", "/wek/inputs 8 doubles")
DECODE = "numpy decode -> pattern (what plays)"
LATENESS = "lateness at the sequencer"


def progress(line: str) -> None:
    """A progress line, on stderr (the tables go to stdout)."""
    print(line, file=sys.stderr, flush=True)


def end_section(
    r: dict[str, Any],
    goals: Callable[[dict[str, Any]], list[dict[str, Any]]],
    print_section: Callable[[dict[str, Any]], None],
    json_path: Path | None,
) -> int:
    """A section run on its own (`python -m benchmarks.X`): its goals checked, its tables
    printed, then finish_section; returns the exit status."""
    r["goals"] = goals(r)
    print_section(r)
    finish_section(r, json_path)
    return 0


def finish_section(r: dict[str, Any], json_path: Path | None) -> None:
    """A section run on its own: its goals, met or not, then its figures as JSON (if asked)."""
    if r["goals"]:
        print("\n  goals")
        for goal in r["goals"]:
            mark = "met    " if goal["met"] else "NOT MET"
            print(f"    {mark}  {goal['goal']}: {goal['measured']}")
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(r, indent=2) + "\n")
        print(f"\nfigures written to {json_path}")


def goals(r: dict[str, Any]) -> list[dict[str, Any]]:
    """Each goal with what was measured and whether it is met (only for sections that ran)."""
    out: list[dict[str, Any]] = []

    def add(goal: str, measured: str, met: bool) -> None:
        out.append({"goal": goal, "measured": measured, "met": bool(met)})

    for name, row in r.get("roundtrip", {}).items():
        if "naive peer" not in row:
            continue
        m = row["mapper"]
        add(f"{name}: median <= {GOAL_MEDIAN_US:g} µs", _us(m["median_us"]),
            m["median_us"] <= GOAL_MEDIAN_US)  # fmt: skip
        add(f"{name}: p99 <= {GOAL_P99_US:g} µs", _us(m["p99_us"]), m["p99_us"] <= GOAL_P99_US)
        add(f"{name}: >= {GOAL_RATIO:g}x faster than the naive peer (median)",
            f"{row['ratio']:.1f}x", row["ratio"] >= GOAL_RATIO)  # fmt: skip
        add(f"{name}: nothing lost", str(m["lost"]), m["lost"] == 0)
        if "overhead_ratio" not in row:
            continue
        for way in WAYS:
            mine = _pick(m, way)["overhead_us"]
            add(f"{name}: overhead above the floor <= {GOAL_OVERHEAD_US:g} µs (median, {way})",
                _over(mine), mine <= GOAL_OVERHEAD_US)  # fmt: skip
            ratio = row["overhead_ratio" if way == "back to back" else "paced_overhead_ratio"]
            add(f"{name}: the naive peer's overhead >= {GOAL_OVERHEAD_RATIO:g}x mapper's ({way})",
                _ratio(ratio), ratio is None or ratio >= GOAL_OVERHEAD_RATIO)  # fmt: skip
    for name, peers in r.get("sustained", {}).items():
        best = peers["mapper"]["highest_lossless"]
        add(f"{name}: no loss at {GOAL_RATE:,} msg/s", f"{best:,.0f} msg/s", best >= GOAL_RATE)
    for name, cells in r.get("training", {}).items():
        if "1000" in cells:
            s = cells["1000"]["seconds"]
            add(f"train {name}, 1,000 examples <= {GOAL_TRAIN_1000_S:g} s", f"{s:.3f} s",
                s <= GOAL_TRAIN_1000_S)  # fmt: skip
        if name.endswith(" mlp") and "10000" in cells:
            s = cells["10000"]["seconds"]
            add(f"train {name}, 10,000 examples <= {GOAL_MLP_10000_S:g} s", f"{s:.2f} s",
                s <= GOAL_MLP_10000_S)  # fmt: skip
    rh = r.get("rhythm", {})
    if DECODE in rh.get("decode", {}):
        d = rh["decode"][DECODE]["median_us"]
        add(f"drum model: decode one latent <= {GOAL_DECODE_US:g} µs", _us(d), d <= GOAL_DECODE_US)
    if LATENESS in rh.get("sequencer", {}):
        p = rh["sequencer"][LATENESS]["p99_us"]
        add("drum model: step timing p99 <= 1 ms at 120 BPM", _us(p), p <= GOAL_STEP_P99_US)
    decoded = r.get("osc", {}).get("datagrams", {})
    for name in OSC_HOT_FRAMES:
        if name in decoded:
            ratio = decoded[name]["python_osc_us"] / decoded[name]["mapper_us"]
            add(f"OSC decode, {name}: >= {GOAL_OSC_RATIO:g}x faster than python-osc",
                f"{ratio:.1f}x", ratio >= GOAL_OSC_RATIO)  # fmt: skip
    if decoded:
        differ = [name for name, d in decoded.items() if not d["same_values"]]
        add(f"OSC decode: the values python-osc decodes ({len(decoded)} datagrams)",
            f"different: {', '.join(differ)}" if differ else "same", not differ)  # fmt: skip
    if "startup" in r:
        s = r["startup"]["help"]["median_s"]
        add(f"mapper --help <= {GOAL_HELP_S:g} s", f"{s:.3f} s", s <= GOAL_HELP_S)
    return out


def print_report(r: dict[str, Any]) -> None:
    m = r["machine"]
    print(f"\nmachine: {m['cores']} cores, {m['cpu']}, {m['system']}, Python {m['python']}, "
          f"numpy {m['numpy']}, scikit-learn {m['scikit-learn']}")  # fmt: skip
    print("load (1/5/15 min): " + "; ".join(f"{k} {v}" for k, v in r["load"].items()))
    if "startup" in r:
        s = r["startup"]
        print("\nstart-up")
        print(f"  {s['help']['command']}: {s['help']['median_s']:.3f} s (median)")
        h = s["headless"]
        print(f"  mapper headless: ready line {h['median_ready_s']:.2f} s, first answer "
              f"{h['median_answers_s']:.2f} s (median)")  # fmt: skip
    if "roundtrip" in r:
        _roundtrip(r)
    if "sustained" in r:
        _sustained(r)
    if "osc" in r:
        from benchmarks.osc_decode import print_table

        print_table(r["osc"])
    if "training" in r:
        _training(r["training"])
    if "rhythm" in r:
        _rhythm(r["rhythm"])
    if "gpu" in r:
        g = r["gpu"]
        print("\nMLP training on a GPU")
        if "skipped" in g:
            print(f"  skipped: {g['skipped']}")
        else:
            for key in ("cuda", "torch_cpu"):
                c = g[key]
                print(f"  {key:9} {g['examples']} examples: {c['seconds']:.2f} s, "
                      f"{c['quality']} {c['quality_value']:.4f}  ({g['device']})")  # fmt: skip
    if r.get("goals"):
        print("\ngoals")
        for goal in r["goals"]:
            mark = "met    " if goal["met"] else "NOT MET"
            print(f"  {mark}  {goal['goal']}: {goal['measured']}")


def _rhythm(rh: dict[str, Any]) -> None:
    print("\ndrum model (CPU)")
    if "skipped" in rh:
        print(f"  skipped: {rh['skipped']}")
        return
    for name, s in rh["decode"].items():
        print(f"  decode, {name:38} median {_us(s['median_us']):>8}  p99 {_us(s['p99_us']):>8}")
    seq = rh["sequencer"]
    for name in (LATENESS, "first hit of each step at the receiver, vs the grid"):
        s = seq[name]
        print(f"  {seq['bpm']:g} BPM, {name}: median {_us(s['median_us'])}, p99 "
              f"{_us(s['p99_us'])}, max {_us(s['max_us'])} ({s['n']} steps)")  # fmt: skip
    f = rh["bare clock"]["lateness of a bare sleep loop"]
    print(f"  the machine's floor, a bare sleep loop: median {_us(f['median_us'])}, p99 "
          f"{_us(f['p99_us'])}, max {_us(f['max_us'])}")  # fmt: skip


def _roundtrip(r: dict[str, Any]) -> None:
    if "floor" in r:
        f = r["floor"]
        print(f"\nfloor: a bare Python UDP echo server, same client and frames: median "
              f"{_us(f['median_us'])}, p99 {_us(f['p99_us'])}, max {_us(f['max_us'])}, "
              f"lost {f['lost']}")  # fmt: skip
    if "floor_one_cpu" in r:
        f = r["floor_one_cpu"]
        print(f"       the same, client and echo held on one CPU: median "
              f"{_us(f['median_us'])}, p99 {_us(f['p99_us'])} (the difference: waking a "
              "process on another CPU)")  # fmt: skip
    s = r.get("roundtrip_settings", {})
    print(f"\nround trip: {s.get('inputs')} inputs, {s.get('outputs')} outputs, "
          f"{s.get('examples')} examples over loopback UDP, one frame at a time after a warm-up: "
          f"{s.get('frames')} back to back (each as soon as the last answer is in) and "
          f"{s.get('paced_frames')} paced at {s.get('paced_rate', 0):g} frames/s, as a sensor "
          "sends. Above the floor: the median less the bare echo's, timed the same way just "
          "before the scenario")  # fmt: skip
    for way in WAYS:
        print(f"\n**{way}**\n")
        print("| scenario | peer | median | above the floor | p99 | max | lost | quality | "
              "naive / mapper | above the floor: naive / mapper |")  # fmt: skip
        print("|---|---|---|---|---|---|---|---|---|---|")
        for name, row in r["roundtrip"].items():
            first = name
            if "floor" in row:
                f = row["floor"]["back_to_back" if way == "back to back" else "paced"]
                print(f"| {name} | floor (bare echo) | {_us(f['median_us'])} | | "
                      f"{_us(f['p99_us'])} | {_ms(f['max_us'])} | {f['lost']} | | | |")  # fmt: skip
                first = ""
            for peer in ("mapper", "naive peer"):
                if peer not in row or (way == "paced" and "paced" not in row[peer]):
                    continue
                x = _pick(row[peer], way)
                q = f"{x['quality']} {x['quality_value']:.4f}" if "quality" in x else ""
                ratio = over = ""
                if peer == "naive peer":
                    ratio = f"{x['median_us'] / _pick(row['mapper'], way)['median_us']:.1f}x"
                    key = "overhead_ratio" if way == "back to back" else "paced_overhead_ratio"
                    over = _ratio(row.get(key))
                above = _over(x["overhead_us"]) if "overhead_us" in x else ""
                print(f"| {first} | {peer} | {_us(x['median_us'])} | {above} | "
                      f"{_us(x['p99_us'])} | {_ms(x['max_us'])} | {x['lost']} | {q} | {ratio} | "
                      f"{over} |")  # fmt: skip
                first = ""


def _sustained(r: dict[str, Any]) -> None:
    s = r.get("roundtrip_settings", {})
    print(f"\nsustained rate: the highest input rate with every frame answered "
          f"({s.get('seconds')} s per rate, rates tried {', '.join(f'{x:,.0f}' for x in s.get('rates', []))} msg/s)")  # fmt: skip  # noqa: E501
    print(f"  {'scenario':26} {'peer':11} {'lossless up to':>15}  first rate that lost frames")
    for name, peers in r["sustained"].items():
        for peer, x in peers.items():
            failed = [t for t in x["tried"] if t["lost"]]
            note = ""
            if failed:
                f = failed[0]
                note = f"{f['rate']:,.0f}/s: lost {f['lost']:,} of {f['sent']:,} ({f['lost'] / f['sent']:.0%})"  # noqa: E501
            label = name if peer == "mapper" else ""
            print(f"  {label:26} {peer:11} {x['highest_lossless']:>10,.0f} /s  {note}")


def _training(t: dict[str, Any]) -> None:
    sizes = list(next(iter(t.values())).keys())
    print("\ntraining time (median of up to 3 fits, BLAS on 1 thread as in the engine) and "
          "quality on 2,000 unseen frames")  # fmt: skip
    header = "".join(f"{n + ' examples':>24}" for n in sizes)
    print(f"  {'model':24}{header}")
    for name, cells in t.items():
        row = "".join(
            f"{c['seconds']:>8.3f} s {_quality(c):>13}" for c in (cells[n] for n in sizes)
        )
        print(f"  {name:24}{row}")


def _quality(c: dict[str, Any]) -> str:
    if c["quality"] == "MAE":
        return f"MAE {c['quality_value']:.4f}"
    return f"acc {c['quality_value']:.3f}"


def _us(x: float) -> str:
    return f"{x:.0f} µs"


def _pick(x: dict[str, Any], way: str) -> dict[str, Any]:
    """A peer's back-to-back figures, or its paced ones."""
    return dict(x["paced"]) if way == "paced" else x


def _ms(x: float) -> str:
    return f"{x / 1000:.2f} ms"


def _over(x: float) -> str:
    return f"+{x:.0f} µs" if x >= 0 else f"-{-x:.0f} µs"


def _ratio(x: float | None) -> str:
    return "mapper at the floor" if x is None else f"{x:.1f}x"
