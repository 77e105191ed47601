"""A quarterly and a monthly model through the real `scn` command: period labels
as column headers in every format, `--set` and `scn explain` with labels,
errors at their positions."""

from __future__ import annotations

import csv
import io
import json

import polars as pl
import pytest

from test_cli import scn

QUARTERLY = """\
model "Capex by quarter"
quarters 2025Q1..2025Q4
capex[2025] = 85.1B / 4
capex[2025Q2] = 22.4B
capex_ytd = ytd(capex)
growth = 5%
"""

MONTHLY = """\
months 2025-11..2026-02
dim plan = {basic, pro}
users = {basic: 100, pro: 10}
mrr = users * month()
"""


@pytest.fixture
def quarterly(tmp_path):
    p = tmp_path / "q.scn"
    p.write_text(QUARTERLY)
    return p


def test_csv_header_names_the_periods(quarterly):
    r = scn("run", str(quarterly), "--format", "csv")
    assert r.returncode == 0, r.stderr
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[0] == ["variable", "2025Q1", "2025Q2", "2025Q3", "2025Q4"]
    assert rows[1] == ["capex", "21275000000.0", "22400000000.0", "21275000000.0",
                       "21275000000.0"]
    assert rows[2][1:3] == ["21275000000.0", "43675000000.0"]


def test_table_json_long_and_parquet_name_the_periods(quarterly, tmp_path):
    table = scn("run", str(quarterly)).stdout.splitlines()
    assert table[0] == "Capex by quarter: scenario base"
    assert table[1].split() == ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]
    doc = json.loads(scn("run", str(quarterly), "--format", "json").stdout)
    assert doc["unit"] == "quarters" and doc["periods"] == ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]
    assert "years" not in doc
    long = list(csv.reader(io.StringIO(
        scn("run", str(quarterly), "--format", "csv", "--long").stdout)))
    assert long[0] == ["scenario", "variable", "period", "value"]
    assert long[2] == ["base", "capex", "2025Q2", "22400000000.0"]
    out = tmp_path / "q.parquet"
    assert scn("run", str(quarterly), "--format", "parquet", "-o", str(out)).returncode == 0
    frame = pl.read_parquet(out)
    assert frame.columns[:2] == ["scenario", "period"]
    assert frame.get_column("period").to_list() == ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]
    out = tmp_path / "long.parquet"
    assert scn("run", str(quarterly), "--format", "parquet", "--long", "-o",
               str(out)).returncode == 0
    long_frame = pl.read_parquet(out)
    assert long_frame.schema["period"] == pl.String


def test_a_monthly_model_with_dims(tmp_path):
    p = tmp_path / "m.scn"
    p.write_text(MONTHLY)
    rows = list(csv.reader(io.StringIO(scn("run", str(p), "--format", "csv").stdout)))
    assert rows[0] == ["variable", "2025-11", "2025-12", "2026-01", "2026-02"]
    assert rows[3] == ["mrr[basic]", "1100.0", "1200.0", "100.0", "200.0"]
    long = list(csv.reader(io.StringIO(scn("run", str(p), "--format", "csv", "--long").stdout)))
    assert long[0] == ["scenario", "variable", "plan", "period", "value"]
    check = scn("check", str(p))
    assert check.returncode == 0 and check.stdout.rstrip().endswith("months 2025-11..2026-02")


def test_set_takes_a_period_and_refuses_a_label_the_model_lacks(quarterly):
    r = scn("run", str(quarterly), "--format", "csv", "--vars", "growth",
            "--set", "growth[2025Q2] = 6%")
    assert r.stdout.splitlines()[1] == "growth,0.05,0.06,0.05,0.05"
    r = scn("run", str(quarterly), "--set", "growth[2025-02] = 6%")
    assert r.returncode == 2  # a command-line value: a usage error
    assert r.stderr.startswith("--set:1:8: error: 2025-02 is a month, but this model's "
                               "periods are quarters")


def test_explain_reads_a_period_label(quarterly):
    r = scn("explain", str(quarterly), "capex_ytd[2025Q2]")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "capex_ytd[2025Q2] = 43.7B   (scenario base)"
    assert "capex[2025Q1] = 21.3B" in r.stdout and "capex[2025Q2] = 22.4B" in r.stdout
    r = scn("explain", str(quarterly), "capex_ytd[2025]")
    assert r.returncode == 2
    assert r.stderr.splitlines()[0] == ("CELL:1:11: error: 2025 is a year, but this model's "
                                        "periods are quarters")


def test_check_reports_a_bare_year_with_both_fixes(tmp_path):
    p = tmp_path / "bad.scn"
    p.write_text("quarters 2025Q1..2025Q4\nrev = 1\nr2 = rev[2025] * 2\n")
    r = scn("check", str(p))
    assert r.returncode == 1
    assert r.stderr.splitlines()[:4] == [
        f"{p}:3:6: error: rev[2025] reads a whole year, but this model's periods are quarters",
        "  r2 = rev[2025] * 2",
        "       ^^^^^^^^^",
        "  hint: for the year's total write sum(rev[2025]), for one quarter rev[2025Q4]",
    ]
