"""Start-up: `mapper --help`, and `mapper headless` from launch until its port answers."""

from __future__ import annotations

import statistics
import subprocess
import time
from typing import Any

from benchmarks.client import Client
from benchmarks.peers import MapperPeer, mapper_command


def run(repeats: int = 5) -> dict[str, Any]:
    cmd = [*mapper_command(), "--help"]
    helps = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, timeout=60)
        helps.append(time.perf_counter() - t0)
    ready, answered = [], []
    for _ in range(max(1, repeats // 2)):
        client = Client()
        try:
            with MapperPeer(client, 8, 3, "continuous") as peer:
                ready.append(peer.ready_s)
                client.send("/wekinator/control/outputs", [0.5, 0.5, 0.5])
                client.wait_for("/wek/outputs", 10.0)
                answered.append(time.perf_counter() - peer.started)
        finally:
            client.close()
    return {
        "help": {"command": " ".join(cmd), "median_s": statistics.median(helps), "runs": helps},
        "headless": {
            "median_ready_s": statistics.median(ready),
            "median_answers_s": statistics.median(answered),
            "runs": answered,
        },
    }
