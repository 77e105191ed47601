"""A member map of plain numbers, read without the grammar.

`base = {u0000: 3.1, u0001: 2.7, ...}` over a dim of 1,000 members is 4,000
tokens; lark's LALR parser spends about 25 microseconds a token in Python, so
twenty such tables took two seconds of a run. This reader takes exactly the
statements that are a name, `=`, and a map of member: number entries (no
subscript, no sign, no comment, no expression) and builds the very nodes the
grammar would, spans included (tests/test_fast_maps.py compares the two on
generated statements). Anything else returns None and goes to the grammar,
which also gives every error its message: the fast path never reports one.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from dsl import ast as A
from dsl.numbers import BadNumber, parse_number
from dsl.parse_common import SyntaxProblem
from dsl.units import read_annotation

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
# The grammar's NUMBER terminal (dsl/grammar.lark), letters after it included.
_NUMBER = r"(?:[0-9][0-9_]*(?:\.[0-9][0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9]+)?[A-Za-z0-9_%]*"
_WS = r"[ \t\n]*"  # what the grammar ignores between tokens (statements join lines with \n)
_HEAD = re.compile(rf"[ \t]*({_NAME})[ \t]*(:[^=\n#]*)?=[ \t]*(\{{)")
_ENTRY = re.compile(rf"{_WS}({_NAME}){_WS}:{_WS}({_NUMBER}){_WS}(,|\}})")
_TAIL = re.compile(rf"{_WS}(\}})[ \t]*\Z")
MIN_ENTRIES = 16  # shorter maps are cheap enough for the grammar


def member_map(text: str, line: int, reserved: frozenset[str]) -> A.Definition | None:
    """The definition `text` (starting on line `line`) when it is a plain map of
    numbers keyed by names; None when the grammar must read it."""
    if "#" in text or text.count(":") < MIN_ENTRIES:
        return None
    head = _HEAD.match(text)
    if head is None or head[1] in reserved:
        return None
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    if len(starts) == 1:
        def span(a: int, b: int) -> A.Span:
            return A.Span(line, a + 1, line, b + 1)
    else:
        def span(a: int, b: int) -> A.Span:
            k = bisect_right(starts, a) - 1
            j = k if b < starts[-1] and b < starts[k + 1] else bisect_right(starts, b) - 1
            return A.Span(line + k, a - starts[k] + 1, line + j, b - starts[j] + 1)

    entries: list[A.MemberEntry] = []
    seen: set[str] = set()
    pos = head.end()
    k = 0  # the line (index into starts) of the entry being read: entries come in order
    last = len(starts) - 1
    Span, Number, Member, Entry = A.Span, A.Number, A.Member, A.MemberEntry
    while True:
        m = _ENTRY.match(text, pos)
        if m is None:
            tail = _TAIL.match(text, pos)
            if tail is None or not entries:
                return None
            close = tail.start(1)
            break
        key, number = m[1], m[2]
        if key in reserved or key in seen:
            return None
        seen.add(key)
        try:
            value = parse_number(number)
        except BadNumber:
            return None
        a1, b1, a2, b2 = m.start(1), m.end(1), m.start(2), m.end(2)
        while k < last and starts[k + 1] <= a1:
            k += 1
        if k == last or b2 <= starts[k + 1]:  # the entry on one line: the usual case
            row, first = line + k, starts[k] - 1
            key_span = Span(row, a1 - first, row, b1 - first)
            num_span = Span(row, a2 - first, row, b2 - first)
            entry_span = Span(row, a1 - first, row, b2 - first)
        else:
            key_span, num_span, entry_span = span(a1, b1), span(a2, b2), span(a1, b2)
        entries.append(Entry(Member(key, key_span), Number(value, number, num_span), entry_span))
        pos = m.end()
        if m[3] == "}":
            if text[pos:].strip(" \t"):
                return None
            close = pos - 1
            break
    name = head[1]
    brace = head.start(3)
    annotation = None
    if head[2] is not None:  # `capex: USD = {...}`: read as the grammar's rule reads it
        try:
            annotation = read_annotation(head[2], line, head.start(2) + 1, name)
        except SyntaxProblem:
            return None  # the grammar reports it
    the_map = A.MemberMap(tuple(entries), span(brace, close + 1))
    return A.Definition(name, None, the_map, span(head.start(1), close + 1),
                        span(head.start(1), head.end(1)), annotation=annotation)
