"""Gradual unit checking on hand-written models: what is inferred, and each warning's
position, message and hint."""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pytest

from cli.main import main
from engine import evaluate, load_model
from engine.rollup import LAST, aggregations, roll_up
from display.kinds import aggregations_of
from engine.unit_check import (aggregation_of, declared_aggregations,
                               unit_declared, unit_of, unit_warnings, units)

HEAD = """\
years 2024..2027
dim company = {goog, meta}
gpu_spend: USD = 100B
gpu_cost: USD/PFLOPS = 15k
gpu_compute: PFLOPS = gpu_spend / gpu_cost
"""


def model(body: str, head: str = HEAD):
    return load_model(head + textwrap.dedent(body), "m.scn")


def warned(body: str, head: str = HEAD) -> list[tuple[int, int, int, str]]:
    m = model(body, head)
    assert list(m.warnings) == unit_warnings(m)
    return [(w.span.line, w.span.col, w.span.end_col, w.message) for w in m.warnings]


def only_warning(body: str, head: str = HEAD):
    m = model(body, head)
    assert len(m.warnings) == 1, m.warnings
    w = m.warnings[0]
    assert w.severity == "warning" and w.code == "unit" and w.source == "m.scn"
    return w


# ---------------------------------------------------------------- inference


def test_declared_units_and_units_combined_through_multiplication_and_division():
    m = model("""\
        per_unit = gpu_spend / gpu_compute
        twice = 2 * gpu_spend
        inverse = 1 / gpu_cost
        squared = gpu_compute ^ 2
        root = sqrt(squared)
        """)
    u = units(m)
    assert {v: str(u[v]) for v in ("gpu_spend", "gpu_cost", "gpu_compute", "per_unit", "twice",
                                   "inverse", "squared", "root")} == {
        "gpu_spend": "USD", "gpu_cost": "USD/PFLOPS", "gpu_compute": "PFLOPS",
        "per_unit": "USD/PFLOPS", "twice": "USD", "inverse": "PFLOPS/USD",
        "squared": "PFLOPS^2", "root": "PFLOPS"}
    assert unit_declared(m, "gpu_compute") and not unit_declared(m, "per_unit")


def test_percent_literals_maps_and_growth_functions_are_percentages():
    m = model("""\
        share = 30%
        mix = {2024: 10%, 2025..: 20%}
        path = interp({2024: 1%, 2027: 4%})
        by_co = {goog: 5%, meta: 6%}
        g[2025..] = growth(gpu_spend)
        c = cagr(gpu_spend, 2024, 2027)
        plain = 5B
        later = plain * 2
        when = t - 2024
        """)
    assert {v: (str(unit_of(m, v)) if unit_of(m, v) else None)
            for v in ("share", "mix", "path", "by_co", "g", "c", "plain", "later", "when")} == {
        "share": "%", "mix": "%", "path": "%", "by_co": "%", "g": "%", "c": "%",
        "plain": None, "later": None, "when": None}


def test_units_propagate_through_sums_aggregates_if_and_recurrences():
    m = model("""\
        total = gpu_spend + 5B
        biggest = max(gpu_spend, 1)
        chosen = if(t > 2025, gpu_spend, 0)
        capex = capex[t-1] * (1 + growth_rate)
        capex[2024] = gpu_spend
        growth_rate = 10%
        per_co[goog] = gpu_spend * 60%
        per_co[meta] = gpu_spend * 40%
        both = sum(per_co, company)
        running = cumsum(gpu_spend)
        spread = gpu_spend to 2 * gpu_spend
        """)
    for v in ("total", "biggest", "chosen", "capex", "per_co", "both", "running", "spread"):
        assert str(unit_of(m, v)) == "USD", v
    assert m.warnings == ()


def test_unknown_stays_unknown_and_is_never_warned_about():
    m = model("""\
        mystery = 5
        mixed = gpu_spend + mystery * gpu_compute
        """)
    assert unit_of(m, "mystery") is None and unit_of(m, "mixed") is None
    assert m.warnings == ()


def test_periods_ytd_ttm_keep_the_unit_and_yoy_is_a_percentage():
    m = load_model(textwrap.dedent("""\
        quarters 2025Q1..2026Q4
        revenue: USD = 10M
        year_to_date = ytd(revenue)
        trailing[2026..] = ttm(revenue)
        change[2026..] = yoy(revenue)
        """), "q.scn")
    assert [str(unit_of(m, v)) for v in ("year_to_date", "trailing", "change")] == [
        "USD", "USD", "%"]


# ---------------------------------------------------------------- warnings


def test_a_sum_of_two_units_is_warned_at_the_expression():
    w = only_warning("bad = gpu_spend + gpu_compute\n")
    assert (w.span.line, w.span.col, w.span.end_col, w.message) == (6, 7, 30, "USD + PFLOPS")
    assert w.hint == ("gpu_spend is USD, gpu_compute is PFLOPS: convert one, "
                      "or fix an annotation")


def test_a_difference_inside_a_larger_expression_is_warned_at_itself():
    assert warned("x = 2 * (gpu_compute - gpu_spend / 1000)\n") == [
        (6, 10, 40, "PFLOPS - USD")]


