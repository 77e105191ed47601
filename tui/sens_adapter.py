"""Sensitivities of one cell, for the inspector and the tornado chart.

The sensitivity engine (`engine.sensitivity`: `tornado`, `derivative_formula`)
is imported lazily (it brings sympy) and used when it is there. When it is
missing or fails, the tornado still comes out: every input the cell depends
on is scaled by 1 - pct and 1 + pct in every year, all of them as rows of one
batched evaluation (`evaluate(..., batch=, given=)`); derivatives and the
symbolic formula then read "not available".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.api import evaluate, uses_of
from engine.model import Model


@dataclass(frozen=True)
class Row:
    """One input: how much the output moves when the input is scaled by 1 -/+ pct."""

    input: str
    base_value: float | None  # the input in the output's year
    derivative: float | None  # d output / d input (None: not available)
    low: float  # change of the output with the input scaled by 1 - pct
    high: float  # ... by 1 + pct

    @property
    def swing(self) -> float:
        a, b = abs(self.low), abs(self.high)
        return math.inf if math.isnan(a) or math.isnan(b) else max(a, b)


@dataclass(frozen=True)
class Sensitivities:
    output: str
    year: int
    scenario: str
    value: float | None
    rows: tuple[Row, ...]  # largest swing first
    pct: float
    formula: str | None  # d output / d (top input), symbolic
    source: str  # where the numbers come from, for the reader
    note: str | None = None  # why something is not available


def sensitivities(model: Model, output: str, year: int, scenario: str,
                  pct: float = 0.10, limit: int = 12, wrt: str | None = None) -> Sensitivities:
    """The tornado of `output[year]` and, when the engine has it, a derivative's formula:
    with respect to `wrt` when the cell depends on it (the input just edited), else the
    input that moves the cell most."""
    try:
        from engine import sensitivity
    except ImportError:
        return _fallback(model, output, year, scenario, pct, limit,
                         "sensitivities: not available (no engine.sensitivity)")
    try:
        found = sensitivity.tornado(model, output, year, scenario, None, pct)
    except Exception as e:  # a young engine: never let it take the UI down
        return _fallback(model, output, year, scenario, pct, limit,
                         f"sensitivities: not available ({_reason(e)})")
    rows = tuple(Row(r.input, r.base_value, r.derivative, r.exact_low, r.exact_high)
                 for r in found[:limit])
    value = found[0].output_value if found else evaluate(model, scenario).value(output, year)
    # A row may be a starting value such as `capex[2024]`: the formula must be
    # taken against that cell, not against the whole variable.
    labels = [r.input for r in found]
    chosen = (next((x for x in labels if x == wrt), None)
              or next((x for x in labels if x.split("[")[0] == wrt), None)
              or (labels[0] if labels else None))
    formula, note = _formula(sensitivity, model, output, chosen, scenario)
    return Sensitivities(output, year, scenario, value, rows, pct, formula,
                         "engine.sensitivity", note)


def _formula(sensitivity, model, output: str, wrt: str | None, scenario: str):
    derivative_formula = getattr(sensitivity, "derivative_formula", None)
    if derivative_formula is None or wrt is None:
        return None, None if wrt else "this cell reads no input"
    try:
        found = derivative_formula(model, output, wrt, scenario)
    except Exception as e:
        return None, f"formula: not available ({_reason(e)})"
    return f"d {output} / d {wrt} = {found.text}", getattr(found, "note", None)


def _reason(e: Exception) -> str:
    """Why the engine gave no answer: a model's reason in its own words; a bug by its type."""
    from dsl.errors import ScnError

    if isinstance(e, ScnError):
        return "; ".join(d.message for d in e.diagnostics)
    return f"{type(e).__name__}: {e}"


def _fallback(model: Model, output: str, year: int, scenario: str, pct: float, limit: int,
              note: str, wrt: str | None = None) -> Sensitivities:
    result = evaluate(model, scenario)
    plan = result.plan
    n, i = len(model.years), year - model.years[0]
    up = plan.graph.upstream({output}) - {output}
    inputs = [v for v in model.variables if v in up and all(
        p is None or not uses_of(model, p) for p in plan.cover[v])]
    value = result.value(output, year)
    if not inputs or value is None:
        return Sensitivities(output, year, scenario, value, (), pct, None, "re-evaluation", note)
    base = {v: np.array([math.nan if x is None else x for x in result.series(v)]) for v in inputs}
    batch = 1 + 2 * len(inputs)
    given = {v: np.tile(base[v], (batch, 1)) for v in inputs}
    for k, v in enumerate(inputs):
        given[v][1 + 2 * k] *= 1 - pct
        given[v][2 + 2 * k] *= 1 + pct
    moved = evaluate(model, scenario, batch=batch, given=given)
    out = moved.raw.get_column(output).to_numpy().astype(float).reshape(batch, n)[:, i]
    rows = [Row(v, _number(base[v][i]), None, float(out[1 + 2 * k] - value),
                float(out[2 + 2 * k] - value)) for k, v in enumerate(inputs)]
    rows.sort(key=lambda r: -float(f"{r.swing:.9g}"))
    return Sensitivities(output, year, scenario, value, tuple(rows[:limit]), pct, None,
                         f"re-evaluation with each input scaled by 1 -/+ {pct:.0%}", note)


def _number(x: float) -> float | None:
    return None if math.isnan(x) else float(x)
