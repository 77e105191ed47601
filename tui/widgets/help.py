"""`?`: the keys and the grid's marks, from one table each (docs/tui.md shows the same)."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = (
    ("arrows, PageUp/PageDown", "move; the header and the variable column stay in view"),
    ("Home / End", "first / last period (year, quarter or month)"),
    ("ctrl+left / ctrl+right, < / >", "a year back / on (12 months, 4 quarters)"),
    ("ctrl+Home / ctrl+End", "first / last variable"),
    ("Enter", "edit the definition that covers the cell (every year it covers)"),
    ("=", "edit or create the definition of this period alone: x[2027] = ..., x[2027-03] = ..."),
    ("y", "by year: a quarterly or monthly model rolled up to calendar years (again: periods)"),
    ("space", "open / close a group: a variable with dims, one row per member"),
    ("Escape", "cancel the editor (or any dialog)"),
    ("ctrl+z / ctrl+y", "undo / redo an edit"),
    ("ctrl+s", "save the edits into the file (only the edited lines change)"),
    ("[ / ]", "previous / next scenario"),
    ("c", "compare: the scenario's values as changes against its parent"),
    ("t", "chart: the variable over the years / the tornado of the cell"),
    ("m", "Monte Carlo: each row's median, p5 and p95 (2,000 samples, seed 2024); again: off"),
    ("/", "find a variable by fuzzy name (ctrl+p: the command palette)"),
    ("Tab", "to the inspector's links (Enter jumps to the cell)"),
    ("ctrl+down / ctrl+up", "scroll the inspector (a small terminal shows part of it)"),
    ("ctrl+r", "reload the file from disk (discards unsaved edits)"),
    ("?", "this help"),
    ("q, ctrl+q", "quit (asks first when edits are unsaved or the file was deleted)"),
)

# What the marks in the grid's name column say (tui.widgets.grid).
MARKS = (
    ("!", "a run warned about the variable: a non-finite value, impossible distribution "
          "parameters (the status line names them)"),
    ("≠", "a unit warning in the variable's definitions (the inspector lists them, the status "
          "line names them)"),
    ("▾ / ▸", "a group (a variable with dims), open / closed; Σ: its numbers are the sum of "
              "its members"),
    ("change / was", "a line under an edited variable: each cell's change against the file / "
                     "the file's values"),
    ("p5 / p95", "Monte Carlo on (m): the lines under a variable whose samples spread, its 5th "
                 "and 95th percentiles; the row shows the median"),
)


def _table(rows) -> Table:
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for key, what in rows:
        table.add_row(key, what)
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "close", "close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="help"):
            yield Static("Keys", classes="dialog-title")
            yield Static(_table(KEYS))
            yield Static("Marks after a name", classes="dialog-title")
            yield Static(_table(MARKS))
            yield Static("Inputs are blue, formulas plain; a second line under a variable shows "
                         "each cell's change against the file until the edits are saved or undone.",
                         classes="dialog-message")

    def action_close(self) -> None:
        self.dismiss(None)
