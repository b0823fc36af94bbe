"""The project's keys: save (`ctrl+s`), save as a new folder (`S`), open another (`ctrl+o`)."""

from __future__ import annotations

from pathlib import Path

from mapper.core.engine import EngineError
from mapper.errors import ProjectError
from mapper.project import PROJECT_FILE, holds_project
from tui.actions.base import Actions
from tui.dialogs.ask_folder import AskFolder
from tui.dialogs.confirm import Confirm, unsaved


class ProjectActions(Actions):
    """Saving and opening go through the session, as OSC's save and load do."""

    def action_save(self) -> None:
        session = self.mapper.session
        if session is None:
            return
        if session.saver is None:
            self.action_save_as()
            return
        try:
            session.save()
        except OSError as e:
            self.notify(f"could not save {session.folder}: {e}", severity="error", timeout=10)
            return
        self.notify(f"saved {session.folder} ({len(session.engine.examples)} examples)")

    def action_save_as(self) -> None:
        def chosen(folder: Path | None) -> None:
            session = self.mapper.session
            if folder is None or session is None:
                return
            try:
                session.save_as(folder)
            except (EngineError, OSError) as e:
                self.notify(f"could not save to {folder}: {e}", severity="error", timeout=10)
                return
            self.notify(f"saved {folder} ({len(self.engine.examples)} examples)")

        self.app.push_screen(AskFolder("Save the project as (a new or empty folder):"), chosen)

    def action_open(self) -> None:
        """Open another project in place of this one, on the same ports (as OSC's load)."""

        def chosen(folder: Path | None) -> None:
            session = self.mapper.session
            if folder is None or session is None:
                return
            try:
                found = holds_project(folder)
            except ProjectError as e:  # a file, or a folder of other files
                self.notify(str(e), severity="error")
                return
            if not found:
                self.notify(f"{folder} holds no {PROJECT_FILE}: nothing to open", severity="error")
                return
            lost = unsaved(session.engine) if session.saver is None else ""
            if not lost:
                self.mapper.open_project(folder)
                return
            question = f"Open {folder} and drop the unsaved {lost}? (S saves)"

            def answer(yes: bool | None) -> None:
                if yes:
                    self.mapper.open_project(folder)

            self.app.push_screen(Confirm(question), answer)

        self.app.push_screen(AskFolder("Open a project folder:"), chosen)
