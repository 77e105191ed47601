"""Monte Carlo: the model's distributions drawn, samples as batch rows of one plan.

    sim = simulate(model, "base", samples=10_000, seed=2024)
    sim.stats["optics_tam"].mean       # (member combinations, periods)
    sim.stats["optics_tam"].percentiles  # (percentiles, combinations, periods)

Each distribution of a winning definition is a *site*. A sampling plan is
compiled once per scenario: the same compiled plan as a plain run, except
that each site reads a variate column (engine.sampling) instead of being its
mean. Samples are the batch rows of that plan, evaluated in chunks sized to
a memory budget (`chunk_size`); recurrences see the sampled values as every
other variable does, through the same columns.

What is drawn (LANGUAGE.md, "Uncertainty"):
- one standard variate per sample and site, shared by every period the
  definition covers (a definition over 2024..2030 draws once per sample);
- a definition for some periods (`x[2027] = ...`, a year map's entry) is a
  site of its own, drawing for itself;
- a distribution in a dimensioned definition or a member map's entry draws
  once per member combination it gives a value to.

Reproducible: each (site, member combination) has its own random stream,
numpy's `Generator(PCG64(SeedSequence(seed, spawn_key=...)))`, keyed by the
site's place in the file (its layer, variable, the definition's position
among that variable's definitions in the layer, the distribution's position
in the expression) and the members' names. Samples are taken from each
stream in order, so the same seed gives the same numbers on any machine and
for any chunk size; and a definition draws the same numbers whatever else
the file holds, in every scenario that does not redefine it (common random
numbers: scenarios compare sample by sample).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np

from dsl import ast as A
from dsl.errors import Diagnostic
from engine.distributions import SAMPLED_HINT, is_literal, kind, parameter_warnings, parameters
from engine.functions import FUNCTIONS
from engine.model import OVERRIDES, Model, Piece
from engine.plan import Plan, compile_plan, run_frames
from engine.sampling import NORMAL, VARIATE
from engine.mc_layout import Layout, stochastic_variables
from engine.mc_stats import Drivers, Moments, driver_table, percentiles_of

DEFAULT_SAMPLES = 10_000
DEFAULT_SEED = 2024
DEFAULT_PERCENTILES = (5.0, 25.0, 50.0, 75.0, 95.0)
BLOCK = 512  # samples: chunks are whole blocks, so statistics do not depend on the chunk size
CHUNK_BYTES = 1 << 30  # working memory of one chunk's frames (larger chunks run faster)
KEEP_BYTES = 1 << 30  # samples of the cells a draw reaches, kept for exact percentiles and --raw
FRAME_OVERHEAD = 3  # a chunk's frames, one level's frame and the copies read out of them


@dataclass(frozen=True, eq=False)
class Site:
    """One distribution of one winning definition: what a sample draws."""

    column: str  # the variate column (a helper: `#>~3`)
    variable: str
    piece: Piece
    node: A.Call | A.Between
    ordinal: int  # which distribution of the definition, in reading order
    of: int  # how many the definition holds
    combos: tuple[int, ...]  # the member combinations the definition gives a value to
    key: tuple[int, ...]  # the stream's place: see the module docstring
    guard: bool  # parameters read variables: their values are checked per sample

    @property
    def kind(self) -> str:
        return kind(self.node)

    @property
    def parameters(self) -> tuple[A.Expr, ...]:
        return parameters(self.node)

    @property
    def variate(self) -> str:
        return VARIATE[self.kind]


@dataclass(frozen=True)
class Input:
    """One uncertain input as the drivers name it: a site, for one member combination."""

    site: Site
    combo: int  # index among the variable's combinations
    label: str  # `asic_share`, `capex_growth[orcl]`, `capex_growth[orcl,2027..2030]`, `x #2`

    @property
    def line(self) -> int:
        return self.site.piece.line


@dataclass
class Stats:
    """A variable's statistics per (member combination, period)."""

    mean: np.ndarray
    sd: np.ndarray
    percentiles: np.ndarray  # (len(percentiles), combinations, periods)
    defined: np.ndarray  # bool (combinations, periods): cells some definition covers


@dataclass(frozen=True)
class Target:
    """A cell whose spread `drivers` explains: variable, members, period index."""

    variable: str
    members: tuple[str, ...]
    period: int


