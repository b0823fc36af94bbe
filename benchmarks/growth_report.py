"""The growth section's goals (issue 19) and its tables, printed as Markdown."""

from __future__ import annotations

from typing import Any

from benchmarks.report import GOAL_OVERHEAD_US

GOAL_MLP_10K_S, GOAL_MLP_10K_MAE = 1.0, 0.002  # MLP, 63 inputs x 16 outputs x 10,000 examples
GOAL_MLP_100K_S = 10.0  # the same, 100,000 examples
GOAL_KNN_50K_MEDIAN_US, GOAL_KNN_50K_P99_US = 150.0, 1000.0  # kNN, 63 x 16 x 50,000: above floor
HAND = (63, 16)
WAYS = {"paced": "paced", "back_to_back": "back to back"}
FIXED = {
    "inputs": "{o} outputs, {n:,} examples",
    "outputs": "{i} inputs, {n:,} examples",
    "examples": "{i} inputs, {o} outputs",
}


def cell_key(model: str, inputs: int, outputs: int, examples: int) -> str:
    return f"{model} {inputs}x{outputs}x{examples}"


def goals(r: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 19's goals for the cells this run measured (a cell of the plan that was skipped
    is a goal not met)."""
    out: list[dict[str, Any]] = []
    cells = r.get("cells", {})
    rough = " (--quick: rough)" if r.get("quick") else ""

    def add(goal: str, measured: str, met: bool) -> None:
        out.append({"goal": f"growth, {goal}{rough}", "measured": measured, "met": bool(met)})

    def cell(model: str, shape: tuple[int, int, int], goal: str) -> dict[str, Any] | None:
        c = cells.get(cell_key(model, *shape))
        if c is not None and "skipped" in c:
            over = c.get("train_over_s")
            add(
                goal,
                f"> {over:g} s (training stopped)" if over else f"skipped: {c['skipped']}",
                False,
            )
            return None
        return c

    base = tuple(r.get("plan", {}).get("base", (8, 3, 1000)))
    for model in ("mlp", "knn k=5"):
        what = f"{model} {_shape(base)}: overhead above the floor <= {GOAL_OVERHEAD_US:g} µs"
        if not (c := cell(model, base, what)):
            continue
        for way, name in WAYS.items():
            m = c[way]
            add(
                f"{what} (median, {name})",
                _over(m["overhead_us"]),
                m["overhead_us"] <= GOAL_OVERHEAD_US,
            )
    what = f"mlp {_shape((*HAND, 10_000))}: training <= {GOAL_MLP_10K_S:g} s"
    if c := cell("mlp", (*HAND, 10_000), what):
        add(what, _seconds(c["train_s"]), c["train_s"] <= GOAL_MLP_10K_S)
        add(
            f"mlp {_shape((*HAND, 10_000))}: MAE <= {GOAL_MLP_10K_MAE:g}",
            _mae(c.get("mae")),
            c.get("mae") is not None and c["mae"] <= GOAL_MLP_10K_MAE,
        )
    what = f"mlp {_shape((*HAND, 100_000))}: training <= {GOAL_MLP_100K_S:g} s"
    if c := cell("mlp", (*HAND, 100_000), what):
        add(what, _seconds(c["train_s"]), c["train_s"] <= GOAL_MLP_100K_S)
    what = f"knn k=5 {_shape((*HAND, 50_000))}: round trip"
    if c := cell("knn k=5", (*HAND, 50_000), what):
        for way, name in WAYS.items():
            m = c[way]
            add(
                f"{what} median <= floor + {GOAL_KNN_50K_MEDIAN_US:g} µs ({name})",
                _over(m["overhead_us"]),
                m["overhead_us"] <= GOAL_KNN_50K_MEDIAN_US,
            )
            add(
                f"{what} p99 <= the floor's p99 + {GOAL_KNN_50K_P99_US / 1000:g} ms ({name})",
                _over(m["overhead_p99_us"]),
                m["overhead_p99_us"] <= GOAL_KNN_50K_P99_US,
            )
    return out


def print_section(r: dict[str, Any]) -> None:
    """The growth tables in Markdown: one per dimension, the MLP's rows then kNN's."""
    plan = r["plan"]
    print(
        f"\n### Growth: round trip, training and memory as the work grows"
        f"{' (--quick)' if r.get('quick') else ''}\n"
    )
    print(
        f"A fresh `mapper headless` per cell; round trips paced at {plan['rate']:g} frames/s "
        f"({plan['paced']:,} frames) and back to back ({plan['frames']:,} frames), each as its "
        "median above the bare UDP echo's timed the same way just before (the floor), and "
        "its p99; training: train sent -> done-training received; RSS of the mapper process "
        f"after training; MAE of the answers to {plan['test_frames']:,} held-out frames. "
        f"Load before {r['load'].get('before', '?')}, after {r['load'].get('after', '?')}; "
        f"{r.get('seconds', 0):.0f} s."
    )
    cells = r["cells"]
    models = sorted({k.rsplit(" ", 1)[0] for k in cells}, key=lambda m: m != "mlp")
    for dim, shapes in r["rows"].items():
        i, o, n = shapes[0]
        shown = [(m, s) for m in models for s in shapes if cell_key(m, *s) in cells]
        if not shown:
            continue
        fixed = FIXED[dim].format(i=i, o=o, n=n)
        print(f"\n**{dim}** ({fixed})\n")
        print(
            f"| {dim} | model | paced: median above floor | paced: p99 | back to back: median "
            "above floor | back to back: p99 | training | RSS after training | MAE |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        notes: list[str] = []
        for model, shape in shown:
            c = cells[cell_key(model, *shape)]
            value = f"{shape[('inputs', 'outputs', 'examples').index(dim)]:,}"
            print(f"| {value} | {model} | {' | '.join(_cells(c))} |")
            if "skipped" in c:
                notes.append(f"{model} {_shape(shape)}: {c['skipped']}")
        print(_floors([cells[cell_key(m, *s)] for m, s in shown]))
        for note in notes:
            print(f"- skipped: {note}")


def _cells(c: dict[str, Any]) -> list[str]:
    """The seven figures of a table row (a dash where not measured)."""
    over = c.get("train_over_s")
    train = _seconds(c["train_s"]) if "train_s" in c else f"> {over:g} s" if over else "–"
    rss = f"{c['rss_mb']:.0f} MB" if c.get("rss_mb") else "–"
    if "paced" not in c:
        return ["skipped", "–", "–", "–", train, rss, "–"]
    p, b = c["paced"], c["back_to_back"]
    return [
        _over(p["overhead_us"]),
        _us(p["p99_us"]),
        _over(b["overhead_us"]),
        _us(b["p99_us"]),
        train,
        rss,
        _mae(c.get("mae")),
    ]


def _floors(cells: list[dict[str, Any]]) -> str:
    parts = []
    for way, name in WAYS.items():
        med = [c["floor"][way]["median_us"] for c in cells if "floor" in c]
        p99 = [c["floor"][way]["p99_us"] for c in cells if "floor" in c]
        if med:
            parts.append(f"{name} median {_span(med)}, p99 {_span(p99)}")
    if not parts:
        return ""
    return "\nThe floor (a bare Python UDP echo, same client) in these cells: " + "; ".join(parts)


def _span(xs: list[float]) -> str:
    lo, hi = min(xs), max(xs)
    return _us(lo) if _us(lo) == _us(hi) else f"{_us(lo)} to {_us(hi)}"


def _shape(s: tuple[int, ...] | list[int]) -> str:
    i, o, n = s
    return f"{i}x{o}x{n:,}"


def _us(x: float) -> str:
    return f"{x / 1000:.2f} ms" if x >= 1000 else f"{x:.0f} µs"


def _over(x: float) -> str:
    return f"+{_us(x)}" if x >= 0 else f"-{_us(-x)}"


def _seconds(s: float) -> str:
    return f"{s:.3f} s" if s < 1 else f"{s:.2f} s"


def _mae(x: float | None) -> str:
    return "–" if x is None else f"{x:.4f}"
