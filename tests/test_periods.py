"""Periods shorter than a year (LANGUAGE-2.md section 2), rule by rule: each
value below is computed by hand, each error asserted with its position."""

from __future__ import annotations

import pytest

from dsl.document import parse_document
from dsl.errors import ScnError
from dsl.format import format_text
from dsl.parser import parse_statement
from engine import evaluate, parse_overrides
from helpers import errors, model, values

Q = "quarters 2025Q1..2026Q4\n"
M = "months 2025-01..2025-12\n"


def first_error(text: str) -> tuple[int, int, str, str | None]:
    try:
        model(text)
    except ScnError as e:
        d = e.diagnostics[0]
        return d.span.line, d.span.col, d.message, d.hint
    raise AssertionError("expected an error")


# ---------------------------------------------------------------- the axis line


def test_the_axis_line_names_the_periods():
    for text, labels in [
        ("quarters 2025Q3..2026Q2\nx = 1\n", ["2025Q3", "2025Q4", "2026Q1", "2026Q2"]),
        ("months 2025-11..2026-02\nx = 1\n", ["2025-11", "2025-12", "2026-01", "2026-02"]),
        ("years 2024..2026\nx = 1\n", ["2024", "2025", "2026"]),
    ]:
        m = model(text)
        assert list(m.labels) == labels
        assert m.axis.unit == text.split()[0]


@pytest.mark.parametrize("text, col, message", [
    ("y 5", 3, "a definition needs '=' and an expression"),
    ("y 5 = 3", 3, "a definition needs '=' and an expression"),
    ("y 5M", 3, "a definition needs '=' and an expression"),
    ("y 2025..2026", 3, "a definition needs '=' and an expression"),
    ("quarters 2025Q1", 10, "an axis line is written quarters 2025Q1..2027Q4"),
    ("months 2025-01..", 8, "an axis line is written months 2025-01..2027-12"),
    ("years 2024", 11, "unexpected end of line"),
])
def test_a_name_then_a_number_is_a_definition_without_its_equals_unless_an_axis(text, col,
                                                                               message):
    with pytest.raises(ScnError) as e:
        parse_statement(text, 1)
    d = e.value.diagnostics[0]
    assert (d.span.col, d.message) == (col, message)


def test_quarters_and_months_stay_names_where_no_axis_line_stands():
    v = values("years 2024..2025\nquarters = 4\nmonths = quarters * 3\n"
               "months_left[2025] = months - 1\n")
    assert v["months"] == [12.0, 12.0] and v["months_left"] == [None, 11.0]


@pytest.mark.parametrize("text, line, col, message", [
    ("quarters 2025..2026\nx = 1\n", 1, 10, "'quarters' runs between quarters, not years"),
    ("years 2025Q1..2026Q4\nx = 1\n", 1, 7, "'years' runs between years, not quarters"),
    ("months 2025-01..2025Q4\nx = 1\n", 1, 17, "'months' runs between months, not quarters"),
    ("quarters 2026Q1..2025Q1\nx = 1\n", 1, 10, "quarters 2026Q1..2025Q1 run backwards"),
    ("quarters 2025Q1..2025Q4\nyears 2024..2025\nx = 1\n", 2, 1,
     "'years' is given after 'quarters' (line 1): a model has one time axis"),
])
def test_axis_line_errors(text, line, col, message):
    assert first_error(text)[:3] == (line, col, message)


# ---------------------------------------------------------------- labels


@pytest.mark.parametrize("text, col, message, hint", [
    ("x[2025Q5] = 1", 3, "quarter 2025Q5 does not exist: a year has quarters Q1 to Q4",
     "write 2025Q1 to 2025Q4"),
    ("x[2025q2] = 1", 3, "a quarter is written with a capital Q: 2025Q2", "write 2025Q2"),
    ("x[2025-13] = 1", 3, "month 2025-13 does not exist: months run 01 to 12",
     "write 2025-01 to 2025-12"),
    ("x[2025-7] = 1", 3, "a month is written with two digits: 2025-07", "write 2025-07"),
    ("x[2025 - 07] = 1", 3, "a selector holds a period, not a subtraction",
     "a month is written 2025-07, without spaces; an earlier period is x[t-1]"),
    ("y = sum(x[2024Q1..2025Q0])", 19, "quarter 2025Q0 does not exist: a year has quarters "
     "Q1 to Q4", "write 2025Q1 to 2025Q4"),
    ("y = {2025-00: 1}", 6, "month 2025-00 does not exist: months run 01 to 12",
     "write 2025-01 to 2025-12"),
    ("x[2026Q1..2025] = 1", 3, "range 2026Q1..2025 runs backwards", "write 2025..2026Q1"),
])
def test_a_label_that_names_no_period_is_refused_where_it_stands(text, col, message, hint):
    with pytest.raises(ScnError) as e:
        parse_statement(text, 7)
    d = e.value.diagnostics[0]
    assert (d.span.line, d.span.col, d.message, d.hint) == (7, col, message, hint)


