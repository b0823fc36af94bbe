"""A yes/no question before something that cannot be undone, or a program runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from mapper.core.engine import Engine


class Confirm(ModalScreen[bool]):
    """Asks before something that cannot be undone: y / enter = yes, n / escape = no."""

    BINDINGS = [
        Binding("y", "answer(True)", "yes"),
        Binding("n,escape", "answer(False)", "no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question)
            with Horizontal(classes="buttons"):
                yield Button("Yes (y)", variant="error", id="yes")
                yield Button("No (n)", id="no")

    def on_mount(self) -> None:
        self.app.clear_notifications()  # nothing covers the question
        self.query_one("#no", Button).focus()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


def trust_question(folder: Path, generator: dict[str, Any] | None, no: str) -> str:
    """The question before a project's own TorchScript model (a program) runs; `no` says
    what n does."""
    model = str((generator or {}).get("path", "")) or "a TorchScript model"
    return (
        f"{folder} plays {model}: a TorchScript model is a program that runs with your "
        f"permissions. Run it? Only if you trust where the project came from (n: {no})"
    )


def unsaved(engine: Engine) -> str:
    """What an unsaved project would lose, in words ("12 examples and 3 gesture takes"), or
    "" when it holds nothing."""
    parts = []
    if len(engine.examples):
        parts.append(f"{len(engine.examples)} examples")
    if engine.gestures.takes:
        parts.append(f"{len(engine.gestures.takes)} gesture takes")
    return " and ".join(parts)
