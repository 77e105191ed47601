"""The terminal UI as a new user met it (issue 8): each defect found, as a Pilot test.

Every test runs the app as users run it: the file watcher on, at a real
terminal size (80x24 or 200x50). A slow load (a large model on a busy
machine) is simulated by a `Session` that takes 2.5 s to build; a busy
session (a large model computing) by holding the session's lock.
"""

from __future__ import annotations

import re
import threading
import time

import pytest
from textual import events
from textual.widgets import Footer, Input, Tab, Tabs

from tests.test_tui_app import (change_text, edit, go_to, make_app, opened, row_text, scn_file,
                                settle, sync, touch, until)
from tui.session import Session
from tui.widgets.dialogs import ChoiceScreen, PromptScreen
from tui.widgets.grid import Grid
from tui.widgets.series_chart import SeriesChart

assert scn_file  # a fixture, used by name below

SMALL, LARGE = (80, 24), (200, 50)


def text_of(app, selector: str) -> str:
    return str(app.query_one(selector).render())


def status(app) -> str:
    return text_of(app, "#status")


def chart_lines(app) -> list[str]:
    chart = app.query_one(SeriesChart)
    return ["".join(s.text for s in chart.render_line(y)) for y in range(chart.size.height)]


def scenario_tabs(app) -> list:
    return list(app.query_one("#scenarios", Tabs).query(Tab))


@pytest.fixture
def slow_load(monkeypatch):
    """Building a session takes 2.5 s (more than two looks of the watcher); returns the
    paths of the sessions built."""
    built: list[str] = []
    real = Session.__init__

    def slow(self, path, *args, **kwargs):
        built.append(path)
        time.sleep(2.5)
        real(self, path, *args, **kwargs)
    monkeypatch.setattr(Session, "__init__", slow)
    return built


class Busy:
    """The session computing something long (a large model): its lock held until `done`."""

    def __init__(self, app):
        self.lock, self.free = app.session.lock, threading.Event()
        self.thread = threading.Thread(target=self._hold)

    def _hold(self):
        with self.lock:
            self.free.wait(20)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.free.set()
        self.thread.join()


# ------------------------------------------------------------------ 1. opening


@sync
async def test_a_slow_load_is_the_only_load_and_opens_whole(scn_file, slow_load):
    app = make_app(scn_file)
    async with app.run_test(size=LARGE) as pilot:
        await until(pilot, lambda: app.ready, timeout=30)
        await pilot.pause(2.2)  # two more looks of the watcher, after the load
        await settle(pilot)
        assert slow_load == [str(scn_file)]  # no second load started while the first ran
        assert [t.id for t in scenario_tabs(app)] == ["scenario-base", "scenario-bull",
                                                      "scenario-bear"]
        assert scenario_tabs(app)[0].region.x <= 2  # `base` on the left, not pushed right
        # the inspector explains the first cell without the cursor having moved
        assert text_of(app, "#cell-title").startswith("capex  2024")
    assert not app.return_code  # no crash (DuplicateIds, no Tab with id ...)


@sync
async def test_keys_typed_while_it_opens_are_kept(scn_file, slow_load):
    app = make_app(scn_file)
    async with app.run_test(size=LARGE) as pilot:
        await pilot.pause(0.5)
        assert not app.ready
        await pilot.press("down", "down", "end")
        await until(pilot, lambda: app.ready, timeout=30)
        await settle(pilot)
        assert app.query_one(Grid).cursor_cell == ("google_capex", 2030)


@sync
async def test_keys_typed_ahead_of_the_editor_go_into_it(scn_file):
    """A fast typist (or a script) types the edit before the editor is up."""
    async with opened(scn_file) as (app, pilot):
        await go_to(pilot, "accel_share", 2027)
        for key, char in [("enter", "\r"), ("6", "6"), ("5", "5"), ("percent_sign", "%"),
                          ("enter", "\r"), ("down", None)]:
            app.post_message(events.Key(key, char))
        await until(pilot, lambda: app.edits_applied == 1)
        assert "65.0%" in row_text(app, "accel_share")
        assert app.query_one(Grid).cursor_cell == ("accel_spend", 2027)


