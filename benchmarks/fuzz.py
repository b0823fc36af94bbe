"""Hostile input: a flood of malformed and abusive datagrams at a real `mapper headless`.

    python -m benchmarks.fuzz [--datagrams 100000] [--seed 1] [--only KIND ... | --skip KIND ...]
                              [--examples 40] [--behind-reps 3] [--json PATH]

Starts `mapper headless` on loopback in a temporary project folder (3 inputs, 2 outputs, the
default models, --allow-dir the temporary folder), teaches it a few examples over OSC and
runs it, then sends N datagrams of the kinds in KINDS, round-robin, in bursts paced by the
instrument's own receive queue (read from /proc/net/udp) so that the kernel does not simply
drop them. Meanwhile the instrument's memory (VmRSS) and thread count are sampled every 0.5 s.
After the flood: how long until it is quiet again, whether it still answers a normal frame
within 1 s, then, with it idle, how long a normal frame sent right after one datagram of each
kind waits for its answer ("behind one"), its counters (from its status line on stdout), and
how long it takes to exit on SIGTERM. Prints a table and writes the figures, with the machine,
its load and the tree measured, as JSON.

Every loop is bounded in count and in time. A stalled or dying instrument is reported, not
waited for: the flood stops early when the instrument exits, passes --max-threads threads or
--max-rss-mb of memory (guards for the machine it shares), after --max-seconds, or on SIGINT
or SIGTERM (the rest still runs and reports); an answer that does not come within its timeout
is 'no answer'; an instrument that does not exit within --exit-timeout seconds of SIGTERM is
killed.

The instrument under test (benchmarks/instrument_under_test.py) is shared with
benchmarks/soak.py; the hostile datagrams are in benchmarks/hostile.py.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import math
import random
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks import machine
from benchmarks.hostile import KINDS, Hostile
from benchmarks.instrument_under_test import (
    COUNTERS,
    Headless,
    Listener,
    Sampler,
    teach,
    tree_state,
)
from benchmarks.report import progress
from mapper.osc.codec import (
    encode_message,
)

# ---- the run ---------------------------------------------------------------------------------


def training_examples(inputs: int, outputs: int, seed: int, n: int = 40) -> list[tuple[list, list]]:
    """Four poses, n / 4 frames each: a small instrument, as a performer would record it."""
    rng = random.Random(seed)
    out = []
    for pose in range(4):
        centre = [rng.random() for _ in range(inputs)]
        target = [(pose + 0.5) / 4 if j == 0 else rng.random() for j in range(outputs)]
        for _ in range(max(1, n // 4)):
            out.append(([x + rng.uniform(-0.02, 0.02) for x in centre], target))
    return out


def flood(
    headless: Headless,
    sampler: Sampler,
    kinds: Sequence[str],
    n: int,
    seed: int,
    inputs: int,
    max_seconds: float,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """Send `n` datagrams round-robin over `kinds`, in bursts, waiting while the instrument's
    receive queue holds more than HIGH bytes (at most WAIT s at a time)."""
    high, low, wait, burst_bytes, burst = 1 << 20, 256 << 10, 2.0, 256 << 10, 32
    make = Hostile(inputs, seed)
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tx.setblocking(False)
    dest = ("127.0.0.1", headless.port)
    per_kind = {k: {"sent": 0, "accepted": 0, "bytes": 0, "make_s": 0.0} for k in kinds}
    refused: dict[str, int] = {}
    before = headless.socket() or {}
    waited = gave_up = 0.0
    t0 = time.perf_counter()
    last_log = t0
    since_check = 0
    stopped = ""
    try:  # SIGINT (or SIGTERM, see main) ends the flood; the rest still runs and reports
        for i in range(n):
            if sampler.tripped.is_set():
                stopped = sampler.reason
                break
            now = time.perf_counter()
            if now - t0 > max_seconds:
                stopped = f"--max-seconds {max_seconds:g} passed"
                break
            kind = kinds[i % len(kinds)]
            row = per_kind[kind]
            m0 = time.perf_counter()
            data = KINDS[kind][1](make)
            row["make_s"] += time.perf_counter() - m0
            row["sent"] += 1
            try:
                tx.sendto(data, dest)
                row["accepted"] += 1
                row["bytes"] += len(data)
            except OSError as e:
                name = errno.errorcode.get(e.errno or 0, str(e.errno))
                refused[name] = refused.get(name, 0) + 1
            since_check += len(data) + 256
            if since_check >= burst_bytes or (i + 1) % burst == 0:
                since_check = 0
                q = headless.socket()
                if q is not None and q["queued"] > high:  # let the instrument catch up
                    w0 = time.perf_counter()
                    while q is not None and q["queued"] > low and not sampler.tripped.is_set():
                        if time.perf_counter() - w0 > wait:
                            gave_up += 1
                            break
                        time.sleep(0.002)
                        q = headless.socket()
                    waited += time.perf_counter() - w0
                else:
                    time.sleep(0.0002)
            if now - last_log > 10:
                last_log = now
                s = headless.sample() or {}
                log(f"  {i:,} sent, {now - t0:.0f} s, RSS {s.get('rss_mb', 0):.0f} MB, "
                    f"{s.get('threads', 0):.0f} threads")  # fmt: skip
    except KeyboardInterrupt:
        stopped = "interrupted"
    seconds = time.perf_counter() - t0
    tx.close()
    after = headless.socket() or {}
    sent = sum(r["sent"] for r in per_kind.values())
    return {
        "sent": sent,
        "accepted": sum(r["accepted"] for r in per_kind.values()),
        "bytes": sum(r["bytes"] for r in per_kind.values()),
        "seconds": seconds,
        "per_s": sent / seconds if seconds > 0 else 0.0,
        "stopped_early": stopped,
        "refused_by_kernel": refused,
        "dropped_at_instrument": after.get("drops", 0) - before.get("drops", 0)
        if before and after
        else None,
        "waited_for_instrument_s": waited,
        "waits_given_up": int(gave_up),
        "per_kind": per_kind,
    }


def run(args: argparse.Namespace, log: Callable[[str], None]) -> dict[str, Any]:
    kinds = [k for k in KINDS if k not in set(args.skip) and (not args.only or k in args.only)]
    if not kinds:
        raise RuntimeError("no kinds left to send (--only, --skip)")
    results: dict[str, Any] = {
        "benchmark": "fuzz",
        "machine": machine.describe(),
        "tree": tree_state(),
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "settings": {
            "datagrams": args.datagrams,
            "seed": args.seed,
            "inputs": args.inputs,
            "outputs": args.outputs,
            "examples": args.examples,
            "kinds": kinds,
            "skipped": list(args.skip),
            "max_threads": args.max_threads,
            "max_rss_mb": args.max_rss_mb,
            "max_seconds": args.max_seconds,
            "settle_s": args.settle,
        },
        "kinds": {k: KINDS[k][0] for k in kinds},
        "load": {"before": machine.load()},
    }
    with tempfile.TemporaryDirectory(prefix="mapper-fuzz-") as tmp:
        listener = Listener()
        headless = Headless(Path(tmp), args.inputs, args.outputs, listener.port)
        sampler: Sampler | None = None
        tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        dest = ("127.0.0.1", headless.port)

        def send(data: bytes) -> None:
            tx.sendto(data, dest)

        try:
            results["ready_s"] = headless.ready_s
            log(f"teaching (ready in {headless.ready_s:.2f} s)")
            examples = training_examples(args.inputs, args.outputs, args.seed, args.examples)
            results["training_s"] = teach(headless, listener, send, examples)
            results["examples"] = len(examples)
            normal = encode_message("/wek/inputs", [0.5] * args.inputs, "f" * args.inputs)
            rtt, _ = listener.probe(lambda: send(normal), 2.0)
            if rtt is None:
                raise RuntimeError(f"the trained instrument does not answer\n"
                                   f"{headless.stderr_tail()}")  # fmt: skip
            time.sleep(1.2)  # a status line after training
            results["before"] = {**(headless.sample() or {}), "round_trip_ms": rtt * 1e3,
                                 "counters": headless.counters()}  # fmt: skip
            sampler = Sampler(headless, 0.5, args.max_threads, args.max_rss_mb).start()
            outputs_before = listener.outputs
            log(f"flood: {args.datagrams:,} datagrams, {len(kinds)} kinds (load {machine.load()})")
            results["flood"] = flood(headless, sampler, kinds, args.datagrams, args.seed,
                                     args.inputs, args.max_seconds, log)  # fmt: skip
            results["load"]["after flood"] = machine.load()
            results["after"] = after_flood(headless, listener, sampler, send, normal, args, log)
            if args.behind_reps > 0 and headless.alive():
                results["behind_one"] = behind_one(headless, listener, send, kinds, args, log)
            results["received"] = {
                "outputs during and after the flood": listener.outputs - outputs_before,
                "outputs not finite": listener.non_finite,
                "first non-finite outputs": listener.non_finite_example,
                "other addresses": dict(listener.by_address),
            }
        finally:
            if sampler is not None:
                sampler.stop()
                results["peak"] = {"rss_mb": sampler.peak_rss_mb, "threads": sampler.peak_threads}
                every = max(1, len(sampler.timeline) // 400)
                results["timeline"] = list(sampler.timeline)[::every]
            log("SIGTERM")
            results["exit"] = headless.stop(args.exit_timeout)
            results["stderr"] = stderr_summary(headless.stderr_path)
            results["status_lines"] = [
                f"{t:7.1f} s  {line}" for t, line in list(headless.lines)[-300:]
            ]
            results["project_after"] = project_summary(headless.folder)
            headless.close()
            listener.close()
            tx.close()
    results["load"]["after"] = machine.load()
    return results


def after_flood(
    headless: Headless,
    listener: Listener,
    sampler: Sampler,
    send: Callable[[bytes], None],
    normal: bytes,
    args: argparse.Namespace,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """Wait (at most --settle s) until the instrument has read its receive queue and sent no
    /wek/outputs for 0.5 s, then time 20 round trips of a normal frame (1 s timeout each)."""
    out: dict[str, Any] = {"alive_at_end_of_flood": headless.alive()}
    t0 = time.perf_counter()
    settled = False
    while time.perf_counter() - t0 < args.settle and headless.alive():
        q = headless.socket()
        if (q is None or q["queued"] == 0) and listener.quiet_for() > 0.5:
            settled = True
            break
        time.sleep(0.05)
    out["settled"] = settled
    out["settle_s"] = time.perf_counter() - t0
    log(f"settled: {settled} after {out['settle_s']:.1f} s; probing")
    rtts: list[float] = []
    finite = True
    for _ in range(20):
        if not headless.alive():
            break
        rtt, values = listener.probe(lambda: send(normal), 1.0)
        if rtt is not None:
            rtts.append(rtt * 1e3)
            finite = finite and all(math.isfinite(v) for v in values)
        time.sleep(0.05)
    out["probes"] = 20
    out["answered"] = len(rtts)
    out["round_trip_ms"] = {
        "median": statistics.median(rtts), "max": max(rtts), "first": rtts[0]
    } if rtts else "no answer"  # fmt: skip
    out["answers_finite"] = finite if rtts else None
    out["alive"] = headless.alive() and bool(rtts)
    time.sleep(1.2)  # the status line after everything
    out["counters"] = headless.counters()
    out.update(headless.sample() or {"rss_mb": None, "threads": None, "cpu_s": None})
    out["peak_rss_mb"], out["peak_threads"] = sampler.peak_rss_mb, sampler.peak_threads
    return out


def wait_idle(headless: Headless, limit: float) -> float | None:
    """Wait until the instrument's receive queue is empty and it used under 10 % of a core
    over 0.1 s (no evaluation or save still running): seconds waited, None after `limit`."""
    t0 = time.perf_counter()
    before = headless.sample()
    while before is not None and time.perf_counter() - t0 < limit:
        time.sleep(0.1)
        now = headless.sample()
        q = headless.socket()
        if now is None:
            break
        if now["cpu_s"] - before["cpu_s"] < 0.011 and (q is None or q["queued"] == 0):
            return time.perf_counter() - t0
        before = now
    return None


def behind_one(
    headless: Headless,
    listener: Listener,
    send: Callable[[bytes], None],
    kinds: Sequence[str],
    args: argparse.Namespace,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """What a performer's next frame waits behind one hostile datagram: for each kind, with
    the instrument idle, one datagram of it and at once a normal frame, timed until that
    frame's answer (recognised by its values, learned first at idle; 3 s timeout)."""
    values = ([0.25, 0.75] + [0.5] * args.inputs)[: args.inputs]
    probe = encode_message("/wek/inputs", values, "f" * args.inputs)
    wait_idle(headless, 10.0)
    rtt, expect = listener.probe(lambda: send(probe), 1.0)
    if rtt is None:
        return {"skipped": "the instrument did not answer at idle"}
    log(f"behind one datagram of each kind ({args.behind_reps} each)")
    make = Hostile(args.inputs, args.seed + 1)
    out: dict[str, Any] = {"idle_ms": rtt * 1e3}
    for kind in kinds:
        times: list[float] = []
        lost = not_idle = 0
        for _ in range(args.behind_reps):
            if not headless.alive():
                break
            if wait_idle(headless, 10.0) is None:
                not_idle += 1
            data = KINDS[kind][1](make)

            def both(data: bytes = data) -> None:
                send(data)
                send(probe)

            took = listener.answer_to(both, expect, 3.0)
            if took is None:
                lost += 1
            else:
                times.append(took * 1e3)
        out[kind] = {
            "median_ms": statistics.median(times) if times else None,
            "max_ms": max(times) if times else None,
            "no_answer": lost,
            "not_idle_before": not_idle,
        }
    return out


