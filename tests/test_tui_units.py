"""Units in the terminal UI, through Textual's Pilot with the file watcher on (issue 13).

The unit column after the names (only when the file annotates a variable),
the inspector's unit line and unit warnings, the grid's `≠` mark, and an
edit, an undo or a reload that brings or removes a unit warning said at
once; a warning never blocks an edit or a save.
"""

from __future__ import annotations

from pathlib import Path

from engine import load_model
from tests.test_tui_app import (change_text, edit, go_to, grid_text, opened, row_text, settle,
                                sync, touch, until)
from tui.session.units import news, units_of
from tui.widgets.editor import EditorScreen
from tui.widgets.grid import Grid
from tui.widgets.series_chart import SeriesChart

GPU = """model "GPU compute"
years 2025..2027

section "Spend"

## Spend on GPUs.
gpu_spend: USD = {2025: 100B, 2026: 130B, 2027: 160B}
gpu_cost: USD/PFLOPS = 15k
gpu_compute = gpu_spend / gpu_cost
total = gpu_spend + 5B
customers: count last = 1200
spend_growth[2026..] = growth(gpu_spend)
multiplier: x = 3.8
plain = 7
"""

WRONG = "total = gpu_spend + gpu_compute"
ROOT = Path(__file__).resolve().parent.parent


def status(app) -> str:
    return str(app.query_one("#status").render())


def inspector(app) -> str:
    box = app.query_one("#inspector")
    return "\n".join(str(box.query_one(f"#cell-{part}").render())
                     for part in ("value", "definition", "units"))


def said(app) -> list[str]:
    return [n.message for n in app._notifications]


def write(path, text: str, stamp: int) -> None:
    path.write_text(text, encoding="utf-8")
    touch(path, stamp)


@sync
async def test_a_unit_column_follows_the_names_only_when_the_file_has_an_annotation(tmp_path):
    path = tmp_path / "gpu.scn"
    write(path, GPU, 1)
    async with opened(path) as (app, pilot):
        header = grid_text(app).splitlines()[0]
        assert header.split()[:2] == ["unit", "2025"]
        assert row_text(app, "gpu_spend").split()[:3] == ["gpu_spend", "USD", "100.0B"]
        assert row_text(app, "gpu_cost").split()[:2] == ["gpu_cost", "USD/PFLOPS"]
        assert row_text(app, "gpu_compute").split()[:2] == ["gpu_compute", "PFLOPS"]  # inferred
        assert row_text(app, "customers").split()[:2] == ["customers", "count"]
        unit_col = header.index("unit")
        assert row_text(app, "gpu_cost")[unit_col:].startswith("USD/PFLOPS ")
        # blank for what reads by itself or has no unit: %, x, a plain number
        for name in ("spend_growth", "multiplier", "plain"):
            assert row_text(app, name)[unit_col:unit_col + len("USD/PFLOPS")].strip() == ""
        # frozen like the names: at the last year the unit is still in view
        grid = app.query_one(Grid)
        await pilot.press("end")
        await settle(pilot)
        assert grid.cursor_cell == ("gpu_spend", 2027)
        assert row_text(app, "gpu_spend").split()[:2] == ["gpu_spend", "USD"]

    # Without any annotation: the layout of before, no unit column.
    bare = tmp_path / "bare.scn"
    write(bare, GPU.replace(": USD/PFLOPS", "").replace(": USD", "").replace(": count last", "")
          .replace(": x", ""), 1)
    async with opened(bare) as (app, pilot):
        assert "unit" not in grid_text(app).splitlines()[0]
        assert row_text(app, "gpu_spend").split()[:2] == ["gpu_spend", "100.0B"]
        assert app.query_one(Grid).left == app.query_one(Grid)._name_width


@sync
async def test_member_rows_and_the_roll_up_by_year_keep_the_unit_column(tmp_path):
    path = tmp_path / "q.scn"
    write(path, "quarters 2025Q1..2026Q4\ndim company = {goog, meta}\n"
                "capex[goog]: USD = 10B\ncapex[meta] = 5B\n"
                "customers: count last = 1_000\nmargin = 30%\n", 1)
    async with opened(path) as (app, pilot):
        assert row_text(app, "capex").split()[:6] == ["▾", "capex", "(2)", "Σ", "USD", "15.0B"]
        assert row_text(app, "capex[goog]").split()[:2] == ["goog", "USD"]
        await pilot.press("y")
        await until(pilot, lambda: app.query_one(Grid).sheet.years is not None)
        assert grid_text(app).splitlines()[0].split()[:2] == ["unit", "2025"]
        assert row_text(app, "capex[meta]").split()[:3] == ["meta", "USD", "20.0B"]
        # customers: count last rolls up by its last quarter, and says so in the inspector
        assert row_text(app, "customers").split()[:3] == ["customers", "count", "1,000"]
        app.query_one(Grid).move_to("customers", 2025 * 4)  # 2025Q1, as a period's number
        await settle(pilot)
        text = inspector(app)
        assert "unit: count (declared)  ·  last: by year, its last period" in text
        assert text.startswith("1,000 count  last of 4 quarters: 2025Q4")
        assert "2025Q4 1,000 count" in text  # the periods it was made of, with their unit


