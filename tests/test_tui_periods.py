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


# ------------------------------------------------------------ wide grids

def header(app) -> str:
    return grid_text(app).splitlines()[0]


def range_line(app) -> str:
    """The grid's last line: which periods lie beyond the screen."""
    return grid_text(app).splitlines()[-1].strip()


@sync
async def test_months_head_the_columns_and_the_names_stay_in_view_scrolling_right(monthly):
    async with opened(monthly) as (app, pilot):
        grid = app.query_one(Grid)
        assert header(app).split()[:3] == ["2025-07", "2025-08", "2025-09"]
        for _ in range(30):  # right, past the screen's last column
            await pilot.press("right")
        await settle(pilot)
        assert grid.cursor_cell == ("customers", period("2028-01"))
        shown = grid_text(app).splitlines()
        assert shown[0].split()[0] == "◀"  # periods out of view on the left
        assert "2028-01" in shown[0].split() and "2025-07" not in shown[0]
        # the variable column stays: every row still starts with its name
        assert shown[2].startswith("  customers") and shown[3].startswith("  churn")
        # the selected cell is on screen, under its label
        col = shown[0].index("2028-01") + len("2028-01")
        assert shown[2][:col].rstrip().endswith("3.4k")


@sync
async def test_the_range_line_says_which_months_lie_beyond_the_screen(monthly):
    async with opened(monthly) as (app, pilot):
        grid = app.query_one(Grid)
        assert len(grid._columns()) == 18  # 200 columns: 18 months in view
        line = range_line(app)
        assert line.startswith("2025-07..2026-12 of 36 months")
        assert line.endswith("2027-01..2028-06 (18 months) ▶")
        assert "◀" not in line
        await pilot.press("greater_than_sign", *["right"] * 17)  # a year on, then to 2027-12
        await settle(pilot)
        assert grid.cursor_cell == ("customers", period("2027-12"))
        line = range_line(app)
        assert line.startswith("◀ 2025-07..2026-06 (12 months)")
        assert "2026-07..2027-12 of 36 months" in line
        assert line.endswith("2028-01..2028-06 (6 months) ▶")
        await pilot.press("end")
        await settle(pilot)
        assert grid.cursor_cell == ("customers", period("2028-06"))
        line = range_line(app)
        assert line.startswith("◀ 2025-07..2026-12 (18 months)")
        assert line.endswith("2027-01..2028-06 of 36 months") and "▶" not in line


@sync
async def test_a_narrow_terminal_says_how_many_months_lie_each_way(monthly):
    async with opened(monthly, size=(80, 24)) as (app, pilot):
        await pilot.press("greater_than_sign")
        await settle(pilot)
        line = range_line(app)
        assert line.startswith("◀ 2025-07..2026-01 (7 months)") or line.startswith("◀ 7 months")
        assert line.endswith("months) ▶") or line.endswith("months ▶")
        assert len(grid_text(app).splitlines()[-1]) <= 80


@sync
async def test_home_end_and_a_year_at_a_time(monthly):
    async with opened(monthly) as (app, pilot):
        grid = app.query_one(Grid)
        await go_to(pilot, "revenue", period("2026-03"))
        for key, where in (("ctrl+right", "2027-03"), ("greater_than_sign", "2028-03"),
                           ("ctrl+right", "2028-06"),  # clamped at the last month
                           ("less_than_sign", "2027-06"), ("ctrl+left", "2026-06"),
                           ("home", "2025-07"), ("end", "2028-06")):
            await pilot.press(key)
            await settle(pilot)
            assert grid.cursor_cell == ("revenue", period(where)), key
            assert grid.cursor_col in grid._columns()  # always in view


@sync
async def test_a_yearly_model_fitting_the_screen_has_no_range_line(tmp_path):
    path = tmp_path / "y.scn"
    path.write_text('model "y"\nyears 2024..2030\n\nx = 1\n')
    async with opened(path) as (app, pilot):
        assert "of 7 years" not in grid_text(app)
    async with opened(path, size=(60, 20)) as (app, pilot):
        assert range_line(app).endswith("(3 years) ▶") or range_line(app).endswith("years ▶")
