"""Property tests: the engine against the reference evaluator on random dimensioned
models (LANGUAGE-2.md section 1), cell by cell.

- every variable's dims (`model.dims_of`) are the reference's inference;
- `model.outputs()` lists the reference's rows in order; every output row
  (`result.rows()`), every member's `result.series(var, members)`,
  `result.values(var)` / `result.defined(var)` and the frame's `capex[goog]`
  columns equal the reference's cells, in every scenario and with `--set`
  overrides per member or per cell; the non-finite warnings name each
  variable's first non-finite cell;
- `recompute` after edits (and into another scenario) gives the reference's
  cells of the edited text;
- a model (or an override) the reference finds invalid (ambiguous or
  overlapping definitions, a read of an empty member cell, a selection of a dim
  the variable lacks, `sum(x)` of a dimensioned x, a cycle between cells) is
  refused by the engine with ScnError, and a valid one is accepted.

Values compare as in tests/test_property_eval.py (math.isclose(rel_tol=1e-9,
abs_tol=1e-12); NaN equals NaN; None, an empty cell, equals only None).
SCN_PROPERTY_SCALE=20 runs twenty times as many examples.
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
from reference import ReferenceInvalid, evaluate_reference, reference_model
from strategies import models
from strategies_dims import dim_models
from test_property_eval import SETTINGS, edits, examples, same_value


def reference_or_invalid(text, scenario, overrides=()):
    try:
        return evaluate_reference(text, scenario, overrides)
    except ReferenceInvalid as e:
        return e
    except ScnError as e:  # the generators write only valid syntax: the parser is wrong
        raise AssertionError("the parser refused a well-formed model: " + "; ".join(
            f"{d.span.line}:{d.span.col}: {d.message}" for d in e.diagnostics)) from None


def messages(e: ScnError) -> str:
    return "\n".join(f"{d.span.line}:{d.span.col}: {d.message}" for d in e.diagnostics)


def engine_cells(result, variables) -> dict:
    """{variable: {members: values}} from result.rows(), in its order."""
    out: dict = {}
    for var, members, values in result.rows():
        out.setdefault(var, {})[tuple(members)] = list(values)
    assert list(out) == list(variables), f"rows' variables {list(out)} != {list(variables)}"
    return out


def assert_same_cells(result, want: dict, what: str) -> None:
    got = engine_cells(result, want)
    frame = result.frame
    for var, rows in want.items():
        assert list(got[var]) == list(rows), (
            f"{what}: {var}'s member rows {list(got[var])} != {list(rows)}")
        n = len(next(iter(rows.values())))
        array = result.values(var)  # (batch, *dim sizes, periods): member order as the rows
        assert array.shape[1:] == (*result.model.shape(var), n), f"{var}: shape {array.shape}"
        cells = array.reshape(array.shape[0], -1, n)[0]
        defined = result.defined(var).reshape(-1, n)
        for k, (members, values) in enumerate(rows.items()):
            want_defined = [x is not None for x in values]
            assert defined[k].tolist() == want_defined, f"{what}: {var}{list(members)} defined"
            array_row = [float(x) if d else None for x, d in zip(cells[k], want_defined)]
            label = f"{var}[{','.join(members)}]" if members else var
            column = frame.get_column(label).to_list()
            for name, g in (("rows()", got[var][members]), ("series()", result.series(var, members)),
                            ("values()", array_row), ("frame", column)):
                bad = [i for i, (x, y) in enumerate(zip(g, values)) if not same_value(x, y)]
                assert len(g) == len(values) and not bad, (
                    f"{what}: {var}{list(members)} differs ({name}) at year index {bad}\n"
                    f"  engine:    {g}\n  reference: {values}")


WARNING = re.compile(r"(\S+) is .* in (\d+) \(definition on line \d+\)$")


def warned(result) -> set[tuple[str, int]]:
    """(row label, year) of each non-finite warning."""
    out = set()
    for d in result.warnings:
        m = WARNING.match(d.message)
        if m:
            out.add((m.group(1), int(m.group(2))))
    return out


def nonfinite_firsts(cells: dict, first_year: int) -> set[tuple[str, int]]:
    """Per variable, its first non-finite cell: the earliest year, then the first
    member combination in output order (named as the row: `capex[orcl]`)."""
    out = set()
    for var, rows in cells.items():
        found = [(i, k, members) for k, (members, values) in enumerate(rows.items())
                 for i, x in enumerate(values) if x is not None and not math.isfinite(x)]
        if found:
            i, _, members = min(found)
            out.add((f"{var}[{','.join(members)}]" if members else var, first_year + i))
    return out


def check_against_reference(text: str, scenarios: list[str], overrides, data) -> None:
    refs = {s: reference_or_invalid(text, s) for s in scenarios}
    invalid = {s: r for s, r in refs.items() if isinstance(r, ReferenceInvalid)}
    try:
        model = load_model(text, "gen.scn")
    except ScnError as e:
        event("model invalid (both agree)" if invalid else "ENGINE REFUSED A VALID MODEL")
        assert invalid, f"engine refused a model the reference finds valid:\n{messages(e)}"
        return
    assert not invalid, f"engine accepted an invalid model: {invalid}"
    event("valid model")
    want_dims = reference_model(text).sig
    assert {v: tuple(model.dims_of[v]) for v in want_dims} == want_dims, "inferred dims"
    first = next(iter(refs.values()))
    assert [(v, tuple(m)) for v, m in model.outputs()] == [
        (v, members) for v, rows in first.items() for members in rows], "output rows"
    for s in scenarios:
        result = evaluate(model, s)
        assert_same_cells(result, refs[s], f"scenario {s}")
        assert warned(result) == nonfinite_firsts(refs[s], model.years[0]), f"warnings in {s}"
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


@settings(max_examples=examples(25), **SETTINGS)
@given(gm=dim_models(max_vars=4, max_years=3), data=st.data())
def test_engine_matches_reference_on_small_dims_models(gm, data):
    note(gm.text)
    check_against_reference(gm.text, gm.scenarios, gm.overrides, data)


@pytest.mark.slow
@settings(max_examples=examples(250), **SETTINGS)
@given(gm=dim_models(), data=st.data())
def test_engine_matches_reference_on_dims_models(gm, data):
    note(gm.text)
    check_against_reference(gm.text, gm.scenarios, gm.overrides, data)


@pytest.mark.slow
@settings(max_examples=examples(150), **SETTINGS)
@given(gm=models(dims=True, max_vars=5, max_years=5), data=st.data())
def test_engine_matches_reference_on_version_one_models_with_dims(gm, data):
    """Version 1's generator (lags, leads, interp, scenarios) beside every dims
    form written by hand, per-member definitions in a scenario and in --set: mostly
    invalid (empty members read, lags outside the years), so it checks that both
    refuse the same models, and values when valid."""
    note(gm.text)
    check_against_reference(gm.text, gm.scenarios, gm.overrides, data)


@pytest.mark.slow
@settings(max_examples=examples(80), **SETTINGS)
@given(gm=dim_models(risky=False), data=st.data())
def test_recompute_after_edits_matches_reference(gm, data):
    """recompute (per frame, reusing what no edit reaches) after edits of numbers,
    member cells and references, and into another scenario, gives the reference's
    cells of the edited text."""
    text = gm.text
    try:
        previous = evaluate(load_model(text), gm.scenarios[0])
    except ScnError:
        assume(False)
    for step in range(data.draw(st.integers(1, 3), label="edits")):
        edited = data.draw(edits(text), label=f"edit {step}")
        scenario = data.draw(st.sampled_from(gm.scenarios), label=f"scenario {step}")
        note(f"edit {step} ({scenario}):\n{edited}")
        want = reference_or_invalid(edited, scenario)
        try:
            model = load_model(edited)
        except ScnError as e:  # an edit may make the model invalid (a cycle, a dim lost)
            assert any(isinstance(reference_or_invalid(edited, s), ReferenceInvalid)
                       for s in gm.scenarios), f"engine refused a valid edit:\n{messages(e)}"
            event("edit made the model invalid (both agree)")
            continue
        assert not isinstance(want, ReferenceInvalid), f"engine accepted an invalid edit: {want}"
        result = recompute(previous, model, scenario)
        assert_same_cells(result, want, f"recompute after edit {step} ({scenario})")
        event("recomputed")
        previous, text = result, edited


# ---------------------------------------------------------------- hand-written cases

# Models whose cells are computed by hand in tests/test_reference_dims.py; here the
# engine must give the reference's cells (and the reference is checked there).
CASES = {
    "example": """\
