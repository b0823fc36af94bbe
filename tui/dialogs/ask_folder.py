"""A prompt for a project folder (save as, open)."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class AskFolder(ModalScreen[Path | None]):
    """Asks for a project folder: enter accepts, escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, question: str, start: str = "") -> None:
        super().__init__()
        self.question = question
        self.start = start

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question)
            yield Input(value=self.start, placeholder="folder, e.g. ~/instruments/theremin")

    def on_mount(self) -> None:
        self.app.clear_notifications()  # nothing covers the question

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        self.dismiss(Path(text).expanduser() if text else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
