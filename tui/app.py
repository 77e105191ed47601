"""`scn tui`: explore and edit a scenario file in the terminal, with live recalculation.

The app is a shell over `tui.session.Session`. State flows down (a `Sheet`
to the grid, a `CellInfo` to the inspector, series to the chart), messages
flow up (a cell highlighted, an edit requested or confirmed, a jump). The UI
thread never computes: every call into the session runs in a thread worker
holding the session's lock (`compute`), and its result is applied on the UI
thread only if the session has not moved on since (the stale-result guard).
One exception: the cell under the cursor is explained on the UI thread when
no job holds the lock and everything its facts read is made already
(`Session.explained_at_once`: lookups, a fraction of a millisecond), so
that the inspector is painted in the same frame as the cursor. Loading, watching the file, saving and quitting live in `tui.app_file`; the
cell under the cursor explained (inspector, chart, sensitivities) in `tui.app_cell`;
an edit proposed, computed (the rows on screen first) and shown in `tui.app_edit`;
keys typed while a step is under way are kept and replayed (`tui.typeahead`).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Callable

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Footer, Header, Static, Tab, TabbedContent, TabPane, Tabs
from textual.worker import get_current_worker

from dsl.text import printable
from tui import sens_adapter
from tui.app_cell import CellFlow
from tui.app_edit import EditFlow
from tui.app_file import FileFlow
from tui.app_mc import McFlow
from tui.idle_collector import IdleCollector
from tui.session import Session, Sheet, State
from tui.status_line import status_text
from tui.typeahead import TypeAhead
from tui.widgets.editor import EditorScreen
from tui.widgets.find import FindScreen, VariableCommands
from tui.widgets.grid import Grid
from tui.widgets.help import HelpScreen
from tui.widgets.inspector import Inspector
from tui.widgets.series_chart import SeriesChart
from tui.widgets.tornado import Tornado

class ScnApp(EditFlow, CellFlow, FileFlow, McFlow, App[int]):
    """The grid, the inspector and the charts of one scenario file."""

    CSS_PATH = "app.tcss"
    TITLE = "scn"
    COMMANDS = App.COMMANDS | {VariableCommands}
    # The footer shows the first keys an analyst needs, `?` and `q` early so that an
    # 80-column terminal always shows them; `?` lists every key.
    BINDINGS = [
        Binding("enter", "edit(False)", "edit", key_display="⏎"),
        # `=` is "this year" in a yearly model, "this period" in a quarterly or monthly one
        # (check_action shows one; the key runs the one shown)
        Binding("equals_sign", "edit(True)", "this year", key_display="="),
        Binding("equals_sign", "edit_period", "this period", key_display="="),
        # shown with a quarterly or monthly model only: the grid by calendar year, and back
        Binding("y", "by_year(True)", "by year"),
        Binding("y", "by_year(False)", "periods"),
        Binding("question_mark", "help", "keys", key_display="?"),
        Binding("q", "quit_app", "quit"),
        Binding("right_square_bracket", "scenario(1)", "scenario", key_display="]"),
        Binding("left_square_bracket", "scenario(-1)", "scenario", key_display="[", show=False),
        Binding("c", "compare", "compare"),
        Binding("m", "monte_carlo", "monte carlo", show=False),
        Binding("slash", "find", "find", key_display="/"),
        Binding("ctrl+s", "save", "save"),
        Binding("ctrl+z", "step('undo')", "undo"),
        Binding("ctrl+y", "step('redo')", "redo", show=False),
        Binding("t", "chart", "chart", show=False),
        Binding("ctrl+down", "scroll_inspector(1)", "inspector down", show=False),
        Binding("ctrl+up", "scroll_inspector(-1)", "inspector up", show=False),
        Binding("ctrl+r", "reload", "reload", show=False),
    ]

    scenario: reactive[str] = reactive("base", init=False)
    compare: reactive[bool] = reactive(False, init=False)
    by_year: reactive[bool] = reactive(False, init=False)  # rolled up by calendar year

    def __init__(self, path: str, scenario: str = "base", *, poll: float | None = 1.0,
                 blink: bool = True, sensitivities: Callable = sens_adapter.sensitivities,
                 sens_delay: float = 0.15, clock: Callable[[], float] = time.perf_counter,
                 session: Session | None = None) -> None:
        super().__init__()
        self._init_file_flow()
        self._init_mc_flow()
        self.typeahead = TypeAhead()
        self.typeahead.hold("load")  # keys typed before the first screen act on it
        self.path = path
        self._opened = session  # already loaded by the command (to check --scenario)
        self.wanted_scenario = scenario
        self.poll = poll  # seconds between looks at the file on disk (None: never)
        self.blink = blink  # the editor's cursor (snapshots want it still)
        self.sensitivities = sensitivities
        self.sens_delay = sens_delay  # let the cursor rest before computing sensitivities
        self.clock = clock  # times the edits (a fixed clock keeps snapshots stable)
        self.session: Session | None = None
        self.ready = False  # the first grid is on screen
        self.edits_applied = 0  # for tests and benchmarks
        self.last_edit_seconds = 0.0
        self.first_shown_at = 0.0  # perf_counter(): an edit's rows on screen first (benchmarks)
        self.edit_shown_at = 0.0  # ... and its whole result, handed to the grid
        self.open_whole_at = 0.0  # ... a large model opened: every row, after those on screen
        self._editing = 0  # edits confirmed, not yet committed
        self._quit_asked = False  # ... and a quit asked meanwhile
        self._cell: tuple[str, int] | None = None
        self._sens_timer = None
        self._show_lock = asyncio.Lock()  # one new model on screen at a time (tabs are async)
        self.collector = IdleCollector(self)  # the cycle collector, run when idle

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="≡")
        yield Tabs(id="scenarios")
        yield Grid(id="grid")
        with Horizontal(id="bottom"):
            yield Inspector(id="inspector")
            with TabbedContent(id="charts"):
                with TabPane("series", id="pane-series"):
                    yield SeriesChart(id="series")
                with TabPane("tornado", id="pane-tornado"):
                    yield Tornado(id="tornado")
        yield Static(id="problems")
        yield Static("loading…", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.collector.start()
        self.sub_title = printable(self.path)
        grid = self.query_one(Grid)
        grid.focus()
        # Said in words, not with Textual's animated indicator: the load runs in a
        # thread, and an animation on the UI thread would slow it down (one GIL).
        grid.placeholder = f"loading {printable(self.path)}…"
        self.query_one(Tabs).display = False  # until the scenarios are known
        self.query_one("#problems").display = False
        self._start_load()
        if self.poll:
            self.set_interval(self.poll, self.check_disk)

    def on_unmount(self) -> None:
        self.collector.stop()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.MouseScrollDown,
                              events.MouseScrollUp)):
            self.collector.key_read()
        if isinstance(event, events.Key):
            for reason in self.typeahead.stale():  # never leave the keyboard dead
                self.log.warning(f"typeahead: {reason} held for too long, released")
                self.release(reason)
            if self.typeahead.keep(event):
                return  # kept: replayed when the step under way is over
            step = None if event.is_forwarded else self._step_of(event.key)
            if step is not None:  # the keys typed after this one wait for the step
                self.typeahead.hold(step, starter=event)
        await super().on_event(event)

    def _step_of(self, key: str) -> str | None:
        """The step a key read now starts, which moves where the next keys go (the same
        conditions as the bindings it triggers, so the step always releases its hold)."""
        if self.session is None:
            return None
        if isinstance(self.screen, EditorScreen):
            return "edit" if key == "enter" else None
        if len(self.screen_stack) > 1:
            return None
        if key in ("enter", "equals_sign") and self.query_one(Grid).has_focus:
            return "editor"
        return "save" if key == "ctrl+s" else None

    def hold(self, reason: str) -> None:
        """Keep the keys typed from now until `release(reason)` (see tui.typeahead)."""
        self.typeahead.hold(reason)

    def release(self, reason: str) -> None:
        for key in self.typeahead.release(reason):
            self.post_message(key)

    def compute(self, group: str, work: Callable[[Session], Any], then: Callable[[Any], Any],
                *, exclusive: bool = True, done: Callable[[], Any] | None = None,
                first: Callable[[], Any] | None = None) -> None:
        """`work(session)` in a thread worker holding the session's lock, then `then(result)`
        on the UI thread, unless a newer job of the same group replaced it (`exclusive`);
        then `done()` whatever happened. A job that changes the session must not be
        exclusive: its outcome must always be shown. `first()` runs in the worker before
        it takes the lock (a slow import: neither the UI nor other jobs wait for it)."""
        session = self.session
        if session is None:
            if done is not None:
                done()
            return

        def job() -> None:
            try:
                try:
                    if first is not None:
                        first()
                    with session.lock:
                        out = work(session)
                except Exception as e:  # a bug of ours: say so, keep the edits and the file safe
                    self.call_from_thread(self.notify, f"internal error ({group}): {e!r}",
                                          severity="error", timeout=15)
                    raise
                if not get_current_worker().is_cancelled:
                    self.call_from_thread(then, out)
            finally:
                if done is not None and self.is_running:
                    self.call_from_thread(done)

        self.run_worker(job, thread=True, exclusive=exclusive, group=group, exit_on_error=False)

    # ------------------------------------------------------------ a model on screen

    async def _show_model(self, scenario: str, sheet: Sheet) -> None:
        """A newly loaded (or reloaded) model: tabs, grid, status, and the cell explained
        again, so the grid, the inspector and the chart show the same values."""
        async with self._show_lock:
            session = self.session
            self.title = printable(session.model.title or "scn")
            self.set_reactive(ScnApp.scenario, scenario)
            if self.compare and not session.model.scenarios[scenario].parent:
                self.set_reactive(ScnApp.compare, False)
            if self.by_year and sheet.years is None:  # reloaded as a yearly model
                self.set_reactive(ScnApp.by_year, False)
            await self._scenario_tabs(list(session.model.scenarios))
            grid = self.query_one(Grid)
            # Announced even when the cursor stays: the inspector and the chart then
            # explain the cell again, from the new model.
            grid.show(self.mc_sheet(sheet, session.state, scenario),
                      announce=self.scenario == scenario)
            self._show_disk()
            self.ready = True
            self.refresh_bindings()  # check_action's answers change once a session is there
            grid.focus()
            if self.scenario != scenario:  # switched while the tabs were rebuilt
                self.refresh_view()

    async def _scenario_tabs(self, names: list[str]) -> None:
        """One tab per scenario, the one on screen active (new tabs when the list changed)."""
        tabs = self.query_one(Tabs)
        if [t.id for t in tabs.query(Tab)] != [f"scenario-{n}" for n in names]:
            await tabs.remove()
            new = Tabs(*[Tab(n, id=f"scenario-{n}") for n in names],
                       active=f"scenario-{self.scenario}", id="scenarios")
            await self.mount(new, before=self.query_one(Grid))
        else:
            tabs.display = True
            tabs.active = f"scenario-{self.scenario}"

    # ------------------------------------------------------------ the grid

    def refresh_view(self, unit_news: str | None = None) -> None:
        scenario, compare, by_year = self.scenario, self.compare, self.by_year
        self.compute("view", lambda s: (s.state, s.sheet(scenario, compare, by_year=by_year)),
                     lambda out: self._show_sheet(*out, scenario, unit_news))

    def _show_sheet(self, state: State, sheet: Sheet, scenario: str,
                    unit_news: str | None = None) -> None:
        if self.session.state is not state or self.scenario != scenario:
            return  # stale: a newer view is on its way
        self.query_one(Grid).show(self.mc_sheet(sheet, state, scenario))
        self._status(unit_news=unit_news)
        self._inspect_current()

    def _status(self, message: str | None = None, unit_news: str | None = None) -> None:
        """The status line (`tui.status_line`); `unit_news`: what the last edit or reload did
        to the unit warnings, also said in a notification."""
        session = self.session
        self.query_one("#status", Static).update(status_text(
            session, self.scenario, self.compare, self.by_year, self.path,
            self.query_one(Grid).sheet.warned, message, unit_news, self.mc_status()))
        n = len(session.state.changes)
        self.sub_title = printable(self.path) + (f"  ·  {n} unsaved" if n else "")
        if unit_news:
            self.notify(unit_news, severity="warning" if unit_news.startswith("unit warning:")
                        else "information", timeout=8, markup=False)

    # ------------------------------------------------------------ scenarios

    def action_scenario(self, step: int) -> None:
        names = self.scenario_names()
        if names:
            self.switch_scenario(names[(names.index(self.scenario) + step) % len(names)])

    def switch_scenario(self, name: str) -> None:
        if self.session is not None and name != self.scenario:
            self.scenario = name

    def watch_scenario(self, name: str) -> None:
        tabs = self.query_one(Tabs)
        if any(t.id == f"scenario-{name}" for t in tabs.query(Tab)):
            tabs.active = f"scenario-{name}"  # else new tabs are on their way, with it active
        if self.compare and not self.session.model.scenarios[name].parent:
            self.set_reactive(ScnApp.compare, False)
        self.refresh_view()

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        if event.tabs.id == "scenarios" and event.tab is not None:
            self.switch_scenario(str(event.tab.id).removeprefix("scenario-"))
            self.query_one(Grid).focus()

    def action_compare(self) -> None:
        parent = self.session.model.scenarios[self.scenario].parent
        if parent is None and not self.compare:
            self.notify("base has no parent: compare shows a scenario as changes against the "
                        "one it extends. Switch scenario with ] first.", severity="warning")
            return
        self.compare = not self.compare

    def watch_compare(self, value: bool) -> None:
        if value:
            self.mc_leave()
        self.refresh_view()

    def action_by_year(self, on: bool) -> None:
        self.by_year = on

    def watch_by_year(self, value: bool) -> None:
        if value:
            self.mc_leave()
        self.refresh_bindings()  # the footer says `y by year`, or `y periods`
        self.refresh_view()

    def action_chart(self) -> None:
        charts = self.query_one(TabbedContent)
        charts.active = "pane-tornado" if charts.active == "pane-series" else "pane-series"

    def action_scroll_inspector(self, lines: int) -> None:
        # The grid keeps the focus (arrows move the cursor); on a small terminal
        # the inspector shows part of its facts, and these keys read the rest.
        self.query_one(Inspector).scroll_relative(y=lines * 3, animate=False)

    def action_find(self) -> None:
        self.push_screen(FindScreen(self.variable_names(), self.blink, self.member_rows),
                         lambda name: self.jump_to(name) if name else None)

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """Main-screen keys do nothing while a dialog or the editor is open (the key
        then goes to the dialog: Enter confirms there)."""
        if action in ("quit", "command_palette", "help_quit"):
            return True
        if self.session is None:  # the error screen of a file that does not load
            return action in ("quit_app", "help")
        if action in ("edit", "edit_period") and not self.query_one(Grid).has_focus:
            return False  # Enter on the inspector's links jumps
        yearly = self.session.model.axis.yearly
        if action == "edit" and parameters == (True,) and not yearly:
            return False  # `= this period` instead
        if action == "edit_period" and yearly:
            return False
        if action == "by_year" and (yearly or parameters != (not self.by_year,)):
            return False  # a yearly model has nothing to roll up; else the other way
        return len(self.screen_stack) == 1
