"""A gamepad as a live source: its axes, buttons and hats, read by pygame (SDL, the `gamepad`
extra) in a helper process (mapper/sources/gamepad_process.py; on macOS SDL needs its process's
main thread, and a driver's crash stays there).

The helper writes one event a line; a thread here reads them (each line bounded in length, a
longer one skipped) and hands each to `offer`. If the helper dies, the instrument goes on
without the gamepad and says so in one line.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from mapper.errors import SourceError, shown
from mapper.extras import needs
from mapper.sources.live import Offer

log = logging.getLogger("mapper.sources")

MISSING = needs("gamepad")
MAX_LINE = 512  # bytes in one line from the helper; a longer line is skipped
MAX_INDEX = 1024  # axis, button and hat numbers beyond it are not a gamepad's
START_TIMEOUT = 15.0  # seconds for the helper to import pygame and open the gamepad
STOP_WAIT = 0.3  # seconds close() gives the helper at each step (stdin closed, terminate, kill)

Message = tuple[str, str, tuple[object, ...]]


def _index(text: str) -> int | None:
    """A non-negative index: ASCII digits only (str.isdigit() takes "²", which int() refuses)."""
    return int(text) if text.isascii() and text.isdigit() and int(text) <= MAX_INDEX else None


def _unit(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return max(-1.0, min(1.0, value)) if math.isfinite(value) else None


def parse_line(line: str) -> Message | tuple[str, str] | None:
    """One line of the helper's: an offer (address, tags, args); ("ready" | "note" | "error",
    text); or None for a line that is none of these (counted and skipped)."""
    word, _, rest = line.strip().partition(" ")
    if word in ("ready", "note", "error"):
        return word, rest
    parts = rest.split()
    if word == "axis" and len(parts) == 2:
        n, value = _index(parts[0]), _unit(parts[1])
        if n is not None and value is not None:
            return f"/gamepad/axis/{n}", "f", (value,)
    elif word == "button" and len(parts) == 2 and parts[1] in ("0", "1"):
        n = _index(parts[0])
        if n is not None:
            return f"/gamepad/button/{n}", "f", (float(parts[1]),)
    elif word == "hat" and len(parts) == 3:
        n, x, y = _index(parts[0]), _unit(parts[1]), _unit(parts[2])
        if n is not None and x is not None and y is not None:
            return f"/gamepad/hat/{n}", "ff", (x, y)
    return None


def read_lines(stream: IO[bytes], limit: int = MAX_LINE) -> Iterator[str | None]:
    """The lines of a byte stream, decoded, each at most `limit` bytes: a longer line is skipped
    whole (read in `limit`-sized pieces, so memory stays bounded) and given as None."""
    while True:  # ends at the end of the stream
        raw = stream.readline(limit + 1)
        if not raw:
            return
        if raw.endswith(b"\n"):
            yield raw.decode("utf-8", "replace")
            continue
        if len(raw) <= limit:  # the last line, without its newline
            yield raw.decode("utf-8", "replace")
            return
        while raw and not raw.endswith(b"\n"):  # skip the rest of the long line, piece by piece
            raw = stream.readline(limit + 1)
        yield None


def helper_command(which: str | None) -> list[str]:
    return [sys.executable, "-m", "mapper.sources.gamepad_process", *([which] if which else [])]


def _helper_env() -> dict[str, str]:
    root = str(Path(__file__).resolve().parents[2])  # so `-m mapper...` imports this mapper
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([*paths, root]),
        "SDL_VIDEODRIVER": "dummy",
        "SDL_AUDIODRIVER": "dummy",
        "SDL_JOYSTICK_ALLOW_BACKGROUND_EVENTS": "1",
        "PYGAME_HIDE_SUPPORT_PROMPT": "1",
    }


class GamepadSource:
    """The helper process and the thread "mapper-gamepad" that hands its events to `offer`."""

    def __init__(
        self, offer: Offer, command: Sequence[str], start_timeout: float = START_TIMEOUT
    ) -> None:
        self._offer = offer
        self._closed = False
        self._lock = threading.Lock()
        self.name = ""
        self.skipped = 0  # lines that were not events (too long, garbled)
        self.failed = 0  # offers that raised
        self.stopped = False  # the helper ended on its own
        self._started: queue.Queue[tuple[str, str]] = queue.Queue()
        try:
            self._process = subprocess.Popen(
                list(command),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,  # never onto the performer's terminal (the UI's)
                env=_helper_env(),
            )
        except OSError as e:
            raise SourceError(f"cannot start the gamepad reader: {shown(str(e), 120)}") from e
        self._thread = threading.Thread(target=self._read, name="mapper-gamepad", daemon=True)
        self._thread.start()
        try:
            kind, text = self._started.get(timeout=start_timeout)
        except queue.Empty:
            self.close()
            raise SourceError(
                f"the gamepad reader did not start within {start_timeout:g} s"
            ) from None
        if kind != "ready":
            self.close()
            if text.startswith("missing pygame"):
                raise SourceError(MISSING)
            raise SourceError(text or "the gamepad reader ended before it opened a gamepad")

    def _read(self) -> None:
        stream = self._process.stdout
        assert stream is not None
        for line in read_lines(stream):
            parsed = None if line is None else parse_line(line)
            if parsed is None:
                self.skipped += 1
            elif len(parsed) == 3:
                self._hand(parsed)
            elif parsed[0] == "ready":
                self.name = parsed[1].strip().partition(" ")[2] or "?"
                self._started.put(("ready", self.name))
            elif parsed[0] == "note" or self.name:  # an error after "ready" is also a note
                log.warning("gamepad: %s", parsed[1].strip()[:200])
            else:
                self._started.put(("error", parsed[1].strip()[:200]))
        if not self._closed and self.name:  # it died while the instrument plays
            self.stopped = True
            code = self._process.poll()
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = self._process.wait(timeout=1.0)
            log.warning(
                "gamepad: the gamepad reader stopped (exit code %s); the gamepad is no longer read",
                code,
            )
        self._started.put(("error", ""))  # wakes the opener if it ended before "ready"

    def _hand(self, message: Message) -> None:
        if self._closed:
            return
        address, tags, args = message
        try:
            self._offer(address, tags, args)
        except Exception as e:  # the receiver's fault: say so once, keep reading
            self.failed += 1
            if self.failed == 1:
                log.warning("gamepad: an event could not be taken in: %s", e)

    def describe(self) -> str:
        state = " (its reader stopped)" if self.stopped else ""
        return f"gamepad {self.name!r}{state}"

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        process = self._process
        if process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()  # the helper ends when its stdin does
        for stop in (None, process.terminate, process.kill):  # bounded: three steps
            if stop is not None:
                with contextlib.suppress(OSError):
                    stop()
            try:
                process.wait(timeout=STOP_WAIT)
                break
            except subprocess.TimeoutExpired:
                continue
        self._thread.join(STOP_WAIT)
        if process.stdout is not None and not self._thread.is_alive():
            process.stdout.close()


def open_gamepad(which: str | None, offer: Offer) -> GamepadSource:
    """`gamepad`: the first gamepad; `gamepad:N` the Nth (0 is the first) or one by name."""
    return GamepadSource(offer, helper_command(which or None))
