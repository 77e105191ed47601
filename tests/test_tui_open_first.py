"""A large model opens with the rows on screen first (tui.session.first.open_sheet).

The rows on the first screen are computed with what they read, exact, and
painted; every other row is pending until the whole scenario is computed.
Meanwhile the grid moves, and what reads the session waits for the whole
result. The whole evaluation is held at a gate (`evaluate` waits for it), so
that the tests look at the screen between the two paints.
"""

from __future__ import annotations

import asyncio
import math

import pytest

import tui.session.first as first
from engine import load_model
from engine.partial import evaluate_some
from engine.unit_check import units, units_of_some
from tests.test_tui_app import make_app, row_text, sync, until
from tests.test_tui_first import gated, status
from tui.session import Session
from tui.widgets.find import FindScreen
from tui.widgets.grid import Grid
from tui.widgets.grid_lines import PENDING

SMALL = (80, 24)
CHAIN = 80

TEXT = "\n".join([
    "years 2025..2027",
    "",
    'section "Inputs"',
    "a: USD = 1000",
    "g = 5%",
    'section "Chain"',
    "b001 = a * (1 + g)",
    *(f"b{k:03} = b{k - 1:03} + 1" for k in range(2, CHAIN + 1)),
    "share = b080 / (b080 + a)",
    "",
    'scenario high "More" {',
    "  a = 2000",
    "}",
    "",
])


@pytest.fixture
def chain(tmp_path, monkeypatch):
    path = tmp_path / "chain.scn"
    path.write_text(TEXT)
    monkeypatch.setattr(first, "OPEN_AT", 10)  # 83 variables count as many here
    return path


def same(x, y) -> bool:
    return x == y or (x is not None and y is not None and math.isnan(x) and math.isnan(y))


def test_the_first_sheet_is_exact_where_computed_and_stores_nothing(chain):
    s = Session.open(str(chain))
    sheet = first.open_sheet(s, "base", 6)
    assert sheet is not None and not s.state.results  # a picture: no result stored
    shown = [r.key for r in sheet.rows[:6] if r.name is not None]
    assert shown == ["a", "g", "b001", "b002"]  # under their section headers
    assert sheet.pending == {f"b{k:03}" for k in range(3, CHAIN + 1)} | {"share"}
    whole = s.sheet("base")
    assert sheet.rows == whole.rows and not whole.pending
    for key in shown:
        assert sheet.values[key] == whole.values[key]
        assert sheet.kinds[key] == whole.kinds[key] and sheet.inputs[key] == whole.inputs[key]
    assert sheet.values["b001"] == [1050.0] * 3 and sheet.kinds["g"] == "percent"


def test_another_scenario_opens_first_with_its_own_values(chain):
    s = Session.open(str(chain))
    sheet = first.open_sheet(s, "high", 6)
    assert sheet.values["b002"] == [2101.0] * 3 == s.sheet("high").values["b002"]


def test_rows_on_screen_that_read_most_of_the_model_open_whole(tmp_path, monkeypatch):
    """A summary on top that reads everything: computing it first would cost the whole
    evaluation twice."""
    monkeypatch.setattr(first, "OPEN_AT", 10)
    path = tmp_path / "summary_first.scn"
    path.write_text(TEXT.replace('section "Inputs"', 'section "Summary"\ntotal = share * 2\n'
                                 'section "Inputs"'))
    s = Session.open(str(path))
    assert first.open_sheet(s, "base", 3) is None  # total reads 83 of 84 variables
    assert s.sheet("base").values["total"] == [2 * (1129 / 2129)] * 3  # b080 = 1050 + 79


def test_a_model_under_the_threshold_or_computed_opens_whole(chain, monkeypatch):
    s = Session.open(str(chain))
    s.sheet("base")
    assert first.open_sheet(s, "base", 6) is None  # computed already
    monkeypatch.setattr(first, "OPEN_AT", 1000)
    assert first.open_sheet(Session.open(str(chain)), "base", 6) is None  # 83 variables


def test_some_variables_evaluate_as_the_whole_model_does():
    model = load_model(TEXT.replace("b040 = b039 + 1", "b040 = b039[t-1] + b040[t-1] * g\n"
                                    "b040[2025] = 7"))
    from engine import evaluate
    for scenario in ("base", "high"):
        whole = evaluate(model, scenario)
        for wanted in (["a"], ["b041"], ["share"], ["g", "b002"]):
            some = evaluate_some(model, scenario, wanted)
            assert set(wanted) <= some.computed and some.pending == \
                set(model.variables) - some.computed
            for v in some.computed:
                assert all(map(same, some.values[v], whole.series(v))), (scenario, v)
    assert len(evaluate_some(model, "base", ["b041"]).computed) == 43  # a, g, b001..b041


@pytest.mark.parametrize("path", ["scenarios/ai_capex.scn", "tests/models/ai_capex_v1.scn"])
def test_the_units_of_a_few_variables_are_the_whole_inference_s(path):
    text = open(path).read()
    whole = units(load_model(text))
    for v in whole:
        fresh = load_model(text)
        assert units_of_some(fresh, [v])[v] == whole[v], v


@sync
async def test_the_rows_on_screen_show_first_then_every_row(chain, monkeypatch):
    with gated(monkeypatch, "evaluate") as gate:
        app = make_app(chain)
        async with app.run_test(size=SMALL) as pilot:
            grid = app.query_one(Grid)
            loop = asyncio.get_running_loop()
            end = loop.time() + 15
            while not grid.sheet.pending:
                assert loop.time() < end, "no first sheet"
                await pilot.pause(0.02)
            await pilot.pause(0.05)
            assert "1.1k" in row_text(app, "b001") and PENDING not in row_text(app, "b001")
            assert "computing" in status(app) and "more rows…" in status(app)
            assert app.query_one("#bottom").has_class("-pending")
            await pilot.press("ctrl+end")  # moves act at once: the last row is pending
            await pilot.pause(0.1)
            assert grid.cursor_cell[0] == "share" and PENDING in row_text(app, "share")
            await pilot.press("slash")  # find waits for the whole sheet
            await pilot.pause(0.1)
            assert not isinstance(app.screen, FindScreen)
            gate.set()
            await until(pilot, lambda: not grid.sheet.pending)
            assert PENDING not in row_text(app, "b080") and "1.1k" in row_text(app, "b080")
            assert "computing" not in status(app)
            assert not app.query_one("#bottom").has_class("-pending")
            assert isinstance(app.screen, FindScreen)  # the key kept, then acted
            assert app.filled
