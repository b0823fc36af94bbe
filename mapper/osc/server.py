"""The receive thread: one thread owns the listening socket and runs the hot path.

For each datagram: parse, and for each message inside, either validate an input frame and hand
it to the engine (which records it, or runs the models and sends), or run a control handler.
Bad input is counted and reported, never fatal. Control work too slow for this thread goes to
the server's bounded workers (mapper.osc.jobs). Whatever a datagram says reaches the log
escaped and cut short (mapper.osc.codec.printable), at most once every few seconds per kind of
problem.
"""

from __future__ import annotations

import contextlib
import logging
import math
import socket
import struct
import threading
import time
from collections.abc import Sequence
from typing import Any, Protocol

from mapper.core.engine import Engine, EngineError
from mapper.osc.codec import OSCDecodeError, message_prefix, parse_packet, printable
from mapper.osc.control import make_controls
from mapper.osc.curation_control import curation_controls
from mapper.osc.gesture_control import gesture_controls
from mapper.osc.jobs import JobRunner
from mapper.osc.sender import OSCSender, resolve_udp
from mapper.osc.settings import OSCSettings

log = logging.getLogger("mapper.osc")
NUMERIC_TAGS = frozenset("fdih")
TYPE_NAMES = {
    "s": "a string",
    "S": "a symbol",
    "b": "a blob",
    "T": "true",
    "F": "false",
    "N": "nil",
    "I": "infinitum",
    "c": "a char",
    "m": "a MIDI message",
    "t": "a timetag",
    "r": "a colour",
}
RECEIVE_BUFFER = 4 * 1024 * 1024  # absorb bursts of thousands of frames without loss
# seconds: how soon the receive thread gets the GIL back from training (sys.setswitchinterval,
# set by `mapper headless` and the TUI before they start)
SWITCH_INTERVAL = 0.0005


LOG_LINE = 300  # characters of one logged problem at most (the untrusted parts: 80 each)


class RateLimitedLog:
    """Logs a problem at most once per `every` seconds per kind, so a flood cannot drown stderr;
    a line says how many of its kind it stood for since the last. Kinds are meant to be a few
    fixed names (never a message's address): past `MAX_KINDS` of them, new ones share one
    budget. Every line is escaped and cut to `LOG_LINE` characters (codec.printable)."""

    MAX_KINDS = 128

    def __init__(self, every: float = 5.0) -> None:
        self.every = every
        self._last: dict[str, float] = {}
        self._quiet: dict[str, int] = {}  # lines not logged since the kind's last line

    def warning(self, kind: str, message: str, heard: bool = False) -> None:
        if kind not in self._last and len(self._last) >= self.MAX_KINDS:
            kind = "other"
        now = time.monotonic()
        if now - self._last.get(kind, -math.inf) < self.every:
            self._quiet[kind] = self._quiet.get(kind, 0) + 1
            return
        self._last[kind] = now
        quiet = self._quiet.pop(kind, 0)
        more = f" (and {quiet} more like it since the last)" if quiet else ""
        log.warning("%s%s", printable(message, LOG_LINE), more, extra={HEARD: heard})


class Router(Protocol):
    """Hears the messages that are neither the input address nor a control: a sensor
    source's (mapper.sources.router.InputRouter), the rest listed as heard."""

    shared: bool  # a live source calls the engine from its own thread: frames take a lock

    def offer(self, address: str, tags: str, args: Sequence[Any]) -> bool:
        """True when it was the source's (a frame went through, or was rejected)."""
        ...

    def process(self, frame: Sequence[float]) -> None:
        """One validated input frame into the engine (under the lock when shared)."""
        ...


HEARD = "heard"  # a log record's attribute: an unknown address, listed as heard (the TUI's
# inputs panel shows the list, so it does not notify these)


