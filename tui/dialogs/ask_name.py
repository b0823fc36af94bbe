"""A prompt for a name, with one offered (a bookmark's)."""

from __future__ import annotations

from tui.dialogs.ask_line import AskLine


class AskName(AskLine[str]):
    """Asks for a name: enter accepts (the offered one as it is, or as edited), escape
    cancels (None)."""

    def __init__(self, question: str, offered: str) -> None:
        super().__init__(question, offered, offered, "[dim]enter keeps it · escape cancels[/dim]")

    def answer(self, text: str) -> str:
        return text or self.value
