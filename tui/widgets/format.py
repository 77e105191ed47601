"""How a change reads: `+3.2B`, `-1.5pp`, `+5.2%`; shared by the grid and the inspector."""

from __future__ import annotations

import math

from display.numbers import change_format, format_value
from tui.session.sheet import same


def format_change(old: float | None, new: float | None, kind: str, fmt=None,
                  old_kind: str | None = None) -> str:
    """The change from `old` to `new`: percentage points (`pp`) for percentages, scaled
    amounts otherwise; `fmt` (display.numbers.change_format) gives a whole row one decimal count.

    `old_kind`: how `old` reads when it differs from `new` (an edit turned an
    amount into a percentage): no difference of the two is meaningful, so the
    change says what the value was, written as what it was.
    """
    if old is None and new is None:
        return ""
    if old is None:
        return "new"
    if new is None:
        return "emptied"
    if old_kind is not None and old_kind != kind:
        return f"was {format_value(old, old_kind)}"
    if math.isnan(old) or math.isnan(new) or math.isinf(old) or math.isinf(new):
        return f"was {format_value(old, kind)}"
    if same(old, new):
        return "="
    delta = new - old
    return (fmt or change_format((delta,), kind))(delta)


def format_relative(old: float | None, new: float | None) -> str:
    """The change as a percentage of the old value, when that means something."""
    if old is None or new is None or old == 0 or not (math.isfinite(old) and math.isfinite(new)):
        return ""
    return f"{(new - old) / abs(old) * 100:+,.1f}%"


def short_label(label: str, width: int) -> str:
    """A cell's label (`optics_per_pflops_gpu[2024]`) in `width` characters: the name is
    shortened in its middle, the year selector always kept whole."""
    if len(label) <= width:
        return label
    name, bracket, rest = label.partition("[")
    tail = bracket + rest
    room = width - len(tail) - 1
    if room < 4:
        return label[: width - 1] + "…"
    head = (room + 1) // 2
    return name[:head] + "…" + name[len(name) - (room - head):] + tail


def members_width(combos) -> int:
    """The widest member label of a group (`goog, g800`), from a sample of a large one."""
    sample = combos if len(combos) <= 2000 else combos[:: len(combos) // 1000]
    return max((len(", ".join(c)) for c in sample), default=0)
