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
from mapper.osc.control import OURS, Handler, index_arg, number_arg
from mapper.osc.sender import OSCSender

NO_MEASURE = -1.0  # /mapper/uncertainty's value for an output whose model gives none


def bookmark_key(value: Any, engine: Engine) -> str | int:
    """A bookmark's name (str) or 0-based place (int) from one OSC argument."""
    if isinstance(value, str):
        text = value.strip()
        if not any(b.name == text for b in engine.bookmarks.items) and text.isdigit():
            return int(text) - 1
        return text
    return index_arg(value, "bookmark")


def curation_controls(engine: Engine, sender: OSCSender) -> dict[str, Handler]:
    """The address -> handler table; `sender` carries the replies that hold names."""

    def no_args(name: str, args: Sequence[Any]) -> None:
        if args:
            raise EngineError(f"{name} takes no arguments")

    def novelty(on: bool) -> Handler:
        return lambda args: engine.set_novelty(on)

    def hold(args: Sequence[Any]) -> None:
        if len(args) != 1:
            raise EngineError("setNoveltyHold takes one threshold (a novelty; 0 = off)")
        engine.set_novelty_hold(number_arg(args[0], "the hold threshold"))

    def ask_novelty(args: Sequence[Any]) -> None:
        no_args("novelty", args)
        value, _ = engine.novelty()
        if value is None:
            raise EngineError("no novelty yet: train an output first")
        engine.send_message("/mapper/novelty", [min(value, 3.4e38)])

    def uncertainty(args: Sequence[Any]) -> None:
        no_args("uncertainty", args)
        values = engine.uncertainty()
        engine.send_message("/mapper/uncertainty", [NO_MEASURE if v is None else v for v in values])

    def suggest(args: Sequence[Any]) -> None:
        no_args("suggest", args)
        found = engine.suggest()  # bounded: at most a thousand visits against the examples
        engine.send_message("/mapper/suggestion", [] if found is None else list(found.point))

    def explore(args: Sequence[Any]) -> None:
        no_args("explore", args)
        engine.explore()

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
        marks = engine.bookmarks.items
        sender.send_message("/mapper/bookmarks", [len(marks)], "i")
        for mark in marks:
            say(mark)

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
