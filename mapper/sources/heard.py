"""Messages that arrive but match nothing (not the inputs, not a control, not a source's): per
address its type tags, how many, how fast, the last values. So a performer sees that the phone
is sending, and what, and can take those messages as the inputs (mapper.session.learning).

Noted on the receive thread (or a live source's): a dict look-up, a few assignments and one
clock read per message. Bounded: `LIMIT` addresses; a new address when the list is full takes
the place of the one silent longest (a scan of the list, only then: with MIDI every note is its
own address, and the CC moved after 32 keys must still be listed). The messages no longer
listed are counted in `more`, and so are those to addresses too long to be an input's.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from mapper.osc.server import NUMERIC_TAGS

LIMIT = 32  # addresses kept
LONGEST = 255  # characters of an address kept; a longer one is only counted
WINDOW = 1.0  # seconds over which a rate is measured
STALE = 3.0  # seconds of silence after which an address's rate reads 0


class _Entry:
    __slots__ = ("address", "args", "count", "first", "last", "rate", "tags", "window_count")

    def __init__(self, address: str, now: float) -> None:
        self.address = address
        self.tags = ""
        self.args: Sequence[Any] = ()
        self.count = 0
        self.first = self.last = now
        self.window_count = 0  # count when the current window began (at `first`)
        self.rate = -1.0  # msgs/s over the last whole window; -1: no window finished yet


@dataclass(frozen=True)
class Heard:
    """One address as heard: its latest type tags and values, how many, how fast."""

    address: str
    tags: str
    count: int
    rate: float  # messages per second, recently
    values: tuple[Any, ...]
    seconds_ago: float

    @property
    def numbers(self) -> int:
        """How many of its arguments are numbers (the inputs it would give)."""
        return sum(1 for t in self.tags if t in NUMERIC_TAGS)


class HeardTracker:
    """What arrived unmatched, by address (see the module's docstring)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self.more = 0  # messages not listed: to addresses dropped for newer ones, or too long

    def note(self, address: str, tags: str, args: Sequence[Any]) -> None:
        """One message that matched nothing (called on the thread that received it)."""
        entry = self._entries.get(address)
        now = self._clock()
        if entry is None:
            if len(address) > LONGEST:
                self.more += 1
                return
            if len(self._entries) >= LIMIT and not self._drop_silent(now):
                self.more += 1  # every one listed still sends: they stay, this one is counted
                return
            entry = self._entries[address] = _Entry(address, now)
        entry.count += 1
        entry.tags = tags
        entry.args = args
        entry.last = now
        if now - entry.first >= WINDOW:  # a window ends: its rate, and the next begins
            entry.rate = (entry.count - entry.window_count) / (now - entry.first)
            entry.first, entry.window_count = now, entry.count

    def _drop_silent(self, now: float) -> bool:
        """Make room: the address silent longest goes, if it has been silent STALE seconds
        (its messages are counted in `more`); False when every one listed still sends, so a
        flood of new addresses never pushes out the ones a performer is moving."""
        entries = list(self._entries.values())  # a copy: a live source's thread notes too
        oldest = min(entries, key=lambda e: e.last)
        if now - oldest.last < STALE:
            return False
        if self._entries.pop(oldest.address, None) is not None:
            self.more += oldest.count
        return True

    def forget(self, addresses: Sequence[str] | None = None) -> None:
        """Drop these addresses (None: all), e.g. once they are taken as the inputs."""
        if addresses is None:
            self._entries = {}
            self.more = 0
        else:
            self._entries = {a: e for a, e in self._entries.items() if a not in addresses}

    def heard(self) -> list[Heard]:
        """Every address heard, the most recent first (any thread may call it)."""
        now = self._clock()
        out = []
        for e in list(self._entries.values()):
            ago = now - e.last
            if ago > STALE:
                rate = 0.0
            elif e.rate >= 0:
                rate = e.rate
            else:  # the first window is not over: what it has so far
                rate = (e.count - e.window_count) / max(now - e.first, WINDOW / 4)
            out.append(Heard(e.address, e.tags, e.count, rate, tuple(e.args), ago))
        out.sort(key=lambda h: h.seconds_ago)
        return out

    def __len__(self) -> int:
        return len(self._entries)
