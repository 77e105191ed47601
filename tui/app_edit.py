"""An edit: the editor opened on a cell, the edit proposed, computed and shown.

A mixin of `tui.app.ScnApp` (as `tui.app_cell.CellFlow` is). The edit is
computed in a worker holding the session's lock. One that reaches many rows
paints the rows on screen first, exact, with the others pending
(`tui.session.first`), gives the keyboard back to the grid's moves, then
computes every row, commits the edit under the lock and paints again:
whatever waits for the lock (undo, save, the inspector) sees the edit whole.
"""

from __future__ import annotations

import threading
import time

from tui.session import EditRefused, Session, Sheet
from tui.session.first import first_sheet
from tui.session.sheet import split_key
from tui.session.units import news, units_view
from tui.widgets.editor import EditorScreen
from tui.widgets.grid import Grid

FIRST_PAINT_WAIT = 0.25  # seconds an edit's first sheet is given to be painted
# The keys that act while an edit's other rows compute: the grid's moves, the inspector's
# scrolling (they read no result); every other key waits for the edit, in order.
MOVES = frozenset({"up", "down", "left", "right", "pageup", "pagedown", "home", "end",
                   "ctrl+left", "ctrl+right", "less_than_sign", "greater_than_sign",
                   "ctrl+home", "ctrl+end", "ctrl+up", "ctrl+down"})