def test_comparisons_min_max_clamp_if_maps_and_distributions_agree():
    assert warned("""\
        a = if(gpu_spend > gpu_compute, 1, 0)
        b = min(gpu_spend, gpu_compute)
        c = clamp(gpu_spend, 0, gpu_compute)
        d = if(t > 2025, gpu_spend, gpu_compute)
        e = {2024: gpu_spend, 2025..: gpu_compute}
        f = normal(gpu_spend, gpu_compute)
        g = gpu_spend to gpu_compute
        """) == [
        (6, 8, 31, "USD > PFLOPS"),
        (7, 5, 32, "min of USD and PFLOPS"),
        (8, 5, 37, "clamp of USD and PFLOPS"),
        (9, 5, 41, "if branches of USD and PFLOPS"),
        (10, 31, 42, "a map of USD and PFLOPS"),
        (11, 5, 35, "normal of USD and PFLOPS"),
        (12, 5, 29, "USD to PFLOPS"),
    ]


def test_an_expression_against_its_annotation():
    w = only_warning("capex: USD = gpu_compute\n")
    assert (w.span.line, w.span.col, w.span.end_col) == (6, 14, 25)
    assert w.message == "capex is annotated USD, this is PFLOPS"
    assert "gpu_compute is PFLOPS" in w.hint


def test_a_map_entry_against_its_annotation_is_warned_at_the_entry():
    assert warned("capex: USD = {2024: 1B, 2025..: gpu_compute}\n") == [
        (6, 33, 44, "capex is annotated USD, this is PFLOPS")]


def test_a_plain_number_above_one_for_a_percentage():
    w = only_warning("growth: % = 30\n")
    assert (w.span.line, w.span.col, w.span.end_col) == (6, 13, 15)
    assert w.message == "30 is 3000%; did you mean 30%?"
    assert w.hint == "growth is %: write 30% for 30 percent, or 0.3 as a fraction"
    assert warned("g: % = {2024: 0.3, 2025..: 12.5}\n") == [
        (6, 28, 32, "12.5 is 1250%; did you mean 12.5%?")]
    assert warned("g: % = 0.3\nh: % = 30%\nk: x = 3.8\nn: % = -1\n") == []


def test_percent_multiple_and_plain_are_one_unit_for_checking():
    assert warned("""\
        share: % = 30%
        mult: x = 3.8
        ratio: 1 = share * mult + share
        back: % = gpu_spend / gpu_spend
        """) == []


def test_a_non_integer_power_of_a_unit():
    assert warned("r = gpu_spend ^ 0.5\nok = (1 + 10%) ^ (t - 2024)\nsq = gpu_spend ^ 2\n") == [
        (6, 5, 20, "USD ^ 0.5")]


def test_definitions_of_one_unannotated_variable_that_disagree():
    assert warned("""\
        per_co[goog] = gpu_spend
        per_co[meta] = gpu_compute
        """) == [(7, 16, 27, "per_co is USD on line 6 and PFLOPS here")]


def test_a_scenario_override_is_checked_against_the_annotation():
    m = model("""\
        capex: USD = gpu_spend
        scenario bull {
          capex[2026..] = gpu_compute
          gpu_cost = 12k
        }
        """)
    (w,) = m.warnings
    assert (w.span.line, w.span.col, w.subject.scenario) == (8, 19, "bull")


def test_a_per_member_annotation_holds_for_every_member():
    assert warned("""\
        capex[goog]: USD = 5B
        capex[meta] = gpu_compute
        """) == [(7, 15, 26, "capex is annotated USD, this is PFLOPS")]


def test_a_file_without_annotations_gets_no_unit_warning():
    m = load_model(textwrap.dedent("""\
        years 2024..2025
        a = 5
        b = a + 30%
        c[2025] = growth(a) * 2 + a ^ 0.5
        """), "m.scn")
    assert m.warnings == () and unit_warnings(m) == []


# ---------------------------------------------------------------- the API and roll-up


def test_aggregation_of_and_the_roll_up_by_last():
    m = load_model(textwrap.dedent("""\
        quarters 2025Q1..2026Q4
        new_customers: count = 10
        customers: count last = customers[t-1] + new_customers
        customers[2025Q1] = 100
        margin: % mean = 30%
        """), "q.scn")
    assert aggregation_of(m, "customers") == "last" and aggregation_of(m, "new_customers") is None
    assert declared_aggregations(m) == {"customers": "last", "margin": "mean"}
    how = aggregations(m.variables, {}, declared=declared_aggregations(m))
    assert how["customers"] == LAST
    assert aggregations_of(m) == {"new_customers": "sum", "customers": "last",
                                      "margin": "mean"}
    assert aggregations_of(load_model(
        "quarters 2025Q1..2025Q4\ng = 5%\nr = 1\n")) == {"g": "mean", "r": "sum"}
    r = evaluate(m, "base")
    years = roll_up(np.array(r.series("customers")), None, how["customers"], m.axis)
    assert years.tolist() == [130.0, 170.0]  # the last quarter of each year, not the sum


