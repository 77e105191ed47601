"""The source-preserving editor: change a few spans of a file, keep every other byte.

The terminal UI saves an analyst's edits with these functions: a definition's
right-hand side (or one entry of a year map) is replaced where it stands, and
a new year-specific line is inserted after its variable's last definition.
Comments, blank lines, order, indentation and line endings of everything else
stay exactly as they were, so `git diff` shows only the edited lines.

Positions are the parser's: 1-based lines and columns, end exclusive, lines
numbered by `dsl.text.split_lines` (only a newline ends a line, as in git; a
leading byte-order mark is kept and is not part of line 1). Pure text in,
text out: no files, no model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from dsl.ast import BASE, Document, Span
from dsl.statements import scan_line, split_statements
from dsl.text import line_body, split_lines, split_lines_keepends
from dsl.text import line_starts as line_starts  # re-exported: edits are placed by it

_OPENERS = ("(", "[", "{")
_CLOSERS = (")", "]", "}", ",")


@dataclass(frozen=True, slots=True)
class Change:
    """Replace the text of `span` with `text`; an empty span inserts."""

    span: Span
    text: str


def offset(starts: list[int], line: int, col: int) -> int:
    """The character offset of (line, col); col may run to just past the line's end."""
    if not 1 <= line < len(starts):
        raise ValueError(f"line {line} is outside the text (1..{len(starts) - 1})")
    return starts[line - 1] + col - 1


def span_text(text: str, span: Span) -> str:
    """The exact text a span covers."""
    starts = line_starts(text)
    return text[offset(starts, span.line, span.col):offset(starts, span.end_line, span.end_col)]


def apply_changes(text: str, changes: Sequence[Change]) -> str:
    """Apply non-overlapping changes, all given in the coordinates of `text`.

    Changes are applied from the end of the text backwards, so each one's
    position is still valid when it is applied. Several insertions at the
    same place keep the order in which they are given.
    """
    starts = line_starts(text)
    placed = []
    for k, c in enumerate(changes):
        a = offset(starts, c.span.line, c.span.col)
        b = offset(starts, c.span.end_line, c.span.end_col)
        if b < a:
            raise ValueError(f"change {k} ends before it starts")
        placed.append((a, b, k, c.text))
    placed.sort()
    for (a1, b1, _, _), (a2, _, _, _) in zip(placed, placed[1:]):
        if a2 < b1:
            raise ValueError("two changes overlap")
    out = text
    for a, b, _, new in sorted(placed, key=lambda p: (p[0], p[2]), reverse=True):
        out = out[:a] + new + out[b:]
    return out


def replace_span(text: str, span: Span, new_text: str) -> str:
    """The text with `span` replaced: a definition's right-hand side, a map entry's value."""
    return apply_changes(text, [Change(span, new_text)])


def insertion_after(text: str, after_line: int, line_text: str) -> Change:
    """The change that inserts `line_text` as a new line right after line `after_line`.

    The new line takes the line ending of the line it follows (CRLF files stay
    CRLF); after a last line without a final newline, the file still ends
    without one.
    """
    lines = split_lines_keepends(text)
    if not 1 <= after_line <= len(lines):
        raise ValueError(f"line {after_line} is outside the text (1..{len(lines)})")
    line = lines[after_line - 1]
    body = line_body(line)
    ending = line[len(body):] or _newline_of(text)
    end = Span(after_line, len(body) + 1, after_line, len(body) + 1)
    return Change(end, ending + line_text)


def insert_line(text: str, after_line: int, line_text: str) -> str:
    """The text with a new line inserted after line `after_line`."""
    return apply_changes(text, [insertion_after(text, after_line, line_text)])


def _newline_of(text: str) -> str:
    """The file's line ending (that of its first line), "\\n" when it has none."""
    for line in split_lines_keepends(text):
        if len(line) > len(line_body(line)):
            return line[len(line_body(line)):]
    return "\n"


