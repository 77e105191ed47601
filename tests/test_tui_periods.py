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
from tests.test_tui_app import (changed_lines, edit, go_to, grid_text, opened, settle, sync,
                                 until)
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


# ------------------------------------------------------------ rolled up by year

YEARS_SHOWN = ["2025 (07-12)", "2026", "2027", "2028 (01-06)"]


def by_hand(months: list, how: str) -> list:
    """A monthly row from 2025-07 rolled up to 2025 (6 months), 2026, 2027, 2028 (6)."""
    out = []
    for a, b in ((0, 6), (6, 18), (18, 30), (30, 36)):
        cells = [v for v in months[a:b] if v is not None]
        if not cells:
            out.append(None)
        else:
            out.append(sum(cells) if how == "sum" else sum(cells) / len(cells))
    return out


def status(app) -> str:
    return str(app.query_one("#status").render())


@sync
async def test_y_rolls_the_months_up_to_calendar_years_and_back(monthly):
    async with opened(monthly) as (app, pilot):
        grid = app.query_one(Grid)
        await go_to(pilot, "revenue", period("2027-05"))
        await pilot.press("y")
        await settle(pilot)
        assert grid.sheet.years is not None and "by year" in status(app)
        # the partial years say which months they hold
        head = header(app)
        for label in YEARS_SHOWN:
            assert label in head
        # the cursor: the same variable, the year of its month
        assert grid.cursor_cell == ("revenue", period("2027-05"))
        assert grid.cursor_col == 2
        # values: the cells rolled up by hand (sum for an amount, mean for a percentage,
        # empty months left out)
        months = app.session.values("base")
        for name, how in (("revenue", "sum"), ("new_customers", "sum"), ("churn", "mean"),
                          ("revenue_yoy", "mean")):
            assert grid.sheet.values[name] == pytest.approx(by_hand(months[name], how)), name
        assert grid.sheet.values["revenue_yoy"][0] is None  # no month of 2025 defined
        row = grid.lines_of("revenue")[0].split()
        assert row == ["revenue", "14.0M", "44.0M", "67.6M", "43.4M"]
        # the inspector says how the cell was made
        value = str(app.query_one("#cell-value").render())
        assert "67.6M" in value and "sum of 12 months" in value
        assert "2027-05" in str(app.query_one("#cell-definition").render())
        # the chart: the variable by year
        chart = app.query_one("#series")
        assert chart._shown[0] == "revenue by year (sum); 2025, 2028 partial"
        assert chart._shown[2]["base"] == pytest.approx(by_hand(months["revenue"], "sum"))
        # moving by year, then back to months: the same month when still in its year
        await pilot.press("left", "right")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert grid.sheet.years is None and "by year" not in status(app)
        assert grid.cursor_cell == ("revenue", period("2027-05"))
        await pilot.press("y", "home", "y")
        await settle(pilot)
        assert grid.cursor_cell == ("revenue", period("2025-07"))  # 2025's first month


@sync
async def test_a_partial_year_is_explained_in_the_inspector(monthly):
    async with opened(monthly) as (app, pilot):
        await go_to(pilot, "churn", period("2028-02"))
        await pilot.press("y")
        await settle(pilot)
        value = str(app.query_one("#cell-value").render())
        assert value.startswith("1.5%  mean of 6 months")
        assert "the model covers 2028-01..2028-06 of 2028, 6 of its 12 months" in value


@sync
async def test_a_rolled_up_cell_is_not_edited(monthly):
    async with opened(monthly) as (app, pilot):
        await go_to(pilot, "arpu", period("2026-03"))
        await pilot.press("y")
        await settle(pilot)
        for key in ("enter", "equals_sign"):
            await pilot.press(key)
            await settle(pilot)
            assert not isinstance(app.screen, EditorScreen)
            said = [n.message for n in app._notifications]
            assert any("arpu 2026 is rolled up (sum of 12 months): not editable. Edit a month "
                       "instead: y shows the months." in m for m in said)
        await pilot.press("down")  # the keyboard is not held: the cursor moves
        await settle(pilot)
        assert app.query_one(Grid).cursor_cell[0] == "revenue"
        assert not app.session.dirty
    assert monthly.read_text() == MONTHLY


