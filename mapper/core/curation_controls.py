"""The engine's curation controls: bookmarks of output points, and explore. A part of Engine
(a base class of it); the bookmarks live in bookmarks.py, the choice of a far point in
explore.py."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import numpy as np

from mapper.core.bookmarks import Bookmark, Bookmarks
from mapper.core.examples import ExampleStore
from mapper.core.explore import REMEMBERED, far_point
from mapper.core.outputs import Output
from mapper.errors import EngineError


class CurationControls:
    outputs: list[Output]
    values: list[float]
    examples: ExampleStore
    last_outputs: list[float]
    _lock: threading.RLock
    set_values: Callable[..., None]

    def _init_curation(self) -> None:
        self.bookmarks = Bookmarks(len(self.outputs))
        self._explored: list[list[float]] = []  # the latest explored points, oldest first

    @property
    def playing_point(self) -> list[float]:
        """The output values sounding now: the last sent (the models' while running, or the
        set ones), else the set ones."""
        n = len(self.outputs)
        last = self.last_outputs
        return [float(v) for v in (last[:n] if len(last) >= n else self.values)]

    def keep_bookmark(
        self, name: str | None = None, values: Sequence[float] | None = None
    ) -> Bookmark:
        """Keep the output point sounding now (or `values`: the one sounding when the user
        asked, say) under `name` (default "sound N")."""
        if not self.outputs:
            raise EngineError("this project has no outputs to bookmark")
        return self.bookmarks.keep(self.playing_point if values is None else values, name)

    def recall_bookmark(self, key: str | int) -> Bookmark:
        """Set the outputs to a bookmark's point and send it (as hand-set values: recording
        now records against it). `key`: a name, or the 0-based place in the list. While
        running, the next input frame plays the models again."""
        mark = self.bookmarks.find(key)
        self.set_values(mark.values)
        return mark

    def delete_bookmark(self, key: str | int) -> Bookmark:
        return self.bookmarks.delete(key)

    def explore(self) -> list[float]:
        """Set and send an output point far from every recorded and recently explored one
        (mapper.core.explore); returns it. Bounded work, a fraction of a second: call it off
        the receive thread."""
        if not self.outputs:
            raise EngineError("this project has no outputs to explore")
        rows = self.examples.snapshot()
        with self._lock:
            earlier = np.array(self._explored).reshape(-1, len(self.outputs))
        heard = np.vstack((rows.outputs, earlier))
        carried = np.vstack((rows.mask, np.ones(earlier.shape, dtype=bool)))
        point = far_point(self.outputs, heard, carried)
        self.set_values(point)
        with self._lock:
            self._explored = [*self._explored, list(self.values)][-REMEMBERED:]
        return list(self.values)
