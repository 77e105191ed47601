"""`scn tui`: explore and edit a scenario file in the terminal, with live recalculation.

The app is a shell over `tui.session.Session`. State flows down (a `Sheet`
to the grid, a `CellInfo` to the inspector, series to the chart), messages
flow up (a cell highlighted, an edit requested or confirmed, a jump). The UI
thread never computes: every call into the session runs in a thread worker
holding the session's lock (`compute`), and its result is applied on the UI
thread only if the session has not moved on since (the stale-result guard).
"""

from __future__ import annotations

import time
from typing import Any, Callable

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Footer, Header, Static, Tab, TabbedContent, TabPane, Tabs
from textual.worker import get_current_worker

from dsl.errors import ScnError, render
from dsl.text import printable
from tui import sens_adapter
from tui.loader import UsageError, read_text
from tui.session import DiskChanged, EditRefused, Session, Sheet, State, Target, file_stamp
from tui.widgets.dialogs import ChoiceScreen, PromptScreen
from tui.widgets.editor import EditorScreen
from tui.widgets.find import FindScreen, VariableCommands
from tui.widgets.grid import Grid
from tui.widgets.help import HelpScreen
from tui.widgets.inspector import Inspector
from tui.widgets.load_errors import LoadErrorScreen
from tui.widgets.series_chart import SeriesChart
from tui.widgets.tornado import Tornado