@pytest.mark.parametrize("text, line, col, message, hint", [
    (M + "x[2025Q3] = 1\n", 2, 3, "2025Q3 is a quarter, but this model's periods are months",
     "write its months: 2025-07..2025-09"),
    (Q + "x = 1\ny = x[2025-07]\n", 3, 5, "2025-07 is a month, but this model's periods are "
     "quarters", "write its quarter: 2025Q3"),
    ("years 2024..2026\nx = {2025Q1: 1}\n", 2, 6, "2025Q1 is a quarter, but this model's periods "
     "are years", "write the year, 2025, or make the model quarters: quarters 2025Q1..2027Q4"),
    (Q + "x[2024Q4] = 1\n", 2, 3, "quarter 2024Q4 is outside the model quarters 2025Q1..2026Q4",
     "change the quarter or widen the 'quarters' line"),
    (Q + "x = 1\ny = x[2027Q1]\n", 3, 5, "quarter 2027Q1 is outside the model quarters "
     "2025Q1..2026Q4", "change the quarter or widen the 'quarters' line"),
    (Q + "x[2024] = 1\n", 2, 3, "year 2024 is outside the model quarters 2025Q1..2026Q4",
     "change the year or widen the 'quarters' line"),
    (Q + "x = 1\ny = interp({2025: 1, 2025Q2: 2, 2025-04: 3})\n", 3, 33,
     "2025-04 is a month, but this model's periods are quarters", "write its quarter: 2025Q2"),
])
def test_a_label_the_axis_cannot_hold_is_an_error_at_its_position(text, line, col, message,
                                                                   hint):
    assert first_error(text) == (line, col, message, hint)


def test_a_month_in_a_formula_stays_a_subtraction():
    v = values(M + "a = 2025-07\nb = x[2025-07] - 2025-07\nx = 1\n")
    assert v["a"] == [2018.0] * 12
    assert v["b"] == [1.0 - 2025.0 - 7.0] * 12  # x[2025-07] is x in July
    assert values("years 2024..2024\na = 2025-07\n")["a"] == [2018.0]


# ---------------------------------------------------------------- t and the calendar


def test_t_is_the_periods_start_in_fractional_years_computed_one_way():
    q = values(Q + "x = t\n")["x"]
    assert q == [2025.0, 2025.25, 2025.5, 2025.75, 2026.0, 2026.25, 2026.5, 2026.75]
    m = values(M + "x = t\ny = t - 2025\n")
    assert m["x"] == [(2025 * 12 + k) / 12 for k in range(12)]  # one division each
    assert m["x"][6] == 2025.5 and m["y"][6] == 0.5


def test_year_quarter_month():
    q = values(Q + "y = year()\nq = quarter()\nm = month()\n")
    assert q["y"] == [2025.0] * 4 + [2026.0] * 4
    assert q["q"] == [1.0, 2.0, 3.0, 4.0] * 2
    assert q["m"] == [1.0, 4.0, 7.0, 10.0] * 2  # the quarter's first month
    m = values("months 2025-11..2026-02\ny = year()\nq = quarter()\nm = month()\n")
    assert (m["y"], m["q"], m["m"]) == ([2025.0, 2025.0, 2026.0, 2026.0], [4.0, 4.0, 1.0, 1.0],
                                        [11.0, 12.0, 1.0, 2.0])
    y = values("years 2024..2025\ny = year()\nq = quarter()\nm = month()\n")
    assert (y["y"], y["q"], y["m"]) == ([2024.0, 2025.0], [1.0, 1.0], [1.0, 1.0])


# ---------------------------------------------------------------- references


def test_lags_read_the_previous_period_and_a_label_reads_a_fixed_one():
    v = values(Q + "x[2025Q1] = 1\nx = x[t-1] + 1\nfixed = x[2025Q3] * 10\nnext[..2026Q3] = x[t+1]\n")
    assert v["x"] == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
    assert v["fixed"] == [30.0] * 8
    assert v["next"] == [2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, None]