def stderr_summary(path: Path) -> dict[str, Any]:
    """How much the instrument wrote to stderr, whether raw terminal escapes reached it, and
    its first lines (shortened)."""
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    text = data.decode("utf-8", "replace")
    lines = text.splitlines()
    return {
        "bytes": len(data),
        "lines": len(lines),
        "escape_bytes": data.count(b"\x1b"),
        "c1_csi": text.count("\u009b"),
        "longest_line": max((len(line) for line in lines), default=0),
        "tracebacks": text.count("Traceback"),
        "head": [ascii(line)[:200] for line in lines[:40]],
    }


def project_summary(folder: Path) -> dict[str, Any]:
    """What the instrument left in its folder: files, and whether project.json still reads."""
    out: dict[str, Any] = {"files": sorted(p.name for p in folder.iterdir())
                           if folder.is_dir() else []}  # fmt: skip
    try:
        project = json.loads((folder / "project.json").read_text())
        out["project_json_reads"] = True
        out["inputs"] = project.get("inputs")
    except (OSError, ValueError) as e:
        out["project_json_reads"] = False
        out["error"] = str(e)
    with contextlib.suppress(OSError):
        out["example_rows"] = len((folder / "examples.csv").read_text().splitlines()) - 1
    siblings = [p.name for p in folder.parent.iterdir() if p.is_dir() and p != folder]
    out["other_folders_created"] = siblings
    return out