class OSCServer:
    """Listens for inputs and control messages; sends outputs and status to one target.

    A Session adds its project's controls (save, load: mapper.osc.control.
    make_project_controls) and its player's to `controls`, and sets a `router` (see
    set_router) that hears every other message first.
    """

    def __init__(self, engine: Engine, settings: OSCSettings) -> None:
        self.engine = engine
        self.settings = settings
        self.counters = engine.counters
        self.sender = OSCSender(
            settings.send_host,
            settings.send_port,
            settings.output_address,
            engine.n_sent,
            engine.counters,
        )
        self._log = RateLimitedLog()
        # evaluations, save-as, opening: one worker each, a short queue, floods dropped
        self.jobs = JobRunner(engine.counters, self._log.warning)
        # a Session adds save, load...
        self.controls = {
            **make_controls(engine, self.jobs),
            **gesture_controls(engine),
            **curation_controls(engine, self.sender, self.jobs),
        }
        self._input_address = settings.input_address
        self.router: Router | None = None  # what hears the rest: set_router
        self._process = engine.process_frame  # where validated input frames go
        self._n_inputs = engine.n_inputs
        self._all_float_tags = "f" * engine.n_inputs
        # the usual input frame (every input a float) is recognised by its exact bytes and
        # unpacked at once; anything else goes through the full decoder
        self._frame_prefix = message_prefix(self._input_address, self._all_float_tags)
        self._frame_floats = struct.Struct(f">{engine.n_inputs}f")
        self._frame_prefix_size = len(self._frame_prefix)
        self._frame_size = self._frame_prefix_size + self._frame_floats.size
        family, sockaddr = resolve_udp(settings.listen_host, settings.listen_port)
        self._sock = socket.socket(family, socket.SOCK_DGRAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
        self._sock.bind(sockaddr)
        self._bound: tuple[str, int] = tuple(self._sock.getsockname()[:2])
        # blocking, no timeout: a timeout would cost a poll() before every recv; close() wakes
        # the thread instead
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="mapper-osc", daemon=True)
        engine.add_output_sink(self.sender.send_outputs)
        engine.add_message_sink(self.sender.send_floats)
        engine.add_event_sink(self._on_event)

    def set_router(self, router: Router) -> None:
        """Offer every message that is neither the input address nor a control to
        `router.offer(address, tags, args) -> bool` (False: it matched nothing, and is
        counted as an unknown address). A `shared` router (a live source calls the engine
        from its own thread) also takes the input frames, through `router.process`."""
        self.router = router
        self._process = router.process if router.shared else self.engine.process_frame

    @property
    def address(self) -> tuple[str, int]:
        """The bound (host, port): the real port when the settings asked for port 0. Read once,
        at bind: a UI redrawing while a switch closes this server must not meet a closed
        socket (EBADF, seen once on a clean clone)."""
        return self._bound

    def start(self) -> OSCServer:
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop the control workers (within a second) and the receive thread; close both
        sockets."""
        self._stop.set()
        self.jobs.close()
        if self._thread.is_alive():
            self._wake()
            self._thread.join(timeout=2.0)
        self._sock.close()
        self.sender.close()
        for sink in (self.sender.send_outputs, self.sender.send_floats, self._on_event):
            self.engine.remove_sink(sink)  # the engine may play on with another server

    def _wake(self) -> None:
        """Make the receive thread's blocking recv return: shutting the socket down does it on
        Linux; an empty datagram to our own port does it everywhere."""
        with contextlib.suppress(OSError):  # unconnected UDP: ENOTCONN, after waking on Linux
            self._sock.shutdown(socket.SHUT_RDWR)
        host, port = self.address
        host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
        try:
            family, sockaddr = resolve_udp(host, port)
            with socket.socket(family, socket.SOCK_DGRAM) as poke:
                poke.sendto(b"", sockaddr)
        except OSError:
            pass  # the join below gives up after a while

    def __enter__(self) -> OSCServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _loop(self) -> None:
        recv = self._sock.recv
        handle = self.handle_datagram
        stop = self._stop
        while not stop.is_set():
            try:
                data = recv(65536)
            except OSError:
                if stop.is_set():
                    break
                continue
            if not data and stop.is_set():  # woken by close()
                break
            try:
                handle(data)
            except Exception as e:  # the instrument keeps playing whatever one message does
                self.counters.internal_errors += 1
                self._log.warning("internal", f"unexpected error handling a datagram: {e!r}")

    def handle_datagram(self, data: bytes) -> None:
        """Everything one datagram asks for (also callable without a socket, in tests)."""
        if (
            len(data) == self._frame_size
            and type(data) is bytes
            and data.startswith(self._frame_prefix)
        ):
            args = self._frame_floats.unpack_from(data, self._frame_prefix_size)
            self._dispatch(self._input_address, self._all_float_tags, args)
            return
        try:
            messages = parse_packet(data)
        except OSCDecodeError as e:
            self.counters.malformed += 1
            self._log.warning(
                "malformed", f"malformed OSC datagram ({len(data)} bytes): {printable(e, 200)}"
            )
            return
        for address, tags, args in messages:
            self._dispatch(address, tags, args)

    def _dispatch(self, address: str, tags: str, args: Sequence[Any]) -> None:
        try:
            if address == self._input_address:
                self._inputs(tags, args)
            else:
                self._control(address, tags, args)
        except Exception as e:  # one bad message never costs its bundle neighbours
            self.counters.internal_errors += 1
            self._log.warning(
                "internal", f"error handling {printable(address)}: {printable(repr(e), 200)}"
            )

    def _inputs(self, tags: str, args: Sequence[Any]) -> None:
        if tags != self._all_float_tags:
            problem = self._input_problem(tags, args)
            if problem:
                self.reject(*problem)
                return
        # one sum is the fast check; only when it is not finite (NaN or infinity, or finite
        # values whose sum overflows, 1e308 + 1e308) is each value looked at
        if not math.isfinite(sum(args)) and not all(map(math.isfinite, args)):
            self.reject("not finite", "NaN or infinity in the inputs")
            return
        self._process(args)

    def _input_problem(self, tags: str, args: Sequence[Any]) -> tuple[str, str] | None:
        if len(args) != self._n_inputs:
            return (
                "wrong number of inputs",
                f"wrong number of inputs: expected {self._n_inputs}, got {len(args)}",
            )
        for k, tag in enumerate(tags):
            if tag not in NUMERIC_TAGS:
                kind = TYPE_NAMES.get(tag, f"type {tag!r}")
                return "not a number", f"input {k + 1} is {kind}, not a number"
        return None

    def reject(self, reason: str, detail: str) -> None:
        """Count a rejected input frame by reason; nothing is recorded from it."""
        rejected = self.counters.rejected
        rejected[reason] = rejected.get(reason, 0) + 1
        self.counters.last_reject = detail
        self._log.warning(reason, f"rejected input frame: {detail}")

    def _control(self, address: str, tags: str, args: Sequence[Any]) -> None:
        handler = self.controls.get(address)
        if handler is None:
            if self.router is not None and self.router.offer(address, tags, args):
                return  # a source's message: a frame went through (or was rejected)
            self.counters.unknown_addresses += 1
            self._log.warning(
                "unknown",
                f"ignored message to unknown address {printable(address)}",
                heard=True,
            )
            return
        try:
            handler(args)
        except (EngineError, ValueError, TypeError, OverflowError) as e:
            self.counters.control_errors += 1
            # the error may quote the message's arguments: escaped and cut, as in the log
            self.counters.last_control_error = printable(f"{address}: {e}", LOG_LINE)
            self._log.warning(address, f"{address} rejected: {e}")  # a known address

    def _on_event(self, name: str, detail: str) -> None:
        if name == "training-done":
            self.sender.send_message("/wekinator/status/done-training")
        if detail:  # a training error may quote a model setting sent over OSC: rate-limited
            self._log.warning(f"event {name}", f"{name}: {detail}")  # per event name
