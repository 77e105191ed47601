"""The tornado of a member cell (a model with dims): each member of an input is
a lever of its own (`capex_growth[orcl]`), as is each member of a starting
value (`capex[goog, 2024]`).

As engine.tornado: every lever is scaled by 1 - pct and 1 + pct in every
period it moves (shifted by its step when it is 0), estimated to first order
from the exact derivative and re-evaluated exactly. With dims the levers can
be thousands (an input over 1,000 members is 1,000 levers), so:

- the derivatives are taken in chunks of `CHUNK` levers (two seeds each),
  the tangent model's arrays staying (2 x CHUNK, members, periods);
- when there are more than `EXACT_ALL` levers, the exact re-evaluation is
  run for the `candidates` with the largest first-order swing only (enough
  for every row a report shows, see `tornado(top=...)`); the others keep
  their estimate and `exact` False, ranked after the re-evaluated ones.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from engine.address import combo_index
from engine.api import evaluate
from engine.levers import Lever, member_levers
from engine.plan import run
from engine.quantiles import lever_range
from engine.tangent import restricted
from engine.tangent_dims import Seeds, run_tangent_dims, values_of
from engine.trace import Cell, has_value

CHUNK = 128  # levers per tangent run
EXACT_ALL = 40  # up to this many levers, every one is re-evaluated


def member_tornado(model, y: Cell, year: int, scenario: str, overrides, pct: float,
                   zero_step, top: int | None, text: str, ranges_of_distributions: bool = True):
    from engine.tornado import DEFAULT_ZERO_STEP, TornadoRow

    axis = model.axis
    i = axis.index(year)
    result = evaluate(model, scenario, overrides)
    has_value(model, result.plan.cover, Cell(y.name, year, y.members), "OUTPUT", text)
    row = combo_index(model, y.name, y.members)
    y0 = float(values_of(result, y.name)[row, i])
    found = member_levers(model, result.plan, y.name, y.members, year)
    if not found:
        return []
    rows_of = {v: np.nan_to_num(values_of(result, v)) for v in {lv.var for lv in found}}
    base = [rows_of[lv.var][lv.combo] for lv in found]
    ranges = [lever_range(model, result.plan, lv.var, lv.combo, lv.years, b, lv.reads)
              if ranges_of_distributions else None for lv, b in zip(found, base)]
    steps = [None if r is not None else _zero_step(lv, b, pct, zero_step, DEFAULT_ZERO_STEP)
             for lv, b, r in zip(found, base, ranges)]
    up = [None if r is None else r[1] - b for b, r in zip(base, ranges)]
    dy = _derivatives(model, result, y.name, row, i, found, base, steps, up)
    moves = [dy[2 * b + 1] if s is not None else pct * dy[2 * b + 1] for b, s in enumerate(steps)]
    lows = [-m for m in moves]
    if any(r is not None for r in ranges):  # a distribution's range is not symmetric
        down = [None if r is None else r[0] - b for b, r in zip(base, ranges)]
        dy_down = _derivatives(model, result, y.name, row, i, found, base, steps, down)
        for b, r in enumerate(ranges):
            if r is not None:
                moves[b], lows[b] = dy[2 * b + 1], dy_down[2 * b + 1]
    exact_for = range(len(found))
    if len(found) > EXACT_ALL:
        want = max(2 * (top or 0), (top or 0) + 10, EXACT_ALL)
        exact_for = sorted(sorted(range(len(found)),
                                  key=lambda b: -max(abs(moves[b]), abs(lows[b])))[:want])
    exact = _exact(model, result, y.name, row, i, [found[b] for b in exact_for],
                   [base[b] for b in exact_for], [steps[b] for b in exact_for], pct,
                   [ranges[b] for b in exact_for]) - y0
    by_lever = {b: (exact[2 * k + 1], exact[2 * k + 2]) for k, b in enumerate(exact_for)}
    out = []
    for b, (lv, step, r) in enumerate(zip(found, steps, ranges)):
        at = i if i in lv.years else lv.years[0]
        lo, hi = by_lever.get(b, (lows[b], moves[b]))
        out.append(TornadoRow(
            input=lv.label, base_value=float(base[b][at]), derivative=float(dy[2 * b]),
            estimate_low=float(lows[b]), estimate_high=float(moves[b]),
            exact_low=float(lo), exact_high=float(hi), output_value=y0, shift=step,
            exact=b in by_lever,
            range=None if r is None else (float(r[0][at]), float(r[1][at]))))
    # re-evaluated rows first, each group by its swing (9 significant digits, as engine.tornado)
    return sorted(out, key=lambda r: (not r.exact, -float(f"{r.swing:.9g}")))


def _zero_step(lv: Lever, values: np.ndarray, pct: float, zero_step, default: float):
    read = lv.years if lv.reads is None else lv.reads
    if np.any(values[list(read)] != 0):
        return None
    size = float(np.max(np.abs(values[list(lv.years)])))
    if size > 0 and math.isfinite(size):
        return pct * size
    return (zero_step or {}).get(lv.var, default)


def _cells(model, lv: Lever) -> np.ndarray:
    """The lever's cells of its variable, (combos, periods)."""
    from engine.address import n_combos

    held = np.zeros((n_combos(model, lv.var), len(model.axis)), dtype=bool)
    held[lv.combo, list(lv.years)] = True
    return held


