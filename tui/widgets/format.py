"""How a change reads: `+3.2B`, `-1.5pp`, `+5.2%`; shared by the grid and the inspector."""

from __future__ import annotations

import math

from tui.numbers import change_format, format_value
from tui.session.sheet import same


def format_change(old: float | None, new: float | None, kind: str, fmt=None) -> str:
    """The change from `old` to `new`: percentage points (`pp`) for percentages, scaled
    amounts otherwise; `fmt` (tui.numbers.change_format) gives a whole row one decimal count."""
    if old is None and new is None:
        return ""
    if old is None:
        return "new"
    if new is None:
        return "emptied"
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