@dataclass
class Simulation:
    model: Model
    scenario: str
    samples: int
    seed: int
    percentiles: tuple[float, ...]
    variables: tuple[str, ...]
    stats: dict[str, Stats]
    inputs: tuple[Input, ...]
    # Samples the percentiles come from: all of them when they fit in KEEP_BYTES,
    # else the first ones (an i.i.d. subsample; see docs/mc.md).
    percentile_samples: int
    kept: dict[str, np.ndarray] | None  # all samples (samples, combinations, periods), if kept
    drivers: dict[Target, Drivers] = field(default_factory=dict)
    warnings: list[Diagnostic] = field(default_factory=list)
    chunk: int = 0


# ---------------------------------------------------------------- sites


def find_sites(model: Model, cover, overrides: Mapping[str, tuple[Piece, ...]] | None = None
               ) -> list[Site]:
    """Every distribution of the scenario's winning definitions, in file order."""
    out: list[Site] = []
    for v in model.variables:
        cov = cover[v]
        for k, piece in enumerate(cov.distinct()):
            found = [n for n in A.walk(piece.expr) if _is_draw(n)]
            if not found:
                continue
            layer = (overrides or {}).get(v, ()) if piece.layer == OVERRIDES \
                else model.layers[piece.layer].get(v, ())
            place = next((j for j, p in enumerate(layer) if p is piece), 0)
            wins = np.flatnonzero((cov.grid == k).any(axis=1))
            for j, node in enumerate(found):
                key = _words(f"{piece.layer}\0{v}\0{place}\0{j}")
                out.append(Site(f"#>~{len(out)}", v, piece, node, j, len(found),
                                tuple(int(c) for c in wins), key,
                                not all(is_literal(p) for p in parameters(node))))
    return out


def _is_draw(node: A.Expr) -> bool:
    if isinstance(node, A.Between):
        return True
    return isinstance(node, A.Call) and node.func in FUNCTIONS \
        and FUNCTIONS[node.func].kind == "distribution"


def _words(text: str) -> tuple[int, ...]:
    """A stable 64-bit name for a text, as two 32-bit words (SeedSequence's spawn key)."""
    h = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
    return (h >> 32, h & 0xFFFFFFFF)


def inputs_of(model: Model, sites: list[Site]) -> tuple[Input, ...]:
    out = []
    for s in sites:
        p = s.piece
        whole = p.start == 0 and p.end == len(model.axis) - 1
        span = () if whole else (model.axis.span_label(range(p.start, p.end + 1)),)
        nth = f" #{s.ordinal + 1}" if s.of > 1 else ""
        combos = model.combos(s.variable)
        for c in s.combos:
            out.append(Input(s, c, model.label(s.variable, combos[c] + span) + nth))
    return tuple(out)


class Sampler:
    """The variates of every site, chunk after chunk: one stream per (site, combination)."""

    def __init__(self, model: Model, sites: list[Site], seed: int):
        self.sites = sites
        self.streams: dict[str, list[np.random.Generator]] = {}
        for s in sites:
            combos = model.combos(s.variable)
            self.streams[s.column] = [
                np.random.Generator(np.random.PCG64(np.random.SeedSequence(
                    seed, spawn_key=s.key + _words("\0".join(combos[c])))))
                for c in s.combos]
        self.n_combos = {s.column: model.n_combos(s.variable) for s in sites}

    def draw(self, count: int) -> dict[str, np.ndarray]:
        """The next `count` samples: per variate column, (count, combinations); 0 in the
        combinations its definition does not give a value to (never read)."""
        out = {}
        for s in self.sites:
            z = np.zeros((count, self.n_combos[s.column]))
            for c, g in zip(s.combos, self.streams[s.column]):
                z[:, c] = g.standard_normal(count) if s.variate == NORMAL else g.random(count)
            out[s.column] = z
        return out


def sampling_plan(model: Model, scenario: str, overrides=None) -> tuple[Plan, list[Site]]:
    """A scenario's plan with its distributions compiled as draws (errors as `prepare`'s)."""
    from engine.api import _checked, prepare
    from engine.collector import paused_collector

    prepare(model, scenario, overrides)  # refuses a scenario with errors, as a run does
    cov, graph, _ = _checked(model, scenario, overrides or None)
    sites = find_sites(model, cov, overrides)
    by_piece: dict[int, dict[int, Site]] = {}
    for s in sites:
        by_piece.setdefault(id(s.piece), {})[id(s.node)] = s
    with paused_collector():
        plan = compile_plan(model, scenario, cov, graph, draws=lambda p: by_piece.get(id(p)))
    return plan, sites


