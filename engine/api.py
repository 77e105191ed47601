"""The pure API the front ends call: text in, model out; model and overrides in, frame out.

    model = load_model(text, "scenarios/ai_capex.scn")     # raises ScnError with every error
    result = evaluate(model, "bull", parse_overrides(model, ["capex_growth = 25%"]))
    result.frame            # polars: a row per year, a column per variable
    result.warnings         # non-finite values, as Diagnostics
    result2 = recompute(result, edited_model)   # only what the edit can reach
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import polars as pl

from dsl import ast as A
from dsl.errors import Diagnostic, ScnError, Subject
from engine.collector import paused_collector
from engine.distributions import parameter_warnings
from engine.frame import BATCH, YEAR, frame_of
from engine.model import OVERRIDES, Model
from engine.plan import Columns, Frames, Plan, Ran, compile_plan, run_frames
from engine.resolve import BASE
from engine.uses import collect_uses as _collect, uses_of  # noqa: F401 (re-exported)
from engine.load import (_checked, _in_scenario, _sourced, _structure_errors,  # noqa: F401
                         checked, load_model)  # (re-exported)


def __getattr__(name: str):
    """`Overrides` and `parse_overrides` (engine.overrides), re-exported on first
    use: they import the parser (lark), which a run without --set that reads
    its checked model back (files.model_cache) never needs."""
    if name in ("Overrides", "parse_overrides"):
        from engine import overrides

        return getattr(overrides, name)
    raise AttributeError(f"module 'engine.api' has no attribute {name!r}")


def _free_name(name: str, taken: set[str]) -> str:
    while name in taken:
        name += "_"
    return name


@dataclass
class Result:
    plan: Plan
    raw: pl.DataFrame  # the frame of the variables without dims, helper columns kept
    warnings: list[Diagnostic]
    # With dims: one frame per set of dims (engine.plan.run_frames), what
    # recompute reuses; None for a model without dims ({(): raw}).
    frames_by_dims: Frames | None = None
    # Made by `recompute`: the variables computed again, every other column is the
    # previous result's; None: all were computed.
    redone: set[str] | None = None
    # Every frame's columns by name (engine.plan.Ran): what a recompute from
    # this result starts from. None: taken from the frames when needed.
    columns: Columns | None = field(default=None, repr=False, compare=False)
    _matrix: tuple[np.ndarray, dict[str, int]] | None = field(default=None, init=False,
                                                              repr=False, compare=False)

    @property
    def model(self) -> Model:
        return self.plan.model

    @property
    def frames(self) -> Frames:
        out = Ran(self.frames_by_dims if self.frames_by_dims is not None else {(): self.raw})
        out.columns = self.columns
        return out

    @property
    def batch(self) -> int:
        return self.raw.height // len(self.model.axis)

    def _column(self, variable: str) -> pl.Series:
        sig = self.model.dims_of_var(variable)
        if self.columns is not None:
            return self.columns[sig][variable]
        return (self.frames_by_dims[sig] if self.frames_by_dims is not None
                else self.raw).get_column(variable)

    @property
    def frame(self) -> pl.DataFrame:
        """A row per period (per batch and period when batched), a column per output
        row (a variable, or `capex[goog]` per member of a variable with dims).

        The period column is `year` (the years) on a yearly axis, `period` (the
        labels, `2025Q3`) on a quarterly or monthly one; `batch` for the batch;
        each with `_` added until no variable has that name.
        """
        names = set(self.model.variables)
        axis = self.model.axis
        year = _free_name("year" if axis.yearly else "period", names)
        if self.model.has_dims or not axis.yearly:
            n = len(axis)
            data = {}
            if self.batch > 1:
                data[_free_name("batch", names | {year})] = np.repeat(
                    np.arange(self.batch), n)
            data[year] = (np.tile(np.array(self.model.years), self.batch) if axis.yearly
                          else pl.Series(year, list(self.model.labels) * self.batch,
                                         dtype=pl.String))
            for v in self.model.variables:
                values = self.values(v).reshape(self.batch, -1, n)
                for c, members in enumerate(self.model.combos(v)):
                    col = pl.Series(values[:, c, :].reshape(-1), dtype=pl.Float64)
                    empty = ~self.plan.cover[v].defined[c]
                    if empty.any():  # empty cells are empty (null), a NaN cell stays NaN
                        rows = (np.arange(self.batch)[:, None] * n
                                + np.flatnonzero(empty)[None, :]).reshape(-1)
                        col = col.scatter(rows, None)
                    data[self.model.label(v, members)] = col
            return pl.DataFrame(data)
        cols = [pl.col(YEAR).alias(year), *self.model.variables]
        if self.raw.height > len(self.model.axis):
            batch = _free_name("batch", names | {year})
            return self.raw.select(pl.col(BATCH).alias(batch), *cols)
        return self.raw.select(cols)

    def matrix(self) -> tuple[np.ndarray, dict[str, int]]:
        """`raw` as one float64 array shaped (rows, columns), NaN where empty, and
        each column's index in it: made once, for the warnings and the output
        (taking 10,000 columns one by one, or selecting them by name, cost
        30 ms and more; the whole frame converts in 3)."""
        if self._matrix is None:
            values = np.asarray(self.raw.to_numpy(), dtype=np.float64)
            self._matrix = values, {c: j for j, c in enumerate(self.raw.columns)}
        return self._matrix

    def rows_of(self, variables: list[str]) -> np.ndarray:
        """Batch 0 of variables without dims, a row each, NaN where empty: from the
        matrix when it is made, else from just their columns when they are a few
        (an edit's 300 redone rows: under a millisecond, against 5 ms to make the
        matrix of 10,000 columns for them)."""
        n = len(self.model.axis)
        if self._matrix is None and self.columns is not None \
                and 4 * len(variables) < self.raw.width:
            own = self.columns[()]
            return np.asarray(frame_of([own[v] for v in variables]).to_numpy(),
                              dtype=np.float64)[:n].T
        data, index = self.matrix()
        return data[:n, [index[v] for v in variables]].T

    def block(self, variables: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Batch 0 of variables without dims: their values and which cells are
        defined, each shaped (variables, periods)."""
        n = len(self.model.axis)
        data, index = self.matrix()
        values = data[:n, [index[v] for v in variables]].T
        cover = self.plan.cover
        defined = np.array([cover[v].grid[0] for v in variables], dtype=np.int32) >= 0
        return values, defined.reshape(len(variables), n)

    def values(self, variable: str) -> np.ndarray:
        """Every cell of a variable: float64 shaped (batch, *dim sizes, periods),
        NaN where empty (`defined` says which cells are)."""
        shape = (self.batch,) + self.model.shape(variable) + (len(self.model.axis),)
        return self._column(variable).to_numpy().astype(float).reshape(shape)

    def defined(self, variable: str) -> np.ndarray:
        """The cells a definition covers: bool shaped (*dim sizes, periods)."""
        cov = self.plan.cover[variable]
        return cov.defined.reshape(self.model.shape(variable) + (len(self.model.axis),))

    def _row(self, variable: str, members: tuple[str, ...], batch: int) -> int:
        """The first row of one member combination of one batch in its frame."""
        n = len(self.model.axis)
        combo = self.model.combo_index(variable, tuple(members))
        return (batch * self.model.n_combos(variable) + combo) * n

    def value(self, variable: str, year: int, members: tuple[str, ...] = (),
              batch: int = 0) -> float | None:
        """The value in the period `year` (an absolute number: the year, on a yearly axis)."""
        i = self.model.axis.index(year)
        if i is None:
            raise IndexError(f"{year} is not on the axis {self.model.axis.range_label()}")
        return self.at(variable, i, batch, members)

    def at(self, variable: str, period: int, batch: int = 0,
           members: tuple[str, ...] = ()) -> float | None:
        """The value in period `period` (an index on the model's axis)."""
        if not 0 <= period < len(self.model.axis):
            raise IndexError(f"period {period} is not on the axis {self.model.axis.range_label()}")
        return self._column(variable)[self._row(variable, members, batch) + period]

    def series(self, variable: str, members: tuple[str, ...] = ()) -> list[float | None]:
        """One member combination's values in batch 0 (None where empty)."""
        n = len(self.model.axis)
        column = self._column(variable)
        if not members and len(column) == n and not self.model.dims_of_var(variable):
            return column.to_list()  # the whole column: 2.5 us, where slicing it took 4.5
        return column.slice(self._row(variable, members, 0), n).to_list()

    def rows(self, variables=None, batch: int = 0
             ) -> list[tuple[str, tuple[str, ...], list[float | None]]]:
        """(variable, members, values) per output row, in output order."""
        n = len(self.model.axis)
        out = []
        for v in self.model.variables if variables is None else variables:
            combos = self.model.combos(v)
            values = self._column(v).slice(batch * len(combos) * n, len(combos) * n).to_list()
            for c, members in enumerate(combos):
                out.append((v, members, values[c * n:(c + 1) * n]))
        return out