@sync
async def test_the_first_cursor_is_on_the_first_variable_without_sections(tmp_path):
    path = tmp_path / "plain.scn"
    path.write_text("years 2024..2026\nx = 1\ny = x * 2\n")
    async with opened(path, size=SMALL) as (app, pilot):
        assert app.query_one(Grid).cursor_cell == ("x", 2024)
        assert text_of(app, "#cell-title").startswith("x  2024")


# ------------------------------------------------------------------ 2. quitting


@sync
async def test_every_way_out_asks_about_unsaved_edits(scn_file):
    original = scn_file.read_text()
    async with opened(scn_file) as (app, pilot):
        await go_to(pilot, "accel_share", 2027)
        await edit(pilot, "enter", "65%")
        await pilot.press("ctrl+q")  # the key Textual's own ctrl+c toast points to
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen) and app.is_running
        await pilot.press("ctrl+q")  # asking already: not a second dialog
        await settle(pilot)
        assert len(app.screen_stack) == 2
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("ctrl+p")  # the command palette's Quit
        await settle(pilot)
        await pilot.press(*"quit")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen) and app.is_running
        assert app.session.dirty
        await pilot.press("d")  # discard and quit
        await pilot.pause()
    assert app.return_code == 0 and scn_file.read_text() == original


# ------------------------------------------------------------------ 3. live reload


@sync
async def test_a_change_made_while_the_session_is_busy_is_not_missed(scn_file):
    async with opened(scn_file) as (app, pilot):
        await go_to(pilot, "accel_share", 2027)
        with Busy(app):
            scn_file.write_text(scn_file.read_text().replace("accel_share = 60%",
                                                             "accel_share = 70%"))
            touch(scn_file, 1)
            await pilot.pause(3.5)  # the watcher looks three times meanwhile
        await until(pilot, lambda: "70.0%" in row_text(app, "accel_share"))


@sync
async def test_after_a_reload_the_grid_the_inspector_and_the_chart_agree(scn_file):
    async with opened(scn_file) as (app, pilot):
        await go_to(pilot, "accel_share", 2027)
        assert "60.0%" in text_of(app, "#cell-value")
        scn_file.write_text(scn_file.read_text().replace("accel_share = 60%", "accel_share = 70%"))
        touch(scn_file, 1)
        await until(pilot, lambda: "70.0%" in row_text(app, "accel_share"))
        assert text_of(app, "#cell-value").startswith("70.0%")
        assert any("70.0%" in line for line in chart_lines(app))
        assert not any("60.0%" in line for line in chart_lines(app))


@sync
async def test_ctrl_r_reloads_even_while_the_session_is_busy(scn_file):
    async with opened(scn_file) as (app, pilot):
        await go_to(pilot, "accel_share", 2027)
        await edit(pilot, "enter", "65%")
        scn_file.write_text(scn_file.read_text().replace("accel_share = 60%", "accel_share = 70%"))
        touch(scn_file, 1)
        with Busy(app):
            await pilot.press("ctrl+r")
            await pilot.pause(0.2)
            await pilot.press("r")  # yes, discard my edit
            await pilot.pause(3.5)  # the watcher looks three times meanwhile
        await until(pilot, lambda: "70.0%" in row_text(app, "accel_share"))
        assert not app.session.dirty and "unsaved" not in status(app)


@sync
async def test_a_look_that_finds_nothing_leaves_the_status_line_alone(scn_file):
    async with opened(scn_file) as (app, pilot):
        await go_to(pilot, "accel_share", 2027)
        await edit(pilot, "enter", "65%")
        assert "recalculated in" in status(app)
        await pilot.pause(2.5)  # the watcher looks twice, finds nothing new
        assert "recalculated in" in status(app)


@sync
async def test_a_file_broken_then_restored_clears_its_errors(scn_file):
    original = scn_file.read_text()
    async with opened(scn_file) as (app, pilot):
        problems = app.query_one("#problems")
        scn_file.write_text(original.replace("accel_share = 60%", "accel_share = 60% +"))
        touch(scn_file, 1)
        await until(pilot, lambda: problems.display)
        scn_file.write_text(original)  # the analyst's editor undoes it
        touch(scn_file, 2)
        await until(pilot, lambda: not problems.display)
        assert "does not load" not in status(app)


