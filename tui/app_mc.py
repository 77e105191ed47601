"""Monte Carlo in the app: `m` shows each row's median with its p5 and p95 lines.

A mixin of `tui.app.ScnApp` (as `tui.app_cell.CellFlow` is). While the toggle
is on, every sheet the app puts on screen goes through `mc_sheet`: when the
percentiles of that very state and scenario are known it shows them
(`tui.session.mc.with_percentiles`), else it shows the plain values and
starts sampling in a worker. A result is kept only if the session is still
on the state and scenario it sampled (an edit, an undo, a reload or another
scenario made while it ran drops it, and the newer one is sampled), then the
view is refreshed. The chart of the selected row draws the fan
(`mc_band`). Compare mode shows changes, not values, and a year rolled up is
made of periods each drawn apart: `m` leaves compare, and is refused by year.
"""

from __future__ import annotations

from dsl.errors import ScnError
from tui.session import Session, Sheet, State
from tui.session.mc import (SAMPLES, SEED, Band, McView, monte_carlo, sampled_model,
                            with_percentiles)

NO_DISTRIBUTIONS = ("Monte Carlo: this model has no distributions (normal, uniform, triangular, "
                    "lognormal, a to b): every value is certain, nothing spreads")


class McFlow:
    """The Monte Carlo toggle: its state, its worker and what it adds to the grid."""

    def _init_mc_flow(self) -> None:
        self.mc_on = False
        self.mc_view: McView | None = None
        self._mc_of: tuple[State, str] | None = None  # what mc_view was sampled from
        self._mc_pending: tuple[State, str] | None = None  # what is being sampled
        self._mc_error: str | None = None
        self._mc_told = False  # the model has no distributions: said once per toggle
        self.mc_runs = 0  # samplings shown (tests)

    def action_monte_carlo(self) -> None:
        """`m`: Monte Carlo on or off."""
        if not self.mc_on and self.by_year:
            self.notify("Monte Carlo is per period: y goes back to the periods first",
                        severity="warning", markup=False)
            return
        self.mc_on = not self.mc_on
        self._mc_error, self._mc_told = None, False
        if self.mc_on and self.compare:  # compare shows changes; Monte Carlo shows values
            self.compare = False  # its watcher refreshes the view
        else:
            self.refresh_view()
        self.refresh_bindings()

    def mc_leave(self) -> None:
        """Compare or by year turned on: Monte Carlo goes off (they show other numbers)."""
        if self.mc_on:
            self.mc_on = False
            self.refresh_bindings()

    def mc_status(self) -> str | None:
        """The status line's part: what was sampled and how long it took."""
        if not self.mc_on:
            return None
        if self._mc_error is not None:
            return f"Monte Carlo: not available ({self._mc_error})"
        if self._current_view() is None:
            return f"Monte Carlo: sampling {SAMPLES:,}, seed {SEED}…"
        return self.mc_view.status()

    def _current_view(self) -> McView | None:
        session = self.session
        if self.mc_view is None or session is None \
                or self._mc_of != (session.state, self.scenario):
            return None
        return self.mc_view

    def mc_band(self, key: str) -> Band | None:
        """The selected row's percentiles for the chart's fan (None: off, or not known yet,
        or nothing spreads)."""
        view = self._current_view() if self.mc_on else None
        band = view.rows.get(key) if view is not None else None
        return band if band is not None and band.spreads else None

    def mc_sheet(self, sheet: Sheet, state: State, scenario: str) -> Sheet:
        """The sheet to put on screen: with the percentiles when the toggle is on and they
        are known for this state and scenario; else as it is, sampling started."""
        if not self.mc_on or sheet.parent is not None or sheet.years is not None:
            return sheet
        if self.mc_view is not None and self._mc_of == (state, scenario):
            return with_percentiles(sheet, self.mc_view)
        if self._mc_pending != (state, scenario) and self._mc_error is None:
            self._mc_start(state, scenario)
        return sheet

    def _mc_start(self, state: State, scenario: str) -> None:
        self._mc_pending = (state, scenario)

        def work(s: Session):
            if s.state is not state:
                return None  # the session moved on: the newer state is sampled instead
            try:
                return monte_carlo(sampled_model(s, state), scenario, clock=self.clock)
            except ScnError as e:  # a scenario that does not run: said, not raised
                return "; ".join(d.message for d in e.diagnostics)
        self.compute("mc", work, lambda out: self._mc_done(out, state, scenario))

    def _mc_done(self, out, state: State, scenario: str) -> None:
        if self._mc_pending == (state, scenario):
            self._mc_pending = None
        if out is None or not self.mc_on or self.session.state is not state \
                or self.scenario != scenario:
            if self.mc_on:
                self.refresh_view()  # stale: sample what is on screen now
            return
        if isinstance(out, str):
            self._mc_error = out
            self._status()
            return
        self.mc_view, self._mc_of = out, (state, scenario)
        self.mc_runs += 1
        if not out.uncertain and not self._mc_told:
            self._mc_told = True
            self.notify(NO_DISTRIBUTIONS, severity="information", timeout=8, markup=False)
        self.refresh_view()
