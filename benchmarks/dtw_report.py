"""The DTW section's goals and its printed tables."""

from __future__ import annotations

from typing import Any

from benchmarks.dtw_data import QUICK_SERIES
from benchmarks.dtw_thresholds import KINDS

GOAL_GAP = 0.05  # accuracy over UDP within this of the reference
GOAL_STEP_US = 200.0  # Gestures.step, 10 x 5 x 100 x 8, one core
GOAL_ROUND_TRIP_US = 1000.0


def goals(r: dict[str, Any]) -> list[dict[str, Any]]:
    """The section's goals, as the suite's report lists them (accuracy: full runs only)."""
    out: list[dict[str, Any]] = []

    def add(goal: str, measured: str, met: bool) -> None:
        out.append({"goal": goal, "measured": measured, "met": bool(met)})

    for name, row in r.get("accuracy", {}).items():
        if r.get("quick") or "reference" not in row or "udp" not in row:
            continue
        gap = row["udp"] - row["reference"]
        add(
            f"DTW {name}: accuracy over UDP within {GOAL_GAP:g} of 1-NN DTW "
            f"({r['reference'].get('library', '?')})",
            f"{row['udp']:.3f} vs {row['reference']:.3f} ({gap:+.3f})",
            gap >= -GOAL_GAP,
        )
    if "cost" in r:
        s = r["cost"]["Gestures.step"]
        add(
            f"DTW match per frame, 10 x 5 x 100 x 8, every gesture followed, one core: median "
            f"<= {GOAL_STEP_US:g} µs",
            f"{s['median_us']:.0f} µs (p99 {s['p99_us']:.0f} µs)",
            s["median_us"] <= GOAL_STEP_US,
        )
    if "roundtrip" in r:
        m = r["roundtrip"]["mapper"]
        add(
            f"DTW round trip, 10 x 5 x 100 x 8 at {r['roundtrip']['rate']:g}/s: p99 < 1 ms",
            f"{m['p99_us']:.0f} µs (median {m['median_us']:.0f} µs, lost {m['lost']})",
            m["p99_us"] < GOAL_ROUND_TRIP_US and m["lost"] == 0,
        )
    return out


def print_section(r: dict[str, Any]) -> None:
    print(
        "\nDTW: temporal gestures (each test series performed after startRunning; the answer "
        "is the lowest cost in its last /wek/outputs)"
    )
    m = r["machine"]
    print(
        f"  machine: {m['cores']} cores, {m['cpu']}; load (1/5/15 min): "
        + "; ".join(f"{k} {v}" for k, v in r["load"].items())
    )
    ref = r.get("reference", {})
    if "skipped" in ref:
        print(f"  reference: not computed: {ref['skipped']}")
    elif ref:
        print(f"  reference: {ref['classifier']}, {ref['library']}, on the same splits")
    if r.get("quick"):
        print(f"  (--quick: {QUICK_SERIES} test series per dataset; accuracies are rough)")
    if r.get("accuracy"):
        print(
            f"  {'dataset':22} {'train':>5} {'test':>5} {'dims':>4} {'lengths':>9} "
            f"{'K':>3} | {'UDP':>6} {'in-proc':>7} {'Wekinator default':>21} "
            f"{'1-NN DTW':>8} {'UDP-ref':>7}"
        )
    for name, row in r.get("accuracy", {}).items():
        d = r["datasets"][name]
        lo, hi = d["test_lengths"]
        lengths = f"{lo}" if lo == hi else f"{lo}-{hi}"
        udp = f"{row['udp']:.3f}" if "udp" in row else "error"
        wek = f"{row['wekinator_default']:.3f} (1 in {row['downsample_factor']})"
        refa = f"{row['reference']:.3f}" if "reference" in row else "-"
        gap = (
            f"{row['udp'] - row['reference']:+.3f}" if "reference" in row and "udp" in row else "-"
        )
        print(
            f"  {name:22} {d['train']:>5} {row['series']:>5} {d['dims']:>4} {lengths:>9} "
            f"{d['classes']:>3} | {udp:>6} {row['in_process']:>7.3f} {wek:>21} {refa:>8} "
            f"{gap:>7}"
        )
    for name, row in r.get("accuracy", {}).items():
        if "udp_error" in row:
            print(f"  {name}: over UDP failed: {row['udp_error']}")
            continue
        u = row["udp_run"]
        rt = u["round_trip"]
        held = u["takes_held"]
        print(
            f"  {name}: {u['frames']} frames at {u['achieved_rate']:.0f}/s (asked "
            f"{u['rate']:g}), round trip median {rt['median_us']:.0f} µs, p99 "
            f"{rt['p99_us']:.0f} µs, lost {u['lost']}; takes {u['takes_sent']} sent, "
            f"{held if held is not None else '?'} held; decisions = in-process's for "
            f"{row['udp_agrees']:.1%}"
        )
    if "thresholds" in r:
        _print_thresholds(r["thresholds"])
    if "cost" in r:
        c = r["cost"]
        print(
            f"\n  matching cost per frame, in-process, BLAS on one thread ({c['set']}, "
            f"{c['frames']} frames)"
        )
        s = c["Spotter.step"]
        print(
            f"    {'Spotter.step':14} median {s['median_us']:6.0f} µs   p99 {s['p99_us']:6.0f} µs"
        )
        for name, s in c.get("modes", {"": c["Gestures.step"]}).items():
            print(
                f"    {'Gestures.step':14} median {s['median_us']:6.0f} µs   p99 "
                f"{s['p99_us']:6.0f} µs   {name}"
            )
        s = c["Gestures.step paced"]
        print(
            f"    {'Gestures.step':14} median {s['median_us']:6.0f} µs   p99 {s['p99_us']:6.0f} µs"
            f"   paced at {s['rate']:g} frames/s ({s['frames']} frames: idle between frames, "
            "its caches go cold, as in the instrument)"
        )
    if "roundtrip" in r:
        t = r["roundtrip"]
        print(
            f"\n  round trip per frame, same set, mapper headless over loopback UDP, paced at "
            f"{t['rate']:g} frames/s ({t['frames']} frames)"
        )
        for name in ("mapper", "floor"):
            s = t[name]
            label = "mapper headless" if name == "mapper" else "floor (UDP echo)"
            print(
                f"    {label:17} median {s['median_us']:6.0f} µs   p99 {s['p99_us']:6.0f} µs"
                f"   max {s['max_us']:6.0f} µs   lost {s['lost']}"
            )
        print(
            f"    over the floor:   median {t['over_floor_median_us']:+6.0f} µs   p99 "
            f"{t['over_floor_p99_us']:+6.0f} µs"
        )
    print(f"  ({r['seconds']:.0f} s)")


