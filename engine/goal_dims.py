"""Goal seek over member cells (a model with dims).

engine.goal's search (exact, Newton, bisection) with the input and the
target as member cells: `--vary 'capex_growth[orcl]'` shifts one member in
every period, `--vary capex_growth` every member by the same amount,
`--vary 'capex_growth[orcl, 2030]'` one cell; the target may be a member
cell (`capex[goog, 2030] = 80B`). Trial values are rows of one batch run
of what the target reads (engine.tornado_dims.batch_values), the
derivative comes from the tangent over member cells (engine.tangent_dims).

The exact route (unrolling the target into a polynomial of the input) is
version 1's; with dims the search starts at Newton.
"""

from __future__ import annotations

import numpy as np

from dsl.errors import Diagnostic, ScnError
from engine.address import combo_index
from engine.goal import _Problem
from engine.levers import is_input
from engine.tangent_dims import Seeds, held_cells, run_tangent_dims, values_of
from engine.tornado_dims import batch_run, batch_values


class MemberProblem(_Problem):
    """f(v) = target cell - goal, v the moved cell's value or the shift of the moved member(s)."""

    def __init__(self, model, result, y, x, goal: float, text: str):
        self.model, self.y, self.x, self.goal = model, y, x, goal
        self.axis, self.n = model.axis, len(model.axis)
        self.y_label, self.x_label = y.label(self.axis), x.label(self.axis)
        self.base_plan = self.plan = result.plan
        self.result = result
        self.all = np.nan_to_num(values_of(result, x.variable))
        self.moved = held_cells(model, result.plan.cover[x.variable], x.members, x.period)
        self.row = combo_index(model, x.variable, x.members) if x.members else 0
        self.base = values_of(result, x.variable)[self.row]
        self.covered = self.moved.any(axis=0)
        self.y_row = combo_index(model, y.variable, y.members) if y.members else 0
        if not x.whole and not is_input(model, result.plan.cover[x.variable]):
            raise ScnError([Diagnostic(
                f"--vary {self.x_label}: one cell of a computed variable cannot be varied "
                "in a model with dims yet", _whole(text),
                f"vary an input it reads, or all of {x.variable}",
                source="--vary", code="goal")])
        self.start = 0.0 if x.whole else float(self.base[x.period])
        y0 = values_of(result, y.variable)[self.y_row, y.period]
        self.scale = max(abs(self.goal), abs(float(y0)), 1e-300)
        self.singular = False

    def moved_rows(self, v: float) -> tuple[tuple[str, tuple[float | None, ...]], ...]:
        """(label, values by period) of each member row the solution moves."""
        from engine.address import Cell, combos

        grid = self._grid(v)
        names = combos(self.model, self.x.variable)
        return tuple((Cell(self.x.variable, None, names[k]).label(self.axis),
                      tuple(None if not self.plan.cover[self.x.variable].defined[k, i]
                            else float(grid[k, i]) for i in range(self.n)))
                     for k in range(grid.shape[0]) if self.moved[k].any())

    def _column(self, v: str) -> np.ndarray:
        return values_of(self.result, v)[0]

    def values_at(self, v: float) -> np.ndarray:
        """The moved row of the input (the first moved member's, when all move)."""
        return self._grid(v)[self.row]

    def _grid(self, v: float) -> np.ndarray:
        out = self.all.copy()
        if self.x.whole:
            out[self.moved] += v
        else:
            out[self.moved] = v
        return out

    def outputs(self, vs) -> np.ndarray:
        rows = np.stack([self._grid(v) for v in vs])
        got = batch_values(self.plan, self.y.variable, len(rows), {self.x.variable: rows})
        return got[:, self.y_row, self.y.period]

    def slope_at(self, v: float) -> float:
        grid = self._grid(v)
        column = batch_run(self.plan, self.y.variable, 1, {self.x.variable: grid[None]})
        values = _Primal(column)
        seeds = Seeds({self.x.variable: self.moved[None].astype(float)},
                      {self.x.variable: self.moved})
        out, _ = run_tangent_dims(self.model, self.plan, values, seeds, [self.y.variable])
        return float(out[self.y.variable][0, self.y_row, self.y.period])

    def _exact(self):
        return None


class _Primal:
    """The model's values with the input at a trial value (one run), by variable."""

    def __init__(self, column):
        self.column, self.memo = column, {}

    def __call__(self, v: str) -> np.ndarray:
        if v not in self.memo:
            self.memo[v] = self.column(v)[0]
        return self.memo[v]


def _whole(text: str):
    from engine.trace import whole

    return whole(text)


def member_override(model, p: MemberProblem, v: float, text: str | None) -> str:
    """`--set` definitions (one a line) that reproduce the solution exactly."""
    from engine.goal import _literal, _written
    from engine.model import SERIES

    axis, x = model.axis, p.x
    if not x.whole:
        return f"{x.label(axis)} = {_literal(v)}"
    cover = p.plan.cover[x.variable]
    pieces = cover.distinct()
    sign = "-" if v < 0 else "+"
    if text is not None and len(pieces) == 1 and not x.members:
        written = _written(pieces[0], text, model)
        if written is not None and not pieces[0].members:
            return f"{x.variable} = {written} {sign} {_literal(abs(v))}"
    grid = p._grid(v)
    rows = [combo_index(model, x.variable, x.members)] if x.members else range(grid.shape[0])
    from engine.address import combos

    names = combos(model, x.variable)
    defined = cover.defined
    if text is not None and x.members:
        row_pieces = {cover.at(p.row, i) for i in range(p.n) if defined[p.row, i]}
        if len(row_pieces) == 1:
            (piece,) = row_pieces
            written = _written(piece, text, model) if piece.rank == SERIES else None
            if written is not None and not _is_map(piece):
                return f"{x.label(axis)} = {written} {sign} {_literal(abs(v))}"
    if text is not None and not x.members:
        # each member's one definition as written, shifted: the entries of a
        # member map read back as the analyst wrote them, not as 7 numbers each
        per_member = []
        for k in rows:
            row_pieces = {cover.at(k, i) for i in range(p.n) if defined[k, i]}
            piece = row_pieces.pop() if len(row_pieces) == 1 else None
            written = _written(piece, text, model) if piece is not None else None
            if written is None:
                break
            per_member.append(f"{x.variable}[{', '.join(names[k])}] = {written} {sign} "
                              f"{_literal(abs(v))}")
        else:
            return "\n".join(per_member)
    lines = []
    dims = model.dims_of[x.variable]
    constant = all(len({float(grid[k, i]) for i in range(p.n) if defined[k, i]}) <= 1
                   and defined[k].all() for k in rows)
    if not x.members and len(dims) == 1 and constant:
        entries = ", ".join(f"{names[k][0]}: {_literal(float(grid[k, 0]))}" for k in rows)
        return f"{x.variable} = {{{entries}}}"
    for k in rows:
        entries = ", ".join(f"{axis.label(i)}: {_literal(float(grid[k, i]))}"
                            for i in range(p.n) if defined[k, i])
        if entries:
            lines.append(f"{x.variable}[{', '.join(names[k])}] = {{{entries}}}")
    return "\n".join(lines)


def _is_map(piece) -> bool:
    from dsl import ast as A

    return isinstance(piece.definition.expr, (A.MemberMap, A.YearMap))
