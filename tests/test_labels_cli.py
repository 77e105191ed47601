"""Period labels wherever a front end prints or reads a period, on a quarterly
and a monthly model (with dims): sens (tornado, derivatives, --year), goal
(--vary-year), explain, textconv, diff, fmt; a bare year where a period is
asked is an error at its position with both fixes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from cli.main import main

MODELS = Path(__file__).resolve().parent / "models"
QUARTERLY = str(MODELS / "by_year_quarterly.scn")
MONTHLY = str(MODELS / "by_year_monthly.scn")


def scn(capsys, *args) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_tornado_names_its_cell_by_label(capsys):
    code, out, _ = scn(capsys, "sens", QUARTERLY, "revenue[us, 2026Q4]")
    assert code == 0
    assert out.startswith("Tornado: revenue[us, 2026Q4] = 121.7M, scenario base")
    assert "bars: exact change of revenue[us, 2026Q4]" in out
    code, out, _ = scn(capsys, "sens", QUARTERLY, "total", "--year", "2026Q2", "--format", "csv")
    assert list(csv.reader(io.StringIO(out)))[1][:2] == ["total", "2026Q2"]
    code, out, _ = scn(capsys, "sens", MONTHLY, "mrr_total[2026-12]", "--format", "json")
    assert json.loads(out)["year"] == "2026-12"


def test_derivatives_head_their_columns_with_labels(capsys):
    code, out, _ = scn(capsys, "sens", QUARTERLY, "total", "--wrt", "growth")
    assert code == 0
    assert "(scenario base; growth moves by the same amount in every quarter)" in out
    head = next(line for line in out.splitlines() if line.strip().startswith("2025Q3"))
    assert head.split() == ["2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3", "2026Q4",
                            "2027Q1", "2027Q2"]
    code, out, _ = scn(capsys, "sens", QUARTERLY, "total", "--wrt", "growth[2026Q1]")
    assert "growth[2026Q1] alone moves, later quarters recompute from it" in out
    code, out, _ = scn(capsys, "sens", MONTHLY, "mrr_total", "--wrt", "churn_rate",
                       "--format", "csv")
    assert out.splitlines()[0].startswith("output,wrt,measure,2025-10,2025-11,")
    code, out, _ = scn(capsys, "sens", MONTHLY, "mrr_total", "--wrt", "churn_rate",
                       "--format", "json")
    doc = json.loads(out)
    assert doc["unit"] == "months" and doc["periods"][0] == "2025-10" and "years" not in doc
    assert doc["wrt"][0]["rules"][0]["years"][0] == "2025-10"


def test_goal_varies_one_period_by_label(capsys):
    code, out, _ = scn(capsys, "goal", MONTHLY, "mrr_total[2026-12] = 100k", "--vary",
                       "churn_rate", "--vary-year", "2026-06")
    assert code == 0
    assert "churn_rate[2026-06] = -92.3%, was 2.0%" in out
    code, out, _ = scn(capsys, "goal", MONTHLY, "mrr_total[2026-12] = 100k", "--vary",
                       "new_users")
    assert "in every month and every member" in out


@pytest.mark.parametrize("option, model, value, fix", [
    ("--year", QUARTERLY, "2026", "2026Q4"),
    ("--vary-year", MONTHLY, "2026", "2026-12"),
])
def test_a_bare_year_where_a_period_is_asked_is_an_error_with_both_fixes(
        capsys, option, model, value, fix):
    if option == "--year":
        args = ["sens", model, "total", option, value]
    else:
        args = ["goal", model, "mrr_total[2026-12] = 100k", "--vary", "churn_rate", option, value]
    code, _, err = scn(capsys, *args)
    unit = "quarters" if model == QUARTERLY else "months"
    word = unit[:-1]
    assert code == 2
    assert err.splitlines()[:4] == [
        f"{option}:1:1: error: {value} is a year, but this model's periods are {unit}",
        f"  {value}", "  ^^^^",
        f"  hint: for one {word} write {fix} (the year's last); for the year's total, "
        f"sum(x[{value}]) in a formula, or scn run --by year"]


@pytest.mark.parametrize("args, head, caret", [
    (["sens", QUARTERLY, "revenue[us, 2026Q5]"],
     "OUTPUT:1:13: error: quarter 2026Q5 does not exist: a year has quarters Q1 to Q4", 12),
    (["explain", QUARTERLY, "profit[2029Q1]"],
     "CELL:1:8: error: quarter 2029Q1 is outside the model quarters 2025Q3..2027Q2", 7),
    (["sens", MONTHLY, "mrr_total", "--year", "2026Q1"],
     "--year:1:1: error:", 0),
])
def test_bad_labels_on_the_command_line_are_reported_at_their_column(capsys, args, head, caret):
    code, _, err = scn(capsys, *args)
    assert code == 2, err
    lines = err.splitlines()
    assert lines[0].startswith(head), err
    assert lines[2].index("^") == caret + 2  # the source line is indented by two


def test_explain_and_textconv_print_labels(capsys):
    code, out, _ = scn(capsys, "explain", QUARTERLY, "profit[us, 2025Q4]")
    assert code == 0 and out.startswith("profit[us, 2025Q4] = 31.2M   (scenario base)")
    assert "revenue[us, 2025Q3] = 100.0M" in out
    code, out, _ = scn(capsys, "textconv", MONTHLY)
    head = next(line for line in out.splitlines() if line.startswith("scenario"))
    assert head.split()[2:6] == ["unit", "2025-10", "2025-11", "2025-12"]  # pro_share: %


def test_fmt_keeps_labels_as_written(tmp_path, capsys):
    text = ("quarters 2025Q3..2027Q2\n\nrev[2025Q3] = 1\nrev = rev[t-1] * 1.1\n"
            "late[2026..2027Q1] = sum(rev[2025Q3..2026Q2])\nm = {2025Q3: 1, 2026: 2}\n")
    p = tmp_path / "f.scn"
    p.write_text(text)
    code, _, err = scn(capsys, "fmt", str(p))
    assert code == 0, err
    assert p.read_text() == text
    monthly = "months 2025-10..2026-03\n\nx[2025-10] = 1\nx = x[t-1] + 1\ny = x[2026-01]\n"
    p.write_text(monthly)
    assert scn(capsys, "fmt", "--check", str(p))[0] == 0
