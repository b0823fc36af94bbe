"""A real `mapper headless --type dtw` over loopback UDP, for the DTW section: the instrument,
taught its takes one by one, and frames sent at a steady rate, each awaiting its answer."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from benchmarks.client import Client, Pace
from benchmarks.peers import Peer, mapper_command, stop
from mapper.osc.codec import OSCDecodeError, encode_message, parse_packet

OUTPUTS = "/wek/outputs"
WEK = "/wekinator/control/"
ANSWER_TIMEOUT = 1.0  # seconds for one frame's /wek/outputs
GIVE_UP_AFTER = 20  # frames in a row without an answer: the instrument is gone


class Instrument(Peer):
    """`mapper headless --type dtw --gestures K`, no project folder, outputs to `client`."""

    name = "mapper"

    def __init__(self, client: Client, inputs: int, gestures: int) -> None:
        cmd = [
            *mapper_command(),
            "headless",
            "--quiet",
            "--listen",
            "127.0.0.1:0",
            "--send",
            f"127.0.0.1:{client.port}",
            "--inputs",
            str(inputs),
            "--type",
            "dtw",
            "--gestures",
            str(gestures),
        ]
        super().__init__(cmd, client)

    def __enter__(self) -> Instrument:
        return self

    def teach(self, takes: Sequence[tuple[int, np.ndarray]]) -> None:
        """One take per (0-based gesture, frames): startDtwRecording k, the frames,
        stopDtwRecording; then a round trip (train -> done-training) so that every take is in
        before the next (the receive thread handles datagrams in order)."""
        c = self.client
        for k, frames in takes:
            c.send(WEK + "startDtwRecording", [int(k) + 1])
            for frame in frames.tolist():
                c.tx.sendto(encode_message("/wek/inputs", frame), c.dest)
            c.send(WEK + "stopDtwRecording")
            c.send(WEK + "train")
            c.wait_for("/wekinator/status/done-training", 10.0)

    def takes_held(self) -> int | None:
        """Stop it; the takes it says it held ('..., N gesture takes were not saved')."""
        stop(self.proc)
        assert self.proc.stdout is not None
        for line in self.proc.stdout.read().splitlines():
            words = line.replace(",", " ").split()
            if "gesture" in words and words.index("gesture") > 0:
                number = words[words.index("gesture") - 1]
                if number.isdigit():
                    return int(number)
        return None


class Paced:
    """Frames sent at a steady rate, one at a time: each frame waits for its due time, is
    sent, and its answer (the next message to `expect`; None: the next datagram, as an echo
    answers) is awaited; round trips in µs."""

    def __init__(self, client: Client, rate: float, expect: str | None = OUTPUTS) -> None:
        self.client = client
        self.expect = expect
        self.pace = Pace(rate)
        self.times: list[float] = []
        self.lost = 0
        self.lost_in_a_row = 0
        self.other: dict[str, int] = {}  # messages besides /wek/outputs (gesture matches)

    def send(self, datagram: bytes) -> tuple[Any, ...] | None:
        """Send at the due time, then the /wek/outputs values (None: none in time)."""
        c, clock = self.client, time.perf_counter
        t0 = self.pace.next()
        c.tx.sendto(datagram, c.dest)
        deadline = t0 + ANSWER_TIMEOUT
        while (left := deadline - clock()) > 0:
            c.rx.settimeout(left)
            try:
                data = c.rx.recv(65536)
            except TimeoutError:
                break
            t1 = clock()
            try:
                messages = parse_packet(data)
            except OSCDecodeError:
                continue
            for address, _, args in messages:
                if self.expect is None or address == self.expect:
                    self.times.append((t1 - t0) * 1e6)
                    self.lost_in_a_row = 0
                    return args
                self.other[address] = self.other.get(address, 0) + 1
        self.lost += 1
        self.lost_in_a_row += 1
        if self.lost_in_a_row >= GIVE_UP_AFTER:
            raise RuntimeError(f"{GIVE_UP_AFTER} frames in a row got no answer")
        return None

    def control(self, address: str) -> None:
        self.client.send(address)
