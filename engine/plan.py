"""Compile once, run many: a scenario's evaluation plan and the runs over it.

A `Plan` holds, for one scenario (with optional overrides), each variable's
winning pieces, the dependency graph, one polars expression per vectorized
variable and one closure per piece of the variables computed year by year.
`run` evaluates it into a frame for any batch size (the cells of
recurrences: engine.recurrence); `given` short-circuits variables with
supplied values (tornado perturbations, samples); `previous` and `changed`
recompute only what a change can reach.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from itertools import chain, compress
from operator import is_not

import numpy as np
import polars as pl

from engine import cells, polars_expr
from engine.axis import TimeAxis
from engine.frame import (BATCH, BATCH_BASE, CELL, F64, HELPERS, YEAR, YEAR_FLOAT, YEAR_INDEX,
                          frame_of)
from engine.functions import Context
from engine.graph import Block, Graph
from engine.model import Covers, Model
from engine.reads import CrossRead, Reads, materialize
from engine.recurrence import cyclic_columns


@dataclass
class Plan:
    model: Model
    scenario: str
    cover: Covers
    graph: Graph
    columns: dict[str, pl.Expr] = field(default_factory=dict)
    cell_fns: dict[int, cells.Cell] = field(default_factory=dict)  # id(piece) -> closure
    changed: set[str] | None = None  # set by compile_plan(reuse=...): what differs from it
    # column key -> (the column it writes, the columns it reads), found once per plan
    reads: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict, repr=False)
    # With dims: per vectorized variable, the helper columns its column reads
    # (engine.reads), filled before its level runs; and the selections the
    # recurrences read, as array views (key -> read).
    cross: dict[str, tuple[CrossRead, ...]] = field(default_factory=dict)
    arrays: dict[str, CrossRead] = field(default_factory=dict)
    # A Monte Carlo plan only (engine.montecarlo): per variable, the variate
    # columns its distributions read, and each variate column's dims.
    draw_reads: dict[str, tuple[str, ...]] = field(default_factory=dict)
    draw_dims: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Whether `cell_fns` are each piece's expression compiled in a plain context (no
    # dims, no draws: a plan of compile_plan's), which a one-batch run may then
    # compile for numpy scalars instead (engine.cells); not the tangent's.
    plain_cells: bool = False
    # id(expression) -> (it, its closure for one batch without dims: cells.compile_scalar_cell),
    # made when first run; shared by the plans of one axis (an edit's and the one before it).
    scalar_fns: dict[int, tuple] = field(default_factory=dict, repr=False)
    # variable -> (its cover, its closure per period): shared as scalar_fns is
    scalar_rows: dict[str, tuple] = field(default_factory=dict, repr=False)
    # The graph's levels and each variable's (level, block) in them (`_index`).
    index: tuple[list, dict[str, tuple[int, int]]] | None = field(default=None, repr=False)

    @property
    def axis(self) -> TimeAxis:
        return self.model.axis

    @property
    def years(self) -> tuple[int, ...]:
        """Yearly axes only: see `Model.years` (for the back-ends that still count years)."""
        return self.model.years


def compile_plan(model: Model, scenario: str, cover: Covers, graph: Graph,
                 reuse: Plan | None = None, draws=None, only: set[str] | None = None) -> Plan:
    """Build expressions and closures; reuse those of `reuse` whose pieces did not change.

    With `reuse` (a plan of the same model but for some definitions: its
    axis, variables and dims), `plan.changed` lists the variables whose
    winning definitions differ from `reuse`'s (what a recompute must start
    from). With `draws` (a Monte Carlo plan, engine.montecarlo), a function of a
    piece giving its distributions' sites (id(node) -> site, or None): each
    distribution is compiled as a transform of its variate column. With
    `only` (every variable they read among them: an upstream set), just those
    are compiled, for `run_frames(only=...)` (engine.partial); such a plan is
    for that one run, never kept.
    """
    plan = Plan(model, scenario, cover, graph, plain_cells=draws is None and not model.dims)
    if reuse is not None and reuse.model.axis == model.axis:
        plan.scalar_fns, plan.scalar_rows = reuse.scalar_fns, reuse.scalar_rows
    if reuse is not None and draws is None and (graph.share_levels(reuse.graph)
                                                or graph.levels is reuse.graph.levels):
        plan.changed = _compile_changed(plan, reuse)
        return plan
    base_ctx = Context(model.axis)
    old_fns = _closures_by_expression(reuse) if reuse is not None else {}
    if reuse is not None:  # reused closures read the selections their first plan found
        plan.arrays.update(reuse.arrays)
    changed: set[str] = set()
    index: dict[str, tuple[int, int]] = {}
    for n, level in enumerate(graph.levels):
        for k, block in enumerate(level):
            for v in block.variables:
                index[v] = (n, k)
                if only is not None and v not in only:
                    continue
                same = reuse is not None and v in reuse.cover and reuse.cover[v] == cover[v]
                if not same:
                    changed.add(v)
                _compile(plan, v, block, base_ctx, reuse if same else None, old_fns, draws)
    plan.index = (graph.levels, index)
    plan.changed = changed if reuse is not None else None
    return plan


def _compile(plan: Plan, v: str, block: Block, ctx: Context, same: Plan | None,
             old_fns: dict[int, tuple], draws=None) -> None:
    """v's column or closures (its column taken from `same`, a plan where v's
    pieces are the same, when it has one)."""
    model, cover = plan.model, plan.cover
    dimmed = bool(model.dims)
    if dimmed:  # reads across dims go through helpers (engine.reads)
        reads = Reads(model.space, model.member_of, None if block.cyclic else model.dims_of[v])
        ctx = Context(model.axis, reads=reads)
    ctx_of = None
    if draws is not None:
        ctx_of = _draws_of(plan, v, cover[v], ctx, draws)
    if block.cyclic:
        for p in cover[v].distinct():
            hit = old_fns.get(id(p.expr))
            fn = hit[1] if hit is not None and hit[0] is p.expr else None
            plan.cell_fns[id(p)] = fn or cells.compile_cell(
                p.expr, ctx if ctx_of is None else ctx_of(p))
        if dimmed:
            plan.arrays.update(reads.needs)
    elif same is not None and v in same.columns:
        plan.columns[v] = same.columns[v]
        plan.cross[v] = same.cross.get(v, ())
    else:
        plan.columns[v] = polars_expr.column(v, cover[v], ctx, ctx_of)
        if dimmed:
            plan.cross[v] = tuple(reads.needs.values())


def _compile_changed(plan: Plan, reuse: Plan) -> set[str]:
    """Fill `plan` from `reuse`, a plan on the same graph, compiling only the
    variables whose cover is another object; the variables that changed.

    An edit's covers are the old ones but for the edited variable (engine.edit),
    so this costs what the edit changed, not a walk of every variable: a
    recompute of one input of 10,000 variables compiled them all in 25 ms."""
    cover, old_cover = plan.cover, reuse.cover
    if list(cover) == list(old_cover):  # compared in C: the usual case, an edit
        differ = list(compress(cover, map(is_not, cover.values(), old_cover.values())))
    else:
        differ = [v for v, c in cover.items() if old_cover.get(v) is not c]
    plan.columns, plan.cell_fns = dict(reuse.columns), dict(reuse.cell_fns)
    plan.cross, plan.arrays = dict(reuse.cross), dict(reuse.arrays)
    plan.reads = dict(reuse.reads)
    levels, index = plan.index = _index(reuse)
    base_ctx = Context(plan.model.axis)
    changed: set[str] = set()
    for v in differ:
        old = old_cover.get(v)
        if old is None or old != cover[v]:
            changed.add(v)
        n, k = index[v]
        block = levels[n][k]
        old_fns = {}
        if block.cyclic and old is not None:  # v's old closures, by expression
            for p in old.distinct():
                fn = plan.cell_fns.pop(id(p), None)
                if fn is not None:
                    old_fns[id(p.expr)] = (p.expr, fn)
        plan.reads.pop(v, None)
        _compile(plan, v, block, base_ctx, reuse if v not in changed else None, old_fns)
    return changed


def _index(plan: Plan) -> tuple[list[list[Block]], dict[str, tuple[int, int]]]:
    """The plan's levels and each variable's (level, block) in them, found
    once per graph (a plan made otherwise, `engine.tangent`'s, finds it here)."""
    levels = plan.graph.levels
    if plan.index is None or plan.index[0] is not levels:
        plan.index = (levels, {v: (n, k) for n, level in enumerate(levels)
                               for k, block in enumerate(level) for v in block.variables})
    return plan.index


def _draws_of(plan: Plan, v: str, cover, ctx: Context, draws):
    """A context per piece of v that compiles its distributions as draws, or None
    when v has none; records the variate columns v reads."""
    by_piece = {id(p): draws(p) for p in cover.distinct()}
    if not any(by_piece.values()):
        return None
    columns = []
    for found in by_piece.values():
        for site in (found or {}).values():
            columns.append(site.column)
            plan.draw_dims[site.column] = plan.model.dims_of_var(v)
    plan.draw_reads[v] = tuple(columns)
    return lambda p: replace(ctx, draws=by_piece[id(p)] or {})


def _closures_by_expression(plan: Plan) -> dict[int, tuple]:
    """A plan's year-by-year closures by expression identity: the parser's
    statement cache keeps unchanged expressions the same objects across edits.

    Each entry holds its expression, so while the map lives no other object
    can take an id in it; a miss (a statement the cache parsed again) only
    compiles the closure again."""
    out = {}
    for level in plan.graph.levels:
        for block in level:
            if block.cyclic:
                for v in block.variables:
                    for p in plan.cover[v].distinct():
                        fn = plan.cell_fns.get(id(p))
                        if fn is not None:
                            out[id(p.expr)] = (p.expr, fn)
    return out


def base_frame(axis: TimeAxis, batch: int, n_combos: int = 1) -> pl.DataFrame:
    """The helper columns of a frame: batch, the period's absolute number (the year),
    its index, its t (`TimeAxis.ts`, what `t` reads) and the row of the batch's first period.

    A frame of variables with dims has a row per (batch, member combination,
    period): its `#batch` numbers the (batch, combination) blocks, so that a
    lag, `x[2025]` and a running total stay within one member's periods
    exactly as within one batch; `#cell` is the row's (combination, period)
    within its batch, which member-specific definitions are looked up by.
    """
    n = len(axis)
    blocks = batch * n_combos
    b = np.repeat(np.arange(blocks, dtype=np.int64), n)
    yi = np.tile(np.arange(n, dtype=np.int64), blocks)
    columns = {
        BATCH: b,
        YEAR: yi + axis.start,
        YEAR_INDEX: yi,
        YEAR_FLOAT: np.tile(np.array(axis.ts(), dtype=np.float64), blocks),
        BATCH_BASE: b * n,
    }
    if n_combos > 1:
        columns[CELL] = np.tile(np.arange(n_combos * n, dtype=np.int64), batch)
    return pl.DataFrame(columns)


Frames = dict[tuple[str, ...], pl.DataFrame]  # one frame per set of dims (engine.reads)
# A run's columns by name, per set of dims: each frame's, helper columns included.
Columns = dict[tuple[str, ...], dict[str, pl.Series]]


class Ran(dict):
    """What `run_frames` returns: the frames (a `Frames`), and in `columns`
    their columns by name, which a recompute from them starts from (taking
    10,000 columns out of a frame again cost 10 ms)."""

    columns: Columns | None = None
    redone: set[str] | None = None  # with `previous`: the variables computed again


def run(plan: Plan, batch: int = 1, given: dict[str, np.ndarray] | None = None,
        previous: pl.DataFrame | None = None, changed: set[str] | None = None) -> pl.DataFrame:
    """`run_frames` for a model without dims: its one frame."""
    frames = run_frames(plan, batch, given, None if previous is None else {(): previous},
                        changed)
    return frames[()]


def run_frames(plan: Plan, batch: int = 1, given: dict[str, np.ndarray] | None = None,
               previous: Frames | None = None, changed: set[str] | None = None,
               draws: dict[str, np.ndarray] | None = None, only: set[str] | None = None
               ) -> Ran:
    """Evaluate into frames, one per set of dims: a row per (batch, member
    combination, period) and a column per variable with those dims.

    `given[v]`, shaped (batch, *dim sizes, periods), replaces v's own definitions.
    With `previous` (frames of this plan's shape; a `Ran`'s are read by name
    from its `columns`) and `changed`, only the variables downstream of
    `changed` are computed, and only the levels holding them run; the rest
    are reused; with `only`, just those (some of them, with every one of
    them they read: engine.partial).

    `draws` (a Monte Carlo plan's, engine.montecarlo): per variate column, its
    standard variates shaped (batch, member combinations of its variable);
    each becomes a column (the same draw in every period) only for the level
    that reads it.

    Columns are kept as series by name, and each level is computed on a
    frame of just the columns it reads: adding columns to one growing frame
    cost a copy of every column's handle per level, quadratic down a chain
    of 10,000 variables one level each. The frames are assembled at the end.
    """
    given = given or {}
    model = plan.model
    n = len(plan.axis)
    dims_of = model.dims_of if model.dims else None
    sigs = sorted({()} | set(dims_of.values()), key=lambda s: (len(s), s)) if dims_of else [()]
    todo: set[str] | None = None
    cols: Columns = {}
    if previous is not None and changed is not None:
        todo = set(only) if only is not None else plan.graph.downstream(set(changed))
        known = getattr(previous, "columns", None)
        for sig in sigs:
            cols[sig] = (dict(known[sig]) if known is not None else
                         dict(zip(previous[sig].columns, previous[sig].get_columns())))
        batch = len(cols[()][BATCH]) // n
    else:
        todo = set(only) if only is not None else None
        for sig in sigs:
            start = base_frame(plan.axis, batch, model.space.size(sig) if sig else 1)
            cols[sig] = dict(zip(start.columns, start.get_columns()))
    kept = {sig: len(cols[sig]) for sig in sigs}

    def sig_of(v: str) -> tuple[str, ...]:
        return dims_of[v] if dims_of else ()

    for v, a in given.items():
        if todo is None or v in todo:
            cols[sig_of(v)][v] = pl.Series(v, np.asarray(a, dtype=float).reshape(-1), dtype=F64)
    for level in _levels(plan, todo):
        cyclic = [block for block in level if block.cyclic]
        names = [block.variables[0] for block in level if not block.cyclic]
        if given:
            names = [v for v in names if v not in given]
        keys: dict[tuple[str, ...], list[str]] = {(): names} if names else {}
        if dims_of and names:
            keys = {}
            for v in names:
                keys.setdefault(dims_of[v], []).append(v)
        for sig, names in keys.items():
            if dims_of:
                _fill_helpers(plan, cols, sig, names, batch, n)
            if draws:
                added = _fill_draws(plan, cols[sig], names, draws, n)
            _level(plan, cols[sig], names)
            if draws:
                for c in added:
                    del cols[sig][c]
        if cyclic:
            for v, s in cyclic_columns(plan, cols, cyclic, batch, given, draws):
                cols[sig_of(v)][v] = s
    out = Ran()
    for sig in sigs:
        own = cols[sig]
        if todo is None or previous is None:
            own = {c: s for c, s in own.items() if not c.startswith("#>")}
        else:  # the previous frame's columns, in place; the helpers read across dims after
            for _ in range(len(own) - kept[sig]):
                own.popitem()
        cols[sig] = own
        out[sig] = frame_of(list(own.values()))
    out.columns, out.redone = cols, todo
    return out


def _levels(plan: Plan, todo: set[str] | None) -> list[list[Block]]:
    """The levels to run, each with the blocks to compute in it: every block,
    or those holding a variable of `todo` (found through the plan's index:
    no walk of the levels of 10,000 variables for an edit that reaches 300)."""
    if todo is None:
        return plan.graph.levels
    levels, index = _index(plan)
    picked: dict[int, set[int]] = {}
    for v in todo:
        n, k = index[v]
        at = picked.get(n)
        if at is None:
            picked[n] = {k}
        else:
            at.add(k)
    return [[levels[n][k] for k in sorted(picked[n])] for n in sorted(picked)]


def _fill_helpers(plan: Plan, cols, sig: tuple[str, ...], names: list[str], batch: int,
                  n: int) -> None:
    """The helper columns the variables `names` (of the frame `sig`) read, from
    the frames their sources live in (computed at earlier levels)."""
    space = plan.model.space
    dims_of = plan.model.dims_of
    done: set[str] = set()
    for v in names:
        for read in plan.cross.get(v, ()):
            if read.key in done:
                continue
            done.add(read.key)
            source = cols[dims_of[read.source]][read.source].to_numpy()
            values = materialize(read, source, batch, n, space, sig)
            cols[sig][read.key] = pl.Series(read.key, values, dtype=F64)


def _fill_draws(plan: Plan, cols: dict[str, pl.Series], names: list[str],
                draws: dict[str, np.ndarray], n: int) -> list[str]:
    """The variate columns the variables `names` read: each sample's (and
    member's) draw repeated over the periods. Made for one level and dropped
    after it, so a chunk holds its draws once, compactly."""
    added = []
    for v in names:
        for c in plan.draw_reads.get(v, ()):
            cols[c] = pl.Series(c, np.repeat(draws[c].reshape(-1), n), dtype=F64)
            added.append(c)
    return added


def _level(plan: Plan, cols: dict[str, pl.Series], keys: list[str]) -> None:
    """The columns of one level (keys into plan.columns), on a frame of the
    helpers and the columns they read.

    One level, one `with_columns`: several levels in one lazy query are
    fewer calls but not the same bits (a column made by an earlier step of
    the query can stay a broadcast constant, which polars divides by as a
    multiplication by its reciprocal)."""
    reads = plan.reads
    hits = []
    for k in keys:
        hit = reads.get(k)
        if hit is None:
            e = plan.columns[k]
            hit = reads[k] = (e.meta.output_name(), tuple(e.meta.root_names()))
        hits.append(hit)
    names = [hit[0] for hit in hits]
    needed = dict.fromkeys(chain(HELPERS, (CELL,) if CELL in cols else (),
                                 *[hit[1] for hit in hits]))
    for c in needed:
        if c not in cols and c.startswith(polars_expr.RANGE_SUM):  # computed once per run
            name, first, last = polars_expr.range_sum_of(c)
            cols[c] = polars_expr.range_sum(cols[name], first, last, len(plan.axis)).alias(c)
    inputs = [cols[c] for c in needed]
    # In sequence: on frames of 30 rows, polars' threads cost more than they gain.
    out = frame_of(inputs).with_columns_seq([plan.columns[k] for k in keys])
    if out.width == len(inputs) + len(names):  # the new columns, after the inputs
        for j, name in enumerate(names, len(inputs)):
            cols[name] = out.to_series(j)
    else:
        for name in names:
            cols[name] = out.get_column(name)
