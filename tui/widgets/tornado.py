"""A tornado chart of the selected cell's inputs, drawn with text bars.

One line per input, the largest swing on top. Each bar runs from the
centre line to the cell's change: left for a fall, right for a rise. A bar
is drawn by the move of the input that caused it, in its shape and its
colour (input -10%: `▒` magenta, input +10%: `█` cyan), so an input that
lowers the cell as it rises reads at a glance, in colour or not; a legend
under the title says so. Labels keep their year (`capex[2024]`) when a long
name is shortened. Text bars read better than a plotted bar chart in a dozen
lines.
"""

from __future__ import annotations

import math

from rich.text import Text
from textual.widget import Widget

from display.kinds import AMOUNT
from tui.sens_adapter import Sensitivities
from tui.widgets.format import format_change, short_label


class Tornado(Widget):
    """Bars of the cell's change when each input moves by -/+ pct."""

    DEFAULT_CSS = "Tornado { height: auto; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.sens: Sensitivities | None = None
        self.kind = AMOUNT
        self.empty = False
        self.when: str | None = None
        self.unit = ""

    def show(self, sens: Sensitivities | None, kind: str, empty: bool = False,
             members: bool = False, when: str | None = None, rolled: bool = False,
             unit: str = "") -> None:
        """`members`: a group's header, whose tornado is not computed yet; `when` the
        cell's period as the grid labels it (`2026`, `2026Q2`, `2026-07`); `rolled` a year
        rolled up, which has none (each of its periods has its own); `unit` the cell's
        (`tui.session.units`: "" for a percentage, a multiple or no unit)."""
        self.sens, self.kind, self.empty, self.members = sens, kind, empty, members
        self.rolled = rolled
        self.when, self.unit = when, unit
        self.refresh(layout=True)

    def render(self) -> Text:
        if self.sens is None:
            if getattr(self, "members", False):
                return Text(f"tornado: {MEMBERS_NOT_YET}", "dim")
            if getattr(self, "rolled", False):
                return Text("no tornado for a year rolled up: y shows the periods, each has its "
                            "own", "dim")
            return Text("no tornado: the cell is empty" if self.empty
                        else "tornado: not available", "dim")
        # Drawn at paint time: the width is only known once the tab is on screen.
        return render(self.sens, self.kind, max(40, self.content_region.width - 1), self.when,
                      self.unit)


MEMBERS_NOT_YET = "not available for a group's sum yet (open the group: each member has its own)"


def render(sens: Sensitivities, kind: str, width: int, when: str | None = None,
           unit: str = "") -> Text:
    """The chart as text, `width` columns wide; `when` the cell's period label (a
    sub-annual `sens.year` is the period's absolute number, which reads as nothing);
    `unit` the cell's, in which its changes are written."""
    pct = f"{sens.pct:.0%}"
    unit = f" ({unit})" if unit else ""
    out = Text.assemble((f"{sens.output} {when or sens.year}", "bold"),
                        (f"  scenario {sens.scenario}: the change of the cell{unit} when each "
                         f"input moves by -{pct} or +{pct}"
                         + ("; ~ across its 5-95% range" if any(
                             r.range is not None for r in sens.rows) else ""), "dim"), "\n")
    if sens.error is not None:
        out.append(f"tornado: not available ({sens.error})", "dim")
        return out
    if not sens.rows:
        out.append("no inputs: this cell is typed in", "dim")
        return out
    out.append_text(Text.assemble(("◀ the cell falls │ it rises ▶", "dim"), "   ",
                                  (GLYPH[DOWN] * 2, DOWN), f" input -{pct}   ",
                                  (GLYPH[UP] * 2, UP), f" input +{pct}\n"))
    ranged = any(r.range is not None for r in sens.rows)
    label_w = min(28, max(len(r.input) + 2 * (r.range is not None) for r in sens.rows))
    value_w = 8
    half = max(4, (width - label_w - 2 * value_w - 4) // 2)
    scale = max((r.swing for r in sens.rows if math.isfinite(r.swing)), default=0) or 1
    for r in sens.rows:
        (fall, fall_style), (rise, rise_style) = _sides(r.low, r.high)
        left, right = _bar(fall, scale, half), _bar(rise, scale, half)
        # `~`: written as a distribution, swung across its 5-95% range (as `scn sens` marks it)
        label = short_label(r.input, label_w - 2) + " ~" if r.range is not None \
            else short_label(r.input, label_w)
        out.append(label.ljust(label_w) + " ")
        out.append((format_change(0, fall, kind) if fall else "").rjust(value_w) + " ", "dim")
        out.append(" " * (half - left))
        out.append(GLYPH[fall_style] * left, fall_style)
        out.append("│", "dim")
        out.append(GLYPH[rise_style] * right, rise_style)
        out.append(" " * (half - right) + " ")
        out.append((format_change(0, rise, kind) if rise else "").ljust(value_w) + "\n", "dim")
    if ranged:  # the footnote of the rows marked `~`
        out.append(f"~ written as a distribution: swung across its own 5-95% range instead "
                   f"of -{pct}/+{pct} (▒ its 5th percentile, █ its 95th)\n", "dim")
    if sens.formula:  # why the cell moves with the input just edited (or the top one)
        out.append(sens.formula, "italic")
    return out


DOWN, UP = "magenta", "cyan"
GLYPH = {DOWN: "▒", UP: "█"}  # the shape says it as well as the colour


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
