"""From a source's messages to input frames: the latest value of each input is held, and every
message that matches one of the source's addresses sends one frame through the engine's hot
path (so GyrOSC's `/gyrosc/gyro` alone records and runs; the inputs it does not carry keep
their last value, 0 until heard). What matches nothing goes to the heard list.

The OSC server offers it every message that is neither its input address nor a control
(`offer`); a live source (MIDI, a gamepad) offers its own from its thread. Engine.process_frame
assumes one caller at a time (the receive thread): with a live source (`shared`), every frame,
`/wek/inputs` included (the server calls `process`), goes through one lock.
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Callable, Sequence
from typing import Any

from mapper.core.engine import Engine
from mapper.osc.codec import printable
from mapper.osc.server import NUMERIC_TAGS
from mapper.sources.heard import HeardTracker
from mapper.sources.presets import WILD, segments_match
from mapper.sources.spec import Slot

Reject = Callable[[str, str], None]  # (reason, detail): mapper.osc.server.OSCServer.reject
CACHE = 256  # addresses remembered for the patterns with `*` (matched or not)
INF = math.inf


class _Route:
    """Where the arguments of one address go: (argument, input) pairs."""

    __slots__ = ("hits", "need", "pairs", "pattern", "tags_ok")

    def __init__(self, pattern: str, pairs: Sequence[tuple[int, int]]) -> None:
        self.pattern = pattern
        self.hits = 0  # frames it made
        self.pairs = tuple(pairs)
        self.need = max(a for a, _ in self.pairs) + 1
        self.tags_ok = ""  # the last type tags found numeric where it matters


class InputRouter:
    """Routes a source's messages into frames of `n_inputs` values (see the module)."""

    def __init__(
        self,
        engine: Engine,
        slots: Sequence[Slot],
        heard: HeardTracker,
        reject: Reject,
        shared: bool = False,
    ) -> None:
        self.engine = engine
        self.heard = heard
        self._reject = reject
        self.values: list[float] = [0.0] * engine.n_inputs
        self._exact: dict[str, _Route | None] = {}
        self._wild: list[tuple[list[str], _Route]] = []
        by_pattern: dict[str, list[tuple[int, int]]] = {}
        for s in slots:
            if not 0 <= s.index < engine.n_inputs:
                raise ValueError(f"{s.pattern}: input {s.index + 1} of {engine.n_inputs}")
            by_pattern.setdefault(s.pattern, []).append((s.arg, s.index))
        for pattern, pairs in by_pattern.items():
            route = _Route(pattern, pairs)
            if WILD in pattern:
                self._wild.append((pattern.split("/"), route))
            else:
                self._exact[pattern] = route
        self._fixed = len(self._exact)
        self.shared = shared
        self._lock: contextlib.AbstractContextManager[Any] = (
            threading.Lock() if shared else contextlib.nullcontext()
        )

    def process(self, frame: Sequence[float]) -> None:
        """A whole validated frame (`/wek/inputs`), under the same lock as the source's."""
        with self._lock:
            self.engine.process_frame(frame)

    def offer(self, address: str, tags: str, args: Sequence[Any]) -> bool:
        """One message: True if it is one of the source's (a frame went through, or it was
        rejected and counted); False if it matched nothing (it is noted as heard)."""
        try:
            route = self._exact[address]
        except KeyError:
            route = self._find(address)
        if route is None:
            self.heard.note(address, tags, args)
            return False
        if len(args) < route.need:
            self._reject(
                "wrong number of values",
                f"{printable(address)} carries {len(args)} values; the source reads {route.need}",
            )
            return True
        if tags != route.tags_ok:
            for a, _ in route.pairs:
                if tags[a] not in NUMERIC_TAGS:
                    self._reject(
                        "not a number", f"{printable(address)}: value {a + 1} is not a number"
                    )
                    return True
            route.tags_ok = tags
        for a, _ in route.pairs:
            if not -INF < args[a] < INF:  # NaN fails too
                self._reject("not finite", f"NaN or infinity in {printable(address)}")
                return True
        with self._lock:
            values = self.values
            for a, i in route.pairs:
                values[i] = args[a]
            route.hits += 1
            self.engine.process_frame(values)
        return True

    def used(self) -> set[str]:
        """The source's patterns that have made frames (what the device really sends)."""
        routes = [r for r in self._exact.values() if r is not None]
        routes += [r for _, r in self._wild]
        return {r.pattern for r in routes if r.hits}

    def _find(self, address: str) -> _Route | None:
        """The route of an address not seen before: the first pattern with `*` it fits;
        remembered (matched or not) for the next `CACHE` addresses."""
        found = None
        if self._wild:
            have = address.split("/")
            for want, route in self._wild:
                if segments_match(want, have):
                    found = route
                    break
        if len(self._exact) < self._fixed + CACHE:
            self._exact[address] = found
        return found
