"""One diagnostic value and one error type, for every mistake a user can make.

Checks return lists of `Diagnostic`; a pass that finds any raises a single
`ScnError` holding all of them. Only front ends turn them into text, with
`render`, in the `FILE:LINE:COL: error: MESSAGE` form plus the line and a caret.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from dsl.ast import Span
from dsl.text import caret_line, printable, split_lines


# Every kind of diagnostic, by its code: a short stable identifier that code
# (and tools reading `scn` output later) can match on, where the message is
# for people and may be reworded. A test checks that every diagnostic made
# has a code from this table.
CODES: dict[str, str] = {
    # reading the text (dsl)
    "syntax": "the grammar does not read the statement",
    "bad-number": "a number, year or year offset that does not read",
    "bad-unit": "an annotation that does not read as a unit and an aggregation word",
    "reserved-word": "a reserved word used as a name",
    "backwards": "a year range that runs backwards",
    "bad-period": "a period label that names no period (2025Q5, 2025-13, 2025-7), or one "
                  "finer than the model's periods (a month in a quarterly model)",
    "bad-axis": "an axis line whose ends are not of its unit (quarters 2025..2027)",
    "too-many-years": "a years line longer than a model may be",
    "too-deep": "an expression nested deeper than the engine follows",
    "hidden-character": "an invisible or control character",
    "structure": "the file's shape: years, model title, scenario blocks",
    "not-formattable": "scn fmt cannot lay out a statement without changing it",
    "empty-dim": "a dim declared with no members",
    "duplicate-member": "a member listed twice in a dim, a subscript or a member map",
    "mixed-map": "a map whose keys mix years and members",
    "two-time-selectors": "a subscript with more than one year or time selector",
    # resolving and checking a model (engine)
    "unknown-variable": "a name that no definition defines",
    "annotation": "a second annotation of one variable (a variable carries at most one)",
    "unit": "a warning: units that differ where they must agree (USD + PFLOPS), or a plain "
            "number where a % is annotated",
    "unknown-function": "a call of a function that does not exist",
    "unknown-scenario": "a scenario that is not declared",
    "unknown-member": "a member that no dim lists",
    "unknown-dim": "a dim that is not declared, in an aggregate over members",
    "dim-name": "a dim or member named like a variable, a dim or another dim's member",
    "dim-mismatch": "members or dims that do not fit the variable: a member of a dim it "
                    "lacks, a map over two dims, a sum over members with no dim",
    "ambiguous": "two definitions covering a cell, each more specific on a different axis",
    "scenario": "a scenario block: reserved or repeated name, a variable the base lacks",
    "extends-cycle": "scenarios extending each other in a cycle",
    "overlap": "two definitions of one kind covering the same year",
    "year-outside": "a year outside the model years",
    "bare-year": "a year read as one cell in a formula of a quarterly or monthly model",
    "reach-outside": "a lag or growth reading before the first or after the last year",
    "no-value": "a cell read (or named) that has no definition",
    "cycle": "a circular reference, in the same year or through the years",
    "arguments": "a function given the wrong number or kind of arguments",
    "misplaced": "a year range, year map or member map where it cannot stand",
    "distribution-params": "distribution parameters that describe no distribution",
    "nonfinite": "a value that is not a finite number (n/a, inf)",
    "not-a-definition": "a definition expected (--set, an edit, a goal target)",
    "empty-value": "an edit with nothing typed",
    "bad-cell": "a cell or year named on the command line that does not read",
    "goal": "a goal that cannot be sought or reached",
    "too-deep-for-derivatives": "a definition too deep for exact derivatives",
    "bad-vary": "a --vary of scn sweep that does not read (values, range, step), or sets a "
                "cell twice, or makes too many points",
    "not-an-input": "a computed variable where an input is expected (scn sweep --vary)",
    "not-read": "a warning: a varied input the output does not read",
    # reading files (front ends)
    "not-utf8": "a file that is not UTF-8 text",
    "snapshot": "a snapshot file that does not read",
}


@dataclass(frozen=True, slots=True)
class Subject:
    """What a diagnostic is about, as data: code reads this, never the message.

    `variable` is the variable the message names first (the unknown one, the
    one with no value, the non-finite one; for a statement that failed to
    parse, the variable it defines when its head reads); `period` an index on
    the model's time axis; `scenario` the scenario it was found in (None:
    base, or every scenario); `members` a cell's members on its dims (none yet).
    """

    variable: str | None = None
    period: int | None = None
    scenario: str | None = None
    members: tuple[str, ...] = ()


NO_SUBJECT = Subject()


@dataclass(frozen=True, slots=True)
class Diagnostic:
    message: str
    span: Span
    hint: str | None = None
    severity: str = "error"  # or "warning"
    source: str = ""  # label of the text it points into: a path, "--set", "edit"
    related: tuple[tuple[str, Span], ...] = field(default=(), compare=False)
    code: str = ""  # a key of CODES
    subject: Subject = field(default=NO_SUBJECT, compare=False)

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.source, self.span.line, self.span.col, self.message)


class ScnError(Exception):
    """Raised with every diagnostic a pass found; never for a bug of ours."""

    def __init__(self, diagnostics: list[Diagnostic]):
        unique = sorted(set(diagnostics), key=Diagnostic.sort_key)
        super().__init__("\n".join(d.message for d in unique))
        self.diagnostics = unique


def render(diag: Diagnostic, text: str | None) -> str:
    """`FILE:LINE:COL: error: MESSAGE`, the source line, a caret, a hint.

    Everything from the file is shown with hidden characters escaped (an
    escape sequence in a comment must not reach the terminal), and a long
    line is clipped around the caret.
    """
    span = diag.span
    out = [printable(f"{diag.source}:{span.line}:{span.col}: {diag.severity}: {diag.message}")]
    line = source_line(text, span.line) if text is not None else None
    if line is not None:
        width = 1
        if span.end_line == span.line and span.end_col > span.col:
            width = span.end_col - span.col
        shown, at, width = caret_line(line, span.col, width)
        out.append(f"  {shown}")
        out.append("  " + " " * at + "^" * width)
    if diag.hint:
        out.append(printable(f"  hint: {diag.hint}"))
    return "\n".join(out)


def source_line(text: str, line: int) -> str | None:
    lines = _lines(text)
    if 1 <= line <= len(lines):
        return lines[line - 1]
    return None


@lru_cache(maxsize=8)
def _lines(text: str) -> tuple[str, ...]:
    """A text's lines, split once: a file with 40,000 errors renders 40,000
    of its lines, and splitting the whole text for each was quadratic."""
    return tuple(split_lines(text))
