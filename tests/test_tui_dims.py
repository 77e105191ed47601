"""The terminal UI on a model with dims (issue 11), through Pilot, as users run it (the
file watcher on, a real terminal size): groups of member rows with their sum, space
to close and open them, Enter and = on member cells (the file written through the
one writer), find `capex[goog]`, the inspector's member links, a reload.
"""

from __future__ import annotations

import re
import textwrap

import pytest

from display.kinds import kinds
from engine import evaluate, load_model
from tests.test_tui_app import (changed_lines, go_to, grid_text, opened, settle, sync, touch,
                                until)
from tui.widgets.editor import EditorScreen
from tui.widgets.find import FindScreen
from tui.widgets.grid import OPEN_LIMIT, Grid
from tui.widgets.inspector import Inspector
from tui.widgets.series_chart import SeriesChart
from tui.widgets.tornado import Tornado

TEXT = textwrap.dedent("""\
    years 2024..2030
    dim company = {goog, meta, msft, amzn, orcl}
    dim speed = {g400, g800, g1600}

    ## North American capex per company, USD.
    capex[2024] = {goog: 52.5B, meta: 39.2B, msft: 76B, amzn: 83B, orcl: 7B}
    capex = capex[t-1] * (1 + capex_growth)
    capex_growth = 25%
    capex_growth[orcl] = 60%
    capex_growth[goog, 2025] = 62%          # Google's 2025 guide
    na_capex = sum(capex, company)
    capex_share: % = capex / na_capex
    gbps = {g400: 400, g800: 800, g1600: 1600}
    mix = {g400: 50%, g800: 40%, g1600: 10%}
    bandwidth = na_capex * 1% * mix / gbps
    optics_units = bandwidth * capex_share
    google_bw = bandwidth[g800] * capex_share[goog]

    scenario bull {
      capex_growth[orcl] = 90%
    }
    """)


def _engine_has_dims() -> bool:
    load_model(TEXT, "probe.scn")  # a model with dims loads, or the tests stop here
    return True


pytestmark = pytest.mark.skipif(not _engine_has_dims(),
                                reason="the engine does not evaluate dims yet")


@pytest.fixture
def dims_file(tmp_path):
    path = tmp_path / "hyperscalers.scn"
    path.write_text(TEXT)
    return path


def line_of(app, start: str) -> str:
    """The grid's line whose name column starts with `start` (after the indent)."""
    for line in grid_text(app).splitlines():
        if line.lstrip().startswith(start):
            return line
    raise AssertionError(f"no line {start!r} in\n{grid_text(app)}")


def numbers(line: str) -> list[str]:
    return re.findall(r"-?[\d.,]+[kMBT%]?(?=\s|$)", line)


def fmt(x: float) -> str:
    return f"{x / 1e9:.1f}B"


@sync
async def test_a_variable_with_dims_shows_as_a_group_of_its_members_with_their_sum(dims_file):
    result = evaluate(load_model(TEXT, "x.scn"))
    async with opened(dims_file) as (app, pilot):
        grid = app.query_one(Grid)
        assert grid.cursor_cell == ("capex", 2024)  # the first row: capex's header
        header = line_of(app, "▾ capex (5) Σ")
        total = result.series("na_capex")
        assert numbers(header)[:3] == [fmt(x) for x in total[:3]]
        for company in ("goog", "meta", "msft", "amzn", "orcl"):
            row = line_of(app, company)  # the member rows follow, in declared order
            assert numbers(row)[0] == fmt(result.series("capex", (company,))[0])
        assert line_of(app, "▾ capex_share (5)").split()[3:] == []  # a share: no sum
        # two dims: one line per combination, the last dim fastest
        assert grid.lines_of("optics_units")[0].lstrip().startswith("▾ optics_units (15) Σ")
        keys = [r.key for r in grid.rows if r.name == "optics_units"]
        assert keys[:4] == ["optics_units", "optics_units[goog,g400]", "optics_units[goog,g800]",
                            "optics_units[goog,g1600]"]
        assert grid.lines_of("optics_units[goog,g800]")[0].lstrip().startswith("goog, g800 ")
        await pilot.press("down")
        await settle(pilot)
        assert grid.cursor_cell == ("capex[goog]", 2024)
        # the inspector names the member cell; the chart plots the member's series
        title = str(app.query_one("#cell-title").render())
        assert title.startswith("capex[goog]  2024")
        assert "52.5B input" in str(app.query_one("#cell-value").render())
        # a member map's cell: the member's entry, not the whole map
        assert str(app.query_one("#cell-definition").render()).startswith(
            "capex[2024] = {… goog: 52.5B …}")
        # (a member cell's sensitivities: test_a_member_cell_shows_its_tornado_and_formula)
        chart = app.query_one(SeriesChart)
        assert chart._shown[0] == "capex[goog]" and set(chart._shown[2]) == {"base", "bull"}
        assert chart._shown[2]["base"] == result.series("capex", ("goog",))
        # a group's chart: the sum in every scenario; a percentage's: its members
        await go_to(pilot, "capex", 2024)
        assert chart._shown[0] == "capex: sum of 5 members"
        assert chart._shown[2]["base"] == pytest.approx(result.series("na_capex"))
        await go_to(pilot, "capex_growth", 2024)
        assert list(chart._shown[2]) == [f"capex_growth[{c}]" for c in
                                         ("goog", "meta", "msft", "amzn", "orcl")]


