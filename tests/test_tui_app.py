"""The terminal UI through Textual's Pilot: the keys of the contract, as an analyst presses them.

Open the bundled scenario, move, edit an input, see the dependents move on
screen and in the engine, undo, save (one line changes), refuse a bad edit,
reload a file changed on disk, switch scenario and compare, find, quit.
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import functools
import os
import shutil
from pathlib import Path

import pytest
from textual.worker import WorkerCancelled

from engine import evaluate, load_model
from tests.helpers import reevaluated_sensitivities
from tui.app import ScnApp
from tui.widgets.dialogs import ChoiceScreen
from tui.widgets.editor import EditorScreen
from tui.widgets.find import FindScreen, rank
from tui.widgets.grid import Grid
from tui.widgets.series_chart import SeriesChart
from tui.widgets.load_errors import LoadErrorScreen

ROOT = Path(__file__).resolve().parent.parent
SIZE = (200, 50)  # a real terminal (the small one, 80x24, has its own tests)


def sync(test):
    """Run an async test in its own event loop (no pytest plugin needed)."""
    @functools.wraps(test)
    def run(*args, **kwargs):
        return asyncio.run(test(*args, **kwargs))
    return run


def fallback(model, output, year, scenario, wrt=None):
    return reevaluated_sensitivities(model, output, year, scenario, 0.10, 8,
                                     "test: re-evaluation only")


@pytest.fixture
def scn_file(tmp_path):
    path = tmp_path / "ai_capex.scn"
    shutil.copy(ROOT / "tests" / "models" / "ai_capex_v1.scn", path)
    return path


def make_app(path, **kw) -> ScnApp:
    """The app as users run it: the file watcher on, at its usual pace (`poll`)."""
    kw.setdefault("sensitivities", fallback)
    return ScnApp(str(path), blink=False, sens_delay=0.01, **kw)


@contextlib.asynccontextmanager
async def opened(path, size=SIZE, **kw):
    """The app on a file, loaded and idle: yields (app, pilot)."""
    app = make_app(path, **kw)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        yield app, pilot


async def until(pilot, done, timeout: float = 15.0) -> None:
    """Wait (the watcher looks every second) until `done()`, then until the app is idle."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not done():
        assert loop.time() < end, "timed out"
        await pilot.pause(0.05)
    await settle(pilot)


def touch(path, n: int) -> None:
    """A new modification time, whatever the file system's clock resolution."""
    os.utime(path, ns=(n * 10**9, n * 10**9))


async def settle(pilot) -> None:
    """Wait until the app has loaded and every worker has finished."""
    app = pilot.app
    for _ in range(200):
        await pilot.pause(0.02)
        if app.ready or isinstance(app.screen, LoadErrorScreen):
            break
    for _ in range(3):
        with contextlib.suppress(WorkerCancelled):  # a newer job replaced it: normal
            await app.workers.wait_for_complete()
        await pilot.pause(0.05)


def grid_text(app) -> str:
    grid = app.query_one(Grid)
    return "\n".join("".join(s.text for s in grid.render_line(y))
                     for y in range(grid.scrollable_content_region.height))


def row_text(app, name: str) -> str:
    return app.query_one(Grid).lines_of(name)[0]


def change_text(app, name: str) -> str:
    lines = app.query_one(Grid).lines_of(name)
    return lines[1] if len(lines) > 1 else ""


async def go_to(pilot, name: str, year: int) -> None:
    grid = pilot.app.query_one(Grid)
    grid.move_to(name, year)
    await settle(pilot)
    assert grid.cursor_cell == (name, year)


async def edit(pilot, key: str, text: str) -> None:
    await pilot.press(key)
    await settle(pilot)
    assert isinstance(pilot.app.screen, EditorScreen)
    await pilot.press(*text)  # the prefill is selected: typing replaces it
    await pilot.press("enter")
    await settle(pilot)


def file_values(path) -> dict:
    model = load_model(Path(path).read_text(), str(path))
    return {v: evaluate(model).series(v) for v in model.variables}


def changed_lines(a: str, b: str) -> list[str]:
    return [line for line in difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and line[:3] not in ("+++", "---")]


