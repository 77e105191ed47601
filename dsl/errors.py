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


@dataclass(frozen=True, slots=True)
class Diagnostic:
    message: str
    span: Span
    hint: str | None = None
    severity: str = "error"  # or "warning"
    source: str = ""  # label of the text it points into: a path, "--set", "edit"
    related: tuple[tuple[str, Span], ...] = field(default=(), compare=False)

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
