"""Cells as a spreadsheet shows them: `capex[2027]` named on a command line,
and the trees of its precedents (what it reads) and dependents (what reads it).

`cell(model, text, source)` reads `NAME` or `NAME[YEAR]` (no expression
parser needed, and nothing that could run) and checks the name and the
year, reporting mistakes at their column in `text` under the label
`source`. `precedents` and `dependents` walk the winning definitions of one
evaluated scenario, year by year, through `Use.cells`: the cells a
definition reads in the year it computes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dsl.ast import Span
from dsl.errors import Diagnostic, ScnError, Subject
from dsl.numbers import is_plain_integer, shorten
from engine.api import Result, uses_of
from engine.model import Model, Piece
from engine.uses import suggest

_CELL = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[\s*([0-9]+)\s*\])?\s*")


@dataclass(frozen=True, slots=True)
class Cell:
    """A variable, in one year or (year None) in every year."""

    name: str
    year: int | None = None

    def __str__(self) -> str:
        return self.name if self.year is None else f"{self.name}[{self.year}]"


def cell(model: Model, text: str, source: str, year: str | None = None,
         year_source: str = "--year") -> Cell:
    """`NAME` or `NAME[YEAR]` checked against the model; `year` (from the option
    `year_source`, such as --year) fills in a year the text leaves out."""
    m = _CELL.fullmatch(text)
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
        return Cell(name, None if year is None else check_year(model, year, year_source))
    return Cell(name, check_year(model, m.group(2), source, text, m.span(2)))


def check_year(model: Model, value: str, source: str, text: str | None = None,
               where: tuple[int, int] | None = None) -> int:
    """A year of the model, from text; an error at its column otherwise."""
    text = value if text is None else text
    where = where or (0, len(text))
    first, last = model.years[0], model.years[-1]
    digits = value.strip()
    if not is_plain_integer(digits):
        raise ScnError([Diagnostic(f"expected a year, not '{shorten(value)}'", _span(text, *where),
                                   f"write a year between {first} and {last}", source=source,
                                   code="bad-cell")])
    digits = digits.lstrip("0") or "0"
    y = int(digits) if len(digits) <= 5 else None  # int() refuses 4,300 digits and more
    if y is None or not first <= y <= last:
        raise ScnError([Diagnostic(f"year {shorten(digits)} is outside the model years "
                                   f"{first}..{last}",
                                   _span(text, *where), f"pick a year between {first} and {last}",
                                   source=source, code="year-outside")])
    return y


def whole(text: str) -> Span:
    """The span of a whole one-line argument."""
    return _span(text, 0, len(text.rstrip()))


def has_value(model: Model, cover, c: Cell, source: str, text: str, hint: str = "") -> None:
    """An error unless the cell has a definition in the scenario's cover."""
    row = cover[c.name]
    if row[c.year - model.years[0]] is not None:
        return
    have = [model.years[0] + i for i, p in enumerate(row) if p is not None]
    raise ScnError([Diagnostic(f"{c.name} has no value in {c.year}", whole(text),
                               hint or f"{c.name} has values in {years_label(have)}",
                               source=source, code="no-value",
                               subject=Subject(variable=c.name, period=c.year - model.years[0]))])


def years_label(years) -> str:
    """2024, 2026..2030: consecutive years as ranges."""
    runs: list[list[int]] = []
    for y in years:
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}..{r[-1]}" for r in runs)


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

    cell: Cell
    value: float | None
    piece: Piece | None
    children: tuple[Node, ...] = ()
    seen: bool = False
    cut: bool = False


def precedents(result: Result, target: Cell, depth: int | None = None) -> Node:
    """The tree of cells `target` reads, down to inputs (or `depth` levels)."""
    return _Walker(result, _reads).tree(target, depth)


def dependents(result: Result, target: Cell, depth: int | None = None) -> Node:
    """The tree of cells that read `target`, up to the outputs (or `depth` levels)."""
    model = result.model
    readers: dict[str, list[str]] = result.plan.graph.dependents()

    def read_by(r: Result, c: Cell) -> list[Cell]:
        return _read_by(r, c, readers, model)
    return _Walker(result, read_by).tree(target, depth)


def _reads(result: Result, c: Cell) -> list[Cell]:
    model = result.model
    first = model.years[0]
    i = c.year - first
    piece = result.plan.cover[c.name][i]
    if piece is None:
        return []
    out: list[Cell] = []
    for use in uses_of(model, piece):
        for j in use.cells(i):
            cell_ = Cell(use.name, first + j)
            if cell_ not in out:
                out.append(cell_)
    return out


def _read_by(result: Result, c: Cell, readers: dict[str, list[str]], model: Model) -> list[Cell]:
    first = model.years[0]
    j = c.year - first
    out: list[Cell] = []
    for v in readers.get(c.name, ()):
        for i, piece in enumerate(result.plan.cover[v]):
            if piece is None:
                continue
            if any(u.name == c.name and j in u.cells(i) for u in uses_of(model, piece)):
                out.append(Cell(v, first + i))
    order = {v: k for k, v in enumerate(model.variables)}
    return sorted(out, key=lambda x: (order[x.name], x.year))


class _Walker:
    """Depth first, the first occurrence of a cell expanded, later ones marked.

    An explicit stack, not recursion: a recurrence over 30 years under a
    chain 50 variables deep is a path of 1,500 cells."""

    def __init__(self, result: Result, step):
        self.result, self.step = result, step
        self.first = result.model.years[0]

    def _leaf(self, c: Cell) -> tuple[float | None, Piece | None]:
        return self.result.value(c.name, c.year), self.result.plan.cover[c.name][c.year - self.first]

    def tree(self, root: Cell, depth: int | None) -> Node:
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
                node = Node(c, *self._leaf(c), tuple(built))
            stack.pop()
            if not stack:
                return node
            stack[-1][3].append(node)
