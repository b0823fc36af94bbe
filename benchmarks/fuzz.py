"""Hostile input: a flood of malformed and abusive datagrams at a real `mapper headless`.

    python -m benchmarks.fuzz [--datagrams 100000] [--seed 1] [--only KIND ... | --skip KIND ...]
                              [--examples 40] [--behind-reps 3] [--json PATH]

Starts `mapper headless` on loopback in a temporary project folder (3 inputs, 2 outputs, the
default models, --allow-dir the temporary folder), teaches it a few examples over OSC and
runs it, then sends N datagrams of the kinds in KINDS, round-robin, in bursts paced by the
instrument's own receive queue (read from /proc/net/udp) so that the kernel does not simply
drop them. Meanwhile the instrument's memory (VmRSS) and thread count are sampled every 0.5 s.
After the flood: how long until it is quiet again, whether it still answers a normal frame
within 1 s, then, with it idle, how long a normal frame sent right after one datagram of each
kind waits for its answer ("behind one"), its counters (from its status line on stdout), and
how long it takes to exit on SIGTERM. Prints a table and writes the figures, with the machine,
its load and the tree measured, as JSON.

Every loop is bounded in count and in time. A stalled or dying instrument is reported, not
waited for: the flood stops early when the instrument exits, passes --max-threads threads or
--max-rss-mb of memory (guards for the machine it shares), after --max-seconds, or on SIGINT
or SIGTERM (the rest still runs and reports); an answer that does not come within its timeout
is 'no answer'; an instrument that does not exit within --exit-timeout seconds of SIGTERM is
killed.

The helpers here (Headless, Listener, proc_status, udp_socket) are shared with
benchmarks/soak.py.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import math
import os
import random
import re
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks import machine
from benchmarks.peers import mapper_command
from mapper.osc.codec import (
    OSCDecodeError,
    encode_bundle,
    encode_message,
    message_prefix,
    parse_packet,
)

RECEIVE_BUFFER = 4 * 1024 * 1024
MAX_DATAGRAM = 65_000  # under IPv4's 65,507-byte UDP payload
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


# ---- the hostile datagrams -------------------------------------------------------------------

FRAME = encode_message("/wek/inputs", [0.5, 0.5, 0.5], "fff")
ESCAPES = ("\x1b[2J", "\x1b[31m", "\x1b]0;owned\x07", "\x1b[1;1H", "\r", "\x07",
           "\u009b31m", "\x1b[6n", "\x1bP+q\x1b\\", "\x1b]52;c;aGk=\x07")  # fmt: skip
HARMLESS_CONTROLS = (  # valid messages to cut short: none may change what the instrument plays
    encode_message("/mapper/control/setModel", [1, "knn", "k", 3]),
    encode_message("/wekinator/control/setInputNames", ["a", "b", "c"]),
    encode_message("/wekinator/control/outputs", [0.25, 0.75], "ff"),
    encode_message("/mapper/control/nearest", [1]),
)


def _tag(value: Any) -> str:
    """Floats as float32 ('f') where they fit, else as doubles; the rest as encode_message
    infers them."""
    if isinstance(value, float):
        return "d" if math.isfinite(value) and abs(value) > 3.4e38 else "f"
    if isinstance(value, str):
        return "s"
    return "i" if -(2**31) <= value < 2**31 else "h"


def _pad(raw: bytes) -> bytes:
    return raw + b"\0" * (4 - (len(raw) & 3))


_NAN, _INF = math.nan, math.inf
_C, _W = "/mapper/control/", "/wekinator/control/"
# control messages with bad arguments; each must be refused (none may change the instrument)
BAD_CONTROLS: list[tuple[str, list[Any]]] = [
    (_C + "setLimits", [1, _NAN, 1.0]), (_C + "setLimits", [1, 0.0, _INF]),
    (_C + "setLimits", [1, 1.0, 0.0]), (_C + "setLimits", [99, 0.0, 1.0]),
    (_C + "setLimits", ["one", 0.0, 1.0]), (_C + "setLimits", [_NAN, 0.0, 1.0]),
    (_C + "setModel", [1, "nonsense"]), (_C + "setModel", [1, "knn", "k"]),
    (_C + "setModel", [1, "knn", "k", -5]), (_C + "setModel", [1, "knn", "k", "x"]),
    (_C + "setModel", [1, "knn", "bogus", 1]), (_C + "setModel", [0, "knn"]),
    (_C + "setModel", [1, 42]), (_C + "setModel", [1e300, "knn"]),
    (_C + "setModel", [1, "mlp", "hidden", -3]), (_C + "setModel", [1, "svm"]),
    (_W + "setInputNames", ["n"] * 10_000), (_W + "setInputNames", ["a"]),
    (_W + "setOutputNames", ["o"] * 10_000), (_W + "selectInputsForOutput", [1, 99]),
    (_W + "selectInputsForOutput", [1, _NAN]), (_W + "selectInputsForOutput", [1]),
    (_C + "setClasses", [1, 3]), (_C + "setSmoothing", [_NAN]), (_C + "setSmoothing", [-1]),
    (_C + "setSmoothing", [1e300]), (_C + "setCountIn", [_INF]), (_C + "setRecordFor", [_NAN]),
    (_W + "outputs", ["a", "b"]), (_W + "outputs", [_NAN, _NAN]), (_W + "outputs", [1.0]),
    (_W + "outputs", [_INF, 0.5]), (_W + "enableModelRunning", [0]),
    (_W + "disableModelRunning", [99]), (_W + "enableModelRecording", ["x"]),
    (_W + "deleteExamplesForOutput", [99]), (_C + "deleteRound", ["x"]),
    (_C + "deleteRound", [1e300]), (_C + "deleteExample", [1e300, 1]),
    (_C + "nearest", [99]), (_C + "evaluate", [99]), (_C + "evaluate", [_NAN]),
    (_C + "load", ["/etc"]), (_C + "load", [42]), (_C + "save", ["../../../etc/x"]),
    (_W + "runNewProject", ["/etc/passwd"]), (_W + "runNewProject", [""]),
]  # fmt: skip


class Hostile:
    """Makes the datagrams of each kind (seeded: the same seed, the same datagrams)."""

    def __init__(self, inputs: int, seed: int) -> None:
        self.inputs = inputs
        self.rng = random.Random(seed)
        self._nested: dict[int, bytes] = {}
        self._evaluate = encode_bundle([encode_message("/mapper/control/evaluate")] * 300)
        self._save = encode_bundle([encode_message("/mapper/control/save")] * 1800)
        self._tags_seen: set[int] = set()
        self._floats = struct.Struct(f">{inputs}f")
        self._frame_prefix = message_prefix("/wek/inputs", "f" * inputs)

    def frame(self, values: Sequence[float] | None = None, tags: str = "") -> bytes:
        if values is None:
            values = [self.rng.random() for _ in range(self.inputs)]
        return encode_message("/wek/inputs", list(values), tags or "f" * len(values))

    def random_bytes(self) -> bytes:
        return self.rng.randbytes(self.rng.randint(1, 512))

    def truncated(self) -> bytes:
        pool = (FRAME, self.frame(tags="d" * self.inputs), encode_bundle([FRAME] * 3),
                *HARMLESS_CONTROLS)  # fmt: skip
        whole = self.rng.choice(pool)
        return whole[: self.rng.randint(1, len(whole) - 1)]

    def unpadded_string(self) -> bytes:
        floats = struct.pack(">fff", 0.5, 0.5, 0.5)
        return self.rng.choice((
            b"/wek/inputs,fff" + floats,  # no NULs at all
            b"/wek/inputs\0,fff" + floats,  # address NUL-terminated, not padded
            b"/wek/inputs\0\0\0\0,fff" + floats,  # tag string unterminated
            _pad(b"/wekinator/control/setInputNames") + _pad(b",sss") + b"a\0b\0c",
            _pad(b"/mapper/control/load") + _pad(b",s") + b"/tmp/x",  # string runs off the end
            _pad(b"/wek/inputs") + _pad(b",fsf") + floats[:4] + b"abc" + floats[4:8],
        ))  # fmt: skip

    def bad_type_tag(self) -> bytes:
        floats = struct.pack(">fff", 0.5, 0.5, 0.5)
        return self.rng.choice((
            _pad(b"/wek/inputs") + _pad(b"fff") + floats,  # no ','
            _pad(b"/wek/inputs") + _pad(b",\xff\xfe\xfd") + floats,  # not ASCII
            _pad(b"/wek/inputs") + _pad(b",[fff]") + floats,  # arrays
            _pad(b"/wek/inputs") + _pad(b",ff\0f") + floats,  # NUL inside
            _pad(b"/wek/inputs") + b",fff",  # unterminated, nothing after
            _pad(b"/wek/inputs") + _pad(b",fff") + floats[:7],  # arguments cut
            _pad(b"/wek/inputs") + _pad(b",fff") + floats + b"\0\0\0\0",  # trailing bytes
        ))  # fmt: skip

    def unknown_type_tag(self) -> bytes:
        known = set("fdihtrcmTFNIsSb[],")
        letters = [chr(c) for c in range(33, 127) if chr(c) not in known]
        tags = ["f"] * self.inputs
        tags[self.rng.randrange(len(tags))] = self.rng.choice(letters)
        return _pad(b"/wek/inputs") + _pad(("," + "".join(tags)).encode()) + b"\0" * 4 * len(tags)

    def huge_address(self) -> bytes:
        n = self.rng.randint(50_000, MAX_DATAGRAM - 40)
        return encode_message("/" + "a" * n, [1.0], "f")[:MAX_DATAGRAM]

    def escape_address(self) -> bytes:
        junk = "".join(self.rng.choice(ESCAPES) for _ in range(self.rng.randint(1, 8)))
        return self.rng.choice((
            encode_message("/" + junk + "/inputs", [0.5] * self.inputs),
            encode_message("/mapper/control/setModel", [1, junk + "knn"]),
            encode_message("/mapper/control/load", ["/" + junk]),
            encode_message("/wek/inputs", [junk] * self.inputs),
        ))  # fmt: skip

    def wrong_input_count(self) -> bytes:
        n = self.rng.choice([0, 1, self.inputs - 1, self.inputs + 1, 64, 1000, 5000])
        tags = self.rng.choice("fdih")
        values: list[Any] = [self.rng.randint(0, 9) if tags in "ih" else 0.5 for _ in range(n)]
        return encode_message("/wek/inputs", values, tags * n)

    def non_numbers(self) -> bytes:
        samples: dict[str, Any] = {"s": "1.0", "S": "sym", "b": b"\x00\x01", "T": True,
                                   "F": False, "N": None, "I": None, "c": "x", "m": b"\x90<d\0",
                                   "t": 1, "r": 0xFF0000FF}  # fmt: skip
        tags = ["f"] * self.inputs
        for k in self.rng.sample(range(self.inputs), self.rng.randint(1, self.inputs)):
            tags[k] = self.rng.choice(list(samples))
        values = [samples.get(t, 0.5) for t in tags]
        return encode_message("/wek/inputs", values, "".join(tags))

    def nan_inf(self) -> bytes:
        bad = [math.nan, math.inf, -math.inf]
        values = [self.rng.random() for _ in range(self.inputs)]
        for k in self.rng.sample(range(self.inputs), self.rng.randint(1, self.inputs)):
            values[k] = self.rng.choice(bad)
        if self.rng.random() < 0.2:  # a signalling NaN's bits, as a sensor could send them
            return (
                _pad(b"/wek/inputs")
                + _pad(b"," + b"f" * self.inputs)
                + (b"\x7f\x80\x00\x01" * self.inputs)
            )
        return self.frame(values, self.rng.choice("fd") * self.inputs)

    def huge_finite(self) -> bytes:
        big = 1e308
        return self.rng.choice((
            self.frame([big] * self.inputs, "d" * self.inputs),  # the sum overflows
            self.frame([big, -big] + [big] * (self.inputs - 2), "d" * self.inputs),  # it doesn't
            self.frame([sys.float_info.max, 0.5] + [0.5] * (self.inputs - 2), "d" * self.inputs),
            self.frame([3.4028234e38] * self.inputs, "f" * self.inputs),  # float32's largest
            self.frame([5e-324] * self.inputs, "d" * self.inputs),  # the smallest denormal
        ))  # fmt: skip

    def int_extremes(self) -> bytes:
        ints = (-(2**31), 2**31 - 1, 0, -1)
        longs = (-(2**63), 2**63 - 1, 2**53 + 1, -(2**53) - 1)
        if self.rng.random() < 0.5:
            return self.frame(
                [self.rng.choice(ints) for _ in range(self.inputs)], "i" * self.inputs
            )
        tags = "".join(self.rng.choice("ih") for _ in range(self.inputs))
        values = [self.rng.choice(ints if t == "i" else longs) for t in tags]
        return self.frame(values, tags)

    def nested_bundle(self) -> bytes:
        depth = self.rng.choice((1, 2, 16, 256, 1024, (MAX_DATAGRAM - len(FRAME)) // 20))
        if depth not in self._nested:
            size, headers = len(FRAME), []
            for _ in range(depth):  # innermost first; each level: '#bundle\0', timetag, size
                headers.append(b"#bundle\0" + struct.pack(">QI", 1, size))
                size += 20
            self._nested[depth] = b"".join(reversed(headers)) + FRAME
        data = self._nested[depth]
        if self.rng.random() < 0.25:  # an inner size that lies
            k = 16 + 20 * self.rng.randrange(depth)
            data = data[:k] + struct.pack(">I", self.rng.choice((0, 3, 1 << 30))) + data[k + 4 :]
        return data

    def frame_bundle(self) -> bytes:
        n = 1800 if self.rng.random() < 0.125 else self.rng.randint(1, 1800)
        rnd, pack, prefix = self.rng.random, self._floats.pack, self._frame_prefix
        k = self.inputs
        return encode_bundle([prefix + pack(*[rnd() for _ in range(k)]) for _ in range(n)])

    def evaluate_bundle(self) -> bytes:
        return self._evaluate  # 300 x /mapper/control/evaluate

    def save_bundle(self) -> bytes:
        return self._save  # 1,800 x /mapper/control/save

    def bad_controls(self) -> bytes:
        address, args = self.rng.choice(BAD_CONTROLS)
        return encode_message(address, args, "".join(_tag(a) for a in args))

    def huge_type_tags(self) -> bytes:
        """A distinct type-tag string every time (to grow any cache keyed by them): tens of
        thousands of argument-less tags (T F N I), or thousands of ints and floats with data."""
        while True:
            if self.rng.random() < 0.75:
                n = self.rng.randint(1000, MAX_DATAGRAM - 64)
                tags = "".join(self.rng.choices("TFNI", k=n))
                data = _pad(b"/x") + _pad(("," + tags).encode())
            else:
                n = self.rng.randint(500, (MAX_DATAGRAM - 64) // 5)
                tags = "".join(self.rng.choices("if", k=n))
                data = _pad(b"/wek/inputs") + _pad(("," + tags).encode()) + b"\0" * 4 * n
            key = hash(tags)
            if key not in self._tags_seen or len(self._tags_seen) > 1_000_000:
                self._tags_seen.add(key)
                return data

    def empty(self) -> bytes:
        return b""


KINDS: dict[str, tuple[str, Callable[[Hostile], bytes]]] = {
    "random-bytes": ("1..512 random bytes", Hostile.random_bytes),
    "truncated": ("a valid frame, bundle or control cut short", Hostile.truncated),
    "unpadded-string": ("strings not NUL-padded to 4 bytes", Hostile.unpadded_string),
    "bad-type-tag": ("no ',', not ASCII, arrays, NUL inside, cut args", Hostile.bad_type_tag),
    "unknown-type-tag": ("a tag letter OSC 1.0 does not define", Hostile.unknown_type_tag),
    "huge-address": ("an address of 50-65 KB", Hostile.huge_address),
    "escape-address": ("terminal escapes in addresses and strings", Hostile.escape_address),
    "wrong-input-count": ("/wek/inputs with 0..5,000 numbers", Hostile.wrong_input_count),
    "non-numbers": ("strings, blobs, T/F/N/I... where numbers go", Hostile.non_numbers),
    "nan-inf": ("NaN and infinities (f, d, signalling NaN)", Hostile.nan_inf),
    "huge-finite": ("1e308 (sums overflow), float32 max, denormals", Hostile.huge_finite),
    "int-extremes": ("i and h at their extremes", Hostile.int_extremes),
    "nested-bundle": ("bundles nested 1..3,200 deep, some sizes lying", Hostile.nested_bundle),
    "frame-bundle": ("a bundle of 1..1,800 input frames", Hostile.frame_bundle),
    "evaluate-bundle": ("a bundle of 300 /mapper/control/evaluate", Hostile.evaluate_bundle),
    "save-bundle": ("a bundle of 1,800 /mapper/control/save", Hostile.save_bundle),
    "bad-controls": ("controls with bad arguments (NaN, 10,000 names...)", Hostile.bad_controls),
    "huge-type-tags": ("distinct type-tag strings of up to 65,000 tags", Hostile.huge_type_tags),
    "empty": ("empty datagrams", Hostile.empty),
}


# ---- the run ---------------------------------------------------------------------------------


def training_examples(inputs: int, outputs: int, seed: int, n: int = 40) -> list[tuple[list, list]]:
    """Four poses, n / 4 frames each: a small instrument, as a performer would record it."""
    rng = random.Random(seed)
    out = []
    for pose in range(4):
        centre = [rng.random() for _ in range(inputs)]
        target = [(pose + 0.5) / 4 if j == 0 else rng.random() for j in range(outputs)]
        for _ in range(max(1, n // 4)):
            out.append(([x + rng.uniform(-0.02, 0.02) for x in centre], target))
    return out


def flood(
    headless: Headless,
    sampler: Sampler,
    kinds: Sequence[str],
    n: int,
    seed: int,
    inputs: int,
    max_seconds: float,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """Send `n` datagrams round-robin over `kinds`, in bursts, waiting while the instrument's
    receive queue holds more than HIGH bytes (at most WAIT s at a time)."""
    high, low, wait, burst_bytes, burst = 1 << 20, 256 << 10, 2.0, 256 << 10, 32
    make = Hostile(inputs, seed)
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tx.setblocking(False)
    dest = ("127.0.0.1", headless.port)
    per_kind = {k: {"sent": 0, "accepted": 0, "bytes": 0, "make_s": 0.0} for k in kinds}
    refused: dict[str, int] = {}
    before = headless.socket() or {}
    waited = gave_up = 0.0
    t0 = time.perf_counter()
    last_log = t0
    since_check = 0
    stopped = ""
    try:  # SIGINT (or SIGTERM, see main) ends the flood; the rest still runs and reports
        for i in range(n):
            if sampler.tripped.is_set():
                stopped = sampler.reason
                break
            now = time.perf_counter()
            if now - t0 > max_seconds:
                stopped = f"--max-seconds {max_seconds:g} passed"
                break
            kind = kinds[i % len(kinds)]
            row = per_kind[kind]
            m0 = time.perf_counter()
            data = KINDS[kind][1](make)
            row["make_s"] += time.perf_counter() - m0
            row["sent"] += 1
            try:
                tx.sendto(data, dest)
                row["accepted"] += 1
                row["bytes"] += len(data)
            except OSError as e:
                name = errno.errorcode.get(e.errno or 0, str(e.errno))
                refused[name] = refused.get(name, 0) + 1
            since_check += len(data) + 256
            if since_check >= burst_bytes or (i + 1) % burst == 0:
                since_check = 0
                q = headless.socket()
                if q is not None and q["queued"] > high:  # let the instrument catch up
                    w0 = time.perf_counter()
                    while q is not None and q["queued"] > low and not sampler.tripped.is_set():
                        if time.perf_counter() - w0 > wait:
                            gave_up += 1
                            break
                        time.sleep(0.002)
                        q = headless.socket()
                    waited += time.perf_counter() - w0
                else:
                    time.sleep(0.0002)
            if now - last_log > 10:
                last_log = now
                s = headless.sample() or {}
                log(f"  {i:,} sent, {now - t0:.0f} s, RSS {s.get('rss_mb', 0):.0f} MB, "
                    f"{s.get('threads', 0):.0f} threads")  # fmt: skip
    except KeyboardInterrupt:
        stopped = "interrupted"
    seconds = time.perf_counter() - t0
    tx.close()
    after = headless.socket() or {}
    sent = sum(r["sent"] for r in per_kind.values())
    return {
        "sent": sent,
        "accepted": sum(r["accepted"] for r in per_kind.values()),
        "bytes": sum(r["bytes"] for r in per_kind.values()),
        "seconds": seconds,
        "per_s": sent / seconds if seconds > 0 else 0.0,
        "stopped_early": stopped,
        "refused_by_kernel": refused,
        "dropped_at_instrument": after.get("drops", 0) - before.get("drops", 0)
        if before and after
        else None,
        "waited_for_instrument_s": waited,
        "waits_given_up": int(gave_up),
        "per_kind": per_kind,
    }


def run(args: argparse.Namespace, log: Callable[[str], None]) -> dict[str, Any]:
    kinds = [k for k in KINDS if k not in set(args.skip) and (not args.only or k in args.only)]
    if not kinds:
        raise RuntimeError("no kinds left to send (--only, --skip)")
    results: dict[str, Any] = {
        "benchmark": "fuzz",
        "machine": machine.describe(),
        "tree": tree_state(),
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "settings": {
            "datagrams": args.datagrams,
            "seed": args.seed,
            "inputs": args.inputs,
            "outputs": args.outputs,
            "examples": args.examples,
            "kinds": kinds,
            "skipped": list(args.skip),
            "max_threads": args.max_threads,
            "max_rss_mb": args.max_rss_mb,
            "max_seconds": args.max_seconds,
            "settle_s": args.settle,
        },
        "kinds": {k: KINDS[k][0] for k in kinds},
        "load": {"before": machine.load()},
    }
    with tempfile.TemporaryDirectory(prefix="mapper-fuzz-") as tmp:
        listener = Listener()
        headless = Headless(Path(tmp), args.inputs, args.outputs, listener.port)
        sampler: Sampler | None = None
        tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        dest = ("127.0.0.1", headless.port)

        def send(data: bytes) -> None:
            tx.sendto(data, dest)

        try:
            results["ready_s"] = headless.ready_s
            log(f"teaching (ready in {headless.ready_s:.2f} s)")
            examples = training_examples(args.inputs, args.outputs, args.seed, args.examples)
            results["training_s"] = teach(headless, listener, send, examples)
            results["examples"] = len(examples)
            normal = encode_message("/wek/inputs", [0.5] * args.inputs, "f" * args.inputs)
            rtt, _ = listener.probe(lambda: send(normal), 2.0)
            if rtt is None:
                raise RuntimeError(f"the trained instrument does not answer\n"
                                   f"{headless.stderr_tail()}")  # fmt: skip
            time.sleep(1.2)  # a status line after training
            results["before"] = {**(headless.sample() or {}), "round_trip_ms": rtt * 1e3,
                                 "counters": headless.counters()}  # fmt: skip
            sampler = Sampler(headless, 0.5, args.max_threads, args.max_rss_mb).start()
            outputs_before = listener.outputs
            log(f"flood: {args.datagrams:,} datagrams, {len(kinds)} kinds (load {machine.load()})")
            results["flood"] = flood(headless, sampler, kinds, args.datagrams, args.seed,
                                     args.inputs, args.max_seconds, log)  # fmt: skip
            results["load"]["after flood"] = machine.load()
            results["after"] = after_flood(headless, listener, sampler, send, normal, args, log)
            if args.behind_reps > 0 and headless.alive():
                results["behind_one"] = behind_one(headless, listener, send, kinds, args, log)
            results["received"] = {
                "outputs during and after the flood": listener.outputs - outputs_before,
                "outputs not finite": listener.non_finite,
                "first non-finite outputs": listener.non_finite_example,
                "other addresses": dict(listener.by_address),
            }
        finally:
            if sampler is not None:
                sampler.stop()
                results["peak"] = {"rss_mb": sampler.peak_rss_mb, "threads": sampler.peak_threads}
                every = max(1, len(sampler.timeline) // 400)
                results["timeline"] = list(sampler.timeline)[::every]
            log("SIGTERM")
            results["exit"] = headless.stop(args.exit_timeout)
            results["stderr"] = stderr_summary(headless.stderr_path)
            results["status_lines"] = [
                f"{t:7.1f} s  {line}" for t, line in list(headless.lines)[-300:]
            ]
            results["project_after"] = project_summary(headless.folder)
            headless.close()
            listener.close()
            tx.close()
    results["load"]["after"] = machine.load()
    return results


def after_flood(
    headless: Headless,
    listener: Listener,
    sampler: Sampler,
    send: Callable[[bytes], None],
    normal: bytes,
    args: argparse.Namespace,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """Wait (at most --settle s) until the instrument has read its receive queue and sent no
    /wek/outputs for 0.5 s, then time 20 round trips of a normal frame (1 s timeout each)."""
    out: dict[str, Any] = {"alive_at_end_of_flood": headless.alive()}
    t0 = time.perf_counter()
    settled = False
    while time.perf_counter() - t0 < args.settle and headless.alive():
        q = headless.socket()
        if (q is None or q["queued"] == 0) and listener.quiet_for() > 0.5:
            settled = True
            break
        time.sleep(0.05)
    out["settled"] = settled
    out["settle_s"] = time.perf_counter() - t0
    log(f"settled: {settled} after {out['settle_s']:.1f} s; probing")
    rtts: list[float] = []
    finite = True
    for _ in range(20):
        if not headless.alive():
            break
        rtt, values = listener.probe(lambda: send(normal), 1.0)
        if rtt is not None:
            rtts.append(rtt * 1e3)
            finite = finite and all(math.isfinite(v) for v in values)
        time.sleep(0.05)
    out["probes"] = 20
    out["answered"] = len(rtts)
    out["round_trip_ms"] = {
        "median": statistics.median(rtts), "max": max(rtts), "first": rtts[0]
    } if rtts else "no answer"  # fmt: skip
    out["answers_finite"] = finite if rtts else None
    out["alive"] = headless.alive() and bool(rtts)
    time.sleep(1.2)  # the status line after everything
    out["counters"] = headless.counters()
    out.update(headless.sample() or {"rss_mb": None, "threads": None, "cpu_s": None})
    out["peak_rss_mb"], out["peak_threads"] = sampler.peak_rss_mb, sampler.peak_threads
    return out


def wait_idle(headless: Headless, limit: float) -> float | None:
    """Wait until the instrument's receive queue is empty and it used under 10 % of a core
    over 0.1 s (no evaluation or save still running): seconds waited, None after `limit`."""
    t0 = time.perf_counter()
    before = headless.sample()
    while before is not None and time.perf_counter() - t0 < limit:
        time.sleep(0.1)
        now = headless.sample()
        q = headless.socket()
        if now is None:
            break
        if now["cpu_s"] - before["cpu_s"] < 0.011 and (q is None or q["queued"] == 0):
            return time.perf_counter() - t0
        before = now
    return None


def behind_one(
    headless: Headless,
    listener: Listener,
    send: Callable[[bytes], None],
    kinds: Sequence[str],
    args: argparse.Namespace,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """What a performer's next frame waits behind one hostile datagram: for each kind, with
    the instrument idle, one datagram of it and at once a normal frame, timed until that
    frame's answer (recognised by its values, learned first at idle; 3 s timeout)."""
    values = ([0.25, 0.75] + [0.5] * args.inputs)[: args.inputs]
    probe = encode_message("/wek/inputs", values, "f" * args.inputs)
    wait_idle(headless, 10.0)
    rtt, expect = listener.probe(lambda: send(probe), 1.0)
    if rtt is None:
        return {"skipped": "the instrument did not answer at idle"}
    log(f"behind one datagram of each kind ({args.behind_reps} each)")
    make = Hostile(args.inputs, args.seed + 1)
    out: dict[str, Any] = {"idle_ms": rtt * 1e3}
    for kind in kinds:
        times: list[float] = []
        lost = not_idle = 0
        for _ in range(args.behind_reps):
            if not headless.alive():
                break
            if wait_idle(headless, 10.0) is None:
                not_idle += 1
            data = KINDS[kind][1](make)

            def both(data: bytes = data) -> None:
                send(data)
                send(probe)

            took = listener.answer_to(both, expect, 3.0)
            if took is None:
                lost += 1
            else:
                times.append(took * 1e3)
        out[kind] = {
            "median_ms": statistics.median(times) if times else None,
            "max_ms": max(times) if times else None,
            "no_answer": lost,
            "not_idle_before": not_idle,
        }
    return out


