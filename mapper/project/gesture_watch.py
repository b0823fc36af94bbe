"""Gesture takes reach the disk within a fraction of a second, from a thread of their own.

A take is one object recorded seconds apart from the next (not a stream of rows as examples
are, mapper.project.journal), so every change to the takes or to the gesture settings (a
take recorded or deleted, a threshold, the inputs, the progress flag: each moves
`engine.gestures.version`) is saved whole: the watch polls that version every POLL seconds
and asks for a save (ProjectSaver.save_soon: written by the save worker, saves asked for
faster than they are written merged). The receive thread never waits: it only moves a counter.

A save that fails (a full disk: counted and logged by the saver) is asked again RETRY_FIRST
seconds later, then twice as long after each failure, up to RETRY_MAX; the takes stay in
memory meanwhile, and the saver's stop() tries once more.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from mapper.core.gestures import Gestures

POLL = 0.05  # seconds between looks at the version
RETRY_FIRST = 1.0  # seconds from a save asked for and not written to asking again
RETRY_MAX = 10.0
log = logging.getLogger("mapper.project.gestures")


class GestureWatch:
    """Asks `save()` whenever `gestures.version` moves past `saved()` (the version on disk)."""

    def __init__(
        self, gestures: Gestures, saved: Callable[[], int], save: Callable[[], object]
    ) -> None:
        self.gestures = gestures
        self.saved = saved
        self.save = save
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        thread = threading.Thread(target=self._loop, name="mapper-gestures", daemon=True)
        thread.start()
        self._thread = thread

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10.0)
            self._thread = None

    def _loop(self) -> None:
        asked: int | None = None  # the version a save was last asked for
        wait, retry_at = RETRY_FIRST, 0.0
        while not self._stop.wait(POLL):
            try:
                version = self.gestures.version
                if version == self.saved():
                    asked, wait = None, RETRY_FIRST
                    continue
                now = time.monotonic()
                if version == asked and now < retry_at:
                    continue  # asked already: the save worker is at it
                if version == asked:
                    wait = min(wait * 2, RETRY_MAX)
                asked, retry_at = version, now + wait
                self.save()
            except Exception as e:  # never the end of the thread (nor of saving the takes)
                log.warning("could not ask for the gesture takes to be saved: %s", e)
