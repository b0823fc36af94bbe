"""A one-line question: a prompt, a line to type in, enter answers, escape cancels (None)."""

from __future__ import annotations

from typing import Generic, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

Answer = TypeVar("Answer")


class AskLine(ModalScreen[Answer | None], Generic[Answer]):
    """Subclasses say what a typed line means (`answer`: None when it means nothing)."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, question: str, value: str = "", placeholder: str = "", hint: str = ""):
        super().__init__()
        self.question, self.value, self.placeholder, self.hint = question, value, placeholder, hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question)
            yield Input(value=self.value, placeholder=self.placeholder)
            if self.hint:
                yield Label(self.hint)

    def on_mount(self) -> None:
        self.app.clear_notifications()  # nothing covers the question

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(self.answer(event.value.strip()))

    def answer(self, text: str) -> Answer | None:
        raise NotImplementedError

    def action_cancel(self) -> None:
        self.dismiss(None)
