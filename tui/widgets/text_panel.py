"""A panel showing one block of text, redrawn only when that text changes.

The live panels are rebuilt five times a second; handing Textual the same text again would
still cost a full render (and Static.update a layout pass), time the OSC receive thread
waits for the interpreter lock. So identical text is dropped here.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget


class TextPanel(Widget):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.content = Text()
        self._key: tuple[str, tuple[object, ...]] = ("", ())

    def update(self, text: Text) -> None:
        """Show this text; nothing happens if it is what is already shown."""
        key = (text.plain, tuple((s.start, s.end, str(s.style)) for s in text.spans))
        if key != self._key:
            self._key, self.content = key, text
            self.refresh()

    def render(self) -> Text:
        return self.content
