"""A sweep: the spreadsheet's data table. One output cell (or row) at every
combination of values of one or more inputs (`engine.vary`).

Every combination is a row of the batch of ONE run of the compiled plan
(restricted to what the output reads): the varied inputs are `given` as
arrays, shaped (points, *dim sizes, periods), which is exactly what `--set
'wacc = 9%'` layered on the scenario gives that run, point by point. A
sweep of more than `CHUNK_ROWS` frame rows runs in chunks of points.

Decided:
- only inputs are varied (a variable none of whose winning definitions
  reads another variable): a sweep sets values, and a computed variable
  set to a number is a different model (`--set` says so explicitly);
- a whole input takes the value in every period and every member, as
  `--set 'wacc = 9%'`; `capex_growth[orcl]=...` takes one member's row,
  every period; `price[2027]=...` one period;
- the first `--vary` is the outermost: point k of the flattened grid is
  numpy's C order over (vary 1, vary 2, ...).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dsl.errors import Diagnostic, ScnError, Subject
from engine.address import Cell, combo_index, shape
from engine.api import Overrides, prepare, uses_of
from engine.levers import is_input
from engine.model import BASE, OVERRIDES, Model
from engine.vary import SOURCE, Vary, check_size

CHUNK_ROWS = 2_000_000  # frame rows (points x member rows x periods) per batched run


@dataclass(frozen=True)
class Sweep:
    """The output at every combination: `values` shaped (*len(vary.values)
    for each vary, periods), NaN where the output is not a number."""

    output: Cell  # period None: every period
    varies: tuple[Vary, ...]
    values: np.ndarray
    defined: np.ndarray  # bool per period: the output has a definition there
    scenario: str
    warnings: tuple[Diagnostic, ...] = ()

    @property
    def grid(self) -> tuple[int, ...]:
        return tuple(len(v.values) for v in self.varies)

    def points(self):
        """(values of each vary, the output by period) per combination, first vary outermost."""
        flat = self.values.reshape(-1, self.values.shape[-1])
        for k, idx in enumerate(np.ndindex(*self.grid)):
            yield tuple(v.values[j] for v, j in zip(self.varies, idx)), flat[k]


def sweep(model: Model, output: Cell, varies: list[Vary], scenario: str = BASE,
          overrides: Overrides | None = None, output_text: str | None = None) -> Sweep:
    """The output cell (every period when `output.period` is None) at every
    combination of the varies' values, on top of the scenario and overrides.

    `output_text` is the output as typed (source `OUTPUT`), for the error of a
    cell with no value."""
    from engine.plan import run_frames
    from engine.tangent import restricted
    from engine.trace import has_value

    check_size(varies)
    plan = prepare(model, scenario, overrides)
    if output.period is not None:
        has_value(model, plan.cover, output, "OUTPUT", output_text or output.label(model.axis))
    _check(model, plan, varies)
    warnings = _unread(model, plan, output, varies)
    n = len(model.axis)
    held = _held(model, varies)
    base = None
    if any(not whole for _, whole in held.values()):  # a member or period: the rest as they are
        frames = run_frames(restricted(plan, set(held)))
        base = {v: _column(model, frames, v, 1, n) for v in held}
    sub = restricted(plan, {output.variable})
    grid = tuple(len(v.values) for v in varies)
    total = int(np.prod(grid))
    sigs = set(model.dims_of.values()) | {()} if model.dims else {()}
    per_point = n * sum(model.space.size(sig) if sig else 1 for sig in sigs)  # frame rows
    chunk = max(1, CHUNK_ROWS // per_point)
    row = combo_index(model, output.variable, output.members) if output.members else 0
    out = np.empty((total, n))
    for lo in range(0, total, chunk):
        idx = np.arange(lo, min(total, lo + chunk))
        given = _given(model, varies, held, base, np.unravel_index(idx, grid), n)
        out[idx] = _run(sub, output.variable, row, len(idx), given, n)
    defined = plan.cover[output.variable].defined[row].copy()
    out[:, ~defined] = np.nan
    return Sweep(output, tuple(varies), out.reshape(*grid, n), defined, scenario,
                 tuple(warnings))


def _held(model: Model, varies: list[Vary]) -> dict[str, tuple[list[Vary], bool]]:
    """Per varied variable: its varies, and whether they set it whole."""
    out: dict[str, tuple[list[Vary], bool]] = {}
    for v in varies:
        mine, whole = out.get(v.variable, ([], True))
        mine.append(v)
        out[v.variable] = (mine, whole and v.cell.period is None and not v.cell.members)
    return out


def _given(model, varies, held, base, index, n: int) -> dict[str, np.ndarray]:
    """The varied variables' arrays for a chunk of points ((points, *dims, periods) each)."""
    b = len(index[0]) if index else 1
    out = {}
    for var, (mine, _) in held.items():
        dims = shape(model, var)
        if base is None:
            a = np.empty((b, *dims, n))
        else:
            a = np.repeat(base[var], b, axis=0)
        for v in mine:
            k = varies.index(v)
            value = np.asarray(v.values)[index[k]]
            sel = (slice(None), *_cells(model, v.cell, dims))
            a[sel] = value.reshape((b,) + (1,) * (a[sel].ndim - 1))
        out[var] = a
    return out


