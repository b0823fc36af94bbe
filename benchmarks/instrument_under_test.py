"""The instrument under test for the hostile-input benchmarks (benchmarks/fuzz.py,
benchmarks/soak.py): a real `mapper headless` on loopback, what /proc says about it (memory,
threads, its socket's queue), a listener for its outputs, a sampler, and teaching it examples.
"""

from __future__ import annotations

import math
import os
import re
import signal
import socket
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.peers import mapper_command
from mapper.osc.codec import (
    OSCDecodeError,
    encode_message,
    parse_packet,
)

RECEIVE_BUFFER = 4 * 1024 * 1024
READY = re.compile(r"listening on 127\.0\.0\.1:(\d+)")
STATUS_COUNT = re.compile(r"^([a-z][a-z ]*?) (\d+)(?: \(last: (.*)\))?$")
COUNTERS = ("rejected", "malformed", "unknown addresses", "control errors", "control dropped",
            "internal errors", "save errors", "send errors")  # fmt: skip
SAVED = re.compile(r"^saved (.*) \((\d+) examples\)$")
OUTPUTS = "/wek/outputs"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


# ---- the instrument under test, and what /proc says about it -------------------------------


def proc_status(pid: int) -> dict[str, float] | None:
    """VmRSS (MB), thread count and CPU seconds of a live process; None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    out: dict[str, float] = {"rss_mb": 0.0, "threads": 0.0, "cpu_s": 0.0}
    for line in text.splitlines():
        if line.startswith("VmRSS:"):
            out["rss_mb"] = int(line.split()[1]) / 1024
        elif line.startswith("Threads:"):
            out["threads"] = int(line.split()[1])
        elif line.startswith("State:") and line.split()[1] == "Z":
            return None  # exited, not yet reaped
    fields = stat.rsplit(")", 1)[-1].split()  # after the command name, which may hold spaces
    if len(fields) > 12:
        out["cpu_s"] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime
    return out


def udp_socket(port: int) -> dict[str, int] | None:
    """The kernel's view of the IPv4 UDP socket bound to 127.0.0.1:port (/proc/net/udp):
    bytes waiting in its receive queue and datagrams dropped at it. None where unknown."""
    want = f"0100007F:{port:04X}"
    try:
        with open("/proc/net/udp") as f:
            for line in f:
                cols = line.split()
                if len(cols) > 12 and cols[1] == want:
                    return {"queued": int(cols[4].split(":")[1], 16), "drops": int(cols[12])}
    except (OSError, ValueError):
        pass
    return None


class Headless:
    """`mapper headless` in `folder`/instrument (created from the counts), listening on a free
    loopback port and sending to `send_port`; its stdout is read by a thread (status lines,
    with the time each arrived), its stderr goes to a file (a pipe nobody reads would fill up
    and block it)."""

    def __init__(
        self,
        folder: Path,
        inputs: int,
        outputs: int,
        send_port: int,
        extra: Sequence[str] = (),
        timeout: float = 60.0,
    ) -> None:
        self.folder = folder / "instrument"
        cmd = [
            *mapper_command(), "headless", str(self.folder),
            "--inputs", str(inputs), "--outputs", str(outputs),
            "--listen", "127.0.0.1:0", "--send", f"127.0.0.1:{send_port}",
            "--allow-dir", str(folder), *extra,
        ]  # fmt: skip
        self.stderr_path = folder / "stderr.txt"
        self._stderr = open(self.stderr_path, "wb")  # noqa: SIM115 - closed in close()
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self._stderr)
        self.pid = self.proc.pid
        self.lines: deque[tuple[float, str]] = deque(maxlen=5000)
        self.line_count = 0
        self.status = ""  # the latest status line
        self.saved = ""  # the 'saved FOLDER (N examples)' line printed on exit
        self._ready = threading.Event()
        self.port = 0
        self._reader = threading.Thread(target=self._read, name="stdout", daemon=True)
        self._reader.start()
        if not self._ready.wait(timeout) or not self.port:
            err = self.stderr_tail()
            code = self.proc.poll()
            self.close(5.0)
            why = f"exited (code {code})" if code is not None else f"not ready in {timeout} s"
            raise RuntimeError(f"mapper headless {why}\n{err}")
        self.ready_s = time.perf_counter() - self.started

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:  # ends when the process closes its stdout
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.line_count += 1
            self.lines.append((time.perf_counter() - self.started, line))
            if not self.port and (m := READY.search(line)):
                self.port = int(m.group(1))
                self._ready.set()
            elif " | examples " in line:
                self.status = line
            elif SAVED.match(line):
                self.saved = line
        self._ready.set()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def sample(self) -> dict[str, float] | None:
        return proc_status(self.pid) if self.alive() else None

    def socket(self) -> dict[str, int] | None:
        return udp_socket(self.port)

    def counters(self) -> dict[str, Any]:
        return parse_status(self.status)

    def stderr_tail(self, n: int = 2000) -> str:
        self._stderr.flush()
        data = self.stderr_path.read_bytes()
        return data[-n:].decode("utf-8", "replace")

    def stop(self, timeout: float) -> dict[str, Any]:
        """SIGTERM, then wait up to `timeout` s for it to exit (SIGKILL after that)."""
        out: dict[str, Any] = {"already_exited": not self.alive()}
        t0 = time.perf_counter()
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
            out["killed"] = False
        except subprocess.TimeoutExpired:
            out["killed"] = True
            self.proc.kill()
            self.proc.wait(10)
        out["exit_s"] = time.perf_counter() - t0
        out["returncode"] = self.proc.returncode
        self._reader.join(5.0)
        out["saved_line"] = self.saved
        return out

    def close(self, timeout: float = 10.0) -> None:
        if self.alive():
            self.stop(timeout)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._stderr.close()


def tree_state() -> dict[str, Any]:
    """The commit measured and mapper's files that differ from it (read-only git calls)."""
    root = Path(__file__).resolve().parents[1]
    git = ["git", "--no-optional-locks", "-C", str(root)]
    try:
        head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10).stdout.strip()  # fmt: skip
        changed = subprocess.run([*git, "status", "--porcelain", "--", "mapper"],
                                 capture_output=True, text=True, timeout=10).stdout  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return {}
    return {"head": head, "mapper_changes": [line[3:] for line in changed.splitlines()]}


