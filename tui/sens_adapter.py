"""Sensitivities of one cell, for the inspector and the tornado chart.

The engine's tornado (`engine.tornado`) and derivative formula
(`engine.sensitivity.derivative_formula`), imported when first asked for
(they bring sympy). An input that is 0 everywhere moves by the step
`scn sens` gives it (`display.kinds.zero_steps`: one point for a percentage,
else 1). A model the engine cannot differentiate (a `ScnError`) comes back
as `Sensitivities.error`, in the model's own words; anything else is a bug
and is raised (the app reports it and stays up).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from display.kinds import kinds, zero_steps
from dsl.errors import ScnError
from engine.api import evaluate
from engine.model import Model


@dataclass(frozen=True)
class Row:
    """One input: how much the output moves when the input is scaled by 1 -/+ pct."""

    input: str
    base_value: float | None  # the input in the output's year
    derivative: float | None  # d output / d input (None: not available)
    low: float  # change of the output with the input scaled by 1 - pct
    high: float  # ... by 1 + pct
    # An input written as a distribution swings across its own 5-95% range instead
    # (engine.tornado): its (p5, p95); `low` and `high` are the changes at those ends.
    range: tuple[float, float] | None = None

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
    error: str | None = None  # why there are no sensitivities at all (the model's reason)


def sensitivities(model: Model, output: str, year: int, scenario: str,
                  pct: float = 0.10, limit: int = 12, wrt: str | None = None) -> Sensitivities:
    """The tornado of `output[year]` and a derivative's formula: with respect to `wrt`
    when the cell depends on it (the input just edited), else the input that moves the
    cell most. With dims, `output` may be a member row (`capex[goog]`) and `wrt` a
    member input (`capex_growth[orcl]`)."""
    from engine import sensitivity
    from engine.tornado import tornado

    try:
        found = tornado(model, output, year, scenario, None, pct,
                        zero_step=zero_steps(kinds(model)), top=limit)
    except ScnError as e:
        return Sensitivities(output, year, scenario, None, (), pct, None, "engine.sensitivity",
                             error=_reason(e))
    rows = tuple(Row(r.input, r.base_value, r.derivative, r.exact_low, r.exact_high,
                     getattr(r, "range", None)) for r in found[:limit])
    value = found[0].output_value if found else _value(model, output, year, scenario)
    # A row may be a starting value such as `capex[2024]`: the formula must be
    # taken against that cell, not against the whole variable.
    labels = [r.input for r in found]
    chosen = (next((x for x in labels if x == wrt), None)
              or next((x for x in labels if x.split("[")[0] == wrt), None)
              or (labels[0] if labels else None))
    formula, note = _formula(sensitivity, model, output, chosen, scenario)
    return Sensitivities(output, year, scenario, value, rows, pct, formula,
                         "engine.sensitivity", note)


def _value(model: Model, output: str, year: int, scenario: str) -> float | None:
    """The output cell's value; `output` may name a member row (`capex[goog]`)."""
    if "[" not in output:
        return evaluate(model, scenario).value(output, year)
    from engine.trace import cell

    c = cell(model, output, "OUTPUT")
    return evaluate(model, scenario).value(c.name, year, c.members)


def _formula(sensitivity, model, output: str, wrt: str | None, scenario: str):
    if wrt is None:
        return None, "this cell reads no input"
    try:
        found = sensitivity.derivative_formula(model, output, wrt, scenario)
    except ScnError as e:
        return None, f"formula: not available ({_reason(e)})"
    return f"d {output} / d {wrt} = {found.text}", found.note


def _reason(e: ScnError) -> str:
    """Why the engine gave no answer, in the model's own words."""
    return "; ".join(d.message for d in e.diagnostics)
