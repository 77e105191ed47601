"""Resolve a parsed document into a model: which definition gives each
variable its value in each year, for the base and every scenario layer.

A definition (or one entry of a year map) becomes a `Piece`: an expression,
the years it covers and how specific it is. Within one layer the most
specific piece covering a year wins; a scenario layer replaces its parent's
value in the years its pieces cover. `cover()` computes, for one scenario
(and optional overrides), the winning piece of every variable in every
cell: an `engine.cover.Cover` per variable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Mapping

from dsl import ast as A
from dsl.errors import Diagnostic
from engine.axis import TimeAxis
from engine.cache import ModelCache
from engine.cover import Cover

SINGLE, RANGE, SERIES = 2, 1, 0  # how specific a piece is: higher wins
BASE = A.BASE  # the layer of the definitions outside any scenario block
OVERRIDES = "--set"  # the layer name of command-line overrides


@dataclass(frozen=True, slots=True)
class Piece:
    """One rule giving a variable its value over a run of periods (indices on the model's axis)."""

    name: str
    expr: A.Expr
    start: int
    end: int  # inclusive
    rank: int
    layer: str
    definition: A.Definition = field(compare=False)
    span: A.Span = field(compare=False)  # the definition, or the map entry

    @property
    def line(self) -> int:
        return self.span.line


Covers = dict[str, Cover]  # a scenario's winning pieces, per variable (engine.cover)


@dataclass(frozen=True)
class VariableInfo:
    name: str
    section: str | None
    doc: str | None
    definitions: tuple[A.Definition, ...]  # base definitions, file order


@dataclass(frozen=True)
class Scenario:
    name: str
    parent: str | None  # None for base
    title: str | None
    span: A.Span | None


@dataclass(frozen=True)
class Model:
    """A checked model: everything evaluation needs, nothing it must recompute."""

    source: str
    title: str | None
    axis: TimeAxis  # the periods: every question about time goes to it
    variables: tuple[str, ...]  # file order
    info: Mapping[str, VariableInfo]
    scenarios: Mapping[str, Scenario]  # base first, then file order
    layers: Mapping[str, Mapping[str, tuple[Piece, ...]]]  # layer -> variable -> pieces
    sections: tuple[str, ...] = ()
    # Hidden characters in comments and titles: the file loads, but a reviewer must see them.
    warnings: tuple[Diagnostic, ...] = ()
    # Derived data computed once per model (uses per piece, checked scenarios): engine.cache.
    cache: ModelCache = field(default_factory=ModelCache, compare=False, repr=False)

    @cached_property
    def years(self) -> tuple[int, ...]:
        """The periods' absolute numbers: for the yearly axes of version 1, the years.

        For the callers that still count in years (the back-ends, the command
        line's renderers); the engine's own passes ask `axis`.
        """
        return tuple(range(self.axis.start, self.axis.end + 1))

    def chain(self, scenario: str) -> list[str]:
        """The layers of a scenario, bottom first: base, ..., scenario."""
        out: list[str] = []
        seen: set[str] = set()  # a set: a chain of 1,000 scenarios is walked in 1,000 steps
        name: str | None = scenario
        while name is not None and name not in seen:
            out.append(name)
            seen.add(name)
            name = self.scenarios[name].parent
        return out[::-1]


def year_span(years: A.Years | None, axis: TimeAxis) -> tuple[int, int] | None:
    """The indices a selector covers (None: the whole axis); None when it covers none."""
    if years is None:
        return axis.clip(None, None)
    return axis.clip(years.start, years.end)


def pieces_of(d: A.Definition, layer: str, axis: TimeAxis,
              errors: list[Diagnostic]) -> list[Piece]:
    """A definition as pieces: a year map whole definition gives one per entry."""
    out: list[Piece] = []
    if isinstance(d.expr, A.YearMap) and d.years is None:
        for entry in d.expr.entries:
            _check_selector(entry.years, axis, errors)
            span = year_span(entry.years, axis)
            if span is not None:
                out.append(Piece(d.name, entry.value, *span, RANGE, layer, d, entry.span))
        return out
    if d.years is not None:
        _check_selector(d.years, axis, errors)
    span = year_span(d.years, axis)
    if span is None:
        return out
    rank = SERIES if d.years is None else (SINGLE if d.years.single else RANGE)
    out.append(Piece(d.name, d.expr, *span, rank, layer, d, d.span))
    return out


def _check_selector(years: A.Years, axis: TimeAxis, errors: list[Diagnostic]) -> None:
    for y in (years.start, years.end):
        if y is not None and not axis.contains(y):
            errors.append(Diagnostic(
                f"year {y} is outside the model years {axis.range_label()}", years.span,
                "change the year or widen the 'years' line", code="year-outside"))
            return


def _layer(pieces: tuple[Piece, ...] | None, n: int) -> Cover | None:
    return Cover.of_layer(pieces, n) if pieces else None


def cover(model: Model, scenario: str,
          overrides: Mapping[str, tuple[Piece, ...]] | None = None,
          variables: tuple[str, ...] | None = None) -> Covers:
    """For one scenario: each variable's winning piece in each cell (of `variables`
    only, when given)."""
    n = len(model.axis)
    layers = [model.layers[name] for name in model.chain(scenario)]
    if overrides:
        layers.append(overrides)
    out: Covers = {}
    base = layers[0]
    for var in model.variables if variables is None else variables:
        got = _layer(base.get(var), n) or Cover.empty(n)
        for layer in layers[1:]:
            top = _layer(layer.get(var), n)
            if top is not None:
                got = got.over(top)
        out[var] = got
    return out


def cover_over(model: Model, below: Mapping[str, Cover],
               layer: Mapping[str, tuple[Piece, ...]]) -> Covers:
    """`below` (a scenario's cover) with one more layer on top: its child's cover.

    The same covers as `cover(model, child)`, built from the parent's in the
    size of the layer instead of from base through the whole chain.
    """
    n = len(model.axis)
    out = dict(below)
    for var, pieces in layer.items():
        if pieces and var in out:
            out[var] = out[var].over(Cover.of_layer(pieces, n))
    return out


def freeze(d: dict) -> Mapping:
    return MappingProxyType(d)