@sync
async def test_space_closes_a_group_to_its_sum_and_opens_it_again(dims_file):
    async with opened(dims_file) as (app, pilot):
        grid = app.query_one(Grid)
        await go_to(pilot, "capex[meta]", 2026)
        await pilot.press("space")
        await settle(pilot)
        assert grid.cursor_cell == ("capex", 2026)
        closed = line_of(app, "▸ capex (5) Σ")
        assert "capex[meta]" not in [r.key for r in grid.rows]
        na = line_of(app, "na_capex")
        assert numbers(closed) == numbers(na)  # the sum is na_capex
        assert "sum of 5 members" in str(app.query_one("#cell-value").render())
        await pilot.press("down")
        await settle(pilot)
        assert grid.cursor_cell == ("capex_growth", 2026)
        await pilot.press("up", "space", "down")
        await settle(pilot)
        assert grid.cursor_cell == ("capex[goog]", 2026)


@sync
async def test_enter_on_a_member_cell_edits_its_covering_definition(dims_file):
    async with opened(dims_file) as (app, pilot):
        await go_to(pilot, "capex_growth[orcl]", 2027)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, EditorScreen)
        assert app.screen.query_one("#editor-input").value == "60%"
        await pilot.press(*"70%", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, EditorScreen)
        values = app.session.values("base")
        assert values["capex_growth[orcl]"][3] == pytest.approx(0.70)
        assert values["capex_growth[meta]"][3] == pytest.approx(0.25)
        # live: orcl's capex moved, with a change line; the group's sum too
        assert "change" in grid_text(app)
        # Enter on a member covered by the definition of every member edits that one
        await go_to(pilot, "capex_growth[meta]", 2027)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#editor-input").value == "25%"
        await pilot.press(*"30%", "enter")
        await settle(pilot)
        # a member map's entry: Enter on capex[goog] 2024 edits goog's entry alone
        await go_to(pilot, "capex[goog]", 2024)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#editor-input").value == "52.5B"
        await pilot.press(*"55B", "enter")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert sorted(changed_lines(TEXT, dims_file.read_text())) == sorted([
        "-capex[2024] = {goog: 52.5B, meta: 39.2B, msft: 76B, amzn: 83B, orcl: 7B}",
        "+capex[2024] = {goog: 55B, meta: 39.2B, msft: 76B, amzn: 83B, orcl: 7B}",
        "-capex_growth = 25%", "+capex_growth = 30%",
        "-capex_growth[orcl] = 60%", "+capex_growth[orcl] = 70%"])
    load_model(dims_file.read_text(), str(dims_file))


@sync
async def test_equals_on_a_member_cell_writes_that_cell_alone(dims_file):
    async with opened(dims_file) as (app, pilot):
        await go_to(pilot, "capex_growth[meta]", 2026)
        await pilot.press("equals_sign")
        await settle(pilot)
        assert isinstance(app.screen, EditorScreen)
        assert app.screen.query_one("#editor-input").value == "25%"  # the covering value
        await pilot.press(*"40%", "enter")
        await settle(pilot)
        values = app.session.values("base")
        assert values["capex_growth[meta]"][2] == pytest.approx(0.40)
        assert values["capex_growth[meta]"][3] == pytest.approx(0.25)
        assert values["capex_growth[msft]"][2] == pytest.approx(0.25)
        # = on the cell an exact definition covers edits that line
        await go_to(pilot, "capex_growth[goog]", 2025)
        await pilot.press("equals_sign")
        await settle(pilot)
        assert app.screen.query_one("#editor-input").value == "62%"
        await pilot.press(*"65%", "enter")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
    saved = dims_file.read_text()
    assert changed_lines(TEXT, saved) == [
        "-capex_growth[goog, 2025] = 62%          # Google's 2025 guide",
        "+capex_growth[goog, 2025] = 65%          # Google's 2025 guide",
        "+capex_growth[meta, 2026] = 40%"]
    assert evaluate(load_model(saved, "x.scn")).series("capex_growth", ("meta",))[2] == \
        pytest.approx(0.40)


