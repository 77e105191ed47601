"""`scn run` with dims: a row per member combination in every format (LANGUAGE-2 section 1,
"Output"), `--vars` rows, `--long` dim columns, `--set` on one member.

The renderer tests use a stand-in model with the engine's dims API
(tests/dims_helpers.py) and values written by hand; the command tests run
the real `scn` on `DIMS` once the engine evaluates dims.
"""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli import output
from cli.rows import Table, rows_of, select, split_items
from dims_helpers import DIMS, needs_dims_engine, stand_in
from files.reading import UsageError
from test_cli import scn

B, M = 1e9, 1e6
# Base values by hand: capex grows 20% a year (orcl 50%) from {50B, 40B, 10B}.
CAPEX = {"goog": [50 * B, 60 * B, 72 * B], "meta": [40 * B, 48 * B, 57.6 * B],
         "orcl": [10 * B, 15 * B, 22.5 * B]}
NA = [100 * B, 123 * B, 152.1 * B]
MIX = {"g400": 0.6, "g800": 0.4}


def _values(model, rows, growth_empty_2024: bool = False) -> Table:
    """The base values of `rows` (of the stand-in model), by hand."""
    out, defined = [], []
    for r in rows:
        m = dict(zip(model.dims_of[r.variable], r.members))
        v = r.variable
        if v == "capex":
            series = CAPEX[m["company"]]
        elif v == "capex_growth":
            series = [0.5 if m["company"] == "orcl" else 0.2] * 3
        elif v == "na_capex":
            series = NA
        elif v == "capex_share":
            series = [a / b for a, b in zip(CAPEX[m["company"]], NA)]
        elif v == "mix":
            series = [MIX[m["speed"]]] * 3
        else:
            series = [c * 0.01 * MIX[m["speed"]] for c in CAPEX[m["company"]]]
        out.append(series)
        d = [True] * 3
        if v == "capex_growth" and growth_empty_2024:
            d[0] = False
        defined.append(d)
    return Table("base", np.array(out, dtype=float), np.array(defined))


@pytest.fixture
def model():
    return stand_in()


# ---------------------------------------------------------------- rows and --vars


def test_rows_are_per_member_combination_last_dim_fastest(model):
    labels = [r.label for r in rows_of(model)]
    assert labels == [
        "capex[goog]", "capex[meta]", "capex[orcl]",
        "capex_growth[goog]", "capex_growth[meta]", "capex_growth[orcl]",
        "na_capex",
        "capex_share[goog]", "capex_share[meta]", "capex_share[orcl]",
        "mix[g400]", "mix[g800]",
        "optics[goog,g400]", "optics[goog,g800]", "optics[meta,g400]", "optics[meta,g800]",
        "optics[orcl,g400]", "optics[orcl,g800]"]


def test_vars_items_split_on_commas_outside_brackets():
    assert split_items("capex[goog, g800], na_capex,,") == ["capex[goog, g800]", "na_capex"]


@pytest.mark.parametrize("wanted, labels", [
    ("capex", ["capex[goog]", "capex[meta]", "capex[orcl]"]),
    ("capex[meta]", ["capex[meta]"]),
    ("na_capex,capex[orcl]", ["capex[orcl]", "na_capex"]),  # file order, as ever
    ("capex[orcl],capex", ["capex[goog]", "capex[meta]", "capex[orcl]"]),  # no row twice
    ("optics[meta]", ["optics[meta,g400]", "optics[meta,g800]"]),  # one dim pinned
    ("optics[g800, orcl]", ["optics[orcl,g800]"]),  # members in any order
    ("optics[goog,g400],optics[orcl,g800]", ["optics[goog,g400]", "optics[orcl,g800]"]),
])
def test_vars_picks_variables_and_rows(model, wanted, labels):
    assert [r.label for r in select(model, wanted)] == labels


