"""Dimensions parse (dsl/) before this engine evaluates them: a file or a statement
that uses them gets one positioned error, never a wrong value or a traceback.

The next releases teach the engine dims (see docs/language.md, "Dimensions");
until then every path from text to a model (`load_model`, `--set`, a goal
target) asks `dims_error` first.
"""

from __future__ import annotations

from dsl import ast as A
from dsl.errors import Diagnostic

MESSAGE = "dimensions are not supported by this engine yet"
HINT = "dims parse and format (scn fmt) today; they are checked and evaluated from the next release"


def first_dims_span(statement: A.Statement) -> A.Span | None:
    """Where the first dims construct of one statement stands, None when it has none."""
    if isinstance(statement, A.DimDecl):
        return statement.span
    if not isinstance(statement, A.Definition):
        return None
    found = [m.span for m in statement.members[:1]]
    for node in A.walk(statement.expr):
        if isinstance(node, A.MemberMap):
            found.append(node.span)
        elif getattr(node, "members", ()):
            found.append(node.members[0].span)
    return min(found, key=lambda s: (s.line, s.col), default=None)


def dims_error(statements, source: str = "") -> Diagnostic | None:
    """The one error for the first dims construct among `statements`, or None."""
    spans = [s for s in map(first_dims_span, statements) if s is not None]
    if not spans:
        return None
    at = min(spans, key=lambda s: (s.line, s.col))
    return Diagnostic(MESSAGE, at, HINT, source=source, code="dims-unsupported")


def document_dims_error(doc: A.Document, source: str = "") -> Diagnostic | None:
    return dims_error([*doc.dims, *(p.definition for p in doc.definitions)], source)
