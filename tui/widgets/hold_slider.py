"""The hold slider: the novelty above which the outputs hold (0: never), under the novelty
meter and drawn on the same scale, so its knob sits under the meter's threshold mark.

Keys (when focused): left/right move it by 0.1, shift by 0.5. A click sets it there. Each
move sets the engine's threshold at once (as /mapper/control/setNoveltyHold does).
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widget import Widget

from mapper.core.engine import Engine
from mapper.core.hold import MAX_HOLD
from tui.drawing import slider

SCALE = 3.0  # the meter and the slider span novelty 0..SCALE
LABEL = 5  # "hold " before the track, as the novelty number before the meter's bar
END = 5  # after the track: the value here, HELD on the meter


def track_width(width: int) -> int:
    """The bar's (and the track's) width in a line `width` wide."""
    return max(width - LABEL - END, 4)


def hold_text(value: float) -> str:
    """'off', or the threshold as a musician reads it: '1.5'."""
    return "off" if value <= 0 else f"{value:.3g}"


class HoldSlider(Widget, can_focus=True):
    """One line: `hold ━━━━●━━━━ 1.5`, the engine's threshold (H and OSC move it too)."""

    BINDINGS = [
        Binding("left", "step(-1)", "lower", show=False),
        Binding("right", "step(1)", "higher", show=False),
        Binding("shift+left", "step(-5)", show=False),
        Binding("shift+right", "step(5)", show=False),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.value = 0.0
        self._engine: Engine | None = None

    def set_engine(self, engine: Engine) -> None:
        self._engine = engine
        self.show(engine.novelty_hold)

    def show(self, value: float) -> None:
        """The engine's threshold (H, OSC, or this slider) shown."""
        if value != self.value:
            self.value = value
            self.refresh()

    def _move(self, value: float) -> None:
        if self._engine is None:
            return
        self._engine.set_novelty_hold(min(max(round(value, 2), 0.0), MAX_HOLD))
        self.show(self._engine.novelty_hold)

    def action_step(self, tenths: int) -> None:
        self._move(self.value + tenths * 0.1)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        w = track_width(self.content_size.width)
        at = min(max(offset.x - LABEL, 0), w - 1)
        self._move(round(at / max(w - 1, 1) * SCALE, 1))

    def render(self) -> Text:
        w = track_width(self.content_size.width)
        on = self.value > 0
        text = Text("hold ", style="bold" if self.has_focus else "")
        style = "bold yellow" if on else "dim"
        text.append(slider(min(self.value, SCALE), 0.0, SCALE, w), style=style)
        text.append(f" {hold_text(self.value):<{END - 1}}", style="bold yellow" if on else "dim")
        return text

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
