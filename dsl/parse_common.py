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


class _Where(threading.local):
    """Lark counts lines from the statement's own first line; the transformer adds
    the statement's line in its file (`offset`). Per thread, as the UI parses in
    a worker; 0 in a thread that parsed nothing yet."""

    offset = 0


where = _Where()
_SpanType = A.Span
_Span = A.maker(A.Span)  # the commonest node: made without its constructor


def line_offset() -> int:
    return where.offset


def span(first, last) -> A.Span:
    """From the start of `first` to the end of `last` (tokens, nodes or spans)."""
    if isinstance(first, TOKENS):
        line, col = first.line + where.offset, first.column
    else:
        a = first if type(first) is _SpanType else first.span
        line, col = a.line, a.col
    if isinstance(last, TOKENS):
        return _Span(line, col, last.end_line + where.offset, last.end_column)
    b = last if type(last) is _SpanType else last.span
    return _Span(line, col, b.end_line, b.end_col)


def node_span(first, last) -> A.Span:
    """From the start of node `first` to the end of node `last` (the transformer's
    commonest span: an operator's, between its operands)."""
    a, b = first.span, last.span
    return _Span(a.line, a.col, b.end_line, b.end_col)


def tok_span(t: Token) -> A.Span:
    o = where.offset
    return _Span(t.line + o, t.column, t.end_line + o, t.end_column)


class SyntaxProblem(Exception):
    """Raised inside the transformer for a mistake the grammar cannot see."""

    def __init__(self, message: str, span: A.Span, hint: str | None = None,
                 code: str = "syntax"):
        super().__init__(message)
        self.diagnostic = Diagnostic(message, span, hint, code=code)
