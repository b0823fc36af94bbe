"""The outputs panel: one row per output with its value (a slider, or a class selector),
how sure its model is there (±, see doubt_label) or HELD while it holds, model, example count,
model state, and its record / run / train toggles.

Keys (when focused): up/down select, left/right move the value (shift: big steps), digits
pick a class. The mouse: click a row to select it, click on the slider or a class to set it,
click a toggle to flip it. Every change is sent at once, to audition the instrument.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.widget import Widget

from mapper.core.engine import Engine, Mode, ModelState
from mapper.core.outputs import Output
from tui.drawing import model_label, number, slider

STATE_TEXT = {  # the label (the same at every width: the README names these), style
    ModelState.UNTRAINED: ("untrained", "dim"),
    ModelState.TRAINED: ("trained", "green"),
    ModelState.STALE: ("retrain", "yellow"),
    ModelState.TRAINING: ("training…", "bold cyan"),
}
STATE_W = 10
DOUBT_W = 6  # " ±0.12", " ?33%", " …", " HELD": a column while any output has one
TOGGLES = ("record", "run", "train")
FINE, COARSE = 0.01, 0.1  # of the output's range per key press


def doubt_label(output: Output, uncertainty: float | None, learning: bool) -> str:
    """How unsure the output's model is at the input now: ±0.12 in the output's units (a
    kNN's neighbours' spread, an MLP ensemble's disagreement), ?33% for a class (the votes or
    probability against the winner), … while an MLP's ensemble still learns (`learning`),
    nothing for a model that gives no measure."""
    if uncertainty is None:
        return "…" if learning else ""
    if output.is_classifier:
        return f"?{uncertainty:.0%}"
    if uncertainty < 10:
        return f"±{uncertainty:.2f}"
    return f"±{uncertainty:.1f}" if uncertainty < 100 else f"±{uncertainty:.0f}"[:5]


@dataclass
class _Columns:
    name: int
    value: int  # where the slider / class selector starts
    value_w: int
    toggles: int  # where "rec run trn" starts


class OutputsPanel(Widget, can_focus=True):
    """Reads the engine on the app's timer; changes go through the engine's public methods."""

    BINDINGS = [
        Binding("up", "select(-1)", "previous output", show=False),
        Binding("down", "select(1)", "next output", show=False),
        Binding("left", "step(-1)", "value down", show=False),
        Binding("right", "step(1)", "value up", show=False),
        Binding("shift+left", "step(-10)", show=False),
        Binding("shift+right", "step(10)", show=False),
        *(Binding(str(d), f"pick_class({d})", show=False) for d in range(10)),
        Binding("enter", "screen.model", "model settings", show=False),
    ]

    class Problem(Message):
        """A change the engine refused (the app shows it as a notification)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, engine: Engine | None, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._engine = engine
        self.selected = 0
        self.border_title = "Outputs"
        self._cols = _Columns(2, 16, 10, 60)
        self._more = ""
        self.first = 0  # the first output shown: more outputs than rows scroll to the selected
        self.doubts: list[str] = []  # each output's doubt_label now
        self.held: list[bool] = []  # which outputs hold now (their input too new)

    @property
    def engine(self) -> Engine:
        assert self._engine is not None, "no project open yet"
        return self._engine

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # nothing to act on before a project is open, nor in a project of gestures alone
        return self._engine is not None and self._engine.n_outputs > 0

    def set_engine(self, engine: Engine) -> None:
        """Show this engine's outputs. Its row count decides the panel's height (auto), so
        the layout is redone, not only the text: a panel laid out for no project (one line)
        would otherwise stay one line tall until the terminal is resized."""
        self._engine = engine
        self.selected = self.first = 0
        self.doubts, self.held = [], []
        self.refresh(layout=True)

    def show_doubt(self, doubts: list[str], held: list[bool]) -> None:
        """Each output's doubt_label and whether it holds, drawn at the next refresh."""
        self.doubts, self.held = doubts, held

    # ---- keys ---------------------------------------------------------------------------
    def action_select(self, delta: int) -> None:
        self.selected = (self.selected + delta) % self.engine.n_outputs
        self.refresh()

    def action_step(self, steps: int) -> None:
        j = self.selected
        output = self.engine.outputs[j]
        value = self.engine.values[j]
        if output.is_classifier:
            new = min(max(value + (1 if steps > 0 else -1), 0), output.classes)
        else:
            size = COARSE if abs(steps) > 1 else FINE
            span = output.max - output.min
            new = min(max(value + (1 if steps > 0 else -1) * size * span, output.min), output.max)
            new = float(f"{new:.12g}")  # 0.57 as the keys made it, not 0.5700000000000001
        self._set(j, new)

    def action_pick_class(self, digit: int) -> None:
        output = self.engine.outputs[self.selected]
        if output.is_classifier and digit <= output.classes:
            self._set(self.selected, float(digit))

    def _set(self, j: int, value: float) -> None:
        try:
            self.engine.set_value(j, value)
        except ValueError as e:
            self.post_message(self.Problem(str(e)))
        self.refresh()

    # ---- mouse --------------------------------------------------------------------------
    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or self._engine is None:
            return
        j = self.first + offset.y - 1  # the first line is the header
        if not 0 <= j < self.engine.n_outputs:
            return
        self.selected = j
        cols, x = self._cols, offset.x
        output = self.engine.outputs[j]
        if cols.value <= x < cols.value + cols.value_w:
            pos = x - cols.value
            if output.is_classifier:
                self._click_class(j, output, pos)
            else:
                frac = pos / max(cols.value_w - 1, 1)
                self._set(j, output.min + frac * (output.max - output.min))
        elif x >= cols.toggles:
            k = (x - cols.toggles) // 4
            if 0 <= k < len(TOGGLES):
                self.toggle(TOGGLES[k], j)
        self.refresh()

    def _click_class(self, j: int, output: Output, pos: int) -> None:
        labels = self._class_cells(output, self.engine.values[j])
        for start, end, cls in labels:
            if start <= pos < end:
                self._set(j, float(cls))

    def toggle(self, what: str, j: int | None = None) -> None:
        """Flip recording, running or training for one output (default: the selected one)."""
        j = self.selected if j is None else j
        on = not getattr(self.engine.outputs[j], what)
        self.engine.set_enabled(what, [j], on)
        self.refresh()

    # ---- drawing ------------------------------------------------------------------------
    def _class_cells(self, output: Output, value: float) -> list[tuple[int, int, int]]:
        """(start, end, class) of each clickable class label within the value column: from
        class 0, or, where they do not all fit, from the first that lets `value`'s show."""
        for first in range(0, output.classes + 1):
            cells, pos = [], 0
            for cls in range(first, output.classes + 1):
                width = len(str(cls)) + 2
                if pos + width > self._cols.value_w:
                    break
                cells.append((pos, pos + width, cls))
                pos += width
            if not cells or cells[-1][2] >= int(value):
                return cells
        return []

    def render(self) -> Text:
        if self._engine is None:
            return Text("no project open", style="dim")
        e = self._engine
        width = max(self.content_size.width, 60)
        name_w = min(max((len(o.name) for o in e.outputs), default=4), 12)
        state_w = STATE_W
        doubt_w = DOUBT_W if any(self.doubts) or any(self.held) else 0
        fixed = 2 + name_w + 1 + 1 + 7 + doubt_w + 1 + 11 + 6 + 1 + state_w + 12
        value_w = max(width - fixed, 8)
        self._cols = _Columns(2, 2 + name_w + 1, value_w, 0)
        after_value = 1 + 7 + doubt_w + 1 + 11 + 6 + 1 + state_w
        self._cols.toggles = self._cols.value + value_w + after_value
        shown = e.last_outputs if e.mode is Mode.RUNNING else e.values
        counts = e.examples.counts()
        text = Text()
        header = (
            f"  {'name':<{name_w}} {'value':<{value_w + 8}}{' ±'[:doubt_w]:<{doubt_w}} "
            f"{'model':<11}{'ex.':>6} "
            f"{'state':<{state_w}}rec run trn"
        )
        text.append(header + "\n", style="dim")
        shown_rows = self._window(e.n_outputs)
        for j in shown_rows:
            output = e.outputs[j]
            selected = j == self.selected
            text.append("▸ " if selected else "  ", style="bold")
            text.append(f"{output.name[:name_w]:<{name_w}} ", style="bold" if selected else "")
            value = shown[j] if j < len(shown) else e.values[j]
            if output.is_classifier:
                self._draw_classes(text, output, value, value_w)
                text.append(f" {int(value):>3}/{output.classes:<3}")
            else:
                text.append(slider(value, output.min, output.max, value_w), style="cyan")
                text.append(" " + number(value))
            if doubt_w:
                self._draw_doubt(text, j)
            text.append(f" {model_label(output.model, output.is_classifier)[:11]:<11}")
            text.append(f"{counts[j]:>6} ")
            label, style = STATE_TEXT[e.model_states[j]]
            text.append(f"{label:<{state_w}}", style=style)
            for what in TOGGLES:
                on = getattr(output, what)
                text.append(" ■  " if on else " □  ", style="bold green" if on else "dim")
            if j < shown_rows[-1]:
                text.append("\n")
        return text

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """The header and every output: the panel is as tall as that, or as its max-height
        lets it be (then the rows scroll to keep the selected output in view)."""
        return 1 + (self._engine.n_outputs if self._engine is not None else 0)

    def _window(self, n: int) -> range:
        """The outputs that fit under the header, scrolled so the selected one shows; the
        border says how many more there are above and below."""
        rows = self.content_size.height - 1
        rows = n if rows <= 0 else min(rows, n)
        self.first = min(max(self.first, self.selected - rows + 1), self.selected)
        self.first = max(min(self.first, n - rows), 0)
        above, below = self.first, n - self.first - rows
        more = " · ".join(
            part
            for part in (f"↑ {above} more" if above else "", f"↓ {below} more" if below else "")
            if part
        )
        if more != self._more:  # setting a border title refreshes, even the same one
            self._more = more
            self.border_subtitle = more or None
        return range(self.first, self.first + rows)

    def _draw_doubt(self, text: Text, j: int) -> None:
        if j < len(self.held) and self.held[j]:
            text.append(" ")
            text.append("HELD", style="bold white on red")
            text.append(" " * (DOUBT_W - 5))
            return
        label = self.doubts[j] if j < len(self.doubts) else ""
        text.append(f" {label:<{DOUBT_W - 1}}", style="magenta")

    def _draw_classes(self, text: Text, output: Output, value: float, width: int) -> None:
        used = 0
        for _, end, cls in self._class_cells(output, value):
            label = f"[{cls}]" if cls == int(value) else f" {cls} "
            text.append(label, style="bold reverse" if cls == int(value) else "")
            used = end
        text.append(" " * (width - used))
