"""What the inspector says about a cell: its definition, the cells it reads and that read it.

The cells it links to (the inspector jumps to them) are `engine.address.Cell`s;
a member cell's links name members (`capex[goog, 2025]`): the member of each
shared dim, the one a selection (`capex[goog]`) names; a read of every
member (`sum(capex, company)`) links to the variable's group.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.address import Cell
from engine.api import uses_of
from engine.graph import Graph
from engine.model import Model, Piece
from tui.session.members import combo_index
from tui.session.sheet import dims_of


@dataclass(frozen=True)
class CellInfo:
    cell: Cell  # the variable and the period
    scenario: str
    section: str | None
    doc: str | None  # the variable's `##` description
    value: float | None
    file_value: float | None  # the value in the file as saved
    kind: str  # "input" (reads no other variable), "formula" or "empty"
    definition: str  # the covering definition as written (as edited, when edited)
    where: str  # FILE:LINE
    layer: str  # "base" or the scenario whose block defines it
    edited: bool
    precedents: tuple[Cell, ...]
    dependents: tuple[Cell, ...]
    warning: str | None
    comment: str | None = None  # the end-of-line comment of the definition (as edited)
    group: int = 0  # a group's header (a variable with dims): its number of member rows
    mixed: bool = False  # a header whose members have different definitions that year

    @property
    def name(self) -> str:
        return self.cell.variable


def group_piece(cover, i: int) -> Piece | None:
    """The definition covering every member of a variable in period `i`, if one does."""
    column = cover.grid[:, i]
    k = int(column[0])
    return cover.pieces[k] if k >= 0 and bool((column == k).all()) else None


def _pinned(model: Model, use) -> dict[str, str]:
    """The members a use selects, by dim (`capex[goog]`: {company: goog})."""
    return {dim: model.dims[dim].members[k] for dim, k in getattr(use, "members", ())}


def read_members(model: Model, use, name: str, members: tuple[str, ...]) -> tuple[str, ...]:
    """The members of `use.name` that the cell (name, members) reads: () for a variable
    without dims, or when it reads all of them (an aggregate: the group)."""
    dims = dims_of(model, use.name)
    if not dims:
        return ()
    pinned = _pinned(model, use)
    mine = dict(zip(dims_of(model, name), members))
    out = []
    for d in dims:
        if d in pinned:
            out.append(pinned[d])
        elif d in mine and getattr(use, "over", None) != d:
            out.append(mine[d])
        else:
            return ()  # the whole dim is read: the group
    return tuple(out)


def precedents(model: Model, piece: Piece | None, i: int, name: str = "",
               members: tuple[str, ...] = ()) -> tuple[Cell, ...]:
    """The cells the definition covering period `i` reads there, in the order written
    (for a member cell, the members it reads)."""
    if piece is None:
        return ()
    n = len(model.axis)
    seen: dict[Cell, None] = {}
    for u in uses_of(model, piece):
        read = read_members(model, u, name, members)
        for j in u.cells(i):
            if 0 <= j < n:
                seen.setdefault(Cell(u.name, j, read))
    return tuple(seen)


def dependents(model: Model, cov: dict, graph: Graph, name: str, i: int,
               members: tuple[str, ...] = ()) -> tuple[Cell, ...]:
    """One cell per variable that reads this one: the same period when it reads it there;
    for a member cell, the reader's cell of the same member (the first member of a dim
    the reader alone has), if it reads this member; for a group's header, the readers'
    groups (or cells, without dims)."""
    mine = dict(zip(dims_of(model, name), members))
    group = bool(dims_of(model, name)) and not members  # a group's header: readers' groups
    out = []
    for w in graph.dependents().get(name, ()):
        theirs = tuple(mine.get(d) or model.dims[d].members[0] for d in dims_of(model, w))
        combo = combo_index(model, w, theirs) if theirs else 0
        if group:
            theirs = ()

        def reads(u) -> bool:
            return u.name == name and all(mine.get(d, m) == m
                                          for d, m in _pinned(model, u).items())
        periods = [j for j, p in enumerate(cov[w].row(combo)) if p is not None and any(
            reads(u) and i in u.cells(j) for u in uses_of(model, p))]
        if periods:
            out.append(Cell(w, i if i in periods else periods[0], theirs))
    return tuple(out)
