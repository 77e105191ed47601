"""What the inspector says about a cell: its definition, the cells it reads and that read it.

The cells it links to (the inspector jumps to them) are `engine.address.Cell`s.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.address import Cell
from engine.api import uses_of
from engine.graph import Graph
from engine.model import Model, Piece


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

    @property
    def name(self) -> str:
        return self.cell.variable


def precedents(model: Model, piece: Piece | None, i: int) -> tuple[Cell, ...]:
    """The cells the definition covering period `i` reads there, in the order written."""
    if piece is None:
        return ()
    n = len(model.axis)
    seen: dict[Cell, None] = {}
    for u in uses_of(model, piece):
        for j in u.cells(i):
            if 0 <= j < n:
                seen.setdefault(Cell(u.name, j))
    return tuple(seen)


def dependents(model: Model, cov: dict, graph: Graph, name: str, i: int) -> tuple[Cell, ...]:
    """One cell per variable that reads this one: the same period when it reads it there."""
    out = []
    for w in graph.dependents().get(name, ()):
        periods = [j for j, p in enumerate(cov[w].row(0)) if p is not None and any(
            u.name == name and i in u.cells(j) for u in uses_of(model, p))]
        if periods:
            out.append(Cell(w, i if i in periods else periods[0]))
    return tuple(out)
