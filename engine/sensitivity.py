"""Sensitivities: exact derivatives through the graph, by year, and as formulas.

The public entry points (docs/sensitivity.md): `derivatives` (by year),
`derivative_formula` (in the model's names), and `tornado` / `levers`
(engine.tornado, engine.levers), importable from here. The machinery:
engine.partials (each definition's local partials, with sympy),
engine.tangent (the tangent model: derivatives as columns of a plan),
engine.formula (the formula within a budget).

Forward mode over the graph of one scenario: each definition's local
partials become polars expressions over the evaluated columns, and the
derivative of every variable on a path from the input `x` to the output `y`
is a tangent column, `d(v) = sum over u of (df_v/du) * d(u)`. The batch
dimension carries several seeds at once: row 0 moves x by the same amount
in every year (the derivative), row 1 scales it (the elasticity); a
tornado seeds every lever in one run.

Conventions (docs/sensitivity.md): `min`, `max`, `clamp`, `abs` and `if`
differentiate along the branch taken, and at an exact tie the branches
average (the central difference); `round`, `floor`, `ceil` have derivative
0; distributions are differentiated at their mean. An *input* is a variable
whose winning definitions read no other variable (constants, year maps,
`interp`/`step` of constants, distributions of constants).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.api import Overrides, evaluate, prepare
from engine.axis import TimeAxis
from engine.formula import Formula, FormulaResult, Rule  # noqa: F401 - the API's types
from engine.model import BASE, Model
from engine.partials import path_notes
from engine.plan import Plan
from engine.tangent import first_rows, helper_name, moved_cells, run_tangent, tangent_plan
from engine.address import combo_index
from engine.tangent_dims import Seeds, held_cells, run_tangent_dims, values_of
from engine.trace import Cell, cell, has_value, one_cell


@dataclass(frozen=True)
class Derivatives:
    """d output / d wrt by year, for one scenario.

    `derivative[k]` is for `years[k]`: the change of the output per unit
    change of `wrt` (the same amount in every year it has a value, or in its
    one year for `asic_share[2030]`). `elasticity[k]` is the percent change
    of the output per 1% change of wrt (wrt scaled rather than shifted). None
    where undefined: the output has no value, is 0 or not finite."""

    output: str
    wrt: str
    scenario: str
    years: tuple[int, ...]
    derivative: tuple[float | None, ...]
    elasticity: tuple[float | None, ...]
    output_values: tuple[float | None, ...]
    depends: bool  # False: no path from wrt to output (every derivative is 0)
    compounds: bool  # the path runs through a recurrence
    notes: tuple[str, ...] = ()


def derivatives(model: Model, output: str, wrt: str, scenario: str = BASE,
                overrides: Overrides | None = None, year: int | None = None) -> Derivatives:
    """Derivative and elasticity of `output` with respect to `wrt`, by year.

    `wrt` is a variable (`asic_share`: every cell moved by the same amount)
    or a cell (`asic_share[2030]`: that cell typed over, so a recurrence
    continues from it). `year` (or `output` written as `optics_tam[2030]`)
    keeps one output year."""
    y = cell(model, output, "OUTPUT")
    x = seed_cell(model, wrt, scenario, overrides)
    if has_dims(model):
        one_cell(model, y, "OUTPUT", output)
        return _member_derivatives(model, y, x, scenario, overrides, year)
    result = evaluate(model, scenario, overrides)
    axis = model.axis
    n = len(axis)
    xs = np.nan_to_num(first_rows(result.raw, x.name, n))
    one = _seed(result.plan, x, axis)
    plan, source = _moving(result.plan, x, axis)
    tangent = tangent_plan(plan, frozenset([source]), frozenset([y.name]))
    seeds = {source: np.stack([one, xs * one])}
    dy = run_tangent(tangent, result.raw, seeds, [y.name])[y.name]
    ys = first_rows(result.raw, y.name, n)
    year = year if year is not None else y.year
    wanted = [year] if year is not None else [axis.absolute(i) for i in range(n)]
    idx = [axis.index(yr) for yr in wanted]
    return Derivatives(
        output=y.name, wrt=str(x), scenario=scenario, years=tuple(wanted),
        derivative=tuple(_defined(dy[0, i], ys[i]) for i in idx),
        elasticity=tuple(_elasticity(dy[1, i], ys[i]) for i in idx),
        output_values=tuple(None if math.isnan(ys[i]) else float(ys[i]) for i in idx),
        depends=y.name == x.name or y.name in tangent.path,
        compounds=_compounds(plan, tangent.path),
        notes=tuple(path_notes(model, plan, tangent.path, x.name, y.name)))


def has_dims(model: Model) -> bool:
    """The model declares dims: its derivatives are taken over member cells
    (engine.tangent_dims); a version-1 model keeps version 1's path."""
    return bool(getattr(model, "dims", None))


