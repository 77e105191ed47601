"""Dimensions in the engine: inference, specificity, checks with positions, values.

Expected values are computed by hand in the comments (LANGUAGE-2 section 1).
"""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from dsl.errors import ScnError
from engine import evaluate, load_model
from engine.api import parse_overrides, recompute
from engine.sensitivity import derivatives

HEAD = "years 2024..2026\ndim company = {goog, meta, orcl}\ndim speed = {g400, g800}\n"


def model(body: str):
    return load_model(HEAD + textwrap.dedent(body), "m.scn")


def errors(body: str):
    with pytest.raises(ScnError) as e:
        model(body)
    return [(d.span.line, d.span.col, d.code, d.message, d.hint) for d in e.value.diagnostics]


CONTRACT = """\
years 2024..2030
dim company = {goog, meta, msft, amzn, orcl}
dim speed = {g400, g800, g1600}

capex[2024] = {goog: 52.5B, meta: 39.2B, msft: 76B, amzn: 83B, orcl: 7B}
capex = capex[t-1] * (1 + capex_growth)
capex_growth = 25%
capex_growth[orcl] = 60%
capex_growth[goog, 2025] = 62%          # Google's 2025 guide
na_capex = sum(capex, company)
capex_share = capex / na_capex           # one share per company
gbps = {g400: 400, g800: 800, g1600: 1600}   # a lookup table is a member map
mix = {g400: 50%, g800: 40%, g1600: 10%}
bandwidth = na_capex * 1% * mix / gbps   # dimensioned by speed
google_bw = bandwidth[g800] * capex_share[goog]

scenario bull {
  capex_growth[orcl] = 90%
}
"""


def test_the_contracts_example_infers_dims_and_evaluates():
    m = load_model(CONTRACT, "c.scn")
    assert dict(m.dims_of) == {
        "capex": ("company",), "capex_growth": ("company",), "na_capex": (),
        "capex_share": ("company",), "gbps": ("speed",), "mix": ("speed",),
        "bandwidth": ("speed",), "google_bw": ()}
    r = evaluate(m)
    assert r.series("capex", ("goog",))[:2] == [52.5e9, 52.5e9 * 1.62]  # the 2025 guide
    assert r.series("capex", ("meta",))[:2] == [39.2e9, 39.2e9 * 1.25]
    assert r.value("capex", 2025, ("orcl",)) == pytest.approx(7e9 * 1.6)
    total = 52.5e9 + 39.2e9 + 76e9 + 83e9 + 7e9
    assert r.value("na_capex", 2024) == total
    assert r.value("capex_share", 2024, ("goog",)) == 52.5e9 / total
    assert r.value("bandwidth", 2024, ("g800",)) == pytest.approx(total * 0.01 * 0.4 / 800)
    assert r.value("google_bw", 2024) == pytest.approx(total * 0.01 * 0.4 / 800 * 52.5e9 / total)
    bull = evaluate(m, "bull")
    assert bull.value("capex", 2025, ("orcl",)) == pytest.approx(7e9 * 1.9)
    assert bull.value("capex", 2025, ("meta",)) == r.value("capex", 2025, ("meta",))


def test_values_and_rows_are_in_output_order():
    m = model("x = {goog: 1, meta: 2, orcl: 3}\nw = {g400: 10, g800: 100}\ny = x * w\n")
    r = evaluate(m)
    assert m.dims_of["y"] == ("company", "speed")
    assert r.values("y").shape == (1, 3, 2, 3)
    labels = [m.label(v, ms) for v, ms, _ in r.rows(["y"])]
    assert labels == ["y[goog,g400]", "y[goog,g800]", "y[meta,g400]", "y[meta,g800]",
                      "y[orcl,g400]", "y[orcl,g800]"]
    assert [vals[0] for _, _, vals in r.rows(["y"])] == [10, 100, 20, 200, 30, 300]
    assert r.frame.columns[:3] == ["year", "x[goog]", "x[meta]"]


def test_per_axis_specificity_picks_the_cell_at_least_as_specific_everywhere():
    m = model("""\
        x = 1
        x[goog] = 2
        x[2025] = 3
        x[goog, 2025] = 4
        x[2026, meta] = 5
    """)
    r = evaluate(m)
    assert r.series("x", ("goog",)) == [2, 4, 2]
    assert r.series("x", ("meta",)) == [1, 3, 5]
    assert r.series("x", ("orcl",)) == [1, 3, 1]


def test_two_definitions_each_more_specific_on_another_axis_are_an_error_naming_the_cell():
    (e,) = errors("x[goog] = 1\nx[2025] = 2\n")
    line, col, code, message, hint = e
    assert (line, col, code) == (4, 1, "ambiguous")
    assert message == ("x[goog, 2025] is covered by this definition and the one on line 5, "
                       "each more specific on a different axis")
    assert hint == "define the cell itself: x[goog, 2025] = ..."


