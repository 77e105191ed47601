"""The grid's groups (issue 11), with no engine: a sheet made by hand, the grid alone in
an app (Pilot, a real terminal size), and the lazy member rows over a stand-in result.

A variable with dims is a header row (`▾ capex (5) Σ`, the sum over its
members) and a row per member; space opens and closes a group; a group of more
than OPEN_LIMIT members opens closed; a percentage's header shows no sum.
"""

from __future__ import annotations

import asyncio
import functools
import math

import numpy as np
from textual.app import App, ComposeResult

from engine.axis import TimeAxis
from tui.session.members import Arrays, InputBits, RowValues, changed_rows, combo_index
from tui.session.sheet import Row, Sheet, row_key, split_key
from tui.widgets.find import find_rows
from tui.widgets.grid import OPEN_LIMIT, Grid

SIZE = (200, 50)
AXIS = TimeAxis.of_years(2024, 2026)
COMPANIES = ("goog", "meta", "msft", "amzn", "orcl")


def sync(test):
    @functools.wraps(test)
    def run(*args, **kwargs):
        return asyncio.run(test(*args, **kwargs))
    return run


def sheet(units: int = 3) -> Sheet:
    """capex by company (an amount), capex_share by company (a percentage), na_capex
    (no dims), and `cost` over `units` members (a large group when units > OPEN_LIMIT)."""
    combos = {"capex": [(c,) for c in COMPANIES], "capex_share": [(c,) for c in COMPANIES],
              "cost": [(f"u{k:04d}",) for k in range(units)]}
    capex = {c: [10e9 * (k + 1), 11e9 * (k + 1), 12e9 * (k + 1)] for k, c in enumerate(COMPANIES)}
    values = {"na_capex": [150e9, 165e9, 180e9], "capex": [150e9, 165e9, 180e9],
              "capex_share": [None] * 3, "cost": [float(units)] * 3}
    values.update({row_key("capex", (c,)): v for c, v in capex.items()})
    values.update({row_key("capex_share", (c,)): [0.2] * 3 for c in COMPANIES})
    values.update({row_key("cost", m): [1.0] * 3 for m in combos["cost"]})
    rows = (Row(None, "Capex"), Row("capex", "Capex", group=5), Row("na_capex", "Capex"),
            Row("capex_share", "Capex", group=5), Row("cost", "Capex", group=units))
    return Sheet(AXIS, rows, {"capex_share": "percent"}, values,
                 inputs={"capex[goog]": 0b001}, combos=combos)


class GridApp(App):
    CSS_PATH = "../tui/app.tcss"

    def compose(self) -> ComposeResult:
        yield Grid(id="grid")

    def on_mount(self) -> None:
        self.query_one(Grid).focus()


def text(grid: Grid) -> list[str]:
    return ["".join(s.text for s in grid.render_line(y)).rstrip()
            for y in range(grid.scrollable_content_region.height)]


def line(grid: Grid, start: str) -> str:
    found = [t for t in text(grid) if t.lstrip().startswith(start)]
    assert found, f"no line starting {start!r} in:\n" + "\n".join(text(grid))
    return found[0]


@sync
async def test_a_variable_with_dims_is_a_group_of_member_rows_with_its_sum():
    app = GridApp()
    async with app.run_test(size=SIZE) as pilot:
        grid = app.query_one(Grid)
        grid.show(sheet())
        await pilot.pause()
        shown = text(grid)
        # the header: open, its member count, Σ: the numbers are sums
        assert line(grid, "▾ capex (5) Σ").split()[-3:] == ["150.0B", "165.0B", "180.0B"]
        for k, c in enumerate(COMPANIES):  # a row per member, under the header, in order
            assert line(grid, c).split() == [c, *(f"{x:.1f}B" for x in
                                                  (10 * (k + 1), 11 * (k + 1), 12 * (k + 1)))]
        names = [t.split()[0] for t in shown[1:9]]
        assert names == ["Capex", "▾", *COMPANIES, "na_capex"]
        # a percentage does not add up: no Σ, no numbers on its header
        assert line(grid, "▾ capex_share (5)").split() == ["▾", "capex_share", "(5)"]
        # the cursor stops on headers and members (not on section lines)
        assert grid.cursor_cell == ("capex", 2024)
        await pilot.press("down")
        assert grid.cursor_cell == ("capex[goog]", 2024)


