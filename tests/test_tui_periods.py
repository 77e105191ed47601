"""The terminal UI on a monthly and a quarterly model (issue 12): period labels
in the header, the variable column frozen while scrolling right, the sign of
the periods beyond the screen, Home/End and a year at a time, the roll-up by
calendar year, and edits of a period cell written back as `x[2025-08] = ...`.

Run as users run it: the file watcher on, a 200x50 terminal (the small one,
80x24, where it matters).
"""

from __future__ import annotations

import pytest

from engine import evaluate, load_model
from tests.test_tui_app import changed_lines, edit, go_to, grid_text, opened, settle, sync
from tui.widgets.editor import EditorScreen
from tui.widgets.grid import Grid

MONTHLY = """\
model "SaaS by month"
months 2025-07..2028-06

section "Customers"

## Paying customers at month end.
customers[2025-07] = 1_000  # assumption
customers = customers[t-1] * (1 - churn) + new_customers

## Share of customers lost each month.
churn = 1.5%  # assumption

## New customers signed in the month.
new_customers = interp({2025-07: 80, 2028-06: 150})  # assumption

section "Revenue"

## Monthly revenue per customer, USD.
arpu = 2k  # assumption

## Revenue, USD.
revenue = customers * arpu

## Revenue, year on year.
revenue_yoy[2026-07..] = yoy(revenue)
"""

QUARTERLY = """\
model "Capex by quarter"
quarters 2025Q1..2026Q4

capex[2025Q1] = 17.6B
capex = capex[t-1] * (1 + capex_growth)
capex_growth = {2025: 3%, 2026: 5%}
"""

M = 12  # months a year


def period(label: str) -> int:
    """A month's absolute number (what the grid's cursor and messages carry)."""
    year, month = label.split("-")
    return int(year) * M + int(month) - 1


@pytest.fixture
def monthly(tmp_path):
    path = tmp_path / "saas.scn"
    path.write_text(MONTHLY)
    return path


@pytest.fixture
def quarterly(tmp_path):
    path = tmp_path / "capex.scn"
    path.write_text(QUARTERLY)
    return path


# ------------------------------------------------------------ editing a period cell

@sync
async def test_equals_on_a_month_writes_that_month_by_its_label(monthly):
    async with opened(monthly) as (app, pilot):
        await go_to(pilot, "new_customers", period("2025-08"))
        await pilot.press("equals_sign")
        await settle(pilot)
        assert isinstance(app.screen, EditorScreen)
        title = str(app.screen.query_one("#editor-title").render())
        assert "covers 2025-08" in title
        head = str(app.screen.query_one("#editor-head").render())
        assert head.strip() == "new_customers[2025-08] ="
        await pilot.press(*"90", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, EditorScreen)  # accepted
        assert app.session.values("base")["new_customers"][:3] == pytest.approx([80, 90, 84])
        await pilot.press("ctrl+s")
        await settle(pilot)
    saved = monthly.read_text()
    assert changed_lines(MONTHLY, saved) == ["+new_customers[2025-08] = 90"]
    model = load_model(saved, "x.scn")
    assert evaluate(model).series("new_customers")[:3] == pytest.approx([80, 90, 84])


@sync
async def test_equals_on_a_quarter_writes_that_quarter_by_its_label(quarterly):
    async with opened(quarterly) as (app, pilot):
        await go_to(pilot, "capex_growth", 2026 * 4 + 1)  # 2026Q2
        await edit(pilot, "equals_sign", "8%")
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert changed_lines(QUARTERLY, quarterly.read_text()) == ["+capex_growth[2026Q2] = 8%"]


@sync
async def test_the_tornado_names_the_cell_by_its_period_label(monthly):
    async with opened(monthly) as (app, pilot):
        await go_to(pilot, "revenue", period("2026-03"))
        await pilot.press("t")
        await settle(pilot)
        from tui.widgets.tornado import Tornado
        shown = str(app.query_one(Tornado).render())
        assert shown.startswith("revenue 2026-03  scenario base")
