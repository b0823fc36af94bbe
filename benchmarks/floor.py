"""The floor under every Python peer: a bare UDP echo server in Python, timed by the same
client with the same frames. Nothing written in Python can answer faster on this machine at
this moment, so it is printed beside mapper's figures (the machine's speed drifts).

Measured twice: as every peer is (the scheduler places client and server), and with the
client and the echo held on one CPU. The difference is what waking a process on another CPU
costs this machine; on a virtual machine that halts idle CPUs it is a large part of every
round trip, and no peer can avoid it without busy-waiting."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import numpy as np

from benchmarks.client import Client, Pace, summary
from mapper.osc.codec import encode_message

ECHO = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
back = ("127.0.0.1", int(sys.argv[1]))
while True:
    s.sendto(s.recv(65536), back)
"""


def can_share_one_cpu() -> bool:
    return hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) > 1


def run(
    frames: int, warmup: int, inputs: int = 8, one_cpu: bool = False, rate: float = 0.0
) -> dict[str, Any]:
    """Median, p99, max and lost of `frames` round trips through the echo server (`one_cpu`:
    the client and the echo both held on the client's first allowed CPU), back to back, or
    paced at `rate` frames a second when it is above 0."""
    rng = np.random.default_rng(1)
    messages = [
        encode_message("/wek/inputs", x.tolist(), "f" * inputs) for x in rng.random((256, inputs))
    ]
    client = Client()
    allowed = os.sched_getaffinity(0) if one_cpu else set()
    pin = {min(allowed)} if one_cpu else set()
    echo = subprocess.Popen(
        [sys.executable, "-c", ECHO, str(client.port)],
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=(lambda: os.sched_setaffinity(0, pin)) if one_cpu else None,
    )
    try:
        if one_cpu:
            os.sched_setaffinity(0, pin)
        assert echo.stdout is not None
        client.dest = ("127.0.0.1", int(echo.stdout.readline()))
        pace = Pace(rate) if rate > 0 else None
        times, _, lost = client.latency(messages, frames, warmup, pace=pace)
    finally:
        if one_cpu:
            os.sched_setaffinity(0, allowed)
        echo.kill()
        echo.wait(10)
        client.close()
    return {**summary(times), "lost": lost, "frames": frames, **({"rate": rate} if rate else {})}
