"""The tangent model over member cells: derivatives as numpy arrays.

engine.tangent runs the tangent columns as a polars plan, one row per
(batch, year): version 1's shape. A dimensioned variable has a row per
member combination, and its reads cross shapes (`capex[goog]` selects,
`capex` broadcasts to a reader with more dims, `sum(capex, company)`
reduces). Here the tangent of every variable on the path is an array
shaped (batch, member combinations, periods) and each local partial
(engine.partials, the same sympy expressions) is evaluated with numpy
(engine.symbolic_numpy) on the evaluated values, read through the same
selection, broadcast and reduction as the model's own reads:

    d(v) = sum over the cells u it reads of (d f_v / d u) * d(u)

computed variable by variable in the graph's order; a recurrence cell by
cell (period by period, every member at once) in the recurrence's order.

Cells are *held* where the seed gives them: an input moved in every
period, or one cell typed over (`capex[goog, 2024]`): its tangent is the
seed there, and a recurrence continues from it.

Only the documented model and result API is used (`dims`, `dims_of`, the
covers' grids by member combination, `Result.values`), so this does not
depend on how the engine lays out its frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from engine.address import combo_index, dims_of, members_of, n_combos, shape
from engine.model import Model
from engine.partials import partials
from engine.symbolic import Ref
from engine.symbolic_numpy import to_numpy


class Reader:
    """Reads a variable's cells the way a reference of another variable's
    definition does: selection, broadcast, dim aggregate, then time."""

    def __init__(self, model: Model):
        self.model = model
        self.n = len(model.axis)
        self._gathers: dict = {}

    def gather(self, ref: Ref, reader: str) -> np.ndarray:
        """For each combination of `reader`, the row of the (reduced) referenced
        variable it reads."""
        key = (ref.var, ref.members, ref.over, reader)
        hit = self._gathers.get(key)
        if hit is not None:
            return hit
        m = self.model
        rdims = dims_of(m, reader)
        rshape = shape(m, reader)
        grid = np.indices(rshape, dtype=np.int64).reshape(len(rshape), -1) if rshape else \
            np.zeros((0, 1), dtype=np.int64)
        flat = np.zeros(grid.shape[1], dtype=np.int64)
        for d, pinned in zip(ref.dims or dims_of(m, ref.var), ref.members or
                             (None,) * len(dims_of(m, ref.var))):
            if d == ref.over:
                continue
            ms = members_of(m, d)
            if pinned is not None:
                idx = np.full(grid.shape[1], ms.index(pinned), dtype=np.int64)
            else:
                idx = grid[rdims.index(d)]
            flat = flat * len(ms) + idx
        self._gathers[key] = flat
        return flat

    def read(self, values: np.ndarray, ref: Ref, reader: str, tangent: bool = False,
             primal: np.ndarray | None = None) -> np.ndarray:
        """`values` of ref.var, shaped (batch, combos, periods), as the reader's
        cells read them: (batch, reader's combos, periods). A tangent of a min
        or max over a dim follows the member that wins (`primal` says which;
        tied members share it)."""
        if ref.over is not None:
            values = self._reduce(values, ref, tangent, primal)
        out = values[:, self.gather(ref, reader), :]
        return self._time(out, ref)

    def _reduce(self, values, ref: Ref, tangent: bool, primal) -> np.ndarray:
        m = self.model
        dims = dims_of(m, ref.var)
        b = values.shape[0]
        full = values.reshape((b, *shape(m, ref.var), self.n))
        axis = 1 + dims.index(ref.over)
        agg = ref.agg
        if agg in ("sum", "mean"):
            out = full.sum(axis=axis) if agg == "sum" else full.mean(axis=axis)
        elif not tangent:
            out = full.min(axis=axis) if agg == "min" else full.max(axis=axis)
        else:
            p = primal.reshape((primal.shape[0], *shape(m, ref.var), self.n))
            best = p.min(axis=axis, keepdims=True) if agg == "min" else p.max(axis=axis,
                                                                               keepdims=True)
            wins = (p == best).astype(float)
            wins /= np.maximum(wins.sum(axis=axis, keepdims=True), 1.0)
            out = (full * wins).sum(axis=axis)
        return out.reshape(b, -1, self.n)

    def _time(self, out: np.ndarray, ref: Ref) -> np.ndarray:
        if ref.cumsum:
            out = np.cumsum(out, axis=2)
        elif ref.ytd:  # a running total restarted at each calendar year
            axis = self.model.axis
            out = out.copy()
            for i in range(1, self.n):
                if axis.first_of_year(i) != i:
                    out[:, :, i] += out[:, :, i - 1]
        if ref.year is not None:
            j = self.model.axis.index(ref.year)
            return np.broadcast_to(out[:, :, j:j + 1], out.shape).copy()
        k = ref.offset
        if k == 0:
            return out
        shifted = np.full_like(out, np.nan)
        if k < 0:
            shifted[:, :, -k:] = out[:, :, :k]
        else:
            shifted[:, :, :-k] = out[:, :, k:]
        return shifted


@dataclass
class Seeds:
    """What moves: per variable, the tangent of its held cells (batch, combos,
    periods) and which cells are held (combos, periods)."""

    values: dict[str, np.ndarray]
    held: dict[str, np.ndarray]


def run_tangent_dims(model: Model, plan, primal: Callable[[str], np.ndarray], seeds: Seeds,
                     outputs: list[str], memo: dict | None = None
                     ) -> tuple[dict[str, np.ndarray], frozenset[str]]:
    """The tangent of each output, (batch, combos, periods), and the variables on
    the paths from the seeds to the outputs. `primal(v)` gives v's evaluated
    values shaped (combos, periods)."""
    graph = plan.graph
    sources = set(seeds.values)
    path = frozenset(graph.downstream(sources) & graph.upstream(set(outputs))) | sources
    batch = next(iter(seeds.values.values())).shape[0]
    n = len(model.axis)
    t = np.asarray(model.axis.ts(), dtype=float)
    reader = Reader(model)
    tan: dict[str, np.ndarray] = {}
    values: dict[str, np.ndarray] = {}

    def value(v: str) -> np.ndarray:
        if v not in values:
            values[v] = np.asarray(primal(v), dtype=float).reshape(1, -1, n)
        return values[v]

    def start(v: str) -> np.ndarray:
        out = np.zeros((batch, n_combos(model, v), n))
        if v in seeds.values:
            out = np.where(seeds.held[v][None], seeds.values[v], out)
        return out

    def partial_terms(v: str, piece):
        """(partial array (1, combos, periods), the reference) for each term on the path
        (kept in `memo` across runs on the same values: a tornado's chunks)."""
        key = (id(piece), path)
        if memo is not None and key in memo and memo[key][0] is piece:
            return memo[key][1]
        out = []
        for r, d in partials(model, piece):
            if r.var not in path:
                continue
            arr = to_numpy(d, lambda ref: reader.read(value(ref.var), ref, v)[0], t)
            out.append((np.broadcast_to(arr, (n_combos(model, v), n))[None], r))
        if memo is not None:
            memo[key] = (piece, out)
        return out

    def chain(v: str, terms, at: slice) -> np.ndarray:
        total = np.zeros((batch, n_combos(model, v), n))[:, :, at]
        for arr, r in terms:
            du = np.nan_to_num(tan[r.var]) if r.var in tan else None
            if du is None:
                continue
            read = reader.read(du, r, v, tangent=True, primal=value(r.var))[:, :, at]
            total = total + np.nan_to_num(arr[:, :, at] * read)
        return total

    for level in graph.levels:
        for block in level:
            vs = [v for v in block.variables if v in path]
            if not vs:
                continue
            held_all = {v: v in seeds.held and bool(seeds.held[v].all()) for v in vs}
            if not block.cyclic:
                v = vs[0]
                tan[v] = start(v)
                if held_all[v]:
                    continue
                cover = plan.cover[v]
                free = ~seeds.held[v] if v in seeds.held else np.ones((n_combos(model, v), n), bool)
                for k, piece in enumerate(cover.pieces):
                    ts = partial_terms(v, piece)
                    if not ts:  # reads nothing that moves: its tangent stays 0
                        continue
                    where = cover.mask(k) & free
                    if where.any():
                        tan[v] = np.where(where[None], chain(v, ts, slice(None)), tan[v])
                continue
            terms = {}
            for v in vs:
                tan[v] = start(v)
                cover = plan.cover[v]
                terms[v] = [(k, cover.mask(k), ts) for k, p in enumerate(cover.pieces)
                            if (ts := partial_terms(v, p))]  # a constant's tangent stays 0
            for cell in block.cells:
                # (variable, period): every member at once; with a piece (and a
                # combination), only its cells (engine.graph orders them so)
                v, i = cell[0], cell[1]
                if v not in terms or held_all[v]:
                    continue
                free = ~seeds.held[v][:, i] if v in seeds.held else True
                for k, mask, ts in terms[v]:
                    if len(cell) >= 3 and k != cell[2]:
                        continue
                    where = mask[:, i] & free
                    if len(cell) == 4:
                        where = where & (np.arange(where.shape[0]) == cell[3])
                    if where.any():
                        d = chain(v, ts, slice(i, i + 1))[:, :, 0]
                        tan[v][:, :, i] = np.where(where[None], d, tan[v][:, :, i])
    out = {}
    for y in outputs:
        out[y] = tan[y] if y in tan else np.zeros((batch, n_combos(model, y), n))
    return out, path


def values_of(result, var: str) -> np.ndarray:
    """A variable's evaluated values in batch 0, shaped (combos, periods)."""
    n = len(result.model.axis)
    return np.asarray(result.values(var), dtype=float)[0].reshape(-1, n)


def held_cells(model: Model, cover, members: tuple[str, ...], period: int | None) -> np.ndarray:
    """The cells of a variable that move, (combos, periods): every cell it has a
    value in, of one member combination (`members`) or of all, in one period or all."""
    held = np.array(cover.defined, dtype=bool)
    if members:
        keep = np.zeros(held.shape[0], dtype=bool)
        keep[combo_index(model, cover_var(cover), members)] = True
        held &= keep[:, None]
    if period is not None:
        only = np.zeros(held.shape[1], dtype=bool)
        only[period] = True
        held &= only[None, :]
    return held


def cover_var(cover) -> str:
    return next(p.name for p in cover.pieces)


def reach_masks(model: Model, plan, x: str, held: np.ndarray, path) -> dict[str, np.ndarray]:
    """Which cells the held cells of x can move, (combos, periods) per variable of
    the path: structurally, from the uses of the winning definitions (members
    selected, broadcast or aggregated, periods as each use reads them)."""
    from engine.api import uses_of

    n = len(model.axis)
    reader = Reader(model)
    reach: dict[str, np.ndarray] = {x: held.copy()}
    for level in plan.graph.levels:
        for block in level:
            vs = [v for v in block.variables if v in path]
            if not vs:
                continue
            for _ in range(1 + (n * len(vs) if block.cyclic else 0)):
                grew = False
                for v in vs:
                    now = _reached(model, plan, v, reach, reader, n, uses_of)
                    if v == x:
                        now |= held
                    if v not in reach or (now & ~reach[v]).any():
                        grew = grew or v in reach
                        reach[v] = now | reach.get(v, False)
                if not grew:
                    break
    return reach


def _reached(model, plan, v: str, reach, reader: Reader, n: int, uses_of) -> np.ndarray:
    cover = plan.cover[v]
    out = np.zeros((n_combos(model, v), n), dtype=bool)
    for k, piece in enumerate(cover.pieces):
        mask = cover.mask(k)
        for use in uses_of(model, piece):
            src = reach.get(use.name)
            if src is None:
                continue
            dims = dims_of(model, use.name)
            pinned = {d: members_of(model, d)[j] for d, j in getattr(use, "members", ())}
            ref = Ref(use.name, members=tuple(pinned.get(d) for d in dims), dims=dims,
                      over=getattr(use, "over", None))
            if ref.over is not None:
                src = src.reshape((*shape(model, use.name), n)).any(axis=dims.index(ref.over))
                src = src.reshape(-1, n)
            src = src[reader.gather(ref, v)]
            for i in range(n):
                cells = [j for j in use.cells(i) if 0 <= j < n]
                if cells:
                    out[:, i] |= mask[:, i] & src[:, cells].any(axis=1)
    return out


def needed_masks(model: Model, plan, var: str, combo: int, i: int) -> dict[str, np.ndarray]:
    """Every cell that cell (combo, i) of `var` reads, directly or not, as (combos,
    periods) masks per variable: the uses of the winning definitions walked
    backwards in the graph's order, every member at once."""
    from engine.api import uses_of

    n = len(model.axis)
    reader = Reader(model)
    need = {var: np.zeros((n_combos(model, var), n), dtype=bool)}
    need[var][combo, i] = True
    order = [b for level in plan.graph.levels for b in level]
    for block in reversed(order):
        vs = [v for v in block.variables if v in need]
        if not vs:
            continue
        for _ in range(1 + (n * len(block.variables) if block.cyclic else 0)):
            before = {v: need[v].sum() for v in block.variables if v in need}
            for v in [v for v in block.variables if v in need]:
                _spread(model, plan, v, need, reader, n, uses_of)
            after = {v: need[v].sum() for v in block.variables if v in need}
            if before == after:
                break
    return need


def _spread(model, plan, v: str, need, reader: Reader, n: int, uses_of) -> None:
    """Mark the cells v's needed cells read."""
    cover = plan.cover[v]
    mine = need[v]
    for k, piece in enumerate(cover.pieces):
        cells = mine & cover.mask(k)
        if not cells.any():
            continue
        for use in uses_of(model, piece):
            dims = dims_of(model, use.name)
            pinned = {d: members_of(model, d)[j] for d, j in getattr(use, "members", ())}
            ref = Ref(use.name, members=tuple(pinned.get(d) for d in dims), dims=dims,
                      over=getattr(use, "over", None))
            g = reader.gather(ref, v)  # v's combos -> the (reduced) combos of u they read
            size = int(np.prod(shape(model, use.name), dtype=np.int64)) if dims else 1
            reduced = size // len(members_of(model, ref.over)) if ref.over else size
            out = np.zeros((reduced, n), dtype=bool)
            for i in np.flatnonzero(cells.any(axis=0)):
                rows = g[cells[:, i]]
                for j in use.cells(int(i)):
                    if 0 <= j < n:
                        out[rows, j] = True
            if ref.over is not None:  # every member of the summed dim
                axis = dims.index(ref.over)
                full = np.expand_dims(out.reshape((*[s for d, s in zip(dims, shape(model, use.name))
                                                    if d != ref.over], n)), axis)
                out = np.broadcast_to(full, (*shape(model, use.name), n)).reshape(-1, n)
            have = need.get(use.name)
            need[use.name] = out if have is None else have | out
