"""The status line: the scenario on screen, the unsaved edits, and every warning, named.

One line under the grid, rebuilt whenever the view changes. Each kind of
warning names what it is about, as the grid marks it: the variables a run
warned about (`! non-finite values in x`, the grid's `!`), the variables
with unit warnings and their lines (`! unit warnings in total, capex (lines
5, 6)`, the grid's `≠`; the inspector lists each one beside the definition),
the lines holding hidden characters. Then what the file on disk holds, and
the last thing done (`recalculated in 12 ms`) or what an edit did to the
unit warnings (`unit warning: total = gpu_spend + gpu_compute: USD + PFLOPS`).
"""

from __future__ import annotations

from typing import Mapping

from rich.text import Text

from dsl.text import printable
from tui.session import DELETED, Session
from tui.session.units import units_view

# What the status line says of each kind of run warning (their codes: dsl.errors.CODES),
# in this order; the grid marks the variables' names.
RUN_WARNINGS = {
    "nonfinite": "non-finite values",
    "distribution-params": "impossible distribution parameters",
}
SHOWN = 5  # names or lines listed before `...`


def status_text(session: Session, scenario: str, compare: bool, by_year: bool, path: str,
                warned: Mapping[str, frozenset[str]], message: str | None = None,
                news: str | None = None, mc: str | None = None) -> Text:
    """The status line; `warned`: the run warnings of the grid's sheet, by variable;
    `news`: what the last edit or reload did to the unit warnings; `mc`: what Monte
    Carlo sampled (`tui.app_mc`)."""
    s = session.model.scenarios[scenario]
    text = Text.assemble(("scenario ", "dim"), (scenario, "bold"))
    if s.title:
        text.append(f" ({printable(s.title)})", "dim")
    if compare and s.parent:
        text.append(f"  ·  compare: changes against {s.parent}", "bold yellow")
    if by_year:
        text.append(f"  ·  by year (y: {session.model.axis.period_word}s)", "bold cyan")
    if mc:  # Monte Carlo on (`m`): early, so that an 80-column line shows it
        text.append(f"  ·  {mc}", "bold magenta")
    n = len(session.state.changes)
    if n:
        text.append(f"  ·  {n} unsaved edit{'s' if n != 1 else ''}", "bold yellow")
    for code, what in RUN_WARNINGS.items():
        names = sorted(v for v, codes in warned.items() if code in codes)
        if names:
            text.append(f"  ·  ! {what} in {', '.join(names)}", "red")
    other = sorted(v for v, codes in warned.items() if codes - RUN_WARNINGS.keys())
    if other:
        text.append(f"  ·  ! warnings in {', '.join(other)}", "red")
    # Unit warnings from the model as edited (an edit's model carries no warnings of its
    # own: they are computed once per model), hidden characters from the text as loaded.
    units = units_view(session.state).all_warnings
    if units:
        names = list(dict.fromkeys(w.subject.variable for w in units))
        text.append(f"  ·  ! unit warnings in {_listed(names)} "
                    f"({_lines(w.span.line for w in units)})", "yellow")
    hidden = [w.span.line for w in session.model.warnings if w.code == "hidden-character"]
    if hidden:  # a comment holds hidden characters: `scn check` lists them
        text.append(f"  ·  ! hidden characters on {_lines(hidden)}", "red")
    disk = session.disk.summary(path)
    if disk:
        text.append(f"  ·  {disk}", "bold red" if session.disk.status == DELETED
                    else "bold yellow")
    if news:  # before the timing: on a narrow line the news is what must show
        text.append(f"  ·  {news}", "bold yellow" if news.startswith("unit warning:") else "green")
    if message:
        text.append(f"  ·  {message}", "green")
    return text


def _listed(names: list[str]) -> str:
    return ", ".join(names[:SHOWN]) + (", ..." if len(names) > SHOWN else "")


def _lines(lines) -> str:
    """`line 4`, `lines 2, 4` (each once, in order)."""
    at = sorted(set(lines))
    return f"line{'s' if len(at) > 1 else ''} {_listed([str(k) for k in at])}"
