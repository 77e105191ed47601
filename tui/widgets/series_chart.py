"""The selected variable over the years, every scenario overlaid (textual-plotext).

The scenario on screen is drawn last and heavier, so it stays on top; empty
years are left out of each line; the y axis is labelled the way the grid
writes numbers (`345.0B`, `32.0%`).
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

from textual_plotext import PlotextPlot

from tui.numbers import format_value

COLOURS = ("cyan", "magenta", "green", "yellow", "blue", "red")


class SeriesChart(PlotextPlot):
    """One line per scenario."""

    def show(self, name: str, years: Sequence[int],
             series: Mapping[str, Sequence[float | None]], current: str, kind: str) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(name)
        finite: list[float] = []
        order = [s for s in series if s != current] + ([current] if current in series else [])
        for k, scenario in enumerate(order):
            points = [(y, v) for y, v in zip(years, series[scenario])
                      if v is not None and math.isfinite(v)]
            if not points:
                continue
            xs, ys = zip(*points)
            finite.extend(ys)
            colour = COLOURS[list(series).index(scenario) % len(COLOURS)]
            plt.plot(list(xs), list(ys), label=scenario, color=colour,
                     marker="braille" if scenario != current else "hd")
        plt.xticks(list(years)[:: max(1, len(years) // 8)])
        if finite:
            lo, hi = min(finite), max(finite)
            ticks = _ticks(lo, hi)
            plt.yticks(ticks, [format_value(t, kind) for t in ticks])
        self.refresh()


def _ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    if hi == lo:
        return [lo]
    step = (hi - lo) / (count - 1)
    return [lo + k * step for k in range(count)]