@sync
async def test_a_failed_member_edit_changes_nothing(dims_file):
    async with opened(dims_file) as (app, pilot):
        await go_to(pilot, "capex_growth[meta]", 2026)
        await pilot.press("equals_sign")
        await settle(pilot)
        await pilot.press(*"capex[nflx]", "enter")
        await settle(pilot)
        assert isinstance(app.screen, EditorScreen)
        assert "error" in str(app.screen.query_one("#editor-error").render())
        await pilot.press("escape")
        await settle(pilot)
        assert not app.session.dirty
    assert dims_file.read_text() == TEXT


@sync
async def test_find_lands_on_a_member_row_or_on_the_group(dims_file):
    async with opened(dims_file) as (app, pilot):
        grid = app.query_one(Grid)
        await go_to(pilot, "na_capex", 2027)
        await pilot.press("space")  # not a group: nothing happens
        await go_to(pilot, "capex", 2027)
        await pilot.press("space")  # closed: find opens it
        await settle(pilot)
        await pilot.press("/")
        await settle(pilot)
        assert isinstance(app.screen, FindScreen)
        await pilot.press(*"capex[msft]", "enter")
        await settle(pilot)
        assert grid.cursor_cell == ("capex[msft]", 2027)
        assert grid.is_open("capex")
        await pilot.press("/")
        await settle(pilot)
        await pilot.press(*"capex_share", "enter")
        await settle(pilot)
        assert grid.cursor_cell == ("capex_share", 2027)


@sync
async def test_the_inspector_links_member_cells(dims_file):
    async with opened(dims_file) as (app, pilot):
        await go_to(pilot, "capex_share[goog]", 2025)
        reads = [str(o.prompt) for o in app.query_one(Inspector).query_one("#precedents")._options]
        assert any(r.startswith("capex[goog, 2025]") for r in reads), reads
        assert any(r.startswith("na_capex 2025") for r in reads), reads
        by = [str(o.prompt) for o in app.query_one(Inspector).query_one("#dependents")._options]
        assert any(r.startswith("optics_units[goog, g400, 2025]") for r in by), by
        assert any(r.startswith("google_bw 2025") for r in by), by
        # a sum over the dim reads the group; a group's readers are groups
        await go_to(pilot, "na_capex", 2025)
        reads = [str(o.prompt) for o in app.query_one(Inspector).query_one("#precedents")._options]
        assert reads and reads[0].startswith("capex 2025"), reads
        await go_to(pilot, "capex", 2025)
        by = [str(o.prompt) for o in app.query_one(Inspector).query_one("#dependents")._options]
        assert [b.split("  ")[0] for b in by] == ["capex 2026", "na_capex 2025",
                                                  "capex_share 2025"], by
        assert "not available for a group's sum" in str(app.query_one("#cell-sens").render())


@sync
async def test_a_dims_file_changed_on_disk_is_reloaded_keeping_the_member_row(dims_file):
    async with opened(dims_file) as (app, pilot):
        grid = app.query_one(Grid)
        await go_to(pilot, "capex[amzn]", 2028)
        dims_file.write_text(TEXT.replace("amzn: 83B", "amzn: 90B"))
        touch(dims_file, 2_000_000_000)
        await until(pilot, lambda: app.session.values("base")["capex[amzn]"][0] == 90e9)
        assert grid.cursor_cell == ("capex[amzn]", 2028)
        assert numbers(line_of(app, "amzn"))[0] == "90.0B"


@sync
async def test_a_large_group_opens_closed(tmp_path):
    members = ", ".join(f"u{k:03d}" for k in range(OPEN_LIMIT + 1))
    path = tmp_path / "large.scn"
    path.write_text(f"years 2024..2026\ndim unit = {{{members}}}\nx[u000] = 1\nx = 2\n"
                    "y = sum(x, unit)\n")
    async with opened(path) as (app, pilot):
        grid = app.query_one(Grid)
        assert "▸ x (65) Σ" in line_of(app, "▸ x")
        assert len(grid.rows) == 2
        assert numbers(line_of(app, "▸ x"))[0] == "129"  # 1 + 64 x 2


