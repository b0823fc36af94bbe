"""The OSC client every peer is measured with: one frame at a time, or a paced stream.

It sends `/wek/inputs` from one loopback socket and receives `/wek/outputs` on another (the
peer's send target). The same client, byte for byte the same frames, plays to mapper and to the
naive peer. Every loop is bounded in count and in time.
"""

from __future__ import annotations

import socket
import statistics
import struct
import time
from collections.abc import Sequence
from typing import Any

from mapper.osc.codec import OSCDecodeError, encode_message, parse_packet

RECEIVE_BUFFER = 4 * 1024 * 1024
_TIMEVAL = struct.Struct("@ll")  # struct timeval: seconds, microseconds


class Pace:
    """A steady rate, as a sensor sends: `next()` sleeps until the next frame is due and
    returns the time it goes (a late frame goes at once, and the next one a period after it:
    never a burst to catch up)."""

    def __init__(self, rate: float) -> None:
        self.period = 1.0 / rate
        self.due = time.perf_counter()

    def next(self) -> float:
        wait = self.due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        now = time.perf_counter()
        self.due = max(self.due, now) + self.period
        return now


class Client:
    """Two loopback UDP sockets: `tx` sends to the peer, `rx` (port `port`) hears it."""

    def __init__(self) -> None:
        self.rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
        self.rx.bind(("127.0.0.1", 0))
        self.port: int = self.rx.getsockname()[1]
        self.tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.dest: tuple[str, int] = ("127.0.0.1", 0)

    def close(self) -> None:
        self.rx.close()
        self.tx.close()

    def send(self, address: str, args: Sequence[Any] = ()) -> None:
        self.tx.sendto(encode_message(address, list(args)), self.dest)

    def wait_for(self, address: str, timeout: float) -> tuple[Any, ...]:
        """The arguments of the next message to `address`, skipping others; raises on timeout."""
        deadline = time.monotonic() + timeout
        for _ in range(1_000_000):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self.rx.settimeout(remaining)
            try:
                data = self.rx.recv(65536)
            except TimeoutError:
                break
            for got, _, args in _messages(data):
                if got == address:
                    return args
        raise TimeoutError(f"no {address} within {timeout} s")

    def drain(self, quiet: float = 0.05, limit: float = 10.0) -> int:
        """Throw away what arrives until `quiet` seconds pass without a datagram."""
        self.rx.settimeout(quiet)
        deadline = time.monotonic() + limit
        n = 0
        while time.monotonic() < deadline:
            try:
                self.rx.recv(65536)
            except TimeoutError:
                break
            n += 1
        return n

    def latency(
        self,
        frames: Sequence[bytes],
        count: int,
        warmup: int,
        timeout: float = 1.0,
        pace: Pace | None = None,
    ) -> tuple[list[float], list[tuple[int, str, tuple[Any, ...]]], int]:
        """Send frames one at a time, each after the previous answer; time each answer.

        Back to back (no `pace`): each frame goes as soon as the last answer is in. With a
        `pace`, each also waits until it is due, as a sensor's frames come (a frame answered
        later than its period makes the next one go at once, never a burst).

        Returns the round-trip times in microseconds (after `warmup` untimed frames), the
        answers as (frame index, address, arguments), and how many frames got no answer
        within `timeout`.
        """
        rx, tx, dest = self.rx, self.tx, self.dest
        kernel_timeout = _kernel_timeout(rx, timeout)
        now = time.perf_counter
        start = pace.next if pace is not None else now
        times: list[float] = []
        answers: list[tuple[int, str, tuple[Any, ...]]] = []
        lost = 0
        for k in range(warmup + count):
            i = k % len(frames)
            t0 = start()
            tx.sendto(frames[i], dest)
            try:
                data = rx.recv(65536)
            except (TimeoutError, BlockingIOError):
                lost += 1
                self.drain()
                kernel_timeout = _kernel_timeout(rx, timeout)
                continue
            t1 = now()
            if k >= warmup:
                times.append((t1 - t0) * 1e6)
                address, _, args = _messages(data)[0]
                answers.append((i, address, args))
        if kernel_timeout:
            rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, _TIMEVAL.pack(0, 0))
        return times, answers, lost

    def stream(self, frames: Sequence[bytes], rate: float, seconds: float) -> dict[str, float]:
        """Send `rate` frames a second for `seconds`, paced, counting the answers meanwhile.

        One thread does both (sending on time, reading whatever has arrived in between), so the
        client never competes with itself for the interpreter. After the last frame it waits
        until every answer is in or 0.5 s pass without one.
        """
        n = max(1, round(rate * seconds))
        period = 1.0 / rate
        rx, tx, dest = self.rx, self.tx, self.dest
        rx.setblocking(False)
        clock = time.perf_counter
        answered = 0
        start = clock()
        due = start
        last_answer = start
        try:
            for k in range(n):
                frame = frames[k % len(frames)]
                while True:  # read what is there until this frame is due
                    try:
                        rx.recv(65536)
                        answered += 1
                        last_answer = clock()
                    except BlockingIOError:
                        if clock() >= due:
                            break
                tx.sendto(frame, dest)
                due += period
            sent_for = clock() - start
            rx.settimeout(0.5)
            while answered < n:
                try:
                    rx.recv(65536)
                except TimeoutError:
                    break
                answered += 1
                last_answer = clock()
        finally:
            rx.setblocking(True)
        return {
            "rate": rate,
            "sent": n,
            "answered": answered,
            "lost": n - answered,
            "sent_per_s": n / sent_for if sent_for > 0 else float("inf"),
            "answered_per_s": answered / max(last_answer - start, 1e-9),
        }


def _kernel_timeout(sock: socket.socket, seconds: float) -> bool:
    """Make recv give up after `seconds` using the kernel's SO_RCVTIMEO, where it can: a Python
    timeout would add a poll() before each recv, on the client's side of every round trip.
    Returns False where it fell back to the Python timeout."""
    try:
        sock.settimeout(None)
        whole = int(seconds)
        sock.setsockopt(
            socket.SOL_SOCKET,
            socket.SO_RCVTIMEO,
            _TIMEVAL.pack(whole, int((seconds - whole) * 1e6)),
        )
        return True
    except (OSError, struct.error):
        sock.settimeout(seconds)
        return False


def summary(times: list[float]) -> dict[str, float]:
    """Median, p99, max and mean of round-trip times (microseconds)."""
    if not times:
        return {"median_us": float("nan"), "p99_us": float("nan"), "max_us": float("nan")}
    s = sorted(times)
    return {
        "median_us": statistics.median(s),
        "p99_us": s[min(len(s) - 1, int(0.99 * len(s)))],
        "max_us": s[-1],
        "mean_us": statistics.fmean(s),
    }


def _messages(data: bytes) -> list[tuple[str, str, tuple[Any, ...]]]:
    try:
        return parse_packet(data) or [("", "", ())]
    except OSCDecodeError:
        return [("", "", ())]
