"""The selected variable over the years, every scenario overlaid (textual-plotext).

The scenario on screen is drawn last and heavier, so it stays on top; each
other scenario has its own colour and glyph, in the plot and in the legend;
empty years are left out of each line, a lone value is a mark; the x axis
always spans the model's years; the y axis is labelled the way the grid
writes numbers, with the variable's unit where the file has one (`345.0B USD`,
`32.0%`).
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

from textual_plotext import PlotextPlot

from display.numbers import format_value
from engine.axis import TimeAxis

COLOURS = ("cyan", "magenta", "green", "yellow", "blue", "red")
MARKERS = ("braille", "•", "x", "+", "o", "*")


class SeriesChart(PlotextPlot):
    """One line per scenario."""

    _shown: tuple | None = None
    fan = None  # Monte Carlo on: the row's percentiles drawn (tui.session.mc.Band)

    def on_resize(self) -> None:
        if self._shown is not None:  # the labels are chosen for the size
            self.show(*self._shown, self.fan)

    def show(self, name: str, axis: TimeAxis,
             series: Mapping[str, Sequence[float | None]], current: str, kind: str,
             unit: str = "", fan=None) -> None:
        """`unit`: the variable's as `tui.session.units` labels it ("" for none, `%`, `x`);
        `fan`: Monte Carlo on, the row's percentiles (`tui.session.mc.Band`), drawn
        instead of the scenarios' lines."""
        self._shown = (name, axis, series, current, kind, unit)
        self.fan = fan
        # x: each period's absolute number (the year, on a yearly axis); its label from the axis
        xs_all = [axis.absolute(i) for i in range(len(axis))]
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(name)
        finite: list[float] = []
        order = [s for s in series if s != current] + ([current] if current in series else [])
        if fan is not None:
            order = []
            finite.extend(_draw_fan(plt, xs_all, fan, current))
        for scenario in order:
            points = [(x, v) for x, v in zip(xs_all, series[scenario])
                      if v is not None and math.isfinite(v)]
            if not points:
                continue
            xs, ys = zip(*points)
            finite.extend(ys)
            k = list(series).index(scenario)
            colour = COLOURS[k % len(COLOURS)]
            # Each scenario its own glyph, in the plot and the legend (not colour alone);
            # the one on screen heavier.
            marker = "hd" if scenario == current else MARKERS[k % len(MARKERS)]
            if len(points) == 1:  # a lone value: a mark to see, not a line of one dot
                plt.scatter(list(xs), list(ys), label=scenario, color=colour,
                            marker="●" if scenario == current else marker)
            else:
                plt.plot(list(xs), list(ys), label=scenario, color=colour, marker=marker)
        if xs_all:  # the x axis spans the model's periods, so a year is where it belongs
            plt.xlim(xs_all[0] - 0.5, xs_all[-1] + 0.5)
            # Labels that fit (a year 5 columns, `2025Q3` 7, `2025-07` 8), or plotext drops
            # some, and which ones depended on rounding.
            room = max(2, (self.size.width - 10) // (len(axis.label(0)) + 1))
            shown = range(0, len(axis), max(1, -(-len(axis) // room)))
            plt.xticks([xs_all[i] for i in shown], [axis.label(i) for i in shown])
        if finite:
            lo, hi = min(finite), max(finite)
            # As many labels as there are rows for them: squeezed in, plotext would drop
            # some, and which ones depended on rounding; low and high always show.
            rows = self.size.height - 4  # title, frame and the year labels
            ticks = _ticks(lo, hi, max(2, min(4, rows // 2)))
            plt.yticks(ticks, [f"{format_value(t, kind)} {unit}".rstrip() for t in ticks])
        self.refresh()


def _ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    if hi == lo:
        return [lo]
    step = (hi - lo) / (count - 1)
    return [lo + k * step for k in range(count)]


# The fan, outside in: its lines' labels, glyphs and colours (the median heaviest, on top).
FAN = (("p5", "p5-p95", "·", "blue"), ("p95", None, "·", "blue"),
       ("p25", "p25-p75", "•", "cyan"), ("p75", None, "•", "cyan"),
       ("p50", "p50", "hd", "white"))


def _draw_fan(plt, xs_all, band, current: str) -> list[float]:
    """The p5-p95 and p25-p75 bands around the median, each edge a line (plotext fills
    only down to the axis); the finite values drawn, for the y axis."""
    drawn: list[float] = []
    for field, label, marker, colour in FAN:
        points = [(x, v) for x, v in zip(xs_all, getattr(band, field))
                  if v is not None and math.isfinite(v)]
        if not points:
            continue
        xs, ys = zip(*points)
        drawn.extend(ys)
        name = f"{current} {label}" if field == "p50" else label
        if len(points) == 1:
            plt.scatter(list(xs), list(ys), label=name, color=colour, marker=marker)
        else:
            plt.plot(list(xs), list(ys), label=name, color=colour, marker=marker)
    return drawn
