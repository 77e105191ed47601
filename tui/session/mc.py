"""Monte Carlo in the grid: each row's percentiles over a quick sampled run.

`m` in the app samples the model on screen (engine.montecarlo, the sampler of
`scn mc`) with a fixed seed and a modest count, so the toggle answers in well
under a second and the same file always shows the same numbers:

    view = monte_carlo(model, "base")        # SAMPLES samples, seed SEED
    view.rows["optics_tam"].p50               # a list per period, None where empty
    sheet = with_percentiles(sheet, view)    # the grid's values become the medians

A grid row then shows its median (p50), and a variable whose samples spread
gets two more lines, `p5` and `p95`, under it (as an edit's `change` line).
A group's header (a sum over members) shows nothing: the percentiles of a
sum are not the sum of the members' percentiles. A model without
distributions has no spread: the view says so (`uncertain` False) and the
grid shows no new line.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import Mapping, Sequence

from engine.model import Model
from tui.session.sheet import Sheet, dims_of, row_key, same

SAMPLES = 2_000  # quick: a fraction of a second for the bundled scenario
SEED = 2024  # scn mc's default, so `scn mc --samples 2000` prints the same numbers
PERCENTILES = (5.0, 25.0, 50.0, 75.0, 95.0)

Series = Sequence[float | None]


@dataclass(frozen=True)
class Band:
    """One row's percentiles per period (None: no definition covers the cell)."""

    p5: Series
    p25: Series
    p50: Series
    p75: Series
    p95: Series

    @property
    def spreads(self) -> bool:
        """Whether the samples differ anywhere (p5 below p95 in some period)."""
        return any(not same(a, b) for a, b in zip(self.p5, self.p95)
                   if a is not None and b is not None
                   and math.isfinite(a) and math.isfinite(b))


@dataclass(frozen=True)
class McView:
    """The percentiles of every row (`capex`, `capex[goog]`) of one scenario."""

    scenario: str
    samples: int
    seed: int
    seconds: float
    uncertain: bool  # the model holds distributions that are drawn
    rows: Mapping[str, Band]

    def status(self) -> str:
        """What the status line says while the toggle is on."""
        head = f"Monte Carlo: {self.samples:,} samples, seed {self.seed}"
        if not self.uncertain:
            return head + ": no distributions in this model, nothing spreads"
        return f"{head}, {_seconds(self.seconds)}"


def _seconds(s: float) -> str:
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.1f} s"


def monte_carlo(model: Model, scenario: str, samples: int = SAMPLES, seed: int = SEED,
                clock=time.perf_counter) -> McView:
    """Sample the scenario; every row's p5, p25, p50, p75 and p95 per period."""
    from engine.montecarlo import simulate

    started = clock()
    sim = simulate(model, scenario, samples=samples, seed=seed, percentiles=PERCENTILES)
    rows: dict[str, Band] = {}
    for v, stats in sim.stats.items():
        pct = stats.percentiles  # (percentiles, combinations, periods)
        combos = model.combos(v) if dims_of(model, v) else [()]
        for c, members in enumerate(combos):
            defined = stats.defined[c]
            rows[row_key(v, tuple(members))] = Band(*(
                [float(x) if ok else None for x, ok in zip(pct[p, c], defined)]
                for p in range(len(PERCENTILES))))
    return McView(scenario, samples, seed, clock() - started, bool(sim.inputs), rows)


def sampled_model(session, state) -> Model:
    """The model to sample for a state: the file's as loaded; after edits, the edited
    text loaded afresh. Each distribution draws from a stream named by its definition's
    place among its variable's definitions (engine.montecarlo), and an edit's model
    (engine.edit) may hold the edited definition elsewhere: loaded from the text, the
    numbers are the ones `scn mc` prints for the file once saved."""
    if not state.changes:
        return state.model
    if "mc-model" not in state.views:
        from engine.api import load_model

        state.views["mc-model"] = load_model(session.render_text(state), session.path)
    return state.views["mc-model"]


def with_percentiles(sheet: Sheet, view: McView) -> Sheet:
    """The grid's sheet showing medians: a row's values are its p50, a group's header
    is blank (its members have their own); `sheet.mc` holds the view (the p5/p95
    lines)."""
    n = sheet.columns
    values: dict[str, Series] = {}
    for row in sheet.rows:
        if row.name is None:
            continue
        if row.group:
            values[row.key] = [None] * n
            for members in sheet.combos.get(row.name, ()):
                key = row_key(row.name, tuple(members))
                band = view.rows.get(key)
                if band is not None:
                    values[key] = list(band.p50)
            continue
        band = view.rows.get(row.key)
        if band is not None:
            values[row.key] = list(band.p50)
    return replace(sheet, values=_Medians(values, sheet.values), mc=view, plain=sheet.values)


class _Medians(dict):
    """The medians, falling back on the sheet's own values for a row not sampled
    (a member row made when read: `tui.session.members`)."""

    def __init__(self, values: Mapping[str, Series], fallback) -> None:
        super().__init__(values)
        self.fallback = fallback

    def __missing__(self, key):
        return self.fallback[key]

    def get(self, key, default=None):
        if key in self:
            return self[key]
        try:
            return self.fallback[key]
        except KeyError:
            return default
