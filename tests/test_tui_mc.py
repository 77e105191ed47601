"""Monte Carlo in the terminal UI (issue 14), through Textual's Pilot with the file
watcher on: `m` shows each row's median with p5 and p95 lines under it, the
numbers of engine.montecarlo for the same seed and samples; off again gives
the grid back; an edit while it is on samples again (an older result is
dropped); a model without distributions says so and shows nothing new; the
chart draws the fan; the tornado marks an input swung across its 5-95% range.
"""

from __future__ import annotations

import re

from pathlib import Path

from display.numbers import row_format
from engine import evaluate, load_model
from engine.montecarlo import simulate
from tests.test_tui_app import edit, go_to, grid_text, opened, row_text, settle, sync, touch
from tui import sens_adapter
from tui.app_mc import NO_DISTRIBUTIONS
from tui.session.mc import PERCENTILES, SAMPLES, SEED, monte_carlo
from tui.widgets.grid import Grid
from tui.widgets.series_chart import SeriesChart
from tui.widgets.tornado import Tornado, render

OPTICS = """model "Optics demand under uncertainty"
years 2025..2030

capex[2025] = 400B
capex = capex[t-1] * (1 + capex_growth)
capex_growth = 15% to 35%
capex_growth[2026] = 30%
accel_share = triangular(40%, 50%, 55%)
optics_per_accel = uniform(8%, 12%)
asic_discount = normal(0.85, 0.05)
optics_tam = capex * accel_share * optics_per_accel * asic_discount
"""

CERTAIN = """model "No ranges"
years 2025..2027

revenue[2025] = 100
revenue = revenue[t-1] * (1 + growth)
growth = 10%
"""

ROOT = Path(__file__).resolve().parent.parent


def status(app) -> str:
    return str(app.query_one("#status").render())


def lines(app, key: str) -> list[str]:
    return app.query_one(Grid).lines_of(key)


def engine_percentiles(text: str, variable: str) -> dict[str, list[float]]:
    """The percentiles `scn mc --samples 2000 --seed 2024` computes for a row."""
    sim = simulate(load_model(text, "m.scn"), "base", samples=SAMPLES, seed=SEED,
                   percentiles=PERCENTILES)
    pct = sim.stats[variable].percentiles
    return {f"p{p:g}": [float(x) for x in pct[k, 0]] for k, p in enumerate(PERCENTILES)}


def write(path, text: str, stamp: int) -> None:
    path.write_text(text, encoding="utf-8")
    touch(path, stamp)


@sync
async def test_m_shows_medians_and_p5_p95_lines_equal_to_the_engines(tmp_path):
    path = tmp_path / "optics.scn"
    write(path, OPTICS, 1)
    async with opened(path) as (app, pilot):
        before = grid_text(app)
        assert len(lines(app, "optics_tam")) == 1
        await pilot.press("m")
        await settle(pilot)
        assert app.mc_on and app.mc_runs == 1
        want = engine_percentiles(OPTICS, "optics_tam")
        band = app.mc_view.rows["optics_tam"]
        for name in ("p5", "p25", "p50", "p75", "p95"):
            assert list(getattr(band, name)) == want[name]
        assert all(a < b < c for a, b, c in zip(band.p5, band.p50, band.p95))
        # the row is its median, then a p5 and a p95 line, one format for the three
        fmt = row_format([*want["p5"], *want["p50"], *want["p95"]], "amount")
        row, p5, p95 = lines(app, "optics_tam")
        assert row.split() == ["optics_tam", *(fmt(v) for v in want["p50"])]
        assert p5.split() == ["p5", *(fmt(v) for v in want["p5"])]
        assert p95.split() == ["p95", *(fmt(v) for v in want["p95"])]
        # capex[2025], capex_growth[2026] (so capex[2026]) are fixed: blank, as in a change line
        assert len(lines(app, "capex")[1].split()) == 1 + 4  # the label, 2027..2030
        assert len(lines(app, "capex_growth")[1].split()) == 1 + 5  # all but 2026
        assert lines(app, "capex_growth")[1][:len("  p5")] == "  p5"
        assert f"Monte Carlo: {SAMPLES:,} samples, seed {SEED}, " in status(app)
        # how long it took: in ms under a second, else in seconds (a loaded machine)
        assert re.search(r" (\d+ ms|\d+\.\d s)$", status(app).rstrip())
        # the chart of the selected row draws the fan around the median
        await go_to(pilot, "optics_tam", 2030)
        fan = app.query_one(SeriesChart).fan
        assert fan is band
        # off again: the grid as it was, nothing said of Monte Carlo
        await pilot.press("m")
        await settle(pilot)
        assert not app.mc_on
        assert app.query_one(SeriesChart).fan is None
        await go_to(pilot, "capex", 2025)
        assert grid_text(app) == before
        assert "Monte Carlo" not in status(app)


