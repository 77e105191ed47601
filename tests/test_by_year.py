"""`scn run --by year`: a quarterly or monthly model rolled up to calendar years.

Golden outputs (table, csv, json, md) of a quarterly model with dims, a
scenario, percentages, partial years and a row empty in part of a year, and
of a monthly one; the layouts with a year column; a yearly model unchanged;
usage errors; and a property: the rolled-up CSV equals a plain-Python
roll-up (sum, or mean for a percentage, of the defined periods of each
calendar year) of the reference evaluator's cells.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import polars as pl
import pytest
from hypothesis import assume, given, note, settings

from cli.main import main
from display.kinds import kinds
from dsl.errors import ScnError
from engine import load_model
from reference import ReferenceInvalid, evaluate_reference
from reference_periods import Calendar
from strategies import models
from test_property_eval import SETTINGS, examples, same_value

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "tests" / "models"
GOLDEN = Path(__file__).with_name("golden")
QUARTERLY = MODELS / "by_year_quarterly.scn"
MONTHLY = MODELS / "by_year_monthly.scn"
YEARLY = MODELS / "ai_capex_v1.scn"


def run(tmp_path, *args) -> str:
    out = tmp_path / "out.txt"
    assert main(["run", *args, "-o", str(out)]) == 0
    return out.read_text()


@pytest.mark.parametrize("name", ["quarterly", "monthly"])
@pytest.mark.parametrize("fmt", ["table", "csv", "json", "md"])
def test_golden(name, fmt, tmp_path):
    text = run(tmp_path, str(MODELS / f"by_year_{name}.scn"), "--by", "year", "--format", fmt,
               "--all-scenarios")
    assert text == (GOLDEN / f"by_year_{name}.{fmt}").read_text()


def test_table_marks_partial_years_and_says_what_is_not_a_sum(tmp_path):
    lines = run(tmp_path, str(QUARTERLY), "--by", "year").splitlines()
    assert lines[1].split("  ")[-1].strip() == "2027 (Q1-Q2)"
    assert "2025 (Q3-Q4)" in lines[1] and " 2026 " in lines[1]
    margin = next(x for x in lines if x.startswith("margin"))
    assert margin.split()[1:] == ["30.0%", "32.0%", "32.0%"]  # a mean, not 60%
    assert lines[-3] == ("by year: each row is the sum of its quarters, except the mean of "
                         "its quarters for growth, margin")
    assert lines[-2].startswith("partial years: 2025 (Q3-Q4), 2027 (Q1-Q2)")
    assert lines[-1] == ("empty quarters left out (no definition covers them): "
                         "launch_capex 2026")


def test_csv_headers_are_plain_years_and_values_add_up(tmp_path):
    rows = list(csv.reader(io.StringIO(run(tmp_path, str(QUARTERLY), "--by", "year",
                                           "--format", "csv"))))
    assert rows[0] == ["variable", "2025", "2026", "2027"]
    plain = list(csv.reader(io.StringIO(run(tmp_path, str(QUARTERLY), "--format", "csv"))))
    us = [float(x) for x in plain[1][1:]]
    assert rows[1][0] == "revenue[us]"
    assert float(rows[1][1]) == us[0] + us[1]
    assert float(rows[1][2]) == sum(us[2:6])
    launch = next(r for r in rows if r[0] == "launch_capex")
    assert launch[1:] == ["", "15000000.0", "10000000.0"]  # an empty year stays empty


def test_json_says_partial_years_and_aggregations(tmp_path):
    doc = json.loads(run(tmp_path, str(MONTHLY), "--by", "year", "--format", "json"))
    assert doc["by"] == "year" and doc["unit"] == "months" and doc["years"] == [2025, 2026]
    assert doc["partial_years"] == {"2025": "2025 (10-12)"}
    assert doc["aggregation"]["churn_rate"] == "mean" and doc["aggregation"]["mrr"] == "sum"
    assert list(doc["scenarios"]["base"]) [:2] == ["price[basic]", "price[pro]"]


def test_long_and_parquet_have_a_year_column(tmp_path):
    long = list(csv.reader(io.StringIO(run(tmp_path, str(MONTHLY), "--by", "year",
                                           "--format", "csv", "--long"))))
    # the file has an annotation (pro_share: %): a unit column, as the wide CSV has
    assert long[0] == ["scenario", "variable", "unit", "plan", "year", "value"]
    assert long[1] == ["base", "price", "", "basic", "2025", "60.0"]
    for layout in ([], ["--long"]):
        out = tmp_path / f"o{len(layout)}.parquet"
        assert main(["run", str(QUARTERLY), "--by", "year", "--format", "parquet", *layout,
                     "-o", str(out), "--all-scenarios"]) == 0
        frame = pl.read_parquet(out)
        assert frame.schema["year"] == pl.Int64
        assert sorted(set(frame.get_column("year").to_list())) == [2025, 2026, 2027]
        assert "unit" not in frame.columns and "units" not in pl.read_parquet_metadata(out)


def test_parquet_of_an_annotated_file_has_its_units(tmp_path):
    # the long layout: a unit column after variable (null when unknown), as long CSV;
    # the wide one: a column per row, so the units are the file's `units` metadata
    long, wide = tmp_path / "l.parquet", tmp_path / "w.parquet"
    for out, layout in ((long, ["--long"]), (wide, [])):
        assert main(["run", str(MONTHLY), "--by", "year", "--format", "parquet", *layout,
                     "-o", str(out)]) == 0
    frame = pl.read_parquet(long)
    assert frame.columns[:3] == ["scenario", "variable", "unit"]
    units = dict(zip(frame.get_column("variable"), frame.get_column("unit")))
    assert units["pro_share"] == "%" and units["mrr_total"] is None
    meta = json.loads(pl.read_parquet_metadata(wide)["units"])
    assert meta["pro_share"] == "%" and meta["mrr[pro]"] is None
    assert pl.read_parquet(wide).get_column("pro_share").to_list() == pytest.approx([0.2, 0.2])


def test_vars_and_set_work_rolled_up(tmp_path):
    text = run(tmp_path, str(QUARTERLY), "--by", "year", "--format", "csv",
               "--vars", "growth,total", "--set", "growth[2026Q1..] = 10%")
    rows = list(csv.reader(io.StringIO(text)))
    assert [r[0] for r in rows] == ["variable", "growth", "total"]
    assert float(rows[1][2]) == pytest.approx(0.10)
    assert float(rows[1][1]) == pytest.approx(0.04)


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "md"])
def test_a_yearly_model_is_byte_identical(fmt, tmp_path):
    plain = run(tmp_path, str(YEARLY), "--format", fmt, "--all-scenarios")
    assert run(tmp_path, str(YEARLY), "--format", fmt, "--all-scenarios", "--by", "year") == plain


def test_by_takes_only_year(capsys):
    assert main(["run", str(QUARTERLY), "--by", "quarter"]) == 2
    assert "--by: invalid choice: 'quarter' (choose from 'year')" in capsys.readouterr().err


def test_a_year_of_infinities_rolls_up_to_na_without_a_numpy_warning(tmp_path, capsys):
    """inf + -inf and sums past the largest float: the year is NaN or inf, as its
    quarters are in a run by quarter (a table shows n/a); the run warns of the
    non-finite cells in its own words, and no numpy RuntimeWarning is printed."""
    import warnings

    path = tmp_path / "inf.scn"
    path.write_text("quarters 2024Q1..2025Q4\n"
                    "a = {2024Q1: 1e308, 2024Q2: -1e308, 2024Q3..: 1}\n"
                    "b = a * 10\n"
                    "c = {2024Q1..: 1e308}\n"
                    "m: % = {2024Q1: 1e308, 2024Q2: 1e308, 2024Q3..: 0.5}\n")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert main(["run", str(path), "--by", "year", "--format", "csv"]) == 0
    assert [str(w.message) for w in seen] == []
    out = capsys.readouterr()
    rows = {r[0]: r[-2:] for r in csv.reader(io.StringIO(out.out))}  # after the unit column
    assert rows["a"] == ["2.0", "4.0"] and rows["b"] == ["nan", "40.0"]  # inf + -inf
    assert rows["c"] == ["inf", "inf"] and rows["m"] == ["inf", "0.5"]  # sums past 1e308
    assert "b is inf in 2024Q1" in out.err


# ---------------------------------------------------------------- property


def plain_roll_up(values, periods, cal: Calendar, percent: bool):
    """Per calendar year (in order): the sum of the defined periods' values, or
    their mean for a percentage; None for a year with no defined period."""
    years: dict[int, list[float]] = {}
    for p, x in zip(periods, values):
        years.setdefault(cal.year(p), [])
        if x is not None:
            years[cal.year(p)].append(x)
    out = []
    for xs in years.values():
        if not xs:
            out.append(None)
            continue
        total = math.fsum(xs) if all(math.isfinite(x) for x in xs) else sum(xs)
        out.append(total / len(xs) if percent else total)
    return out


@settings(max_examples=examples(25), **SETTINGS)
@given(gm=models(unit="quarters", max_vars=4, max_years=11, risky=False))
def test_by_year_csv_is_the_reference_rolled_up(gm, tmp_path_factory):
    note(gm.text)
    try:
        ref = evaluate_reference(gm.text, "base")
        model = load_model(gm.text, "gen.scn")
    except (ReferenceInvalid, ScnError):
        assume(False)
    path = tmp_path_factory.mktemp("by") / "gen.scn"
    path.write_text(gm.text)
    out = path.with_suffix(".csv")
    assert main(["run", str(path), "--by", "year", "--format", "csv", "-o", str(out)]) == 0
    rows = list(csv.reader(io.StringIO(out.read_text())))
    cal = Calendar(model.axis.unit)
    years = sorted({cal.year(p) for p in model.years})
    assert rows[0] == ["variable", *map(str, years)]
    kind = kinds(model)
    got = {r[0]: r[1:] for r in rows[1:]}
    for variable, cells in ref.items():
        want = plain_roll_up(cells[()], model.years, cal, kind[variable] == "percent")
        for y, w, g in zip(years, want, got[variable]):
            value = None if g == "" else float(g)
            assert (w is None) == (value is None), (variable, y, w, g)
            if w is not None:
                assert same_value(value, w) or math.isclose(value, w, rel_tol=1e-9,
                                                            abs_tol=1e-9), (variable, y, w, g)


# ---------------------------------------------------------------- diff and snapshot

YEARLY_REVENUE = """\
model "Cloud revenue by year"
years 2025..2027
dim region = {us, eu}
revenue[us] = {2025: 204M, 2026: 459.3M, 2027: 258.1M}
revenue[eu] = {2025: 122.4M, 2026: 275.6M, 2027: 154.9M}
growth = 4%
margin = 30%
margin[2026..] = 32%
"""


def diff_json(tmp_path, *args) -> tuple[int, dict]:
    out = tmp_path / "diff.json"
    code = main(["diff", *args, "--format", "json", "-o", str(out)])
    return code, json.loads(out.read_text()) if out.exists() else {}


def test_diff_by_year_compares_a_quarterly_model_with_a_yearly_one(tmp_path):
    yearly = tmp_path / "y.scn"
    yearly.write_text(YEARLY_REVENUE)
    code, doc = diff_json(tmp_path, str(yearly), str(QUARTERLY))
    assert any("the periods differ (years 2025..2027 and quarters 2025Q3..2027Q2)" in n
               and "--by year" in n for n in doc["notes"])
    assert doc["values"] == []
    code, doc = diff_json(tmp_path, "--by", "year", str(yearly), str(QUARTERLY))
    assert code == 1
    moved = {(c["variable"], c["year"]) for c in doc["values"]}
    # revenue's years were typed to 0.1M: 2026 and 2027 move by a few thousand;
    # growth and margin, means of their quarters, equal the yearly ones
    assert moved == {("revenue[us]", 2026), ("revenue[us]", 2027), ("revenue[eu]", 2026),
                     ("revenue[eu]", 2027)}
    assert "NEW rolled up from quarters; partial years (only the quarters NEW has): " \
           "2025, 2027" in doc["notes"]


def test_snapshot_by_year_has_plain_year_keys_and_says_it_is_rolled_up(tmp_path):
    out = tmp_path / "s.toml"
    assert main(["snapshot", "--by", "year", str(QUARTERLY), "-o", str(out)]) == 0
    import tomllib

    doc = tomllib.loads(out.read_text())
    assert doc["model"]["by"] == "year" and doc["model"]["rolled_from"] == "quarters"
    assert doc["model"]["partial_years"] == [2025, 2027]
    assert list(doc["base"]["margin"]) == ["2025", "2026", "2027"]
    assert doc["base"]["margin"]["2026"] == pytest.approx(0.32)
    # compared with the model rolled up: nothing moved
    assert main(["diff", "--by", "year", str(out), str(QUARTERLY)]) == 0


def test_a_rolled_up_snapshot_beside_quarters_needs_by_year(tmp_path, capsys):
    out = tmp_path / "s.toml"
    assert main(["snapshot", "--by", "year", str(QUARTERLY), "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["diff", str(out), str(QUARTERLY)]) == 2
    assert (f"{out} is rolled up by year (scn snapshot --by year) and {QUARTERLY} holds "
            "quarters: compare them by year with scn diff --by year") in capsys.readouterr().err


def test_a_quarterly_snapshot_keys_by_label_and_reads_back(tmp_path, capsys):
    out = tmp_path / "q.toml"
    assert main(["snapshot", str(QUARTERLY), "-o", str(out)]) == 0
    text = out.read_text()
    assert 'unit = "quarters"\nfirst_period = "2025Q3"\nlast_period = "2027Q2"' in text
    assert "\n2026Q1 = " in text
    assert main(["diff", str(out), str(QUARTERLY)]) == 0
    changed = tmp_path / "changed.scn"
    changed.write_text(QUARTERLY.read_text().replace("growth = 4%", "growth = 5%"))
    code, doc = diff_json(tmp_path, str(out), str(changed))
    assert code == 1 and doc["values"][0]["year"] == "2025Q3"
    # alone, it cannot be rolled up: it does not say which rows are percentages
    capsys.readouterr()
    assert main(["diff", "--by", "year", str(out), str(out)]) == 2
    assert "a snapshot does not say which rows are percentages" in capsys.readouterr().err


def test_a_bad_period_key_in_a_snapshot_is_reported_at_its_line(tmp_path, capsys):
    out = tmp_path / "q.toml"
    assert main(["snapshot", str(QUARTERLY), "--scenario", "base", "-o", str(out)]) == 0
    text = out.read_text().replace("2026Q1 = ", "2026Q7 = ", 1)
    out.write_text(text)
    line = text.splitlines().index(next(x for x in text.splitlines() if x.startswith("2026Q7")))
    capsys.readouterr()
    assert main(["diff", str(out), str(QUARTERLY)]) == 2
    err = capsys.readouterr().err
    assert f"{out}:{line + 1}:1: error: 'base.revenue[us]' has quarter '2026Q7' outside " \
           "2025Q3..2027Q2" in err


def test_the_units_annotation_decides_how_a_row_adds_up(tmp_path):
    # customers is a stock (last), price a level (mean), margin a % (mean), revenue a
    # flow (sum); without the words both customers and price were summed.
    path = tmp_path / "stocks.scn"
    path.write_text('model "stocks"\nquarters 2025Q1..2026Q2\n\n'
                    "customers: count last = 100 + 10 * quarter()\n"
                    "price: USD/count mean = 20\n"
                    "margin: % = 30%\n"
                    "revenue: USD = customers * price\n")
    rows = {r[0]: r[1:] for r in csv.reader(io.StringIO(
        run(tmp_path, str(path), "--by", "year", "--format", "csv")))}
    assert rows["variable"] == ["unit", "2025", "2026"]
    assert rows["customers"] == ["count", "140.0", "120.0"]
    assert rows["price"] == ["USD/count", "20.0", "20.0"]
    assert rows["margin"] == ["%", "0.3", "0.3"]
    assert rows["revenue"][1:] == ["10000.0", "4600.0"]