def test_a_bare_year_in_a_formula_offers_both_readings():
    assert first_error(Q + "x = 1\ny = 2 * x[2025]\n") == (
        3, 9, "x[2025] reads a whole year, but this model's periods are quarters",
        "for the year's total write sum(x[2025]), for one quarter x[2025Q4]")
    assert first_error(M + "x = 1\ny = x[2025]\n")[3] == (
        "for the year's total write sum(x[2025]), for one month x[2025-12]")


def test_a_year_as_the_argument_of_an_aggregate_is_the_whole_year():
    v = values(Q + "x[2025Q1] = 1\nx = x[t-1] * 2\ns = sum(x[2025])\nm = mean(x[2025..2026])\n"
               "lo = min(x[2026])\nhi = max(x[2025..2025Q2])\nh1 = sum(x[2025Q1..2025Q2])\n")
    # x: 1 2 4 8 | 16 32 64 128
    assert v["s"] == [15.0] * 8
    assert v["m"] == [255.0 / 8] * 8
    assert v["lo"] == [16.0] * 8 and v["hi"] == [2.0] * 8 and v["h1"] == [3.0] * 8


def test_a_year_read_in_part_is_an_error_but_a_selector_takes_the_part_on_the_axis():
    v = values("quarters 2025Q3..2026Q2\nx[2025] = 1\nx[2026] = 2\n")
    assert v["x"] == [1.0, 1.0, 2.0, 2.0]
    assert first_error("quarters 2025Q3..2026Q2\nx = 1\ny = sum(x[2025])\n")[:3] == (
        3, 11, "year 2025 is only partly inside the model quarters 2025Q3..2026Q2 "
        "(2025Q1 is not)")


# ---------------------------------------------------------------- a year where a period is expected


def test_a_year_selector_ranks_as_a_range_so_a_period_beats_it():
    v = values(Q + "capex[2025] = 85.1B / 4\ncapex[2025Q2] = 22.4B\ncapex[2026] = 100\n")
    assert v["capex"] == [85.1e9 / 4, 22.4e9, 85.1e9 / 4, 85.1e9 / 4, 100.0, 100.0, 100.0, 100.0]
    # two range-ranked definitions of one period are the version-1 overlap
    assert first_error(Q + "x[2025] = 1\nx[2025Q2..2025Q3] = 2\n")[:3] == (
        2, 1, "'x' is defined twice for 2025Q2..2025Q3: here and on line 3")


def test_year_map_keys_and_range_ends_stand_for_their_periods():
    v = values(Q + "g = {2025: 30%, 2026..: 25%}\nh = {..2025Q2: 1, 2025Q3..2026: 2}\n"
               "k[2025Q4..2026Q1] = 7\nj[..2025] = 1\nj[2026Q1..] = 2\n")
    assert v["g"] == [0.3] * 4 + [0.25] * 4
    assert v["h"] == [1.0, 1.0] + [2.0] * 6
    assert v["k"] == [None, None, None, 7.0, 7.0, None, None, None]
    assert v["j"] == [1.0] * 4 + [2.0] * 4


def test_interp_and_step_keys_as_years_or_periods_linear_in_t():
    v = values(Q + "a = interp({2025: 0, 2026: 4})\nb = interp({2025Q2: 1, 2026Q2: 5})\n"
               "c = step({2025: 1, 2025Q3: 2, 2026: 3})\n")
    assert v["a"] == [0.0, 1.0, 2.0, 3.0, 4.0, 4.0, 4.0, 4.0]
    assert v["b"] == [1.0, 1.0, 2.0, 3.0, 4.0, 5.0, 5.0, 5.0]
    assert v["c"] == [1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 3.0, 3.0]
    m = values(M + "a = interp({2025: 0, 2026: 12})\n")
    assert m["a"][6] == 6.0  # July: half way, t - 2025 = 0.5
    assert first_error(Q + "a = interp({2025: 0, 2025Q1: 1})\n")[:3] == (
        2, 22, "2025Q1 and 2025 are the same point in interp (a year key stands at its first "
        "period)")


# ---------------------------------------------------------------- yoy, ytd, ttm


