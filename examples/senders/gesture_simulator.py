"""Gesture simulator: N inputs of slow, smooth movement plus a little sensor noise, sent as
`/wek/inputs` (one float32 per input), for trying gesture-mapper or Wekinator without a sensor.

Start it (the project's venv has python-osc, its only need):

    .venv/bin/python examples/senders/gesture_simulator.py     # 2 inputs, 50/s, to 127.0.0.1:6448
    .venv/bin/python examples/senders/gesture_simulator.py --inputs 3 --rate 100 --duration 30

Options: --host, --port (where the mapper listens: 127.0.0.1:6448), --inputs N, --rate frames
per second, --duration seconds (0, the default: until Ctrl-C), --speed (how fast the curves
move), --noise (its standard deviation), --seed (the same seed, the same gesture), --quiet.
Each value stays in 0..1. Ctrl-C stops it cleanly, saying how many frames it sent.
"""

from __future__ import annotations

import argparse
import math
import random
import signal
import sys
import threading
import time
from collections.abc import Iterator

from pythonosc.udp_client import SimpleUDPClient

CURVES_PER_INPUT = 3


def gesture(
    n_inputs: int, rate: float, speed: float, noise: float, seed: int
) -> Iterator[list[float]]:
    """Endless frames: per input, a sum of slow sines around 0.5, plus Gaussian noise, in 0..1."""
    rng = random.Random(seed)
    curves = [
        [
            (rng.uniform(0.05, 0.4) * speed, rng.uniform(0, 2 * math.pi), rng.uniform(0.5, 1.0))
            for _ in range(CURVES_PER_INPUT)
        ]
        for _ in range(n_inputs)
    ]
    k = 0
    while True:
        t = k / rate
        frame = []
        for parts in curves:
            total = sum(w for _, _, w in parts)
            smooth = sum(w * math.sin(2 * math.pi * f * t + p) for f, p, w in parts) / total
            value = 0.5 + 0.45 * smooth + rng.gauss(0.0, noise)
            frame.append(min(max(value, 0.0), 1.0))
        yield frame
        k += 1


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1", help="where the mapper listens (127.0.0.1)")
    p.add_argument("--port", type=int, default=6448, help="its port (6448, as Wekinator)")
    p.add_argument("--address", default="/wek/inputs", help="OSC address (/wek/inputs)")
    p.add_argument("--inputs", type=int, default=2, metavar="N", help="inputs per frame (2)")
    p.add_argument("--rate", type=float, default=50.0, metavar="HZ", help="frames a second (50)")
    p.add_argument(
        "--duration", type=float, default=0.0, metavar="S", help="seconds; 0 = until Ctrl-C"
    )
    p.add_argument("--speed", type=float, default=1.0, help="how fast the curves move (1.0)")
    p.add_argument("--noise", type=float, default=0.01, help="noise standard deviation (0.01)")
    p.add_argument("--seed", type=int, default=1, help="random seed: same seed, same gesture")
    p.add_argument("--quiet", action="store_true", help="no progress line each second")
    args = p.parse_args(argv)
    if args.inputs < 1:
        p.error("--inputs must be at least 1")
    if not 0 < args.rate <= 10_000:
        p.error("--rate must be above 0 and at most 10000 frames a second")
    if args.duration < 0 or args.noise < 0 or args.speed < 0:
        p.error("--duration, --noise and --speed cannot be negative")
    if not 0 < args.port < 65536:
        p.error("--port must be 1..65535")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        client = SimpleUDPClient(args.host, args.port)
    except OSError as e:
        print(f"gesture_simulator: cannot send to {args.host}:{args.port}: {e}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    if not args.quiet:
        until = f"for {args.duration:g} s" if args.duration else "until Ctrl-C"
        print(
            f"sending {args.address} ({args.inputs} floats) to {args.host}:{args.port}, "
            f"{args.rate:g}/s, {until}",
            flush=True,
        )
    sent, start = 0, time.monotonic()
    next_report = start + 1.0
    for frame in gesture(args.inputs, args.rate, args.speed, args.noise, args.seed):
        due = start + sent / args.rate
        now = time.monotonic()
        if now - due > 0.25:  # fell behind (a stalled machine): carry on from now, no burst
            start, due = now - sent / args.rate, now
        if args.duration and sent >= args.duration * args.rate:
            break
        if due > now and stop.wait(due - now):
            break
        if stop.is_set():
            break
        try:
            client.send_message(args.address, frame)
        except OSError as e:  # a network hiccup: say so once a second at most, keep going
            if not args.quiet and now >= next_report:
                print(f"send failed: {e}", file=sys.stderr, flush=True)
        sent += 1
        if not args.quiet and now >= next_report:
            values = " ".join(f"{v:.2f}" for v in frame)
            print(f"sent {sent} frames | now {values}", flush=True)
            next_report = now + 1.0
    if not args.quiet:
        print(f"stopped after {sent} frames ({time.monotonic() - start:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