@sync
async def test_open_move_edit_undo_save(scn_file):
    original = scn_file.read_text()
    async with opened(scn_file) as (app, pilot):
        grid = app.query_one(Grid)
        assert grid.cursor_cell == ("capex", 2024)
        assert "265.0B" in row_text(app, "capex") and "790.7B" in row_text(app, "capex")
        # move with the arrow keys: down to asic_share (section lines are skipped), End to 2030
        await pilot.press(*["down"] * 8, "end")
        await settle(pilot)
        assert grid.cursor_cell == ("asic_share", 2030)
        before = app.session.values("base")["optics_tam"][-1]
        assert "61.1B" in row_text(app, "optics_tam")

        await edit(pilot, "enter", "interp({2024: 10%, 2030: 60%})")
        assert not isinstance(app.screen, EditorScreen)
        # in the engine: the session's values are those of the edited file, reloaded whole
        edited = app.session.render_text()
        expected = load_model(edited, "x.scn")
        after = evaluate(expected).value("optics_tam", 2030)
        assert app.session.values("base")["optics_tam"][-1] == after > before
        # on screen: the new value, and the change against the file on the line below
        assert "73.5B" in row_text(app, "optics_tam")
        assert "+12.4B" in change_text(app, "optics_tam")
        assert "+15.0pp" in change_text(app, "asic_share")
        assert "1 unsaved edit" in str(app.query_one("#status").render())

        await pilot.press("ctrl+z")
        await settle(pilot)
        assert "61.1B" in row_text(app, "optics_tam") and not change_text(app, "optics_tam")
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert "73.5B" in row_text(app, "optics_tam")

        await pilot.press("ctrl+s")
        await settle(pilot)
        saved = scn_file.read_text()
        assert changed_lines(original, saved) == [
            "-asic_share = interp({2024: 10%, 2030: 45%})  # assumption: ~10% in 2024, 45% by 2030",
            "+asic_share = interp({2024: 10%, 2030: 60%})  # assumption: ~10% in 2024, 45% by 2030",
        ]
        assert not app.session.dirty and not change_text(app, "optics_tam")
        assert file_values(scn_file)["optics_tam"][-1] == after
        await pilot.press("q")  # nothing unsaved: quits at once
        await pilot.pause()
    assert app.return_code == 0


@sync
async def test_an_invalid_edit_shows_the_error_inline_and_changes_nothing(scn_file):
    original = scn_file.read_text()
    async with opened(scn_file) as (app, pilot):
        await go_to(pilot, "asic_share", 2027)
        shown = grid_text(app)
        await edit(pilot, "enter", "capex_grwth * 2")
        assert isinstance(app.screen, EditorScreen)  # still open, with the message
        message = str(app.screen.query_one("#editor-error").render())
        assert "ai_capex.scn:61:14: error: unknown variable 'capex_grwth'" in message
        assert "did you mean 'capex_growth'?" in message
        await pilot.press("escape")
        await settle(pilot)
        assert not app.session.dirty and grid_text(app) == shown
        await edit(pilot, "enter", "optics_tam")  # a cycle
        assert "circular reference" in str(app.screen.query_one("#editor-error").render())
        await pilot.press("escape")
        await settle(pilot)
    assert scn_file.read_text() == original


@sync
async def test_equals_edits_one_year_and_enter_on_a_map_edits_its_entry(scn_file):
    original = scn_file.read_text()
    async with opened(scn_file) as (app, pilot):
        await go_to(pilot, "asic_share", 2027)
        await edit(pilot, "=", "30%")
        assert app.session.values("base")["asic_share"][2:5] == pytest.approx([0.21666666, 0.3, 0.3333333])
        await go_to(pilot, "capex_growth", 2028)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#editor-input").value == "15%"
        await pilot.press(*"18%", "enter")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert sorted(changed_lines(original, scn_file.read_text())) == [
        "+  2028: 18%,  # assumption", "+asic_share[2027] = 30%", "-  2028: 15%,  # assumption"]


@sync
async def test_scenarios_compare_and_find(scn_file):
    async with opened(scn_file) as (app, pilot):
        await pilot.press("c")  # base has no parent: compare stays off
        await settle(pilot)
        assert not app.compare
        await pilot.press("]")
        await settle(pilot)
        assert app.scenario == "bull"
        assert "60.0%" in row_text(app, "asic_share")
        await pilot.press("c")
        await settle(pilot)
        assert app.compare
        assert "+15.0pp" in row_text(app, "asic_share")  # bull against base
        assert "compare: changes against base" in str(app.query_one("#status").render())
        await pilot.press("[")
        await settle(pilot)
        assert app.scenario == "base" and not app.compare

        await go_to(pilot, "capex", 2027)
        await pilot.press("/")
        await settle(pilot)
        assert isinstance(app.screen, FindScreen)
        await pilot.press(*"optam", "enter")
        await settle(pilot)
        assert app.query_one(Grid).cursor_cell == ("optics_tam", 2027)  # the year column is kept