def test_yoy_ytd_ttm_by_hand():
    v = values(Q + "x = {..2025Q2: 10, 2025Q3..2025: 20, 2026: 30}\n"
               "y[2026..] = yoy(x)\nd = ytd(x)\nm[2025Q4..] = ttm(x)\n")
    # x: 10 10 20 20 | 30 30 30 30
    assert v["y"] == [None] * 4 + [2.0, 2.0, 0.5, 0.5]
    assert v["d"] == [10.0, 20.0, 40.0, 60.0, 30.0, 60.0, 90.0, 120.0]
    assert v["m"] == [None, None, None, 60.0, 80.0, 100.0, 110.0, 120.0]
    yearly = values("years 2024..2026\nx = {2024: 2, 2025: 3, 2026: 6}\ny[2025..] = yoy(x)\n"
                    "g[2025..] = growth(x)\nd = ytd(x)\nm = ttm(x)\n")
    assert yearly["y"] == yearly["g"] == [None, 0.5, 1.0]
    assert yearly["d"] == yearly["m"] == [2.0, 3.0, 6.0]


def test_monthly_ttm_sums_twelve_months_oldest_first():
    v = values("months 2025-01..2026-03\nx = month()\nm[2025-12..] = ttm(x)\n"
               "d = ytd(x)\n")
    assert v["m"][11:] == [78.0, 78.0, 78.0, 78.0]
    assert v["d"] == [1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 66, 78, 1, 3, 6]


@pytest.mark.parametrize("text, line, col, message, hint", [
    (Q + "x = 1\ny = yoy(x)\n", 3, 5, "yoy(x) in 2025Q1 reads 2024Q1, a year earlier, before "
     "the first model quarter 2025Q1 (in the definition on line 3)",
     "start the definition later: y[2026Q1..] = ..."),
    (Q + "x = 1\ny[2025Q2..] = ttm(x)\n", 3, 15, "ttm(x) in 2025Q2 sums back to 2024Q3, "
     "before the first model quarter 2025Q1 (in the definition on line 3)",
     "start the definition later: y[2025Q4..] = ..."),
    ("quarters 2025Q3..2026Q4\nx = 1\ny = ytd(x)\n", 3, 5, "ytd(x) in 2025Q3 sums from 2025Q1, "
     "the start of its year, before the first model quarter 2025Q3 (in the definition on "
     "line 3)", "start the definition later: y[2026Q1..] = ..."),
    (Q + "x = 1\ny = growth(x)\n", 3, 5, "growth(x) has no previous quarter in 2025Q1, the "
     "first model quarter (in the definition on line 3)",
     "start the definition later: y[2025Q2..] = ..."),
    (Q + "x = 1\ny = x[t-1]\n", 3, 5, "x[t-1] reaches 2024Q4, before the first model quarter "
     "2025Q1 (in the definition on line 3)", "define the first quarter explicitly: "
     "x[2025Q1] = ..., or start this definition later: y[2025Q2..] = ..."),
    (Q + "x = 1\ny = cagr(x, 2025, 2026)\n", 3, 5, "cagr reads two years, but this model's "
     "periods are quarters", "for yearly totals write sum(x[2026]) / sum(x[2025]) - 1; "
     "between year ends x[2026Q4] / x[2025Q4] - 1"),
])
def test_reads_before_the_first_period_are_errors_with_where_to_start(text, line, col,
                                                                     message, hint):
    assert first_error(text) == (line, col, message, hint)


def test_an_empty_period_read_names_the_period():
    assert first_error(Q + "x[2025Q2..] = 1\ny = x * 2\n")[:3] == (
        3, 5, "x has no value for 2025Q1, used by line 3")


# ---------------------------------------------------------------- dims and periods


def test_a_quarterly_model_per_company():
    v = model(Q + "dim company = {goog, meta}\n"
              "capex[2025] = {goog: 85.1B / 4, meta: 17.5B}\ncapex[goog, 2025Q2] = 22.4B\n"
              "capex[2026..] = capex[t-4] * (1 + g)\ng = {goog: 20%, meta: 10%}\n"
              "year_total = sum(capex[2025])\ntotal = sum(capex, company)\n"
              "ytd_goog = ytd(capex[goog])\n")
    r = evaluate(v)
    goog = [85.1e9 / 4, 22.4e9, 85.1e9 / 4, 85.1e9 / 4]
    assert r.series("capex", ("goog",)) == goog + [x * 1.2 for x in goog]
    assert r.series("year_total", ("goog",))[0] == 3 * (85.1e9 / 4) + 22.4e9
    assert r.series("year_total", ("meta",))[0] == 4 * 17.5e9
    assert r.series("total")[1] == 22.4e9 + 17.5e9
    assert r.series("ytd_goog")[1] == 85.1e9 / 4 + 22.4e9
    assert [c for c in r.frame.columns][:3] == ["period", "capex[goog]", "capex[meta]"]


