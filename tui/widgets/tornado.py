"""A tornado chart of the selected cell's inputs, drawn with text bars.

One line per input, the largest swing on top. Each bar runs from the
centre line to the cell's change: left for a fall, right for a rise,
coloured by the move of the input that caused it (input down: magenta,
input up: cyan), so an input that lowers the cell as it rises reads at a
glance. Text bars read better than a plotted bar chart in a dozen lines.
"""

from __future__ import annotations

import math

from rich.text import Text
from textual.widget import Widget

from tui.sens_adapter import Sensitivities
from tui.widgets.format import format_change


class Tornado(Widget):
    """Bars of the cell's change when each input moves by -/+ pct."""

    DEFAULT_CSS = "Tornado { height: auto; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.sens: Sensitivities | None = None
        self.kind = "amount"

    def show(self, sens: Sensitivities | None, kind: str) -> None:
        self.sens, self.kind = sens, kind
        self.refresh(layout=True)

    def render(self) -> Text:
        if self.sens is None:
            return Text("tornado: not available", "dim")
        # Drawn at paint time: the width is only known once the tab is on screen.
        return render(self.sens, self.kind, max(40, self.content_region.width - 1))


def render(sens: Sensitivities, kind: str, width: int) -> Text:
    """The chart as text, `width` columns wide."""
    out = Text.assemble((f"{sens.output} {sens.year}", "bold"),
                        (f"  scenario {sens.scenario}, each input ", "dim"),
                        (f"-{sens.pct:.0%}", DOWN), ("/", "dim"), (f"+{sens.pct:.0%}", UP), "\n")
    if not sens.rows:
        out.append("no inputs: this cell is typed in", "dim")
        return out
    label_w = min(26, max(len(r.input) for r in sens.rows))
    value_w = 8
    half = max(4, (width - label_w - 2 * value_w - 4) // 2)
    scale = max((r.swing for r in sens.rows if math.isfinite(r.swing)), default=0) or 1
    for r in sens.rows:
        (fall, fall_style), (rise, rise_style) = _sides(r.low, r.high)
        left, right = _bar(fall, scale, half), _bar(rise, scale, half)
        out.append(r.input[:label_w].ljust(label_w) + " ")
        out.append((format_change(0, fall, kind) if fall else "").rjust(value_w) + " ", "dim")
        out.append(" " * (half - left))
        out.append("█" * left, fall_style)
        out.append("│", "dim")
        out.append("█" * right, rise_style)
        out.append(" " * (half - right) + " ")
        out.append((format_change(0, rise, kind) if rise else "").ljust(value_w) + "\n", "dim")
    if sens.formula:  # why the cell moves with the input just edited (or the top one)
        out.append(sens.formula, "italic")
    return out


DOWN, UP = "magenta", "cyan"


def _sides(low: float, high: float) -> tuple[tuple[float, str], tuple[float, str]]:
    """(the fall and who caused it, the rise and who caused it); 0 when there is none."""
    moves = [(low, DOWN), (high, UP)]
    fall = min(moves, key=lambda m: m[0])
    rise = max(moves, key=lambda m: m[0])
    return ((fall if fall[0] < 0 else (0.0, DOWN)), (rise if rise[0] > 0 else (0.0, UP)))


def _bar(change: float, scale: float, half: int) -> int:
    if not math.isfinite(change):
        return half
    return min(half, round(abs(change) / scale * half))
