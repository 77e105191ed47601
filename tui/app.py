"""`scn tui`: explore and edit a scenario file in the terminal, with live recalculation.

The app is a shell over `tui.session.Session`. State flows down (a `Sheet`
to the grid, a `CellInfo` to the inspector, series to the chart), messages
flow up (a cell highlighted, an edit requested or confirmed, a jump). The UI
thread never computes: every call into the session runs in a thread worker
holding the session's lock, and its result is applied only if the session
has not moved on since (the stale-result guard).
"""

from __future__ import annotations

import time
from typing import Callable

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane, Tab, Tabs
from textual.worker import get_current_worker

from dsl.errors import ScnError, render
from tui import sens_adapter
from tui.loader import UsageError, read_text
from tui.session import DiskChanged, EditRefused, Session, State, Target, file_stamp
from tui.widgets.dialogs import ChoiceScreen, PromptScreen
from tui.widgets.editor import EditorScreen
from tui.widgets.find import FindScreen, VariableCommands
from tui.widgets.grid import Grid, Row, Sheet
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
    BINDINGS = [
        Binding("q", "quit_app", "quit"),
        Binding("question_mark", "help", "keys", key_display="?"),
        Binding("slash", "find", "find", key_display="/"),
        Binding("left_square_bracket", "scenario(-1)", "scenario", key_display="["),
        Binding("right_square_bracket", "scenario(1)", "scenario", key_display="]"),
        Binding("c", "compare", "compare"),
        Binding("t", "chart", "chart"),
        Binding("ctrl+s", "save", "save"),
        Binding("ctrl+z", "undo", "undo"),
        Binding("ctrl+y", "redo", "redo"),
        Binding("ctrl+r", "reload", "reload", show=False),
    ]

    scenario: reactive[str] = reactive("base", init=False)
    compare: reactive[bool] = reactive(False, init=False)

    def __init__(self, path: str, scenario: str = "base", *, poll: float | None = 1.0,
                 blink: bool = True, sensitivities: Callable = sens_adapter.sensitivities,
                 sens_delay: float = 0.15, clock: Callable[[], float] = time.perf_counter) -> None:
        super().__init__()
        self.path = path
        self.wanted_scenario = scenario
        self.poll = poll
        self.blink = blink
        self.sensitivities = sensitivities
        self.sens_delay = sens_delay
        self.clock = clock  # times the edits (a fixed clock keeps snapshots stable)
        self.session: Session | None = None
        self.ready = False  # the first grid is on screen
        self.edits_applied = 0  # for tests and benchmarks
        self.last_edit_seconds = 0.0
        self._cell: tuple[str, int] | None = None
        self._sens_timer = None
        self._load_stamp = None

    # ------------------------------------------------------------ layout

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
        self.load()
        if self.poll:
            self.set_interval(self.poll, self.check_disk)

    # ------------------------------------------------------------ loading

    @work(thread=True, exclusive=True, group="load")
    def load(self) -> None:
        """Open the file; on errors, the error screen (kept until the file loads)."""
        text = None
        try:
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
            sheet = self._sheet(session, scenario, False)
        self.call_from_thread(self._loaded, session, scenario, sheet)

    async def _loaded(self, session: Session, scenario: str, sheet: Sheet) -> None:
        first_time = self.session is None
        self.session = session
        if isinstance(self.screen, LoadErrorScreen):
            self.pop_screen()
        self.title = session.model.title or "scn"
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
            self.notify(f"unknown scenario '{self.wanted_scenario}': showing base", severity="warning")
        self.query_one(Grid).focus()
        self.fill_scenarios()

    def _show_load_errors(self, lines: list[str]) -> None:
        self._load_stamp = file_stamp(self.path)
        if isinstance(self.screen, LoadErrorScreen):
            self.screen.show(lines)
        elif self.session is None:
            self.push_screen(LoadErrorScreen(self.path, lines))
        else:
            self._problems(lines)

    @work(thread=True, group="fill")
    def fill_scenarios(self) -> None:
        """Evaluate every scenario in the background: the chart overlays them."""
        session = self.session
        for name in list(session.model.scenarios):
            with session.lock:
                session.result(name)

    # ------------------------------------------------------------ the sheet

    def _sheet(self, session: Session, scenario: str, compare: bool,
               state: State | None = None) -> Sheet:
        """What the grid shows (call with the session's lock held)."""
        state = state or session.state
        model = state.model
        parent = model.scenarios[scenario].parent
        return Sheet(
            years=model.years,
            rows=_rows(model),
            kinds=session.kinds(state),
            values=session.values(scenario, state),
            inputs=session.inputs(scenario, state),
            changes=session.changed_cells(scenario, state),
            parent=session.values(parent, state) if compare and parent else None,
            warned=session.warned(scenario, state),
        )

    @work(thread=True, exclusive=True, group="view")
    def refresh_view(self) -> None:
        session, scenario, compare = self.session, self.scenario, self.compare
        if session is None:
            return
        with session.lock:
            state = session.state
            sheet = self._sheet(session, scenario, compare)
        if not get_current_worker().is_cancelled:
            self.call_from_thread(self._show_sheet, state, scenario, sheet)

    def _show_sheet(self, state: State, scenario: str, sheet: Sheet) -> None:
        if self.session.state is not state or self.scenario != scenario:
            return  # stale: a newer view is on its way
        self.query_one(Grid).show(sheet)
        self._status()
        self._inspect_current()

    def _status(self, message: str | None = None) -> None:
        session = self.session
        if session is None:
            return
        s = session.model.scenarios[self.scenario]
        text = Text.assemble(("scenario ", "dim"), (self.scenario, "bold"))
        if s.title:
            text.append(f" ({s.title})", "dim")
        if self.compare and s.parent:
            text.append(f"  ·  compare: changes against {s.parent}", "bold yellow")
        n = len(session.state.changes)
        if n:
            text.append(f"  ·  {n} unsaved edit{'s' if n != 1 else ''}", "bold yellow")
        warned = self.query_one(Grid).sheet.warned
        if warned:
            text.append(f"  ·  ! non-finite values in {', '.join(sorted(warned))}", "red")
        if message:
            text.append(f"  ·  {message}", "green")
        self.query_one("#status", Static).update(text)
        self.sub_title = self.path + (f"  ·  {n} unsaved" if n else "")

    def _problems(self, lines: list[str]) -> None:
        box = self.query_one("#problems", Static)
        box.display = bool(lines)
        if lines:
            head = Text(f"{self.path} changed on disk and does not load; showing the last good "
                        "model. Fix it and save: it reloads.\n", "bold")
            box.update(head + Text("\n".join(lines), "red"))

    # ------------------------------------------------------------ the cell

    def on_grid_cell_highlighted(self, message: Grid.CellHighlighted) -> None:
        self._cell = (message.name, message.year)
        self.inspect(message.name, message.year)

    def _inspect_current(self) -> None:
        if self._cell is not None:
            self.inspect(*self._cell)

    @work(thread=True, exclusive=True, group="inspect")
    def inspect(self, name: str, year: int) -> None:
        session, scenario = self.session, self.scenario
        if session is None:
            return
        with session.lock:
            state = session.state
            info = session.cell(scenario, name, year)
            values = session.values(scenario)
            kinds = session.kinds()
            series = {s: session.values(s)[name] for s in session.model.scenarios}
        if not get_current_worker().is_cancelled:
            self.call_from_thread(self._show_cell, state, info, values, kinds, series)

    def _show_cell(self, state, info, values, kinds, series) -> None:
        if self.session.state is not state or self._cell != (info.name, info.year):
            return
        years = self.session.model.years
        self.query_one(Inspector).show(info, kinds, values, years)
        self.query_one(SeriesChart).show(info.name, years, series, self.scenario,
                                         kinds.get(info.name, "amount"))
        if self._sens_timer is not None:
            self._sens_timer.stop()
        self._sens_timer = self.set_timer(self.sens_delay, self.sensitivities_of_cell)

    def sensitivities_of_cell(self) -> None:
        if self._cell is not None:
            self.compute_sensitivities(*self._cell, self.scenario)

    @work(thread=True, exclusive=True, group="sens")
    def compute_sensitivities(self, name: str, year: int, scenario: str) -> None:
        session = self.session
        try:  # the sensitivity engine brings sympy: import it outside the lock
            import engine.sensitivity  # noqa: F401
        except Exception:
            pass
        with session.lock:
            state = session.state
            try:
                sens = self.sensitivities(state.model, name, year, scenario)
            except Exception as e:  # never let a sensitivity take the UI down
                sens = None
                self.log.warning(f"sensitivities failed: {e!r}")
            kind = session.kinds().get(name, "amount")
        if not get_current_worker().is_cancelled:
            self.call_from_thread(self._show_sensitivities, state, (name, year), scenario, sens,
                                  kind)

    def _show_sensitivities(self, state, cell, scenario, sens, kind) -> None:
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
        if self.session is not None:
            self.open_editor(message.name, message.year, message.single_year)

    @work(thread=True, exclusive=True, group="editor")
    def open_editor(self, name: str, year: int, single_year: bool) -> None:
        session, scenario = self.session, self.scenario
        with session.lock:
            request = session.editor(scenario, name, year, single_year)
        self.call_from_thread(self.push_screen, EditorScreen(request, self.blink))

    def on_editor_screen_confirmed(self, message: EditorScreen.Confirmed) -> None:
        self.apply_edit(message.target, message.text, self.clock())

    @work(thread=True, exclusive=True, group="edit")
    def apply_edit(self, target: Target, text: str, started: float) -> None:
        session, scenario, compare = self.session, self.scenario, self.compare
        with session.lock:
            try:
                state = session.propose(target, text)
            except EditRefused as e:
                lines = e.lines
                state = None
            else:
                sheet = self._sheet(session, scenario, compare, state)
        if state is None:
            self.call_from_thread(self._refused, lines)
        else:
            self.call_from_thread(self._edited, state, scenario, sheet, started)

    def _refused(self, lines: list[str]) -> None:
        if isinstance(self.screen, EditorScreen):
            self.screen.show_error(lines)

    def _edited(self, state: State, scenario: str, sheet: Sheet, started: float) -> None:
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

    def action_undo(self) -> None:
        self._step("undo")

    def action_redo(self) -> None:
        self._step("redo")

    @work(thread=True, exclusive=True, group="edit")
    def _step(self, which: str) -> None:
        session = self.session
        if session is None:
            return
        with session.lock:
            moved = session.undo() if which == "undo" else session.redo()
        if moved:
            self.call_from_thread(self.refresh_view)
        else:
            self.call_from_thread(self.notify, f"nothing to {which}")

    # ------------------------------------------------------------ scenarios

    def action_scenario(self, step: int) -> None:
        names = self.scenario_names()
        if names:
            k = (names.index(self.scenario) + step) % len(names)
            self.switch_scenario(names[k])

    def switch_scenario(self, name: str) -> None:
        if self.session is None or name == self.scenario:
            return
        self.scenario = name

    def watch_scenario(self, name: str) -> None:
        self.query_one(Tabs).active = f"scenario-{name}"
        if self.compare and not self.session.model.scenarios[name].parent:
            self.set_reactive(ScnApp.compare, False)
        self.refresh_view()

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        if event.tabs.id != "scenarios" or event.tab is None:
            return
        self.switch_scenario(str(event.tab.id).removeprefix("scenario-"))
        self.query_one(Grid).focus()

    def action_compare(self) -> None:
        if self.session is None:
            return
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

    # ------------------------------------------------------------ find, help

    def action_find(self) -> None:
        if self.session is not None:
            self.push_screen(FindScreen(self.variable_names(), self.blink), self._found)

    def _found(self, name: str | None) -> None:
        if name:
            self.jump_to(name)

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    # ------------------------------------------------------------ saving, quitting

    def action_save(self) -> None:
        if self.session is None:
            return
        if not self.session.dirty:
            self.notify("nothing to save")
            return
        self.save()

    @work(thread=True, exclusive=True, group="save")
    def save(self, path: str | None = None, then_quit: bool = False) -> None:
        session = self.session
        with session.lock:
            try:
                written = session.save(path)
            except DiskChanged:
                self.call_from_thread(self._conflict)
                return
            except ScnError as e:
                self.call_from_thread(self._save_failed, [session.render_error(d) for d in
                                                          e.diagnostics])
                return
            except UsageError as e:
                self.call_from_thread(self._save_failed, [str(e)])
                return
        if then_quit:
            self.call_from_thread(self.exit, 0)
            return
        self.call_from_thread(self._saved, written)

    def _saved(self, path: str) -> None:
        self.path = path
        self._status(f"saved {path}")
        self.notify(f"saved {path}")
        self.refresh_view()
        self.fill_scenarios()

    def _save_failed(self, lines: list[str]) -> None:
        self.notify("\n".join(lines), title="not saved", severity="error", timeout=10)

    def _conflict(self) -> None:
        def chosen(key: str | None) -> None:
            if key == "r":
                self.reload_from_disk()
            elif key == "s":
                self.push_screen(PromptScreen("Save the edits to", self.path + ".new", self.blink),
                                 lambda path: self.save(path) if path else None)
        self.push_screen(ChoiceScreen(
            "The file changed on disk",
            f"{self.path} changed since it was loaded: saving would overwrite that change.",
            [("r", "reload it (discard my edits)"), ("s", "save my edits elsewhere")]), chosen)

    def action_quit_app(self) -> None:
        if self.session is None or not self.session.dirty:
            self.exit(0)
            return
        n = len(self.session.state.changes)

        def chosen(key: str | None) -> None:
            if key == "s":
                self.save(then_quit=True)
            elif key == "d":
                self.exit(0)
        self.push_screen(ChoiceScreen(
            "Unsaved edits", f"{n} edit{'s are' if n != 1 else ' is'} not saved.",
            [("s", "save and quit"), ("d", "discard and quit")]), chosen)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """Main-screen keys do nothing while a dialog or the editor is open."""
        if action in ("quit", "command_palette", "help_quit"):
            return True
        if self.session is None:  # the error screen of a file that does not load
            return action in ("quit_app", "help")
        return len(self.screen_stack) == 1

    # ------------------------------------------------------------ the file on disk

    def check_disk(self) -> None:
        if self.session is None:
            if file_stamp(self.path) != self._load_stamp:
                self.load()
            return
        self.watch_disk()

    @work(thread=True, exclusive=True, group="disk")
    def watch_disk(self) -> None:
        session = self.session
        with session.lock:
            try:
                text = session.disk_change()
            except ScnError as e:
                self.call_from_thread(self._problems, [session.render_error(d) for d in
                                                       e.diagnostics])
                return
        if text is None:
            return
        if session.dirty:
            self.call_from_thread(
                self.notify, f"{self.path} changed on disk. ctrl+r reloads it (discarding your "
                             "edits); ctrl+s will ask before overwriting.", severity="warning",
                timeout=10)
            return
        self._reload(text)

    def action_reload(self) -> None:
        if self.session is None:
            return
        if not self.session.dirty:
            self.reload_from_disk()
            return
        self.push_screen(ChoiceScreen("Reload from disk", "Reloading discards the unsaved edits.",
                                      [("r", "reload")]),
                         lambda key: self.reload_from_disk() if key == "r" else None)

    @work(thread=True, exclusive=True, group="disk")
    def reload_from_disk(self) -> None:
        try:
            text = read_text(self.path)
        except (UsageError, ScnError) as e:
            self.call_from_thread(self.notify, str(e), severity="error")
            return
        self._reload(text)

    def _reload(self, text: str) -> None:
        """(in a worker) Load a new text of the file; on errors keep the last good model."""
        session = self.session
        with session.lock:
            try:
                session.reload(text)
            except ScnError as e:
                lines = [render(d, text) for d in e.diagnostics]
                self.call_from_thread(self._problems, lines)
                return
            scenario = self.scenario if self.scenario in session.model.scenarios else "base"
            sheet = self._sheet(session, scenario, self.compare)
        self.call_from_thread(self._loaded, session, scenario, sheet)
        self.call_from_thread(self.notify, f"reloaded {self.path}")


def _rows(model) -> tuple[Row, ...]:
    """Variables in file order, a section line wherever the section changes."""
    out: list[Row] = []
    current: object = object()
    for v in model.variables:
        section = model.info[v].section
        if section != current and section is not None:
            out.append(Row(None, section))
        current = section
        out.append(Row(v, section))
    return tuple(out)