@sync
async def test_saved_elsewhere_the_ui_follows_the_new_file_whole(scn_file):
    original = scn_file.read_text()
    broken = original.replace("accel_share = 60%", "accel_share = 60% +")
    new = scn_file.with_name("ai_capex.scn.new")
    async with opened(scn_file) as (app, pilot):
        scn_file.write_text(broken)  # someone breaks the file: its errors show
        touch(scn_file, 1)
        await until(pilot, lambda: app.query_one("#problems").display)
        await go_to(pilot, "accel_share", 2027)
        await edit(pilot, "enter", "65%")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("s")  # save my edits elsewhere
        await settle(pilot)
        await pilot.press("enter")  # FILE.new
        await until(pilot, lambda: new.exists() and not app.session.dirty)
        # everything on screen is about the new file now
        assert app.path == str(new) and str(new) in app.sub_title
        assert not app.query_one("#problems").display and "on disk" not in status(app)
        assert "accel_share = 65%" in new.read_text() and scn_file.read_text() == broken
        new.write_text(new.read_text().replace("accel_share = 65%", "accel_share = 75%"))
        touch(new, 2)
        await until(pilot, lambda: "75.0%" in row_text(app, "accel_share"))


@sync
async def test_saving_elsewhere_under_the_name_that_changed_is_refused(scn_file):
    async with opened(scn_file) as (app, pilot):
        await go_to(pilot, "accel_share", 2027)
        await edit(pilot, "enter", "65%")
        theirs = scn_file.read_text() + "# someone else's line\n"
        scn_file.write_text(theirs)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        app.screen.query_one(Input).value = str(scn_file)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)  # not back to the same dialog
        assert "is the file that changed on disk" in str(
            app.screen.query_one("#prompt-problem").render())
        await pilot.press("escape")
        await settle(pilot)
    assert scn_file.read_text() == theirs


@sync
async def test_saving_elsewhere_over_another_file_asks_for_a_second_enter(scn_file):
    other = scn_file.with_name("other.scn")
    other.write_text("# not mine\n")
    async with opened(scn_file) as (app, pilot):
        await go_to(pilot, "accel_share", 2027)
        await edit(pilot, "enter", "65%")
        scn_file.write_text(scn_file.read_text() + "# someone else's line\n")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        app.screen.query_one(Input).value = str(other)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen) and other.read_text() == "# not mine\n"
        assert "exists: Enter again replaces it" in str(
            app.screen.query_one("#prompt-problem").render())
        await pilot.press("enter")
        await until(pilot, lambda: "accel_share = 65%" in other.read_text())
        assert app.path == str(other)


# ------------------------------------------------------------------ 4. a deleted file


@sync
async def test_a_deleted_file_is_said_and_ctrl_s_writes_it_back(scn_file):
    text = scn_file.read_text()
    async with opened(scn_file) as (app, pilot):
        scn_file.unlink()
        await until(pilot, lambda: "was deleted" in status(app))
        await pilot.press("ctrl+s")  # no edits: writes the file back as loaded
        await until(pilot, lambda: scn_file.exists())
        assert scn_file.read_text() == text and "deleted" not in status(app)
        scn_file.unlink()
        await until(pilot, lambda: "was deleted" in status(app))
        await go_to(pilot, "accel_share", 2027)
        await edit(pilot, "enter", "65%")
        await pilot.press("ctrl+s")  # with an edit: no talk of a change on disk
        await until(pilot, lambda: scn_file.exists())
        assert not isinstance(app.screen, ChoiceScreen)
        assert scn_file.read_text() == text.replace("accel_share = 60%", "accel_share = 65%")


@sync
async def test_quitting_when_the_file_was_deleted_asks(scn_file):
    text = scn_file.read_text()
    async with opened(scn_file) as (app, pilot):
        scn_file.unlink()
        await until(pilot, lambda: "was deleted" in status(app))
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("s")  # write it back and quit
        await settle(pilot)
    assert app.return_code == 0 and scn_file.read_text() == text


# ------------------------------------------------------------------ 5. an edit that changes a kind