def prepare(model: Model, scenario: str = BASE, overrides: Overrides | None = None,
            reuse: Plan | None = None) -> Plan:
    if scenario not in model.scenarios:
        from engine.uses import suggest
        raise ScnError([Diagnostic(f"unknown scenario '{scenario}'", A.NO_SPAN,
                                   suggest(scenario, model.scenarios, loose=True)
                                   or "scenarios: " + ", ".join(model.scenarios),
                                   source=model.source, code="unknown-scenario",
                                   subject=Subject(scenario=scenario))])
    cov, graph, errors = _checked(model, scenario, overrides or None)
    if errors:
        raise ScnError([_sourced(_in_scenario(d, scenario), model.source) for d in errors])
    plans = model.cache.plans
    if not overrides and reuse is None and scenario in plans:
        return plans[scenario]
    with paused_collector():
        plan = compile_plan(model, scenario, cov, graph, reuse)
    if not overrides:
        plans[scenario] = plan
    return plan


def evaluate(model: Model, scenario: str = BASE, overrides: Overrides | None = None,
             batch: int = 1, given: dict[str, np.ndarray] | None = None) -> Result:
    plan = prepare(model, scenario, overrides)
    with paused_collector():
        frames = run_frames(plan, batch=batch, given=given)
    return _result(plan, frames, None)


