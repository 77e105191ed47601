"""Property tests: the engine against the reference evaluator on random quarterly
and monthly models (LANGUAGE-2.md section 2), cell by cell.

The generators (tests/strategies.py `models(unit=...)`, tests/strategies_dims.py
`dim_models(unit=...)`) write periods as labels (`2025Q3`, `2025-07`), years
where a period is expected (selectors, year-map keys and range ends on a
year's boundary, `sum(x[2025])`, interp/step keys at a year's start), yoy,
ytd and ttm where they reach no period before the first, and year(),
quarter(), month(); now and then a reference that may be invalid (a bare
year in a formula, a window reaching before the first period). For each
model, in every scenario and with `--set`:

- a model (or an override) the reference finds invalid is refused by the
  engine with ScnError, and a valid one is accepted;
- every cell (`result.rows()`, `series`, `values`, `defined`, the frame's
  columns) equals the reference's; the frame's first column is `period`
  holding the labels;
- the non-finite warnings and the distribution warnings name the first
  period as its label;
- `recompute` after edits equals a full evaluation of the edited model.

Values compare as in tests/test_property_eval.py. SCN_PROPERTY_SCALE=20 runs
twenty times as many examples.
"""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import assume, event, given, note, settings
from hypothesis import strategies as st

from dsl.errors import ScnError
from engine import evaluate, load_model, parse_overrides
from engine.api import recompute
from reference import ReferenceInvalid, evaluate_reference
from reference_periods import Calendar
from strategies import models
from strategies_dims import dim_models
from test_property_dims import assert_same_cells, messages
from test_property_eval import SETTINGS, edits, examples


def reference_or_invalid(text, scenario, overrides=(), draws=None):
    try:
        return evaluate_reference(text, scenario, overrides, draws)
    except ReferenceInvalid as e:
        return e
    except ScnError as e:  # the generators write only valid syntax: the parser is wrong
        raise AssertionError("the parser refused a well-formed model: " + messages(e)) from None


WARNING = re.compile(r"(\S+) is .* in (\S+) \(definition on line \d+\)$")
DRAW_WARNING = re.compile(r"(\w+) in (\S+): .* needs .* \(definition on line \d+\)$")


def warned(result) -> set[tuple[str, str]]:
    """(row label, period label) of each non-finite warning."""
    out = set()
    for d in result.warnings:
        m = WARNING.match(d.message)
        if m:
            out.add((m.group(1), m.group(2)))
        else:
            assert DRAW_WARNING.match(d.message), d.message
    return out


def draws_warned(result) -> set[tuple]:
    """(variable, period, span) of each warning about a distribution's parameters (the
    whole span: `uniform(..) to 1` holds two distributions that start at one place)."""
    return {(m.group(1), m.group(2), d.span.line, d.span.col, d.span.end_line, d.span.end_col)
            for d in result.warnings if (m := DRAW_WARNING.match(d.message))}


def nonfinite_firsts(cells: dict, labels) -> set[tuple[str, str]]:
    """Per variable, its first non-finite cell: the earliest period, then the first
    member combination in output order."""
    out = set()
    for var, rows in cells.items():
        found = [(i, k, members) for k, (members, values) in enumerate(rows.items())
                 for i, x in enumerate(values) if x is not None and not math.isfinite(x)]
        if found:
            i, _, members = min(found)
            out.add((f"{var}[{','.join(members)}]" if members else var, labels[i]))
    return out


def reference_draws(draws: dict, cal: Calendar) -> set[tuple]:
    return {(v, cal.label(p), *span) for (v, *span), p in draws.items()}