@sync
async def test_the_inspector_says_each_unit_and_where_it_comes_from(tmp_path):
    path = tmp_path / "gpu.scn"
    write(path, GPU, 1)
    async with opened(path) as (app, pilot):
        await go_to(pilot, "gpu_spend", 2026)
        text = inspector(app)
        assert "130.0B USD input" in text
        assert "unit: USD (declared)" in text and "unit warning" not in text
        chart = app.query_one(SeriesChart)
        assert chart._shown[-1] == "USD"
        drawn = chart.render().plain  # the y axis labelled as the grid writes, with the unit
        assert "160.0B USD" in drawn and "100.0B USD" in drawn
        await go_to(pilot, "gpu_cost", 2026)
        assert "unit: USD/PFLOPS (declared)" in inspector(app)
        assert "15.0k USD/PFLOPS" in inspector(app)
        await go_to(pilot, "gpu_compute", 2026)
        assert "unit: PFLOPS (inferred)" in inspector(app)
        links = app.query_one("#precedents")
        shown = [str(links.get_option_at_index(k).prompt) for k in range(links.option_count)]
        assert "gpu_spend 2026  130.0B USD" in shown and "gpu_cost 2026  15.0k USD/PFLOPS" in shown
        await go_to(pilot, "spend_growth", 2026)
        assert "unit: % (inferred)" in inspector(app)
        assert "30.0% formula" in inspector(app)  # a percentage carries its own sign
        await go_to(pilot, "plain", 2026)
        assert "unit: unknown" in inspector(app)
        assert "7 input" in inspector(app)  # a plain number carries nothing


@sync
async def test_a_unit_warning_is_marked_on_its_row_and_listed_beside_the_definition(tmp_path):
    path = tmp_path / "gpu.scn"
    write(path, GPU.replace("total = gpu_spend + 5B", WRONG)
          + "scenario cheap {\n  gpu_cost = 12k * 1%\n}\n", 1)
    async with opened(path) as (app, pilot):
        assert row_text(app, "total").startswith("  total ≠ ")
        assert row_text(app, "gpu_cost").startswith("  gpu_cost ≠ ")
        assert "≠" not in row_text(app, "gpu_spend")
        assert ("! unit warnings in total, gpu_cost (lines 10, 16)") in status(app)
        await go_to(pilot, "total", 2025)
        text = inspector(app)
        assert "total = gpu_spend + gpu_compute" in text  # the definition, then its warnings
        assert f"≠ unit warning {path}:10:9: USD + PFLOPS" in text
        assert "hint: gpu_spend is USD, gpu_compute is PFLOPS: convert one, or fix an " \
               "annotation" in text
        assert text.index("total = gpu_spend") < text.index("≠ unit warning")
        await go_to(pilot, "gpu_cost", 2025)
        assert (f"≠ unit warning {path}:16:14: gpu_cost is annotated USD/PFLOPS, this is % "
                "(scenario cheap)") in inspector(app)


@sync
async def test_an_edit_that_brings_a_unit_warning_says_so_and_is_applied_and_saved(tmp_path):
    path = tmp_path / "gpu.scn"
    write(path, GPU, 1)
    async with opened(path) as (app, pilot):
        assert "unit warning" not in status(app) and "≠" not in grid_text(app)
        await go_to(pilot, "total", 2025)
        await edit(pilot, "enter", "gpu_spend + gpu_compute")
        assert not isinstance(app.screen, EditorScreen)  # a warning never blocks
        message = "unit warning: total = gpu_spend + gpu_compute: USD + PFLOPS"
        assert message in status(app) and message in said(app)
        assert "! unit warnings in total (line 10)" in status(app)
        assert row_text(app, "total").startswith("  total ≠ ")
        assert change_text(app, "total")  # applied: the value moved
        assert "≠ unit warning" in inspector(app)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not app.session.dirty)
        assert WRONG in path.read_text()
        assert row_text(app, "total").startswith("  total ≠ ")  # still there after the save

        # and an edit that takes the last one away says that too
        await edit(pilot, "enter", "gpu_spend * 2")
        assert "no unit warnings left" in status(app) and "no unit warnings left" in said(app)
        assert "unit warnings in" not in status(app) and "≠" not in grid_text(app)
        assert "unit warning" not in inspector(app)
        await pilot.press("ctrl+z")  # undone: the warning is back, and said again
        await settle(pilot)
        assert message in status(app) and "≠" in row_text(app, "total")
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert "no unit warnings left" in status(app)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not app.session.dirty)
        assert "total = gpu_spend * 2\n" in path.read_text()


