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
from dsl.errors import Diagnostic, Subject
from engine.axis import TimeAxis
from engine.cache import ModelCache
from engine.cover import Cover
from engine.dims import Dim, Space, label
from engine.selectors import selector_span
from engine.uses import suggest

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
    # The members the piece is pinned to, (dim, member index) in canonical
    # dim order: from the left-hand subscripts and a member map's key. () for
    # a definition over every member (and always in a dimensionless model).
    members: tuple[tuple[str, int], ...] = ()
    member_names: tuple[str, ...] = field(default=(), compare=False)

    @property
    def pinned(self) -> frozenset[str]:
        """The dims on which this piece is one member (its member rank is 1 there)."""
        return frozenset(d for d, _ in self.members)

    def beats_or_ties(self, other: Piece) -> bool:
        """At least as specific as `other` on every axis: time and each dim."""
        return self.rank >= other.rank and self.pinned >= other.pinned

    @property
    def label(self) -> str:
        """`capex` or `capex[goog]`: the variable with the members it is pinned to."""
        return label(self.name, self.member_names)

    @property
    def line(self) -> int:
        return self.span.line


Covers = dict[str, Cover]  # a scenario's winning pieces, per variable (engine.cover)




# Made without its constructor (`dsl.ast.maker`): 1.3 -> 0.6 us a piece, 11,700
# pieces in a 10,000-variable file.
_new_piece = A.maker(Piece)


@dataclass(frozen=True, slots=True)
class VariableInfo:
    name: str
    section: str | None
    doc: str | None
    definitions: tuple[A.Definition, ...]  # base definitions, file order


new_info = A.maker(VariableInfo)  # one per variable (`dsl.ast.maker`)


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
    # Dimensions (engine.dims): the dims in declaration order, member -> (dim,
    # index), and every variable's dims in canonical order (() when it has none).
    dims: Mapping[str, Dim] = field(default_factory=lambda: MappingProxyType({}))
    member_of: Mapping[str, tuple[str, int]] = field(default_factory=lambda: MappingProxyType({}))
    dims_of: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    # Each variable's annotation (`capex: USD = ...`), wherever it is written; what it
    # means, and the units inferred for the others, are engine.units'.
    annotations: Mapping[str, A.Annotation] = field(default_factory=lambda: MappingProxyType({}))
    # Derived data computed once per model (uses per piece, checked scenarios): engine.cache.
    cache: ModelCache = field(default_factory=ModelCache, compare=False, repr=False)

    @cached_property
    def space(self) -> Space:
        return Space(self.dims, self.dims_of)

    def dims_of_var(self, var: str) -> tuple[str, ...]:
        return self.dims_of.get(var, ())

    def shape(self, var: str) -> tuple[int, ...]:
        """The sizes of a variable's dims (() when it has none)."""
        return self.space.shape(self.dims_of_var(var))

    def n_combos(self, var: str) -> int:
        return self.space.size(self.dims_of_var(var))

    def combos(self, var: str) -> tuple[tuple[str, ...], ...]:
        """Member names per combination, in output order; ((),) without dims."""
        return tuple(self.space.combos(self.dims_of_var(var)))

    def combo_index(self, var: str, members: tuple[str, ...]) -> int:
        """The combination of `var` with these member names (in its dim order)."""
        sig = self.dims_of_var(var)
        if len(members) != len(sig):
            raise KeyError(f"{var} has dims {sig}, given members {members}")
        at = {}
        for d, m in zip(sig, members):
            dim, k = self.member_of[m]
            if dim != d:
                raise KeyError(f"{m} is a member of {dim}, not of {d}")
            at[d] = k
        return self.space.combo_index(sig, at)

    def label(self, var: str, members: tuple[str, ...] = ()) -> str:
        """The output name of a row: `capex`, `capex[goog]`, `units[goog,g800]`."""
        return label(var, members)

    def outputs(self, variables=None) -> list[tuple[str, tuple[str, ...]]]:
        """(variable, members) per output row: each variable followed by its combinations."""
        return [(v, c) for v in (self.variables if variables is None else variables)
                for c in self.combos(v)]

    @property
    def has_dims(self) -> bool:
        return bool(self.dims)

    @cached_property
    def years(self) -> tuple[int, ...]:
        """The periods' absolute numbers: for the yearly axes of version 1, the years.

        For the callers that still count in years; the engine's own passes ask
        `axis`, and output names periods by `labels`.
        """
        return tuple(range(self.axis.start, self.axis.end + 1))

    @cached_property
    def labels(self) -> tuple[str, ...]:
        """The periods as output names them: `2025`, `2025Q3`, `2025-07`."""
        return self.axis.labels()

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
    """The indices a selector covers (None: the whole axis); None when it covers none.
    Its periods must fit the axis (engine.selectors checks them first)."""
    if years is None:
        return axis.clip(None, None)
    return axis.clip(*axis.span_of(years.start, years.end))