def stderr_summary(path: Path) -> dict[str, Any]:
    """How much the instrument wrote to stderr, whether raw terminal escapes reached it, and
    its first lines (shortened)."""
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    text = data.decode("utf-8", "replace")
    lines = text.splitlines()
    return {
        "bytes": len(data),
        "lines": len(lines),
        "escape_bytes": data.count(b"\x1b"),
        "c1_csi": text.count("\u009b"),
        "longest_line": max((len(line) for line in lines), default=0),
        "tracebacks": text.count("Traceback"),
        "head": [ascii(line)[:200] for line in lines[:40]],
    }


def project_summary(folder: Path) -> dict[str, Any]:
    """What the instrument left in its folder: files, and whether project.json still reads."""
    out: dict[str, Any] = {"files": sorted(p.name for p in folder.iterdir())
                           if folder.is_dir() else []}  # fmt: skip
    try:
        project = json.loads((folder / "project.json").read_text())
        out["project_json_reads"] = True
        out["inputs"] = project.get("inputs")
    except (OSError, ValueError) as e:
        out["project_json_reads"] = False
        out["error"] = str(e)
    with contextlib.suppress(OSError):
        out["example_rows"] = len((folder / "examples.csv").read_text().splitlines()) - 1
    siblings = [p.name for p in folder.parent.iterdir() if p.is_dir() and p != folder]
    out["other_folders_created"] = siblings
    return out


