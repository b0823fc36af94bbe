"""The floor under every Python peer: a bare UDP echo server in Python, timed by the same
client with the same frames. Nothing written in Python can answer faster on this machine at
this moment, so it is printed beside mapper's figures (the machine's speed drifts)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np

from benchmarks.client import Client, summary
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


def run(frames: int, warmup: int, inputs: int = 8) -> dict[str, Any]:
    """Median, p99, max and lost of `frames` round trips through the echo server."""
    rng = np.random.default_rng(1)
    messages = [
        encode_message("/wek/inputs", x.tolist(), "f" * inputs) for x in rng.random((256, inputs))
    ]
    client = Client()
    echo = subprocess.Popen(
        [sys.executable, "-c", ECHO, str(client.port)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert echo.stdout is not None
        client.dest = ("127.0.0.1", int(echo.stdout.readline()))
        times, _, lost = client.latency(messages, frames, warmup)
    finally:
        echo.kill()
        echo.wait(10)
        client.close()
    return {**summary(times), "lost": lost, "frames": frames}
