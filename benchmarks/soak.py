"""Soak: a paced stream of input frames at a trained `mapper headless` for minutes.

    python -m benchmarks.soak [--minutes 10] [--rate 1000] [--json PATH]

Starts `mapper headless` on loopback in a temporary project folder (3 inputs, 2 outputs),
teaches it over OSC and runs it, then sends RATE frames a second for MINUTES, paced by
time.perf_counter (between frames the client sleeps in select() on its receive socket, so it
wakes for an answer or for the next frame's deadline, never spins). It counts the
/wek/outputs received against the frames sent (lost = sent - received, after a drain of at
most a few seconds), samples the instrument's memory and threads every 10 s, and times every
answer.

How an answer is matched to its frame: output 1 is a linear model of input 1 alone, trained
on examples where it equals input 1, so it echoes input 1; each frame's input 1 carries its
sequence number (one of 100,000 values in 0..1), so each answer names its frame even if
another is lost or late. The other outputs are the model of --model (kNN by default) on
every input: the work a real instrument does.

The floor, a bare UDP echo in Python timed by one-at-a-time round trips (benchmarks/floor.py),
is measured in the same run, before and after the stream; the stream's latency is reported
as overhead above it. Prints a table and writes the figures, with the machine and its load,
as JSON. Every loop is bounded in count and in time.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import select
import socket
import statistics
import struct
import sys
import tempfile
import time
from array import array
from pathlib import Path
from typing import Any

from benchmarks import floor, machine
from benchmarks.instrument_under_test import (
    Headless,
    Listener,
    proc_status,
    teach,
    tree_state,
    udp_socket,
)
from benchmarks.report import progress
from mapper.osc.codec import encode_message, message_prefix

IDS = 100_000  # distinct sequence numbers carried by input 1 (float32 resolves far finer)
SAMPLE_EVERY = 10.0  # seconds between samples of the instrument's memory and threads


def tag_of(k: int) -> float:
    """Input 1 of frame k: the middle of its sequence number's slot in 0..1."""
    return (k % IDS + 0.5) / IDS


def id_of(value: float) -> int:
    """The sequence number (mod IDS) an answer's output 1 carries; -1 if it carries none."""
    if not math.isfinite(value) or not 0.0 <= value < 1.0:
        return -1
    return int(value * IDS)


class Stream:
    """One thread that sends frames on time and reads answers in between."""

    def __init__(self, rx: socket.socket, dest: tuple[str, int], inputs: int, outputs: int):
        self.rx, self.dest, self.inputs = rx, dest, inputs
        rx.setblocking(False)  # select() does the waiting
        self.tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.prefix = message_prefix("/wek/inputs", "f" * inputs)
        self.pack = struct.Struct(f">{inputs}f").pack
        self.answer_prefix = message_prefix("/wek/outputs", "f" * outputs)
        self.answer = struct.Struct(f">{len(self.answer_prefix)}x{outputs}f")
        rng = random.Random(7)
        self.rest = [[rng.random() for _ in range(inputs - 1)] for _ in range(4096)]
        self.sent_at = array("d", bytes(8 * IDS))  # when frame k was sent, at k % IDS
        self.answered = bytearray(IDS)
        self.sent = 0
        self.received = 0
        self.duplicates = 0
        self.undecodable = 0
        self.other = 0
        self.latencies_us = array("f")

    def frame(self, k: int) -> bytes:
        return self.prefix + self.pack(tag_of(k), *self.rest[k % 4096])

    def send(self, k: int) -> None:
        slot = k % IDS
        self.answered[slot] = 0
        self.sent_at[slot] = time.perf_counter()
        self.tx.sendto(self.frame(k), self.dest)
        self.sent = k + 1

    def take(self) -> int:
        """Read every answer waiting (non-blocking); returns how many."""
        n = 0
        recv, clock = self.rx.recv, time.perf_counter
        for _ in range(100_000):
            try:
                data = recv(65536)
            except (BlockingIOError, TimeoutError):
                break
            now = clock()
            n += 1
            if not data.startswith(self.answer_prefix) or len(data) != self.answer.size:
                self.other += 1
                continue
            self.received += 1
            got = id_of(self.answer.unpack(data)[0])
            if got < 0 or not self.sent:
                self.undecodable += 1
                continue
            last = self.sent - 1
            k = last - (last - got) % IDS  # the latest frame sent with that number
            if k < 0:
                self.undecodable += 1
                continue
            slot = k % IDS
            if self.answered[slot]:
                self.duplicates += 1
                continue
            self.answered[slot] = 1
            self.latencies_us.append((now - self.sent_at[slot]) * 1e6)
        return n

    def wait(self, seconds: float) -> None:
        """Sleep until an answer arrives or `seconds` pass, then read what is there."""
        if seconds > 0:
            ready, _, _ = select.select([self.rx], [], [], seconds)
            if not ready:
                return
        self.take()

    def close(self) -> None:
        self.tx.close()


