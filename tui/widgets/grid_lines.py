"""A variable's line of the grid, painted: its name and marks, its unit, and a cell
per period in view (its value, its change, or its comparison with the parent
scenario), or, Monte Carlo on, its `p5` or `p95` line.

A mixin of `tui.widgets.grid.Grid` (as `GridCursor` is): the Line API calls
`_row` for each line on screen, and only those are formatted.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.strip import Strip

from display.kinds import AMOUNT
from display.numbers import row_format
from dsl.text import printable
from tui.session.sheet import Row, same
from tui.widgets.grid_text import (MISSING, change_cell, changes_format, compare_cell, fit,
                                   value_style)

RUN_MARK, UNIT_MARK = "!", "≠"  # after a name: a run warned about it; its units disagree
P5, P95 = 2, 3  # a row's sub-lines under Monte Carlo (0: its values, 1: its change)
PENDING = "…"  # a cell an edit reaches, being recomputed (`Sheet.pending`)


class GridLines:
    """The painting half of the grid (see `Grid`)."""

    def _row(self, k: int, sub: int, width: int) -> Strip:
        sheet = self.sheet
        row = self.rows[k]
        base = self.rich_style
        if row.name is None:
            style = self._style("grid--section")
            return Strip([Segment(printable(row.section or "").ljust(width)[:width], style)])
        name, key = row.name, row.key
        kind = sheet.kinds.get(name, AMOUNT)
        on_row = k == self.cursor_row
        old_kind = sheet.file_kinds.get(name, kind)
        if sub >= P5:
            return self._percentile_row(row, sub, width)
        label = self._label(row) if sub == 0 else "  change" if old_kind == kind else "  was"
        marks = self._marks(row) if sub == 0 else ""
        name_style = self._style("grid--name-cursor" if on_row and sub == 0 else "grid--name")
        if sub == 1:
            name_style = self._style("grid--same")
        elif name in sheet.warned:
            name_style = name_style + self._style("grid--warned")
        if row.group and sub == 0:
            name_style = name_style + self._style("grid--group")
        label = label[: self._name_width - 1 - len(marks)]  # the marks always show
        run, unit_mark, _ = marks.partition(f" {UNIT_MARK}")
        segments = [Segment(label + run, name_style)]
        if unit_mark:
            segments.append(Segment(unit_mark, name_style + self._style("grid--unit-warned")))
        segments.append(Segment(" " * (self._name_width - len(label) - len(marks)), name_style))
        if self._unit_width:
            unit = sheet.units.label(name) if sub == 0 else ""
            unit = unit if len(unit) < self._unit_width else unit[: self._unit_width - 2] + "…"
            segments.append(Segment(unit.ljust(self._unit_width), self._style("grid--unit")))
        if key in sheet.pending:  # being recomputed: its old values are not shown
            return self._pending_row(segments, width, on_row and sub == 0)
        values = sheet.values.get(key, ())
        if sub == 1 and sheet.plain is not None:  # Monte Carlo on: the plain run's change
            values = sheet.plain.get(key, ())
        changes = sheet.changes.get(key)
        inputs = sheet.inputs.get(key, 0)
        # one number of decimals across the row (values, or their changes)
        if sub == 1:
            fmt = changes_format([(changes.get(c), v) for c, v in enumerate(values)]
                                  if changes is not None else [], kind)
        elif sheet.parent is not None:
            fmt = changes_format(list(zip(sheet.parent.get(key, ()), values)), kind)
        elif self._spreads(key):  # the median in the format of its p5 and p95 lines
            band = sheet.mc.rows[key]
            fmt = row_format([*band.p5, *band.p50, *band.p95], kind)
        else:
            fmt = row_format(values, kind)
        for c in self._columns():
            value = values[c] if c < len(values) else None
            if sub == 1:
                old = changes.get(c, MISSING) if changes is not None else MISSING
                text, style = change_cell(old, value, kind, fmt, old_kind, self._width)
                style = self._style(*style)
            elif sheet.parent is not None:
                text, style = compare_cell(sheet.parent.get(key, ())[c], value, kind, fmt)
                style = self._style(*style)
            else:
                text = fmt(value)
                style = self._style(*value_style(value, bool(inputs >> c & 1),
                                                  changes is not None and c in changes))
                if row.group:
                    style = style + self._style("grid--sum")
            if on_row and c == self.cursor_col and sub == 0:
                style = style + self._style("grid--cursor")
            segments.append(Segment(fit(text, self._width), style))
        return Strip(segments).adjust_cell_length(width, base)

    def _pending_row(self, segments: list[Segment], width: int, cursor: bool) -> Strip:
        """A row an edit reaches, not recomputed yet: a pending mark in every cell."""
        style = self._style("grid--pending")
        mark = fit(PENDING, self._width)
        for c in self._columns():
            on = cursor and c == self.cursor_col
            segments.append(Segment(mark, style + self._style("grid--cursor") if on else style))
        return Strip(segments).adjust_cell_length(width, self.rich_style)

    def _percentile_row(self, row: Row, sub: int, width: int) -> Strip:
        """A `p5` or `p95` line under a row, Monte Carlo on: dim, as a change line, in the
        format of the row's medians and both ends (one number of decimals for the three)."""
        band = self.sheet.mc.rows[row.key]
        kind = self.sheet.kinds.get(row.name, AMOUNT)
        label = "  p5" if sub == P5 else "  p95"
        if row.members:
            label = "    " + label
        dim = self._style("grid--same")
        segments = [Segment(label.ljust(self._name_width)[: self._name_width], dim)]
        if self._unit_width:
            segments.append(Segment(" " * self._unit_width, dim))
        values = band.p5 if sub == P5 else band.p95
        fmt = row_format([*band.p5, *band.p50, *band.p95], kind)
        for c in self._columns():
            value = values[c] if c < len(values) else None
            if c < len(band.p5) and same(band.p5[c], band.p95[c]):
                value = None  # no spread that period (a fixed start): blank, as a change line
            segments.append(Segment(fit(fmt(value), self._width), dim))
        return Strip(segments).adjust_cell_length(width, self.rich_style)
