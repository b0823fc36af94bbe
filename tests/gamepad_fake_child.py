"""A stand-in for mapper/sources/gamepad_process.py in tests: a real process that prints
fabricated lines of the same protocol. `python gamepad_fake_child.py MODE`:

- events: ready, events with garbage and an overlong line among them, then waits for stdin's end
- die: ready, one event, then exits with status 3 (a driver crash)
- error: says "no gamepad connected" and exits
- silent: prints nothing and waits for stdin's end (a reader that never starts)
- stubborn: ready, then ignores stdin's end and SIGTERM (close() must kill it)
"""

from __future__ import annotations

import signal
import sys
import time


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def wait_for_stdin_end(limit: float = 30.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and sys.stdin.buffer.read(1):  # bounded in time
        pass


def main(mode: str) -> int:
    if mode == "error":
        say("error no gamepad connected: plug one in and start again")
        return 1
    if mode == "silent":
        wait_for_stdin_end()
        return 0
    say("ready 0 Fake Pad (test)")
    if mode == "die":
        say("axis 0 0.5")
        return 3
    if mode == "stubborn":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        time.sleep(30)
        return 0
    say("axis 0 -0.25")
    say("button 3 1")
    say("garbage that is no event")
    say("x" * 100_000)  # far past the parent's line limit: skipped, memory bounded
    say("hat 0 1 -1")
    say("axis 1 7")  # clamped to 1
    say("axis 2 nan")  # not a number: skipped
    say("button 3 0")
    wait_for_stdin_end()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