def round_trips(stream: Stream, n: int, timeout: float = 1.0) -> dict[str, Any]:
    """n frames one at a time (each after the previous answer): the round trip with nothing
    else going on, and whether every answer names its own frame."""
    times: list[float] = []
    wrong = lost = 0
    clock = time.perf_counter
    for k in range(n):
        before = len(stream.latencies_us)
        stream.send(k)
        deadline = clock() + timeout
        while len(stream.latencies_us) == before and clock() < deadline:
            stream.wait(deadline - clock())
        if len(stream.latencies_us) == before:
            lost += 1
            continue
        times.append(stream.latencies_us[-1])
        last = stream.sent - 1
        if stream.answered[last % IDS] != 1:
            wrong += 1
    return {**_percentiles(times), "frames": n, "lost": lost, "answer_named_another": wrong}


def soak(
    headless: Headless, stream: Stream, rate: float, seconds: float, log: Any
) -> dict[str, Any]:
    """The paced stream; memory and threads every SAMPLE_EVERY s (inline: no second thread)."""
    n = max(1, round(rate * seconds))
    period = 1.0 / rate
    clock = time.perf_counter
    first_k = stream.sent
    received0, lat0 = stream.received, len(stream.latencies_us)
    samples: list[tuple[float, float, int]] = []
    cpu0 = (headless.sample() or {}).get("cpu_s", 0.0)

    def sample(t: float) -> None:
        s = headless.sample()
        if s is not None:
            samples.append((round(t, 1), round(s["rss_mb"], 1), int(s["threads"])))

    start = clock()
    sample(0.0)
    next_sample = start + SAMPLE_EVERY
    next_log = start + 30.0
    due = start
    behind_max = 0.0
    late = 0
    for k in range(first_k, first_k + n):
        while True:  # until frame k is due: sleep in select, reading answers as they come
            ahead = due - clock()
            if ahead <= 0.0002:
                break
            stream.wait(ahead - 0.0001)
        stream.take()
        behind = clock() - due
        if behind > behind_max:
            behind_max = behind
        if behind > 0.001:
            late += 1
        stream.send(k)
        due += period
        if due < clock() - 0.25:  # far behind (the machine paused us): no burst to catch up
            due = clock()
        now = clock()
        if now >= next_sample:
            sample(now - start)
            next_sample += SAMPLE_EVERY
            if not headless.alive():
                log("  the instrument exited")
                break
        if now >= next_log:
            next_log += 30.0
            log(f"  {now - start:.0f} s: {stream.sent - first_k:,} sent, "
                f"{stream.received - received0:,} answered")  # fmt: skip
    sent_for = clock() - start
    sent = stream.sent - first_k
    drain_start = clock()
    quiet_since = clock()
    while stream.received - received0 < sent and clock() - drain_start < 5.0:
        if clock() - quiet_since > 1.0:
            break
        got_before = stream.received
        stream.wait(0.05)
        if stream.received != got_before:
            quiet_since = clock()
    drained = clock() - drain_start
    sample(clock() - start)
    cpu1 = (headless.sample() or {}).get("cpu_s", cpu0)
    received = stream.received - received0
    lat = list(stream.latencies_us[lat0:])
    rss = [s[1] for s in samples]
    threads = [s[2] for s in samples]
    return {
        "rate": rate,
        "seconds": seconds,
        "sent": sent,
        "received": received,
        "lost": sent - received,
        "duplicates": stream.duplicates,
        "undecodable": stream.undecodable,
        "sent_for_s": sent_for,
        "sent_per_s": sent / sent_for if sent_for > 0 else 0.0,
        "drain_s": drained,
        "sender_max_behind_ms": behind_max * 1e3,
        "frames_sent_over_1ms_late": late,
        "latency_us": _percentiles(lat),
        "rss_mb": {"start": rss[0], "max": max(rss), "end": rss[-1]} if rss else {},
        "threads": {"start": threads[0], "max": max(threads), "end": threads[-1]}
        if threads
        else {},
        "instrument_cpu_s": cpu1 - cpu0,
        "instrument_cpu_percent": 100 * (cpu1 - cpu0) / max(sent_for + drained, 1e-9),
        "samples": samples,
    }