@sync
async def test_an_amount_edited_into_a_percentage_shows_each_value_as_it_reads(scn_file):
    async with opened(scn_file) as (app, pilot):
        await go_to(pilot, "asic_spend", 2030)
        await edit(pilot, "enter", "interp({2024: 10%, 2030: 45%})")
        assert "45.0%" in row_text(app, "asic_spend")
        was = change_text(app, "asic_spend")
        assert was.split()[0] == "was" and "…" not in was and "%" not in was
        assert len(re.findall(r"\d+\.\dB", was)) == 7  # the file's amounts, every year whole
        value = text_of(app, "#cell-value")
        # the file's value as the amount it was, and no difference of an amount and a share
        assert re.search(r"^45\.0% input +file: \d+\.\dB$", value.splitlines()[0]), value


# ------------------------------------------------------------------ 6. a comment typed in the editor


@sync
async def test_a_comment_typed_in_the_editor_replaces_the_line_s_comment(scn_file):
    async with opened(scn_file) as (app, pilot):
        await go_to(pilot, "accel_share", 2027)
        await edit(pilot, "enter", "62% # new note")
        assert text_of(app, "#cell-definition").splitlines()[0] == "accel_share = 62%  # new note"
        await pilot.press("ctrl+s")
        await settle(pilot)
    lines = [ln for ln in scn_file.read_text().splitlines() if ln.startswith("accel_share =")]
    assert lines == ["accel_share = 62%  # new note"]


# ------------------------------------------------------------------ 7. smaller


@sync
async def test_an_empty_cell_says_so_once_and_in_words(scn_file):
    app = make_app(scn_file)
    app.sensitivities = __import__("tui.sens_adapter").sens_adapter.sensitivities  # the engine
    async with app.run_test(size=LARGE) as pilot:
        await settle(pilot)
        await go_to(pilot, "google_capex", 2024)
        await pilot.pause(0.3)
        await settle(pilot)
        inspector = " ".join(text_of(app, w) for w in ("#cell-value", "#cell-definition",
                                                       "#cell-sens"))
        assert inspector.count("covers 2024") == 1
        assert "ScnError" not in inspector and "empty" in text_of(app, "#cell-sens")


@sync
async def test_a_chart_of_one_value_puts_it_at_its_year(scn_file):
    async with opened(scn_file) as (app, pilot):
        await go_to(pilot, "google_capex", 2025)
        axis = chart_lines(app)[-1]
        assert "2024" in axis and "2025" in axis and "2030" in axis
        mark = next(line for line in chart_lines(app) if "85.1B┤" in line)
        assert "●" in mark


@sync
async def test_each_scenario_has_its_own_legend_glyph(scn_file):
    async with opened(scn_file) as (app, pilot):
        await go_to(pilot, "capex", 2027)
        legend = {}
        for line in chart_lines(app):
            found = re.search(r"(\S\S) (base|bull|bear)\b", line)
            if found:
                legend[found.group(2)] = found.group(1)
        assert len(legend) == 3 and len(set(legend.values())) == 3, legend


@sync
async def test_at_80_columns_the_footer_keeps_help_and_quit_and_the_header_shows_more_years(
        scn_file):
    async with opened(scn_file, size=SMALL) as (app, pilot):
        keys = {k.key: k for k in app.query_one(Footer).query("FooterKey")}
        for key in ("question_mark", "q"):
            assert keys[key].region.right <= SMALL[0]
        grid = app.query_one(Grid)
        header = "".join(s.text for s in grid.render_line(0))
        assert header.rstrip().endswith("▶") and not header.startswith("◀")
        await pilot.press("end")
        await settle(pilot)
        header = "".join(s.text for s in grid.render_line(0))
        assert header.startswith("◀") and "2030" in header and "▶" not in header
    async with opened(scn_file, size=LARGE) as (app, pilot):
        header = "".join(s.text for s in app.query_one(Grid).render_line(0))
        assert "◀" not in header and "▶" not in header  # every year in view


