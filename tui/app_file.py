"""The app and its file: loading, watching the disk, reloading, saving, quitting.

One load at a time: the first one, and on the error screen one per new text
of the file, never while another is under way (a large model takes seconds
to load; a watcher that started a new load every second raced itself). The
watcher looks at the file every `poll` seconds through `Session.watch`, one
look at a time, and every look's outcome is shown: a look records what it
saw, so a look whose outcome was dropped would lose a change for good.
What the file on disk holds (`Session.disk`) is shown by one method,
`_show_disk`: the status line and the problems panel. Every way out (`q`,
ctrl+q, the command palette's quit) asks first when edits are unsaved or
the file was deleted.
"""

from __future__ import annotations

import os
import time

from dsl.text import printable
from rich.text import Text
from textual.widgets import Static

from dsl.errors import ScnError, render
from engine.collector import paused_collector, settle
from tui.app_edit import MOVES
from files.reading import UsageError, read_text
from tui.session import (BROKEN, CHANGED, DELETED, NOTICED, RELOADED, SAME, DiskChanged,
                         Session, Sheet, file_stamp)
from tui.session.disk import keep_model, load_kept
from tui.session.first import open_sheet
from tui.session.units import news, units_view
from tui.widgets.dialogs import ChoiceScreen, PromptScreen
from tui.widgets.grid import Grid
from tui.widgets.load_errors import LoadErrorScreen