def test_a_scenario_and_set_replace_periods_as_a_layer():
    m = model(Q + "g = 5%\ng[2025Q2] = 6%\nscenario up {\n  g[2025] = 7%\n}\n")
    assert evaluate(m, "up").series("g") == [0.07] * 4 + [0.05] * 4
    r = evaluate(m, "base", parse_overrides(m, ["g[2025Q2] = 5%", "g[2026Q3..] = 1%"]))
    assert r.series("g") == [0.05] * 6 + [0.01] * 2
    with pytest.raises(ScnError) as e:
        parse_overrides(m, ["g[2025-05] = 1"])
    d = e.value.diagnostics[0]
    assert (d.source, d.span.line, d.span.col, d.message) == (
        "--set", 1, 3, "2025-05 is a month, but this model's periods are quarters")


# ---------------------------------------------------------------- text


def test_fmt_keeps_period_labels_as_written():
    text = (Q + "x[2025Q1]=1\nx[2025Q2..2026]   = x[t-1]*2\ny = {2025:1,2026Q1..:2}\n"
            "z = sum(x[2025])+x[2025Q3]\nw = interp({2025Q1:1, 2026: 2})\n")
    out = format_text(text)
    assert out == (Q + "x[2025Q1] = 1\nx[2025Q2..2026] = x[t-1] * 2\ny = {2025: 1, 2026Q1..: 2}\n"
                   "z = sum(x[2025]) + x[2025Q3]\nw = interp({2025Q1: 1, 2026: 2})\n")
    assert format_text("months   2025-01..2025-12\nx[2025-07] = 1\n") == (
        "months 2025-01..2025-12\nx[2025-07] = 1\n")
    doc = parse_document(out)
    assert doc.years.unit == "quarters" and (doc.years.start, doc.years.end) == (8100, 8107)


def test_the_editor_writes_a_period_cell():
    from dsl.edit import cell_line, insert_line, last_definition_line

    text = Q + "g = 5%  # base\ny = g * 2\n"
    after = last_definition_line(parse_document(text), "g")
    out = insert_line(text, after, cell_line("g", (), "2025Q2", "6%  # guide"))
    assert out == Q + "g = 5%  # base\ng[2025Q2] = 6%  # guide\ny = g * 2\n"
    assert values(out)["y"][:2] == [0.1, 0.12]


def test_an_edit_of_a_period_definition_goes_through_the_engine():
    from engine.api import recompute
    from engine.edit import replace_definition

    m = model(Q + "g = 5%\ng[2025Q2] = 6%\ny = ytd(g)\n")
    before = evaluate(m)
    old = next(d for d in m.info["g"].definitions if d.years is not None)
    new = parse_statement("g[2025Q2] = 10%", 3)
    edited = replace_definition(m, "base", "g", old, new)
    assert recompute(before, edited).series("y")[:3] == pytest.approx([0.05, 0.15, 0.2])


def test_a_recurrence_computes_the_window_functions_as_a_column_does():
    """The cell-by-cell back-end (a variable reaching itself through time) against
    the vectorized one, bit for bit: the same formula, once in a recurrence."""
    v = values("months 2024-11..2026-02\nz = month() + interp({2024-11: 0, 2026: 7%})\n"
               "col[2025-11..] = ytd(z) + ttm(z) * 2 + yoy(z) + quarter() + t\n"
               "rec[..2025-10] = 0\n"
               "rec[2025-11..] = rec[t-1] * 0 + ytd(z) + ttm(z) * 2 + yoy(z) + quarter() + t\n")
    assert v["rec"][12:] == v["col"][12:]
    assert all(x is not None for x in v["rec"][12:])
    w = values("months 2024-11..2026-02\nz = month()\n"
               "r[..2025-10] = 0\nr[2025-11..] = r[t-1] * 0 + ytd(z) + ttm(z) * 2 + yoy(z) + t\n")
    # 2025-11: ytd 1 + ... + 11, ttm 12 + 1 + ... + 11, yoy 11 / 11 - 1
    assert w["r"][12] == 66.0 + 78.0 * 2 + 0.0 + (2025 * 12 + 10) / 12


def test_a_label_reads_back_as_written_before_the_year_1000():
    text = "quarters 0999Q3..1000Q2\nx[0999Q4] = 1\nx = 0\n"
    assert format_text(text) == text
    assert list(model(text).labels) == ["0999Q3", "0999Q4", "1000Q1", "1000Q2"]
