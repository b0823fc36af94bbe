"""The novelty section's goals (issue 18) and its printed tables."""

from __future__ import annotations

from typing import Any

GOAL_AUC = 0.95
GOAL_RHO, GOAL_RISING = 0.9, 0.9  # the suite's reading of "grows monotonically"
GOAL_ADDED_US, GOAL_ADDED_SHARE = 10.0, 0.30
KINDS = ("between", "outside")
SHIFTED = {
    "between": "frames between clusters",
    "outside": "frames outside the recorded box",
    "overall": "every shifted frame",
}


def goals(r: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 18's goals with what was measured and whether each is met; the separation goals
    take the worst of the real data's teachings."""
    out: list[dict[str, Any]] = []

    def add(goal: str, measured: str, met: bool) -> None:
        out.append({"goal": goal, "measured": measured, "met": bool(met)})

    quick = " (--quick: rough)" if r.get("quick") else ""
    for data, rows in _datasets(r):
        for kind in (*KINDS, "overall"):
            worst_name, worst = min(
                ((name, _auc(row, kind)) for name, row in rows.items()), key=lambda x: x[1]
            )
            where = f" (worst of {len(rows)} teachings: {worst_name})" if len(rows) > 1 else ""
            add(
                f"novelty {data}: AUC, near frames vs {SHIFTED[kind]} >= {GOAL_AUC:g}{quick}",
                f"{worst:.3f}{where}",
                worst >= GOAL_AUC,
            )
    for data, ray in r.get("rays", {}).items():
        add(
            f"novelty {data}: rises along rays outward from each cluster (median Spearman >= "
            f"{GOAL_RHO:g}, >= {GOAL_RISING:.0%} of steps not falling){quick}",
            f"median {ray['spearman_median']:.3f} (min {ray['spearman_min']:.3f}), "
            f"{ray['not_decreasing']:.1%} of steps not falling, {ray['rays']} rays",
            ray["spearman_median"] >= GOAL_RHO and ray["not_decreasing"] >= GOAL_RISING,
        )
    wire = r.get("roundtrip", {})
    for model in ("mlp (default)", "knn k=5"):
        row = wire.get(model)
        if not row:
            continue
        if "skipped" in row:  # a goal that could not be measured is not met
            first = row["skipped"].splitlines()[0]
            add(f"novelty on vs off, {model}: round trip measured", f"no: {first}", False)
            continue
        off = row["off"]["median_us"]
        for key, what in (
            ("on", "/wek/outputs"),
            ("on_whole", "the whole answer (/mapper/novelty)"),
        ):
            added = row[f"added_{key}_median_us"]
            lo, hi = row[f"added_{key}_ci95_us"]
            lost = row["lost"]["on"] + row["lost"]["off"]
            add(
                f"novelty on vs off, {model}, 8 x 3 x {wire['examples']:,}, mapper headless at "
                f"{wire['rate']:g}/s, round trip to {what}: median +<= {GOAL_ADDED_US:g} µs or "
                f"+<= {GOAL_ADDED_SHARE:.0%}, nothing lost{quick}",
                f"{added:+.1f} µs ({added / off:+.0%} of {off:.0f} µs; 95 % bootstrap "
                f"{lo:+.0f}..{hi:+.0f} µs), lost {lost}",
                (added <= GOAL_ADDED_US or added <= GOAL_ADDED_SHARE * off) and lost == 0,
            )
    return out


def _datasets(r: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = [("synthetic", {"synthetic": r["synthetic"]})] if "synthetic" in r else []
    real = r.get("real", {})
    if real.get("teachings"):
        out.append((real["name"], real["teachings"]))
    return out


def _auc(row: dict[str, Any], kind: str) -> float:
    return float(row["overall_auc"] if kind == "overall" else row[kind]["auc"])


def print_section(r: dict[str, Any]) -> None:
    print("\nnovelty (issue 18): how far each frame is from the examples its outputs learned")
    m = r["machine"]
    print(
        f"  machine: {m['cores']} cores, {m['cpu']}; load (1/5/15 min): "
        + "; ".join(f"{k} {v}" for k, v in r["load"].items())
    )
    tree = r.get("tree", {})
    if tree:
        changed = ", ".join(tree.get("mapper_changes", [])) or "none"
        print(
            f"  measured at commit {tree.get('head', '?')}; mapper/ files changed since: {changed}"
        )
    if r.get("quick"):
        print("  (--quick: small sets, few frames; the figures are rough)")
    print(
        "  separation: novelty of held-out frames near the examples against shifted ones "
        "(AUC: the chance a shifted frame scores above a near one); novelty median / p90 / "
        "share above 1"
    )
    print(
        f"    {'data':34} {'examples':>8} | {'near':>16} | {'between':>16} {'AUC':>6} | "
        f"{'outside':>16} {'AUC':>6} | {'overall':>7} | {'untaught':>16} {'AUC':>6}"
    )
    for data, rows in _datasets(r):
        for name, row in rows.items():
            label = data if name == data else f"{data}, {name}"
            cells = [f"{_cell(row['near']):>16}"]
            for kind in KINDS:
                cells.append(f"{_cell(row[kind]):>16} {row[kind]['auc']:>6.3f}")
            cells.append(f"{row['overall_auc']:>7.3f}")
            u = row.get("untaught")
            cells.append(f"{_cell(u):>16} {u['auc']:>6.3f}" if u else f"{'-':>16} {'-':>6}")
            print(f"    {label[:34]:34} {row['examples']:>8} | " + " | ".join(cells))
    for data, rows in _datasets(r):
        for name, row in rows.items():
            print(f"    {data if name == data else f'{data}, {name}'}: {row['about']}")
        gap = max(row["formula_gap"] for row in rows.values())
        moved = ", ".join(f"{k} {_moved(rows, k)}" for k in KINDS)
        print(
            f"    {data}: how far the shifts moved the near frames (median, in novelty's units): "
            f"{moved}; the engine's novelty vs the docstring's formula by brute force: largest "
            f"gap {gap:.1e}"
        )
    real = r.get("real", {})
    if "about" in real:
        print(
            f"    {real['name']}: {real['about']}; one frame = one input frame; near: the test "
            "series of the taught classes; untaught: the left-out class's test series (no goal)"
        )
    if "skipped" in real:
        print(f"    real data: not measured: {real['skipped']}")
    if r.get("rays"):
        print(
            "  monotonic: along rays from each cluster's medoid outward (away from the examples' "
            "centre), distance 0..3 in novelty's units"
        )
        for data, ray in r["rays"].items():
            print(
                f"    {data:34} {ray['rays']:>4} rays x {ray['steps']} steps: "
                f"{ray['not_decreasing']:.1%} of steps not falling (largest fall "
                f"{ray['largest_fall']:.3f}); Spearman(distance, novelty) median "
                f"{ray['spearman_median']:.3f}, p10 {ray['spearman_p10']:.3f}, min "
                f"{ray['spearman_min']:.3f}; novelty at distance 3: median "
                f"{ray['novelty_at_reach_median']:.2f}"
            )
    if "in_process" in r:
        _print_in_process(r["in_process"])
    if "roundtrip" in r:
        _print_round_trip(r["roundtrip"])
    print(f"  ({r['seconds']:.0f} s)")


def _cell(s: dict[str, Any] | None) -> str:
    if not s:
        return "-"
    return f"{s['median']:.2f}/{s['p90']:.2f}/{s['above_1']:.0%}"


def _moved(rows: dict[str, Any], kind: str) -> str:
    values = [row[kind]["moved_median"] for row in rows.values()]
    lo, hi = min(values), max(values)
    return f"{lo:.2f}" if abs(hi - lo) < 0.005 else f"{lo:.2f}-{hi:.2f}"


def _print_in_process(c: dict[str, Any]) -> None:
    print(
        f"  in-process: Engine.process_frame, 8 inputs x 3 outputs x {c['examples']:,} "
        f"examples, novelty off then on for each frame, BLAS on one thread ({c['frames']:,} "
        "frames; no goal of its own: issue 18's is on the round trip)"
    )
    for model in ("mlp (default)", "knn k=5"):
        row = c[model]
        msg = row["messages"]
        print(
            f"    {model:14} off median {row['off']['median_us']:5.1f} µs (p99 "
            f"{row['off']['p99_us']:5.1f})  on {row['on']['median_us']:5.1f} µs (p99 "
            f"{row['on']['p99_us']:5.1f})  added {row['added_median_us']:+5.1f} µs (paired "
            f"{row['paired_median_us']:+5.1f}); /mapper/novelty sent on {msg['on']}/"
            f"{msg['frames']} frames on, {msg['off']} off; Engine.novelty (the query) "
            f"{row['query']['median_us']:.1f} µs; hot path = query within "
            f"{row['hot_path_vs_query']:.1e}"
        )
        p = row["paced"]
        print(
            f"    {'':14} paced at {c['paced_rate']:g}/s through mapper's OSC sender "
            f"({p['frames']} frames each): off {p['off']['median_us']:5.1f} µs (p99 "
            f"{p['off']['p99_us']:5.1f})  on {p['on']['median_us']:5.1f} µs (p99 "
            f"{p['on']['p99_us']:5.1f}); /mapper/novelty left {p['gap']['median_us']:.1f} µs "
            f"after /wek/outputs (p99 {p['gap']['p99_us']:.1f})"
        )


def _print_round_trip(t: dict[str, Any]) -> None:
    print(
        f"  round trip: mapper headless over loopback UDP, 8 inputs x 3 outputs x "
        f"{t['examples']:,} examples, paced at {t['rate']:g} frames/s, {t['frames']:,} timed "
        f"frames each, in turns of {t['block']} with bare UDP echoes in the same run"
    )
    labels = {
        "off": "novelty off: /wek/outputs",
        "on": "novelty on:  /wek/outputs",
        "on_whole": "novelty on:  /mapper/novelty",
        "floor": "floor: echo",
        "floor2_whole": "floor: echo twice, 2nd",
    }
    for model in ("mlp (default)", "knn k=5"):
        row = t.get(model)
        if row is None:
            continue
        print(f"    {model}")
        if "skipped" in row:
            print(f"      skipped: {row['skipped']}")
            continue
        for key, label in labels.items():
            s = row[key]
            print(
                f"      {label:30} median {s['median_us']:6.0f} µs   p99 {s['p99_us']:6.0f} µs"
                f"   max {s['max_us']:6.0f} µs"
            )
        off = row["off"]["median_us"]
        added, whole = row["added_on_median_us"], row["added_on_whole_median_us"]
        (a_lo, a_hi), (w_lo, w_hi) = row["added_on_ci95_us"], row["added_on_whole_ci95_us"]
        print(
            f"      added by novelty (median): to /wek/outputs {added:+.1f} µs "
            f"({added / off:+.0%}; 95 % bootstrap over rounds {a_lo:+.0f}..{a_hi:+.0f}), to "
            f"/mapper/novelty {whole:+.1f} µs ({whole / off:+.0%}; {w_lo:+.0f}..{w_hi:+.0f})"
        )
        print(
            f"      over the floor (median): off {row['off_over_floor_median_us']:+.0f} µs, on "
            f"{row['on_over_floor_median_us']:+.0f} µs, the whole answer over the two-datagram "
            f"echo {row['on_whole_over_floor_median_us']:+.0f} µs; lost "
            + ", ".join(f"{k} {v}" for k, v in row["lost"].items())
            + "; "
            f"waited {row['idle_wait_s']:.1f} s for the instrument to idle after training"
        )
        w = row.get("wire_vs_in_process", {})
        if w.get("frames"):
            print(
                f"      /mapper/novelty = an in-process engine's on the same float32 examples: "
                f"largest relative gap {w['largest_relative_gap']:.1e} ({w['frames']} frames)"
            )
