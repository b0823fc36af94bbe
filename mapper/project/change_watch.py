"""Changes made by hand reach the disk within a fraction of a second, from a thread of their own.

Gesture takes, bookmarks and settings change seconds apart, not as a stream of rows as
examples do (mapper.project.journal), so each change is saved whole. Every one moves a counter
(a take recorded or deleted, a gesture set's threshold or inputs, the DTW progress flag:
`engine.gestures.version`; a bookmark kept or deleted: `engine.bookmarks.version`; sending
novelty, the hold threshold: `engine.novelty_version`), and `changes(engine)`, their sum, moves
with any of them. The watch polls that sum every POLL seconds (a few integers: nothing to see
in a profile) and asks for a save (ProjectSaver.save_soon: written by the save worker, saves
asked for faster than they are written merged). The thread that made the change never waits:
it only moved a counter.

A save that fails (a full disk: counted and logged by the saver) is asked again RETRY_FIRST
seconds later, then twice as long after each failure, up to RETRY_MAX; the changes stay in
memory meanwhile, and the saver's stop() tries once more. Changes that come in a stream (the
hold slider held down, a patch sending settings) are saved once they pause for QUIET seconds,
or every MAX_WAIT seconds while they go on: each save writes every file, examples.csv too.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from mapper.core.engine import Engine

POLL = 0.05  # seconds between looks at the counters
QUIET = 0.15  # seconds without a change before saving (a slider held down saves once)
MAX_WAIT = 2.0  # ... but changes never wait longer than this for the disk
RETRY_FIRST = 1.0  # seconds from a save asked for and not written to asking again
RETRY_MAX = 10.0
log = logging.getLogger("mapper.project.changes")


def changes(engine: Engine) -> int:
    """A number that moves with every change the watch saves (the counters only grow)."""
    return engine.gestures.version + engine.bookmarks.version + engine.novelty_version


class ChangeWatch:
    """Asks `save()` whenever `changes(engine)` moves past `saved()` (the number on disk)."""

    def __init__(
        self, engine: Engine, saved: Callable[[], int], save: Callable[[], object]
    ) -> None:
        self.engine = engine
        self.saved = saved
        self.save = save
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        thread = threading.Thread(target=self._loop, name="mapper-changes", daemon=True)
        thread.start()
        self._thread = thread

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10.0)
            self._thread = None

    def _loop(self) -> None:
        asked: int | None = None  # the number a save was last asked for
        wait, retry_at = RETRY_FIRST, 0.0
        seen, moved, waiting = -1, 0.0, 0.0  # the last number seen, when it moved, since when
        while not self._stop.wait(POLL):
            try:
                version = changes(self.engine)
                if version == self.saved():
                    asked, wait, seen = None, RETRY_FIRST, version
                    continue
                now = time.monotonic()
                if version != seen:  # still changing (a slider held down): wait for a pause
                    if seen == self.saved() or seen < 0:
                        waiting = now  # the first change not on disk (nor asked for)
                    seen, moved = version, now
                if now - moved < QUIET and now - waiting < MAX_WAIT:
                    continue
                if version == asked and now < retry_at:
                    continue  # asked already: the save worker is at it
                if version == asked:
                    wait = min(wait * 2, RETRY_MAX)
                asked, retry_at, waiting = version, now + wait, now
                self.save()
            except Exception as e:  # never the end of the thread (nor of saving the changes)
                log.warning("could not ask for the latest changes to be saved: %s", e)