years 2024..2026
dim company = {goog, meta, msft, amzn, orcl}
dim speed = {g400, g800, g1600}
capex[2024] = {goog: 52.5B, meta: 39.2B, msft: 76B, amzn: 83B, orcl: 7B}
capex = capex[t-1] * (1 + capex_growth)
capex_growth = 25%
capex_growth[orcl] = 60%
capex_growth[goog, 2025] = 62%
na_capex = sum(capex, company)
capex_share = capex / na_capex
gbps = {g400: 400, g800: 800, g1600: 1600}
mix = {g400: 50%, g800: 40%, g1600: 10%}
bandwidth = na_capex * 1% * mix / gbps
google_bw = bandwidth[g800] * capex_share[goog]
scenario bull {
  capex_growth[orcl] = 90%
}
""",
    "per_axis": "years 2024..2025\ndim company = {goog, meta}\n"
                "x = 1\nx[goog] = 2\nx[2025] = 3\nx[goog, 2025] = 4\n",
    "layers": "years 2024..2025\ndim company = {goog, meta}\n"
              "x = 1\nx[goog] = 2\nscenario s {\n  x[2025] = 3\n}\n",
    "broadcast": "years 2024..2025\ndim company = {goog, meta}\ndim speed = {g400, g800}\n"
                 "price = {g400: 1, g800: 2}\nunits = {goog: 10, meta: 20}\nrev = price * units\n"
                 "s = sum(rev, company)\nm = mean(rev[g800], company)\n"
                 "lo = min(rev, speed)\nhi = max(rev[goog], speed)\n",
    "selections": "years 2024..2025\ndim company = {goog, meta}\n"
                  "x[2024] = {goog: 1, meta: 2}\nx[2025] = {goog: 10, meta: 20}\n"
                  "a = x[goog]\nb[2025] = x[goog, t-1] + x[meta, 2025]\n"
                  "c = sum(x[meta, 2024..2025]) + mean(x[goog, ..2025])\nd[2025] = x[t-1] * 100\n",
    "time_functions": "years 2024..2026\ndim company = {goog, meta}\n"
                      "r = {goog: 2, meta: 3}\nx[2024] = {goog: 1, meta: 2}\nx = x[t-1] * r\n"
                      "c = cumsum(x)\ng[2025..] = growth(x)\ng[2024] = 0\nk = cagr(x, 2024, 2026)\n"
                      "top = max(x[2024..2026])\n",
    "cross_member": "years 2024..2025\ndim company = {goog, meta}\n"
                    "share[goog] = 30%\nshare[meta] = 1 - share[goog]\n",
    "partial_member_map": "years 2024..2025\ndim company = {goog, meta}\n"
                          "a = {goog: 1}\nb[2024] = {meta: 5}\nb[goog] = 7\nc = a[goog] + 1\n",
    "dims_from_a_scenario": "years 2024..2025\ndim company = {goog, meta}\n"
                            "g = 25%\ny = g * 2 + sum(g, company)\nscenario bull {\n  g[meta] = 90%\n}\n",
    "year_specific_member_map_recurrence": "years 2024..2026\ndim speed = {g400, g800}\n"
                                           "p[2024] = {g400: 100, g800: 10}\n"
                                           "p = p[t-1] * (1 + g)\ng = {g400: -10%, g800: 50%}\n"
                                           "p[g800, 2026] = 1\n",
    "two_dims_cells": "years 2024..2025\ndim company = {goog, meta}\ndim speed = {g400, g800}\n"
                      "u = 1\nu[goog] = 2\nu[goog, g800] = 3\nu[meta, g400, 2025] = 4\n"
                      "v = sum(u, speed) * 10 + u[g800]\n",
    # a NaN cell next to an empty one: n/a, not empty (in rows, series, values and frame)
    "nan_next_to_empty": "years 2024..2025\ndim company = {goog, meta}\n"
                         "x[2024] = {goog: 0 / 0, meta: 1}\ny = x[goog, 2024] * 0\n",
    "nan_member": "years 2024..2025\ndim company = {goog, meta}\n"
                  "x = {goog: 0 / 0, meta: 1}\ns = sum(x, company)\nlo = min(x, company)\n",
}


@pytest.mark.parametrize("text", CASES.values(), ids=CASES.keys())
def test_cases_match_reference(text):
    model = load_model(text, "case.scn")
    assert {v: tuple(model.dims_of[v]) for v in model.variables} == reference_model(text).sig
    for s in model.scenarios:
        assert_same_cells(evaluate(model, s), evaluate_reference(text, s), f"scenario {s}")


def test_per_member_overrides_match_reference():
    text = CASES["example"]
    sets = ["capex_growth[meta] = 0%", "mix[g400, 2026] = 20%"]
    model = load_model(text, "case.scn")
    result = evaluate(model, "bull", parse_overrides(model, sets))
    assert_same_cells(result, evaluate_reference(text, "bull", sets), "bull with --set")


INVALID = {
    "ambiguous": "x = 1\nx[goog] = 2\nx[2025] = 3\n",
    "ambiguous_two_dims": "x = 1\nx[goog] = 2\nx[g800] = 3\n",
    "ambiguous_member_map_and_member": "x = {goog: 1, meta: 2}\nx[g400] = 3\n",
    "overlap_member_map": "x[goog] = 1\nx = {goog: 2, meta: 3}\n",
    "unknown_member": "x = 1\ny = x[gogo]\n",
    "member_of_missing_dim": "x = {goog: 1, meta: 2}\ny = x[g400]\n",
    "sum_without_dim": "x = {goog: 1, meta: 2}\ny = sum(x)\n",
    "empty_member_read": "a = {goog: 1}\nb = a * 2\n",
    "cell_cycle": "a[goog] = a[meta]\na[meta] = a[goog] + 1\n",
    "aggregate_cycle": "x[goog] = 1\nx[meta] = sum(x, company)\n",
    "mixed_member_map": "x = {goog: 1, g400: 2}\n",
}


@pytest.mark.parametrize("defs", INVALID.values(), ids=INVALID.keys())
def test_invalid_models_are_refused_by_both(defs):
    text = "years 2024..2025\ndim company = {goog, meta}\ndim speed = {g400, g800}\n" + defs
    with pytest.raises(ReferenceInvalid):
        evaluate_reference(text)
    with pytest.raises(ScnError):
        load_model(text, "bad.scn")


def test_a_dim_declared_below_its_first_use_is_refused_by_both():
    """LANGUAGE-2: `dim NAME = {...}` comes before the first definition that uses it."""
    text = "years 2024..2025\nx = {goog: 1}\ndim company = {goog}\n"
    with pytest.raises(ReferenceInvalid):
        evaluate_reference(text)
    with pytest.raises(ScnError):
        load_model(text, "bad.scn")


def test_frame_keeps_a_nan_cell_next_to_an_empty_one():
    """Engine bug found here: Result.frame turned every NaN of a member row into an
    empty cell when the row had an empty cell (fill_nan(None) on the whole column)."""
    text = "years 2024..2025\ndim company = {goog}\nx[goog, 2024] = 0 / 0\n"
    result = evaluate(load_model(text, "nan.scn"))
    column = result.frame.get_column("x[goog]").to_list()
    assert math.isnan(column[0]) and column[1] is None
    assert math.isnan(result.series("x", ("goog",))[0])  # as series() says


def test_no_cycle_between_cells_through_a_variable_over_all_members():
    """Engine bug found here: cells, not pieces, make cycles. a[meta] reads y, which
    reads c[goog], which reads a[goog]: no cell reaches itself (a spreadsheet has no
    circular reference here), but c's one definition covers both members, and the
    engine reported `a[meta] -> y -> c -> a[meta]` (engine.graph now orders the
    cells one member at a time when definitions are in a loop)."""
    text = ("years 2024..2024\ndim company = {goog, meta}\n"
            "a = {goog: 5, meta: y + 1}\nc = a * 2\ny = c[goog]\n")
    want = {"a": {("goog",): [5.0], ("meta",): [11.0]},
            "c": {("goog",): [10.0], ("meta",): [22.0]}, "y": {(): [10.0]}}
    assert evaluate_reference(text) == want
    assert_same_cells(evaluate(load_model(text, "cells.scn")), want, "base")


def test_recompute_a_recurrence_reading_its_own_member_after_an_input_changed():
    """Engine bug found here: recompute raised KeyError '#>x[company=0]' (a traceback:
    the TUI recomputes on every edit) when b changed under x = x[goog, t-1] * b."""
    head = "years 2024..2026\ndim company = {goog, meta}\nx[2024] = {goog: 1, meta: 2}\n" \
           "x = x[goog, t-1] * b\n"
    previous = evaluate(load_model(head + "b = 1\n"))
    result = recompute(previous, load_model(head + "b = 2\n"))
    assert result.series("x", ("goog",)) == [1, 2, 4]
    assert result.series("x", ("meta",)) == [2, 2, 4]


def test_recompute_a_member_reading_another_member_in_the_same_year():
    """The same engine bug without time: b[meta] reads b[goog] (KeyError '#>b[company=0]')."""
    head = "years 2024..2024\ndim company = {goog, meta}\nb[goog] = 2\nb = 1 - b[goog] * a\n"
    result = recompute(evaluate(load_model(head + "a = 0\n")), load_model(head + "a = 1\n"))
    assert result.series("b", ("goog",)) == [2]
    assert result.series("b", ("meta",)) == [1 - 2 * 1]