def parse_status(line: str) -> dict[str, Any]:
    """mapper headless's status line (mapper/cli/status_line.py) as numbers: `state |
    examples N | trained a/b | in X/s out Y/s | rejected N (last: ...) | label N ...`; the
    counters it leaves out (those at 0) are 0."""
    out: dict[str, Any] = {"line": line}
    if not line:
        return out
    parts = line.split(" | ")
    out["state"] = parts[0]
    for part in parts[1:]:
        if part.startswith("trained "):
            out["trained"] = part.split()[1]
        elif m := STATUS_COUNT.match(part):
            out[m.group(1)] = int(m.group(2))
            if m.group(3):
                out["last_reject"] = m.group(3)
    for label in COUNTERS:
        out.setdefault(label, 0)
    return out


class Listener:
    """A thread that reads everything the instrument sends to `port`: counts by address,
    /wek/outputs whose values are not finite, and the arrival of each /wek/outputs (so a
    probe can wait for the answer to its frame)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port: int = self.sock.getsockname()[1]
        self.by_address: dict[str, int] = {}
        self.outputs = 0
        self.non_finite = 0
        self.non_finite_example: list[float] = []
        self.last_output_at = time.perf_counter()
        self.last_values: tuple[Any, ...] = ()
        self.watch: tuple[Any, ...] | None = None  # outputs to look out for (see answer_to)
        self.watch_seen_at: float | None = None
        self.changed = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="listener", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        recv, clock = self.sock.recv, time.perf_counter
        while not self._stop.is_set():
            try:
                data = recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            now = clock()
            try:
                messages = parse_packet(data)
            except OSCDecodeError:
                messages = [("(malformed)", "", ())]
            for address, _, args in messages:
                if address == OUTPUTS:
                    if not all(isinstance(a, float) and math.isfinite(a) for a in args):
                        self.non_finite += 1
                        if not self.non_finite_example:
                            self.non_finite_example = [float(a) for a in args]
                    with self.changed:
                        self.outputs += 1
                        self.last_output_at = now
                        self.last_values = args
                        if args == self.watch and self.watch_seen_at is None:
                            self.watch_seen_at = now
                        self.changed.notify_all()
                else:
                    key = address if len(self.by_address) < 50 else "(other)"
                    self.by_address[key] = self.by_address.get(key, 0) + 1

    def probe(self, send: Callable[[], None], timeout: float) -> tuple[float | None, tuple]:
        """Send one frame (`send`) and wait for the next /wek/outputs: (round trip in s, its
        values), or (None, ()) when none came within `timeout`."""
        with self.changed:
            seen = self.outputs
            t0 = time.perf_counter()
            send()
            deadline = t0 + timeout
            while self.outputs == seen:
                left = deadline - time.perf_counter()
                if left <= 0:
                    return None, ()
                self.changed.wait(left)
            return self.last_output_at - t0, self.last_values

    def answer_to(
        self, send: Callable[[], None], expect: tuple[Any, ...], timeout: float
    ) -> float | None:
        """Call `send` (which sends other datagrams, then one frame whose answer is `expect`,
        outputs no other frame of the run gives) and wait for that answer: seconds from the
        call, or None when it did not come within `timeout`."""
        with self.changed:
            self.watch, self.watch_seen_at = expect, None
            t0 = time.perf_counter()
            send()
            deadline = t0 + timeout
            while self.watch_seen_at is None:
                left = deadline - time.perf_counter()
                if left <= 0:
                    break
                self.changed.wait(left)
            seen, self.watch = self.watch_seen_at, None
        return None if seen is None else seen - t0

    def quiet_for(self) -> float:
        """Seconds since the last /wek/outputs."""
        return time.perf_counter() - self.last_output_at

    def detach(self) -> socket.socket:
        """Stop the thread and hand over the socket (still bound, still the send target)."""
        self._stop.set()
        self._thread.join(2.0)
        return self.sock

    def close(self) -> None:
        self.detach()
        self.sock.close()


class Sampler:
    """A thread that reads the instrument's memory, threads and CPU every `every` seconds,
    keeps the peak and a timeline, and sets `tripped` (with the reason) when the instrument
    is gone or passes a guard."""

    def __init__(
        self,
        headless: Headless,
        every: float,
        max_threads: int = 0,
        max_rss_mb: float = 0.0,
    ) -> None:
        self.headless = headless
        self.every = every
        self.max_threads = max_threads
        self.max_rss_mb = max_rss_mb
        self.peak_rss_mb = 0.0
        self.peak_threads = 0
        self.timeline: deque[tuple[float, float, int]] = deque(maxlen=20_000)
        self.tripped = threading.Event()
        self.reason = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sampler", daemon=True)

    def start(self) -> Sampler:
        self._thread.start()
        return self

    def _loop(self) -> None:
        t0 = time.perf_counter()
        while True:
            s = self.headless.sample()
            if s is None:
                self.reason = self.reason or (
                    f"the instrument exited (code {self.headless.proc.poll()})"
                )
                self.tripped.set()
            else:
                self.peak_rss_mb = max(self.peak_rss_mb, s["rss_mb"])
                self.peak_threads = max(self.peak_threads, int(s["threads"]))
                self.timeline.append(
                    (round(time.perf_counter() - t0, 2), round(s["rss_mb"], 1), int(s["threads"]))
                )
                if self.max_threads and s["threads"] > self.max_threads and not self.reason:
                    self.reason = f"guard: {int(s['threads'])} threads > {self.max_threads}"
                    self.tripped.set()
                if self.max_rss_mb and s["rss_mb"] > self.max_rss_mb and not self.reason:
                    self.reason = f"guard: RSS {s['rss_mb']:.0f} MB > {self.max_rss_mb:.0f} MB"
                    self.tripped.set()
            if self._stop.wait(self.every) or s is None:
                return

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2.0)


def teach(
    headless: Headless,
    listener: Listener,
    send: Callable[[bytes], None],
    examples: Sequence[tuple[Sequence[float], Sequence[float]]],
    setup: Sequence[bytes] = (),
    timeout: float = 120.0,
) -> float:
    """Record `examples` ((inputs, outputs) pairs) over OSC in one round, train, run.

    Each example: the output values (echoed back as /wek/outputs, which paces the
    recording), then one input frame. `setup` messages go first (setModel...). Returns the
    training time (train sent -> done-training received); RuntimeError on a timeout."""
    for message in setup:
        send(message)
    send(encode_message("/wekinator/control/startRecording"))
    for x, y in examples:
        rtt, _ = listener.probe(
            lambda y=y: send(encode_message("/wekinator/control/outputs", list(y))), 5.0
        )
        if rtt is None:
            raise RuntimeError("the instrument did not echo /wekinator/control/outputs")
        send(encode_message("/wek/inputs", list(x)))
    send(encode_message("/wekinator/control/stopRecording"))
    done = "/wekinator/status/done-training"
    before = listener.by_address.get(done, 0)
    t0 = time.perf_counter()
    send(encode_message("/wekinator/control/train"))
    deadline = t0 + timeout
    while listener.by_address.get(done, 0) == before:
        if time.perf_counter() > deadline or not headless.alive():
            raise RuntimeError(f"no {done} within {timeout} s\n{headless.stderr_tail()}")
        time.sleep(0.01)
    took = time.perf_counter() - t0
    send(encode_message("/wekinator/control/startRunning"))
    return took