def print_report(r: dict[str, Any]) -> None:
    m, f = r["machine"], r.get("flood", {})
    print(f"\nfuzz: mapper headless under hostile input ({m['cores']} cores, {m['cpu']}; "
          f"load before {r['load'].get('before')}, after {r['load'].get('after')})")  # fmt: skip
    behind = r.get("behind_one", {})
    if f:
        print(f"\n{'kind':<18} {'sent':>8} {'accepted':>9} {'MB':>8} {'behind one (ms)':>16}  what")
        for kind, row in f["per_kind"].items():
            print(f"{kind:<18} {row['sent']:>8,} {row['accepted']:>9,} "
                  f"{row['bytes'] / 1e6:>8.1f} {_behind(behind.get(kind)):>16}  "
                  f"{r['kinds'][kind]}")  # fmt: skip
        print(f"{'all':<18} {f['sent']:>8,} {f['accepted']:>9,} {f['bytes'] / 1e6:>8.1f} "
              f"{'':>16}  in {f['seconds']:.1f} s ({f['per_s']:,.0f}/s)")  # fmt: skip
        if "idle_ms" in behind:
            print(f"behind one: a normal frame's round trip sent right after one datagram of "
                  f"the kind, median / max (idle: {behind['idle_ms']:.2f} ms)")  # fmt: skip
        if f["stopped_early"]:
            print(f"flood stopped early: {f['stopped_early']}")
    before, after, peak = r.get("before", {}), r.get("after", {}), r.get("peak", {})
    rows = [
        ("kernel: refused at send / dropped at the instrument",
         f"{f.get('refused_by_kernel') or 0} / {f.get('dropped_at_instrument')}"),
        ("waited for the instrument's queue", f"{f.get('waited_for_instrument_s', 0):.1f} s "
         f"({f.get('waits_given_up', 0)} waits gave up after 2 s)"),
        ("RSS before / peak / after (MB)", f"{_num(before.get('rss_mb'))} / "
         f"{_num(peak.get('rss_mb'))} / {_num(after.get('rss_mb'))}"),
        ("threads before / peak / after", f"{_num(before.get('threads'), 0)} / "
         f"{_num(peak.get('threads'), 0)} / {_num(after.get('threads'), 0)}"),
        ("instrument CPU during the run", f"{_num(after.get('cpu_s'))} s"),
        ("quiet again after the flood", f"{after.get('settled')} in "
         f"{_num(after.get('settle_s'))} s"),
        ("round trip after (20 normal frames)", f"{after.get('answered', 0)}/20 answered, "
         f"{_rtt(after.get('round_trip_ms'))}; finite: {after.get('answers_finite')}"),
    ]  # fmt: skip
    counters = after.get("counters", {})
    for key in COUNTERS:
        if key in counters:
            rows.append((f"counter: {key}", f"{counters[key]:,}"))
    rec = r.get("received", {})
    if rec:
        rows.append(("/wek/outputs received (not finite)",
                     f"{rec['outputs during and after the flood']:,} "
                     f"({rec['outputs not finite']:,})"))  # fmt: skip
        ev = rec["other addresses"].get("/mapper/evaluation", 0)
        rows.append(("/mapper/evaluation answers received", f"{ev:,}"))
    ex, err = r.get("exit", {}), r.get("stderr", {})
    if ex:
        rows.append(("exit after SIGTERM", f"{ex['exit_s']:.2f} s, code {ex['returncode']}"
                     + (" (killed)" if ex.get("killed") else "")))  # fmt: skip
    if err:
        rows.append(("stderr: bytes, lines, ESC bytes, tracebacks",
                     f"{err['bytes']:,}, {err['lines']:,}, {err['escape_bytes']:,}, "
                     f"{err['tracebacks']}"))  # fmt: skip
    pa = r.get("project_after", {})
    if pa:
        rows.append(("project folder after", f"reads: {pa.get('project_json_reads')}, "
                     f"{pa.get('example_rows')} example rows, other folders "
                     f"{pa.get('other_folders_created')}"))  # fmt: skip
    print()
    for label, value in rows:
        print(f"{label:<52} {value}")


