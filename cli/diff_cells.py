"""`scn diff`'s moved cells as rows of text, shared by its table and Markdown: each
variable's values, changes and relative changes with one number of decimals per
row, by the variable's display style (`display.kinds`: its unit), a unit column
when either file has an annotation, and which changed assumptions moved each cell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cli.render import aligned


def _kinds(report) -> dict:
    """Each variable's display style (`display.kinds`): NEW's, else OLD's (a snapshot
    has no definitions to read units from: its values show as plain numbers)."""
    from display.kinds import kinds

    model = report.new.model or report.old.model
    return kinds(model) if model is not None else {}


def _units_shown(report) -> bool:
    """Whether the tables have a unit column: when either file has an annotation."""
    return any(getattr(side.model, "annotations", None) for side in (report.new, report.old))


@dataclass
class _Formats:
    """One variable's columns, each with one number of decimals across its years."""

    value: object  # display.numbers.RowFormat of old and new values
    change: object  # ... of the changes (signed, pp for percentages)
    relative: object  # ... of the relative changes (signed %)

    @classmethod
    def of(cls, cells, kind) -> _Formats:
        from display.kinds import PERCENT, PLAIN
        from display.numbers import change_format, row_format

        values = [v for c in cells for v in (c.old, c.new)]
        rel = [c.relative for c in cells if c.relative is not None]
        return cls(row_format(values, kind or PLAIN),
                   change_format([c.delta for c in cells], kind or PLAIN),
                   change_format(rel, PERCENT, unit="%"))

    def amount(self, v) -> str:
        return self.value(v) if v is not None else "empty"

    def delta(self, d) -> str:
        return "" if d is None else self.change(d)

    def relative_text(self, c) -> str:
        r = c.relative
        if r is None:
            return "new" if c.old is None else "emptied"
        if math.isnan(r):
            return "n/a"
        if math.isinf(r):
            return "from 0"
        return self.relative(r)


def _from(report, c, fmt: _Formats) -> str:
    """Which changed assumptions moved this cell, and by how much when several did."""
    from engine.value_diff import moved

    att = report.attribution
    if att is None or att.method == "none":
        return ""
    if att.exact:
        return "[1]"
    if c.delta is None:
        return ""
    shares = att.shares(c, report.rtol, report.atol)
    explained = sum(d for _, d in shares)
    rest_moves = moved(c.old + explained, c.new, report.rtol, report.atol)
    if len(shares) == 1 and not rest_moves:
        return f"[{shares[0][0] + 1}]"
    parts = [f"[{i + 1}] {fmt.delta(d)}" for i, d in shares]
    if rest_moves:
        parts.append(f"interaction {fmt.delta(c.new - c.old - explained)}")
    return ", ".join(parts)


HEAD = ("scenario", "variable", "year", "old", "new", "change", "%", "from")
UNIT_HEAD = ("scenario", "variable", "unit", "year", "old", "new", "change", "%", "from")


def head_of(report: Report) -> tuple[str, ...]:
    return UNIT_HEAD if _units_shown(report) else HEAD


def cell_rows(report: Report, only_largest: bool = False) -> list[list[str]]:
    """A row per moved cell; with a unit column (`head_of`) when a file has annotations:
    the unit of a currency, count or other unit, blank for %, x and plain numbers."""
    kinds = _kinds(report)
    with_unit = _units_shown(report)
    rows = []
    for scenario, row, cells in report.values.groups():  # row: `capex`, `capex[goog]`
        style = kinds.get(cells[0].variable)
        fmt = _Formats.of(cells, style)
        unit = [style.label if style is not None else ""] if with_unit else []
        shown = [max(cells, key=_prominence)] if only_largest else cells
        for k, c in enumerate(shown):
            first = k == 0
            rows.append([scenario if first else "", row if first else "",
                         *(unit if first else [""] * len(unit)), report.values.label(c),
                         fmt.amount(c.old), fmt.amount(c.new), fmt.delta(c.delta),
                         fmt.relative_text(c), _from(report, c, fmt)])
    return rows


def _prominence(c) -> tuple[float, float]:
    """The largest relative move; among equal ones (to 6 digits), the largest absolute one."""
    return (round(c.size, 6), abs(c.delta) if c.delta is not None else math.inf)


def grid(rows: list[list[str]], head: tuple[str, ...], indent: str) -> list[str]:
    left = (0, 1, 2, 8) if head == UNIT_HEAD else (0, 1, 7)
    return aligned([list(head), *rows], left=left, indent=indent)
