"""What a tornado moves: the assumptions an output reads, in the year asked.

A *lever* is typed in rather than computed: an input variable (every winning
definition reads no other variable), or the constant definition of a
computed variable (its starting value: `capex[2024] = 265B` under
`capex = capex[t-1] * (1 + capex_growth)`). Two rules keep the list to what
an analyst would swing (docs/sensitivity.md):

- **Only levers the output cell reads.** The cells `output[year]` reads are
  followed cell by cell (`x[t-1]` reads last year's cell, `cumsum(x)` every
  year so far), so an input with no value in the years the output reads
  (`auto_growth` from 2025, for `auto_rev[2024]`) is not listed.
- **Calendar helpers are not assumptions.** An input whose definitions read
  `t` and write no number but 0, 1 and four-digit years (`year_index =
  t - 2024`, `is_forecast = t >= 2026`) only counts the years; it is left
  out. Any other number makes it an assumption (`ramp = 5% * (t - 2024)`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from dsl import ast as A
from engine.api import uses_of
from engine.cover import Cover
from engine.model import Model
from engine.plan import Plan
from engine.address import Cell as Address
from engine.address import combo_index, combos
from engine.trace import years_label

_YEAR = re.compile(r"[0-9]{4}")


@dataclass(frozen=True)
class Lever:
    """An input variable (every cell), or the constant definition of a
    computed variable (its cells: `capex[2024] = 265B`)."""

    label: str  # "asic_share", "capex[2024]", "capex_growth[orcl]", "capex[goog, 2024]"
    var: str
    years: tuple[int, ...]  # year indices it moves
    whole: bool  # an input variable, held at the moved values
    reads: tuple[int, ...] | None = None  # of those, the ones the output reads (None: all)
    members: tuple[str, ...] = ()  # the member combination it moves (a variable with dims)
    combo: int = 0  # its row


def is_input(model: Model, cover: Cover) -> bool:
    """True when no winning definition of the variable reads another variable."""
    return all(not uses_of(model, p) for p in cover.distinct())


def is_calendar(cover: Cover) -> bool:
    """An input that only counts the years: it reads `t`, and writes no number
    but 0, 1 and four-digit years (without a suffix)."""
    reads_t = False
    for p in cover.distinct():
        for n in A.walk(p.expr):
            if isinstance(n, A.CurrentYear):
                reads_t = True
            elif isinstance(n, A.Number) and not (n.text in ("0", "1") or _YEAR.fullmatch(n.text)):
                return False
    return reads_t


def upstream_cells(model: Model, plan: Plan, var: str, i: int) -> dict[str, set[int]]:
    """Every cell `var[i]` reads, directly or not (year indices per variable)."""
    seen: dict[str, set[int]] = {var: {i}}
    stack = [(var, i)]
    while stack:
        v, j = stack.pop()
        piece = plan.cover[v].at(0, j)
        if piece is None:
            continue
        for use in uses_of(model, piece):
            have = seen.setdefault(use.name, set())
            for k in use.cells(j):
                if k not in have:
                    have.add(k)
                    stack.append((use.name, k))
    return seen


def member_levers(model: Model, plan: Plan, output: str, members: tuple[str, ...],
                  year: int) -> list[Lever]:
    """`levers` of one member cell, with dims: an input's members are levers of their
    own (`capex_growth[orcl]`), as are a starting value's (`capex[goog, 2024]`)."""
    from engine.tangent_dims import needed_masks

    axis = model.axis
    reach = needed_masks(model, plan, output, combo_index(model, output, members),
                         axis.index(year))
    out: list[Lever] = []
    for v in model.variables:
        if v not in reach or not reach[v].any():
            continue
        cov = plan.cover[v]
        rows = combos(model, v)
        by_combo: dict[int, set[int]] = {
            int(k): set(np.flatnonzero(reach[v][k]).tolist())
            for k in np.flatnonzero(reach[v].any(axis=1))}
        if is_input(model, cov):
            if is_calendar(cov):
                continue
            for k in sorted(by_combo):
                years = tuple(np.flatnonzero(cov.defined[k]).tolist())
                reads = tuple(i for i in years if i in by_combo[k])
                if reads:
                    label = Address(v, None, rows[k]).label(axis)
                    out.append(Lever(label, v, years, True, reads, rows[k], k))
            continue
        for p, piece in enumerate(cov.pieces):
            if uses_of(model, piece):
                continue
            mask = cov.mask(p)
            read = mask & reach[v]  # the piece's cells the output reads
            for k in np.flatnonzero(read.any(axis=1)).tolist():
                years = tuple(np.flatnonzero(mask[k]).tolist())
                reads = tuple(i for i in years if i in by_combo[k])
                if reads:
                    when = years_label((axis.absolute(i) for i in years), axis.unit)
                    label = f"{v}[{', '.join([*rows[k], when])}]"
                    out.append(Lever(label, v, years, False, reads, rows[k], k))
    return out


def levers(model: Model, plan: Plan, output: str, year: int | None = None) -> list[Lever]:
    """Everything `output` (in `year`, or in any year) reads that is typed in
    rather than computed: input variables, then the constant definitions
    (starting values) of computed ones, in file order. Calendar helpers are
    left out."""
    axis = model.axis
    if year is None:
        reach = {v: None for v in plan.graph.upstream({output})}
    else:
        reach = upstream_cells(model, plan, output, axis.index(year))
    out: list[Lever] = []
    for v in model.variables:
        if v not in reach:
            continue
        cov = plan.cover[v]
        cells = reach[v]

        def read(years) -> tuple[int, ...] | None:
            return None if cells is None else tuple(i for i in years if i in cells)
        if is_input(model, cov):
            years = tuple(np.flatnonzero(cov.defined[0]).tolist())
            reads = read(years)
            if reads != () and not is_calendar(cov):
                out.append(Lever(v, v, years, True, reads))
            continue
        for k, p in enumerate(cov.pieces):
            if not uses_of(model, p):
                years = tuple(np.flatnonzero(cov.mask(k)[0]).tolist())
                reads = read(years)
                if reads != ():
                    out.append(Lever(f"{v}[{years_label((axis.absolute(i) for i in years), axis.unit)}]", v,
                                     years, False, reads))
    return out