# ---------------------------------------------------------------- the command line


BAD = HEAD + "bad = gpu_spend + gpu_compute\n"


def test_check_prints_the_warning_and_exits_0(tmp_path, capsys):
    f = tmp_path / "m.scn"
    f.write_text(BAD)
    assert main(["check", str(f)]) == 0
    out, err = capsys.readouterr()
    assert f"{f}:6:7: warning: USD + PFLOPS\n  bad = gpu_spend + gpu_compute\n" \
           "        ^^^^^^^^^^^^^^^^^^^^^^^\n" in err
    assert out.rstrip().endswith("1 warning")


def test_check_strict_exits_1_on_a_warning_and_0_without(tmp_path, capsys):
    f = tmp_path / "m.scn"
    f.write_text(BAD)
    assert main(["check", "--strict", str(f)]) == 1
    assert "1 warning (--strict: an error)" in capsys.readouterr().err
    f.write_text(HEAD)
    assert main(["check", "--strict", str(f)]) == 0


def test_run_prints_warnings_to_stderr_and_its_output_is_that_of_the_file_without_them(
        tmp_path, capsys):
    f = tmp_path / "m.scn"
    f.write_text(BAD)
    assert main(["run", str(f), "--format", "csv"]) == 0
    out, err = capsys.readouterr()
    assert "warning: USD + PFLOPS" in err and "warning" not in out
    plain = tmp_path / "plain.scn"
    plain.write_text(BAD.replace(": USD/PFLOPS", "").replace(": USD", "").replace(": PFLOPS", ""))
    assert main(["run", str(plain), "--format", "csv"]) == 0
    without_units = "".join(",".join(line.split(",")[:1] + line.split(",")[2:]) + "\n"
                            for line in out.splitlines())
    assert capsys.readouterr().out == without_units


@pytest.mark.parametrize("line", ["capex: EUR = 1", "capex: % = 30"])
def test_a_unit_warning_never_changes_a_value(line):
    m = load_model("years 2024..2025\n" + line + "\n")
    assert evaluate(m, "base").series("capex") == [float(line.split("= ")[1])] * 2


# ---------------------------------------------------------------- CSV and JSON


OUT = """\
years 2024..2025
dim co = {a, b}
capex: USD = {a: 1B, b: 2B}
g = 5%
n = 3
"""


def test_csv_and_json_gain_a_unit_field_and_keep_full_precision(tmp_path, capsys):
    f = tmp_path / "m.scn"
    f.write_text(OUT)
    assert main(["run", str(f), "--format", "csv"]) == 0
    assert capsys.readouterr().out == (
        "variable,unit,2024,2025\ncapex[a],USD,1000000000.0,1000000000.0\n"
        "capex[b],USD,2000000000.0,2000000000.0\ng,%,0.05,0.05\nn,,3.0,3.0\n")
    assert main(["run", str(f), "--format", "csv", "--long"]) == 0
    assert capsys.readouterr().out.split("\n")[:2] == [
        "scenario,variable,unit,co,year,value", "base,capex,USD,a,2024,1000000000.0"]
    assert main(["run", str(f), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["units"] == {"capex[a]": "USD", "capex[b]": "USD", "g": "%", "n": None}
    assert main(["run", str(f), "--format", "json", "--long"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert records[0]["unit"] == "USD" and records[-1]["unit"] is None


def test_a_model_without_annotations_has_no_unit_field(tmp_path, capsys):
    f = tmp_path / "m.scn"
    f.write_text(OUT.replace(": USD", ""))
    assert main(["run", str(f), "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("variable,2024,2025\n")
    assert main(["run", str(f), "--format", "json"]) == 0
    assert "units" not in json.loads(capsys.readouterr().out)


def test_a_set_override_is_checked_against_the_annotation_and_runs(tmp_path, capsys):
    f = tmp_path / "m.scn"
    f.write_text(HEAD + "growth: % = 5%\n")
    assert main(["run", str(f), "--set", "growth = 45", "--set", "gpu_cost = 12k",
                 "--format", "csv", "--vars", "growth"]) == 0
    out, err = capsys.readouterr()
    assert err == ("--set:1:10: warning: 45 is 4500%; did you mean 45%?\n  growth = 45\n"
                   "           ^^\n  hint: growth is %: write 45% for 45 percent, "
                   "or 0.45 as a fraction\n")
    assert out.split("\n")[1] == "growth,%,45.0,45.0,45.0,45.0"  # never blocks, never changes


def test_scn_diff_names_annotations_added_removed_and_changed():
    from dsl.document import parse_document
    from engine.compare import compare_documents

    old = parse_document("years 2024..2025\ncapex: USD = 5\ng = 1\nh: x = 2\nk: % = 1%\n")
    new = parse_document("years 2024..2025\ncapex: EUR = 5\ng: % mean = 1\nh = 2\nk: % = 1%\n")
    diff = compare_documents(old, new)
    assert diff.changes == ()  # no value moved
    assert diff.titles == ("unit of capex changed from 'USD' to 'EUR'",
                           "unit of g added: '% mean'", "unit of h removed (was 'x')")