def one_line(source: str) -> str:
    """Code written over several lines as one line, comments dropped.

    This is what the editor is pre-filled with: the right-hand side as
    written, joined (`interp({\\n 2024: 10%,\\n 2030: 45%\\n})` becomes
    `interp({2024: 10%, 2030: 45%})`). A single line keeps its spacing.
    """
    lines = split_lines(source)
    parts: list[str] = []
    for line in lines:
        code = scan_line(line, []).code.strip()
        if not code:
            continue
        if parts and parts[-1].endswith(",") and code.startswith(("}", ")", "]")):
            parts[-1] = parts[-1][:-1]  # a trailing comma reads oddly on one line
        if parts and not parts[-1].endswith(_OPENERS) and not code.startswith(_CLOSERS):
            parts.append(" ")
        parts.append(code)
    return "".join(parts)


def split_comment(typed: str) -> tuple[str, str | None]:
    """What an analyst typed as a right-hand side: (the code, the comment or None).

    `62% # new note` is the value `62%` and the comment `# new note`; a `#`
    inside a string is not a comment. A comment of `#` alone (nothing after
    it) stays `"#"`: it asks for the line's comment to be removed.
    """
    info = scan_line(typed, [])
    if info.comment is None:
        return typed.strip(), None
    return info.code.strip(), info.comment.strip()


def line_comment(text: str, line: int) -> str | None:
    """The end-of-line comment of a line (`#` included), None when it has none."""
    body = split_lines(text)[line - 1]
    comment = scan_line(body, []).comment
    return comment.rstrip() if comment is not None else None


def comment_change(text: str, line: int, comment: str) -> Change:
    """The change that gives line `line` the end-of-line comment `comment`.

    An existing comment is replaced where it stands (the spacing before it
    kept); a line without one gets it after two spaces, as `scn fmt` writes
    it; a comment of `#` alone removes the line's comment and the spacing
    before it. Only the comment's part of the line changes, so this combines
    with a change of the code before it.
    """
    body = split_lines(text)[line - 1]
    info = scan_line(body, [])
    code_end = len(info.code.rstrip())
    if comment.strip() == "#":
        return Change(Span(line, code_end + 1, line, len(body) + 1), "")
    if info.comment is not None:
        start = len(info.code) + 1
        return Change(Span(line, start, line, len(body) + 1), comment)
    return Change(Span(line, code_end + 1, line, len(body) + 1), "  " + comment)


def indentation(text: str, line: int) -> str:
    """The leading whitespace of a line."""
    body = split_lines(text)[line - 1]
    return body[:len(body) - len(body.lstrip())]


def block_last_line(text: str, header_line: int) -> int:
    """The last line of the last statement of the scenario block opened on `header_line`.

    A new definition of the block goes after it (the header itself for an
    empty block). Raises ValueError when no block opens there.
    """
    inside = False
    last = header_line
    for raw in split_statements(text):
        if raw.line == header_line and raw.text.lstrip().startswith("scenario"):
            inside = True
            last = raw.end_line
            continue
        if not inside:
            continue
        code = scan_line(raw.text.split("\n")[0], []).code.strip()
        if code == "}":
            return last
        last = raw.end_line
    raise ValueError(f"no scenario block opens on line {header_line}")


def cell_head(name: str, members: Sequence[str] = (), year: int | str | None = None) -> str:
    """The left-hand side of a new cell definition, as `scn fmt` writes it: the
    members first, then the period (`capex_growth[goog, 2026]`, `x[2026]`, `x`;
    a period given as text is its label, written as is: `x[2025Q2]`, `x[2025-07]`)."""
    parts = [*members, *([str(year)] if year is not None else [])]
    return f"{name}[{', '.join(parts)}]" if parts else name


def cell_line(name: str, members: Sequence[str], year: int | str | None, typed: str,
              indent: str = "") -> str:
    """The line that defines one cell: `x[goog, 2026] = 62%  # guide` (what was typed:
    a value, maybe with a comment; a comment of `#` alone is none)."""
    code, comment = split_comment(typed)
    tail = f"  {comment}" if comment not in (None, "#") else ""
    return f"{indent}{cell_head(name, members, year)} = {code}{tail}"


def last_definition_line(doc: Document, name: str, scenario: str = BASE) -> int | None:
    """The last line of the variable's last definition in a layer (a new cell, whether
    a year or a member cell, goes right after it), None when the layer has none."""
    ends = [p.definition.span.end_line for p in doc.definitions
            if p.scenario == scenario and p.definition.name == name]
    return max(ends, default=None)
