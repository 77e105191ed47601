"""`--vary` specifications of a sweep: which input cells move, and through which values.

    wacc=8%..12%/1%              a range: from 8% to 12% by 1% (12% included)
    wacc=8%,9%,11%               a list
    capex_growth[orcl]=10%..30%/10%   one member (every period)
    price[2027]=99,119           one period of an input

Numbers are read as the language reads its literals (`%`, `k`, `M`, `B`,
`T`, `_` between digits, an exponent), a leading `-` for negatives. The
points of a range are computed exactly (decimal arithmetic, rounded once),
so that `8%..12%/1%` holds the very floats `--set 'wacc = 11%'` would give,
and its upper end is included when it lands on the grid (`8%..12%/3%` is
8% and 11%). A step of 0, or one that walks away from the upper end, is an
error at the step.

The k-th specification is line k of the source `--vary`, as `--set` does,
so an error reads `--vary:2:9: error: ...` with a caret under the column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from dsl.ast import Span
from dsl.errors import Diagnostic, ScnError
from dsl.numbers import SUFFIXES, BadNumber, parse_number
from engine.address import Cell
from engine.model import Model

SOURCE = "--vary"
MAX_POINTS = 1_000_000  # per sweep: far beyond any data table, well inside memory
EXAMPLE = "write NAME=LOW..HIGH/STEP or NAME=V1,V2,...: wacc=8%..12%/1%, wacc=8%,9%,11%"

_LITERAL = re.compile(r"([0-9][0-9_]*(?:\.[0-9][0-9_]*)?|\.[0-9][0-9_]*)([eE][+-]?[0-9]+)?(.*)",
                      re.S)
_TOLERANCE = Decimal("1e-9")  # of a step: the upper end counts as on the grid


@dataclass(frozen=True)
class Vary:
    """One `--vary`: the cells it sets (a whole input, one member's row, one
    period) and the values it takes them through, in order."""

    cell: Cell  # period None: every period; members (): every member
    values: tuple[float, ...]
    texts: tuple[str, ...]  # each value as typed, or as the range makes it (`9%`)
    line: int  # its line in the source `--vary`
    target: Span  # where its NAME[...] stands (errors about the variable point there)

    @property
    def variable(self) -> str:
        return self.cell.variable


def parse_vary(model: Model, text: str, line: int) -> Vary:
    """One `--vary NAME=VALUES` (the `line`-th), checked against the model's names."""
    from engine.trace import parse_cell

    eq = text.find("=")
    if eq < 0:
        raise _error(f"expected NAME=VALUES, not '{text.strip()}'", line, 0, len(text), EXAMPLE)
    target = text[:eq]
    lead = len(target) - len(target.lstrip())
    if not target.strip():
        raise _error("the variable to vary is missing before '='", line, 0, eq + 1, EXAMPLE)
    try:
        cell = parse_cell(model, target, SOURCE)
    except ScnError as e:
        raise ScnError([_moved(d, line, 0) for d in e.diagnostics]) from None
    span = Span(line, lead + 1, line, len(target.rstrip()) + 1)
    values, texts = _values(text, eq + 1, line)
    return Vary(cell, values, texts, line, span)


def _values(text: str, start: int, line: int) -> tuple[tuple[float, ...], tuple[str, ...]]:
    spec = text[start:]
    if not spec.strip():
        raise _error("no values after '='", line, start - 1, start, EXAMPLE)
    if ".." in spec:
        return _range(text, start, line)
    out, shown = [], []
    at = start
    for part in spec.split(","):
        value, typed = _number(text, at, at + len(part), line)
        if value in out:
            raise _error(f"{typed} is listed twice", line, *_stripped(text, at, at + len(part)),
                         "list each value once")
        out.append(value)
        shown.append(typed)
        at += len(part) + 1
    return tuple(float(v) for v in out), tuple(shown)