@sync
async def test_space_closes_and_opens_a_group_and_the_footer_says_so():
    app = GridApp()
    async with app.run_test(size=SIZE) as pilot:
        grid = app.query_one(Grid)
        grid.show(sheet())
        await pilot.pause()
        await pilot.press("down", "down")
        assert grid.cursor_cell == ("capex[meta]", 2024)
        await pilot.press("space")  # closed under the cursor: the cursor goes to its header
        await pilot.pause()
        assert grid.cursor_cell == ("capex", 2024)
        assert "▸ capex (5) Σ" in line(grid, "▸ capex")
        assert "150.0B" in line(grid, "▸ capex")  # a closed group shows its sum
        assert not any(t.strip().startswith("goog") for t in text(grid)[:4])
        await pilot.press("down")  # the next row is the next variable
        assert grid.cursor_cell == ("na_capex", 2024)
        await pilot.press("up", "space")
        await pilot.pause()
        assert line(grid, "▾ capex")
        await pilot.press("down")
        assert grid.cursor_cell == ("capex[goog]", 2024)
        assert grid.check_action("toggle_group", ()) is True
        await pilot.click(Grid, offset=(0, 2))  # on the ▾ of capex (line 1 is its section)
        await pilot.pause()
        assert grid.cursor_cell == ("capex", 2024) and not grid.is_open("capex")


@sync
async def test_a_large_group_opens_closed_and_find_opens_it_on_its_member():
    app = GridApp()
    async with app.run_test(size=SIZE) as pilot:
        grid = app.query_one(Grid)
        grid.show(sheet(units=OPEN_LIMIT + 1))
        await pilot.pause()
        assert "▸ cost (65) Σ" in line(grid, "▸ cost")
        assert len(grid.rows) == 1 + 1 + 5 + 1 + 1 + 5 + 1  # no member row of cost
        grid.move_to("cost[u0042]", 2025)
        await pilot.pause()
        assert grid.cursor_cell == ("cost[u0042]", 2025)
        assert grid.is_open("cost") and line(grid, "▾ cost")
        grid.move_to("capex_share")
        assert grid.cursor_cell == ("capex_share", 2025)  # a plain name: the group


@sync
async def test_a_model_without_dims_has_no_group_key_in_the_footer():
    app = GridApp()
    async with app.run_test(size=SIZE) as pilot:
        grid = app.query_one(Grid)
        grid.show(Sheet(AXIS, (Row("x", None),), {}, {"x": [1.0, 2.0, 3.0]}))
        await pilot.pause()
        assert grid.check_action("toggle_group", ()) is False
        assert text(grid)[1].split() == ["x", "1", "2", "3"]


def test_find_ranks_variables_then_the_members_of_the_best_one():
    names = ["capex", "capex_growth", "na_capex"]
    members = {"capex": ["capex[goog]", "capex[meta]", "capex[orcl]"],
               "capex_growth": ["capex_growth[goog]"]}.get
    assert find_rows("capex", names, lambda n: members(n) or [])[0] == "capex"
    assert find_rows("capex[goog]", names, lambda n: members(n) or []) == ["capex[goog]"]
    assert find_rows("cap[or", names, lambda n: members(n) or []) == ["capex[orcl]"]
    assert find_rows("capex[", names, lambda n: members(n) or [])[:2] == [
        "capex[goog]", "capex[meta]"]
    assert find_rows("na_capex[x", names, lambda n: members(n) or []) == []