def _result(plan: Plan, frames: Frames, only: set[str] | None) -> Result:
    out = Result(plan, frames[()], [], dict(frames) if plan.model.has_dims else None,
                 columns=getattr(frames, "columns", None))
    out.warnings = run_warnings(plan, out, only)
    return out


def changed_since(plan: Plan, old: Plan) -> set[str]:
    """The variables whose winning definitions differ between `old` and `plan`, a plan
    compiled from it (`prepare(reuse=old)` found them, or they are compared here)."""
    if plan.changed is not None:
        return plan.changed
    return {v for v in plan.cover if plan.cover[v] != old.cover[v]}


def recompute(previous: Result, model: Model, scenario: str | None = None,
              overrides: Overrides | None = None) -> Result:
    """Evaluate `model` reusing every column of `previous` that no change can reach.

    A variable changed when its winning definitions did; pieces parsed from
    unchanged lines share their expressions with the previous model (the
    parser caches statements), so comparing them is cheap.
    """
    old = previous.plan
    scenario = scenario or old.scenario
    before = old.model
    if (model.axis != before.axis or model.dims != before.dims
            or not _same(model.variables, before.variables)
            or not _same(model.dims_of, before.dims_of)):
        batch = previous.raw.height // len(before.axis)  # the batch of `previous`
        return evaluate(model, scenario, overrides, batch=batch)
    plan = prepare(model, scenario, overrides, reuse=old)
    changed = changed_since(plan, old)
    # What an edit can reach is checked again, and so is every variable that
    # warned before: its warning may be gone, or its definition on another line.
    warned = {w.subject.variable for w in previous.warnings if w.subject.variable in plan.cover}
    if not changed:
        out = _result(plan, previous.frames, warned)
        out.redone = set()
        return out
    with paused_collector():
        frames = run_frames(plan, previous=previous.frames, changed=changed)
    redone = frames.redone
    out = _result(plan, frames, redone | warned)
    out.redone = redone
    return out


def _same(a, b) -> bool:
    """Equal, the same object first (an edit's model keeps its variables and dims)."""
    return a is b or a == b


