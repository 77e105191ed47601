"""Small helpers shared by the tests: evaluate a model text, collect its errors; and
a stand-in for the engine's sensitivities that the UI tests inject (no sympy)."""

from __future__ import annotations

import math
import textwrap

import numpy as np

from dsl.errors import ScnError
from engine import evaluate, load_model
from engine.api import uses_of


def model(text: str):
    return load_model(textwrap.dedent(text), "test.scn")


def values(text: str, scenario: str = "base") -> dict[str, list]:
    m = model(text)
    r = evaluate(m, scenario)
    return {v: r.series(v) for v in m.variables}


def errors(text: str) -> list[tuple[int, int, str]]:
    try:
        model(text)
    except ScnError as e:
        return [(d.span.line, d.span.col, d.message) for d in e.diagnostics]
    raise AssertionError("expected errors, the model loaded")


def reevaluated_sensitivities(model, output: str, year: int, scenario: str, pct: float,
                              limit: int, note: str):
    """The tornado by brute force, in the UI's `Sensitivities`: every input the cell
    depends on scaled by 1 - pct and 1 + pct in every year, as rows of one batched
    evaluation; no derivatives, no formula. Fast to start (no sympy), and checked
    against the engine's (`test_tui_sens.py`), so the UI tests can inject it."""
    from tui.sens_adapter import Row, Sensitivities

    result = evaluate(model, scenario)
    plan = result.plan
    n, i = len(model.years), year - model.years[0]
    up = plan.graph.upstream({output}) - {output}
    inputs = [v for v in model.variables if v in up and all(
        not uses_of(model, p) for p in plan.cover[v].distinct())]
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
    rows = [Row(v, None if math.isnan(base[v][i]) else float(base[v][i]), None,
                float(out[1 + 2 * k] - value), float(out[2 + 2 * k] - value))
            for k, v in enumerate(inputs)]
    rows.sort(key=lambda r: -float(f"{r.swing:.9g}"))
    return Sensitivities(output, year, scenario, value, tuple(rows[:limit]), pct, None,
                         f"re-evaluation with each input scaled by 1 -/+ {pct:.0%}", note)
