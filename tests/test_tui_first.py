"""Visible first (tui.session.first): an edit with many dependents paints the rows on
screen exact, the others pending, then every row.

The whole recompute is held at a gate (`recompute` waits for it), so that the
tests look at the screen between the two paints: a pending row never shows its
old value, scrolling works meanwhile, and what reads the session (undo, save,
the inspector) waits for the whole result.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

import pytest
from textual import events

import tui.session.controller as controller
import tui.session.first as first
from tests.test_tui_app import grid_text, opened, row_text, sync, until
from tui.session import Session
from tui.typeahead import TypeAhead
from tui.widgets.dialogs import ChoiceScreen
from tui.widgets.editor import EditorScreen
from tui.widgets.grid import Grid
from tui.widgets.grid_lines import PENDING

SMALL = (80, 24)
CHAIN = 80  # b001 = a + 1, b002 = b001 + 1, ...: every b reads a, the last ones off screen


@pytest.fixture
def chain(tmp_path, monkeypatch):
    lines = ["years 2025..2027", "a = 1000"]
    lines += [f"b{k:03} = {'a' if k == 1 else f'b{k - 1:03}'} + 1" for k in range(1, CHAIN + 1)]
    path = tmp_path / "chain.scn"
    path.write_text("\n".join(lines) + "\n")
    monkeypatch.setattr(first, "FIRST_AT", 10)  # 80 dependents count as many here
    return path


@contextlib.contextmanager
def gated(monkeypatch, step: str = "recompute"):
    """The session's `step` (the whole recompute of an edit; `evaluate`: the whole
    evaluation of a model opened) waits until the gate is opened (`.set()`)."""
    gate, real = threading.Event(), getattr(controller, step)

    def held(*args, **kwargs):
        assert gate.wait(20), "the test never opened the gate"
        return real(*args, **kwargs)
    monkeypatch.setattr(controller, step, held)
    try:
        yield gate
    finally:
        gate.set()


async def shown_first(pilot, timeout: float = 15.0) -> None:
    """Until the grid shows an edit's first sheet (no settling: the session is busy)."""
    grid = pilot.app.query_one(Grid)
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not grid.sheet.pending:
        assert loop.time() < end, "no first sheet"
        await pilot.pause(0.02)
    await pilot.pause(0.05)


async def confirm(pilot, text: str, ahead: tuple[str, ...] = ()) -> None:
    """Enter on the cell under the cursor, type `text`, Enter (the edit is under way), and
    the keys `ahead` at once."""
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, EditorScreen))
    await pilot.press(*text, "enter", *ahead)


@contextlib.asynccontextmanager
async def first_painted(path, monkeypatch, ahead: tuple[str, ...] = ()):
    """The app on `path` with an edit of `a` (to 5000) painted first, the rest held at the
    gate, and the keys `ahead` typed right after Enter: yields (app, pilot, gate)."""
    async with opened(path, size=SMALL) as (app, pilot):
        with gated(monkeypatch) as gate:
            await confirm(pilot, "5000", ahead)
            await shown_first(pilot)
            yield app, pilot, gate


def status(app) -> str:
    return str(app.query_one("#status").render())


def test_the_first_sheet_is_exact_where_computed_and_stores_nothing(chain):
    s = Session.open(str(chain))
    s.sheet("base")
    req = s.editor("base", "a", 2025, False)
    state = s.propose(req.target, "5000")
    shown = ["a", *(f"b{k:03}" for k in range(1, 6))]
    sheet = first.first_sheet(s, "base", state, shown)
    assert sheet is not None and not state.results  # a picture: no result stored
    assert sheet.pending == {f"b{k:03}" for k in range(6, CHAIN + 1)}
    whole = s.sheet("base", False, state)
    for key in shown:
        assert sheet.values[key] == whole.values[key]
        assert sheet.changes.get(key) == whole.changes.get(key)
    assert whole.values["b080"] == [5080.0] * 3 and sheet.values["b080"] == [1080.0] * 3
    assert not whole.pending


def test_an_edit_with_few_dependents_is_computed_whole(chain):
    s = Session.open(str(chain))
    s.sheet("base")
    req = s.editor("base", "b075", 2025, False)
    state = s.propose(req.target, "b074 + 2")
    assert first.first_sheet(s, "base", state, ["a", "b001"]) is None  # 6 dependents