def _derivatives(model, result, y: str, row: int, i: int, found, base, steps,
                 given_moves) -> np.ndarray:
    """Rows 2b and 2b+1 for lever b: d y / d lever (shifted by 1), and the change of
    y per the lever's move (its values when scaled, its step when shifted, or
    `given_moves[b]` by period: a distribution's percentile less its mean)."""
    out = np.zeros(2 * len(found))
    primal = {}
    memo: dict = {}  # the partials, evaluated once for every chunk

    def value(v):
        if v not in primal:
            primal[v] = values_of(result, v)
        return primal[v]
    for lo in range(0, len(found), CHUNK):
        chunk = found[lo:lo + CHUNK]
        k = len(chunk)
        values: dict[str, np.ndarray] = {}
        held: dict[str, np.ndarray] = {}
        for b, lv in enumerate(chunk):
            cells = _cells(model, lv)
            held[lv.var] = held.get(lv.var, np.zeros_like(cells)) | cells
            seed = values.setdefault(lv.var, np.zeros((2 * k, *cells.shape)))
            step = steps[lo + b]
            seed[2 * b][cells] = 1.0
            if given_moves[lo + b] is not None:
                seed[2 * b + 1][cells] = np.broadcast_to(given_moves[lo + b], cells.shape)[cells]
            else:
                seed[2 * b + 1][cells] = (np.broadcast_to(base[lo + b], cells.shape)[cells]
                                          if step is None else step)
        got, _ = run_tangent_dims(model, result.plan, value, Seeds(values, held), [y], memo)
        out[2 * lo: 2 * (lo + k)] = got[y][:, row, i]
    return out


def _exact(model, result, y: str, row: int, i: int, found, base, steps, pct,
           ranges) -> np.ndarray:
    """y[row, i] for the base (row 0) and each lever moved down and up: one batch run
    of what y reads, the moved input variables given their values; a starting value
    (a cell of a computed variable) is typed over, one run each way, so that the
    recurrence continues from it."""
    k = len(found)
    given: dict[str, np.ndarray] = {}
    typed: dict[int, tuple[float, float]] = {}
    for b, lv in enumerate(found):
        if not lv.whole:
            typed[b] = tuple(_typed_over(model, result.plan, y, row, i, lv, moved)
                             for moved in _moves(base[b], steps[b], pct, ranges[b]))
            continue
        a = given.get(lv.var)
        if a is None:
            a = given[lv.var] = np.repeat(np.nan_to_num(values_of(result, lv.var))[None],
                                          2 * k + 1, axis=0)
        idx = list(lv.years)
        if ranges[b] is not None:
            a[2 * b + 1, lv.combo, idx] = ranges[b][0][idx]
            a[2 * b + 2, lv.combo, idx] = ranges[b][1][idx]
        elif steps[b] is None:
            a[2 * b + 1, lv.combo, idx] *= 1 - pct
            a[2 * b + 2, lv.combo, idx] *= 1 + pct
        else:
            a[2 * b + 1, lv.combo, idx] -= steps[b]
            a[2 * b + 2, lv.combo, idx] += steps[b]
    out = batch_values(result.plan, y, 2 * k + 1, given)[:, row, i]
    for b, (lo, hi) in typed.items():
        out[2 * b + 1], out[2 * b + 2] = lo, hi
    return out


def _moves(values: np.ndarray, step, pct: float, r) -> tuple[np.ndarray, np.ndarray]:
    """The lever's values moved down and up, by period: to a distribution's 5th and
    95th percentiles, scaled, or shifted by its step."""
    if r is not None:
        return r
    if step is None:
        return values * (1 - pct), values * (1 + pct)
    return values - step, values + step


def _typed_over(model, plan, y: str, row: int, i: int, lv: Lever, moved: np.ndarray) -> float:
    """y[row, i] with the lever's cells typed over by their moved values, as
    `--set 'capex[goog, 2024] = ...'` would (the plan recompiled around them)."""
    from dsl import ast as A
    from engine.plan import compile_plan

    cover = dict(plan.cover)
    cells = {}
    for j in lv.years:
        old = cover[lv.var].at(lv.combo, j)
        v = float(moved[j])
        cells[(lv.combo, j)] = replace(old, expr=A.Number(v, repr(v)), start=j, end=j)
    cover[lv.var] = cover[lv.var].replaced(cells)
    moved = compile_plan(model, plan.scenario, cover, plan.graph, reuse=plan)
    return float(batch_values(moved, y, 1, {})[0, row, i])


def batch_values(plan, y: str, batch: int, given: dict[str, np.ndarray]) -> np.ndarray:
    """y over a batch run of the part of the plan y reads, the variables of `given`
    held at the values given ((batch, combos, periods) each): (batch, combos, periods)."""
    return batch_run(plan, y, batch, given)(y)


def batch_run(plan, y: str, batch: int, given: dict[str, np.ndarray]):
    """One batch run of what y reads; a function giving any variable it computed
    as (batch, combos, periods)."""
    from engine import plan as plans
    from engine.address import dims_of, shape

    model = plan.model
    n = len(model.axis)
    sub = restricted(plan, {y})
    frames_of = getattr(plans, "run_frames", None)
    if frames_of is None:  # an engine without dims: one frame
        frame = run(sub, batch=batch, given={v: a.reshape(batch, -1) for v, a in given.items()})
        frames = {(): frame}
    else:  # a frame per set of dims; given shaped (batch, *dim sizes, periods)
        frames = frames_of(sub, batch=batch, given={
            v: a.reshape((batch, *shape(model, v), n)) for v, a in given.items()})

    def column(v: str) -> np.ndarray:
        col = frames[dims_of(model, v)].get_column(v)
        return np.array(col.to_numpy(), dtype=float).reshape(batch, -1, n)  # a copy: writable
    return column


__all__ = ["member_tornado", "batch_values", "replace"]
