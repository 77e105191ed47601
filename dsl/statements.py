"""Split a file into statements, before any parsing.

One statement per line; a statement continues over several lines only inside
an open `(`, `[` or `{` (a year or member map, a `dim`'s member list). Parsing statement by statement means a
bad line yields one error, not a cascade. A continuation line that plainly
starts a new statement (`name = ...`, a keyword, a block's `}`) ends the open
one, so an unclosed bracket cannot swallow the rest of the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dsl.text import split_lines

_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = {")", "]", "}"}
# Each whitespace run is matched once (`\s*` after the selector belongs to
# it): `name \s* (\[..\])? \s* =` tried every split of one run of spaces
# between the two `\s*`, quadratic on a line of `a` and 100,000 spaces.
_NEW_STATEMENT = re.compile(
    r"\s*(?:[A-Za-z_]\w*\s*(?:\[[^\]]*\]\s*)?(?::[^=\n#{}()\[\]:<>!]*)?=(?!=)|(?:section|scenario|model|years)\b"
    r"|(?:quarters|months)[ \t]+[0-9]"
    r"|dim[ \t]+[A-Za-z_]\w*[ \t]*=[ \t]*\{)"
)


@dataclass(frozen=True, slots=True)
class RawStatement:
    text: str  # the statement's lines, comments included, joined by "\n"
    line: int  # 1-based line of its first line
    end_line: int
    doc: str | None  # the `##` lines directly above it


@dataclass(frozen=True, slots=True)
class LineInfo:
    code: str  # the line without its comment
    comment: str | None  # the comment, `#` included
    opens: tuple[str, ...]  # brackets still open at the end of the line, in order
    closes_first: bool  # the line's code starts with a closing bracket


_SCENARIO_HEADER = re.compile(r"scenario\b")  # not `scenario1 = {...`
_PLAIN = re.compile(r'[^"#()\[\]{}]*')
_BRACKET = re.compile(r"[()\[\]{}]")
_CLOSERS = tuple(_CLOSE)


def scan_line(line: str, stack: list[str]) -> LineInfo:
    """Strip the comment (outside strings) and follow the brackets."""
    if _PLAIN.fullmatch(line):  # most lines: no bracket, string or comment
        return LineInfo(line, None, tuple(stack), False)
    if '"' not in line and "#" not in line:  # brackets only: visit them, not every character
        for ch in _BRACKET.findall(line):
            _follow(ch, stack)
        return LineInfo(line, None, tuple(stack), line.lstrip().startswith(_CLOSERS))
    in_string = False
    code_end = len(line)
    comment = None
    for i, ch in enumerate(line):
        if in_string:
            if ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "#":
            code_end, comment = i, line[i:]
            break
        elif ch in _OPEN or ch in _CLOSE:
            _follow(ch, stack)
    code = line[:code_end]
    return LineInfo(code, comment, tuple(stack), code.lstrip().startswith(_CLOSERS))


def _follow(bracket: str, stack: list[str]) -> None:
    if bracket in _OPEN:
        stack.append(bracket)
    elif stack and _OPEN[stack[-1]] == bracket:
        stack.pop()
    else:
        stack.clear()  # unbalanced: the parser reports it


def split_statements(text: str) -> list[RawStatement]:
    lines = split_lines(text)  # only \n ends a line: as git and editors count them
    out: list[RawStatement] = []
    doc: list[str] = []
    i = 0
    plain, brackets = _PLAIN.fullmatch, _BRACKET.findall
    while i < len(lines):
        line = lines[i]
        if plain(line):  # most lines: no bracket, string or comment (scan_line's first case)
            if line.strip():  # a statement of its own line: nothing left open
                out.append(RawStatement(line, i + 1, i + 1, "\n".join(doc) if doc else None))
            doc = []
            i += 1
            continue
        if '"' not in line and "#" not in line and _nested("".join(brackets(line))):
            # The next most: brackets closed on the line itself (`x = {2024: 1, 2025..: 2}`),
            # no string or comment: a statement of its own line, as below.
            out.append(RawStatement(line, i + 1, i + 1, "\n".join(doc) or None))
            doc = []
            i += 1
            continue
        stack: list[str] = []
        info = scan_line(line, stack)
        code = info.code.strip()
        if not code:
            comment = (info.comment or "").strip()
            if comment.startswith("##"):
                doc.append(comment[2:].strip())
            else:
                doc = []
            i += 1
            continue
        start = i
        # A scenario header's `{` opens a block of statements, not a continuation.
        if not _SCENARIO_HEADER.match(code):
            while stack and i + 1 < len(lines):
                nxt = lines[i + 1]
                if _starts_new_statement(nxt, stack):
                    break
                i += 1
                scan_line(nxt, stack)
        out.append(RawStatement(
            "\n".join(lines[start:i + 1]), start + 1, i + 1, "\n".join(doc) or None,
        ))
        doc = []
        i += 1
    return out


def _nested(brackets: str) -> bool:
    """Whether a line's brackets (just them, in order) each close the last one open,
    and close all: nothing is left open and no bracket is unbalanced."""
    while brackets:
        shorter = brackets.replace("()", "").replace("[]", "").replace("{}", "")
        if len(shorter) == len(brackets):
            return False
        brackets = shorter
    return True


def _starts_new_statement(line: str, stack: list[str]) -> bool:
    stripped = line.strip()
    if stripped.startswith("}"):
        return stack[-1] != "{"
    return bool(_NEW_STATEMENT.match(line))