@sync
async def test_an_edit_while_on_samples_again_and_an_older_result_is_dropped(tmp_path):
    path = tmp_path / "optics.scn"
    write(path, OPTICS, 1)
    async with opened(path) as (app, pilot):
        await pilot.press("m")
        await settle(pilot)
        old_state, old_view = app.session.state, app.mc_view
        await go_to(pilot, "capex_growth", 2027)
        await edit(pilot, "enter", "20% to 40%")
        assert app.session.state is not old_state
        edited = OPTICS.replace("capex_growth = 15% to 35%", "capex_growth = 20% to 40%")
        want = engine_percentiles(edited, "optics_tam")
        assert app.mc_runs == 2
        assert list(app.mc_view.rows["optics_tam"].p50) == want["p50"]
        assert list(app.mc_view.rows["optics_tam"].p95) != list(old_view.rows["optics_tam"].p95)
        fmt = row_format([*want["p5"], *want["p50"], *want["p95"]], "amount")
        assert lines(app, "optics_tam")[0].split()[1:] == [fmt(v) for v in want["p50"]]
        # the change line is the plain run's change (+5.0pp: 25% to 30%), not median - file
        row, change, p5, p95 = lines(app, "capex_growth")
        assert change.split() == ["change"] + ["+5.0pp"] * 5
        assert [p5.split()[0], p95.split()[0]] == ["p5", "p95"]
        # a result of the file's model arriving now is stale: dropped, the grid unchanged
        shown = grid_text(app)
        app._mc_done(old_view, old_state, "base")
        await settle(pilot)
        assert app.mc_view.rows["optics_tam"].p50 == want["p50"]
        assert grid_text(app) == shown
        # an undo samples the file's model again
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert list(app.mc_view.rows["optics_tam"].p50) == \
            engine_percentiles(OPTICS, "optics_tam")["p50"]


@sync
async def test_a_file_changed_on_disk_is_sampled_again(tmp_path):
    path = tmp_path / "optics.scn"
    write(path, OPTICS, 1)
    async with opened(path) as (app, pilot):
        await pilot.press("m")
        await settle(pilot)
        changed = OPTICS.replace("uniform(8%, 12%)", "uniform(6%, 14%)")
        write(path, changed, 2)
        loop_end = 60
        while app.session.disk_text != changed and loop_end:
            await pilot.pause(0.1)
            loop_end -= 1
        await settle(pilot)
        await settle(pilot)
        want = engine_percentiles(changed, "optics_tam")
        assert list(app.mc_view.rows["optics_tam"].p5) == want["p5"]
        assert len(lines(app, "optics_tam")) == 3


@sync
async def test_a_model_without_distributions_says_so_and_shows_nothing_new(tmp_path):
    path = tmp_path / "certain.scn"
    write(path, CERTAIN, 1)
    async with opened(path) as (app, pilot):
        before = grid_text(app)
        await pilot.press("m")
        await settle(pilot)
        assert app.mc_on and not app.mc_view.uncertain
        assert grid_text(app) == before  # medians equal the plain run, no p5/p95 lines
        assert NO_DISTRIBUTIONS in [n.message for n in app._notifications]
        assert (f"Monte Carlo: {SAMPLES:,} samples, seed {SEED}: no distributions in this "
                "model, nothing spreads") in status(app)
        # zero spread, as `scn mc` finds: every percentile is the plain run's value
        model = load_model(CERTAIN, "m.scn")
        view = monte_carlo(model, "base")
        assert view.rows["revenue"].p5 == view.rows["revenue"].p95 == \
            evaluate(model).series("revenue")