@sync
async def test_the_roll_up_stays_through_an_undo_and_a_reload(monthly):
    async with opened(monthly) as (app, pilot):
        grid = app.query_one(Grid)
        await go_to(pilot, "arpu", period("2026-03"))
        await edit(pilot, "equals_sign", "3k")  # one month: +1k of ARPU
        await pilot.press("y")
        await settle(pilot)
        # the change line, rolled up: 2026's arpu is 1k higher, revenue by that month's
        assert grid.lines_of("arpu")[1].split() == ["change", "+1.0k"]
        assert grid.sheet.values["arpu"][1] == pytest.approx(25_000)
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert grid.sheet.years is not None
        assert grid.sheet.values["arpu"][1] == pytest.approx(24_000)
        assert len(grid.lines_of("arpu")) == 1
        # the file changes on disk: the watcher reloads it, still by year
        monthly.write_text(MONTHLY.replace("arpu = 2k", "arpu = 2.5k"))
        await until(pilot, lambda: grid.sheet.values["arpu"][1] == pytest.approx(30_000))
        assert grid.sheet.years is not None and "by year" in status(app)
        assert grid.cursor_cell == ("arpu", period("2026-03"))
        assert "30.0k" in grid.lines_of("arpu")[0]


@sync
async def test_a_quarterly_model_with_dims_rolls_up_its_members_and_their_sum(tmp_path):
    path = tmp_path / "dims.scn"
    path.write_text(DIMS)
    async with opened(path) as (app, pilot):
        await pilot.press("y")
        await settle(pilot)
        grid = app.query_one(Grid)
        assert header(app).split()[:4] == ["2025", "(Q3-Q4)", "2026", "2027"]
        quarters = app.session.values("base")
        for key in ("capex", "capex[meta]", "total"):
            q = quarters[key]
            assert grid.sheet.values[key] == pytest.approx([sum(q[:2]), sum(q[2:6]), sum(q[6:])])
        growth = quarters["capex_growth[meta]"]
        assert grid.sheet.values["capex_growth[meta]"] == pytest.approx([0.05] * 3)
        assert grid.sheet.values["capex_growth"] == [None] * 3  # a percentage does not add up
        assert growth[0] == pytest.approx(0.05)


DIMS = """\
model "Capex by company and quarter"
quarters 2025Q3..2027Q2

dim company = {goog, meta, msft}

capex[2025Q3] = {goog: 20B, meta: 15B, msft: 18B}
capex = capex[t-1] * (1 + capex_growth)
capex_growth = 3%
capex_growth[meta] = 5%
total = sum(capex, company)
"""


# ------------------------------------------------------------ the guide's screen

def guide_blocks() -> tuple[str, list[str]]:
    """docs/tui.md's monthly model (its `scn file=saas_monthly.scn` block) and the
    screen excerpt shown after it (the grid by year, 80x24)."""
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "tui.md").read_text("utf-8")
    start = text.index("```scn file=saas_monthly.scn\n") + len("```scn file=saas_monthly.scn\n")
    model = text[start:text.index("```", start)]
    shown = text.index("```\n", text.index("by year, on an 80x24 terminal", start)) + 4
    return model, text[shown:text.index("```", shown)].splitlines()


@sync
async def test_the_guides_screen_of_a_monthly_model_by_year_is_what_the_app_shows(tmp_path):
    model, excerpt = guide_blocks()
    path = tmp_path / "saas_monthly.scn"
    path.write_text(model)
    async with opened(path, size=(80, 24)) as (app, pilot):
        await pilot.press("y")
        await settle(pilot)
        screen = [s.text.rstrip() for s in app.screen._compositor.render_strips()]
    shown = [line.rstrip() for line in excerpt]
    assert len(shown) >= 8
    runs = [i for i in range(len(screen) - len(shown) + 1)
            if all(screen[i + k] == line for k, line in enumerate(shown))]
    assert runs, "\n".join(["the guide's excerpt is not on the screen; the screen:", *screen])
