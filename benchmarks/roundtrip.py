"""Round-trip latency: one /wek/inputs frame in -> one /wek/outputs out, over loopback UDP.

Starts a real `mapper headless` subprocess per model, records N examples over OSC (target: the
mean of the inputs, or a class per round), trains, runs, then times single frames one after
another. The last row times the MLP while a long training (a 64-unit MLP that would take well
over 30 s) runs in the background: training must not hold up the output stream. Prints
median, p99, max and lost frames, and writes the same figures as JSON.

    python benchmarks/roundtrip.py [--inputs 8] [--outputs 3] [--examples 1000] [--frames 5000]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from mapper.osc.codec import encode_message, parse_packet

READY = re.compile(r"listening on 127\.0\.0\.1:(\d+)")
SCENARIOS = {  # name: (output type, setModel arguments, time it while training)
    "knn k=5 regression": ("continuous", ["knn", "k", 5], False),
    "mlp regression (default)": ("continuous", ["mlp"], False),
    "knn k=1 classifier": ("classifier", ["knn", "k", 1], False),
    "mlp while training": ("continuous", ["mlp"], True),
}
LONG_TRAINING = ["mlp", "hidden", 64, "max_iter", 100_000]


class Peer:
    """A `mapper headless` subprocess and two loopback sockets to talk to it."""

    def __init__(self, kind: str, args: argparse.Namespace) -> None:
        self.rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rx.bind(("127.0.0.1", 0))
        self.rx.settimeout(1.0)
        self.tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        cmd = [
            sys.executable, "-m", "mapper", "headless", "--quiet",
            "--listen", "127.0.0.1:0", "--send", f"127.0.0.1:{self.rx.getsockname()[1]}",
            "--inputs", str(args.inputs), "--outputs", str(args.outputs),
            "--type", kind, "--classes", "3",
        ]  # fmt: skip
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        for _ in range(20):
            line = self.proc.stdout.readline() if self.proc.stdout else ""
            match = READY.search(line)
            if match:
                self.dest = ("127.0.0.1", int(match.group(1)))
                return
        raise RuntimeError("mapper headless did not start")

    def send(self, address: str, values: list[object] | None = None) -> None:
        self.tx.sendto(encode_message(address, values or []), self.dest)

    def receive(self, address: str) -> None:
        for _ in range(100_000):
            if parse_packet(self.rx.recv(65536))[0][0] == address:
                return
        raise RuntimeError(f"no {address}")

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def teach(peer: Peer, kind: str, model: list[object], args: argparse.Namespace) -> None:
    """Record `args.examples` examples in 10 rounds, train, and start running."""
    for j in range(1, args.outputs + 1):
        peer.send("/mapper/control/setModel", [j, *model])
    rng = random.Random(0)
    per_round = args.examples // 10
    for r in range(10):
        frames = [[rng.random() for _ in range(args.inputs)] for _ in range(per_round)]
        mean = sum(map(sum, frames)) / (per_round * args.inputs)
        value = float(1 + r % 3) if kind == "classifier" else mean
        peer.send("/wekinator/control/outputs", [value] * args.outputs)
        peer.receive("/wek/outputs")
        peer.send("/wekinator/control/startRecording")
        for f in frames:
            peer.send("/wek/inputs", f)
        peer.send("/wekinator/control/stopRecording")
    peer.rx.settimeout(60)
    peer.send("/wekinator/control/train")
    peer.receive("/wekinator/status/done-training")
    peer.rx.settimeout(1.0)
    peer.send("/wekinator/control/startRunning")


def time_frames(peer: Peer, training: bool, args: argparse.Namespace) -> dict[str, float]:
    """Send frames one at a time and time each answer (microseconds)."""
    frame = encode_message("/wek/inputs", [0.5] * args.inputs)
    times: list[float] = []
    lost = 0
    if training:  # the running models stay; a long fit of new ones runs meanwhile
        for j in range(1, args.outputs + 1):
            peer.send("/mapper/control/setModel", [j, *LONG_TRAINING])
        peer.send("/wekinator/control/train")
    for k in range(args.warmup + args.frames):
        t0 = time.perf_counter()
        peer.tx.sendto(frame, peer.dest)
        try:
            address = parse_packet(peer.rx.recv(65536))[0][0]
        except TimeoutError:
            lost += 1
            continue
        if address != "/wek/outputs":
            raise RuntimeError(f"unexpected {address}: did the long training end early?")
        if k >= args.warmup:
            times.append((time.perf_counter() - t0) * 1e6)
    if training:
        peer.send("/wekinator/control/cancelTrain")
    times.sort()
    return {
        "median_us": statistics.median(times),
        "p99_us": times[min(len(times) - 1, int(0.99 * len(times)))],
        "max_us": times[-1],
        "lost": lost,
        "frames": args.frames,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=8)
    parser.add_argument("--outputs", type=int, default=3)
    parser.add_argument("--examples", type=int, default=1000)
    parser.add_argument("--frames", type=int, default=5000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--json", type=Path, default=Path("benchmarks/roundtrip.json"))
    args = parser.parse_args()
    results = {}
    for name, (kind, model, training) in SCENARIOS.items():
        peer = Peer(kind, args)
        try:
            teach(peer, kind, model, args)
            results[name] = time_frames(peer, training, args)
        finally:
            peer.close()
    print(
        f"round trip, {args.inputs} inputs / {args.outputs} outputs, {args.examples} examples, "
        f"{args.frames} frames one at a time over loopback UDP"
    )
    print(f"{'model':26} {'median us':>10} {'p99 us':>9} {'max us':>9} {'lost':>5}")
    for name, r in results.items():
        row = f"{r['median_us']:10.1f} {r['p99_us']:9.1f} {r['max_us']:9.1f} {r['lost']:5d}"
        print(f"{name:26} {row}")
    args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
