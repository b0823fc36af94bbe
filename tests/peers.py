"""Real OSC peers for the integration tests: programs not written by us (liblo's tools, Pure
Data, ChucK) and `mapper headless` itself, each a subprocess whose output is read line by line.

Every process is started in its own session and killed with its group at the end of the test,
whatever happened; every wait is bounded in time.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
READY = re.compile(r"listening on 127\.0\.0\.1:(\d+) \(")


def need(program: str, package: str, in_ci: bool = True) -> str:
    """The path of `program`, or skip the test saying which Debian package provides it."""
    path = shutil.which(program)
    if path is None:
        ci = ".ci/run installs it when it can" if in_ci else ".ci/run does not install it"
        pytest.skip(
            f"{program} not found: install Debian's {package} (`apt-get install {package}`; {ci})"
        )
    return path


def free_udp_port() -> int:
    """A UDP port on 127.0.0.1 free right now (for peers that cannot be told to use port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LineReader:
    """A process's output read line by line on its own thread, so that no wait blocks for
    longer than its timeout. `lines` keeps every line taken so far, in order."""

    def __init__(self, stream: IO[str], strip: bool = True) -> None:
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._strip = strip
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self._queue.put(line.rstrip("\n") if self._strip else line)
        self._queue.put(None)

    def until(self, test: Callable[[str], bool], timeout: float) -> tuple[str | None, bool]:
        """Take lines up to the first for which `test` is true: (that line, False); (None, True)
        when the output ended first, (None, False) when `timeout` passed first."""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=remaining)
            except queue.Empty:
                break
            if line is None:
                self._queue.put(None)  # stays at the end for the next caller
                return None, True
            self.lines.append(line)
            if test(line):
                return line, False
        return None, False

    def drain(self, quiet: float) -> None:
        """Take what is left, until the output ends or `quiet` seconds pass without a line."""
        for _ in range(100_000):
            if self.until(lambda _: True, quiet)[0] is None:
                return


class Peer:
    """One running program; its stdout and stderr together, one line at a time."""

    def __init__(self, args: Sequence[str], cwd: Path | None = None) -> None:
        self.args = list(args)
        self.proc = subprocess.Popen(
            self.args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=cwd,
            env=dict(os.environ, PYTHONUNBUFFERED="1"),
            start_new_session=True,  # its own process group, killed as a whole at the end
        )
        assert self.proc.stdout is not None
        self.output = LineReader(self.proc.stdout)
        self.lines = self.output.lines

    @property
    def name(self) -> str:
        return Path(self.args[0]).name

    def wait_for(self, match: str | Callable[[str], bool], timeout: float = 10.0) -> str:
        """The next line containing `match` (or for which it is true); fails after `timeout`."""
        test = match if callable(match) else (lambda line: match in line)
        line, ended = self.output.until(test, timeout)
        if line is not None:
            return line
        if ended:
            pytest.fail(f"{self.name} exited ({self.proc.wait()}) first; it said: {self.said}")
        pytest.fail(f"{self.name}: no line matching {match!r} within {timeout} s: {self.said}")

    @property
    def said(self) -> str:
        return "\n".join(self.lines[-40:])

    def wait(self, timeout: float = 10.0) -> int:
        """Wait for it to end by itself; returns the exit code (fails the test after `timeout`)."""
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{self.name} still running after {timeout} s: {self.said}")
        self._collect()
        return code

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int:
        """Signal the whole process group, wait, kill if needed; returns the exit code."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, sig)
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=timeout)
            except ProcessLookupError:
                pass
        self._collect()
        return self.proc.wait()

    def _collect(self) -> None:
        """Keep whatever it printed before it stopped (bounded)."""
        self.output.drain(quiet=2)


class Peers:
    """Starts peers for one test and stops every one of them at its end."""

    def __init__(self) -> None:
        self.started: list[Peer] = []

    def start(self, *args: str, cwd: Path | None = None) -> Peer:
        peer = Peer(args, cwd)
        self.started.append(peer)
        return peer

    def mapper(self, *args: str, send_port: int) -> tuple[Peer, int]:
        """`mapper headless` on a free loopback port, sending to `send_port`; (peer, its port)."""
        peer = self.start(
            sys.executable,
            "-m",
            "mapper",
            "headless",
            "--listen",
            "127.0.0.1:0",
            "--send",
            f"127.0.0.1:{send_port}",
            *args,
            cwd=REPO,
        )
        match = READY.search(peer.wait_for("listening on", timeout=60))
        assert match, peer.said
        return peer, int(match.group(1))

    def stop_all(self) -> None:
        for peer in reversed(self.started):
            with contextlib.suppress(ProcessLookupError):  # its group, even if it has exited
                os.killpg(peer.proc.pid, signal.SIGKILL)
            peer.proc.wait(timeout=10)


def running_peers() -> Iterator[Peers]:
    """The body of each test file's `peers` fixture: every peer is killed at the end."""
    p = Peers()
    try:
        yield p
    finally:
        p.stop_all()