def time_rank(years: A.Years | None, axis: TimeAxis) -> int:
    """SERIES for a whole series, SINGLE for one period of the axis (`x[2026]` on a
    yearly axis, `x[2025Q2]` on a quarterly one), else RANGE: a range, and a year
    standing for its periods (`x[2025]` on a quarterly axis ranks as a range)."""
    if years is None:
        return SERIES
    return SINGLE if years.single and axis.point(years.start) is not None else RANGE


def pieces_of(d: A.Definition, layer: str, axis: TimeAxis, errors: list[Diagnostic],
              member_of: Mapping[str, tuple[str, int]] | None = None,
              dims: Mapping[str, Dim] | None = None) -> list[Piece]:
    """A definition as pieces: a year map or member map whole definition gives
    one per entry (a member map under a year selector: one per member, each
    for those years)."""
    if not d.members and d.years is None and not isinstance(d.expr, (A.YearMap, A.MemberMap)):
        # The commonest definition, `x = expr`: one piece over the whole axis (as below).
        span = axis.clip(None, None)
        return [] if span is None else [_new_piece(d.name, d.expr, *span, SERIES, layer, d, d.span)]
    out: list[Piece] = []
    member_of = member_of or {}
    pinned = _pinned(d.members, d.name, member_of, errors) if d.members else ()
    if pinned is None:
        return out
    if isinstance(d.expr, A.YearMap) and d.years is None:
        for entry in d.expr.entries:
            bounds = selector_span(entry.years, axis, errors)
            span = None if bounds is None else axis.clip(*bounds)
            if span is not None:
                out.append(_piece(d, entry.value, span, RANGE, layer, entry.span, pinned, dims))
        return out
    if d.years is None:
        span = axis.clip(None, None)
    else:
        bounds = selector_span(d.years, axis, errors)
        span = None if bounds is None else axis.clip(*bounds)
    if span is None:
        return out
    rank = time_rank(d.years, axis)
    if isinstance(d.expr, A.MemberMap):
        entries = _map_members(d, pinned, member_of, errors)
        for entry, member in entries:
            out.append(_piece(d, entry.value, span, rank, layer, entry.span,
                              pinned + (member,), dims))
        return out
    out.append(_piece(d, d.expr, span, rank, layer, d.span, pinned, dims))
    return out


def _piece(d: A.Definition, expr: A.Expr, span: tuple[int, int], rank: int, layer: str,
           where: A.Span, pinned: tuple[tuple[str, int, str], ...],
           dims: Mapping[str, Dim] | None) -> Piece:
    if not pinned:
        return _new_piece(d.name, expr, *span, rank, layer, d, where)
    order = {name: k for k, name in enumerate(dims or ())}
    ms = sorted(pinned, key=lambda m: order.get(m[0], 0))
    return _new_piece(d.name, expr, *span, rank, layer, d, where,
                 tuple((dim, k) for dim, k, _ in ms), tuple(name for _, _, name in ms))


