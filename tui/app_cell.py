"""The selected cell, explained: the inspector, the chart and the sensitivities.

A mixin of `tui.app.ScnApp` (as `tui.app_file.FileFlow` is): when the grid's
cursor lands on a cell, the session says what the cell is (in a worker), the
inspector and the series chart show it, and once the cursor has rested
(`sens_delay`) its sensitivities and tornado are computed. A year rolled up
(`y`) is explained apart: how it was made and from which periods, the chart
by year.
"""

from __future__ import annotations

from display.kinds import AMOUNT
from dsl.periods import label_of
from engine.address import Cell
from engine.axis import TimeAxis
from engine.rollup import SUM, year_columns
from tui import sens_adapter
from tui.session import Session
from tui.session.members import chart_rows, chart_title, member_keys
from tui.session.rollup import rolled_row, rollup_info
from tui.session.sheet import dims_of, row_key, split_key
from tui.session.units import units_view
from tui.widgets.grid import Grid
from tui.widgets.inspector import Inspector
from tui.widgets.series_chart import SeriesChart
from tui.widgets.tornado import Tornado


class CellFlow:
    """What the app shows of the cell under the cursor."""


    def on_grid_cell_highlighted(self, message: Grid.CellHighlighted) -> None:
        self._cell = (message.name, message.year)  # the row's key: `capex`, `capex[goog]`
        self._inspect_current()

    def _inspect_current(self) -> None:
        grids = self.query(Grid)
        if self._cell is None or not grids:  # (none while the app closes: a message late)
            return
        (key, year), scenario = self._cell, self.scenario
        name, members = split_key(key)
        if grids.first().sheet.years is not None:
            self._inspect_rollup(key, year, scenario)
            return

        def work(s: Session):
            # The scenarios not computed yet (after an edit, at the open) are computed
            # apart (`_compute_others`): the cell is explained at once, its chart has them
            # when they are there.
            ready = _ready(s, scenario)
            series = chart_rows(s.row, s.model, key, scenario, s.kinds(), scenarios=ready)
            at = Cell(name, s.model.axis.index(year), members)  # the grid's columns hold years
            return (s.state, s.cell(scenario, at), s.values(scenario), s.kinds(),
                    s.kinds(s.root), series, units_view(s.state),
                    len(ready) < len(s.model.scenarios))
        session = self.session
        if session.lock.acquire(blocking=False):  # no job under way: at once, if all is made
            try:
                out = work(session) if session.explained_at_once(scenario) else None
            finally:
                session.lock.release()
            if out is not None:
                self._show_cell(*out)
                return
        self.compute("inspect", work, lambda out: self._show_cell(*out))

    def _show_cell(self, state, info, values, kinds, file_kinds, series, units,
                   partial: bool = False) -> None:
        axis = self.session.model.axis
        key = row_key(info.name, info.cell.members)
        if self.session.state is not state or self._cell != (
                key, axis.absolute(info.cell.period)):
            return
        parent = self.session.model.scenarios[self.scenario].parent
        row = series.get(parent) if self.compare and parent else None  # (not in members' charts)
        against = (parent, row[info.cell.period]) if row is not None else None
        self.query_one(Inspector).show(info, kinds, values, axis, against, file_kinds, units)
        kind = kinds.get(info.name, AMOUNT)
        title = chart_title(key, info.group, kind, self.scenario)
        fan = self.mc_band(key)
        if fan is not None:  # Monte Carlo on: the fan of this scenario
            title = f"{key}: {self.mc_view.samples:,} samples"
        elif partial:
            title += OTHERS_COMPUTING
            # after the frame under way (an edit's grid), which this job would slow (one GIL)
            self.call_after_refresh(self._compute_others, state)
        self._show_chart(title, axis, series, self.scenario, kind, units.label(info.name), fan)
        if self._sens_timer is not None:
            self._sens_timer.stop()
        if info.group:  # a group's header (a sum of members): not yet, said in words
            self.query_one(Inspector).show_sensitivities(None, kind, members=True)
            self.query_one(Tornado).show(None, kind, members=True)
            return
        if info.kind == "empty":  # nothing to be sensitive: say so, compute nothing
            self.query_one(Inspector).show_sensitivities(None, AMOUNT, empty=True)
            self.query_one(Tornado).show(None, AMOUNT, empty=True)
            return
        self._sens_timer = self.set_timer(max(self.sens_delay, 0.001), self._sensitivities)

    _chart_next: tuple | None = None  # what the chart draws after the next frame

    def _show_chart(self, *shown) -> None:
        """The chart of the cell explained, drawn once the inspector's facts are painted
        (`Inspector.Painted`): plotext took 6-15 ms of that frame at each arrow key at
        10,000 variables. The last one asked for is drawn (a cursor that moved on draws
        the cell it is on)."""
        self._chart_next = shown

    def on_inspector_painted(self, message: Inspector.Painted) -> None:
        self._draw_chart()

    def _draw_chart(self) -> None:
        shown, self._chart_next = self._chart_next, None
        charts = self.query(SeriesChart)  # none while the app closes (a message late)
        if shown is not None and charts:
            charts.first().show(*shown)

    def _compute_others(self, state) -> None:
        """The scenarios a state has not computed (in the background, one job at a time),
        then the cell explained again, its chart with every scenario."""
        def work(s: Session):
            for sc in s.model.scenarios:
                if s.state is state:
                    s.result(sc, state)

        def then(_) -> None:
            if self.session.state is state:
                self._inspect_current()
        self.compute("others", work, then)

    def _inspect_rollup(self, key: str, year: int, scenario: str) -> None:
        """A year rolled up: how it was made, and the chart by year in every scenario."""
        name = split_key(key)[0]
        how = self.query_one(Grid).sheet.how.get(name, SUM)

        def work(s: Session):
            axis, kinds = s.model.axis, s.kinds()
            years = year_columns(axis)
            column = next(j for j, y in enumerate(years) if axis.index(year) in y.periods)
            row = s.values(scenario)[key]
            info = s.model.info[name]
            found = rollup_info(key, scenario, row, rolled_row(row, how, axis, years), how,
                                axis, column, info.section, info.doc)
            ready = _ready(s, scenario)
            series = {sc: rolled_row(v, how, axis, years)
                      for sc, v in chart_rows(s.row, s.model, key, scenario, kinds,
                                              scenarios=ready).items()}
            return s.state, found, kinds, series, TimeAxis.of_years(axis.first_year,
                                                                   axis.last_year), \
                units_view(s.state), len(ready) < len(s.model.scenarios)
        self.compute("inspect", work, lambda out: self._show_rollup(*out, (key, year)))

    def _show_rollup(self, state, info, kinds, series, years, units, missing, cell) -> None:
        if self.session.state is not state or self._cell != cell \
                or self.query_one(Grid).sheet.years is None:
            return
        if self._sens_timer is not None:
            self._sens_timer.stop()
        name = split_key(info.key)[0]
        kind = kinds.get(name, AMOUNT)
        self.query_one(Inspector).show_rollup(info, kind, units)
        group = len(self.session.model.combos(name)) if dims_of(self.session.model, name) \
            and info.key == name else 0
        title = chart_title(info.key, group, kind, self.scenario) + f" by year ({info.how})"
        partial = [str(y.year) for y in year_columns(self.session.model.axis) if y.partial]
        if partial:  # a part of a year is drawn as a dip or a jump: say which years are
            title += f"; {', '.join(partial)} partial"
        if missing:
            title += OTHERS_COMPUTING
            # after the frame under way (an edit's grid), which this job would slow (one GIL)
            self.call_after_refresh(self._compute_others, state)
        self._show_chart(title, years, series, self.scenario, kind, units.label(name))
        self.query_one(Tornado).show(None, kind, rolled=True)

    def _sensitivities(self) -> None:
        if self._cell is None:
            return
        variable, members = split_key(self._cell[0])
        if dims_of(self.session.model, variable) and not members:
            return  # a group's header: none yet
        (name, year), scenario = self._cell, self.scenario

        def work(s: Session):
            edited = [t.name for t in s.state.changes]  # explain the last edit first
            try:
                sens = self.sensitivities(s.model, name, year, scenario,
                                          wrt=edited[-1] if edited else None)
            except Exception as e:  # a sensitivity must never take the UI down
                self.log.warning(f"sensitivities failed: {e!r}")
                sens = sens_adapter.Sensitivities(  # said in words: never a silent blank
                    name, year, scenario, None, (), 0.10, None, "engine.sensitivity",
                    error=f"an internal error, {type(e).__name__}: {e}")
            return s.state, sens, s.kinds().get(name, AMOUNT), \
                units_view(s.state).label(variable)
        self.compute("sens", work, lambda out: self._show_sensitivities(*out, (name, year),
                                                                         scenario),
                     first=_import_sensitivity)

    def _show_sensitivities(self, state, sens, kind, unit, cell, scenario) -> None:
        if self.session.state is not state or self._cell != cell or self.scenario != scenario:
            return
        self.query_one(Inspector).show_sensitivities(sens, kind)
        axis = self.session.model.axis
        self.query_one(Tornado).show(sens, kind, when=label_of(axis.unit, cell[1]), unit=unit)

    def on_inspector_jump(self, message: Inspector.Jump) -> None:
        grid = self.query_one(Grid)
        grid.move_to(message.name, message.year)
        grid.focus()

    def jump_to(self, key: str) -> None:
        """Move the cursor to a variable or a member row (`capex[goog]`, opening its
        group), keeping the year column (find, palette)."""
        grid = self.query_one(Grid)
        grid.move_to(key)
        grid.focus()

    def variable_names(self) -> list[str]:
        return list(self.session.model.variables) if self.session else []

    def member_rows(self, name: str) -> list[str]:
        """The member rows of a variable with dims (`capex[goog]`, ...), [] without."""
        return member_keys(self.session.model, name) if self.session else []

    def scenario_names(self) -> list[str]:
        return list(self.session.model.scenarios) if self.session else []



OTHERS_COMPUTING = "  (other scenarios: computing…)"


def _ready(s: Session, scenario: str) -> list[str]:
    """The scenarios a chart draws now: the one on screen and those already computed."""
    done = set(s.computed())
    return [sc for sc in s.model.scenarios if sc == scenario or sc in done]


def _import_sensitivity() -> None:
    """sympy, imported by the first sensitivities' worker (about 1.5 s): on the UI
    thread it froze the screen, under the session's lock it held up every other job."""
    import engine.sensitivity  # noqa: F401
