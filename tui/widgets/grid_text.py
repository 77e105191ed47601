"""The texts the grid paints: a cell fitted to its column, a change or a comparison
with the style it reads in, and the range line.

The range line says which periods lie beyond the screen, in words.

A monthly model of 36 to 120 columns is wider than any screen, and the last
column shown must never pass for the model's end. While some columns are out
of view, the grid's last line names them on each side, with the columns in
view between: `◀ 2025-07..2025-12 (6 months)   2026-01..2027-02 of 36 months
2027-03..2028-06 (16 months) ▶`, the arrows pointing the way the arrow keys
go. A narrow screen gets the counts alone (`◀ 6 months   16 months ▶`).
Rolled up by year, the columns are years (`◀ 2025 (1 year)`).
"""

from __future__ import annotations

import math

from display.numbers import change_format, format_value
from tui.session.sheet import Sheet, same
from tui.widgets.format import format_change

MISSING = object()  # a cell that did not change

# Each cell's style is named by its component classes (the grid's `COMPONENT_CLASSES`).


def value_style(value, is_input: bool, changed: bool) -> tuple[str, ...]:
    """A value: red when not finite, blue for an input; highlighted when edited."""
    if value is not None and not math.isfinite(value):
        names = ("grid--nonfinite",)
    else:
        names = ("grid--input" if is_input else "grid--formula",)
    return names + ("grid--changed",) if changed else names


def change_cell(old, value, kind: str, fmt, old_kind: str, column: int) -> tuple[str, tuple]:
    """A cell of the change line: the change from the file's value `old`, or on the `was`
    line (the edit changed how the variable reads) the file's value as it read."""
    if old is MISSING:
        return "", ("grid--same",)
    if old_kind != kind:  # the `was` line: the file's value, as it read
        return format_value(old, old_kind) or "empty", ("grid--same",)
    text = format_change(old, value, kind, fmt)
    if len(text) > column - 1 and text.startswith("was "):
        text = text[4:]  # under n/a or inf, a plain number can only be the old value
    up = value is not None and old is not None and value > old
    return text, ("grid--up" if up else "grid--down",)


def compare_cell(parent, value, kind: str, fmt) -> tuple[str, tuple]:
    """A cell in compare mode: the change against the parent scenario, `·` for none."""
    if parent is None and value is None:
        return "", ("grid--same",)
    if same(parent, value):
        return "·", ("grid--same",)
    up = value is not None and parent is not None and value > parent
    return format_change(parent, value, kind, fmt), ("grid--up" if up else "grid--down",)


def changes_format(pairs, kind: str):
    """The format of a row of changes (old, new): one decimal count, every change visible."""
    deltas = [new - old for old, new in pairs
              if old is not None and new is not None and old is not MISSING]
    return change_format(deltas, kind)


def fit(text: str, column: int) -> str:
    """A cell's text right-aligned in its column, cut with an ellipsis when too long."""
    width = column - 1
    if len(text) > width:
        text = text[: width - 1] + "…"
    return text.rjust(width) + " "


def range_text(sheet: Sheet, shown: range, width: int) -> str:
    """The line for the columns `shown` of `sheet`, fitted to `width`."""
    n = sheet.columns
    one, many = sheet.unit_words

    def count(k: int) -> str:
        return f"{k} {one if k == 1 else many}"

    def span(a: int, b: int) -> str:
        return sheet.short_label(a) if a == b else \
            f"{sheet.short_label(a)}..{sheet.short_label(b)}"

    before, after = range(0, shown.start), range(shown.stop, n)
    left = right = ""
    for full in (True, False):
        left = (f"◀ {span(before[0], before[-1])} ({count(len(before))})" if full
                else f"◀ {count(len(before))}") if before else ""
        right = (f"{span(after[0], after[-1])} ({count(len(after))}) ▶" if full
                 else f"{count(len(after))} ▶") if after else ""
        middle = f"{span(shown.start, shown.stop - 1)} of {count(n)}" if len(shown) else ""
        for parts in ((left, middle, right), (left, right)):
            text = spread([p for p in parts if p], width)
            if text is not None:
                return text
    return (left + " " + right).strip()[:width]


def spread(parts: list[str], width: int) -> str | None:
    """Parts laid out across `width`: the first flush left, the last flush right, one
    between them centred (a lone part on the side its arrow points); None when they do
    not fit 3 spaces apart."""
    if sum(map(len, parts)) + 3 * (len(parts) - 1) > width:
        return None
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0] if not parts[0].endswith("▶") else parts[0].rjust(width)
    if len(parts) == 2:
        return parts[0] + parts[1].rjust(width - len(parts[0]))
    first, mid, last = parts
    room = width - len(first) - len(last)
    pad = (room - len(mid)) // 2
    return first + " " * pad + mid + " " * (room - len(mid) - pad) + last
