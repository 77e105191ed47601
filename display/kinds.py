"""Each variable's display style, from its unit: `kinds(model)`.

A variable's unit is `engine.unit_check.units(model)[v]`: its annotation
(`capex: USD = ...`), else the unit its definitions are sure to have (a `%`
literal or a map of them, interp/step of one, growth/cagr/yoy, units carried
from annotated operands), else unknown. One inference serves checking,
roll-up and display. The unit decides how the numbers show (`display.styles`:
percent, multiple, currency, count, amount in its unit, plain), never the
name: `goog_exit_run_rate = 5.68T` is an amount (`5.7T`), `capex_share =
capex / na_capex` a plain ratio (`0.200`), `wacc = 10.9%` a percentage.

The names of version 1 stay: `PERCENT` and `AMOUNT` (now Styles, equal to
the strings "percent" and "amount" as before), `zero_steps`, `aggregations_of`.
"""

from __future__ import annotations

from typing import Mapping

from display.styles import AMOUNT, MULTIPLE, PERCENT, PLAIN, Style, style_of  # noqa: F401 (re-exported)

# The tornado cannot scale an input that is 0 everywhere (10% of 0 is 0): it
# moves it by a step instead, one percentage point for a percentage, else 1.
ZERO_STEP_PERCENT, ZERO_STEP = 0.01, 1.0


def kinds(model) -> dict[str, Style]:
    """The display style of every variable of a model, in the model's order.

    Imported late: the engine never imports display, and display reads the
    engine's unit inference only when asked (computed once per model)."""
    from engine.unit_check import units

    return {v: style_of(u) for v, u in units(model).items()}


def kinds_of_some(model, names) -> dict[str, Style]:
    """The display style of `names` and of every variable they read (`kinds` for a
    few rows: `engine.unit_check.units_of_some`)."""
    from engine.unit_check import units_of_some

    return {v: style_of(u) for v, u in units_of_some(model, names).items()}


def zero_steps(kind: Mapping[str, Style]) -> dict[str, float]:
    """The tornado's step for each variable that is 0 everywhere (`engine.tornado`'s
    `zero_step`): one percentage point when it reads as a percentage, else 1."""
    return {v: ZERO_STEP_PERCENT if k == PERCENT else ZERO_STEP for v, k in kind.items()}


def aggregations_of(model, kind: Mapping[str, Style] | None = None) -> dict[str, str]:
    """How each variable rolls up to calendar years (`engine.rollup`), the same in
    every front end: the units annotation's word (`customers: count last`), else
    `mean` for a percentage (by its unit, declared or inferred), else `sum`."""
    from engine.rollup import aggregations
    from engine.unit_check import declared_aggregations

    kind = kinds(model) if kind is None else kind
    return aggregations(model.variables, kind, declared=declared_aggregations(model))