class FileFlow:
    """The file side of `ScnApp` (a mixin: it uses the app's `compute`, `hold`, widgets)."""

    session: Session | None
    path: str

    def _init_file_flow(self) -> None:
        self._loading = False  # a load is under way (the first, or from the error screen)
        self._load_stamp: object = None  # the stamp of the text that did not load
        self._disk_jobs = 0  # looks at the disk (or reloads) under way
        self._shown = False  # a first screen (grid or errors) is up
        self._keep_parsed = None  # keeps the statements the load parsed (`load_kept`)
        self._to_keep = None  # (path, text, model) of the first load, kept for the next run
        self.filled = False  # every scenario computed once, after the first load

    # ------------------------------------------------------------ loading

    def _start_load(self) -> None:
        self._loading = True
        self.run_worker(self._load, thread=True, group="load", exit_on_error=False)

    def _load(self) -> None:
        """(worker) Open the file; on errors, the error screen, kept until the file loads."""
        session, self._opened = self._opened, None
        stamp = session.stamp if session is not None else file_stamp(self.path)
        text = None
        first = None
        try:
            # The collector paused until the first sheet is made, then what is alive
            # frozen (`settle`): a full pass walks the model at every allocation burst
            # (the session's indexes, the values read back, the grid's layout on the UI
            # thread), and 0.4-0.6 s of the 10,000-variable open were such passes.
            # Frozen before the collector is on again: else its first pass, at the next
            # allocation, walks everything made meanwhile (80 ms at 10,000 variables).
            with paused_collector():
                if session is None:
                    text = read_text(self.path)
                    model, self._keep_parsed = load_kept(self.path, text)
                    session = Session(self.path, text, model, stamp=stamp)
                # the file's model as loaded, for the next run (`_fill`): no edit yet
                self._to_keep = (session.path, session.disk_text, session.root.model)
                scenario = self.wanted_scenario if self.wanted_scenario in session.model.scenarios \
                    else "base"
                # Held until the whole first sheet is made: what explains a cell meanwhile
                # (the inspector) waits for the whole result, as after an edit painted first.
                with session.lock:
                    if not (self._shown or self.compare or self.by_year or self.mc_on):
                        try:
                            first = open_sheet(session, scenario, self.size.height)
                        except Exception as e:  # a bug of ours: said, and the sheet made whole
                            self.call_from_thread(self.notify,
                                                  f"internal error (first rows): {e!r}",
                                                  severity="error", timeout=15)
                    if first is not None:  # the rows on screen first, then every row
                        settle(session.model)
                        self.call_from_thread(self._loaded, session, scenario, first)
                    sheet = session.sheet(scenario)
                settle(session.model)
        except UsageError as e:
            self.call_from_thread(self._unreadable, str(e), stamp)
        except ScnError as e:
            self.call_from_thread(self._show_load_errors,
                                  [render(d, text) for d in e.diagnostics], stamp)
        except Exception as e:  # a bug of ours: say so on the error screen, never hang
            self.call_from_thread(self._show_load_errors, [f"internal error: {e!r}"], stamp)
            raise
        else:
            if first is None:
                self.call_from_thread(self._loaded, session, scenario, sheet)
            else:
                self.call_from_thread(self._loaded_whole, session, scenario, sheet)

    async def _loaded(self, session: Session, scenario: str, sheet: Sheet) -> None:
        first = not self._shown
        if isinstance(self.screen, LoadErrorScreen):
            self.pop_screen()
        self.session = session
        await self._show_model(scenario, sheet)
        self._loading = bool(sheet.pending)  # the load goes on: no look at the disk meanwhile
        self._shown = True
        if first and self.wanted_scenario not in session.model.scenarios:
            self.notify(f"unknown scenario '{self.wanted_scenario}': showing base",
                        severity="warning", markup=False)
        if sheet.pending:  # the rows on screen first (`open_sheet`): the grid moves meanwhile
            self._status(f"computing {len(sheet.pending):,} more rows…")
            self.query_one("#bottom").add_class("-pending")
            self.typeahead.hold("opening", passing=MOVES)
            self.release("load")
            return
        self.release("load")
        # after the grid's first paint, which the fill would slow down (one GIL)
        self.call_after_refresh(self.run_worker, self._fill, thread=True, group="fill")

    def _loaded_whole(self, session: Session, scenario: str, sheet: Sheet) -> None:
        """The whole first sheet, after its rows on screen (`_loaded` showed them)."""
        self.open_whole_at = time.perf_counter()
        if self.session is session and self.scenario == scenario and not (
                self.compare or self.by_year or self.mc_on):
            self.query_one(Grid).show(sheet)
            self._status()
            self.call_after_refresh(self._inspect_current)
        else:  # moved on meanwhile (cannot, but never show a sheet of another view)
            self.refresh_view()
        self.query_one("#bottom").remove_class("-pending")
        self._loading = False
        self.release("opening")
        self.call_after_refresh(self.run_worker, self._fill, thread=True, group="fill")

    def _fill(self) -> None:
        """(worker) Every scenario in the background, one at a time: the chart overlays them;
        then the statements parsed and the checked model kept for the next run
        (`load_kept`, `keep_model`). First of all sympy, which the sensitivities need
        (imported meanwhile, it slowed the keys down)."""
        import engine.sensitivity  # noqa: F401
        from dsl.parser import parse_statement

        parse_statement("warm = 1")  # lark's statement parser built now, not at the first edit

        session = self.session
        for name in list(session.model.scenarios):
            with session.lock:
                session.result(name)
        keep, self._keep_parsed = self._keep_parsed, None
        if keep is not None:
            keep()
        kept, self._to_keep = self._to_keep, None
        if kept is not None:
            with session.lock:  # pickling reads the model's cache, which workers fill
                keep_model(*kept)
        with session.lock:  # after the model is kept: not written with it
            # what an edit's first recompute walks, made now, not in the edit's time
            # (at 10,000 variables: who reads each variable 6 ms, the cyclic ones 1 ms)
            for name in list(session.model.scenarios):
                graph = session.checked(name)[1]
                graph.dependents()
                graph.cyclic_variables()
            session.order(session.root)
        settle(session.model)  # the model and its results, out of the collector's passes
        self.filled = True  # for tests and benchmarks

    def _unreadable(self, message: str, stamp) -> None:
        if not self._shown:  # gone before the first screen: as the command would say
            self.exit(2, message=f"scn: error: {message}")
            return
        self._show_load_errors([message], stamp)

    def _show_load_errors(self, lines: list[str], stamp) -> None:
        if self.session is not None and self._loading:  # failed after its first rows shown:
            self.session = None  # the next text of the file is loaded anew (`check_disk`)
            self.query_one("#bottom").remove_class("-pending")
            self.release("opening")
        self._load_stamp = stamp
        self._loading = False
        self._shown = True
        if isinstance(self.screen, LoadErrorScreen):
            self.screen.show(lines)
        else:
            self.push_screen(LoadErrorScreen(self.path, lines))
        self.release("load")

    # ------------------------------------------------------------ the file on disk

    def check_disk(self) -> None:
        """Every `poll` seconds: reload what changed on disk (unsaved edits are never lost)."""
        if self._loading or self._disk_jobs:
            return  # one look at a time: each look's outcome is shown before the next
        if self.session is None:
            if self._shown and file_stamp(self.path) != self._load_stamp:
                self._start_load()
            return
        scenario, compare, by_year = self.scenario, self.compare, self.by_year

        def work(s: Session):
            before = units_view(s.state)
            what = s.watch()
            if what != RELOADED:
                return what, None, None
            return what, self._view(s, scenario, compare, by_year), \
                news(before, units_view(s.state))  # a warning the new text brings is said
        self._disk_job("disk", work, asked=False)

    def _disk_job(self, group: str, work, asked: bool) -> None:
        self._disk_jobs += 1

        def done() -> None:
            self._disk_jobs -= 1
        self.compute(group, work, lambda out: self._disk_seen(*out, asked), exclusive=False,
                     done=done)

    @staticmethod
    def _view(s: Session, scenario: str, compare: bool, by_year: bool) -> tuple[str, Sheet]:
        """(in a worker) The scenario to show after a reload, and its sheet (rolled up by
        year as before, if the model still has periods shorter than a year)."""
        scenario = scenario if scenario in s.model.scenarios else "base"
        compare = compare and s.model.scenarios[scenario].parent is not None
        return scenario, s.sheet(scenario, compare, by_year=by_year)

    async def _disk_seen(self, what: str, view, unit_news: str | None, asked: bool) -> None:
        disk = self.session.disk
        if what == RELOADED:
            await self._show_model(*view)
            settle(self.session.model)  # the new model, out of the collector's passes
            self.notify(f"reloaded {printable(self.path)}", markup=False)
            if unit_news:
                self._status(unit_news=unit_news)
            return
        if what != NOTICED and not asked:
            return  # nothing new: the status line keeps its message
        self._show_disk()
        if disk.status == DELETED:
            self.notify(f"{printable(self.path)} was deleted on disk. Its model stays on screen; ctrl+s "
                        "writes it back.", severity="warning", timeout=10, markup=False)
        elif disk.status == CHANGED:
            self.notify(f"{printable(self.path)} changed on disk. ctrl+r reloads it (discarding your "
                        "edits); ctrl+s will ask before overwriting.", severity="warning",
                        timeout=10, markup=False)
        elif disk.status == BROKEN and asked:
            self.notify(f"{printable(self.path)} does not load: not reloaded", severity="error", markup=False)
        elif disk.status == SAME and not asked:
            self.notify(f"{printable(self.path)} holds the loaded text again", markup=False)

    def _show_disk(self) -> None:
        """The problems panel and the status line say what the file on disk holds."""
        disk = self.session.disk
        box = self.query_one("#problems", Static)
        box.display = disk.status == BROKEN
        if disk.status == BROKEN:
            head = Text(f"{printable(self.path)} changed on disk and does not load; showing the last good "
                        "model. Fix it and save: it reloads.\n", "bold")
            box.update(head + Text("\n".join(disk.lines), "red"))
        self._status()

    def action_reload(self) -> None:
        if not self.session.dirty:
            self.reload_from_disk()
            return
        self.push_screen(ChoiceScreen("Reload from disk", "Reloading discards the unsaved edits.",
                                      [("r", "reload")]),
                         lambda key: self.reload_from_disk() if key == "r" else None)

    def reload_from_disk(self) -> None:
        """Start over from the file (dropping the edits); a file gone or broken is said."""
        scenario, compare, by_year = self.scenario, self.compare, self.by_year

        def work(s: Session):
            before = units_view(s.state)
            if s.reload_from_disk():
                return RELOADED, self._view(s, scenario, compare, by_year), \
                    news(before, units_view(s.state))
            return NOTICED, None, None
        self._disk_job("reload", work, asked=True)

    # ------------------------------------------------------------ saving

    def action_save(self) -> None:
        s = self.session
        if not s.dirty and s.disk.status != DELETED:
            self.notify("nothing to save")
            self.release("save")
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
        self.hold("save")  # keys typed meanwhile (`q`) act once the outcome is known
        self.compute("save", work, lambda out: self._saved(*out, then_quit), exclusive=False,
                     done=lambda: self.release("save"))

    def _saved(self, outcome: str, detail, then_quit: bool) -> None:
        if outcome == "conflict":
            self._conflict(then_quit)
            return
        if outcome == "failed":
            self.notify(detail, title="not saved", severity="error", timeout=10, markup=False)
            return
        if then_quit:
            self.exit(0)
            return
        old, self.path = self.path, detail
        self._show_disk()
        self.refresh_view()
        if os.path.abspath(old) == os.path.abspath(detail):
            self.notify(f"saved {printable(detail)}", markup=False)
        else:
            self.notify(f"saved {printable(detail)}: the grid now shows and watches it; {printable(old)} stays as it "
                        "is on disk", timeout=10, markup=False)

    def _conflict(self, then_quit: bool) -> None:
        def chosen(key: str) -> None:
            if key == "r":
                self.reload_from_disk()
            elif key == "s":
                self.push_screen(PromptScreen("Save the edits to", self.path + ".new", self.blink,
                                              check=self._save_path_problem),
                                 lambda path: self.save(path, then_quit) if path else None)
        self.push_screen(ChoiceScreen(
            "The file changed on disk",
            f"{printable(self.path)} changed since it was loaded: saving would overwrite that change.",
            [("r", "reload it (discard my edits)"), ("s", "save my edits elsewhere")]), chosen)

    def _save_path_problem(self, path: str) -> tuple[str, bool] | None:
        """Why a path typed for "save elsewhere" needs a second look: (message, refused)."""
        if self.session.is_own_file(path):
            return f"{path} is the file that changed on disk: choose another name", True
        if os.path.isdir(path):
            return f"{path} is a directory", True
        if os.path.exists(path):
            return f"{path} exists: Enter again replaces it", False
        return None

    # ------------------------------------------------------------ quitting

    async def action_quit(self) -> None:
        """ctrl+q and the command palette's Quit: the same question as `q`."""
        self.action_quit_app()

    def action_quit_app(self) -> None:
        if isinstance(self.screen, ChoiceScreen) and self.screen.purpose == "quit":
            return  # already asking
        s = self.session
        deleted = s is not None and s.disk.status == DELETED
        if s is None or (not s.dirty and not deleted):
            self.exit(0)
            return

        def chosen(key: str) -> None:
            if key == "s":
                self.save(then_quit=True)
            elif key == "d":
                self.exit(0)
        if s.dirty:
            n = len(s.state.changes)
            title, message = "Unsaved edits", f"{n} edit{'s are' if n != 1 else ' is'} not saved."
            if deleted:
                message += f" {printable(self.path)} was deleted on disk."
            choices = [("s", "save and quit"), ("d", "discard and quit")]
        else:
            title = "The file was deleted"
            message = f"{printable(self.path)} was deleted on disk; this model is the only copy left."
            choices = [("s", "write it back and quit"), ("d", "quit, leaving it deleted")]
        self.push_screen(ChoiceScreen(title, message, choices, purpose="quit"), chosen)