@sync
async def test_compare_and_by_year_leave_monte_carlo(tmp_path):
    path = tmp_path / "optics.scn"
    write(path, OPTICS + '\nscenario bull extends base "Bull" {\n  accel_share = 60%\n}\n', 1)
    async with opened(path) as (app, pilot):
        await pilot.press("m")
        await settle(pilot)
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert app.scenario == "bull" and app.mc_view.scenario == "bull"
        assert len(lines(app, "accel_share")) == 1  # 60% in bull: nothing spreads
        assert len(lines(app, "optics_tam")) == 3
        await pilot.press("c")
        await settle(pilot)
        assert app.compare and not app.mc_on
        assert "Monte Carlo" not in status(app)
        await pilot.press("m")  # Monte Carlo leaves compare
        await settle(pilot)
        assert app.mc_on and not app.compare
        assert len(lines(app, "optics_tam")) == 3


@sync
async def test_the_tornado_marks_an_input_written_as_a_distribution(tmp_path):
    path = tmp_path / "optics.scn"
    write(path, OPTICS.replace("asic_discount = normal(0.85, 0.05)", "asic_discount = 0.85"), 1)
    async with opened(path, sensitivities=sens_adapter.sensitivities) as (app, pilot):
        await go_to(pilot, "optics_tam", 2030)
        await settle(pilot)
        sens = app.query_one(Tornado).sens
        assert sens is not None and sens.rows
        by_input = {r.input: r for r in sens.rows}
        assert by_input["optics_per_accel"].range is not None
        assert by_input["asic_discount"].range is None  # a plain number: -10%/+10%
        text = render(sens, "amount", 100, "2030").plain
        assert "optics_per_accel ~" in text
        assert "asic_discount ~" not in text and "asic_discount" in text
        assert "; ~ across its 5-95% range" in text.splitlines()[0]
        assert ("~ written as a distribution: swung across its own 5-95% range instead of "
                "-10%/+10%") in text


def guide_block() -> tuple[str, list[str]]:
    """docs/tui.md's Monte Carlo model (`scn file=optics_tui.scn`) and the grid after `m`."""
    text = (ROOT / "docs" / "tui.md").read_text("utf-8")
    head = "```scn file=optics_tui.scn\n"
    start = text.index(head) + len(head)
    model = text[start:text.index("```", start)]
    at = text.index("```\n", text.index("then `m`, on an 80x40 terminal", start)) + 4
    return model, text[at:text.index("```", at)].splitlines()


@sync
async def test_the_guides_monte_carlo_screen_is_what_the_app_shows(tmp_path, monkeypatch):
    model, shown = guide_block()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "optics_tui.scn").write_text(model, encoding="utf-8")
    async with opened("optics_tui.scn", size=(80, 40)) as (app, pilot):
        await pilot.press("m")
        await settle(pilot)
        screen = [s.text.rstrip() for s in app.screen._compositor.render_strips()]
    shown = [line.rstrip() for line in shown]
    assert len(shown) >= 8
    assert any(screen[i:i + len(shown)] == shown for i in range(len(screen))), "\n".join(screen)


@sync
async def test_the_cursor_rows_p95_line_scrolls_into_view_on_a_small_terminal(tmp_path,
                                                                            monkeypatch):
    # The p5/p95 lines bring a vertical scrollbar, which hides a column without a resize:
    # the range line then takes a line of the grid, and the last line must still be
    # reachable when the cursor is on the last row.
    model, _ = guide_block()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "optics_tui.scn").write_text(model, encoding="utf-8")
    async with opened("optics_tui.scn", size=(80, 24)) as (app, pilot):
        await pilot.press("m")
        await settle(pilot)
        await pilot.press(*["down"] * 6)
        await settle(pilot)
        assert app.query_one(Grid).cursor_cell == ("optics_tam", 2025)
        shown = grid_text(app).splitlines()
        p95 = lines(app, "optics_tam")[2]
        assert p95.split()[0] == "p95"
        assert p95.rstrip() in [line.rstrip() for line in shown]