def _words(text: str) -> list[Any]:
    """setModel's arguments from words: numbers as numbers ('knn k 5' -> knn, k, 5)."""
    out: list[Any] = []
    for word in text.split():
        try:
            out.append(int(word))
        except ValueError:
            try:
                out.append(float(word))
            except ValueError:
                out.append(word)
    return out


def _percentiles(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    s = sorted(values)

    def q(p: float) -> float:
        return float(s[min(len(s) - 1, int(p * len(s)))])

    return {
        "n": len(s),
        "p50": statistics.median(s),
        "p90": q(0.90),
        "p99": q(0.99),
        "p999": q(0.999),
        "max": float(s[-1]),
        "mean": statistics.fmean(s),
    }


def run(args: argparse.Namespace, log: Any) -> dict[str, Any]:
    seconds = args.minutes * 60
    results: dict[str, Any] = {
        "benchmark": "soak",
        "machine": machine.describe(),
        "tree": tree_state(),
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "settings": {
            "minutes": args.minutes,
            "rate": args.rate,
            "inputs": args.inputs,
            "outputs": args.outputs,
            "examples": args.examples,
            "model": args.model,
        },
        "load": {"before": machine.load()},
    }
    log(f"floor (load {machine.load()})")
    results["floor"] = {"before": floor.run(2000, 200, args.inputs)}
    with tempfile.TemporaryDirectory(prefix="mapper-soak-") as tmp:
        listener = Listener()
        headless = Headless(Path(tmp), args.inputs, args.outputs, listener.port)
        tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        dest = ("127.0.0.1", headless.port)
        stream: Stream | None = None
        try:
            results["ready_s"] = headless.ready_s
            rng = random.Random(3)
            examples = []
            for _ in range(args.examples):
                x = [rng.random() for _ in range(args.inputs)]
                examples.append((x, [x[0]] + [sum(x) / len(x)] * (args.outputs - 1)))
            setup = [
                encode_message("/mapper/control/setModel", [1, "linear"]),
                encode_message("/wekinator/control/selectInputsForOutput", [1, 1]),
            ] + [
                encode_message("/mapper/control/setModel", [j, *_words(args.model)])
                for j in range(2, args.outputs + 1)
            ]
            log(f"teaching {args.examples} examples (ready in {headless.ready_s:.2f} s)")
            results["training_s"] = teach(
                headless, listener, lambda d: tx.sendto(d, dest), examples, setup
            )
            stream = Stream(listener.detach(), dest, args.inputs, args.outputs)
            results["idle_round_trip_us"] = round_trips(stream, 1000)
            if results["idle_round_trip_us"]["answer_named_another"]:
                log("warning: some answers did not name their own frame")
            time.sleep(1.1)  # a status line before the stream
            results["counters_before"] = headless.counters()
            results["kernel_before"] = {
                "instrument": headless.socket(),
                "client": udp_socket(listener.port),
            }
            log(f"stream: {args.rate:,.0f} frames/s for {seconds:g} s")
            results["stream"] = soak(headless, stream, args.rate, seconds, log)
            results["kernel_after"] = {
                "instrument": headless.socket(),
                "client": udp_socket(listener.port),
            }
            kb, ka = results["kernel_before"], results["kernel_after"]
            results["stream"]["dropped_by_kernel"] = {
                side: (ka[side] or {}).get("drops", 0) - (kb[side] or {}).get("drops", 0)
                for side in ("instrument", "client")
                if ka[side] and kb[side]
            }
            results["load"]["after stream"] = machine.load()
            time.sleep(1.1)  # the status line after the stream
            results["counters_after"] = headless.counters()
            results["alive"] = headless.alive()
            results["after"] = proc_status(headless.pid) or {}
        finally:
            results["exit"] = headless.stop(30.0)
            results["status_lines"] = [f"{t:7.1f} s  {x}" for t, x in list(headless.lines)[-100:]]
            headless.close()
            if stream is not None:
                stream.close()
            listener.close()
            tx.close()
    results["floor"]["after"] = floor.run(2000, 200, args.inputs)
    results["load"]["after"] = machine.load()
    st, fl = results["stream"], results["floor"]["before"]
    if st["latency_us"].get("n"):
        results["overhead_above_floor_us"] = {
            "p50": st["latency_us"]["p50"] - fl["median_us"],
            "p99": st["latency_us"]["p99"] - fl["p99_us"],
        }
    return results


def print_report(r: dict[str, Any]) -> None:
    m, st = r["machine"], r["stream"]
    fb, fa = r["floor"]["before"], r["floor"].get("after", {})
    lat, idle = st["latency_us"], r["idle_round_trip_us"]
    print(f"\nsoak: {st['rate']:,.0f} frames/s for {st['seconds']:g} s at mapper headless "
          f"({m['cores']} cores, {m['cpu']}; load before {r['load']['before']}, "
          f"after {r['load'].get('after')})")  # fmt: skip
    rss, th = st["rss_mb"], st["threads"]
    over = r.get("overhead_above_floor_us", {})
    rows = [
        ("frames sent / answered / lost", f"{st['sent']:,} / {st['received']:,} / {st['lost']:,}"),
        ("sent per second (asked)", f"{st['sent_per_s']:,.1f} ({st['rate']:,.0f})"),
        ("dropped by the kernel (instrument, client)", str(st.get("dropped_by_kernel"))),
        ("duplicates / undecodable answers", f"{st['duplicates']} / {st['undecodable']}"),
        ("sender: max behind / frames > 1 ms late",
         f"{st['sender_max_behind_ms']:.2f} ms / {st['frames_sent_over_1ms_late']:,}"),
        ("latency in the stream p50 / p99 / p99.9 / max (µs)",
         f"{lat.get('p50', 0):.0f} / {lat.get('p99', 0):.0f} / {lat.get('p999', 0):.0f} / "
         f"{lat.get('max', 0):.0f}"),
        ("floor (UDP echo) p50 / p99 before; after (µs)",
         f"{fb['median_us']:.0f} / {fb['p99_us']:.0f}; "
         f"{fa.get('median_us', 0):.0f} / {fa.get('p99_us', 0):.0f}"),
        ("overhead above the floor p50 / p99 (µs)",
         f"{over.get('p50', 0):.0f} / {over.get('p99', 0):.0f}"),
        ("one at a time, idle: p50 / p99 (µs)", f"{idle.get('p50', 0):.0f} / "
         f"{idle.get('p99', 0):.0f} ({idle['lost']} lost)"),
        ("RSS start / max / end (MB)",
         f"{rss.get('start', 0):.1f} / {rss.get('max', 0):.1f} / {rss.get('end', 0):.1f}"),
        ("threads start / max / end",
         f"{th.get('start', 0)} / {th.get('max', 0)} / {th.get('end', 0)}"),
        ("instrument CPU", f"{st['instrument_cpu_s']:.1f} s "
         f"({st['instrument_cpu_percent']:.0f}% of one core)"),
        ("rejected frames (status line)", str(r.get("counters_after", {}).get("rejected"))),
        ("exit after SIGTERM", f"{r['exit']['exit_s']:.2f} s, code {r['exit']['returncode']}"),
    ]  # fmt: skip
    print()
    for label, value in rows:
        print(f"{label:<52} {value}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.soak", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=1000.0, help="frames per second")
    parser.add_argument("--inputs", type=int, default=3)
    parser.add_argument("--outputs", type=int, default=2)
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--model", default="knn k 5",
                        help="outputs 2..: setModel's type and parameters ('knn k 5')")  # fmt: skip
    parser.add_argument("--json", type=Path, default=Path("benchmarks/soak.json"))
    args = parser.parse_args(argv)
    if args.inputs < 1 or args.outputs < 2 or args.rate <= 0 or args.minutes <= 0:
        parser.error("needs --inputs >= 1, --outputs >= 2, --rate > 0 and --minutes > 0")

    log = progress

    try:
        results = run(args, log)
    except RuntimeError as e:
        log(f"soak: {e}")
        return 2
    print_report(results)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