@sync
async def test_a_file_changed_on_disk_with_a_new_unit_warning_reloads_and_says_it(tmp_path):
    path = tmp_path / "gpu.scn"
    write(path, GPU, 1)
    async with opened(path) as (app, pilot):
        write(path, GPU.replace("total = gpu_spend + 5B", WRONG), 2)
        message = "unit warning: total = gpu_spend + gpu_compute: USD + PFLOPS"
        await until(pilot, lambda: message in status(app))
        assert message in said(app) and row_text(app, "total").startswith("  total ≠ ")
        write(path, GPU, 3)
        await until(pilot, lambda: "no unit warnings left" in status(app))
        assert "≠" not in grid_text(app)


def test_news_compares_warnings_by_what_they_say_not_where_they_stand():
    before = units_of(load_model(GPU.replace("total = gpu_spend + 5B", WRONG), "m.scn"))
    # a line inserted above moves the warning: the same warning, nothing new to say
    moved = units_of(load_model(GPU.replace("total = gpu_spend + 5B", "x = 1\n" + WRONG), "m.scn"))
    assert news(before, moved) is None
    two = units_of(load_model(GPU.replace("total = gpu_spend + 5B", WRONG)
                              + "capex: USD = gpu_compute\n", "m.scn"))
    assert news(before, two) == ("unit warning: capex: USD = gpu_compute: capex is annotated "
                                 "USD, this is PFLOPS")
    assert news(two, before) == ("unit warning fixed: capex: USD = gpu_compute: capex is "
                                 "annotated USD, this is PFLOPS; 1 left")
    assert news(before, units_of(load_model(GPU, "m.scn"))) == "no unit warnings left"
    assert news(units_of(load_model(GPU, "m.scn")), units_of(load_model(GPU, "m.scn"))) is None


def test_the_guide_lists_the_marks_the_help_screen_shows():
    from tui.widgets.help import MARKS

    guide = (ROOT / "docs" / "tui.md").read_text("utf-8")
    for mark, what in MARKS:
        assert f"| {mark} | {what} |" in guide


def guide_blocks() -> tuple[str, list[str], list[str]]:
    """docs/tui.md's units model (`scn file=gpu_units.scn`), the grid excerpt shown after
    it and the inspector's lines."""
    text = (ROOT / "docs" / "tui.md").read_text("utf-8")
    head = "```scn file=gpu_units.scn\n"
    start = text.index(head) + len(head)
    model = text[start:text.index("```", start)]
    grid_at = text.index("```\n", text.index("the cursor moved down to `total`", start)) + 4
    said_at = text.index("```\n", text.index("the inspector says, under the value", start)) + 4
    return (model, text[grid_at:text.index("```", grid_at)].splitlines(),
            text[said_at:text.index("```", said_at)].splitlines())


@sync
async def test_the_guides_units_screen_is_what_the_app_shows(tmp_path, monkeypatch):
    model, grid_lines, inspector_lines = guide_blocks()
    monkeypatch.chdir(tmp_path)  # opened as the guide does: `scn tui gpu_units.scn`
    (tmp_path / "gpu_units.scn").write_text(model, encoding="utf-8")
    async with opened("gpu_units.scn", size=(100, 30)) as (app, pilot):
        await pilot.press("down", "down", "down")
        await settle(pilot)
        assert app.query_one(Grid).cursor_cell == ("total", 2025)
        screen = [s.text.rstrip() for s in app.screen._compositor.render_strips()]
        box = app.query_one("#inspector")
        said = "\n".join(str(box.query_one(f"#cell-{part}").render())
                         for part in ("value", "definition", "units")).splitlines()
        status_line = status(app)
    shown = [line.rstrip() for line in grid_lines]
    assert len(shown) == 9
    assert any(screen[i:i + len(shown)] == shown for i in range(len(screen))), "\n".join(screen)
    assert said == inspector_lines
    assert "! unit warnings in total (line 16)" in status_line


@sync
async def test_values_in_the_inspector_carry_their_unit_after_an_edit(tmp_path):
    path = tmp_path / "gpu.scn"
    write(path, GPU, 1)
    async with opened(path) as (app, pilot):
        await go_to(pilot, "gpu_spend", 2025)
        await edit(pilot, "enter", "130B")
        assert "130.0B USD input   file: 100.0B USD, +30.0B USD (+30.0%)" in inspector(app)
