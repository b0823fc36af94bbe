"""A phone's sensor app against `mapper headless`, as it sends: a paced stream of GyrOSC's
`/gyrosc/gyro` (3 floats) with `--source gyrosc`, beside the same values as `/wek/inputs` (a
plain project of 3 inputs) and beside the floor (a bare UDP echo in Python), in one run.

Each peer learns the same examples (a kNN, k=1, on a smooth function of pitch, roll and yaw),
then gets the same frames at RATE a second; each frame's answer (`/wek/outputs`) is timed from
its send. The answers are checked against the truth (mean absolute error), so quality sits
next to speed. `--source gyrosc` holds six inputs (gyro and accel); only the gyro is sent, the
accel inputs stay 0 on both sides.

    python -m benchmarks.sources [--rate 200] [--frames 2000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from benchmarks.client import Client, summary
from benchmarks.floor import ECHO
from benchmarks.peers import Peer, mapper_command
from mapper.osc.codec import encode_message

EXAMPLES = 200


def truth(x: np.ndarray) -> np.ndarray:
    return 0.5 + 0.4 * np.sin(2.0 * x[:, 0]) * np.cos(x[:, 1]) + 0.05 * x[:, 2]


def paced(client: Client, frames: Sequence[bytes], rate: float, count: int) -> tuple:
    """Send `count` frames at `rate` a second, each timed to its answer (microseconds)."""
    rx, tx = client.rx, client.tx
    rx.settimeout(1.0)
    times, answers, lost = [], [], 0
    period, due = 1.0 / rate, time.perf_counter()
    for k in range(count):
        while time.perf_counter() < due:  # paced as a sensor sends, not back to back
            time.sleep(max(0.0, due - time.perf_counter() - 0.0005))
        due += period
        t0 = time.perf_counter()
        tx.sendto(frames[k % len(frames)], client.dest)
        try:
            data = rx.recv(65536)
        except TimeoutError:
            lost += 1
            continue
        times.append((time.perf_counter() - t0) * 1e6)
        answers.append((k % len(frames), data))
    return times, answers, lost


def mae(answers: list[tuple[int, bytes]], want: np.ndarray) -> float:
    from pythonosc.osc_message import OscMessage

    errors = [abs(OscMessage(data).params[0] - want[i]) for i, data in answers]
    return float(np.mean(errors)) if errors else float("nan")


def mapper_peer(client: Client, source: bool) -> Peer:
    args = ["--source", "gyrosc"] if source else ["--inputs", "3"]
    cmd = [
        *mapper_command(), "headless", "--quiet", *args, "--outputs", "1",
        "--model", "knn", "--listen", "127.0.0.1:0", "--send", f"127.0.0.1:{client.port}",
    ]  # fmt: skip
    return Peer(cmd, client)


def teach(client: Client, address: str, X: np.ndarray, y: np.ndarray) -> None:
    client.send("/mapper/control/setModel", [1, "knn", "k", 1])
    client.send("/wekinator/control/startRecording")
    for x, target in zip(X.tolist(), y.tolist()):
        client.send("/wekinator/control/outputs", [float(target)])
        client.wait_for("/wek/outputs", 5.0)
        client.send(address, x)
    client.send("/wekinator/control/stopRecording")
    client.send("/wekinator/control/train")
    client.wait_for("/wekinator/status/done-training", 60.0)
    client.send("/wekinator/control/startRunning")
    client.drain()


def run(rate: float, count: int) -> dict[str, Any]:
    rng = np.random.default_rng(3)
    X, Xt = rng.uniform(-1, 1, (EXAMPLES, 3)), rng.uniform(-1, 1, (256, 3))
    y, want = truth(X), truth(Xt)
    results: dict[str, Any] = {"rate": rate, "frames": count, "load": os.getloadavg()[0]}
    client = Client()
    try:
        echo = subprocess.Popen([sys.executable, "-c", ECHO, str(client.port)],
                                stdout=subprocess.PIPE, text=True)  # fmt: skip
        try:
            assert echo.stdout is not None
            client.dest = ("127.0.0.1", int(echo.stdout.readline()))
            frames = [encode_message("/wek/inputs", x, "fff") for x in Xt.tolist()]
            times, _, lost = paced(client, frames, rate, count)
            results["floor (UDP echo)"] = {**summary(times), "lost": lost}
        finally:
            echo.kill()
            echo.wait(10)
        for name, address, source in (
            ("/wek/inputs fff", "/wek/inputs", False),
            ("/gyrosc/gyro fff (--source gyrosc)", "/gyrosc/gyro", True),
        ):
            with mapper_peer(client, source):
                teach(client, address, X, y)
                frames = [encode_message(address, x, "fff") for x in Xt.tolist()]
                times, answers, lost = paced(client, frames, rate, count)
                results[name] = {**summary(times), "lost": lost, "mae": mae(answers, want)}
    finally:
        client.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="frames a second (200)")
    parser.add_argument("--frames", type=int, default=2000, help="timed frames per peer (2000)")
    args = parser.parse_args(argv)
    r = run(args.rate, args.frames)
    cpu = os.cpu_count()
    print(f"paced at {r['rate']:g} frames/s, {r['frames']} frames per peer, {cpu} CPUs, "
          f"load {r['load']:.2f}; kNN k=1 on {EXAMPLES} examples")  # fmt: skip
    floor = r["floor (UDP echo)"]["median_us"]
    for name, s in r.items():
        if not isinstance(s, dict):
            continue
        over = "" if name.startswith("floor") else f"  (+{s['median_us'] - floor:.0f} over floor)"
        quality = f"  MAE {s['mae']:.4f}" if "mae" in s else ""
        print(f"{name:36s} median {s['median_us']:6.0f} us  p99 {s['p99_us']:6.0f} us  "
              f"lost {s['lost']}{over}{quality}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
