"""The XY pad's input stream: frames sent at a steady rate as real `/wek/inputs` datagrams.

The pad feeds the engine exactly as a sensor would: over UDP to the instrument's own
listening port, so the same receive thread validates, records and runs them. A sensor sending
over OSC at the same time keeps working (its frames simply interleave with the pad's).
"""

from __future__ import annotations

import socket
import threading
import time

from mapper.osc.codec import encode_message

DEFAULT_RATE = 100.0  # frames per second, like a typical sensor


class PadSource:
    """Streams (x, y) - plus zeros for any further inputs - while it is on."""

    def __init__(
        self,
        target: tuple[str, int],
        address: str,
        n_inputs: int,
        rate: float = DEFAULT_RATE,
    ) -> None:
        host, port = target
        if host in ("0.0.0.0", "", "::"):  # listening everywhere: reach it on this machine
            host = "127.0.0.1"
        self.target = (host, port)
        self.address = address
        self.n_inputs = n_inputs
        self.period = 1.0 / rate
        self.x = 0.5
        self.y = 0.5
        self.sent = 0
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_DGRAM)
        self._on = threading.Event()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="mapper-xy-pad", daemon=True)
        self._thread.start()

    @property
    def on(self) -> bool:
        return self._on.is_set()

    def set_on(self, on: bool) -> None:
        if on:
            self._on.set()
        else:
            self._on.clear()

    def move_to(self, x: float, y: float) -> None:
        """Where the pad's cursor is, 0..1 each (y up)."""
        self.x = min(max(x, 0.0), 1.0)
        self.y = min(max(y, 0.0), 1.0)

    def frame(self) -> list[float]:
        return [self.x, self.y] + [0.0] * (self.n_inputs - 2)

    def _loop(self) -> None:
        due = time.monotonic()
        while not self._closed.is_set():
            if not self._on.wait(0.2):
                due = time.monotonic()
                continue
            if self._closed.is_set():  # close() wakes the loop: send nothing more
                break
            try:
                self._sock.sendto(encode_message(self.address, self.frame()), self.target)
                self.sent += 1
            except OSError:
                pass  # the instrument is reopening its socket (open/save as): try again soon
            due = max(due + self.period, time.monotonic() - self.period)  # steady, no bursts
            self._closed.wait(max(due - time.monotonic(), 0.0))

    def close(self) -> None:
        self._closed.set()
        self._on.set()
        self._thread.join(timeout=1.0)
        self._sock.close()