def test_a_member_map_leaves_unnamed_members_empty_and_a_read_of_them_is_an_error():
    (e,) = errors("x = {goog: 1, meta: 2}\ny = x * 2\n")
    assert e[:4] == (5, 5, "no-value", "x[orcl] has no value for 2024, used by line 5")
    assert e[4] == "give x[orcl] a value in 2024, e.g. x[orcl, 2024] = ..."


def test_a_selection_needs_only_the_selected_member():
    r = evaluate(model("x = {goog: 1, meta: 2}\ny = x[meta] * 10\n"))
    assert r.series("y") == [20, 20, 20]


@pytest.mark.parametrize("body, want", [
    ("x[gogo] = 1\n", (4, 3, "unknown-member", "unknown member 'gogo'", "did you mean 'goog'?")),
    ("x = 1\ny = x[goog]\n", (5, 7, "dim-mismatch",
     "'x' has no dim 'company' to select 'goog' from (it has no dims)",
     "read x without a subscript")),
    ("x = {goog: 1, meta: 2, orcl: 3}\ny = sum(x, speed)\n", (5, 12, "dim-mismatch",
     "'x' has no dim 'speed' to sum over (its dims: company)", "write sum(x, company)")),
    ("x = {goog: 1, meta: 2, orcl: 3}\ny = sum(x, compny)\n",
     (5, 12, "unknown-dim", "unknown dim 'compny'", "did you mean 'company'?")),
    ("x = {goog: 1, g400: 2}\n", (4, 15, "dim-mismatch",
     "member map mixes dims: 'g400' is in dim 'speed', 'goog' in dim 'company'",
     "a member map is keyed by the members of one dim (company)")),
    ("x = company + 1\n", (4, 5, "misplaced", "'company' is a dim, not a variable",
     "a dim stands only where members are summed: sum(x, company), mean(x, company), "
     "min(x, company) or max(x, company)")),
    ("x[goog] = 1\nx[goog] = 2\n", (4, 1, "overlap",
     "'x[goog]' is defined twice for 2024..2026: here and on line 5",
     "remove one, or make one of them cover other years")),
    ("x[goog, meta] = 1\n", (4, 9, "dim-mismatch",
     "'x[...]' names two members of dim 'company': goog and meta",
     "a subscript holds one member per dim: x[goog] or x[meta]")),
])
def test_static_errors_have_positions_and_hints(body, want):
    assert errors(body) == [want]


def test_sum_without_a_dim_of_a_dimensioned_variable_names_its_dims():
    (e,) = errors("x = {goog: 1, meta: 2, orcl: 3}\ny = sum(x)\n")
    assert e[:3] == (5, 5, "arguments")
    assert e[4] == ("x has dims (company): write sum(x, company) to sum over members, "
                    "or sum(x[2025..2030]) over years")


@pytest.mark.parametrize("text, want", [
    ("years 2024..2025\ndim c = {a, b}\na = 1\n",
     (2, 10, "dim-name", "member 'a' of dim 'c' is also a variable")),
    ("years 2024..2025\ndim c = {a, b}\nc = 1\n",
     (2, 5, "dim-name", "'c' names both a dim and a variable")),
    ("years 2024..2025\ndim c = {a, b}\ndim d = {b}\nx = 1\n",
     (3, 10, "dim-name", "member 'b' is in dim 'c' (line 2) and in dim 'd'")),
])
def test_declarations_that_clash_are_errors_at_the_name(text, want):
    with pytest.raises(ScnError) as e:
        load_model(text)
    assert [(d.span.line, d.span.col, d.code, d.message) for d in e.value.diagnostics] == [want]


def test_aggregates_over_a_dim_with_a_selection_on_another():
    r = evaluate(model("""\
        units = {goog: 1, meta: 2, orcl: 4}
        per = {g400: 10, g800: 100}
        bw = units * per
        total_800 = sum(bw[g800], company)
        avg = mean(bw, company)
        low = min(bw, company)
        high = max(units, company)
    """))
    assert r.series("total_800") == [700.0] * 3
    assert r.series("avg", ("g400",)) == [70 / 3] * 3
    assert r.series("low", ("g800",)) == [100.0] * 3
    assert r.series("high") == [4.0] * 3


def test_a_nan_member_makes_the_sum_nan():
    r = evaluate(model("x = {goog: 1, meta: 0, orcl: 1}\ny = 0 / x\ns = sum(y, company)\n"))
    assert np.isnan(r.series("s")[0])


