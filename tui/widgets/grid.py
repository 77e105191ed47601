"""The grid: variables (rows, under their sections) by periods (columns): years,
quarters or months, or the calendar years they roll up to (`Sheet.years`).

A Line API widget: it keeps the values of the scenario on screen and formats
only the lines it paints, so an edit that moves 40,000 cells of a 2,000
variable model costs one repaint, not 40,000 cell updates (a `DataTable`
needs one `update_cell_at` call per cell, about 1 ms each). The header line
and the variable column stay in view; the cursor moves over variable cells
only (section lines are skipped).

A variable whose values differ from the file's gets a second line under it,
labelled `change`, with each cell's change (`+3.2B`, `+15.0pp`), until the
edit is saved or undone. When the edit changed how the variable reads (an
amount became a percentage), no difference means anything: the line is
labelled `was` and shows the file's values, written as they were. In compare
mode the cells show the change against the parent scenario instead of the
values. The header marks periods out of view: `◀` on its left, `▶` on its
right; and while some are, the grid's last line says which, in words
(`◀ 2025-07..2025-12 (6 months)   ...   2027-03..2028-06 (16 months) ▶`): a
monthly model is wider than any screen, and nobody should take the last
column shown for the model's end.

Rolled up by year, a column is a calendar year (`2026`, `2026 (01-06)` for a
year the model covers in part, the columns then wider); the cursor keeps the
period it was on, so that turning the roll-up off lands on it again.

A variable with dims is a group: a header (`▾ capex (5) Σ`) and a line per
member combination (`goog`; `goog, g800`: one level, each line an output row).
Space or a click on ▸/▾ opens or closes it; its header shows the sum over the
members when they add up (`Σ`, an amount), nothing for a percentage. A group of
more than `OPEN_LIMIT` members opens closed. The rows in view (`rows`) are the
sheet's with the open groups' members; the cursor and the messages name a row
by its key (`capex`, `capex[goog]`).

Monte Carlo on (`m`, `sheet.mc`): the values are the medians of a sampled run,
and a variable whose samples spread gets two more lines, `p5` and `p95`, drawn
as a change line is (dim, blank where nothing spreads that period).

A file that annotates its units gets a unit column after the names, frozen
with them (`sheet.units`: `USD`, `USD/PFLOPS`, `count`; blank for `%`, `x`,
`1` and unknown, whose numbers say what they are); without annotations the
layout is the one before units. After a name, `!` says a run warned about
the variable and `≠` that it has a unit warning (the inspector lists them).
"""

from __future__ import annotations

import time
from bisect import bisect_left, bisect_right

import numpy as np

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.session.sheet import EMPTY, Row, Sheet, split_key
from tui.widgets.format import members_width
from tui.widgets.grid_cursor import GridCursor
from tui.widgets.grid_lines import P5, P95, RUN_MARK, UNIT_MARK, GridLines
from tui.widgets.grid_text import range_text

CELL = 10  # a year column: 9 characters of number and a space
UNIT_WIDTH = 16  # the widest unit column (a longer unit is cut with an ellipsis)
OPEN_LIMIT = 64  # a group with more members opens only when asked (space)


class Lines:
    """The grid's lines below the header, each a (row, sub-line): a row's values (0), its
    change line (1), its p5 and p95 lines; `starts`, each row's first line. Made from
    where the extra lines are, not as a list of every line: an edit of a 10,000-row
    sheet made that list on the UI thread, 3-7 ms at every edit."""

    def __init__(self, rows: int, changed: set[int], spread: set[int]) -> None:
        self.changed, self.spread = changed, spread
        if changed or spread:
            sizes = np.ones(rows, dtype=np.int64)
            for extra, count in ((changed, 1), (spread, 2)):
                if extra:
                    sizes[np.fromiter(extra, dtype=np.int64, count=len(extra))] += count
            ends = np.cumsum(sizes)
            self.starts: list[int] = (ends - sizes).tolist()
            self.count = int(ends[-1]) if rows else 0
        else:
            self.starts, self.count = list(range(rows)), rows

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, line):
        if isinstance(line, slice):
            return [self[k] for k in range(*line.indices(self.count))]
        if line < 0:
            line += self.count
        if not 0 <= line < self.count:
            raise IndexError(line)
        if not (self.changed or self.spread):
            return line, 0
        row = bisect_right(self.starts, line) - 1
        offset = line - self.starts[row]
        if offset == 0:
            return row, 0
        if row in self.changed:
            return row, (1, P5, P95)[offset - 1]
        return row, (P5, P95)[offset - 1]