def _cells(model, cell: Cell, dims: tuple[int, ...]) -> tuple:
    """The index of a vary's cells in its variable's (*dims, periods) block."""
    if cell.members:
        sel = []
        for d, m in zip(model.dims_of[cell.variable], cell.members):
            sel.append(model.dims[d].members.index(m))
    else:
        sel = [slice(None)] * len(dims)
    return (*sel, slice(None) if cell.period is None else cell.period)


def _run(plan, y: str, row: int, batch: int, given, n: int) -> np.ndarray:
    """y's member row by period for each point of a batch: (batch, periods)."""
    from engine.plan import run_frames

    frames = run_frames(plan, batch=batch, given=given)
    return _column(plan.model, frames, y, batch, n).reshape(batch, -1, n)[:, row, :]


def _column(model: Model, frames, v: str, batch: int, n: int) -> np.ndarray:
    """A variable's cells from a run's frames: (batch, *dim sizes, periods)."""
    sig = model.dims_of.get(v, ()) if model.dims else ()
    col = frames[sig].get_column(v).to_numpy().astype(float)
    return col.reshape((batch, *shape(model, v), n))


def _check(model: Model, plan, varies: list[Vary]) -> None:
    """Every varied variable is an input; no two varies set the same cell."""
    errors = []
    for k, v in enumerate(varies):
        cover = plan.cover[v.variable]
        if not is_input(model, cover):
            piece = next(p for p in cover.distinct() if uses_of(model, p))
            where = "--set" if piece.layer == OVERRIDES else f"line {piece.line}"
            errors.append(Diagnostic(
                f"'{v.variable}' is computed ({where}), not an input: a sweep "
                f"varies inputs", v.target,
                "vary the inputs it reads, or replace its definition with --set "
                f"'{v.variable} = ...' and vary that", source=SOURCE, code="not-an-input",
                subject=Subject(variable=v.variable)))
            continue
        for w in varies[:k]:
            if w.variable == v.variable and _overlap(w.cell, v.cell):
                errors.append(Diagnostic(
                    f"{v.cell.label(model.axis)} is varied twice (--vary {w.line} and "
                    f"{v.line})", v.target, "vary each cell once", source=SOURCE,
                    code="bad-vary", subject=Subject(variable=v.variable)))
                break
    if errors:
        raise ScnError(errors)


def _overlap(a: Cell, b: Cell) -> bool:
    members = not a.members or not b.members or a.members == b.members
    periods = a.period is None or b.period is None or a.period == b.period
    return members and periods


def _unread(model: Model, plan, output: Cell, varies: list[Vary]) -> list[Diagnostic]:
    """A warning for each varied input the output does not read: its column is flat."""
    up = plan.graph.upstream({output.variable})
    return [Diagnostic(f"{output.label(model.axis)} does not read {v.variable}: it is the "
                       f"same at every {v.variable}", v.target,
                       "vary an input the output reads (scn explain shows them)",
                       severity="warning", source=SOURCE, code="not-read",
                       subject=Subject(variable=v.variable))
            for v in varies if v.variable not in up]