def test_fuzzy_find_prefers_the_tightest_name():
    names = ["optics_tam_gpu", "optics_tam_asic", "optics_tam", "capex"]
    assert rank("optam", names)[0] == "optics_tam"
    assert rank("cpx", names) == ["capex"]
    assert rank("", names) == names


def test_find_ranks_as_the_fuzzy_matcher_does_scoring_every_name():
    """`rank` scores only the names holding the query's letters in order: the same
    list as scoring every name with the matcher (case, spaces, regex characters)."""
    from textual.fuzzy import Matcher

    names = ["optics_tam_gpu", "Optics_TAM", "capex", "a b", "x.y", "a*b", "İx", "ß",
             "capex_growth", "cap_ex", "ex_cap", "ppp"]
    for query in ["o", "OPT", "tam", "a b", "x.", ".", "*", "i", "ss", "cx", "pp", "p p",
                  "zz", "cap", "ae"]:
        matcher = Matcher(query)
        scored = sorted(((matcher.match(n), len(n), k, n) for k, n in enumerate(names)),
                        key=lambda s: (-s[0], s[1], s[2]))
        assert rank(query, names) == [s[3] for s in scored if s[0] > 0], query


@sync
async def test_after_an_edit_the_chart_draws_every_scenario_again(scn_file):
    """The cell is explained as soon as the scenario on screen is recomputed; the other
    scenarios follow in the background (the chart's title says so meanwhile), and then
    the chart draws each of them with the edited model's values."""
    from tui.app_cell import OTHERS_COMPUTING

    async with opened(scn_file) as (app, pilot):
        await go_to(pilot, "accel_share", 2027)
        await edit(pilot, "enter", "65%")
        await until(pilot, lambda: OTHERS_COMPUTING not in app.query_one(SeriesChart)._shown[0])
        title, _, series, *_ = app.query_one(SeriesChart)._shown
        model = app.session.model
        assert title == "accel_share" and list(series) == list(model.scenarios)
        for sc in model.scenarios:
            assert series[sc] == evaluate(model, sc).series("accel_share")
        assert series["base"][3] == pytest.approx(0.65)


@sync
async def test_quit_asks_when_edits_are_unsaved(scn_file):
    original = scn_file.read_text()
    async with opened(scn_file) as (app, pilot):
        await go_to(pilot, "accel_share", 2027)
        await edit(pilot, "enter", "65%")
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert app.is_running and app.session.dirty
        await pilot.press("q")
        await settle(pilot)
        await pilot.press("d")  # discard and quit
        await pilot.pause()
    assert scn_file.read_text() == original


@sync
async def test_an_external_change_reloads_and_keeps_the_cursor(scn_file):
    async with opened(scn_file) as (app, pilot):
        await go_to(pilot, "accel_spend", 2028)
        scn_file.write_text(scn_file.read_text().replace("accel_share = 60%", "accel_share = 70%"))
        touch(scn_file, 1)
        await until(pilot, lambda: "70.0%" in row_text(app, "accel_share"))
        assert app.query_one(Grid).cursor_cell == ("accel_spend", 2028)
        # a broken text: the errors show, the last good model stays
        scn_file.write_text(scn_file.read_text().replace("accel_share = 70%", "accel_share = 70% +"))
        touch(scn_file, 2)
        problems = app.query_one("#problems")
        await until(pilot, lambda: problems.display)
        assert "ai_capex.scn:54:20: error" in str(problems.render())
        assert "70.0%" in row_text(app, "accel_share")


@sync
async def test_save_does_not_overwrite_a_file_changed_on_disk(scn_file):
    async with opened(scn_file) as (app, pilot):
        await go_to(pilot, "accel_share", 2027)
        await edit(pilot, "enter", "65%")
        theirs = scn_file.read_text() + "# someone else's line\n"
        scn_file.write_text(theirs)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("s")  # save elsewhere
        await settle(pilot)
        await pilot.press("enter")  # the proposed path: FILE.new
        await settle(pilot)
    assert scn_file.read_text() == theirs
    assert "accel_share = 65%" in Path(str(scn_file) + ".new").read_text()


@sync
async def test_a_file_that_does_not_load_opens_to_its_errors_then_loads_when_fixed(tmp_path):
    path = tmp_path / "bad.scn"
    path.write_text("years 2024..2026\nx = 1 +\ny = z * 2\n")
    async with opened(path) as (app, pilot):
        assert isinstance(app.screen, LoadErrorScreen)
        text = str(app.screen.query_one("#load-messages").render())
        assert "bad.scn:2:8: error: expected a value after the operator" in text
        assert "bad.scn:3:5: error: unknown variable 'z'" in text
        path.write_text("years 2024..2026\nx = 1\ny = x * 2\n")
        touch(path, 1)
        await until(pilot, lambda: not isinstance(app.screen, LoadErrorScreen))
        assert row_text(app, "y").split() == ["y", "2", "2", "2"]  # whole numbers: no decimals