def print_report(r: dict[str, Any]) -> None:
    m, f = r["machine"], r.get("flood", {})
    print(f"\nfuzz: mapper headless under hostile input ({m['cores']} cores, {m['cpu']}; "
          f"load before {r['load'].get('before')}, after {r['load'].get('after')})")  # fmt: skip
    behind = r.get("behind_one", {})
    if f:
        print(f"\n{'kind':<18} {'sent':>8} {'accepted':>9} {'MB':>8} {'behind one (ms)':>16}  what")
        for kind, row in f["per_kind"].items():
            print(f"{kind:<18} {row['sent']:>8,} {row['accepted']:>9,} "
                  f"{row['bytes'] / 1e6:>8.1f} {_behind(behind.get(kind)):>16}  "
                  f"{r['kinds'][kind]}")  # fmt: skip
        print(f"{'all':<18} {f['sent']:>8,} {f['accepted']:>9,} {f['bytes'] / 1e6:>8.1f} "
              f"{'':>16}  in {f['seconds']:.1f} s ({f['per_s']:,.0f}/s)")  # fmt: skip
        if "idle_ms" in behind:
            print(f"behind one: a normal frame's round trip sent right after one datagram of "
                  f"the kind, median / max (idle: {behind['idle_ms']:.2f} ms)")  # fmt: skip
        if f["stopped_early"]:
            print(f"flood stopped early: {f['stopped_early']}")
    before, after, peak = r.get("before", {}), r.get("after", {}), r.get("peak", {})
    rows = [
        ("kernel: refused at send / dropped at the instrument",
         f"{f.get('refused_by_kernel') or 0} / {f.get('dropped_at_instrument')}"),
        ("waited for the instrument's queue", f"{f.get('waited_for_instrument_s', 0):.1f} s "
         f"({f.get('waits_given_up', 0)} waits gave up after 2 s)"),
        ("RSS before / peak / after (MB)", f"{_num(before.get('rss_mb'))} / "
         f"{_num(peak.get('rss_mb'))} / {_num(after.get('rss_mb'))}"),
        ("threads before / peak / after", f"{_num(before.get('threads'), 0)} / "
         f"{_num(peak.get('threads'), 0)} / {_num(after.get('threads'), 0)}"),
        ("instrument CPU during the run", f"{_num(after.get('cpu_s'))} s"),
        ("quiet again after the flood", f"{after.get('settled')} in "
         f"{_num(after.get('settle_s'))} s"),
        ("round trip after (20 normal frames)", f"{after.get('answered', 0)}/20 answered, "
         f"{_rtt(after.get('round_trip_ms'))}; finite: {after.get('answers_finite')}"),
    ]  # fmt: skip
    counters = after.get("counters", {})
    for key in COUNTERS:
        if key in counters:
            rows.append((f"counter: {key}", f"{counters[key]:,}"))
    rec = r.get("received", {})
    if rec:
        rows.append(("/wek/outputs received (not finite)",
                     f"{rec['outputs during and after the flood']:,} "
                     f"({rec['outputs not finite']:,})"))  # fmt: skip
        ev = rec["other addresses"].get("/mapper/evaluation", 0)
        rows.append(("/mapper/evaluation answers received", f"{ev:,}"))
    ex, err = r.get("exit", {}), r.get("stderr", {})
    if ex:
        rows.append(("exit after SIGTERM", f"{ex['exit_s']:.2f} s, code {ex['returncode']}"
                     + (" (killed)" if ex.get("killed") else "")))  # fmt: skip
    if err:
        rows.append(("stderr: bytes, lines, ESC bytes, tracebacks",
                     f"{err['bytes']:,}, {err['lines']:,}, {err['escape_bytes']:,}, "
                     f"{err['tracebacks']}"))  # fmt: skip
    pa = r.get("project_after", {})
    if pa:
        rows.append(("project folder after", f"reads: {pa.get('project_json_reads')}, "
                     f"{pa.get('example_rows')} example rows, other folders "
                     f"{pa.get('other_folders_created')}"))  # fmt: skip
    print()
    for label, value in rows:
        print(f"{label:<52} {value}")