def test_row_keys_are_the_engines_output_names():
    assert row_key("capex", ("goog",)) == "capex[goog]"
    assert row_key("units", ("goog", "g800")) == "units[goog,g800]"
    assert split_key("units[goog,g800]") == ("units", ("goog", "g800"))
    assert split_key("capex") == ("capex", ())


# ---------------------------------------------------------------- lazy rows over arrays

class FakeModel:
    """What the member rows need of a model (engine.model.Model's dims API)."""

    def __init__(self):
        self.axis = AXIS
        self.variables = ["capex", "units", "na"]
        self.dims_of = {"capex": ("company",), "units": ("company", "speed"), "na": ()}
        self.dims = {"company": COMPANIES, "speed": ("g400", "g800")}
        self.member_of = {m: (d, k) for d, ms in self.dims.items() for k, m in enumerate(ms)}

    def shape(self, v):
        return tuple(len(self.dims[d]) for d in self.dims_of[v])

    def combos(self, v):
        import itertools
        return tuple(itertools.product(*(self.dims[d] for d in self.dims_of[v]))) or ((),)


class FakeResult:
    def __init__(self, arrays):
        self.arrays = arrays  # name -> (values (*shape, n), defined)

    def values(self, name):
        return self.arrays[name][0][None]

    def defined(self, name):
        return self.arrays[name][1]


def fake_result(scale: float = 1.0):
    capex = np.arange(15, dtype=float).reshape(5, 3) * scale
    defined = np.ones((5, 3), bool)
    defined[4, 0] = False  # orcl has no 2024
    capex[4, 0] = np.nan
    units = np.arange(30, dtype=float).reshape(5, 2, 3)
    return FakeResult({"capex": (capex, defined), "units": (units, np.ones((5, 2, 3), bool))})


def test_member_rows_are_made_from_the_arrays_when_read():
    model = FakeModel()
    values = RowValues(model, Arrays(model, fake_result()), {"na": [1.0, 2.0, 3.0]},
                       lambda v: True)
    assert values["capex[goog]"] == [0.0, 1.0, 2.0]
    assert values["capex[orcl]"] == [None, 13.0, 14.0]  # empty is None, not NaN
    assert values["units[meta,g800]"] == [9.0, 10.0, 11.0]
    assert combo_index(model, "units", ("meta", "g800")) == 3
    # the header: the sum over members; an empty member adds nothing
    assert values["capex"] == [0 + 3 + 6 + 9, 1 + 4 + 7 + 10 + 13, 2 + 5 + 8 + 11 + 14]
    assert values["na"] == [1.0, 2.0, 3.0]
    assert values.get("capex[zzz]") is None and values.get("units[goog]") is None
    assert len(values) == 3 + 5 + 10
    flat = RowValues(model, Arrays(model, fake_result()), {}, lambda v: False)
    assert flat["capex"] == [None, None, None]  # a percentage: no sum


def test_changes_of_member_rows_are_compared_as_arrays():
    model = FakeModel()
    then = RowValues(model, Arrays(model, fake_result()), {}, lambda v: True)
    moved = fake_result()
    moved.arrays["capex"][0][1, 2] = 99.0
    now = RowValues(model, Arrays(model, moved), {}, lambda v: True)
    found = changed_rows(model, "capex", now, then)
    assert found == {"capex[meta]": {2: 5.0}, "capex": {2: 40.0}}
    assert changed_rows(model, "units", now, then) == {}


def test_a_member_rows_input_bits_come_from_the_cover():
    class Cover:
        pieces = ("input", "formula")
        grid = np.array([[0, 1, 1], [0, 0, 1], [0, 0, 0], [0, 1, 1], [-1, 1, 1]], np.int32)
    model = FakeModel()
    bits = InputBits(model, {"capex": Cover}, {"na": 0b111},
                     lambda m, p: () if p == "input" else ("x",))
    assert bits["capex[goog]"] == 0b001 and bits["capex[msft]"] == 0b111
    assert bits["capex"] == 0b000  # a header is blue where every member is an input
    assert bits["na"] == 0b111
    assert not math.isnan(float(bits["capex[meta]"]))