def _member_derivatives(model: Model, y: Cell, x: Cell, scenario: str, overrides,
                        year: int | None) -> Derivatives:
    """`derivatives` over member cells: x moves in the member(s) it names (every
    member when it names none: the sum of the per-member derivatives)."""
    result = evaluate(model, scenario, overrides)
    axis = model.axis
    n = len(axis)
    plan = result.plan
    held = held_cells(model, plan.cover[x.name], x.members,
                      None if x.year is None else axis.index(x.year))
    xs = np.nan_to_num(values_of(result, x.name))
    seeds = Seeds({x.name: np.stack([held, xs * held]).astype(float)}, {x.name: held})
    out, path = run_tangent_dims(model, plan, lambda v: values_of(result, v), seeds, [y.name])
    row = combo_index(model, y.name, y.members)
    dy = out[y.name][:, row, :]
    ys = values_of(result, y.name)[row]
    year = year if year is not None else y.year
    wanted = [year] if year is not None else [axis.absolute(i) for i in range(n)]
    idx = [axis.index(yr) for yr in wanted]
    return Derivatives(
        output=str(Cell(y.name, None, y.members)), wrt=str(x), scenario=scenario,
        years=tuple(wanted),
        derivative=tuple(_defined(dy[0, i], ys[i]) for i in idx),
        elasticity=tuple(_elasticity(dy[1, i], ys[i]) for i in idx),
        output_values=tuple(None if math.isnan(ys[i]) else float(ys[i]) for i in idx),
        depends=y.name == x.name or y.name in path,
        compounds=_compounds(plan, path),
        notes=tuple(path_notes(model, plan, path, x.name, y.name)))


def _moving(plan: Plan, x: Cell, axis: TimeAxis) -> tuple[Plan, str]:
    """The plan to differentiate and the source of the tangent: x itself held
    (every cell moves), or the helper column of its one moved cell."""
    if x.year is None:
        return plan, x.name
    return moved_cells(plan, {x.name: (axis.index(x.year),)}), helper_name(x.name)


def seed_cell(model: Model, wrt: str, scenario: str, overrides) -> Cell:
    """The input cell of a derivative, checked to have a value."""
    x = cell(model, wrt, "--wrt")
    if x.year is not None:
        has_value(model, prepare(model, scenario, overrides).cover, x, "--wrt", wrt)
    return x


def _seed(plan: Plan, x: Cell, axis: TimeAxis) -> np.ndarray:
    """1 where x moves: every year it has a value, or its one year."""
    moved = None if x.year is None else axis.index(x.year)
    seed = plan.cover[x.name].defined[0].astype(float)
    if moved is not None:
        seed[:moved] = 0.0
        seed[moved + 1:] = 0.0
    return seed


def _defined(d: float, y: float) -> float | None:
    if math.isnan(y) or not math.isfinite(d):
        return None
    return float(d)


def _elasticity(d: float, y: float) -> float | None:
    if math.isnan(y) or y == 0 or not math.isfinite(y):
        return None
    e = d / y
    return float(e) if math.isfinite(e) else None


def _compounds(plan: Plan, path) -> bool:
    return any(b.cyclic and path.intersection(b.variables)
               for level in plan.graph.levels for b in level)


def derivative_formula(model: Model, output: str, wrt: str, scenario: str = BASE,
                       inline: bool = False, overrides: Overrides | None = None) -> FormulaResult:
    """d output / d wrt in the model's own names, simplified within a budget.

    The variables on the paths from wrt to output are inlined, the others
    stay names (with `inline`, every computed variable that is not a
    recurrence is inlined, so the formula reads inputs only). A recurrence on
    the path cannot be inlined: its one-step rule is printed, and it compounds."""
    y = cell(model, output, "OUTPUT")
    x = seed_cell(model, wrt, scenario, overrides)
    plan = prepare(model, scenario, overrides)
    if has_dims(model):
        from engine.formula_dims import MemberFormula

        one_cell(model, y, "OUTPUT", output)
        return MemberFormula(model, plan, y, x, inline).result()
    return Formula(model, plan, y, x, inline).result()


def __getattr__(name: str):
    """`tornado`, `TornadoRow`, `Lever` and `levers` live in engine.tornado and
    engine.levers (which import the tangent model); they stay importable from
    here, as the API docs show them."""
    if name in ("tornado", "TornadoRow", "Lever", "levers"):
        from engine import levers, tornado

        return getattr(tornado if hasattr(tornado, name) else levers, name)
    raise AttributeError(name)
