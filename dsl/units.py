"""A definition's annotation, read from its text: `: USD/PFLOPS`, `: % mean`, `: count last`.

The grammar reads everything from the `:` to the `=` as one token (an
annotation holds no `=`); this module reads that text with its own small
scanner, so that each mistake in a unit gets a message in words at its own
column rather than a list of tokens the grammar expected:

    annotation := unit [aggregation]
    unit       := "%" | "x" | factor (("*" | "/") factor)*
    factor     := NAME ["^" ["-"] DIGITS] | "1"        (1 only first: 1/month)
    aggregation:= "sum" | "last" | "mean"

What a unit means (its algebra, checking) is `engine.units`'; here it is
only text, kept as written with canonical spacing (`USD / PFLOPS` becomes
`USD/PFLOPS`), and its factors with signed exponents in the order written.
"""

from __future__ import annotations

import re

from dsl import ast as A
from dsl.parse_common import SyntaxProblem

AGGREGATIONS = ("sum", "last", "mean")
DIMENSIONLESS = ("%", "x", "1")  # one dimensionless unit for checking, three displays

_TOKEN = re.compile(r"\s*(?:([A-Za-z_][A-Za-z0-9_]*)|([0-9][0-9.]*)|(\S))")


def read_annotation(text: str, line: int, col: int, name: str = "name") -> A.Annotation:
    """The annotation `text` (starting with its ':') found at (line, col) of the file."""
    tokens = _tokens(text, line, col)
    colon_span = A.Span(line, col, line, col + 1)
    words = tokens[1:]  # tokens[0] is the ':'
    if not words:
        raise SyntaxProblem("expected a unit after ':'", colon_span,
                            f"write {name}: USD = ..., {name}: % = ... or {name}: count last = ...; "
                            "or drop the ':'", code="bad-unit")
    kind, first, span = words[0]
    if kind == "name" and first in AGGREGATIONS:
        if len(words) > 1:
            raise SyntaxProblem(f"the aggregation word '{first}' comes after the unit", span,
                                f"write the unit first: {name}: {_join(words[1:])} {first} = ...",
                                code="bad-unit")
        raise SyntaxProblem(f"'{first}' is an aggregation word, not a unit", span,
                            f"give the unit first: {name}: count {first} = ...; "
                            f"a plain number's unit is 1: {name}: 1 {first} = ...",
                            code="bad-unit")
    unit, factors, rest = _unit(words)
    aggregation = None
    if rest:
        kind, word, span = rest[0]
        if kind != "name":
            raise SyntaxProblem(f"unexpected '{word}' in a unit", span,
                                "a unit joins names with * and /: USD/PFLOPS, PFLOPS*h",
                                code="bad-unit")
        if word not in AGGREGATIONS:
            raise SyntaxProblem(f"'{word}' is no aggregation word: sum, last or mean", span,
                                "a unit with several names joins them with * or /: "
                                "USD/PFLOPS; after the unit, one of sum, last, mean",
                                code="bad-unit")
        if len(rest) > 1:
            raise SyntaxProblem(f"unexpected '{rest[1][1]}' after the aggregation word", rest[1][2],
                                "an annotation is a unit and at most one of sum, last, mean",
                                code="bad-unit")
        aggregation = word
    last_span = (rest or words)[-1][2]
    return A.Annotation(unit, factors, aggregation, words[0][2].to(last_span),
                        words[0][2].to(words[len(words) - len(rest) - 1][2]))


def _tokens(text: str, line: int, col: int) -> list[tuple[str, str, A.Span]]:
    out = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:  # only trailing spaces
            break
        kind = "name" if m[1] else "number" if m[2] else "op"
        start = m.start(m.lastindex)
        out.append((kind, m[m.lastindex], A.Span(line, col + start, line, col + m.end())))
        pos = m.end()
    return out


def _join(words) -> str:
    text = ""
    for kind, word, _ in words:
        text += word if kind == "op" or not text or text[-1] in "*/^-" else " " + word
    return text


def _unit(words: list) -> tuple[str, tuple[tuple[str, int], ...], list]:
    """The unit at the start of `words`: its text, its factors, and the words after it."""
    kind, word, span = words[0]
    if word in ("%", "x"):
        if len(words) > 1 and words[1][1] in ("*", "/", "^"):
            raise SyntaxProblem(f"'{word}' stands alone as a unit", words[1][2],
                                "% is a fraction shown times 100, x a multiple: neither combines "
                                "with other units", code="bad-unit")
        return word, (), words[1:]
    factors: list[tuple[str, int]] = []
    text = ""
    i = 0
    sign = 1
    while True:
        kind, word, span = words[i]
        if kind == "number" and word == "1" and i == 0:
            text += "1"
        elif kind == "name" and word not in AGGREGATIONS and word != "x":
            exponent, i = _exponent(words, i)
            factors.append((word, sign * exponent))
            text += word + (f"^{exponent}" if exponent != 1 else "")
        elif word in ("%", "x"):
            raise SyntaxProblem(f"'{word}' stands alone as a unit", span,
                                "% is a fraction shown times 100, x a multiple: neither combines "
                                "with other units", code="bad-unit")
        else:
            raise SyntaxProblem(f"expected a unit name, found '{word}'", span,
                                "a unit is a name (USD, PFLOPS, count), names joined by * and / "
                                "(USD/PFLOPS), or %, x, 1", code="bad-unit")
        i += 1
        if i == len(words) or words[i][1] not in ("*", "/"):
            break
        op, op_span = words[i][1], words[i][2]
        if i + 1 == len(words):
            raise SyntaxProblem(f"expected a unit name after '{op}'", op_span,
                                f"write USD{op}PFLOPS, or drop the '{op}'", code="bad-unit")
        sign = 1 if op == "*" else -1
        text += op
        i += 1
    if text == "1" and len(words) > i and words[i][0] == "name" and words[i][1] not in AGGREGATIONS:
        raise SyntaxProblem(f"expected '*' or '/' before '{words[i][1]}'", words[i][2],
                            "write 1/month for a rate per month", code="bad-unit")
    return text, tuple(factors), words[i:]


def _exponent(words: list, i: int) -> tuple[int, int]:
    """The exponent after the name at `i` (1 when none) and the index of its last word."""
    if i + 1 == len(words) or words[i + 1][1] != "^":
        return 1, i
    j = i + 2
    negative = j < len(words) and words[j][1] == "-"
    if negative:
        j += 1
    if j == len(words) or words[j][0] != "number" or not words[j][1].isdigit():
        at = words[j][2] if j < len(words) else words[i + 1][2]
        raise SyntaxProblem("a unit's exponent is a whole number", at,
                            "write PFLOPS^2 or s^-1", code="bad-unit")
    value = int(words[j][1]) * (-1 if negative else 1)
    if value == 0:
        raise SyntaxProblem("a unit's exponent is not 0", words[j][2],
                            "drop the factor: x^0 is a plain number", code="bad-unit")
    return value, j
