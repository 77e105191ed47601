"""engine.address.Cell: one way to name a cell, its text from the model's axis."""

from __future__ import annotations

import textwrap

import pytest

from engine import evaluate, load_model
from engine.address import Cell
from engine.axis import QUARTERS, TimeAxis


def test_a_cell_reads_as_the_file_writes_it():
    years = TimeAxis.of_years(2024, 2030)
    assert Cell("capex", 3).label(years) == "capex[2027]"
    assert Cell("capex", None).label(years) == "capex" and Cell("capex", None).whole
    assert Cell("capex", 2).label(TimeAxis(QUARTERS, 2025 * 4, 8)) == "capex[2025Q3]"
    assert Cell("rev", 0, ("EU",)).label(years) == "rev[EU, 2024]"  # members before the period
    assert Cell("rev", 0, ("EU",)).at(5) == Cell("rev", 5, ("EU",))
    assert len({Cell("a", 1), Cell("a", 1), Cell("a", 2)}) == 2  # a value: usable as a key


def test_a_result_is_read_by_period_and_refuses_one_off_the_axis():
    m = load_model(textwrap.dedent("""\
        years 2024..2026
        x = 1
        x[2026] = 5
    """), "t.scn")
    r = evaluate(m)
    assert r.at("x", 2) == r.value("x", 2026) == 5
    for bad in (lambda: r.at("x", 3), lambda: r.at("x", -1), lambda: r.value("x", 2023),
                lambda: r.value("x", 2027)):
        with pytest.raises(IndexError, match="2024..2026"):
            bad()