def run_warnings(plan: Plan, result: Result, only: set[str] | None = None
                 ) -> list[Diagnostic]:
    """What a run found: non-finite values, then distributions whose parameters
    (read from variables) describe no distribution."""
    # The checker's walk filled `draws`: (piece, distributions whose parameters
    # read a variable or t), for the few pieces that have one.
    draws = list(plan.model.cache.draws.items())
    model = plan.model
    if model.has_dims:  # checked on the frame without dims; dims: issue 14 (Monte Carlo)
        draws = [(p, found) for p, found in draws if not model.dims_of[p.name]
                 and not any(u.members or model.dims_of[u.name] for u in uses_of(model, p))]
    if model.has_dims:
        found = member_nonfinite_warnings(plan, result, only)
    elif only is None or result.columns is None:
        found = nonfinite_warnings(plan, result.raw, only, result.matrix())
    else:  # the columns computed again only: no matrix of every column
        found = nonfinite_warnings(plan, result.raw, only, columns=result.columns[()])
    wrong = parameter_warnings(plan, result.raw, draws, only)
    if not wrong:
        return found
    order = {v: i for i, v in enumerate(plan.model.variables)}
    return sorted(found + wrong, key=lambda w: order.get(w.subject.variable, 0))


def member_nonfinite_warnings(plan: Plan, result: Result, only: set[str] | None = None
                              ) -> list[Diagnostic]:
    """`nonfinite_warnings` for a model with dims: at the first such cell, named
    with its members (`capex[orcl] is inf in 2027`)."""
    model = plan.model
    n = len(model.axis)
    out = []
    for v in model.variables:
        if only is not None and v not in only:
            continue
        values = result.values(v).reshape(result.batch, -1, n)
        with np.errstate(invalid="ignore"):
            bad = ~np.isfinite(values) & plan.cover[v].defined[None, :, :]
        if not bad.any():
            continue
        by_period = np.moveaxis(bad, -1, 0)  # the first period, then batch and members
        i, b, c = np.unravel_index(int(np.argmax(by_period)), by_period.shape)
        value = values[b, c, i]
        what = "n/a (not a number)" if value != value else ("inf" if value > 0 else "-inf")
        piece = plan.cover[v].at(int(c), int(i))
        name = model.label(v, model.combos(v)[c])
        source = OVERRIDES if piece.layer == OVERRIDES else model.source
        out.append(Diagnostic(
            f"{name} is {what} in {model.axis.label(int(i))} (definition on line {piece.line})",
            piece.span,
            "look for a division by zero, ln or sqrt of a negative number, or an overflow",
            severity="warning", source=source, code="nonfinite",
            subject=Subject(variable=v, period=int(i))))
    return out


def nonfinite_warnings(plan: Plan, raw: pl.DataFrame, only: set[str] | None = None,
                       matrix: tuple[np.ndarray, dict[str, int]] | None = None,
                       columns: dict[str, pl.Series] | None = None) -> list[Diagnostic]:
    """One warning per variable, at the first year it is not a finite number.

    Empty years read as NaN from polars: they are masked out using the plan's
    cover, which knows which years have no definition. `matrix`: `raw` as
    `Result.matrix` gives it, when made already; `columns`: raw's columns by
    name (engine.plan.Ran), to read just those of `only`.
    """
    model = plan.model
    order = plan.graph.order
    # `only`: its variables in any order (the warnings are put in file order), without a
    # walk of every variable
    names = list(model.variables) if only is None else [v for v in only if v in order]
    if not names:
        return []
    n = len(model.axis)
    if matrix is not None:
        data, index = matrix
        values = data[:, [index[v] for v in names]]
    elif columns is not None:
        values = frame_of([columns[v] for v in names]).to_numpy()
    else:
        values = raw.select(names).to_numpy()
    bad = ~np.isfinite(values)
    batch = values.shape[0] // n
    for j in np.flatnonzero(bad.any(axis=0)).tolist():  # empty cells are no finding
        defined = plan.cover[names[j]].defined[0]
        if not defined.all():
            bad[:, j] &= np.tile(defined, batch)
    out = []
    for j in np.flatnonzero(bad.any(axis=0)):
        v = names[j]
        at = int(np.argmax(bad[:, j]))
        i = at % n
        value = values[at, j]
        what = "n/a (not a number)" if value != value else ("inf" if value > 0 else "-inf")
        piece = plan.cover[v].at(0, i)
        source = OVERRIDES if piece.layer == OVERRIDES else model.source
        out.append(Diagnostic(
            f"{v} is {what} in {model.axis.label(i)} (definition on line {piece.line})", piece.span,
            "look for a division by zero, ln or sqrt of a negative number, or an overflow",
            severity="warning", source=source, code="nonfinite", subject=Subject(variable=v, period=i)))
    if only is not None:
        out.sort(key=lambda w: order[w.subject.variable])
    return out
