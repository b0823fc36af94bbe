"""Small helpers for the OSC control addresses a player adds to the server's table."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from mapper.errors import EngineError

ControlHandler = Callable[[Sequence[Any]], None]


class MessageSender(Protocol):
    """The session's OSC sender (same socket and target as /wek/outputs, errors counted)."""

    def send_message(
        self, address: str, args: Sequence[Any] = (), tags: str | None = None
    ) -> None: ...


def no_args(name: str, action: Callable[[], None]) -> ControlHandler:
    """A handler for an address that takes no arguments (EngineError if some are sent)."""

    def handler(args: Sequence[Any]) -> None:
        if args:
            raise EngineError(f"{name} takes no arguments")
        action()

    return handler
