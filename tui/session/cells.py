"""What the inspector says about a cell: its definition, the cells it reads and that read it."""

from __future__ import annotations

from dataclasses import dataclass

from engine.api import uses_of
from engine.graph import Graph
from engine.model import Model, Piece


@dataclass(frozen=True)
class Link:
    """A cell another cell reads, or that reads it: the inspector jumps to it."""

    name: str
    year: int


@dataclass(frozen=True)
class CellInfo:
    name: str
    year: int
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
    precedents: tuple[Link, ...]
    dependents: tuple[Link, ...]
    warning: str | None
    comment: str | None = None  # the end-of-line comment of the definition (as edited)


def precedents(model: Model, piece: Piece | None, i: int) -> tuple[Link, ...]:
    """The cells the definition covering year index `i` reads there, in the order written."""
    if piece is None:
        return ()
    first, n = model.years[0], len(model.years)
    seen: dict[tuple[str, int], Link] = {}
    for u in uses_of(model, piece):
        for j in u.cells(i):
            if 0 <= j < n and (u.name, j) not in seen:
                seen[(u.name, j)] = Link(u.name, first + j)
    return tuple(seen.values())


def dependents(model: Model, cov: dict, graph: Graph, name: str, i: int) -> tuple[Link, ...]:
    """One cell per variable that reads this one: the same year when it reads it there."""
    first = model.years[0]
    out = []
    for w in graph.dependents().get(name, ()):
        years = [j for j, p in enumerate(cov[w]) if p is not None and any(
            u.name == name and i in u.cells(j) for u in uses_of(model, p))]
        if years:
            j = i if i in years else years[0]
            out.append(Link(w, first + j))
    return tuple(out)
