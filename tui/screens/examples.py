"""The examples screen: every recorded example, by round; delete rows or whole rounds. In a
project with gesture sets, the gesture takes under them (tui.widgets.takes_table)."""

from __future__ import annotations

from datetime import datetime

import numpy as np
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from mapper.core.engine import Engine
from tui.drawing import number
from tui.widgets.takes_table import TakesTable, take_summary


class ExamplesScreen(Screen[None]):
    """Edits go through the engine; the outputs they touch are marked 'needs retraining'."""

    BINDINGS = [
        Binding("d", "delete_row", "Delete example"),
        Binding("D", "delete_round", "Delete round"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine

    def compose(self) -> ComposeResult:
        yield Static(id="examples-summary")
        yield DataTable(id="examples", cursor_type="row", zebra_stripes=True)
        if self.engine.gestures.sets:
            yield Static(id="takes-summary")
            yield TakesTable(self.engine, id="takes")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#examples", DataTable)
        e = self.engine
        table.add_columns("round", "row", "time", *e.input_names, *(o.name for o in e.outputs))
        self.fill()
        if e.gestures.sets:
            self.set_class(True, "-with-takes")
            if not e.n_outputs:  # gestures alone: no examples to list
                self.query_one("#examples-summary").display = False
                table.display = False
                self.query_one(TakesTable).focus()
                return
        table.focus()

    def on_takes_table_changed(self, message: TakesTable.Changed) -> None:
        self.query_one("#takes-summary", Static).update(take_summary(self.engine))

    def fill(self) -> None:
        table = self.query_one("#examples", DataTable)
        table.clear()
        rows = self.engine.examples.snapshot()
        row_in_round: dict[int, int] = {}
        for k in range(len(rows)):
            r = int(rows.rounds[k])
            row_in_round[r] = row_in_round.get(r, 0) + 1
            stamp = datetime.fromtimestamp(float(rows.times[k])).strftime("%H:%M:%S.%f")[:-3]
            outs = [
                number(float(v)).strip() if m else "" for v, m in zip(rows.outputs[k], rows.mask[k])
            ]
            table.add_row(
                str(r),
                str(row_in_round[r]),
                stamp,
                *(number(float(v)).strip() for v in rows.inputs[k]),
                *outs,
                key=str(int(rows.ids[k])),
            )
        rounds = len(np.unique(rows.rounds)) if len(rows) else 0
        self.query_one("#examples-summary", Static).update(
            f" {len(rows)} examples in {rounds} rounds · d deletes an example, D its round "
            "(u/U on the main screen undo rounds) · edited outputs need retraining"
        )

    def _current(self) -> tuple[int, int] | None:
        table = self.query_one("#examples", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        row = table.get_row_at(table.cursor_row)
        return int(str(key)), int(row[0])

    def action_delete_row(self) -> None:
        current = self._current()
        if current is None:
            return
        at = self.query_one("#examples", DataTable).cursor_row
        self.engine.delete_examples([current[0]])
        self.fill()
        self._restore_cursor(at)

    def action_delete_round(self) -> None:
        current = self.current_round()
        if current is None:
            return
        at = self.query_one("#examples", DataTable).cursor_row
        rows = self.engine.delete_round(current)
        self.notify(
            f"deleted round {current} ({len(rows)} examples); U on the main screen puts it back"
        )
        self.fill()
        self._restore_cursor(at)

    def current_round(self) -> int | None:
        current = self._current()
        return None if current is None else current[1]

    def _restore_cursor(self, at: int) -> None:
        table = self.query_one("#examples", DataTable)
        if table.row_count:
            table.move_cursor(row=min(at, table.row_count - 1))