@pytest.mark.parametrize("wanted, message", [
    ("capex[gogl]", "--vars: unknown member 'gogl' of capex (did you mean 'goog'?); "
                    "capex has company = {goog, meta, orcl}"),
    ("capex[g800]", "--vars: 'g800' is a member of speed, and capex has no dim speed "
                    "(capex has company = {goog, meta, orcl})"),
    ("na_capex[goog]", "--vars: na_capex has no dims, so 'na_capex[goog]' names no row: "
                       "write --vars na_capex"),
    ("capex[goog,meta]", "--vars: 'capex[goog,meta]' names two members of company (goog, "
                         "meta): list them as two rows, 'capex[goog],capex[meta]'"),
    ("capex[2025]", "--vars picks rows, not years: 'capex[2025]' names a year; "
                    "write --vars capex (every year is a column)"),
    ("capex[goog", "--vars: cannot read 'capex[goog': write a variable, or a variable with "
                   "members in brackets: capex, 'capex[goog]'"),
    ("capx[goog]", "--vars: unknown variable 'capx' (did you mean 'capex'?)"),
])
def test_vars_errors_name_the_member_and_the_dims(model, wanted, message):
    with pytest.raises(UsageError) as e:
        select(model, wanted)
    assert str(e.value) == message


# ---------------------------------------------------------------- renderers, by hand


def test_table_groups_member_rows_under_their_variable(model):
    rows = select(model, "capex,na_capex,optics[goog]")
    text = output.to_table(model, [_values(model, rows)], rows)
    assert text == (
        "Hyperscaler capex: scenario base\n"
        "                  2024    2025    2026\n"
        "Capex\n"
        "  capex\n"
        "    goog         50.0B   60.0B   72.0B\n"
        "    meta         40.0B   48.0B   57.6B\n"
        "    orcl         10.0B   15.0B   22.5B\n"
        "  na_capex      100.0B  123.0B  152.1B\n"
        "Optics\n"
        "  optics\n"
        "    goog, g400  300.0M  360.0M  432.0M\n"
        "    goog, g800  200.0M  240.0M  288.0M\n")


def test_csv_names_each_row_and_quotes_two_member_names(model):
    rows = select(model, "capex[goog],capex_growth[orcl],na_capex,optics[orcl,g800]")
    text = output.to_csv(model, [_values(model, rows, growth_empty_2024=True)], rows)
    assert text == (
        "variable,2024,2025,2026\n"
        "capex[goog],50000000000.0,60000000000.0,72000000000.0\n"
        "capex_growth[orcl],,0.5,0.5\n"
        "na_capex,100000000000.0,123000000000.0,152100000000.0\n"
        '"optics[orcl,g800]",40000000.0,60000000.0,90000000.0\n')
    back = list(csv.reader(io.StringIO(text)))
    assert back[4][0] == "optics[orcl,g800]"


def test_csv_all_scenarios_has_a_scenario_column(model):
    rows = select(model, "capex[orcl]")
    base = _values(model, rows)
    bull = Table("bull", np.array([[10 * B, 19 * B, 36.1 * B]]), np.ones((1, 3), bool))
    assert output.to_csv(model, [base, bull], rows, with_scenario=True) == (
        "scenario,variable,2024,2025,2026\n"
        "base,capex[orcl],10000000000.0,15000000000.0,22500000000.0\n"
        "bull,capex[orcl],10000000000.0,19000000000.0,36100000000.0\n")


def test_json_keys_rows_by_output_name_and_lists_the_dims(model):
    rows = select(model, "capex[goog],na_capex,optics[meta,g800]")
    doc = json.loads(output.to_json(model, [_values(model, rows)], rows))
    assert doc == {
        "model": "Hyperscaler capex", "years": [2024, 2025, 2026],
        "dims": {"company": ["goog", "meta", "orcl"], "speed": ["g400", "g800"]},
        "scenarios": {"base": {
            "capex[goog]": [50 * B, 60 * B, 72 * B],
            "na_capex": NA,
            "optics[meta,g800]": [160 * M, 192 * M, 40 * B * 1.2 * 1.2 * 0.01 * 0.4]}}}
    assert list(doc) == ["model", "years", "dims", "scenarios"]


def test_markdown_names_each_row(model):
    rows = select(model, "capex_growth[goog],capex_share[orcl]")
    text = output.to_markdown(model, [_values(model, rows)], rows)
    assert text == (
        "### Hyperscaler capex: scenario base\n\n"
        "| variable | 2024 | 2025 | 2026 |\n"
        "|---|---:|---:|---:|\n"
        "| **Capex** | | | |\n"
        "| capex_growth[goog] | 20.0% | 20.0% | 20.0% |\n"
        "| capex_share[orcl] | 0.100 | 0.122 | 0.148 |\n")  # capex / na_capex: a plain ratio


