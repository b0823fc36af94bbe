"""A prompt for a project folder (save as, open)."""

from __future__ import annotations

from pathlib import Path

from tui.dialogs.ask_line import AskLine


class AskFolder(AskLine[Path]):
    """Asks for a project folder: enter accepts, escape cancels."""

    def __init__(self, question: str, start: str = "") -> None:
        super().__init__(question, start, "folder, e.g. ~/instruments/theremin")

    def answer(self, text: str) -> Path | None:
        return Path(text).expanduser() if text else None
