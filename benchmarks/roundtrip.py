"""Round-trip latency: one /wek/inputs frame in -> one /wek/outputs out, over loopback UDP.

Starts a real `mapper headless` subprocess, records N examples over OSC (target: the mean of the
inputs), trains, runs, then times single frames one after another. Prints median, p99, max and
lost frames per model, and writes the same figures as JSON.

    python benchmarks/roundtrip.py [--inputs 8] [--outputs 3] [--examples 1000] [--frames 5000]
"""

from __future__ import annotations

import argparse
import json
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from mapper.osc.codec import encode_message, parse_packet

READY = re.compile(r"listening on 127\.0\.0\.1:(\d+)")
MODELS = {
    "knn k=5 regression": ("continuous", ["knn", "k", 5]),
    "mlp regression (default)": ("continuous", ["mlp"]),
    "knn k=1 classifier": ("classifier", ["knn", "k", 1]),
}


def percentile(sorted_values: list[float], p: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(p / 100 * len(sorted_values)))]


def run_one(kind: str, model: list[object], args: argparse.Namespace) -> dict[str, float]:
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    rx.settimeout(1.0)
    cmd = [
        sys.executable,
        "-m",
        "mapper",
        "headless",
        "--quiet",
        "--listen",
        "127.0.0.1:0",
        "--send",
        f"127.0.0.1:{rx.getsockname()[1]}",
        "--inputs",
        str(args.inputs),
        "--outputs",
        str(args.outputs),
        "--type",
        kind,
        "--classes",
        "3",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        port = 0
        for _ in range(20):
            match = READY.search(proc.stdout.readline() if proc.stdout else "")
            if match:
                port = int(match.group(1))
                break
        if not port:
            raise RuntimeError("mapper headless did not start")
        tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        dest = ("127.0.0.1", port)

        def send(address: str, values: list[object]) -> None:
            tx.sendto(encode_message(address, values), dest)

        def receive(address: str) -> tuple:
            for _ in range(10_000):
                for addr, _, values in parse_packet(rx.recv(65536)):
                    if addr == address:
                        return values
            raise RuntimeError(f"no {address}")

        for j in range(1, args.outputs + 1):
            send("/mapper/control/setModel", [j, *model])
        import random

        rng = random.Random(0)
        per_round = args.examples // 10
        for r in range(10):
            frames = [[rng.random() for _ in range(args.inputs)] for _ in range(per_round)]
            target = sum(map(sum, frames)) / (per_round * args.inputs)
            value = float(1 + r % 3) if kind == "classifier" else target
            send("/wekinator/control/outputs", [value] * args.outputs)
            receive("/wek/outputs")
            send("/wekinator/control/startRecording", [])
            for f in frames:
                send("/wek/inputs", f)
            send("/wekinator/control/stopRecording", [])
        send("/wekinator/control/train", [])
        rx.settimeout(60)
        receive("/wekinator/status/done-training")
        rx.settimeout(1.0)
        send("/wekinator/control/startRunning", [])
        frame = encode_message("/wek/inputs", [0.5] * args.inputs)
        times, lost = [], 0
        for k in range(args.warmup + args.frames):
            t0 = time.perf_counter()
            tx.sendto(frame, dest)
            try:
                rx.recv(65536)
            except TimeoutError:
                lost += 1
                continue
            if k >= args.warmup:
                times.append((time.perf_counter() - t0) * 1e6)
        times.sort()
        return {
            "median_us": statistics.median(times),
            "p99_us": percentile(times, 99),
            "max_us": times[-1],
            "lost": lost,
            "frames": args.frames,
        }
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=8)
    parser.add_argument("--outputs", type=int, default=3)
    parser.add_argument("--examples", type=int, default=1000)
    parser.add_argument("--frames", type=int, default=5000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--json", type=Path, default=Path("benchmarks/roundtrip.json"))
    args = parser.parse_args()
    results = {name: run_one(kind, model, args) for name, (kind, model) in MODELS.items()}
    print(
        f"round trip, {args.inputs} inputs / {args.outputs} outputs, {args.examples} examples, "
        f"{args.frames} frames one at a time over loopback UDP"
    )
    print(f"{'model':28} {'median us':>10} {'p99 us':>10} {'max us':>10} {'lost':>6}")
    for name, r in results.items():
        print(
            f"{name:28} {r['median_us']:10.1f} {r['p99_us']:10.1f} {r['max_us']:10.1f} "
            f"{r['lost']:6d}"
        )
    args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
