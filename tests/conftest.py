"""Shared test parts: a real OSC receiver on loopback, a client, and an engine with its server."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pythonosc.osc_packet import OscPacket
from pythonosc.parsing import osc_types
from pythonosc.udp_client import SimpleUDPClient

from mapper.core.engine import Engine
from mapper.core.outputs import Output, make_outputs
from mapper.osc.server import OSCServer
from mapper.osc.settings import OSCSettings

Message = tuple[str, str, tuple[Any, ...]]


class Receiver:
    """A stand-in instrument: a UDP socket on 127.0.0.1 that decodes with python-osc."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]

    def get(self, timeout: float = 2.0) -> Message:
        """The next message (address, type tags, args); fails the test after `timeout`."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except TimeoutError:
            pytest.fail(f"no OSC message arrived within {timeout} s")
        msg = OscPacket(data).messages[0].message
        _, end = osc_types.get_string(msg.dgram, 0)  # python-osc's own reading of the tags
        tags = osc_types.get_string(msg.dgram, end)[0].lstrip(",") if end < len(msg.dgram) else ""
        return msg.address, tags, tuple(msg.params)

    def get_address(self, address: str, timeout: float = 5.0, limit: int = 10_000) -> Message:
        """Skip messages until one to `address` arrives (bounded in count and time)."""
        deadline = time.monotonic() + timeout
        for _ in range(limit):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            msg = self.get(remaining)
            if msg[0] == address:
                return msg
        pytest.fail(f"no {address} message within {timeout} s")

    def drain(self) -> int:
        """Throw away everything already received; returns how many messages that was."""
        self.sock.settimeout(0.05)
        n = 0
        for _ in range(100_000):
            try:
                self.sock.recv(65536)
            except TimeoutError:
                break
            n += 1
        return n

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


class Rig:
    """An engine, its OSC server on a free loopback port, a receiver and a python-osc client."""

    def __init__(self, engine: Engine, receiver: Receiver) -> None:
        self.engine = engine
        self.receiver = receiver
        settings = OSCSettings(listen_port=0, send_port=receiver.port)
        self.server = OSCServer(engine, settings).start()
        self.client = SimpleUDPClient("127.0.0.1", self.server.address[1])

    def send(self, address: str, *args: Any) -> None:
        self.client.send_message(address, list(args))

    def control(self, name: str, *args: Any) -> None:
        self.send(f"/wekinator/control/{name}", *args)

    def sync(self) -> None:
        """Wait until the server has handled everything sent so far (a round trip)."""
        before = self.engine.counters.unknown_addresses
        self.send("/test/sync")
        wait_for(lambda: self.engine.counters.unknown_addresses > before)

    def frame(self, *values: float) -> Message:
        """Send one input frame while running and return the /wek/outputs it produced."""
        self.send("/wek/inputs", *values)
        return self.receiver.get_address("/wek/outputs")

    def record(self, values: list[float], frames: list[list[float]]) -> None:
        """Set the outputs by hand, record these frames as one round."""
        self.control("outputs", *values)
        self.receiver.get_address("/wek/outputs")
        self.control("startRecording")
        for f in frames:
            self.send("/wek/inputs", *f)
        self.control("stopRecording")
        self.sync()

    def train(self) -> None:
        self.control("train")
        self.receiver.get_address("/wekinator/status/done-training", timeout=30)


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll `condition` until true, at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.002)
    pytest.fail("condition not met in time")


@pytest.fixture
def make_rig(receiver: Receiver) -> Iterator[Callable[..., Rig]]:
    rigs: list[Rig] = []

    def make(n_inputs: int = 3, outputs: list[Output] | None = None) -> Rig:
        outs = outputs if outputs is not None else make_outputs(2)
        rig = Rig(Engine([f"inputs-{i + 1}" for i in range(n_inputs)], outs), receiver)
        rigs.append(rig)
        return rig

    yield make
    for rig in rigs:
        rig.server.close()
        rig.engine.cancel_training()