def _print_thresholds(th: dict[str, Any]) -> None:
    print(
        "\n  match threshold: costs in units of the examples' spread (mapper's default "
        f"{_default_threshold():g}); 'own': each take against the others of its gesture"
    )
    print(
        "    right: the winning cost at the last frame of the test series classified right; "
        "the rest: the lowest best cost reached on input that is no gesture of the set"
    )
    print(
        f"    {'dataset':22} {'own':>6} | {'right: median':>13} {'p95':>6} | "
        + " | ".join(f"{k}: p5 {'median':>7}" for k in KINDS)
    )
    for name, t in th["datasets"].items():

        def g(x: dict[str, Any], key: str) -> str:
            return f"{x[key]:.3f}" if key in x else "-"

        cells = " | ".join(f"{g(t[k], 'p5'):>{len(k) + 4}} {g(t[k], 'median'):>7}" for k in KINDS)
        print(
            f"    {name:22} {t['own_median']:>6.3f} | {g(t['correct'], 'median'):>13} "
            f"{g(t['correct'], 'p95'):>6} | {cells}"
        )
    names = list(th["datasets"])
    what = "/".join(("right", *KINDS))
    for kind, unit in (("fixed", ""), ("relative", " x own")):
        print(f"    {kind} threshold: the share {what} under it (somewhere); score")
        print("    " + f"{'threshold':>12} " + " ".join(f"{n[:28]:>28}" for n in names))
        for c in th[kind]:
            shares = []
            for n in names:
                row = th["datasets"][n][kind][f"{c:g}"]
                parts = [row["hits"], *(row[k] for k in KINDS)]
                shares.append("/".join("-" if p is None else f"{p:.2f}" for p in parts))
            score = th["scores"][kind][f"{c:g}"]
            print(
                "    "
                + f"{f'{c:g}{unit}':>12} "
                + " ".join(f"{x:>28}" for x in shares)
                + f"  {score:+.2f}"
            )
    print(
        f"    suggested (the best score: the mean over the datasets of the share matched right "
        f"less the share of {th['scored']} streams matched): fixed {th['suggested_fixed']:g}; "
        f"relative {th['suggested_relative']:g} x own"
    )


def _default_threshold() -> float:
    from mapper.core.gestures import DEFAULT_THRESHOLD

    return DEFAULT_THRESHOLD