def check(text: str, scenarios: list[str], overrides, data) -> None:
    draws = {s: {} for s in scenarios}
    refs = {s: reference_or_invalid(text, s, draws=draws[s]) for s in scenarios}
    invalid = {s: r for s, r in refs.items() if isinstance(r, ReferenceInvalid)}
    try:
        model = load_model(text, "gen.scn")
    except ScnError as e:
        event("model invalid (both agree)" if invalid else "ENGINE REFUSED A VALID MODEL")
        assert invalid, f"engine refused a model the reference finds valid:\n{messages(e)}"
        return
    assert not invalid, f"engine accepted an invalid model: {invalid}"
    event("valid model")
    labels = list(model.labels)
    cal = Calendar(model.axis.unit)
    assert labels == [cal.label(p) for p in model.years]
    for s in scenarios:
        result = evaluate(model, s)
        assert result.frame.columns[0] in ("period", "period_")
        assert result.frame.get_column(result.frame.columns[0]).to_list() == labels
        assert_same_cells(result, refs[s], f"scenario {s}")
        assert warned(result) == nonfinite_firsts(refs[s], labels), f"warnings in {s}"
        if not model.has_dims:  # the engine checks drawn parameters without dims (issue 14)
            assert draws_warned(result) == reference_draws(draws[s], cal), f"draws in {s}"
    if overrides:
        s = data.draw(st.sampled_from(scenarios), label="scenario with --set")
        note(f"--set {overrides} on {s}")
        want = reference_or_invalid(text, s, overrides)
        try:
            result = evaluate(model, s, parse_overrides(model, overrides))
        except ScnError as e:
            assert isinstance(want, ReferenceInvalid), f"engine refused valid --set:\n{messages(e)}"
            event("overrides invalid (both agree)")
            return
        assert not isinstance(want, ReferenceInvalid), f"engine accepted invalid --set: {want}"
        assert_same_cells(result, want, f"scenario {s} with --set {overrides}")
        event("overrides valid")


# ---------------------------------------------------------------- random models


@settings(max_examples=examples(20), **SETTINGS)
@given(gm=models(unit="quarters", max_vars=4, max_years=9), data=st.data())
def test_small_quarterly_models_match_reference(gm, data):
    note(gm.text)
    check(gm.text, gm.scenarios, gm.overrides, data)


@pytest.mark.slow
@pytest.mark.parametrize("unit, periods", [("quarters", 13), ("months", 27)])
@settings(max_examples=examples(150), **SETTINGS)
@given(data=st.data())
def test_sub_annual_models_match_reference(unit, periods, data):
    gm = data.draw(models(unit=unit, max_years=periods), label="model")
    note(gm.text)
    check(gm.text, gm.scenarios, gm.overrides, data)


@pytest.mark.slow
@pytest.mark.parametrize("unit, periods", [("quarters", 9), ("months", 15)])
@settings(max_examples=examples(100), **SETTINGS)
@given(data=st.data())
def test_sub_annual_dims_models_match_reference(unit, periods, data):
    """A quarterly (or monthly) model per company: dims and periods together."""
    gm = data.draw(dim_models(unit=unit, max_years=periods), label="model")
    note(gm.text)
    check(gm.text, gm.scenarios, gm.overrides, data)


@pytest.mark.slow
@settings(max_examples=examples(60), **SETTINGS)
@given(gm=models(unit="quarters", max_years=10, risky=False), data=st.data())
def test_recompute_after_edits_matches_full_evaluation(gm, data):
    text = gm.text.replace("\r\n", "\n")
    try:
        previous = evaluate(load_model(text), gm.scenarios[0])
    except ScnError:
        assume(False)
    for step in range(data.draw(st.integers(1, 3), label="edits")):
        edited = data.draw(edits(text), label=f"edit {step}")
        scenario = data.draw(st.sampled_from(gm.scenarios), label=f"scenario {step}")
        note(f"edit {step} ({scenario}):\n{edited}")
        try:
            model = load_model(edited)
            full = evaluate(load_model(edited), scenario)
        except ScnError:
            event("edit made the model invalid")
            continue
        result = recompute(previous, model, scenario)
        assert result.rows() == full.rows() or all(
            _same_rows(a, b) for a, b in zip(result.rows(), full.rows()))
        event("recomputed")
        previous, text = result, edited


def _same_rows(a, b) -> bool:
    from test_property_eval import same_value

    return a[:2] == b[:2] and all(same_value(x, y) for x, y in zip(a[2], b[2]))
