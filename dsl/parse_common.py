"""What the transformer's rules share: where the statement stands in its file,
spans from tokens, and the error a rule raises for a mistake the grammar
cannot see (`dsl.parser`, and the time rules of `dsl.parse_time`)."""

from __future__ import annotations

import threading

from lark import Token

from dsl import ast as A
from dsl.errors import Diagnostic

try:  # lark-cython's tokens (dsl.parser's fast path) are not lark's, nor str
    from lark_cython.lark_cython import Token as _FastToken
    TOKENS: tuple[type, ...] = (Token, _FastToken)
except ImportError:  # pragma: no cover - lark-cython is a dependency; plain lark still works
    TOKENS = (Token,)

# Lark counts lines from the statement's own first line; the transformer adds
# the statement's line in its file. Per thread, as the UI parses in a worker.
where = threading.local()


def line_offset() -> int:
    return getattr(where, "offset", 0)


def span(first, last) -> A.Span:
    """From the start of `first` to the end of `last` (tokens, nodes or spans)."""
    if isinstance(first, TOKENS):
        o = line_offset()
        line, col = first.line + o, first.column
    else:
        a = first if isinstance(first, A.Span) else first.span
        line, col = a.line, a.col
    if isinstance(last, TOKENS):
        return A.Span(line, col, last.end_line + line_offset(), last.end_column)
    b = last if isinstance(last, A.Span) else last.span
    return A.Span(line, col, b.end_line, b.end_col)


def tok_span(t: Token) -> A.Span:
    o = line_offset()
    return A.Span(t.line + o, t.column, t.end_line + o, t.end_column)


class SyntaxProblem(Exception):
    """Raised inside the transformer for a mistake the grammar cannot see."""

    def __init__(self, message: str, span: A.Span, hint: str | None = None,
                 code: str = "syntax"):
        super().__init__(message)
        self.diagnostic = Diagnostic(message, span, hint, code=code)
