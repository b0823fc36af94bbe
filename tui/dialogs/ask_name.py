"""A prompt for a name, with one offered (a bookmark's)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class AskName(ModalScreen[str | None]):
    """Asks for a name: enter accepts (the offered one as it is, or as edited), escape
    cancels (None)."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, question: str, offered: str) -> None:
        super().__init__()
        self.question = question
        self.offered = offered

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question)
            yield Input(value=self.offered, placeholder=self.offered, select_on_focus=True)
            yield Label("[dim]enter keeps it · escape cancels[/dim]")

    def on_mount(self) -> None:
        self.app.clear_notifications()  # nothing covers the question

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or self.offered)

    def action_cancel(self) -> None:
        self.dismiss(None)