def test_member_edits_give_the_values_of_the_saved_file_reloaded(dims_file):
    """The session's incremental edits (engine.edit) against load_model of the text they
    save, every row of every scenario; one edit gives na_capex a dim (and so its readers)."""
    from tui.session import Session

    s = Session.open(str(dims_file))
    edits = [("capex_growth", 2027, False, ("orcl",), "70%"),
             ("capex_growth", 2026, True, ("meta",), "40%"),
             ("capex", 2024, False, ("goog",), "55B"),
             ("mix", 2025, True, ("g800",), "45%"),
             ("na_capex", 2025, False, (), "capex * 2"),
             ("gbps", 2025, False, ("g400",), "40%")]  # an amount's entry becomes a percent
    for name, year, single, members, text in edits:
        request = s.editor("base", name, year, single, members)
        s.apply(request.target, text)
        reloaded = load_model(s.render_text(), str(dims_file))
        assert dict(reloaded.dims_of) == dict(s.model.dims_of)
        assert s.kinds() == kinds(reloaded)  # reused from the last state where it can be
        for scenario in reloaded.scenarios:
            expected = evaluate(reloaded, scenario)
            shown = s.values(scenario)
            for v, members_, row in expected.rows():
                key = v if not members_ else f"{v}[{','.join(members_)}]"
                assert shown[key] == pytest.approx(row, nan_ok=True), (text, scenario, key)
    assert s.model.dims_of["na_capex"] == ("company",)
    assert s.model.dims_of["google_bw"] == ("company",)
    sheet = s.sheet("base")
    assert [r.group for r in sheet.rows if r.name == "na_capex"] == [5]


@sync
async def test_enter_on_a_groups_header_edits_the_definition_of_every_member_or_says_why_not(
        dims_file):
    async with opened(dims_file) as (app, pilot):
        await go_to(pilot, "mix", 2026)  # one member map: a definition per member
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, EditorScreen)
        said = [n.message for n in app._notifications]
        assert any("different definitions in 2026" in m and "mix[2026]" in m for m in said), said
        await go_to(pilot, "gbps", 2026)
        await pilot.press("equals_sign")  # = on a header: the year, every member
        await settle(pilot)
        assert isinstance(app.screen, EditorScreen)
        assert "2026, every member" in str(app.screen.query_one("#editor-title").render())
        assert str(app.screen.query_one("#editor-head").render()) == "gbps[2026] = "
        await pilot.press("escape")
        await settle(pilot)
        await go_to(pilot, "capex_share", 2026)  # one definition covers every member
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, EditorScreen)
        assert app.screen.query_one("#editor-input").value == "capex / na_capex"


@sync
async def test_at_80_columns_groups_read_and_the_footer_keeps_help_and_quit(dims_file):
    from textual.widgets import Footer

    async with opened(dims_file, size=(80, 24)) as (app, pilot):
        keys = {k.key: k for k in app.query_one(Footer).query("FooterKey")}
        for key in ("space", "question_mark", "q"):
            assert keys[key].region.right <= 80
        grid = app.query_one(Grid)
        assert grid.lines_of("capex")[0].startswith("▾ capex (5) Σ")
        assert grid.lines_of("capex[goog]")[0].startswith("    goog")
        assert grid.lines_of("optics_units[goog,g1600]")[0].startswith("    goog, g1600  ")


@sync
async def test_sensitivities_that_fail_on_a_model_with_dims_say_so_in_words(dims_file):
    def boom(model, output, year, scenario, wrt=None):
        raise KeyError("capex_growth")  # a bug in the engine: the app stays up and says so

    from tui.app import ScnApp

    app = ScnApp(str(dims_file), blink=False, sensitivities=boom, sens_delay=0.01)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        await go_to(pilot, "na_capex", 2026)
        await until(pilot, lambda: "computing" not in str(app.query_one("#cell-sens").render()))
        assert "sensitivities: not available (an internal error, KeyError: 'capex_growth')" \
            in str(app.query_one("#cell-sens").render())


@sync
async def test_a_member_cell_shows_its_tornado_and_formula(dims_file):
    from tui.sens_adapter import sensitivities  # the engine's, as users run the app

    async with opened(dims_file, sensitivities=sensitivities) as (app, pilot):
        await go_to(pilot, "capex[meta]", 2026)
        for _ in range(100):  # the sensitivities come from a worker after a short delay
            await settle(pilot)
            sens = app.query_one(Tornado).sens
            if sens is not None:
                break
        assert sens is not None and sens.output == "capex[meta]" and sens.year == 2026
        inputs = [r.input for r in sens.rows]
        assert "capex_growth[meta]" in inputs and "capex_growth[goog]" not in inputs
        assert sens.formula.startswith("d capex[meta] / d ")
        assert "capex_growth[meta]" in str(app.query_one("#cell-sens").render())
