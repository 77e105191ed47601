"""Cells as a spreadsheet shows them: `capex[2027]` named on a command line,
and the trees of its precedents (what it reads) and dependents (what reads it).

`parse_cell(model, text, source)` reads `NAME` or `NAME[YEAR]`, and with
dims `NAME[MEMBER, ..., YEAR]` in any order (no expression parser needed,
and nothing that could run) and checks the name, the members and the year, reporting mistakes at their column in `text` under the label
`source`; the cell it returns is an `engine.address.Cell`. `precedents` and
`dependents` walk the winning definitions of one evaluated scenario, period
by period, through `Use.cells`: the cells a definition reads in the period
it computes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np

from dsl.ast import Span
from dsl.errors import Diagnostic, ScnError, Subject
from dsl.numbers import is_plain_integer, shorten
from dsl.periods import (YEARS, BadLabel, Period, label_of, looks_like_quarter, read_month,
                         read_quarter)
from engine.address import Cell as Address
from engine.address import combo_index, combos, dims_of, members_of
from engine.api import Result, uses_of
from engine.axis import TimeAxis
from engine.model import Model, Piece
from engine.selectors import unit_problem
from engine.uses import suggest

# A period as a command line writes it: 2027, 2027Q3, 2027-07 (checked by check_period).
_PERIOD = r"[0-9]+(?:[Qq][0-9]+|-[0-9]+)?"
_CELL = re.compile(rf"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[\s*({_PERIOD})\s*\])?\s*")
# With dims: NAME[ITEM, ITEM, ...], each a member or a period, in any order.
_SUBSCRIPTED = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*\[([^\[\]]*)\]\s*")
_ITEM = re.compile(rf"\s*([A-Za-z_][A-Za-z0-9_]*|{_PERIOD})\s*")
_MONTH = re.compile(r"([0-9]+)-([0-9]+)")


@dataclass(frozen=True, slots=True)
class Cell:
    """A variable, in one year or (year None) in every year: the (name, year) form
    `engine.sensitivity` and `engine.tornado` still use. Everything else uses
    `engine.address.Cell` (`at` converts)."""

    name: str
    year: int | None = None  # the period's absolute number: the year, on a yearly axis
    members: tuple[str, ...] = ()  # one per dim of the variable, or none (every member)
    # the axis' unit, so that the text names the period as the model does
    # (`capex[2027Q3]`, which parse_cell reads back); not part of the identity
    unit: str = field(default=YEARS, compare=False, repr=False)

    def __str__(self) -> str:
        where = [*self.members] + ([] if self.year is None else [label_of(self.unit, self.year)])
        return f"{self.name}[{', '.join(where)}]" if where else self.name

    def at(self, axis: TimeAxis) -> Address:
        return Address(self.name, None if self.year is None else axis.index(self.year),
                       self.members)


def parse_cell(model: Model, text: str, source: str, year: str | None = None,
               year_source: str = "--year") -> Address:
    """`NAME` or `NAME[YEAR]` checked against the model; `year` (from the option
    `year_source`, such as --year) fills in a year the text leaves out."""
    m = _CELL.fullmatch(text)
    if m is None and getattr(model, "dims", None):
        sub = _SUBSCRIPTED.fullmatch(text)
        if sub is not None:
            return _with_members(model, text, source, sub, year, year_source)
    if m is None:
        raise ScnError([Diagnostic(f"expected a variable or a cell such as asic_share[2030], "
                                   f"not '{text.strip()}'", _span(text, 0, len(text)),
                                   "write NAME or NAME[YEAR]", source=source, code="bad-cell")])
    name = m.group(1)
    if name not in model.info:
        hint = suggest(name, model.variables, loose=True)
        raise ScnError([Diagnostic(f"unknown variable '{name}'", _span(text, *m.span(1)), hint,
                                   source=source, code="unknown-variable",
                                   subject=Subject(variable=name))])
    if m.group(2) is None:
        return Address(name, None if year is None else check_period(model, year, year_source))
    return Address(name, check_period(model, m.group(2), source, text, m.span(2)))


def _with_members(model: Model, text: str, source: str, m: re.Match, year: str | None,
                  year_source: str) -> Address:
    """`capex[goog, 2027]`, `units[2027, goog, g800]`, `capex_growth[orcl]`: members
    (one per dim, in any order) and at most one year."""
    name = m.group(1)
    _known_variable(model, text, source, name, m.span(1))
    dims = tuple(model.dims_of.get(name, ()))
    picked: dict[str, tuple[str, tuple[int, int]]] = {}
    period = None
    start = m.start(2)
    for part in m.group(2).split(","):
        item = _ITEM.fullmatch(part)
        where = (start, start + len(part)) if item is None else (start + item.start(1),
                                                                  start + item.end(1))
        start += len(part) + 1
        if item is None:
            raise ScnError([Diagnostic(f"expected a member or a year, not '{part.strip()}'",
                                       _span(text, *where), "write NAME[MEMBER, YEAR]",
                                       source=source, code="bad-cell")])
        word = item.group(1)
        if word[0].isdigit():
            if period is not None:
                raise ScnError([Diagnostic("a cell has one year", _span(text, *where),
                                           "give the year once", source=source,
                                           code="bad-cell")])
            period = check_period(model, word, source, text, where)
            continue
        if word not in model.member_of:
            hint = suggest(word, list(model.member_of), loose=True)
            raise ScnError([Diagnostic(f"unknown member '{word}'", _span(text, *where), hint,
                                       source=source, code="unknown-member")])
        dim = model.member_of[word][0]
        if dim not in dims:
            over = f"{name} is over {', '.join(dims)}" if dims else f"{name} has no dims"
            raise ScnError([Diagnostic(f"'{word}' is a member of {dim}, and {name} is not "
                                       f"over {dim}", _span(text, *where), over,
                                       source=source, code="dim-mismatch",
                                       subject=Subject(variable=name))])
        if dim in picked:
            raise ScnError([Diagnostic(f"two members of {dim}: {picked[dim][0]} and {word}",
                                       _span(text, *where), f"name one member of {dim}",
                                       source=source, code="bad-cell")])
        picked[dim] = (word, where)
    if picked and len(picked) < len(dims):
        missing = [d for d in dims if d not in picked]
        example = ", ".join(picked[d][0] if d in picked else model.dims[d].members[0]
                            for d in dims)
        raise ScnError([Diagnostic(f"{name} is over {', '.join(dims)}: name a member of "
                                   f"{' and '.join(missing)} too", whole(text),
                                   f"write {name}[{example}]", source=source,
                                   code="bad-cell", subject=Subject(variable=name))])
    if period is None and year is not None:
        period = check_period(model, year, year_source)
    return Address(name, period, tuple(picked[d][0] for d in dims if d in picked))


def _known_variable(model: Model, text: str, source: str, name: str,
                    where: tuple[int, int]) -> None:
    if name not in model.info:
        hint = suggest(name, model.variables, loose=True)
        raise ScnError([Diagnostic(f"unknown variable '{name}'", _span(text, *where), hint,
                                   source=source, code="unknown-variable",
                                   subject=Subject(variable=name))])


def one_cell(model: Model, c: Address | Cell, source: str, text: str) -> None:
    """An error unless the cell names a member of each of its variable's dims
    (an output, a target, a cell to explain: one cell, not a row of them)."""
    name = c.variable if isinstance(c, Address) else c.name
    dims = tuple((getattr(model, "dims_of", None) or {}).get(name, ()))
    if not dims or c.members:
        return
    example = [model.dims[d].members[0] for d in dims]
    if isinstance(c, Address) and c.period is not None:
        example.append(model.axis.label(c.period))
    elif isinstance(c, Cell) and c.year is not None:
        example.append(str(c.year))
    raise ScnError([Diagnostic(f"{name} is over {', '.join(dims)}: name its member"
                               + ("s" if len(dims) > 1 else ""), whole(text),
                               f"write {name}[{', '.join(example)}]", source=source,
                               code="bad-cell", subject=Subject(variable=name))])


def cell(model: Model, text: str, source: str, year: str | None = None,
         year_source: str = "--year") -> Cell:
    """`parse_cell`, as the (name, year) `Cell` of the back-ends."""
    c = parse_cell(model, text, source, year, year_source)
    return Cell(c.variable, None if c.period is None else model.axis.absolute(c.period),
                c.members, model.axis.unit)


def check_period(model: Model, value: str, source: str, text: str | None = None,
                 where: tuple[int, int] | None = None) -> int:
    """A period of the model written as text (a year, `2027Q3`, `2027-07`: as the
    model's axis names its periods), as its index on the axis; an error at its
    column otherwise."""
    text = value if text is None else text
    where = where or (0, len(text))
    axis = model.axis
    first, last = axis.label(0), axis.label(axis.last)
    digits = value.strip()
    if not axis.yearly or not is_plain_integer(digits):
        label = _label_period(model, digits, source, text, where)
        if label is not None:
            return label
        raise ScnError([Diagnostic(f"expected a year, not '{shorten(value)}'", _span(text, *where),
                                   f"write a year between {first} and {last}", source=source,
                                   code="bad-cell")])
    digits = digits.lstrip("0") or "0"
    # int() refuses 4,300 digits and more
    i = axis.index(int(digits)) if len(digits) <= 5 else None
    if i is None:
        raise ScnError([Diagnostic(f"year {shorten(digits)} is outside the model years "
                                   f"{axis.range_label()}",
                                   _span(text, *where), f"pick a year between {first} and {last}",
                                   source=source, code="year-outside")])
    return i


def _label_period(model: Model, value: str, source: str, text: str,
                  where: tuple[int, int]) -> int | None:
    """A period label (`2027Q3`, `2027-07`) or a year on a sub-annual axis, as its
    index; None for text that is no period at all (the caller's error)."""
    axis = model.axis
    month = _MONTH.fullmatch(value)
    try:
        if looks_like_quarter(value):
            p = read_quarter(value)
        elif month is not None:
            p = read_month(month[1], month[2])
        elif is_plain_integer(value) and len(value) <= 5:
            p = Period(YEARS, int(value))
        else:
            return None
    except BadLabel as e:
        raise ScnError([Diagnostic(str(e), _span(text, *where), e.hint, source=source,
                                   code="bad-cell")]) from None
    first, last = axis.label(0), axis.label(axis.last)
    problem = unit_problem(axis, p, _span(text, *where))
    if problem is None and p.is_year and not axis.yearly:
        at = axis.index(axis.covers(p)[1])
        hint = (f"pick a {axis.period_word} between {first} and {last}" if at is None else
                f"for one {axis.period_word} write {axis.label(at)} (the year's last); for "
                f"the year's total, sum(x[{p}]) in a formula, or scn run --by year")
        problem = Diagnostic(f"{p} is a year, but this model's periods are {axis.unit}",
                             _span(text, *where), hint, code="bad-cell")
    if problem is not None:
        raise ScnError([replace(problem, source=source, code="bad-cell")])
    i = axis.index_of(p)
    if i is None:
        raise ScnError([Diagnostic(f"{axis.period_word} {p} is outside the model {axis.unit} "
                                   f"{axis.range_label()}", _span(text, *where),
                                   f"pick a {axis.period_word} between {first} and {last}",
                                   source=source, code="year-outside")])
    return i


def check_year(model: Model, value: str, source: str, text: str | None = None,
               where: tuple[int, int] | None = None) -> int:
    """`check_period`, as the period's absolute number (the year)."""
    return model.axis.absolute(check_period(model, value, source, text, where))


def whole(text: str) -> Span:
    """The span of a whole one-line argument."""
    return _span(text, 0, len(text.rstrip()))


def has_value(model: Model, cover, c: Address | Cell, source: str, text: str,
              hint: str = "") -> None:
    """An error unless the cell has a definition in the scenario's cover (a cell
    with no members, of a variable with dims: some member has one)."""
    c = c.at(model.axis) if isinstance(c, Cell) else c
    cov = cover[c.variable]
    rows = [combo_index(model, c.variable, c.members)] if c.members else range(cov.n_combos)
    if any(cov.at(k, c.period) is not None for k in rows):
        return
    have = np.flatnonzero(cov.defined[list(rows)].any(axis=0)).tolist()
    name = Address(c.variable, None, c.members).label(model.axis)
    raise ScnError([Diagnostic(f"{name} has no value in {model.axis.label(c.period)}",
                               whole(text),
                               hint or f"{name} has values in {model.axis.span_label(have)}",
                               source=source, code="no-value",
                               subject=Subject(variable=c.variable, period=c.period))])


def years_label(years, unit: str = YEARS) -> str:
    """2024, 2026..2030 (or 2025Q1..2025Q3): absolute periods of an axis of `unit` as
    `TimeAxis.span_label` writes them. For the back-ends that hold absolute numbers."""
    years = list(years)
    if not years:
        return ""
    axis = TimeAxis.of(unit, min(years), max(years))
    return axis.span_label(y - axis.start for y in years)


def _span(text: str, start: int, end: int) -> Span:
    start = min(start, max(len(text) - 1, 0))
    return Span(1, start + 1, 1, max(end, start + 1) + 1)


# ---------------------------------------------------------------- trees of cells


@dataclass(frozen=True)
class Node:
    """One cell of a trace: its value, the definition that covers it, and the
    cells it reads (precedents) or that read it (dependents).

    `seen` marks a cell already shown higher in the tree (its branch is not
    repeated); `cut` marks a cell whose branch the depth limit stopped."""

    cell: Address
    value: float | None
    piece: Piece | None
    children: tuple[Node, ...] = ()
    seen: bool = False
    cut: bool = False
    # Cells not shown after this one: the rest of the members a dim aggregate
    # reads (`more` of them, cells of `more_of`, such as optics[2027]).
    more: int = 0
    more_of: str = ""


MEMBERS_SHOWN = 5  # member cells of one variable and period listed before "... K more"


def precedents(result: Result, target: Address, depth: int | None = None,
               members_shown: int | None = MEMBERS_SHOWN) -> Node:
    """The tree of cells `target` reads, down to inputs (or `depth` levels); of the
    members of one variable read in one period (a dim aggregate), the first
    `members_shown` (None: all), the others counted on the last one shown."""
    return _Walker(result, _reads, members_shown).tree(target, depth)


def dependents(result: Result, target: Address, depth: int | None = None,
               members_shown: int | None = MEMBERS_SHOWN) -> Node:
    """The tree of cells that read `target`, up to the outputs (or `depth` levels)."""
    model = result.model
    readers: dict[str, list[str]] = result.plan.graph.dependents()

    def read_by(r: Result, c: Address) -> list[Address]:
        return _read_by(r, c, readers, model)
    return _Walker(result, read_by, members_shown).tree(target, depth)


def _reads(result: Result, c: Address) -> list[Address]:
    model = result.model
    piece = result.plan.cover[c.variable].at(_combo(model, c), c.period)
    if piece is None:
        return []
    out: list[Address] = []
    seen: set[Address] = set()
    for use in uses_of(model, piece):
        for j in use.cells(c.period):
            for members in read_members(model, c, use):
                cell_ = Address(use.name, j, members)
                if cell_ not in seen:
                    seen.add(cell_)
                    out.append(cell_)
    return out


def _combo(model: Model, c: Address) -> int:
    return combo_index(model, c.variable, c.members) if c.members else 0


def read_members(model: Model, c: Address, use) -> list[tuple[str, ...]]:
    """The member combinations of `use.name` that cell c reads through `use`: the
    members it selects, every member of a dim it aggregates, and c's own member
    on the other dims."""
    dims = dims_of(model, use.name)
    if not dims:
        return [()]
    pinned = {d: k for d, k in getattr(use, "members", ())}
    over = getattr(use, "over", None)
    mine = dims_of(model, c.variable)
    out: list[tuple[str, ...]] = [()]
    for d in dims:
        ms = members_of(model, d)
        if d in pinned:
            pick = [ms[pinned[d]]]
        elif d == over:
            pick = list(ms)
        else:
            pick = [c.members[mine.index(d)]]
        out = [o + (m,) for o in out for m in pick]
    return out


def _read_by(result: Result, c: Address, readers: dict[str, list[str]],
             model: Model) -> list[Address]:
    j = c.period
    out: list[Address] = []
    for v in readers.get(c.variable, ()):
        cover = result.plan.cover[v]
        rows = combos(model, v)
        for k, members in enumerate(rows):
            for i, piece in enumerate(cover.row(k)):
                if piece is None:
                    continue
                reader = Address(v, i, members)
                if any(u.name == c.variable and j in u.cells(i)
                       and (not c.members or c.members in read_members(model, reader, u))
                       for u in uses_of(model, piece)):
                    out.append(reader)
    order = {v: k for k, v in enumerate(model.variables)}
    return sorted(out, key=lambda x: (order[x.variable], x.period))


class _Walker:
    """Depth first, the first occurrence of a cell expanded, later ones marked.

    An explicit stack, not recursion: a recurrence over 30 years under a
    chain 50 variables deep is a path of 1,500 cells."""

    def __init__(self, result: Result, step, members_shown: int | None = None):
        self.result, self._step, self.limit = result, step, members_shown
        self.more: dict[Address, dict[int, tuple[int, str]]] = {}

    def step(self, result: Result, c: Address) -> list[Address]:
        """The cells next to c, long runs of one variable's members in one period cut."""
        cells = self._step(result, c)
        if self.limit is None or len(cells) <= self.limit:
            return cells
        out: list[Address] = []
        k = 0
        while k < len(cells):
            a = cells[k]
            run = k
            while run < len(cells) and cells[run].members and \
                    (cells[run].variable, cells[run].period) == (a.variable, a.period):
                run += 1
            if run - k > self.limit:
                out += cells[k:k + self.limit]
                label = Address(a.variable, a.period).label(result.model.axis)
                self.more.setdefault(c, {})[len(out) - 1] = (run - k - self.limit, label)
                k = run
            else:
                out.append(a)
                k += 1
        return out

    def _leaf(self, c: Address) -> tuple[float | None, Piece | None]:
        if not c.members:  # version 1's call, unchanged
            return (self.result.at(c.variable, c.period),
                    self.result.plan.cover[c.variable].at(0, c.period))
        return (self.result.at(c.variable, c.period, members=c.members),
                self.result.plan.cover[c.variable].at(_combo(self.result.model, c), c.period))

    def tree(self, root: Address, depth: int | None) -> Node:
        shown = {root}
        # frame: [cell, depth left, cells to visit, built children]
        stack = [[root, depth, self.step(self.result, root), []]]
        while True:
            c, left, todo, built = stack[-1]
            if left is not None and left <= 0 and todo:
                node = Node(c, *self._leaf(c), cut=True)
            elif len(built) < len(todo):
                nxt = todo[len(built)]
                if nxt in shown:
                    built.append(Node(nxt, *self._leaf(nxt), seen=bool(self.step(self.result, nxt))))
                else:
                    shown.add(nxt)
                    below = None if left is None else left - 1
                    stack.append([nxt, below, self.step(self.result, nxt), []])
                continue
            else:
                extra = self.more.get(c, {})
                if extra:
                    built = [replace(b, more=extra[j][0], more_of=extra[j][1]) if j in extra
                             else b for j, b in enumerate(built)]
                node = Node(c, *self._leaf(c), tuple(built))
            stack.pop()
            if not stack:
                return node
            stack[-1][3].append(node)
