"""Hidden characters as diagnostics: an error in code, a warning in a comment or title.

Only a newline ends a line, as in git and editors (`dsl.text` finds the
characters); this module says what each one means to the reader.
"""

from __future__ import annotations

from dataclasses import replace

from dsl import ast as A
from dsl.errors import Diagnostic
from dsl.text import Hidden, describe, hidden_characters

_LINE_BREAKS = frozenset("\v\f\x1c\x1d\x1e\x85\u2028\u2029")


def hidden_diagnostic(h: Hidden) -> Diagnostic:
    """An error for a hidden character in code; a warning in a comment or a string.

    Only a newline ends a line, as in git and editors: a character that some
    tools take as a line end must not be able to hide a definition in a comment.
    """
    more = f" (and {h.count - 1} more on this line)" if h.count > 1 else ""
    span = A.Span(h.line, h.col, h.line, h.col + 1)
    if h.char == "\r":
        why = "a carriage return ends a line only right before a newline (\\r\\n)"
    elif h.char in _LINE_BREAKS:
        why = "some tools break the line here (scn, git and editors do not)"
    else:
        why = "an invisible or control character"
    if h.place == "code":
        return Diagnostic(f"{describe(h.char)} is not allowed here{more}", span,
                          f"{why}: delete it", code="hidden-character")
    return Diagnostic(f"{describe(h.char)} in a {h.place}{more}", span,
                      f"{why}, so a reviewer may not see what this {h.place} holds: delete it",
                      severity="warning", code="hidden-character")


MAX_HIDDEN_WARNINGS = 20  # then one warning counts the other lines


def text_warnings(text: str, source: str = "<text>") -> list[Diagnostic]:
    """Hidden characters in comments and strings: the file still loads, but a reviewer
    reading it in an editor or in `git diff` may not see them. At most
    MAX_HIDDEN_WARNINGS are listed; one more counts the rest (a file with such a
    character on every line must not print a warning per line)."""
    found = [h for h in hidden_characters(text) if h.place != "code"]
    out = [replace(hidden_diagnostic(h), source=source) for h in found[:MAX_HIDDEN_WARNINGS]]
    rest = found[MAX_HIDDEN_WARNINGS:]
    if rest:
        lines = len({h.line for h in rest})
        h = rest[0]
        out.append(Diagnostic(
            f"and {lines} more line{'s' if lines != 1 else ''} with hidden characters "
            "in comments or titles (not shown)", A.Span(h.line, h.col, h.line, h.col + 1),
            "scn check lists the first ones; delete them all", severity="warning",
            source=source, code="hidden-character"))
    return out
