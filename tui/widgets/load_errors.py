"""The screen of a file that does not load: every error with its position.

It stays until the file loads: the app watches the file and replaces this
screen with the grid as soon as the analyst's fix is saved.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from dsl.text import printable


class LoadErrorScreen(Screen[None]):
    BINDINGS = [Binding("q", "app.quit", "quit")]

    def __init__(self, path: str, lines: list[str]) -> None:
        super().__init__()
        self.path, self.lines = path, lines

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="load-title")
        with VerticalScroll(id="load-errors"):
            yield Static(Text("\n\n".join(self.lines)), id="load-messages")
        yield Static(Text("Fix the file in your editor: this screen reloads when it is saved. "
                          "q quits.", "italic"), id="load-help")
        yield Footer()

    def _title(self) -> Text:
        n = sum(1 for line in self.lines if ": error: " in line.split("\n")[0])
        return Text.assemble((f"{printable(self.path)} does not load: ", "bold"),
                             (f"{n} error{'s' if n != 1 else ''}", "bold red"))

    def show(self, lines: list[str]) -> None:
        """The errors of the file's latest text (it changed, and still does not load)."""
        self.lines = lines
        self.query_one("#load-title", Static).update(self._title())
        self.query_one("#load-messages", Static).update(Text("\n\n".join(lines)))