class EditFlow:

    def action_edit(self, single_year: bool) -> None:
        """Enter / =: edit the cell under the cursor."""
        key, year = self.query_one(Grid).cursor_cell
        if key is not None:
            self.open_editor(key, year, single_year)
        else:
            self.release("editor")

    def action_edit_period(self) -> None:
        self.action_edit(True)

    def on_grid_edit_requested(self, message: Grid.EditRequested) -> None:
        self.open_editor(message.name, message.year, message.single_year)  # a double-click

    def open_editor(self, key: str, year: int, single: bool) -> None:
        """The editor of a row's cell (`capex`, `capex[goog]`) in a year."""
        scenario = self.scenario
        name, members = split_key(key)
        sheet = self.query_one(Grid).sheet
        if sheet.years is not None:  # a year rolled up: made of periods, each edited apart
            column = sheet.years[sheet.column_of(year)]
            word = sheet.axis.period_word
            self.notify(f"{key} {column.label(sheet.axis)} is rolled up "
                        f"({sheet.how.get(name, 'sum')} of {len(column.periods)} {word}s): "
                        f"not editable. Edit a {word} instead: y shows the {word}s.",
                        severity="warning", timeout=8, markup=False)
            self.release("editor")
            return
        self.hold("editor")  # what is typed next goes into the editor

        async def opened(request) -> None:
            if isinstance(request, str):  # why this cell has no one definition to edit
                self.notify(request, severity="warning", timeout=8, markup=False)
                return
            await self.push_screen(EditorScreen(request, self.blink))
        self.compute("editor", lambda s: s.editor(scenario, name, year, single, members),
                     opened, done=lambda: self.release("editor"))

    def on_editor_screen_confirmed(self, message: EditorScreen.Confirmed) -> None:
        started, scenario, compare, by_year = self.clock(), self.scenario, self.compare, \
            self.by_year
        target, text, generation = message.target, message.text, message.generation
        editor = self.screen
        # An edit that reaches many rows paints the rows on screen first (plain values:
        # not compared, rolled up or sampled), then the whole result (tui.session.first).
        shown = self.query_one(Grid).keys_in_view() \
            if not (compare or by_year or self.mc_on) else None
        released = []

        def work(s: Session):
            try:
                state = s.propose(target, text, generation)
            except EditRefused as e:
                return e.lines
            if state is s.state:
                return state, None, None  # typed what was there: nothing to do
            first = None
            try:
                if shown is not None:
                    first = first_sheet(s, scenario, state, shown)
            except Exception as e:  # a bug of ours: said, and the edit computed whole
                self.call_from_thread(self.notify, f"internal error (first rows): {e!r}",
                                      severity="error", timeout=15)
            if first is not None:
                painted = threading.Event()
                self.call_from_thread(self._show_first, first, scenario, editor, painted,
                                      released)
                painted.wait(FIRST_PAINT_WAIT)  # the UI paints it before the rest computes
            sheet = s.sheet(scenario, compare, state, by_year)
            # what the edit does to the unit warnings, said at once (it never blocks)
            unit_news = news(units_view(s.state), units_view(state))
            # Committed here, under the lock: whatever waits for it (undo, save, the
            # inspector, typed while the rest computed) sees the edit.
            s.commit(state)
            return state, sheet, unit_news

        def done() -> None:
            self._editing -= 1
            if not released:
                self.release("edit")
            self.release("recompute")
            if self.is_running:
                self.query_one("#bottom").remove_class("-pending")
            if self._quit_asked and not self._editing:
                self._quit_asked = False
                self.action_quit_app()
        self._editing += 1
        self.hold("edit")  # keys typed next act on the grid, or on the editor if refused
        # not exclusive: it commits, and what it committed must be shown
        self.compute("edit", work, lambda out: self._edited(out, (scenario, compare, by_year),
                                                            started, editor),
                     exclusive=False, done=done)

    def _show_first(self, sheet: Sheet, scenario: str, editor, painted: threading.Event,
                    released: list) -> None:
        """An edit's rows on screen computed, the others pending (`Sheet.pending`): painted,
        and the keyboard given back (the grid scrolls; what reads the session waits for
        the whole result)."""
        if editor is self.screen:
            self.pop_screen()  # the edit is accepted
        if scenario == self.scenario:
            self.query_one(Grid).show(sheet)
            self.first_shown_at = time.perf_counter()
            self._status(f"recalculating {len(sheet.pending):,} dependents…")
            # the inspector and the chart explain the cell as it was: dimmed until the
            # whole result is there (they are computed again then)
            self.query_one("#bottom").add_class("-pending")
        self.call_after_refresh(painted.set)
        released.append(True)
        self.typeahead.hold("recompute", passing=MOVES)  # the grid moves; the rest waits
        self.release("edit")

    def action_quit_app(self) -> None:
        """`q`, ctrl+q: asked once the edit under way is committed (it is not yet unsaved)."""
        if self._editing:
            self._quit_asked = True
            return
        super().action_quit_app()

    def _edited(self, out, view: tuple[str, bool, bool], started: float, editor) -> None:
        if isinstance(out, list):  # refused: the editor shows why and stays open
            if editor is self.screen:
                self.screen.show_error(out)
            return
        state, sheet, unit_news = out
        if editor is self.screen:
            self.pop_screen()
        if sheet is None:
            return  # typed what was there: nothing to do
        self.last_edit_seconds = self.clock() - started
        self.edits_applied += 1
        scenario = view[0]
        if state is not self.session.state or view != (self.scenario, self.compare,
                                                         self.by_year):
            self.refresh_view(unit_news)  # moved on since (undone, another view): show it
            return
        self.edit_shown_at = time.perf_counter()
        self.query_one(Grid).show(self.mc_sheet(sheet, state, scenario))
        self._status(f"recalculated in {self.last_edit_seconds * 1000:.0f} ms", unit_news)
        # the cell explained again once the grid is painted (on this thread, 5-10 ms
        # when everything it reads is made, which held the grid's frame back)
        self.call_after_refresh(self._inspect_current)

    def action_step(self, which: str) -> None:
        def work(s: Session):
            before = units_view(s.state)
            moved = s.undo() if which == "undo" else s.redo()
            return moved, news(before, units_view(s.state)) if moved else None

        def then(out) -> None:
            moved, unit_news = out
            self.refresh_view(unit_news) if moved else self.notify(f"nothing to {which}")
        self.compute("edit", work, then, exclusive=False)  # it moves the session: shown
