"""The help screen: every key, the OSC addresses, and where the project lives."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.keys import EXAMPLES_KEYS, MAIN_KEYS, PANEL_KEYS, display


def keys_table() -> Table:
    table = Table(title="Keys", show_header=False, box=None, padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for key, _, _, desc in MAIN_KEYS:
        table.add_row(display(key), desc)
    table.add_section()
    for key, desc in PANEL_KEYS:
        table.add_row(key, desc)
    table.add_section()
    for key, desc in EXAMPLES_KEYS:
        table.add_row(key, "examples screen: " + desc)
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "close")]

    def __init__(self, where: str, listen: str, send: str, addresses: list[str]) -> None:
        super().__init__()
        self.where, self.listen, self.send = where, listen, send
        self.addresses = addresses

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide"):
            yield Static(keys_table())
            yield Static(
                f"\n[b]Project[/b]: {self.where}\n"
                f"[b]OSC[/b]: inputs arrive at {self.listen} as /wek/inputs (one number per "
                f"input); outputs go to {self.send} as /wek/outputs. Every action here has an "
                "OSC address too; their arguments are in the README. This instrument answers:"
            )
            yield Static("  " + "\n  ".join(self.addresses), markup=False)
            yield Static("\n[dim]escape closes[/dim]")