def _pinned(members: tuple[A.Member, ...], var: str, member_of, errors
            ) -> tuple[tuple[str, int, str], ...] | None:
    """(dim, index, name) of a definition's member subscripts; None after an error."""
    out: list[tuple[str, int, str]] = []
    seen: dict[str, str] = {}
    for m in members:
        hit = member_of.get(m.name)
        if hit is None:
            errors.append(unknown_member(m, member_of))
            return None
        dim, k = hit
        if dim in seen:
            errors.append(Diagnostic(
                f"'{var}[...]' names two members of dim '{dim}': {seen[dim]} and {m.name}",
                m.span, f"a subscript holds one member per dim: {var}[{seen[dim]}] or "
                f"{var}[{m.name}]", code="dim-mismatch", subject=Subject(variable=var)))
            return None
        seen[dim] = m.name
        out.append((dim, k, m.name))
    return tuple(out)


def _map_members(d: A.Definition, pinned, member_of, errors) -> list:
    """The entries of a member map with their (dim, index, name); errors for
    unknown members, keys of two dims, or a dim the subscript already pins."""
    out = []
    first_dim: tuple[str, A.Member] | None = None
    pinned_dims = {dim for dim, _, _ in pinned}
    for entry in d.expr.entries:
        m = entry.member
        hit = member_of.get(m.name)
        if hit is None:
            errors.append(unknown_member(m, member_of))
            continue
        dim, k = hit
        if first_dim is None:
            first_dim = (dim, m)
            if dim in pinned_dims:
                errors.append(Diagnostic(
                    f"the map's keys are members of dim '{dim}', which the subscript of "
                    f"'{d.name}' already pins", m.span,
                    f"key the map by another dim, or drop the {dim} member from the subscript",
                    code="dim-mismatch", subject=Subject(variable=d.name)))
                return []
        elif dim != first_dim[0]:
            errors.append(Diagnostic(
                f"member map mixes dims: '{m.name}' is in dim '{dim}', "
                f"'{first_dim[1].name}' in dim '{first_dim[0]}'", m.span,
                f"a member map is keyed by the members of one dim ({first_dim[0]})",
                code="dim-mismatch", subject=Subject(variable=d.name)))
            continue
        out.append((entry, (dim, k, m.name)))
    return out


def unknown_member(m: A.Member, member_of) -> Diagnostic:
    hint = suggest(m.name, member_of) or (
        "members: " + ", ".join(list(member_of)[:12]) if member_of else
        "declare the dim first: dim company = {goog, meta}")
    return Diagnostic(f"unknown member '{m.name}'", m.span, hint, code="unknown-member")


def _layer(model: Model, var: str, pieces: tuple[Piece, ...] | None) -> Cover | None:
    if not pieces:
        return None
    sig = model.dims_of_var(var)
    if not sig:
        return Cover.of_layer(pieces, len(model.axis))
    return Cover.of_layer(pieces, len(model.axis), model.space.shape(sig), sig)


def _empty(model: Model, var: str) -> Cover:
    return Cover.empty(len(model.axis), model.n_combos(var))


def cover(model: Model, scenario: str,
          overrides: Mapping[str, tuple[Piece, ...]] | None = None,
          variables: tuple[str, ...] | None = None) -> Covers:
    """For one scenario: each variable's winning piece in each cell (of `variables`
    only, when given)."""
    layers = [model.layers[name] for name in model.chain(scenario)]
    if overrides:
        layers.append(overrides)
    out: Covers = {}
    base = layers[0]
    for var in model.variables if variables is None else variables:
        got = _layer(model, var, base.get(var)) or _empty(model, var)
        for layer in layers[1:]:
            top = _layer(model, var, layer.get(var))
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
    out = dict(below)
    for var, pieces in layer.items():
        if pieces and var in out:
            out[var] = out[var].over(_layer(model, var, pieces))
    return out


def freeze(d: dict) -> Mapping:
    return MappingProxyType(d)
