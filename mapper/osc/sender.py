"""Sending OSC: the outputs message on the hot path, and the occasional status message."""

from __future__ import annotations

import socket
from collections.abc import Sequence
from typing import Any

from mapper.core.engine import Counters
from mapper.osc.codec import FloatEncoder, encode_message

MAX_ENCODERS = 64  # float messages (address and length) kept ready to encode


def resolve_udp(host: str, port: int) -> tuple[int, tuple[Any, ...]]:
    """(address family, socket address) for host:port, looked up once, not on every send.

    IPv4 comes first where a name has both (`localhost` is 127.0.0.1 to Wekinator's peers).
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
    family, _, _, _, sockaddr = min(infos, key=lambda info: info[0] != socket.AF_INET)
    return family, sockaddr


class OSCSender:
    """Sends `/wek/outputs` (every output as float32, type tags exactly 'f' each) to one target."""

    def __init__(
        self, host: str, port: int, address: str, n_outputs: int, counters: Counters
    ) -> None:
        family, self.target = resolve_udp(host, port)
        self._sock = socket.socket(family, socket.SOCK_DGRAM)
        self._encoder = FloatEncoder(address, n_outputs)
        self._encoders: dict[tuple[str, int], FloatEncoder] = {}  # other float messages
        self._counters = counters

    def send_outputs(self, values: Sequence[float]) -> None:
        """The hot path's last step: one datagram, never blocking on a slow receiver."""
        try:
            self._sock.sendto(self._encoder.encode(values), self.target)
            self._counters.outputs_sent += 1
        except (OSError, ValueError):  # ValueError: a value beyond float32's range
            self._counters.send_errors += 1

    def send_message(self, address: str, args: Sequence[Any] = (), tags: str | None = None) -> None:
        """Any other message to the same target (done-training, probabilities)."""
        try:
            self._sock.sendto(encode_message(address, args, tags), self.target)
        except (OSError, ValueError):
            self._counters.send_errors += 1

    def send_floats(self, address: str, values: Sequence[float]) -> None:
        """A message of float32 values only (a classifier's probabilities, novelty), each
        address and length encoded as `/wek/outputs` is (the first MAX_ENCODERS of them)."""
        encoder = self._encoders.get((address, len(values)))
        if encoder is None:
            if len(self._encoders) >= MAX_ENCODERS:
                self.send_message(address, values, "f" * len(values))
                return
            try:
                encoder = FloatEncoder(address, len(values))
            except ValueError:
                self._counters.send_errors += 1
                return
            self._encoders[(address, len(values))] = encoder
        try:
            self._sock.sendto(encoder.encode(values), self.target)
        except (OSError, ValueError):
            self._counters.send_errors += 1

    def close(self) -> None:
        self._sock.close()