def test_recurrences_per_member_and_across_dims():
    r = evaluate(model("""\
        b[2024] = {goog: 1, meta: 2, orcl: 3}
        b = b[t-1] + tot[t-1] * w
        tot = sum(b, company)
        w = {goog: 1%, meta: 2%, orcl: 3%}
        c = cumsum(b[goog])
        g[2025..] = growth(b)
    """))
    assert r.series("b", ("goog",))[:2] == [1, 1 + 6 * 0.01]
    assert r.series("b", ("meta",))[:2] == [2, 2 + 6 * 0.02]
    assert r.series("tot")[1] == pytest.approx(6 + 6 * 0.06)
    assert r.series("c")[:2] == [1, 1 + 1.06]
    assert r.series("g", ("orcl",))[0] is None


def test_members_of_one_variable_may_read_each_other_in_one_period():
    r = evaluate(model("share[goog] = 30%\nshare[meta] = 50%\n"
                       "share[orcl] = 1 - share[goog] - share[meta]\n"))
    assert r.series("share", ("orcl",)) == [1 - 0.3 - 0.5] * 3


def test_a_real_cycle_between_members_is_reported_with_both_definitions():
    (e,) = errors("share[goog] = share[orcl]\nshare[meta] = 50%\n"
                  "share[orcl] = 1 - share[goog] - share[meta]\n")
    assert e[2] == "cycle"
    assert e[3].startswith("circular reference in the same year: share[goog] -> share[orcl]")


def test_scenarios_and_overrides_replace_single_member_cells():
    m = model("x = 10%\nx[orcl] = 60%\nscenario bull {\n  x[orcl] = 90%\n}\n")
    assert evaluate(m, "bull").series("x", ("orcl",)) == [0.9] * 3
    assert evaluate(m, "bull").series("x", ("goog",)) == [0.1] * 3
    over = parse_overrides(m, ["x[goog, 2026] = 1", "x[meta] = {2025: 2}"])
    r = evaluate(m, "base", over)
    assert r.series("x", ("goog",)) == [0.1, 0.1, 1]
    assert r.series("x", ("meta",)) == [0.1, 2, 0.1]


def test_an_override_cannot_add_a_dim():
    m = model("x = 1\n")
    with pytest.raises(ScnError) as e:
        parse_overrides(m, ["x[goog] = 2"])
    (d,) = e.value.diagnostics
    assert (d.span.line, d.span.col, d.code) == (1, 3, "dim-mismatch")
    assert d.message == "'x' has no dim 'company' (it has no dims)"


def test_recompute_after_a_member_edit_matches_a_fresh_run():
    before = model("x = {goog: 1, meta: 2, orcl: 3}\ny = x * 2\nz = sum(y, company)\nk = 5\n")
    after = model("x = {goog: 1, meta: 20, orcl: 3}\ny = x * 2\nz = sum(y, company)\nk = 5\n")
    again = recompute(evaluate(before), after)
    fresh = evaluate(after)
    assert again.rows() == fresh.rows()
    assert again.series("z") == [48.0] * 3


def test_a_nonfinite_member_is_named_in_the_warning():
    r = evaluate(model("x = {goog: 1, meta: 0, orcl: 1}\ny = 1 / x\n"))
    (w,) = r.warnings
    assert w.message == "y[meta] is inf in 2024 (definition on line 5)"


def test_a_model_without_dims_keeps_one_frame_and_its_columns():
    m = load_model("years 2024..2025\nx = 1\ny = x + 1\n")
    r = evaluate(m)
    assert r.frames_by_dims is None and r.frame.columns == ["year", "x", "y"]


def test_a_one_line_scenario_block_is_refused_in_words_at_its_definition():
    with pytest.raises(ScnError) as e:
        load_model("years 2024..2025\nx = 1\nscenario bull { x = 2 }\n")
    (d,) = e.value.diagnostics
    assert (d.span.line, d.span.col, d.span.end_col) == (3, 17, 22)
    assert d.message == "a scenario block's definitions go on lines of their own"
    assert d.hint.startswith("write the block over three lines: scenario bull { / x = 2 / }")


def test_a_dim_declared_below_its_first_use_is_an_error_at_the_use():
    with pytest.raises(ScnError) as e:
        load_model("years 2024..2025\nx[goog] = 1\ndim c = {goog}\n")
    (d,) = e.value.diagnostics
    assert (d.span.line, d.span.col, d.code) == (2, 3, "structure")
    assert d.message == "dim 'c' is used here but declared below, on line 3"
    assert d.hint == "move the line 'dim c = {...}' above line 2"


def test_a_brace_in_a_scenario_title_is_no_one_line_block():
    m = load_model('years 2024..2025\nx = 1\nscenario bull "brace { inside" {\n  x = 2\n}\n')
    assert evaluate(m, "bull").series("x") == [2, 2]