@sync
async def test_help_and_inspector_jump(scn_file):
    async with opened(scn_file) as (app, pilot):
        await pilot.press("question_mark")
        await settle(pilot)
        assert "HelpScreen" in type(app.screen).__name__
        await pilot.press("escape")
        await go_to(pilot, "asic_spend", 2026)
        inspector_text = str(app.query_one("#cell-definition").render())
        assert "asic_spend = accel_spend * asic_share" in inspector_text
        assert "ai_capex.scn:64" in inspector_text
        await pilot.press("tab")  # to the cells it reads
        await pilot.press("down", "down", "enter")  # the second: asic_share 2026
        await settle(pilot)
        assert app.query_one(Grid).cursor_cell == ("asic_share", 2026)
        assert app.query_one(Grid).has_focus


def test_the_guide_lists_the_keys_the_help_screen_shows():
    from tui.widgets.help import KEYS

    guide = (ROOT / "docs" / "tui.md").read_text()
    for key, what in KEYS:
        assert f"| {key} | {what} |" in guide


def test_the_command_refuses_a_missing_file_and_an_unknown_scenario_before_any_screen(tmp_path):
    import subprocess
    import sys

    scn = Path(sys.executable).with_name("scn")
    missing = subprocess.run([str(scn), "tui", str(tmp_path / "nope.scn")],
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "nope.scn: no such file" in missing.stderr
    unknown = subprocess.run([str(scn), "tui", str(ROOT / "tests" / "models" / "ai_capex_v1.scn"),
                              "--scenario", "bul"], capture_output=True, text=True, timeout=60)
    assert unknown.returncode == 2
    assert "unknown scenario 'bul' (did you mean 'bull'?" in unknown.stderr


@sync
async def test_unit_warnings_are_named_with_their_lines_in_the_status_line_not_as_hidden_characters(
        tmp_path):
    path = tmp_path / "m.scn"
    path.write_text("years 2024..2025\na: USD = 1\nb: PFLOPS = 2\nc = a + b\n",
                    encoding="utf-8")
    app = ScnApp(str(path), blink=False, sensitivities=fallback, sens_delay=0.01)  # watcher on
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        status = str(app.query_one("#status").render())
        assert "! unit warnings in c (line 4)" in status and "hidden" not in status
        assert row_text(app, "c").split()[0] == "c"  # the model runs: a warning never blocks
        await go_to(pilot, "a", 2024)
        await edit(pilot, "enter", "b * 2")  # an edit that brings a second warning
        assert not isinstance(app.screen, EditorScreen)
        assert "! unit warnings in a, c (lines 2, 4)" in str(app.query_one("#status").render())
        await go_to(pilot, "c", 2024)
        await edit(pilot, "enter", "a")  # and one that takes one away
        assert "! unit warnings in a (line 2)" in str(app.query_one("#status").render())


@sync
async def test_hidden_characters_show_escaped_and_their_lines_in_the_status_line(tmp_path):
    path = tmp_path / "m.scn"
    path.write_text('model "T\x1b[2J"\nyears 2024..2025\nsection "S\x1b[31m"\n'
                    "# note\u2028x = 9\nx = 1\n", encoding="utf-8")
    app = ScnApp(str(path), blink=False, sensitivities=fallback, sens_delay=0.01)  # watcher on
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.title == "T\\x1b[2J"
        assert "! hidden characters on lines 1, 3, 4" in str(app.query_one("#status").render())
        grid = grid_text(app)
        assert "S\\x1b[31m" in grid and "\x1b" not in grid
        assert row_text(app, "x").split() == ["x", "1", "1"]  # the definition after U+2028 stays a comment


@sync
async def test_the_status_line_names_each_kind_of_run_warning(tmp_path):
    """The run's warnings are the engine's (as `scn run` prints them), each kind in its words."""
    path = tmp_path / "m.scn"
    path.write_text("years 2024..2025\nsd = -1\nx = normal(10, sd)\nz = 0\ny = 1 / z\n")
    app = ScnApp(str(path), blink=False, sensitivities=fallback, sens_delay=0.01)  # watcher on
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        status = str(app.query_one("#status").render())
        assert "! non-finite values in y" in status
        assert "! impossible distribution parameters in x" in status