def _range(text: str, start: int, line: int) -> tuple[tuple[float, ...], tuple[str, ...]]:
    """LOW..HIGH/STEP, every point computed exactly and rounded once."""
    dots = text.index("..", start)
    slash = text.find("/", dots)
    if slash < 0:
        raise _error("a range needs a step: LOW..HIGH/STEP", line, start, len(text),
                     f"for example {text[start:].strip()}/1%" if "%" in text[start:]
                     else f"for example {text[start:].strip()}/1")
    lo, lo_text = _number(text, start, dots, line)
    hi, hi_text = _number(text, dots + 2, slash, line)
    step, step_text = _number(text, slash + 1, len(text), line)
    at = _stripped(text, slash + 1, len(text))
    if step == 0:
        raise _error("a step of 0 never gets anywhere", line, *at,
                     f"give a step such as 1% (from {lo_text} to {hi_text})")
    if (hi - lo) * step < 0:
        flip = step_text[1:] if step_text.startswith("-") else "-" + step_text
        raise _error(f"a step of {step_text} goes away from {hi_text}", line, *at,
                     f"from {lo_text} to {hi_text} the step is {flip}")
    steps = (hi - lo) / step
    whole = steps.to_integral_value()
    count = int(whole) if abs(steps - whole) <= _TOLERANCE else int(steps)  # floor: steps >= 0
    if count + 1 > MAX_POINTS:
        raise _error(f"{lo_text}..{hi_text} by {step_text} is {count + 1:,} points, more than "
                     f"{MAX_POINTS:,}", line, *at, "use a larger step")
    points = [lo + k * step for k in range(count + 1)]
    suffix = _suffix(step_text) or _suffix(lo_text)
    return tuple(float(p) for p in points), tuple(_shown(p, suffix) for p in points)


def _number(text: str, start: int, end: int, line: int) -> tuple[Decimal, str]:
    """The literal in text[start:end] (blanks around it allowed), exactly, and as typed."""
    col, stop = _stripped(text, start, end)
    typed = text[col:stop]
    body = typed[1:].lstrip() if typed.startswith("-") else typed
    sign = -1 if typed.startswith("-") else 1
    if not body:
        raise _error("expected a number" + (f", not '{typed}'" if typed else ""), line,
                     col, max(stop, col + 1), "write a number such as 12, 1.5, 30% or 2.5B")
    m = _LITERAL.fullmatch(body)
    if m is None:
        raise _error(f"expected a number, not '{typed}'", line, col, stop,
                     "write a number such as 12, 1.5, 30% or 2.5B")
    try:
        parse_number(body)  # the language's own checks and messages (suffix, '_', size)
    except BadNumber as e:
        off = stop - len(body) + e.offset
        raise _error(str(e), line, off, stop, e.hint) from None
    try:
        value = Decimal(m.group(1).replace("_", "") + (m.group(2) or "")) * SUFFIXES[m.group(3)]
    except InvalidOperation:  # parse_number accepted it: cannot happen, said plainly if it does
        raise _error(f"'{typed}' is out of range", line, col, stop,
                     "use a smaller number") from None
    return sign * value, typed


def _stripped(text: str, start: int, end: int) -> tuple[int, int]:
    """text[start:end] without the blanks around it, as (start, end)."""
    part = text[start:end]
    lead = len(part) - len(part.lstrip())
    return start + lead, start + len(part.rstrip())


def _suffix(typed: str) -> str:
    m = _LITERAL.fullmatch(typed.lstrip("-").strip())
    return m.group(3) if m else ""


def _shown(value: Decimal, suffix: str) -> str:
    """A range's point as the user would type it, in the suffix of the step: 9%, 8.5%, 1.5B."""
    scaled = (value / Decimal(SUFFIXES[suffix])).normalize()
    text = f"{scaled:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return ("0" if text in ("", "-0") else text) + suffix


def _error(message: str, line: int, start: int, end: int, hint: str = "") -> ScnError:
    span = Span(line, start + 1, line, max(end, start + 1) + 1)
    return ScnError([Diagnostic(message, span, hint, source=SOURCE, code="bad-vary")])


def _moved(d: Diagnostic, line: int, offset: int) -> Diagnostic:
    """A diagnostic of parse_cell (line 1 of its text) placed on the vary's line."""
    s = d.span
    return replace(d, source=SOURCE, span=Span(line, s.col + offset, line, s.end_col + offset))


def points(varies: list[Vary]) -> int:
    """How many combinations the varies make."""
    n = 1
    for v in varies:
        n *= len(v.values)
    return n


def check_size(varies: list[Vary]) -> None:
    """An error when the combinations are more than MAX_POINTS (at the last --vary)."""
    n = points(varies)
    if n <= MAX_POINTS:
        return
    sizes = " x ".join(f"{len(v.values):,}" for v in varies)
    last = varies[-1]
    raise ScnError([Diagnostic(
        f"a sweep of {n:,} points ({sizes}) is more than {MAX_POINTS:,}", last.target,
        "use larger steps or fewer values", source=SOURCE, code="bad-vary")])
