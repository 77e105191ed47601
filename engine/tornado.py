"""The tornado: every lever of one output cell, ranked by how much it moves it.

Each lever (engine.levers: the inputs and starting values the cell reads,
calendar helpers left out) is scaled by 1 - pct and 1 + pct in every year it
moves; the output is re-evaluated exactly (all 2k + 1 perturbations are rows
of one batch run) and estimated to first order from the exact derivative
(all 2k seeds are rows of one tangent run).

Decided: a lever that is 0 in every cell the output reads cannot be scaled
(10% of 0 is 0). It is *shifted* instead, by -step and +step in every year:
pct of the largest size it takes in any year (`5% * (t - 2024)`, read in
2024, moves by 10% of 30%), or, when it is 0 in every year, the step the
caller gives for that variable (`zero_step`; the command line passes 1
percentage point for a variable that reads as a percentage, and 1
otherwise). The row says so (`shift`), and so does every front end.

Decided (issue 14): a lever written as a distribution (`wacc = 8% to 12%`,
`normal(...)`, `uniform`, `triangular`, `lognormal`, or an expression of
them and of no variable such as `interp({2025: 3.8, 2030: 2.6 to 5.0})`, in
every period the output reads) is not scaled: it swings from its 5th to its
95th percentile (engine.quantiles), about its mean (what a plain run uses).
The row carries the two values (`range`), and every front end says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from engine.api import Overrides, evaluate
from engine.levers import Lever, levers
from engine.axis import label_of
from engine.model import BASE
from engine.quantiles import lever_range
from engine.plan import Plan, run
from engine.tangent import (first_rows, helper_name, moved_cells, restricted, run_tangent,
                            tangent_plan)
from engine.trace import Cell, cell, has_value

DEFAULT_ZERO_STEP = 1.0


@dataclass(frozen=True)
class TornadoRow:
    """One lever of a tornado: changes of output[year] when the lever is
    scaled by (1 - pct) and (1 + pct) in every year (or, when it is 0
    everywhere, shifted by -shift and +shift), to first order (from the
    derivative) and exactly (re-evaluated)."""

    input: str
    base_value: float | None  # the input in the output's year (None: empty there)
    derivative: float  # d output[year] / d input, the input shifted in every year
    estimate_low: float
    estimate_high: float
    exact_low: float
    exact_high: float
    output_value: float  # output[year] before any change
    shift: float | None = None  # the absolute step, for a lever that is 0 (else scaled)
    exact: bool = True  # False: not re-evaluated (exact_* are the estimates; engine.tornado_dims)
    # a lever written as a distribution: its 5th and 95th percentiles in the output's
    # period (or the lever's first), what it was swung to instead of -pct/+pct
    range: tuple[float, float] | None = None

    @property
    def swing(self) -> float:
        """The larger exact change: what the tornado is ranked by (NaN ranks first)."""
        a, b = abs(self.exact_low), abs(self.exact_high)
        return math.inf if math.isnan(a) or math.isnan(b) else max(a, b)


def tornado(model, output: str, year: int | None = None, scenario: str = BASE,
            overrides: Overrides | None = None, pct: float = 0.10,
            zero_step: Mapping[str, float] | None = None,
            top: int | None = None, ranges_of_distributions: bool = True) -> list[TornadoRow]:
    """Every lever of `output[year]`, ranked by the exact change of the cell when
    it is scaled by 1 - pct and 1 + pct (shifted by its `zero_step` when it is 0).

    With dims, `output` may name a member cell (`capex[goog]`) and each member of
    an input is a lever; `top` (the rows a report shows) bounds how many of
    thousands are re-evaluated (engine.tornado_dims).

    A lever written as a distribution (`wacc = 8% to 12%`, `normal(...)`, ...) swings
    across its own 5-95% range instead (engine.quantiles; its row's `range`),
    unless `ranges_of_distributions` is False."""
    when = None if year is None else label_of(model.axis.unit, year)  # as the model names it
    if getattr(model, "dims", None):  # `capex[goog]` and the year
        y = cell(model, output, "OUTPUT", when)
    else:
        y = cell(model, output if year is None else f"{output}[{when}]", "OUTPUT")
    axis = model.axis
    year = y.year if y.year is not None else axis.end
    if getattr(model, "dims", None):
        from engine.tornado_dims import member_tornado
        from engine.trace import one_cell

        one_cell(model, y, "OUTPUT", output)
        return member_tornado(model, y, year, scenario, overrides, pct, zero_step, top, output,
                              ranges_of_distributions)
    result = evaluate(model, scenario, overrides)
    n = len(axis)
    i = axis.index(year)
    has_value(model, result.plan.cover, Cell(y.name, year, (), model.axis.unit), "OUTPUT", output)
    y0 = result.value(y.name, year)
    found = levers(model, result.plan, y.name, year)
    if not found:
        return []
    plan = moved_cells(result.plan, _moved(found))
    base = {v: np.nan_to_num(first_rows(result.raw, v, n)) for v in {lv.var for lv in found}}
    ranges = [lever_range(model, result.plan, lv.var, 0, lv.years, base[lv.var],
                          lv.reads) if ranges_of_distributions
              else None for lv in found]
    steps = [None if r is not None else _zero_step(lv, base, pct, zero_step)
             for lv, r in zip(found, ranges)]
    with np.errstate(invalid="ignore"):  # inf - inf: a non-finite output stays NaN, quietly
        exact = _perturbed(plan, y.name, found, base, pct, steps, ranges)[:, i] - y0
    up = [None if r is None else r[1] - base[lv.var] for lv, r in zip(found, ranges)]
    seeds = _seeds(found, base, n, steps, up)
    tangent = tangent_plan(plan, frozenset(seeds), frozenset([y.name]))
    dy = run_tangent(tangent, result.raw, seeds, [y.name])[y.name][:, i]
    dy_down = dy
    if any(r is not None for r in ranges):  # a distribution's range is not symmetric
        down = [None if r is None else r[0] - base[lv.var] for lv, r in zip(found, ranges)]
        dy_down = run_tangent(tangent, result.raw, _seeds(found, base, n, steps, down),
                              [y.name])[y.name][:, i]
    rows = []
    for b, (lv, step, r) in enumerate(zip(found, steps, ranges)):
        at = i if i in lv.years else lv.years[0]
        move = dy[2 * b + 1] if step is not None else pct * dy[2 * b + 1]
        low, high = (dy_down[2 * b + 1], dy[2 * b + 1]) if r is not None else (-move, move)
        rows.append(TornadoRow(
            input=lv.label, base_value=float(base[lv.var][at]),
            derivative=float(dy[2 * b]),
            estimate_low=float(low), estimate_high=float(high),
            exact_low=float(exact[2 * b + 1]), exact_high=float(exact[2 * b + 2]),
            output_value=float(y0), shift=step,
            range=None if r is None else (float(r[0][at]), float(r[1][at]))))
    # Ranked by swing to 9 significant digits: rounding noise must not reorder
    # inputs that move the output equally (a stable sort keeps file order).
    return sorted(rows, key=lambda r: -float(f"{r.swing:.9g}"))


def _zero_step(lv: Lever, base, pct: float, zero_step: Mapping[str, float] | None
               ) -> float | None:
    """The absolute step of a lever that is 0 in every cell the output reads, else None."""
    values = base[lv.var]
    read = lv.years if lv.reads is None else lv.reads
    if np.any(values[list(read)] != 0):
        return None
    size = float(np.max(np.abs(values[list(lv.years)])))
    if size > 0 and math.isfinite(size):
        return pct * size
    return (zero_step or {}).get(lv.var, DEFAULT_ZERO_STEP)


def _moved(found: list[Lever]) -> dict[str, tuple[int, ...]]:
    out: dict[str, tuple[int, ...]] = {}
    for lv in found:
        if not lv.whole:
            out[lv.var] = out.get(lv.var, ()) + lv.years
    return out


def _source(lv: Lever) -> str:
    return lv.var if lv.whole else helper_name(lv.var)


def _seeds(found: list[Lever], base, n: int, steps, moves) -> dict[str, np.ndarray]:
    """Rows 2b and 2b+1 seed lever b: shifted by 1 (derivative), and moved as
    the tornado moves it, by its value (scaled), by its step (shifted), or by
    `moves[b]` (by period: a distribution's percentile less its mean)."""
    k = len(found)
    seeds: dict[str, np.ndarray] = {}
    for b, (lv, step) in enumerate(zip(found, steps)):
        s = seeds.setdefault(_source(lv), np.zeros((2 * k, n)))
        idx = list(lv.years)
        s[2 * b, idx] = 1.0
        if moves[b] is not None:
            s[2 * b + 1, idx] = moves[b][idx]
        else:
            s[2 * b + 1, idx] = base[lv.var][idx] if step is None else step
    return seeds


def _perturbed(plan: Plan, output: str, found: list[Lever], base, pct: float,
               steps, ranges) -> np.ndarray:
    """output by year for the base (row 0) and each lever moved down and up
    (to its 5th and 95th percentiles, for a distribution): one run of the part
    of the plan that output reads."""
    k = len(found)
    n = len(plan.model.years)
    given: dict[str, np.ndarray] = {}
    for b, (lv, step, r) in enumerate(zip(found, steps, ranges)):
        a = given.get(_source(lv))
        if a is None:
            a = given[_source(lv)] = np.tile(base[lv.var], (2 * k + 1, 1))
        idx = list(lv.years)
        if r is not None:
            a[2 * b + 1, idx] = r[0][idx]
            a[2 * b + 2, idx] = r[1][idx]
        elif step is None:
            a[2 * b + 1, idx] *= 1 - pct
            a[2 * b + 2, idx] *= 1 + pct
        else:
            a[2 * b + 1, idx] -= step
            a[2 * b + 2, idx] += step
    frame = run(restricted(plan, {output}), batch=2 * k + 1, given=given)
    return frame.get_column(output).to_numpy().astype(float).reshape(2 * k + 1, n)