class ScnApp(App[int]):
    """The grid, the inspector and the charts of one scenario file."""

    CSS_PATH = "app.tcss"
    TITLE = "scn"
    COMMANDS = App.COMMANDS | {VariableCommands}
    # The footer shows the first keys an analyst needs; `?` lists them all.
    BINDINGS = [
        Binding("right_square_bracket", "scenario(1)", "scenario", key_display="]"),
        Binding("left_square_bracket", "scenario(-1)", "scenario", key_display="[", show=False),
        Binding("c", "compare", "compare"),
        Binding("slash", "find", "find", key_display="/"),
        Binding("ctrl+s", "save", "save"),
        Binding("ctrl+z", "step('undo')", "undo"),
        Binding("ctrl+y", "step('redo')", "redo", show=False),
        Binding("t", "chart", "chart", show=False),
        Binding("ctrl+r", "reload", "reload", show=False),
        Binding("question_mark", "help", "keys", key_display="?"),
        Binding("q", "quit_app", "quit"),
    ]

    scenario: reactive[str] = reactive("base", init=False)
    compare: reactive[bool] = reactive(False, init=False)

    def __init__(self, path: str, scenario: str = "base", *, poll: float | None = 1.0,
                 blink: bool = True, sensitivities: Callable = sens_adapter.sensitivities,
                 sens_delay: float = 0.15, clock: Callable[[], float] = time.perf_counter,
                 session: Session | None = None) -> None:
        super().__init__()
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
        self._cell: tuple[str, int] | None = None
        self._sens_timer = None
        self._load_stamp = None

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
        self.sub_title = self.path
        self.query_one(Grid).focus()
        self.query_one("#problems").display = False
        self.run_worker(self._load, thread=True, exclusive=True, group="load")
        if self.poll:
            self.set_interval(self.poll, self.check_disk)

    def compute(self, group: str, work: Callable[[Session], Any],
                then: Callable[[Any], Any]) -> None:
        """`work(session)` in a thread worker holding the session's lock, then `then(result)`
        on the UI thread, unless a newer job of the same group replaced it."""
        session = self.session
        if session is None:
            return

        def job() -> None:
            try:
                with session.lock:
                    out = work(session)
            except Exception as e:  # a bug of ours: say so, keep the edits and the file safe
                self.call_from_thread(self.notify, f"internal error ({group}): {e!r}",
                                      severity="error", timeout=15)
                raise
            if not get_current_worker().is_cancelled:
                self.call_from_thread(then, out)

        self.run_worker(job, thread=True, exclusive=True, group=group, exit_on_error=False)

    # ------------------------------------------------------------ loading

    def _load(self) -> None:
        """(worker) Open the file; on errors, the error screen, kept until the file loads."""
        text = None
        try:
            session, self._opened = self._opened, None
            if session is None:
                text = read_text(self.path)
                session = Session(self.path, text)
        except UsageError as e:
            self.call_from_thread(self.exit, 2, message=f"scn: error: {e}")
            return
        except ScnError as e:
            self.call_from_thread(self._show_load_errors, [render(d, text) for d in e.diagnostics])
            return
        scenario = self.wanted_scenario if self.wanted_scenario in session.model.scenarios else "base"
        with session.lock:
            sheet = session.sheet(scenario)
        self.call_from_thread(self._loaded, session, scenario, sheet)

    async def _loaded(self, session: Session, scenario: str, sheet: Sheet) -> None:
        first_time = self.session is None
        self.session = session
        if isinstance(self.screen, LoadErrorScreen):
            self.pop_screen()
        self.title = printable(session.model.title or "scn")
        tabs = self.query_one(Tabs)
        wanted = [f"scenario-{name}" for name in session.model.scenarios]
        if [t.id for t in tabs.query(Tab)] != wanted:
            await tabs.clear()
            for name in session.model.scenarios:
                await tabs.add_tab(Tab(name, id=f"scenario-{name}"))
        self.set_reactive(ScnApp.scenario, scenario)
        tabs.active = f"scenario-{scenario}"
        self.query_one(Grid).show(sheet)
        self._problems([])
        self._status()
        self.ready = True
        self.refresh_bindings()  # check_action's answers change once a session is there
        if first_time and self.wanted_scenario not in session.model.scenarios:
            self.notify(f"unknown scenario '{self.wanted_scenario}': showing base",
                        severity="warning")
        self.query_one(Grid).focus()
        self.run_worker(self._fill, thread=True, group="fill")

    def _fill(self) -> None:
        """(worker) Every scenario in the background, one at a time: the chart overlays them."""
        session = self.session
        for name in list(session.model.scenarios):
            with session.lock:
                session.result(name)

    def _show_load_errors(self, lines: list[str]) -> None:
        self._load_stamp = file_stamp(self.path)
        if isinstance(self.screen, LoadErrorScreen):
            self.screen.show(lines)
        else:
            self.push_screen(LoadErrorScreen(self.path, lines))

    # ------------------------------------------------------------ the grid

    def refresh_view(self) -> None:
        scenario, compare = self.scenario, self.compare
        self.compute("view", lambda s: (s.state, s.sheet(scenario, compare)),
                     lambda out: self._show_sheet(*out, scenario))

    def _show_sheet(self, state: State, sheet: Sheet, scenario: str) -> None:
        if self.session.state is not state or self.scenario != scenario:
            return  # stale: a newer view is on its way
        self.query_one(Grid).show(sheet)
        self._status()
        self._inspect_current()

    def _status(self, message: str | None = None) -> None:
        session = self.session
        s = session.model.scenarios[self.scenario]
        text = Text.assemble(("scenario ", "dim"), (self.scenario, "bold"))
        if s.title:
            text.append(f" ({printable(s.title)})", "dim")
        if self.compare and s.parent:
            text.append(f"  ·  compare: changes against {s.parent}", "bold yellow")
        n = len(session.state.changes)
        if n:
            text.append(f"  ·  {n} unsaved edit{'s' if n != 1 else ''}", "bold yellow")
        warned = self.query_one(Grid).sheet.warned
        if warned:
            text.append(f"  ·  ! non-finite values in {', '.join(sorted(warned))}", "red")
        hidden = sorted({w.span.line for w in session.model.warnings})
        if hidden:  # a comment or title holds hidden characters: `scn check` lists them
            lines = ", ".join(map(str, hidden[:5])) + (", ..." if len(hidden) > 5 else "")
            text.append(f"  ·  ! hidden characters on line{'s' if len(hidden) > 1 else ''} "
                        f"{lines}", "red")
        if message:
            text.append(f"  ·  {message}", "green")
        self.query_one("#status", Static).update(text)
        self.sub_title = printable(self.path) + (f"  ·  {n} unsaved" if n else "")

    def _problems(self, lines: list[str]) -> None:
        box = self.query_one("#problems", Static)
        box.display = bool(lines)
        if lines:
            head = Text(f"{printable(self.path)} changed on disk and does not load; showing the last good "
                        "model. Fix it and save: it reloads.\n", "bold")
            box.update(head + Text("\n".join(lines), "red"))

    # ------------------------------------------------------------ the cell

    def on_grid_cell_highlighted(self, message: Grid.CellHighlighted) -> None:
        self._cell = (message.name, message.year)
        self._inspect_current()

    def _inspect_current(self) -> None:
        if self._cell is None:
            return
        (name, year), scenario = self._cell, self.scenario

        def work(s: Session):
            series = {sc: s.values(sc)[name] for sc in s.model.scenarios}
            return s.state, s.cell(scenario, name, year), s.values(scenario), s.kinds(), series
        self.compute("inspect", work, lambda out: self._show_cell(*out))

    def _show_cell(self, state, info, values, kinds, series) -> None:
        if self.session.state is not state or self._cell != (info.name, info.year):
            return
        years = self.session.model.years
        parent = self.session.model.scenarios[self.scenario].parent
        against = (parent, series[parent][info.year - years[0]]) if self.compare and parent else None
        self.query_one(Inspector).show(info, kinds, values, years, against)
        self.query_one(SeriesChart).show(info.name, years, series, self.scenario,
                                         kinds.get(info.name, "amount"))
        if self._sens_timer is not None:
            self._sens_timer.stop()
        self._sens_timer = self.set_timer(max(self.sens_delay, 0.001), self._sensitivities)

    def _sensitivities(self) -> None:
        if self._cell is None:
            return
        (name, year), scenario = self._cell, self.scenario
        try:  # the sensitivity engine brings sympy: import it before taking the lock
            import engine.sensitivity  # noqa: F401
        except Exception:
            pass

        def work(s: Session):
            edited = [t.name for t in s.state.changes]  # explain the last edit first
            try:
                sens = self.sensitivities(s.model, name, year, scenario,
                                          wrt=edited[-1] if edited else None)
            except Exception as e:  # a sensitivity must never take the UI down
                self.log.warning(f"sensitivities failed: {e!r}")
                sens = None
            return s.state, sens, s.kinds().get(name, "amount")
        self.compute("sens", work, lambda out: self._show_sensitivities(*out, (name, year),
                                                                         scenario))

    def _show_sensitivities(self, state, sens, kind, cell, scenario) -> None:
        if self.session.state is not state or self._cell != cell or self.scenario != scenario:
            return
        self.query_one(Inspector).show_sensitivities(sens, kind)
        self.query_one(Tornado).show(sens, kind)

    def on_inspector_jump(self, message: Inspector.Jump) -> None:
        grid = self.query_one(Grid)
        grid.move_to(message.name, message.year)
        grid.focus()

    def jump_to(self, name: str) -> None:
        """Move the cursor to a variable, keeping the year column (find, palette)."""
        grid = self.query_one(Grid)
        grid.move_to(name)
        grid.focus()

    def variable_names(self) -> list[str]:
        return list(self.session.model.variables) if self.session else []

    def scenario_names(self) -> list[str]:
        return list(self.session.model.scenarios) if self.session else []

    # ------------------------------------------------------------ editing

    def on_grid_edit_requested(self, message: Grid.EditRequested) -> None:
        name, year, single, scenario = message.name, message.year, message.single_year, self.scenario
        self.compute("editor", lambda s: s.editor(scenario, name, year, single),
                     lambda request: self.push_screen(EditorScreen(request, self.blink)))

    def on_editor_screen_confirmed(self, message: EditorScreen.Confirmed) -> None:
        started, scenario, compare = self.clock(), self.scenario, self.compare
        target, text, generation = message.target, message.text, message.generation

        def work(s: Session):
            try:
                state = s.propose(target, text, generation)
            except EditRefused as e:
                return e.lines
            return state, s.sheet(scenario, compare, state)
        self.compute("edit", work, lambda out: self._edited(out, scenario, started))

    def _edited(self, out, scenario: str, started: float) -> None:
        if isinstance(out, list):  # refused: the editor shows why and stays open
            if isinstance(self.screen, EditorScreen):
                self.screen.show_error(out)
            return
        state, sheet = out
        if isinstance(self.screen, EditorScreen):
            self.pop_screen()
        if state is self.session.state:
            return  # typed what was there: nothing to do
        if not self.session.commit(state) or scenario != self.scenario:
            self.notify("the model changed while the edit was computed: try again",
                        severity="warning")
            self.refresh_view()
            return
        self.query_one(Grid).show(sheet)
        self.last_edit_seconds = self.clock() - started
        self.edits_applied += 1
        self._status(f"recalculated in {self.last_edit_seconds * 1000:.0f} ms")
        self._inspect_current()

    def action_step(self, which: str) -> None:
        def then(moved: bool) -> None:
            self.refresh_view() if moved else self.notify(f"nothing to {which}")
        self.compute("edit", lambda s: s.undo() if which == "undo" else s.redo(), then)

    # ------------------------------------------------------------ scenarios

    def action_scenario(self, step: int) -> None:
        names = self.scenario_names()
        if names:
            self.switch_scenario(names[(names.index(self.scenario) + step) % len(names)])

    def switch_scenario(self, name: str) -> None:
        if self.session is not None and name != self.scenario:
            self.scenario = name

    def watch_scenario(self, name: str) -> None:
        self.query_one(Tabs).active = f"scenario-{name}"
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
        self.refresh_view()

    def action_chart(self) -> None:
        charts = self.query_one(TabbedContent)
        charts.active = "pane-tornado" if charts.active == "pane-series" else "pane-series"

    def action_find(self) -> None:
        self.push_screen(FindScreen(self.variable_names(), self.blink),
                         lambda name: self.jump_to(name) if name else None)

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """Main-screen keys do nothing while a dialog or the editor is open."""
        if action in ("quit", "command_palette", "help_quit"):
            return True
        if self.session is None:  # the error screen of a file that does not load
            return action in ("quit_app", "help")
        return len(self.screen_stack) == 1

    # ------------------------------------------------------------ saving, quitting

    def action_save(self) -> None:
        if not self.session.dirty:
            self.notify("nothing to save")
        else:
            self.save()

    def save(self, path: str | None = None, then_quit: bool = False) -> None:
        def work(s: Session):
            try:
                return "saved", s.save(path)
            except DiskChanged:
                return "conflict", None
            except ScnError as e:
                return "failed", "\n".join(s.render_error(d) for d in e.diagnostics)
            except UsageError as e:
                return "failed", str(e)
        self.compute("save", work, lambda out: self._saved(*out, then_quit))

    def _saved(self, outcome: str, detail, then_quit: bool) -> None:
        if outcome == "conflict":
            self._conflict()
        elif outcome == "failed":
            self.notify(detail, title="not saved", severity="error", timeout=10)
        elif then_quit:
            self.exit(0)
        else:
            self.path = detail
            self.notify(f"saved {detail}")
            self.refresh_view()

    def _conflict(self) -> None:
        def chosen(key: str) -> None:
            if key == "r":
                self.reload_from_disk()
            elif key == "s":
                self.push_screen(PromptScreen("Save the edits to", self.path + ".new", self.blink),
                                 lambda path: self.save(path) if path else None)
        self.push_screen(ChoiceScreen(
            "The file changed on disk",
            f"{printable(self.path)} changed since it was loaded: saving would overwrite that change.",
            [("r", "reload it (discard my edits)"), ("s", "save my edits elsewhere")]), chosen)

    def action_quit_app(self) -> None:
        if self.session is None or not self.session.dirty:
            self.exit(0)
            return
        n = len(self.session.state.changes)

        def chosen(key: str) -> None:
            if key == "s":
                self.save(then_quit=True)
            elif key == "d":
                self.exit(0)
        self.push_screen(ChoiceScreen(
            "Unsaved edits", f"{n} edit{'s are' if n != 1 else ' is'} not saved.",
            [("s", "save and quit"), ("d", "discard and quit")]), chosen)

    # ------------------------------------------------------------ the file on disk

    def check_disk(self) -> None:
        """Every `poll` seconds: reload what changed on disk (kept edits are never lost)."""
        if self.session is None:
            if file_stamp(self.path) != self._load_stamp:
                self.run_worker(self._load, thread=True, exclusive=True, group="load")
            return

        def work(s: Session):
            try:
                text = s.disk_change()
            except ScnError as e:
                return "broken", [render(d, None) for d in e.diagnostics]
            if text is None:
                return "same", None
            if s.dirty:
                return "kept", None
            return self._reload(s, text)
        self.compute("disk", work, lambda out: self._disk_changed(*out))

    def _reload(self, s: Session, text: str):
        """(in a worker) A new text of the file; on errors the last good model stays."""
        try:
            s.reload(text)
        except ScnError as e:
            return "broken", [render(d, text) for d in e.diagnostics]
        scenario = self.scenario if self.scenario in s.model.scenarios else "base"
        return "reloaded", (scenario, s.sheet(scenario, self.compare))

    async def _disk_changed(self, outcome: str, detail) -> None:
        if outcome == "broken":
            self._problems(detail)
        elif outcome == "kept":
            self.notify(f"{printable(self.path)} changed on disk. ctrl+r reloads it (discarding "
                        "your edits); ctrl+s will ask before overwriting.", severity="warning",
                        timeout=10, markup=False)
        elif outcome == "reloaded":
            await self._loaded(self.session, *detail)
            self.notify(f"reloaded {printable(self.path)}", markup=False)

    def action_reload(self) -> None:
        if not self.session.dirty:
            self.reload_from_disk()
            return
        self.push_screen(ChoiceScreen("Reload from disk", "Reloading discards the unsaved edits.",
                                      [("r", "reload")]),
                         lambda key: self.reload_from_disk() if key == "r" else None)

    def reload_from_disk(self) -> None:
        def work(s: Session):
            try:
                return self._reload(s, read_text(self.path))
            except (UsageError, ScnError) as e:
                return "broken", [str(e)]
        self.compute("disk", work, lambda out: self._disk_changed(*out))