def _behind(cell: dict[str, Any] | None) -> str:
    if not cell:
        return "-"
    if cell["median_ms"] is None:
        return "no answer"
    text = f"{cell['median_ms']:.1f} / {cell['max_ms']:.1f}"
    return text + (f" ({cell['no_answer']} lost)" if cell["no_answer"] else "")


def _num(x: Any, digits: int = 1) -> str:
    return "?" if x is None else f"{x:,.{digits}f}"


def _rtt(x: Any) -> str:
    if not isinstance(x, dict):
        return str(x)
    return f"median {x['median']:.2f} ms, max {x['max']:.2f} ms, first {x['first']:.2f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.fuzz", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--datagrams", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--inputs", type=int, default=3)
    parser.add_argument("--outputs", type=int, default=2)
    parser.add_argument("--examples", type=int, default=40,
                        help="examples taught before the flood, in 4 poses (40)")  # fmt: skip
    parser.add_argument("--skip", nargs="+", default=[], choices=list(KINDS), metavar="KIND",
                        help=f"leave these kinds out ({', '.join(KINDS)})")  # fmt: skip
    parser.add_argument("--only", nargs="+", default=[], choices=list(KINDS), metavar="KIND",
                        help="send only these kinds")  # fmt: skip
    parser.add_argument("--behind-reps", type=int, default=3,
                        help="after the flood, time a frame behind one datagram of each kind "
                        "this many times (3; 0: not at all)")  # fmt: skip
    parser.add_argument("--max-seconds", type=float, default=900.0,
                        help="stop the flood after this long (default 900)")  # fmt: skip
    parser.add_argument(
        "--max-threads",
        type=int,
        default=1000,
        help="stop the flood when the instrument has more threads (1000)",
    )
    parser.add_argument(
        "--max-rss-mb",
        type=float,
        default=4000.0,
        help="stop the flood when the instrument uses more memory (4000)",
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=60.0,
        help="after the flood, wait at most this long for quiet (60)",
    )
    parser.add_argument(
        "--exit-timeout",
        type=float,
        default=60.0,
        help="kill the instrument if SIGTERM has not stopped it by then (60)",
    )
    parser.add_argument("--json", type=Path, default=Path("benchmarks/fuzz.json"))
    args = parser.parse_args(argv)

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # so the instrument is still stopped and the figures written

    signal.signal(signal.SIGTERM, interrupt)
    try:
        results = run(args, log)
    except RuntimeError as e:
        log(f"fuzz: {e}")
        return 2
    print_report(results)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
