"""A session's sources: the heard list (kept across the projects the session opens), the router
of the current engine, and the live source (a MIDI port, a gamepad) while one is open.

The router is remade with every engine (mapper.sources.router); the live source stays open
across a switch when the new project wants the same one (it offers to whichever router is
current), and is closed, or opened, when not.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from mapper.core.engine import Engine
from mapper.errors import SourceError
from mapper.osc.codec import printable
from mapper.osc.server import OSCServer
from mapper.sources.heard import HeardTracker
from mapper.sources.router import InputRouter
from mapper.sources.spec import SourceSpec

log = logging.getLogger("mapper.session")


class Sources:
    """What listens beyond `/wek/inputs` for one session."""

    def __init__(self) -> None:
        self.heard = HeardTracker()
        self.spec: SourceSpec | None = None  # the source of the current project, if any
        self.router: InputRouter | None = None
        self.live: Any = None  # mapper.sources.live.LiveSource, while open
        self._live_spec: SourceSpec | None = None

    def route(self, engine: Engine, server: OSCServer, saved: dict[str, Any] | None) -> None:
        """Route the messages of the project's source (`saved`: project.source) into
        `engine`'s frames; everything else heard by `server` is listed as heard."""
        spec = SourceSpec.from_doc(saved) if saved else None
        if spec is not None and len(spec.input_names()) != engine.n_inputs:  # checked at load
            log.warning("source %s does not fit the project's inputs: not used", spec.label())
            spec = None
        self.spec = spec
        slots = spec.slots() if spec is not None else []
        shared = spec is not None and spec.live
        self.router = InputRouter(engine, slots, self.heard, server.reject, shared=shared)
        server.set_router(self.router)

    def open_live(self) -> str:
        """Open the current project's live source if it has one and it is not open yet;
        close one it no longer wants. Returns what it reads from ('' for none); SourceError
        (a missing extra, no such port) if it cannot be opened."""
        spec = self.spec if self.spec is not None and self.spec.live else None
        old = self._live_spec
        if spec is not None and old is not None and (spec.name, spec.arg) == (old.name, old.arg):
            return str(self.live.describe())
        self.close_live()
        if spec is None:
            return ""
        from mapper.sources.live import open_live_source  # its device libraries: only now

        self.live = open_live_source(spec.name, spec.arg, self.offer)
        self._live_spec = spec
        return str(self.live.describe())

    def reopen_live(self) -> None:
        """After a switch: the new project's live source, or a logged problem (it plays on)."""
        try:
            self.open_live()
        except SourceError as e:
            log.warning("%s", e)

    def offer(self, address: str, tags: str, args: Sequence[Any]) -> object:
        """A live source's message, from its thread: to the current engine's router."""
        router = self.router
        if router is None:
            return False
        try:
            return router.offer(address, tags, args)
        except Exception as e:  # the device's thread must keep reading whatever happens
            router.engine.counters.internal_errors += 1
            log.warning("error handling %s: %r", printable(address), e)
            return False

    def close_live(self) -> None:
        live, self.live, self._live_spec = self.live, None, None
        if live is not None:
            live.close()
