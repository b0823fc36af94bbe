"""What `mapper headless` prints: progress on stdout, a neural model's underruns as they
happen on stderr, and what it played at the end."""

from __future__ import annotations

import os
import sys

from mapper.session.session import Session


class Console:
    """Prints progress to stdout; if nobody reads it any more (a closed pipe), goes quiet."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet

    def say(self, line: str, status: bool = False) -> None:
        if status and self.quiet:
            return
        try:
            print(line, flush=True)
        except OSError:  # BrokenPipeError and friends: never worth losing a rehearsal over
            self.quiet = True
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - stays open until exit


def problem(line: str) -> None:
    print(f"mapper: {line}", file=sys.stderr, flush=True)


class Watch:
    """A neural model's underruns and failure, as they happen (at most one line a call)."""

    def __init__(self) -> None:
        self.underruns = 0
        self.error = ""

    def problems(self, session: Session) -> list[str]:
        audio = session.player.audio if session.player is not None else None
        if audio is None:
            return []
        stats = audio.stats
        lines = []
        if stats.underruns > self.underruns:
            lines.append(
                f"audio underruns: {stats.underruns - self.underruns} more ({stats.underruns} "
                f"in all, {stats.underrun_seconds:.2f} s of silence); the model decodes at "
                f"{stats.real_time_factor:.2f}x real time on {stats.device}"
            )
        elif stats.underruns < self.underruns:  # another player (a project switch)
            self.underruns = 0
        self.underruns = stats.underruns
        if stats.error and stats.error != self.error:
            lines.append(f"the neural audio model stopped: {stats.error}")
        self.error = stats.error
        return lines

    def report(self, session: Session) -> None:
        for line in self.problems(session):
            problem(line)


def summary(session: Session) -> list[str]:
    """What the neural audio model played, for the end of a headless run."""
    audio = session.player.audio if session.player is not None else None
    if audio is None:
        return []
    stats = audio.stats
    lines = [
        f"neural audio: {stats.blocks} blocks decoded, {stats.underruns} underruns "
        f"({stats.underrun_seconds:.2f} s of silence), real-time factor "
        f"{stats.real_time_factor:.2f} (seconds of audio per second of compute, the last 64 "
        f"blocks) on {stats.device}"
    ]
    for recorder in session.routing.recorders or audio.recorders:  # every WAV file, in order
        lines.append(
            f"wrote {recorder.path} ({recorder.seconds:.1f} s)"
            + (f"; {recorder.error}" if recorder.error else "")
        )
    return lines
