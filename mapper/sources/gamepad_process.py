"""The gamepad reader, a process of its own: `python -m mapper.sources.gamepad_process [WHICH]`.

SDL (through pygame, the `gamepad` extra) wants the main thread on macOS, and a crash in a
driver should not take the instrument down, so gesture-mapper reads the gamepad here and hears
it as lines on this process's stdout (mapper/sources/gamepad.py reads them):

    ready INDEX NAME      the gamepad is open (again, after a reconnection)
    axis N V              V in -1..1
    button N 0|1
    hat N X Y             X, Y in -1, 0, 1
    note TEXT             something to tell the performer (unplugged, plugged back)
    error TEXT            it cannot go on; the process then ends

WHICH is the gamepad's index (0 is the first) or a part of its name. The process ends when its
stdin closes (the parent closed it, or died). Imports nothing of gesture-mapper but this file.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any, TextIO

WAIT_MS = 200  # longest wait for an SDL event, so a closed stdin is noticed


def _one_line(text: str, width: int = 200) -> str:
    return " ".join(str(text).split())[:width]


def _watch_stdin() -> None:
    """End the process when the parent closes our stdin or goes away."""
    try:
        while sys.stdin.buffer.read(4096):  # bounded by the parent: it sends nothing
            pass
    except (OSError, ValueError):
        pass
    os._exit(0)


def _pick(pygame: Any, which: str | None) -> int | str:
    """The index of the gamepad asked for, or an error's text."""
    count = pygame.joystick.get_count()
    if count == 0:
        return "no gamepad connected: plug one in and start again"
    if not which:
        return 0
    if which.isdigit():
        index = int(which)
        if index < count:
            return index
        return f"no gamepad number {index}: {count} connected (0 is the first)"
    names = [pygame.joystick.Joystick(i).get_name() for i in range(count)]
    for i, name in enumerate(names):
        if which.casefold() in name.casefold():
            return i
    listed = ", ".join(repr(_one_line(n, 40)) for n in names[:6])
    return f"no gamepad matches {_one_line(which, 40)!r}: connected are {listed}"


def run(which: str | None, out: TextIO) -> int:
    def say(line: str) -> None:
        out.write(line + "\n")
        out.flush()

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    os.environ.setdefault("SDL_JOYSTICK_ALLOW_BACKGROUND_EVENTS", "1")  # no window has focus
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    try:
        import pygame
    except ImportError as e:
        say(f"error missing pygame: {_one_line(str(e))}")
        return 2
    pygame.display.init()  # the event queue needs the (dummy) video system
    pygame.joystick.init()
    picked = _pick(pygame, which)
    if isinstance(picked, str):
        say(f"error {picked}")
        return 1
    joystick: Any = pygame.joystick.Joystick(picked)
    joystick.init()
    instance: int | None = joystick.get_instance_id()
    say(f"ready {picked} {_one_line(joystick.get_name())}")
    threading.Thread(target=_watch_stdin, name="stdin-watch", daemon=True).start()
    while True:  # ends with stdin (the watcher exits the process) or a broken pipe
        event = pygame.event.wait(WAIT_MS)
        if event.type == pygame.NOEVENT:
            continue
        if event.type == pygame.JOYDEVICEADDED and joystick is None:
            joystick = pygame.joystick.Joystick(event.device_index)
            joystick.init()
            instance = joystick.get_instance_id()
            say(f"note gamepad connected again: {_one_line(joystick.get_name())}")
            say(f"ready {event.device_index} {_one_line(joystick.get_name())}")
            continue
        if getattr(event, "instance_id", None) != instance:
            continue
        if event.type == pygame.JOYAXISMOTION:
            say(f"axis {event.axis} {max(-1.0, min(1.0, float(event.value))):.6g}")
        elif event.type in (pygame.JOYBUTTONDOWN, pygame.JOYBUTTONUP):
            say(f"button {event.button} {1 if event.type == pygame.JOYBUTTONDOWN else 0}")
        elif event.type == pygame.JOYHATMOTION:
            say(f"hat {event.hat} {event.value[0]} {event.value[1]}")
        elif event.type == pygame.JOYDEVICEREMOVED:
            say("note gamepad disconnected: plug it back in to go on")
            joystick, instance = None, None


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = os.fdopen(os.dup(1), "w", encoding="utf-8", errors="replace")
    os.dup2(2, 1)  # anything else printed (pygame's banner, SDL's warnings) goes to stderr
    try:
        return run(args[0] if args else None, out)
    except BrokenPipeError:  # the parent stopped reading
        return 0
    except Exception as e:  # one line for the parent, whatever SDL raised
        try:
            out.write(f"error the gamepad reader failed: {_one_line(repr(e))}\n")
            out.flush()
        except OSError:
            pass
        return 1


if __name__ == "__main__":
    sys.exit(main())
