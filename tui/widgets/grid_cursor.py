"""The grid's cursor: moving it (keys, pages, clicks) and keeping it in view.

A mixin of `tui.widgets.grid.Grid`, which owns the rows, the columns and
the painting; here the keys and the mouse move `cursor_row` (a row in view:
section lines are skipped) and `cursor_col` (a period, or a year rolled up)
through `Grid._set_cursor`, and the grid scrolls so that the cursor's lines
and the section line above them show. The columns start at `Grid.left` (the
frozen name column and, with units, the unit column).
"""

from __future__ import annotations

from bisect import bisect_right

from textual import events
from textual.geometry import Size


class GridCursor:
    """The moving half of the grid (see `Grid`)."""

    def _step_row(self, row: int, delta: int) -> int:
        """The variable row `delta` variables away (section lines skipped), clamped."""
        variables = self._selectable
        if not variables:
            return row
        here = bisect_right(variables, row) - 1 if row not in variables else variables.index(row)
        return variables[max(0, min(len(variables) - 1, here + delta))]

    def action_move(self, rows: int, cols: int, years: bool = False) -> None:
        if years and self.sheet.years is None:
            cols *= self.sheet.axis.per_year  # the same month (quarter) a year away
        col = max(0, min(self.sheet.columns - 1, self.cursor_col + cols))
        self._set_cursor(self._step_row(self.cursor_row, rows), col)

    def action_page(self, direction: int) -> None:
        page = max(1, self.size.height - 2)
        target = self._row_at_line(self._row_line[self.cursor_row] + direction * page) \
            if self._row_line else self.cursor_row
        row = self._step_row(target, 0)
        if row == self.cursor_row:
            row = self._step_row(row, direction)
        self._set_cursor(row, self.cursor_col)

    def action_home(self) -> None:
        self._set_cursor(self.cursor_row, 0)

    def action_end(self) -> None:
        self._set_cursor(self.cursor_row, max(0, self.sheet.columns - 1))

    def action_top(self) -> None:
        self._set_cursor(self._step_row(0, 0), self.cursor_col)

    def action_bottom(self) -> None:
        self._set_cursor(self._step_row(len(self.rows) - 1, 0), self.cursor_col)

    def action_edit(self, single_year: bool) -> None:
        name, year = self.cursor_cell
        if name is not None:
            self.post_message(self.EditRequested(name, year, single_year))

    def _row_at_line(self, line: int) -> int:
        line = max(0, min(len(self._lines) - 1, line))
        return self._lines[line][0]

    def _scroll_into_view(self) -> None:
        if not self._row_line:
            return
        # The range line comes and goes with the columns hidden, which a vertical scrollbar
        # appearing (more lines: p5/p95, change lines) can change with no resize: the
        # scrollable height must count it, or the last lines cannot be scrolled to.
        want = len(self._lines) + 1 + self._hidden()
        if self.virtual_size.height != want:
            self.virtual_size = Size(self.virtual_size.width, want)
        height = self._body_height()
        first = self._row_line[self.cursor_row]
        last = first  # the row's last sub-line: its change line, its p5 and p95 lines
        while last + 1 < len(self._lines) and self._lines[last + 1][0] == self.cursor_row:
            last += 1
        # Show the section line above the first variable of a section.
        if self.cursor_row > 0 and self.rows[self.cursor_row - 1].name is None:
            first -= 1
        top = int(self.scroll_y)
        if first < top:
            top = first
        elif last >= top + height:
            top = last - height + 1
        if top != int(self.scroll_y):
            self.scroll_to(y=top, animate=False, force=True)
        cols = self._visible_cols()
        if self.cursor_col < self.first_col:
            self.first_col = self.cursor_col
        elif self.cursor_col >= self.first_col + cols:
            self.first_col = self.cursor_col - cols + 1
        self.first_col = max(0, min(self.first_col, max(0, self.sheet.columns - cols)))

    def on_click(self, event: events.Click) -> None:
        y = event.y
        if y < 1 or not self._lines or y > self._body_height():
            return
        line = int(self.scroll_y) + y - 1
        if line >= len(self._lines):
            return
        row = self._lines[line][0]
        if self.rows[row].name is None:
            return
        col = self.cursor_col
        if event.x >= self.left:
            col = min(self.sheet.columns - 1,
                      self.first_col + (event.x - self.left) // self._width)
        self._set_cursor(row, col)
        shown = self.rows[row]
        if shown.group and event.x < (2 if shown.section else 0) + 2:  # on ▸/▾
            self.toggle(shown.name)
        elif event.chain == 2:
            self.action_edit(False)