def test_long_csv_has_a_column_per_dim_and_the_plain_variable(model):
    rows = select(model, "na_capex,optics[goog,g800]")
    text = output.to_long_csv(model, [_values(model, rows)], rows)
    assert text == (
        "scenario,variable,company,speed,year,value\n"
        "base,na_capex,,,2024,100000000000.0\n"
        "base,na_capex,,,2025,123000000000.0\n"
        "base,na_capex,,,2026,152100000000.0\n"
        "base,optics,goog,g800,2024,200000000.0\n"
        "base,optics,goog,g800,2025,240000000.0\n"
        "base,optics,goog,g800,2026,288000000.0\n")


def test_long_json_and_markdown_carry_the_dim_columns(model):
    rows = select(model, "mix[g800]")
    doc = json.loads(output.to_long_json(model, [_values(model, rows)], rows))
    assert doc[0] == {"scenario": "base", "variable": "mix", "company": "", "speed": "g800",
                      "year": 2024, "value": 0.4}
    md = output.to_long_markdown(model, [_values(model, rows)], rows)
    assert md.splitlines()[:3] == [
        "| scenario | variable | company | speed | year | value |",
        "|---|---|---|---|---:|---:|",
        "| base | mix |  | g800 | 2024 | 40.0% |"]


def test_parquet_frames_wide_by_output_name_long_with_null_dims(model):
    rows = select(model, "capex_growth[orcl],na_capex")
    runs = [_values(model, rows, growth_empty_2024=True)]
    wide = output.wide_frame(model, runs, rows)
    assert wide.columns == ["scenario", "year", "capex_growth[orcl]", "na_capex"]
    assert wide["capex_growth[orcl]"].to_list() == [None, 0.5, 0.5]
    long = output.long_frame(model, runs, rows)
    assert long.columns == ["scenario", "variable", "company", "speed", "year", "value"]
    assert long.schema["company"] == pl.String
    assert long.row(0) == ("base", "capex_growth", "orcl", None, 2024, None)
    assert long.row(3) == ("base", "na_capex", None, None, 2024, 100 * B)


def test_a_dim_named_like_a_long_column_is_a_usage_error(model):
    model.dims["value"] = model.dims.pop("speed")
    with pytest.raises(UsageError, match="--long: the dim 'value' has the name of the long "
                                         "layout's 'value' column; rename the dim"):
        output.long_columns(model)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=40))
def test_csv_numbers_are_pythons_shortest_repr(xs):
    """The vectorized CSV writes every number as `repr` does (the CSV contract)."""
    values = np.array(xs, dtype=float)
    defined = np.arange(len(xs)) % 7 != 3
    column = output.number_column(values, defined, "x")
    text = pl.DataFrame([column]).write_csv(line_terminator="\n").split("\n")[1:-1]
    assert text == [output.full_precision(x if d else None) for x, d in zip(xs, defined)]


@pytest.mark.parametrize("x", [1e-5, -1.5e-07, 5e-324, 1e16, 1e-4, 0.0, -0.0, 123456789.125,
                               math.nan, math.inf, -math.inf, 9.999999999999999e15])
def test_csv_numbers_at_the_edges_of_reprs_layouts(x):
    column = output.number_column(np.array([x]), np.array([True]), "x")
    assert pl.DataFrame([column]).write_csv().split("\n")[1] == output.full_precision(x)


# ---------------------------------------------------------------- the real scn (needs the engine)


@pytest.fixture
def dims_file(tmp_path):
    p = tmp_path / "dims.scn"
    p.write_text(DIMS)
    return p


@needs_dims_engine
def test_run_csv_rows_per_member(dims_file):
    r = scn("run", str(dims_file), "--format", "csv", "--vars", "capex,na_capex,optics[orcl]")
    assert r.returncode == 0, r.stderr
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[0] == ["variable", "2024", "2025", "2026"]
    assert [row[0] for row in rows[1:]] == ["capex[goog]", "capex[meta]", "capex[orcl]",
                                           "na_capex", "optics[orcl,g400]", "optics[orcl,g800]"]
    g = 0.2
    assert rows[1][1:] == [repr(50 * B), repr(50 * B * (1 + g)), repr(50 * B * (1 + g) * (1 + g))]
    assert rows[3][1:] == [repr(10 * B), repr(10 * B * 1.5), repr(10 * B * 1.5 * 1.5)]
    assert rows[4][1:] == [repr(100 * B), repr(123 * B), repr(152.1 * B)]
    assert float(rows[5][3]) == pytest.approx(22.5 * B * 0.01 * 0.6)