def test_recompute_of_a_recurrence_reading_its_own_member():
    text = "x[2024] = {goog: 1, meta: 2, orcl: 3}\nx = x[goog, t-1] * b\nb = {}\n"
    before = model(text.replace("{}", "1"))
    after = model(text.replace("{}", "2"))
    again = recompute(evaluate(before), after)
    assert again.series("x", ("goog",)) == [1, 2, 4]
    assert again.series("x", ("meta",)) == [2, 2, 4]


def test_the_frame_keeps_a_nan_cell_beside_an_empty_one():
    r = evaluate(load_model("years 2024..2025\ndim c = {a}\nx[a, 2024] = 0 / 0\n"))
    got = r.frame.get_column("x[a]").to_list()
    assert np.isnan(got[0]) and got[1] is None


# ---------------------------------------------------------------- cycles of cells

CELLS = "years 2024..2025\ndim company = {goog, meta}\n"


def test_cells_in_no_loop_are_ordered_one_member_at_a_time():
    # c's one definition covers both members: definitions loop (a -> y -> c -> a), cells do not
    m = load_model(CELLS + "a = {goog: 5, meta: y + 1}\nc = a * 2\ny = c[goog]\n", "cells.scn")
    r = evaluate(m)
    assert r.series("a", ("meta",)) == [11, 11] and r.series("c", ("meta",)) == [22, 22]
    assert r.series("y") == [10, 10]


def test_a_cell_that_reads_itself_is_named_with_its_member():
    text = CELLS + "a = {goog: 5, meta: y + 1}\nc = a * 2\ny = c[meta]\n"
    with pytest.raises(ScnError) as e:
        load_model(text, "cells.scn")
    [d] = e.value.diagnostics
    assert d.code == "cycle"
    assert d.message == ("circular reference in the same year: a[meta] -> y -> c[meta] -> a[meta] "
                         "(a[meta] on line 3, y on line 5, c[meta] on line 4)")


def test_sensitivity_through_members_read_in_the_same_year():
    # share[orcl] reads share[goog] in its own year: the graph orders pieces, and the
    # tangent follows that order (it once read the piece index as the period)
    text = """years 2024..2026
dim company = {goog, meta, orcl}
g = 10%
share[2024] = {goog: 30%, meta: 30%, orcl: 40%}
share[goog] = share[goog, t-1] * (1 + g)
share[meta] = share[meta, t-1] * (1 + g)
share[orcl] = 1 - share[goog] - share[meta]
x = share * 100
"""
    m = load_model(text, "share.scn")
    d = derivatives(m, "x[orcl]", "g")
    # x[orcl] = 100 * (1 - 0.6 * (1 + g)^k): d/dg = -60 * k * (1 + g)^(k-1)
    assert d.derivative == pytest.approx([0.0, -60.0, -132.0], rel=1e-12)


def test_sensitivity_through_cells_ordered_one_member_at_a_time():
    m = load_model(CELLS + "k = 2\na = {goog: 5, meta: y + 1}\nc = a * k\ny = c[goog]\n", "cells.scn")
    # a[meta] = c[goog] + 1 = 5k + 1
    assert derivatives(m, "a[meta]", "k").derivative == pytest.approx([5.0, 5.0], rel=1e-12)


def test_recompute_through_cells_ordered_one_member_at_a_time():
    # found by the dims property test: Model[g800] reads a[g400], which reads Model[g400]
    head = "years 2024..2024\ndim speed = {g400, g800}\n"
    before = evaluate(load_model(head + "a = {g400: 0, g800: 0}\nModel = 0\nModel[g800] = 0 + a[g400]\n"))
    after = recompute(before, load_model(head + "a = Model\nModel = 3\nModel[g800] = 1 + a[g400]\n"))
    assert after.series("Model", ("g800",)) == [4] and after.series("a", ("g800",)) == [4]


def test_an_override_cannot_read_a_dim_its_variable_lacks():
    # b is per company (a scenario pins b[goog]); c has no dims. In the file,
    # c = b would make c per company; as an override it would change the shape
    # the frames were laid out for (the engine raised a numpy broadcast error).
    m = load_model(HEAD + "b[2024] = 0\nb = b[t-1] + 1\nc = 0\n"
                   "scenario bull {\n  b[goog] = 0\n}\n")
    with pytest.raises(ScnError) as e:
        parse_overrides(m, ["c = b"])
    d = e.value.diagnostics[0]
    assert (d.span.line, d.span.col) == (1, 5)
    assert d.message == "'b' is per company, 'c' is not (it has no dims)"
    assert "sum(b, company)" in d.hint and "b[goog]" in d.hint
    for ok in ("c = sum(b, company)", "c = b[meta] * 2", "c = mean(b, company) + 1"):
        r = evaluate(m, "base", parse_overrides(m, [ok]))
        assert r.series("c")[1] is not None
