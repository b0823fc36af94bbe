"""Know where you are, keep what you like: `H` cycles the hold threshold (the hold slider,
tui/widgets/hold_slider.py, sets it finely), `n` sends /mapper/novelty, `w` says where to
record next, `X` explores a far sound, `B` bookmarks the sound playing; the bookmarks panel
recalls and deletes them."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence

from textual import work

from mapper.core.bookmarks import free_name
from mapper.core.engine import EngineError, Mode
from mapper.core.suggestion import Suggestion
from tui.actions.base import Actions
from tui.dialogs.ask_name import AskName
from tui.dialogs.confirm import Confirm
from tui.drawing import short
from tui.widgets.bookmarks_panel import BookmarksPanel, values_text
from tui.widgets.hold_slider import hold_text

HOLDS = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)
NO_VISITS = "nothing played yet: run (p) and play a while; then w says where to record next"
UNTRAINED = "train first (t): suggestions compare your playing with what the models learned"
ALL_NEAR = "every place you visited is near an example"


def next_hold(current: float) -> float:
    """The next threshold of HOLDS after `current` (after the last: off)."""
    return next((h for h in HOLDS if h > current + 1e-9), HOLDS[0])


def suggestion_text(
    found: Suggestion | None, names: Sequence[str], visited: int, trained: bool
) -> str:
    """The notification `w` shows."""
    if found is None:
        return NO_VISITS if visited < 2 else ALL_NEAR if trained else UNTRAINED
    where = ", ".join(f"{n} {short(v)}" for n, v in zip(names, found.point))
    new = f"novelty {found.novelty:.1f}" if math.isfinite(found.novelty) else "beyond any sensor"
    return f"record here next: {where} ({new}; {found.share:.0%} of your recent playing)"


class CurationActions(Actions):
    """Each acts through the engine's public methods (the same as /mapper/control/...)."""

    def _has_outputs(self, what: str) -> bool:
        if self.engine.n_outputs:
            return True
        self.notify(f"{what}: this project has no outputs", severity="warning")
        return False

    # ---- novelty and hold ---------------------------------------------------------------
    def action_cycle_hold(self) -> None:
        if self._has_outputs("hold"):
            value = next_hold(self.engine.novelty_hold)
            if self._set_hold(value):
                self.notify(
                    f"outputs hold while the input's novelty is above {hold_text(value)}"
                    if value
                    else "hold off: the outputs follow the models wherever the input goes",
                    timeout=3,
                )

    def _set_hold(self, value: float) -> bool:
        try:
            self.engine.set_novelty_hold(value)
        except EngineError as e:
            self.notify(f"hold: {e}", severity="warning")
            return False
        return True

    def action_toggle_novelty(self) -> None:
        if not self._has_outputs("novelty"):
            return
        on = not self.engine.novelty_send
        self.engine.set_novelty(on)
        self.notify(
            "sending /mapper/novelty (0 on an example, 1 as far as the examples' spread) "
            "after each output message while running"
            if on
            else "no longer sending /mapper/novelty",
            timeout=4,
        )

    # ---- where next -----------------------------------------------------------------------
    def action_suggest(self) -> None:
        self._suggest()

    @work(thread=True, group="suggest", exclusive=True)
    def _suggest(self) -> None:
        """engine.suggest() takes up to seconds with many examples: off the UI's thread."""
        e = self.engine
        found = e.suggest()
        trained = any(e.trained_model(j) for j in range(e.n_outputs))
        text = suggestion_text(found, e.input_names, len(e.visits), trained)
        with contextlib.suppress(RuntimeError):  # the app has closed meanwhile
            self.app.call_from_thread(self.notify, text, timeout=8)

    def action_explore(self) -> None:
        if self._has_outputs("explore"):
            point = self._try("explore", self.engine.explore)
            if point is not None:
                self.notify(f"exploring {values_text(point)}: B keeps it", timeout=3)

    # ---- bookmarks ------------------------------------------------------------------------
    def action_keep_bookmark(self) -> None:
        """Ask a name, then keep the point that sounded when B was pressed (while running,
        the outputs move on while the name is typed)."""
        e = self.engine
        if not self._has_outputs("bookmark"):
            return
        point = e.playing_point
        offered = free_name({b.name for b in e.bookmarks.items})

        def named(name: str | None) -> None:
            if name is None:
                return
            mark = self._try("bookmark", e.keep_bookmark, name, point)
            if mark is not None:
                self.notify(f"kept {mark.name}: {values_text(mark.values)}", timeout=3)

        question = f"Bookmark {values_text(point)} as:"
        self.app.push_screen(AskName(question, offered), named)

    def on_bookmarks_panel_recall(self, message: BookmarksPanel.Recall) -> None:
        mark = self._try("recall", self.engine.recall_bookmark, message.key)
        if mark is not None and self.engine.mode is Mode.RUNNING:
            self.notify(f"{mark.name} sent; running: the next input frame plays the models again")

    def on_bookmarks_panel_delete(self, message: BookmarksPanel.Delete) -> None:
        name = message.name

        def answer(yes: bool | None) -> None:
            if yes and self._try("delete", self.engine.delete_bookmark, name) is not None:
                self.notify(f"deleted bookmark {name}", timeout=3)

        self.app.push_screen(Confirm(f"Delete bookmark {name}?"), answer)