@needs_dims_engine
def test_run_table_reads_as_the_hand_written_one(dims_file):
    r = scn("run", str(dims_file), "--vars", "capex,na_capex,optics[goog]")
    assert r.returncode == 0, r.stderr
    assert r.stdout == (
        "Hyperscaler capex: scenario base\n"
        "                  2024    2025    2026\n"
        "Capex\n"
        "  capex\n"
        "    goog         50.0B   60.0B   72.0B\n"
        "    meta         40.0B   48.0B   57.6B\n"
        "    orcl         10.0B   15.0B   22.5B\n"
        "  na_capex      100.0B  123.0B  152.1B\n"
        "Optics\n"
        "  optics\n"
        "    goog, g400  300.0M  360.0M  432.0M\n"
        "    goog, g800  200.0M  240.0M  288.0M\n")


@needs_dims_engine
def test_set_one_member_moves_that_member_only(dims_file):
    r = scn("run", str(dims_file), "--format", "csv", "--vars", "capex",
            "--set", "capex_growth[orcl] = 90%")
    assert r.returncode == 0, r.stderr
    rows = {row[0]: row[1:] for row in csv.reader(io.StringIO(r.stdout))}
    assert rows["capex[orcl]"] == [repr(10 * B), repr(10 * B * 1.9), repr(10 * B * 1.9 * 1.9)]
    assert rows["capex[goog]"][2] == repr(50 * B * 1.2 * 1.2)
    # the same as the bull scenario's block
    bull = scn("run", str(dims_file), "--format", "csv", "--vars", "capex", "--scenario", "bull")
    assert bull.stdout == r.stdout


@needs_dims_engine
@pytest.mark.parametrize("args, message", [
    (["--vars", "capex[gogl]"], "scn: error: --vars: unknown member 'gogl' of capex "
                                "(did you mean 'goog'?); capex has company = {goog, meta, orcl}\n"),
    (["--vars", "na_capex[goog]"], "scn: error: --vars: na_capex has no dims, so "
                                   "'na_capex[goog]' names no row: write --vars na_capex\n"),
])
def test_run_bad_rows_are_usage_errors(dims_file, args, message):
    r = scn("run", str(dims_file), *args)
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == message


@needs_dims_engine
def test_set_with_an_unknown_member_is_a_usage_error_at_its_column(dims_file):
    r = scn("run", str(dims_file), "--set", "capex_growth[orcll] = 90%")
    assert r.returncode == 2
    assert "--set:1:14: error:" in r.stderr and "orcll" in r.stderr
    assert "Traceback" not in r.stderr


@needs_dims_engine
def test_run_long_and_parquet(dims_file, tmp_path):
    r = scn("run", str(dims_file), "--long", "--format", "csv", "--vars", "optics[meta,g800]",
            "--all-scenarios")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "scenario,variable,company,speed,year,value"
    assert lines[1].startswith("base,optics,meta,g800,2024,")
    assert len(lines) == 1 + 2 * 3
    out = tmp_path / "wide.parquet"
    assert scn("run", str(dims_file), "--format", "parquet", "-o", str(out)).returncode == 0
    wide = pl.read_parquet(out)
    assert wide.columns[:5] == ["scenario", "year", "capex[goog]", "capex[meta]", "capex[orcl]"]
    assert len(wide.columns) == 2 + 18
    out = tmp_path / "long.parquet"
    assert scn("run", str(dims_file), "--format", "parquet", "--long", "-o",
               str(out)).returncode == 0
    long = pl.read_parquet(out)
    assert long.columns == ["scenario", "variable", "company", "speed", "year", "value"]
    assert long.height == 18 * 3
    assert long.filter(pl.col("variable") == "na_capex")["company"].null_count() == 3


@needs_dims_engine
def test_run_json_keys(dims_file):
    doc = json.loads(scn("run", str(dims_file), "--format", "json").stdout)
    assert doc["dims"] == {"company": ["goog", "meta", "orcl"], "speed": ["g400", "g800"]}
    assert list(doc["scenarios"]["base"])[:4] == ["capex[goog]", "capex[meta]", "capex[orcl]",
                                                  "capex_growth[goog]"]
