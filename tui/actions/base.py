"""What every action of the main screen shares: the app's open session and its engine, the
selected output, and a refused action shown as a warning instead of an error."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar, cast

from textual.screen import Screen

from mapper.core.engine import Engine, EngineError
from mapper.generators.base import GeneratorError
from tui.widgets.outputs_panel import OutputsPanel

if TYPE_CHECKING:
    from mapper.session.session import Session
    from tui.app import MapperApp

T = TypeVar("T")


def listening(session: Session | None) -> str:
    """Where inputs arrive: the settings' address, or the port really bound when the settings
    asked for any free port or the asked one was taken."""
    if session is None:
        return "-"
    if session.osc.listen_port and not session.listen_problem:
        return session.osc.listen
    return "{}:{}".format(*session.listen_address)


class Actions(Screen[None]):
    """The base of the main screen's actions (tui/actions/*.py) and of the screen itself."""

    @property
    def mapper(self) -> MapperApp:
        """The app, which holds the open session."""
        return cast("MapperApp", self.app)

    @property
    def engine(self) -> Engine:
        """The open project's engine (EngineError when none is open)."""
        return self.mapper.engine

    @property
    def selected(self) -> int:
        """The output selected in the outputs panel."""
        return self.query_one(OutputsPanel).selected

    def _try(self, what: str, method: Callable[..., T], *args: object) -> T | None:
        """`method(*args)`, or None and a warning saying why the engine refused it."""
        try:
            return method(*args)
        except (EngineError, ValueError, GeneratorError) as e:
            self.notify(f"{what}: {e}", severity="warning")
            return None