def _behind(cell: dict[str, Any] | None) -> str:
    if not cell:
        return "-"
    if cell["median_ms"] is None:
        return "no answer"
    text = f"{cell['median_ms']:.1f} / {cell['max_ms']:.1f}"
    return text + (f" ({cell['no_answer']} lost)" if cell["no_answer"] else "")


def _num(x: Any, digits: int = 1) -> str:
    return "?" if x is None else f"{x:,.{digits}f}"


def _rtt(x: Any) -> str:
    if not isinstance(x, dict):
        return str(x)
    return f"median {x['median']:.2f} ms, max {x['max']:.2f} ms, first {x['first']:.2f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.fuzz", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--datagrams", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--inputs", type=int, default=3)
    parser.add_argument("--outputs", type=int, default=2)
    parser.add_argument("--examples", type=int, default=40,
                        help="examples taught before the flood, in 4 poses (40)")  # fmt: skip
    parser.add_argument("--skip", nargs="+", default=[], choices=list(KINDS), metavar="KIND",
                        help=f"leave these kinds out ({', '.join(KINDS)})")  # fmt: skip
    parser.add_argument("--only", nargs="+", default=[], choices=list(KINDS), metavar="KIND",
                        help="send only these kinds")  # fmt: skip
    parser.add_argument("--behind-reps", type=int, default=3,
                        help="after the flood, time a frame behind one datagram of each kind "
                        "this many times (3; 0: not at all)")  # fmt: skip
    parser.add_argument("--max-seconds", type=float, default=900.0,
                        help="stop the flood after this long (default 900)")  # fmt: skip
    parser.add_argument(
        "--max-threads",
        type=int,
        default=1000,
        help="stop the flood when the instrument has more threads (1000)",
    )
    parser.add_argument(
        "--max-rss-mb",
        type=float,
        default=4000.0,
        help="stop the flood when the instrument uses more memory (4000)",
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=60.0,
        help="after the flood, wait at most this long for quiet (60)",
    )
    parser.add_argument(
        "--exit-timeout",
        type=float,
        default=60.0,
        help="kill the instrument if SIGTERM has not stopped it by then (60)",
    )
    parser.add_argument("--json", type=Path, default=Path("benchmarks/fuzz.json"))
    args = parser.parse_args(argv)

    log = progress

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # so the instrument is still stopped and the figures written

    signal.signal(signal.SIGTERM, interrupt)
    try:
        results = run(args, log)
    except RuntimeError as e:
        log(f"fuzz: {e}")
        return 2
    print_report(results)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
