"""What a live source offered (mapper.sources.live's `offer`), in order, from which threads,
with a bounded wait for a count of them: for the MIDI and gamepad source tests."""

from __future__ import annotations

import threading
from typing import Any

Message = tuple[str, str, tuple[Any, ...]]


class Offers:
    """What the source offered, in order, with a bounded wait for a count of them."""

    def __init__(self) -> None:
        self.items: list[Message] = []
        self.threads: set[str] = set()
        self._cond = threading.Condition()

    def __call__(self, address: str, tags: str, args: tuple[Any, ...]) -> object:
        with self._cond:
            self.items.append((address, tags, args))
            self.threads.add(threading.current_thread().name)
            self._cond.notify_all()
        return True

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Message]:
        with self._cond:
            self._cond.wait_for(lambda: len(self.items) >= count, timeout)
            return list(self.items)