def test_tornado_labels_keep_their_year_and_a_legend_says_what_the_sides_are():
    from tui.sens_adapter import Row, Sensitivities
    from tui.widgets.tornado import render

    rows = (Row("optics_per_pflops_decline", 0.265, None, 14.5e9, -12.1e9),
            Row("optics_per_pflops_gpu[2024]", 750.0, None, -6.1e9, 6.1e9))
    sens = Sensitivities("optics_tam", 2030, "base", 1e11, rows, 0.10, None, "test")
    lines = render(sens, "amount", 100).plain.splitlines()
    assert "optics_per_pflops_gpu[2024]" in lines[3]  # the label whole, `]` kept
    assert "◀ the cell falls │ it rises ▶" in lines[1]
    assert "▒▒ input -10%" in lines[1] and "██ input +10%" in lines[1]
    # optics_per_pflops_decline: its fall comes with the input +10% (drawn █), its rise
    # with the input -10% (drawn ▒): the shape says it, not the colour alone
    left, right = lines[2].split("│")
    assert "█" in left and "▒" not in left and "▒" in right and "█" not in right
    narrow = render(sens, "amount", 40).plain.splitlines()
    assert any(line.startswith("optics_per_pflops_gpu[2024]") for line in narrow)


def test_typed_ahead_keys_come_back_in_order_and_a_stuck_step_lets_go():
    from tui.typeahead import STALE, TypeAhead

    now = [0.0]
    ahead = TypeAhead(clock=lambda: now[0])
    enter = events.Key("enter", "\r")
    ahead.hold("editor", starter=enter)
    assert not ahead.keep(enter)  # the key that started the step goes on
    assert ahead.keep(events.Key("6", "6")) and ahead.keep(events.Key("down", None))
    assert not ahead.keep(events.Key("ctrl+q", None))  # quitting is never held
    ahead.hold("edit")
    assert ahead.release("editor") == []  # another step still holds
    now[0] = STALE + 1
    assert ahead.stale() == ["edit"]
    assert [(k.key, k.character) for k in ahead.release("edit")] == [("6", "6"), ("down", None)]
    assert not ahead.keep(events.Key("x", "x"))


@sync
async def test_at_80x24_the_inspector_scrolls_from_the_keyboard(scn_file):
    """A small terminal shows the top of the inspector; ctrl+down reads the rest,
    while the grid keeps the focus (arrows still move the cursor)."""
    from tui.widgets.inspector import Inspector

    async with opened(scn_file, size=(80, 24)) as (app, pilot):
        inspector = app.query_one(Inspector)
        assert inspector.max_scroll_y > 0  # there is more than it shows
        assert inspector.scroll_y == 0
        await pilot.press("ctrl+down", "ctrl+down")
        await pilot.pause(0.1)
        assert inspector.scroll_y > 0
        assert app.focused is app.query_one(Grid)
        await pilot.press("ctrl+up", "ctrl+up", "ctrl+up")
        await pilot.pause(0.1)
        assert inspector.scroll_y == 0


# ------------------------------------------------------------------ 7. collector pauses


@sync
async def test_a_large_model_is_left_out_of_the_collectors_passes(scn_file, monkeypatch):
    """Once a large model is loaded (before its first paint), again once every scenario
    is computed, and again after a reload, the UI freezes what is alive
    (engine.collector.settle), so that a full pass of Python's collector no longer
    walks the model at an arrow key; a small model is left alone. gc.freeze is
    recorded here, not called (it would freeze the test process)."""
    import engine.collector as collector

    frozen = []
    monkeypatch.setattr(collector.gc, "freeze", lambda: frozen.append(1))
    async with opened(scn_file) as (app, pilot):
        await until(pilot, lambda: app.filled)
        assert frozen == []  # fewer variables than collector.SETTLE_FROM
    monkeypatch.setattr(collector, "SETTLE_FROM", 1)
    async with opened(scn_file) as (app, pilot):
        await until(pilot, lambda: app.filled)
        assert frozen == [1, 1]  # loaded, then every scenario computed
        scn_file.write_text(scn_file.read_text().replace("accel_share = 60%",
                                                         "accel_share = 70%"))
        touch(scn_file, 1)
        await until(pilot, lambda: "70.0%" in row_text(app, "accel_share"))
        assert frozen == [1, 1, 1]
