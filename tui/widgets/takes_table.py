"""The examples screen's gesture takes: one row per recorded take, gesture after gesture (its
name, the take's id, its frames, when it was recorded); `d` deletes the selected take, `D`
every take of its gesture (asks first: takes are not put back)."""

from __future__ import annotations

from datetime import datetime

from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from mapper.core.engine import Engine
from tui.dialogs.confirm import Confirm


def take_summary(engine: Engine) -> str:
    g = engine.gestures
    n, without = len(g.takes), sum(1 for k in g.counts() if not k)
    summary = f" {n} gesture take{'' if n == 1 else 's'}"
    if without:
        summary += f" ({without} gesture{' has' if without == 1 else 's have'} none)"
    summary += " · d deletes a take, D every take of its gesture (asks)"
    return summary + (" · tab: examples" if engine.n_outputs else "")


class TakesTable(DataTable[str]):
    """Edits go through the engine (delete_gesture_take, delete_gesture_examples)."""

    BINDINGS = [
        Binding("d", "delete_take", "Delete take"),
        Binding("D", "delete_gesture", "Delete gesture's takes"),
    ]

    def __init__(self, engine: Engine, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.engine = engine

    def on_mount(self) -> None:
        self.add_columns("gesture", "take", "frames", "recorded")
        self.fill()

    def fill(self) -> None:
        """Every take, by gesture (the order of /wek/outputs), then as recorded."""
        at = self.cursor_row
        self.clear()
        g = self.engine.gestures
        names = g.names()
        for take in sorted(g.takes, key=lambda t: (g.number(t.set, t.gesture), t.id)):
            stamp = "-"
            if take.time > 0:
                stamp = datetime.fromtimestamp(take.time).strftime("%Y-%m-%d %H:%M:%S")
            self.add_row(
                names[g.number(take.set, take.gesture)],
                str(take.id),
                str(len(take.frames)),
                stamp,
                key=str(take.id),
            )
        if self.row_count:
            self.move_cursor(row=min(max(at, 0), self.row_count - 1))
        self.post_message(self.Changed())

    class Changed(Message):
        """The takes listed changed (the screen's summary says how many)."""

    def _current(self) -> tuple[int, int] | None:
        """The selected take's id and its global gesture."""
        if not self.row_count:
            return None
        take_id = int(str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value))
        g = self.engine.gestures
        take = next((t for t in g.takes if t.id == take_id), None)
        return None if take is None else (take_id, g.number(take.set, take.gesture))

    def action_delete_take(self) -> None:
        current = self._current()
        if current is not None:
            self.engine.delete_gesture_take(current[0])
            self.fill()

    def action_delete_gesture(self) -> None:
        current = self._current()
        if current is None:
            return
        g = current[1]
        name, count = self.engine.gestures.names()[g], self.engine.gestures.counts()[g]

        def answer(yes: bool | None) -> None:
            if yes:
                self.engine.delete_gesture_examples(g)
                self.notify(f"deleted {count} takes of {name}")
                self.fill()

        self.app.push_screen(Confirm(f"Delete all {count} takes of {name}?"), answer)