@sync
async def test_pending_rows_show_as_pending_while_scrolled_to_then_exact(chain, monkeypatch):
    async with first_painted(chain, monkeypatch) as (app, pilot, gate):
        grid = app.query_one(Grid)
        assert "recalculating" in status(app) and "dependents…" in status(app)
        assert "5.0k" in row_text(app, "b002")
        assert not isinstance(app.screen, EditorScreen)
        assert app.query_one("#bottom").has_class("-pending")  # the inspector: dimmed
        # scrolled to the last rows while the rest computes: pending, never the old values
        await pilot.press("ctrl+end")
        await pilot.pause(0.1)
        assert grid.cursor_cell[0] == "b080"
        screen = grid_text(app)
        last = next(line for line in screen.splitlines() if line.startswith("b080"))
        assert PENDING in last and "1.1k" not in last
        assert app.edits_applied == 0 and grid.sheet.pending
        gate.set()
        await until(pilot, lambda: app.edits_applied == 1)
        assert not grid.sheet.pending and PENDING not in row_text(app, "b080")
        assert "5.1k" in row_text(app, "b080")
        assert "recalculated in" in status(app)
        assert not app.query_one("#bottom").has_class("-pending")
        assert app.session.values("base")["b080"] == [5080.0] * 3
        assert "5.1k" in str(app.query_one("#cell-value").render())  # the inspector


@sync
async def test_moves_typed_ahead_of_the_first_paint_act_on_it(chain, monkeypatch):
    async with first_painted(chain, monkeypatch, ahead=("ctrl+end", "up")) as (app, pilot,
                                                                                 gate):
        grid = app.query_one(Grid)
        await pilot.pause(0.1)
        assert grid.cursor_cell[0] == "b079" and grid.sheet.pending  # moved meanwhile
        assert PENDING in row_text(app, "b079")
        gate.set()
        await until(pilot, lambda: app.edits_applied == 1)
        assert grid.cursor_cell[0] == "b079" and "5.1k" in row_text(app, "b079")


@sync
async def test_undo_right_after_the_first_paint_undoes_the_whole_edit(chain, monkeypatch):
    async with first_painted(chain, monkeypatch) as (app, pilot, gate):
        grid = app.query_one(Grid)
        await pilot.press("ctrl+z")  # waits for the whole edit, then undoes it
        await pilot.pause(0.1)
        assert app.session.state.changes == {}  # not committed yet: the edit is computing
        gate.set()
        await until(pilot, lambda: app.edits_applied == 1 and not grid.sheet.pending)
        await until(pilot, lambda: not app.session.state.changes)
        assert app.session.values("base")["b080"] == [1080.0] * 3
        assert app.session.redo_stack  # the edit can come back
        assert PENDING not in grid_text(app)
        assert "1.0k" in row_text(app, "b002") and "5.0k" not in row_text(app, "b002")


@sync
async def test_save_right_after_the_first_paint_writes_the_whole_edit(chain, monkeypatch):
    async with first_painted(chain, monkeypatch) as (app, pilot, gate):
        await pilot.press("ctrl+s")  # waits for the whole edit, then saves it
        await pilot.pause(0.1)
        assert "a = 1000" in chain.read_text()
        gate.set()
        await until(pilot, lambda: "a = 5000" in chain.read_text())
        await until(pilot, lambda: not app.session.state.changes)
        assert chain.read_text().splitlines()[1:4] == ["a = 5000", "b001 = a + 1",
                                                       "b002 = b001 + 1"]
        assert PENDING not in grid_text(app)


@sync
async def test_quit_during_the_recompute_asks_about_the_edit(chain, monkeypatch):
    async with first_painted(chain, monkeypatch) as (app, pilot, gate):
        await pilot.press("q")  # the edit is not committed yet: asked once it is
        await pilot.pause(0.1)
        assert app.is_running and not isinstance(app.screen, ChoiceScreen)
        gate.set()
        await until(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        assert app.screen.message == "1 edit is not saved." and app.session.dirty


def test_a_hold_lets_its_passing_keys_through_until_one_key_is_kept():
    ahead = TypeAhead()
    ahead.hold("recompute", passing=frozenset({"down", "up"}))
    assert not ahead.keep(events.Key("down", None))  # a move acts at once
    assert ahead.keep(events.Key("enter", "\r"))  # waits for the hold
    assert ahead.keep(events.Key("down", None))  # after it, in the order typed
    assert [k.key for k in ahead.release("recompute")] == ["enter", "down"]
    ahead.hold("edit")
    ahead.hold("recompute", passing=frozenset({"down"}))
    assert ahead.keep(events.Key("down", None))  # another hold keeps every key
    assert ahead.keep(events.Key("enter", "\r")) and ahead.keep(events.Key("down", None))
    moves = ahead.release("edit")  # the moves kept first go on, the rest waits
    assert [k.key for k in moves] == ["down"] and not ahead.keep(moves[0])
    assert [k.key for k in ahead.release("recompute")] == ["enter", "down"]