# ---------------------------------------------------------------- running


def _parameter_draws(plan: Plan) -> list:
    """The distributions whose parameters read variables, as the plain run checks them
    (engine.api.run_warnings: with dims, those of variables without dims)."""
    from engine.api import uses_of

    model = plan.model
    draws = list(model.cache.draws.items())
    if model.has_dims:
        draws = [(p, found) for p, found in draws if not model.dims_of[p.name]
                 and not any(u.members or model.dims_of[u.name] for u in uses_of(model, p))]
    return draws


class _Nonfinite:
    """The first period in which each variable shown is not a finite number in some
    sample: the plain run's warning (engine.api.nonfinite_warnings), over every chunk."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.first: dict[str, tuple[int, int, float]] = {}  # v -> (period, combo, value)

    def add(self, v: str, values: np.ndarray) -> None:
        with np.errstate(invalid="ignore"):
            bad = ~np.isfinite(values) & self.plan.cover[v].defined[None]
        if not bad.any():
            return
        by_period = bad.any(axis=0)  # (combos, periods)
        i = int(np.flatnonzero(by_period.any(axis=0))[0])
        if v in self.first and self.first[v][0] <= i:
            return
        c = int(np.flatnonzero(by_period[:, i])[0])
        b = int(np.flatnonzero(bad[:, c, i])[0])
        self.first[v] = (i, c, float(values[b, c, i]))

    def warnings(self) -> list[Diagnostic]:
        from dsl.errors import Subject

        model = self.plan.model
        out = []
        for v, (i, c, value) in self.first.items():
            what = "n/a (not a number)" if value != value else ("inf" if value > 0 else "-inf")
            piece = self.plan.cover[v].at(c, i)
            name = model.label(v, model.combos(v)[c])
            out.append(Diagnostic(
                f"{name} is {what} in {model.axis.label(i)} in some samples (definition on "
                f"line {piece.line})", piece.span,
                "look for a division by zero, ln or sqrt of a negative number, or an overflow",
                severity="warning", source=OVERRIDES if piece.layer == OVERRIDES else model.source,
                code="nonfinite", subject=Subject(variable=v, period=i)))
        return out


def chunk_size(model: Model, samples: int, budget: int = CHUNK_BYTES) -> int:
    """Samples per chunk: the frames of one sample are its cells (every variable's
    member combinations x periods) in float64, several copies over; whole BLOCKs."""
    cells = len(model.axis) * (sum(model.n_combos(v) for v in model.variables) + 6)
    fit = budget // (cells * 8 * FRAME_OVERHEAD)
    return int(min(max(BLOCK, fit // BLOCK * BLOCK), max(samples, 1)))


def keeps_all(model: Model, variables, samples: int, keep_bytes: int = KEEP_BYTES) -> bool:
    """Whether every sample of these variables fits in `keep_bytes` (exact percentiles, --raw)."""
    cells = sum(model.n_combos(v) for v in variables) * len(model.axis)
    return samples * cells * 8 <= keep_bytes


def simulate(model: Model, scenario: str = "base", overrides=None, *,
             samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED,
             percentiles: tuple[float, ...] = DEFAULT_PERCENTILES,
             variables: tuple[str, ...] | None = None, targets: tuple[Target, ...] = (),
             chunk: int | None = None, keep_bytes: int = KEEP_BYTES,
             progress: Callable[[int, int], None] | None = None) -> Simulation:
    """`samples` draws of every distribution, evaluated in chunks; the statistics
    of `variables` (all by default) and the drivers of each target cell."""
    from engine.api import Result
    from engine.collector import paused_collector

    plan, sites = sampling_plan(model, scenario, overrides)
    names = tuple(model.variables if variables is None else variables)
    n = len(model.axis)
    shapes = {v: (model.n_combos(v), n) for v in names}
    if chunk is None:
        chunk = chunk_size(model, samples)
    chunk = max(1, min(chunk, samples))
    if chunk < samples:
        chunk = max(BLOCK, chunk // BLOCK * BLOCK)
    layout = Layout(names, shapes, stochastic_variables(plan, sites))
    keep = samples if samples * layout.varying * 8 <= keep_bytes else min(
        samples, max(BLOCK, int(keep_bytes // (layout.varying * 8))))
    # Kept samples by cell, (varying cells, samples): each cell's samples side by side,
    # as the percentiles sort them.
    kept = np.empty((layout.varying, keep))
    buffer = np.empty((chunk, layout.group_width))
    moments = Moments(layout.width, BLOCK)
    first = np.empty(layout.width)  # the first sample: the whole story of a cell no draw reaches
    defined = layout.join({v: plan.cover[v].defined for v in names}, bool)
    inputs = inputs_of(model, sites)
    want_drivers = bool(targets)
    variates = {s.column: np.empty((samples, len(s.combos))) for s in sites} \
        if want_drivers else {}
    outputs = {t: np.empty(samples) for t in targets}
    sampler = Sampler(model, sites, seed)
    warnings: list[Diagnostic] = []
    seen: set = set()
    checked_draws = _parameter_draws(plan)
    nonfinite = _Nonfinite(plan)
    done = 0
    while done < samples:
        count = min(chunk, samples - done)
        draws = sampler.draw(count)
        with paused_collector(), np.errstate(all="ignore"):
            frames = run_frames(plan, batch=count, draws=draws)
        result = Result(plan, frames[()], [], frames if model.has_dims else None)
        for w in parameter_warnings(plan, result.raw, checked_draws, None, SAMPLED_HINT):
            key = (w.code, w.subject.variable, w.span)
            if key not in seen:
                seen.add(key)
                warnings.append(w)
        columns = layout.columns(frames, model.dims_of_var, count)
        layout.add_moments(columns, moments, done, buffer)
        moments.advance(count)
        if done == 0:
            for v, (a, b) in layout.at.items():
                first[a:b] = columns[v][0]
        if done < keep:
            take = min(count, keep - done)
            layout.keep(columns, take, kept[:, done:done + take])
        # A value that is not a number makes its cell's sum one (and keeps it one);
        # a cell no draw reaches is its first sample in every sample.
        with np.errstate(invalid="ignore"):
            bad = ~np.isfinite(np.concatenate([moments.s1[:layout.varying],
                                               first[layout.varying:]])) & defined
        if bad.any():
            for v in layout.touching(bad):
                nonfinite.add(v, columns[v].reshape((count,) + shapes[v]))
        del columns
        for t in targets:
            values = result.values(t.variable).reshape(count, -1, n)
            outputs[t][done:done + count] = values[:, model.combo_index(t.variable, t.members),
                                                   t.period]
        for s in sites if want_drivers else ():
            variates[s.column][done:done + count] = draws[s.column][:, list(s.combos)]
        done += count
        if progress is not None:
            progress(done, samples)
    mean, sd = moments.result()
    # A cell no draw reaches: the moments of its one value taken `samples` times,
    # as the sums above would give them (x - x = 0 where x is a number; -0.0 + 0.0
    # is 0.0), without summing them.
    constant = first[layout.varying:]
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(constant)
        mean[layout.varying:] = np.where(finite, constant + 0.0, constant)
        sd[layout.varying:] = np.where(finite, 0.0, np.nan)
    pct = np.empty((len(percentiles), layout.width))
    # Sorted where they are when nobody reads them after (a subsample, not returned).
    pct[:, :layout.varying] = percentiles_of(kept, percentiles, by_cell=True,
                                             in_place=keep < samples)
    # A cell no draw reaches has one value in every sample: each percentile is it.
    pct[:, layout.varying:] = np.where(np.isnan(constant), np.nan, constant)
    stats = {}
    for v in names:
        stats[v] = Stats(layout.part(mean, v), layout.part(sd, v), layout.part(pct, v),
                         plan.cover[v].defined.reshape(shapes[v]))
    all_kept = None
    if keep == samples:
        all_kept = {v: layout.part(kept.T, v) if v in layout.varies else
                    np.broadcast_to(layout.part(first, v), (samples,) + shapes[v])
                    for v in names}
    drivers = {}
    if want_drivers:
        columns = [variates[i.site.column][:, i.site.combos.index(i.combo)] for i in inputs]
        for t in targets:
            drivers[t] = driver_table(inputs, columns, outputs[t])
    warnings += nonfinite.warnings()
    # A distribution that describes none makes its cells n/a: its own warning says why.
    wrong = {w.subject.variable for w in warnings if w.code == "distribution-params"}
    warnings = [w for w in warnings if w.code != "nonfinite" or w.subject.variable not in wrong]
    order = {v: i for i, v in enumerate(model.variables)}
    warnings.sort(key=lambda w: order.get(w.subject.variable, 0))
    return Simulation(model, scenario, samples, seed, tuple(percentiles), names, stats, inputs,
                      keep, all_kept, drivers, warnings, chunk)
