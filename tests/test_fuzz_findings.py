"""What the command-line fuzz harness found, each kept as a positioned error.

Each raised a traceback before: decimal.Overflow or InvalidOperation from
a literal, ValueError from int() of thousands of digits (years, offsets,
cagr years, --year), MemoryError from an absurd span of years, and
RecursionError, ValueError or OverflowError from hostile TOML snapshots.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import errors, model
from tui.cli import main

ROOT = Path(__file__).resolve().parent.parent
AI = ROOT / "scenarios" / "ai_capex.scn"
DIGITS = "9" * 5000


@pytest.mark.parametrize("line, col, message", [
    ("x = 1e1000000", 5, "the number '1e1000000' is out of range"),
    ("x = 1e99999999999999999999", 5, "the number '1e99999999999999999999' is out of range"),
    ("x = 2e308", 5, "the number '2e308' is out of range"),
    (f"x = {DIGITS}", 5, "the number '999999999999999999999...' is out of range"),
    (f"x[{DIGITS}] = 1", 3, "expected a year, found '999999999999999999999...'"),
    (f"x = {{{DIGITS}: 1}}", 6, "expected a year, found '999999999999999999999...'"),
    (f"x = y[t-{DIGITS}]", 9, "a year offset must be a whole number, found '999999999999999999999...'"),
    ("x = cagr(y, 999999999999, 2024)", 13, "the years of cagr must be written as years"),
], ids=lambda v: str(v)[:30])
def test_literals_out_of_range_are_positioned_errors(line, col, message):
    # (a tiny exponent is no error: 1e-99999999999999999999 is 0.0, as float('1e-400') is)
    found = errors(f"years 2024..2026\ny = 1\n{line}\n")
    assert (3, col, message) in found, found


def test_a_span_of_years_is_capped():
    assert (1, 7, "years 1..100000 are 100,000 years") in errors("years 1..100000\nx = 1\n")
    assert (1, 13, "expected a year, found '99999999999'") in \
        errors("years 2024..99999999999\nx = 1\n")
    assert len(model("years 1..1000\nx = 1\n").years) == 1000  # the most that loads


def test_n_copies_of_a_definition_are_n_minus_1_errors():
    # Every pair was reported: 800 copies printed 160,000 errors, over the fuzz time budget.
    found = errors("years 2024..2026\n" + "x = 1\n" * 400)
    assert len(found) == 399
    assert (2, 1, "'x' is defined twice for 2024..2026: here and on line 3") in found
    assert (2, 1, "'x' is defined twice for 2024..2026: here and on line 401") in found


def test_a_huge_year_option_is_a_usage_error(capsys):
    assert main(["sens", str(AI), "optics_tam", "--year", DIGITS]) == 2
    assert capsys.readouterr().err.startswith(
        "--year:1:1: error: expected a year, not '999999999999999999999...'")


HEADER = "[model]\nfirst_year = 2024\nlast_year = 2025\nsnapshot_format = 1\n"


@pytest.mark.parametrize("toml, message", [
    ("a = " + "[" * 10000 + "]" * 10000 + "\n", "nested too deep"),
    (f"[model]\nfirst_year = {DIGITS}\nlast_year = 1\nsnapshot_format = 1\n", "integer too long"),
    ("[model]\nfirst_year = 0\nlast_year = 1000000000000\nsnapshot_format = 1\n",
     "first_year..last_year are 1,000,000,000,001 years; a model has at most 1,000"),
    (HEADER + f'[base.x]\n"{DIGITS}" = 1\n', "'base.x' has year '999999999999999999999...'"),
    (HEADER + "[base.x]\n2024 = 1" + "0" * 400 + "\n", "base.x.2024 is not a number"),
], ids=lambda v: str(v)[:30])
def test_hostile_snapshots_are_clear_errors(toml, message, tmp_path, capsys):
    snap = tmp_path / "snap.toml"
    snap.write_text(toml)
    assert main(["diff", str(snap), str(AI)]) == 2
    assert message in capsys.readouterr().err
