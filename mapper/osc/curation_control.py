"""Know where you are, and keep what you like: novelty, hold, uncertainty, suggestions,
explore and bookmarks, under /mapper/control/. Replies go to the output target.

A bookmark is named by a string (its name) or a number (its place in the list, 1-based); a
string that names no bookmark but is a whole number counts as a place (Pd and Max send
numbers typed as symbols at times).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mapper.core.bookmarks import Bookmark
from mapper.core.engine import Engine, EngineError
from mapper.core.outputs import FLOAT32_LARGEST
from mapper.osc.control import OURS, Handler, index_arg, number_arg, run_later
from mapper.osc.jobs import JobRunner
from mapper.osc.sender import OSCSender

NO_MEASURE = -1.0  # /mapper/uncertainty's value for an output whose model gives none


def sendable(value: float) -> float:
    """`value` within OSC's float32 (a double input, say, beyond it: its largest)."""
    return max(-FLOAT32_LARGEST, min(FLOAT32_LARGEST, value))


def bookmark_key(value: Any, engine: Engine) -> str | int:
    """A bookmark's name (str) or 0-based place (int) from one OSC argument."""
    if isinstance(value, str):
        text = value.strip()
        if not any(b.name == text for b in engine.bookmarks.items) and text.isdigit():
            return int(text) - 1
        return text
    return index_arg(value, "bookmark")


def curation_controls(engine: Engine, sender: OSCSender, jobs: JobRunner) -> dict[str, Handler]:
    """The address -> handler table; `sender` carries the replies that hold names. What
    takes more than a moment (a suggestion, explore, the list of bookmarks) runs on `jobs`'
    workers, one request of each kind waiting at most: the receive thread never waits."""

    def no_args(name: str, args: Sequence[Any]) -> None:
        if args:
            raise EngineError(f"{name} takes no arguments")

    def novelty(on: bool) -> Handler:
        def handler(args: Sequence[Any]) -> None:
            no_args("enableNovelty" if on else "disableNovelty", args)
            engine.set_novelty(on)

        return handler

    def hold(args: Sequence[Any]) -> None:
        if len(args) != 1:
            raise EngineError("setNoveltyHold takes one threshold (a novelty; 0 = off)")
        engine.set_novelty_hold(number_arg(args[0], "the hold threshold"))

    def ask_novelty(args: Sequence[Any]) -> None:
        no_args("novelty", args)
        if not engine.last_inputs:
            raise EngineError("no novelty yet: no input frame has arrived")
        value, _ = engine.novelty()
        if value is None:
            raise EngineError("no novelty: no output has a trained model that runs")
        engine.send_message("/mapper/novelty", [sendable(value)])

    def uncertainty(args: Sequence[Any]) -> None:
        no_args("uncertainty", args)
        values = engine.uncertainty()
        reply = [NO_MEASURE if v is None else sendable(v) for v in values]
        engine.send_message("/mapper/uncertainty", reply)

    def suggest(args: Sequence[Any]) -> None:
        no_args("suggest", args)

        def work() -> None:
            found = engine.suggest()
            point = [] if found is None else [sendable(p) for p in found.point]
            engine.send_message("/mapper/suggestion", point)

        run_later(engine, jobs, "suggest", "suggest", work, key="suggest")

    def explore(args: Sequence[Any]) -> None:
        no_args("explore", args)
        run_later(engine, jobs, "explore", "explore", engine.explore, key="explore")

    def say(mark: Bookmark) -> None:
        place = engine.bookmarks.items.index(mark) + 1 if mark in engine.bookmarks.items else 0
        values = list(mark.values)
        sender.send_message(
            "/mapper/bookmark", [place, mark.name, *values], "is" + "f" * len(values)
        )

    def keep(args: Sequence[Any]) -> None:
        if len(args) > 1:
            raise EngineError("bookmark takes no argument, or one name")
        if args and not isinstance(args[0], str):
            raise EngineError(f"a bookmark's name is a string, not {args[0]!r}")
        say(engine.keep_bookmark(args[0] if args else None))

    def one_key(name: str, args: Sequence[Any]) -> str | int:
        if len(args) != 1:
            raise EngineError(f"{name} takes one bookmark: its name, or its number (1-based)")
        return bookmark_key(args[0], engine)

    def recall(args: Sequence[Any]) -> None:
        engine.recall_bookmark(one_key("recall", args))

    def delete(args: Sequence[Any]) -> None:
        engine.delete_bookmark(one_key("deleteBookmark", args))

    def listing(args: Sequence[Any]) -> None:
        no_args("listBookmarks", args)

        def work() -> None:
            marks = engine.bookmarks.items
            sender.send_message("/mapper/bookmarks", [len(marks)], "i")
            for mark in marks:
                say(mark)

        run_later(engine, jobs, "bookmarks", "listBookmarks", work, key="list")

    return {
        OURS + "enableNovelty": novelty(True),
        OURS + "disableNovelty": novelty(False),
        OURS + "setNoveltyHold": hold,
        OURS + "novelty": ask_novelty,
        OURS + "uncertainty": uncertainty,
        OURS + "suggest": suggest,
        OURS + "explore": explore,
        OURS + "bookmark": keep,
        OURS + "recall": recall,
        OURS + "deleteBookmark": delete,
        OURS + "listBookmarks": listing,
    }
