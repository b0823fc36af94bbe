"""The bookmarks panel: the sounds (output points) the artist kept with `B`, one a line: its
number, name and values; the one playing now (just recalled, or set to the same values)
marked ♪ in green.

Keys (when focused): up/down select, 1-9 recall that bookmark, enter recalls the selected,
d deletes it (the main screen asks first). Recalling sets the outputs to its values and sends
them, as the sliders do.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message

from mapper.core.bookmarks import Bookmark
from tui.drawing import short
from tui.widgets.text_panel import TextPanel

EMPTY = ("none yet: B keeps the sound playing", "none yet: B keeps one", "B keeps one")


def values_text(values: Sequence[float]) -> str:
    return " ".join(short(v) for v in values)


class BookmarksPanel(TextPanel, can_focus=True):
    """Redrawn by the main screen's timer (show); posts Recall and Delete for it to act."""

    BINDINGS = [
        Binding("up", "select(-1)", "previous bookmark", show=False),
        Binding("down", "select(1)", "next bookmark", show=False),
        *(Binding(str(d), f"recall({d - 1})", show=False) for d in range(1, 10)),
        Binding("enter", "recall_selected", "recall", show=False),
        Binding("d", "delete_selected", "delete", show=False),
    ]

    class Recall(Message):
        """Recall bookmark `key`: a name, or a 0-based place in the list."""

        def __init__(self, key: str | int) -> None:
            super().__init__()
            self.key = key

    class Delete(Message):
        """Delete the bookmark named `name` (after asking)."""

        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.border_title = "Bookmarks"
        self.items: tuple[Bookmark, ...] = ()
        self.current: Bookmark | None = None
        self.selected = 0
        self.first = 0  # the first line shown: more bookmarks than rows scroll to the selected
        self._titles = ("", "")

    # ---- keys and the mouse -------------------------------------------------------------
    def action_select(self, delta: int) -> None:
        if self.items:
            self.selected = (self.selected + delta) % len(self.items)
            self._draw()

    def action_recall(self, index: int) -> None:
        if index < len(self.items):
            self.selected = index
        self.post_message(self.Recall(index))  # (none there: the engine says so)

    def action_recall_selected(self) -> None:
        if self.items:
            self.post_message(self.Recall(self.items[self.selected].name))

    def action_delete_selected(self) -> None:
        if self.items:
            self.post_message(self.Delete(self.items[self.selected].name))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and 0 <= self.first + offset.y < len(self.items):
            self.selected = self.first + offset.y
            self.post_message(self.Recall(self.items[self.selected].name))

    # ---- drawing ------------------------------------------------------------------------
    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(len(self.items), 1)

    def show(self, items: tuple[Bookmark, ...], current: Bookmark | None) -> None:
        """These bookmarks, `current` (the one playing now, if any) marked."""
        if len(items) != len(self.items):
            self.refresh(layout=True)  # its height is its line count
        self.items, self.current = items, current
        self.selected = min(self.selected, max(len(items) - 1, 0))
        self._draw()

    def _draw(self) -> None:
        items = self.items
        width = max(self.content_size.width, 10)
        if not items:
            self._set_titles("Bookmarks", "")
            empty = next((e for e in EMPTY if len(e) <= width), EMPTY[-1])
            self.update(Text(empty, style="dim"))
            return
        name_w = min(max(len(b.name) for b in items), max(width // 3, 6))
        text = Text()
        for k in self._window(len(items)):
            mark = items[k]
            playing = mark == self.current
            if text:
                text.append("\n")
            text.append("▸" if k == self.selected else " ", style="bold")
            text.append(f"{k + 1:>2} ", style="bold" if k < 9 else "dim")
            text.append("♪ " if playing else "  ", style="bold green")
            name = mark.name if len(mark.name) <= name_w else mark.name[: name_w - 1] + "…"
            text.append(f"{name:<{name_w}} ", style="bold green" if playing else "bold")
            room = width - 6 - name_w - 1
            values = values_text(mark.values)
            if len(values) > room:
                values = values[: max(room - 1, 0)] + "…"
            text.append(values, style="green" if playing else "cyan")
        hint = "enter recalls · d deletes" if self.has_focus else "B keeps"
        self._set_titles(f"Bookmarks · {len(items)}", hint)
        self.update(text)

    def _window(self, n: int) -> range:
        """The bookmarks that fit, scrolled so the selected one shows."""
        rows = self.content_size.height
        rows = n if rows <= 0 else min(rows, n)
        self.first = min(max(self.first, self.selected - rows + 1), self.selected)
        self.first = max(min(self.first, n - rows), 0)
        return range(self.first, self.first + rows)

    def _set_titles(self, title: str, subtitle: str) -> None:
        if (title, subtitle) != self._titles:  # setting a border title refreshes, even the same
            self._titles = (title, subtitle)
            self.border_title, self.border_subtitle = title, subtitle or None

    def on_focus(self) -> None:
        self._draw()

    def on_blur(self) -> None:
        self._draw()
