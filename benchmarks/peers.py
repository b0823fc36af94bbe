"""The peers under test, each a real subprocess on loopback: `mapper headless`, the naive peer."""

from __future__ import annotations

import re
import selectors
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.client import Client

READY = re.compile(r"listening on 127\.0\.0\.1:(\d+)")


def mapper_command() -> list[str]:
    """The installed `mapper` command beside this Python, else `python -m mapper`."""
    script = Path(sys.executable).with_name("mapper")
    return [str(script)] if script.exists() else [sys.executable, "-m", "mapper"]


class Peer:
    """A subprocess that prints `listening on 127.0.0.1:PORT` when it is ready."""

    name = ""

    def __init__(self, cmd: Sequence[str], client: Client, timeout: float = 60.0) -> None:
        self.client = client
        self.started = time.perf_counter()
        # a stderr pipe nobody reads could fill up and block the peer: a file instead
        self.errors = tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen(
            list(cmd), stdout=subprocess.PIPE, stderr=self.errors, text=True
        )
        try:
            port = _ready_port(self.proc, timeout)
        except Exception as e:
            err = self.stderr()
            self.close()
            raise RuntimeError(f"{e}\n{err}") from None
        self.ready_s = time.perf_counter() - self.started
        self.dest = ("127.0.0.1", port)
        client.dest = self.dest

    def close(self) -> None:
        stop(self.proc)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self.errors.close()

    def stderr(self) -> str:
        """The last of what the peer wrote to its standard error."""
        self.errors.seek(0)
        return self.errors.read()[-2000:]

    def __enter__(self) -> Peer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def stop(proc: subprocess.Popen[Any]) -> None:
    """SIGTERM, and SIGKILL if it is still there after 10 s; then it is gone."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


class MapperPeer(Peer):
    """`mapper headless` with its outputs sent to the client."""

    name = "mapper"

    def __init__(self, client: Client, inputs: int, outputs: int, kind: str) -> None:
        cmd = [
            *mapper_command(), "headless", "--quiet",
            "--listen", "127.0.0.1:0", "--send", f"127.0.0.1:{client.port}",
            "--inputs", str(inputs), "--outputs", str(outputs),
            "--type", kind, "--classes", "3",
        ]  # fmt: skip
        super().__init__(cmd, client)
        self.outputs = outputs

    def teach(self, model: Sequence[object], X: np.ndarray, y: np.ndarray) -> float:
        """Set every output's model, record one example per row over OSC, train, run.

        Each example is the output values (sent, and echoed back as /wek/outputs, which paces
        the recording) followed by one input frame. Returns the training time in seconds, as
        the client sees it (train sent -> done-training received).
        """
        c = self.client
        for j in range(1, self.outputs + 1):
            c.send("/mapper/control/setModel", [j, *model])
        c.send("/wekinator/control/startRecording")
        for x, target in zip(X.tolist(), y.tolist()):
            c.send("/wekinator/control/outputs", [float(target)] * self.outputs)
            c.wait_for("/wek/outputs", 5.0)
            c.send("/wek/inputs", x)
        c.send("/wekinator/control/stopRecording")
        t0 = time.perf_counter()
        c.send("/wekinator/control/train")
        c.wait_for("/wekinator/status/done-training", 120.0)
        took = time.perf_counter() - t0
        c.send("/wekinator/control/startRunning")
        return took


class NaivePeer(Peer):
    """benchmarks/naive_peer.py: python-osc blocking server + scikit-learn predict."""

    name = "naive peer"

    def __init__(self, client: Client, model: str, examples: int, inputs: int, outputs: int):
        cmd = [
            sys.executable, "-m", "benchmarks.naive_peer", "--model", model,
            "--examples", str(examples), "--inputs", str(inputs), "--outputs", str(outputs),
            "--send", f"127.0.0.1:{client.port}",
        ]  # fmt: skip
        super().__init__(cmd, client)


def _ready_port(proc: subprocess.Popen[str], timeout: float) -> int:
    """Read the subprocess's stdout until its ready line (at most `timeout` s, 100 lines)."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        for _ in range(100):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not sel.select(remaining):
                break
            line = proc.stdout.readline()
            if not line:
                break
            match = READY.search(line)
            if match:
                return int(match.group(1))
    raise RuntimeError(f"{' '.join(map(str, proc.args))} did not become ready in {timeout} s")