class Grid(GridCursor, GridLines, ScrollView, can_focus=True):
    """Variables by years, a cell cursor, fixed header and variable column."""

    COMPONENT_CLASSES = {
        "grid--header", "grid--header-cursor", "grid--section", "grid--name",
        "grid--name-cursor", "grid--input", "grid--formula", "grid--nonfinite",
        "grid--cursor", "grid--changed", "grid--up", "grid--down", "grid--same",
        "grid--warned", "grid--group", "grid--sum", "grid--unit", "grid--unit-warned",
        "grid--pending",
    }

    BINDINGS = [
        Binding("up", "move(-1, 0)", "up", show=False),
        Binding("down", "move(1, 0)", "down", show=False),
        Binding("left", "move(0, -1)", "left", show=False),
        Binding("right", "move(0, 1)", "right", show=False),
        Binding("pageup", "page(-1)", "page up", show=False),
        Binding("pagedown", "page(1)", "page down", show=False),
        Binding("home", "home", "first period", show=False),
        Binding("end", "end", "last period", show=False),
        # a year at a time: 12 months, 4 quarters (one column when yearly or rolled up);
        # < and > where the terminal keeps ctrl+arrows for itself
        Binding("ctrl+left", "move(0, -1, True)", "a year back", show=False),
        Binding("ctrl+right", "move(0, 1, True)", "a year on", show=False),
        Binding("less_than_sign", "move(0, -1, True)", "a year back", show=False),
        Binding("greater_than_sign", "move(0, 1, True)", "a year on", show=False),
        Binding("ctrl+home", "top", "first variable", show=False),
        Binding("ctrl+end", "bottom", "last variable", show=False),
        # shown in the footer only when the model has groups (check_action)
        Binding("space", "toggle_group", "group", key_display="space"),
    ]  # Enter and = are the app's (it holds the keys typed while the editor opens)

    class CellHighlighted(Message):
        """The cursor is on another cell (or the cell's data changed)."""

        def __init__(self, name: str, year: int) -> None:
            super().__init__()
            self.name, self.year = name, year

    class EditRequested(Message):
        """A double-click on a cell: edit its covering definition."""

        def __init__(self, name: str, year: int, single_year: bool) -> None:
            super().__init__()
            self.name, self.year, self.single_year = name, year, single_year

    cursor_row: reactive[int] = reactive(0, init=False)  # index into rows (those in view)
    cursor_col: reactive[int] = reactive(0, init=False)  # a column: a period, or a year rolled up

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.sheet = EMPTY
        self.placeholder = ""  # said while there is no sheet yet ("loading …")
        self.painted_at = 0.0  # perf_counter() when a new sheet was first painted (benchmarks)
        self._unpainted = False
        self.pending_painted_at = 0.0  # ... a sheet with rows pending (tui.session.first)
        self.last_paint = 0.0  # perf_counter() of the last paint: a key's effect on screen
        self._rendered = False  # a line was rendered in this paint (not only cached ones)
        self.first_col = 0  # the first column in view
        self._period: int | None = None  # the cursor's period (absolute), kept while rolled up
        self._width = CELL  # a column's width: wider for a partial year's `2026 (01-06)`
        self._lines = Lines(0, set(), set())  # (row, sub-line) per line below the header
        self._row_line: list[int] = []  # first line of each row
        self._name_width = 12
        self._unit_width = 0  # the unit column's width (none: the file has no annotation)
        self.rows: list[Row] = []  # the sheet's rows with the open groups' members
        self._selectable: list[int] = []  # the rows the cursor stops at (not sections)
        self._index: dict[str, int] = {}  # row key -> index in rows
        self.opened: set[str] = set()  # groups opened by hand (space)
        self.closed: set[str] = set()  # groups closed by hand
        self._shape_of: tuple | None = None  # `_shape`'s last answer and what it was made of

    # ------------------------------------------------------------ data

    def show(self, sheet: Sheet, announce: bool = False) -> None:
        """Show new data, keeping the cursor on the same row and year (the first
        variable at first; its group when a member is gone; the nearest row below when
        its variable is gone). The cell is announced when it changed, or always with
        `announce`."""
        key, year = self.cursor_cell if self.rows else (None, None)
        had_groups = bool(self.sheet.combos)
        self.sheet = sheet
        self._layout()
        if key is not None and key not in self._index:
            name, _ = split_key(key)
            key = name if name in self._index else key
        selectable = self._selectable
        if key in self._index:
            row = self._index[key]
        elif selectable:
            row = selectable[min(bisect_left(selectable, self.cursor_row), len(selectable) - 1)]
        else:
            row = 0
        col = sheet.column_of(year)
        if col is None:
            col = min(self.cursor_col, max(sheet.columns - 1, 0))
        self._set_cursor(row, col,
                         announce=announce or (key, year) != self.cursor_cell_of(row, col))
        self._unpainted = True
        if had_groups != bool(sheet.combos):
            self.refresh_bindings()  # space (open a group) shows in the footer with groups
        self.refresh()

    def is_open(self, name: str) -> bool:
        """Whether a group shows its members."""
        if name in self.opened or name in self.closed:
            return name in self.opened
        return len(self.sheet.combos.get(name, ())) <= OPEN_LIMIT

    def _shape(self) -> tuple:
        """(the rows in view: the sheet's with the open groups' members; each key's row; the
        rows the cursor stops at; the variables' names; the widest name without marks; the
        group headers; the longest section title), made again only when the sheet's rows
        or the open groups change: an edit keeps its rows, and making these for 10,000
        rows took 20-30 ms of the UI thread at every edit."""
        sheet = self.sheet
        opened = (frozenset(self.opened), frozenset(self.closed))
        hit = self._shape_of
        if hit is not None and hit[0] is sheet.rows and hit[1] is sheet.combos \
                and hit[2] == opened:
            return hit[3]
        shown: list[Row] = []
        for row in sheet.rows:
            shown.append(row)
            if row.group and self.is_open(row.name):
                shown.extend(Row(row.name, row.section, combo)
                             for combo in sheet.combos.get(row.name, ()))
        index = {r.key: k for k, r in enumerate(shown) if r.name is not None}
        names = [r.name for r in sheet.rows if r.name]
        groups = [r for r in sheet.rows if r.group]
        plain = max((len(self._label(r)) for r in sheet.rows if r.name and not r.group),
                    default=0)
        section = max((len(r.section) for r in sheet.rows if r.name is None and r.section),
                      default=0)
        shape = (shown, index, list(index.values()), names, plain, groups, section)
        self._shape_of = (sheet.rows, sheet.combos, opened, shape)
        return shape

    def _layout(self) -> None:
        sheet = self.sheet
        shown, index, selectable, names, plain, groups, section = self._shape()
        self.rows, self._index, self._selectable = shown, index, selectable
        # the rows with lines under them: a change line, Monte Carlo's p5 and p95
        changed = {index[k] for k in sheet.changes if k in index} \
            if sheet.parent is None else set()
        spread = {index[k] for k, band in sheet.mc.rows.items() if band.spreads and k in index} \
            if sheet.mc is not None else set()
        lines = Lines(len(shown), changed, spread)
        self._lines, self._row_line = lines, lines.starts
        marked = {*sheet.warned, *sheet.units.warnings} & index.keys()
        widths = [plain, *(len(self._label(shown[index[n]])) + len(self._marks(shown[index[n]]))
                           for n in marked),
                  *(len(self._label(r)) + len(self._marks(r)) for r in groups)]
        widths += [4 + (2 if r.section else 0) + members_width(sheet.combos.get(r.name, ()))
                   for r in groups if self.is_open(r.name)]
        self._name_width = min(max([12, *widths, section - 4]) + 2, 36)
        units = sheet.units
        self._unit_width = min(max([4, *(len(units.label(n)) for n in names)]) + 2,
                               UNIT_WIDTH) if units.column else 0
        self._width = max([CELL, *(len(sheet.label(c)) + 2 for c in range(sheet.columns))]) \
            if sheet.years is not None else CELL
        self.virtual_size = Size(self.size.width, len(lines) + 1 + self._hidden())

    def _spreads(self, key: str) -> bool:
        """Monte Carlo on (`m`): whether a row's samples spread (its p5 and p95 lines)."""
        band = self.sheet.mc.rows.get(key) if self.sheet.mc is not None else None
        return band is not None and band.spreads

    @property
    def left(self) -> int:
        """Where the period columns start: after the name column and the unit column."""
        return self._name_width + self._unit_width

    def _marks(self, row: Row) -> str:
        """The marks after a variable's name: ` !` a run warned about it (a non-finite
        value...), ` ≠` it has a unit warning (the status line names both)."""
        if row.name is None or row.members:
            return ""
        return ((f" {RUN_MARK}" if row.name in self.sheet.warned else "")
                + (f" {UNIT_MARK}" if row.name in self.sheet.units.warnings else ""))

    def _label(self, row: Row) -> str:
        """The text of a row's name column (before the `!` of a warning)."""
        indent = "  " if row.section else ""
        if row.group:
            mark = " Σ" if self.sheet.adds_up(row.name) else ""
            arrow = "▾" if self.is_open(row.name) else "▸"
            return f"{indent}{arrow} {row.name} ({row.group}){mark}"
        if row.members:
            return f"{indent}    {', '.join(row.members)}"
        return indent + row.name

    def toggle(self, name: str) -> None:
        """Open or close a group, the cursor staying on its row (or going to the header
        when the group closes under it)."""
        if name not in self.sheet.combos:
            return
        key, year = self.cursor_cell
        if self.is_open(name):
            self.closed.add(name)
            self.opened.discard(name)
        else:
            self.opened.add(name)
            self.closed.discard(name)
        self._layout()
        if key is not None and key not in self._index:
            key = split_key(key)[0]
        row = self._index.get(key, 0)
        self._set_cursor(row, self.cursor_col, announce=key != self.cursor_cell[0])
        self.refresh()

    def action_toggle_group(self) -> None:
        key, _ = self.cursor_cell
        if key is not None:
            self.toggle(split_key(key)[0])

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "toggle_group":
            return bool(self.sheet.combos)  # a model without dims has no groups to open
        return True

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, len(self._lines) + 1 + self._hidden())
        self._scroll_into_view()

    @property
    def cursor_cell(self) -> tuple[str | None, int | None]:
        return self.cursor_cell_of(self.cursor_row, self.cursor_col)

    def cursor_cell_of(self, row: int, col: int) -> tuple[str | None, int | None]:
        """(row key, period) of a cell: `capex`, `capex[goog]` (None: no such cell); the
        period is its absolute number (the year, yearly); rolled up by year, the period
        the cursor was on when in that year, else the year's first."""
        rows, sheet = self.rows, self.sheet
        if not (0 <= row < len(rows)) or not (0 <= col < sheet.columns):
            return None, None
        return rows[row].key, sheet.period_of(col, self._period)

    def move_to(self, key: str, year: int | None = None) -> None:
        """Put the cursor on a row (`capex`, or a member `capex[goog]`, opening its group)
        and a year (the current year column by default)."""
        name, members = split_key(key)
        if members and key not in self._index and name in self.sheet.combos \
                and not self.is_open(name):
            self.opened.add(name)
            self.closed.discard(name)
            self._layout()
        k = self._index.get(key)
        if k is not None:
            col = self.sheet.column_of(year)
            col = self.cursor_col if col is None else col
            self._set_cursor(k, col)

    def keys_in_view(self) -> list[str]:
        """The keys of the rows on screen (`capex`, `capex[goog]`), the cursor's among them."""
        top = int(self.scroll_y)
        rows = {self._lines[k][0] for k in range(top, min(top + self._body_height(),
                                                           len(self._lines)))}
        rows.add(self.cursor_row)
        return [self.rows[k].key for k in sorted(rows)
                if k < len(self.rows) and self.rows[k].name is not None]

    def lines_of(self, key: str) -> list[str]:
        """The text the grid paints for a row (its value line, and its change line),
        with the columns now in view."""
        width = self.scrollable_content_region.width
        k = self._index[key]
        start = self._row_line[k]
        subs = [sub for row, sub in self._lines[start:start + 4] if row == k]
        return ["".join(s.text for s in self._row(k, sub, width)) for sub in subs]

    # ------------------------------------------------------------ moving

    def _set_cursor(self, row: int, col: int, announce: bool = True) -> None:
        changed = (row, col) != (self.cursor_row, self.cursor_col)
        before = (self.cursor_row, int(self.scroll_y), self.first_col)
        self.set_reactive(Grid.cursor_row, row)
        self.set_reactive(Grid.cursor_col, col)
        if self.sheet.years is None and 0 <= col < self.sheet.columns:
            self._period = self.sheet.axis.absolute(col)  # kept while rolled up (its month)
        self._scroll_into_view()
        if before[1:] == (int(self.scroll_y), self.first_col):
            self._refresh_cursor(before[0], row)  # nothing scrolled: two lines and the header
        else:
            self.refresh()
        if (changed or announce) and self.cursor_cell[0] is not None:
            name, year = self.cursor_cell
            self.post_message(self.CellHighlighted(name, year))

    def _refresh_cursor(self, *rows: int) -> None:
        """Repaint what a cursor move changes when nothing scrolls: the header (its column
        marked) and the first line of each row (its name and its cell marked). A whole
        repaint of a 200x50 grid costs 4-8 ms at each arrow key."""
        width = self.size.width
        self.refresh(Region(0, 0, width, 1))
        top, height = int(self.scroll_y), self._body_height()
        for k in rows:
            if 0 <= k < len(self._row_line):
                y = self._row_line[k] - top + 1
                if 1 <= y <= height:
                    self.refresh(Region(0, y, width, 1))

    def _visible_cols(self) -> int:
        return max(1, (self.scrollable_content_region.width - self.left) // self._width)

    def _hidden(self) -> bool:
        """Whether some columns are out of view (the range line below the rows says which)."""
        return self.sheet.columns > self._visible_cols()

    def _body_height(self) -> int:
        """The lines of rows in view: below the header, above the range line if shown."""
        return max(1, self.scrollable_content_region.height - 1 - self._hidden())

    # ------------------------------------------------------------ painting

    def render_lines(self, crop: Region) -> list[Strip]:
        self._rendered = False
        lines = super().render_lines(crop)
        if self._rendered:  # a line painted anew, not the cached lines of a frame for others
            self.last_paint = time.perf_counter()
        if self._unpainted:
            self._unpainted = False
            self.painted_at = time.perf_counter()
            if self.sheet.pending:  # an edit's rows on screen, the others pending
                self.pending_painted_at = self.painted_at
        return lines

    def render_line(self, y: int) -> Strip:
        self._rendered = True
        width = self.scrollable_content_region.width
        if not self.rows:
            text = f"  {self.placeholder}" if y == 1 else ""
            return Strip([Segment(text[:width].ljust(width), self._style("grid--same"))])
        if y == 0:
            return self._header(width)
        if y > self._body_height():  # the last line: the range line, when columns are hidden
            return self._range_line(width)
        line = int(self.scroll_y) + y - 1
        if line >= len(self._lines):
            return Strip.blank(width, self.rich_style)
        row, sub = self._lines[line]
        return self._row(row, sub, width)

    def _style(self, *names: str) -> Style:
        return self.get_component_rich_style(*names)

    def _header(self, width: int) -> Strip:
        sheet = self.sheet
        style = self._style("grid--header")
        columns = self._columns()
        before = columns.start > 0
        after = sheet.columns > 0 and columns.stop < sheet.columns
        # ◀ / ▶: more periods that way (the left and right arrows get there).
        segments = [Segment(("◀" if before else " ").ljust(self._name_width), style)]
        if self._unit_width:
            segments.append(Segment("unit".ljust(self._unit_width), style))
        for k in columns:
            cursor = k == self.cursor_col
            text = sheet.label(k).rjust(self._width - 1) + " "
            segments.append(Segment(text, self._style("grid--header-cursor") if cursor else style))
        strip = Strip(segments).adjust_cell_length(width, style)
        if after and width > self.left:
            strip = strip.crop(0, width - 1).adjust_cell_length(width - 1, style)
            strip = Strip([*strip, Segment("▶", style)])
        return strip

    def _columns(self) -> range:
        return range(self.first_col, min(self.sheet.columns, self.first_col + self._visible_cols()))

    def range_text(self, width: int) -> str:
        """The range line's text (`tui.widgets.grid_range`)."""
        return range_text(self.sheet, self._columns(), width)

    def _range_line(self, width: int) -> Strip:
        return Strip([Segment(self.range_text(width).ljust(width)[:width],
                              self._style("grid--header"))])
