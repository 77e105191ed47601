"""What the UI says about units: each variable's unit, where it comes from, its warnings.

Everything here is read from the engine (`engine.unit_check`: the unit
declared, else inferred where sure, else unknown; the unit warnings), once
per model:

- `Units.label(v)`: the text of the grid's unit column and the unit written
  after a value where no column says it (`85.1B USD`): the unit's canonical
  text for a currency, a count or any other unit; "" for `%`, `x`, `1` and
  an unknown unit, whose numbers describe themselves (`30.0%`, `3.80x`) or
  carry nothing. (The same rule as `display.kinds.Style.label`; this is the
  one place the UI asks it.)
- `Units.column`: the grid shows a unit column only when the file annotates
  at least one variable; a file without annotations keeps its layout.
- `Units.warnings`: the unit warnings by variable, in file order: the grid
  marks their rows, the inspector lists them beside the definition, the
  status line names them.
- `news(before, after)`: what an edit or a reload did to the warnings, in
  one line for the status line and a notification: a new warning
  (`unit warning: total = gpu_spend + gpu_compute: USD + PFLOPS`), or the
  last one gone. A warning never blocks an edit, a save or a run.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Mapping

from dsl.errors import Diagnostic
from dsl.format import statement_text
from engine import unit_check
from engine.model import Model
from engine.units import Unit

# What a declared aggregation word means, said in the inspector.
ROLLS_UP = {"sum": "by year, the sum of its periods", "last": "by year, its last period",
            "mean": "by year, the mean of its periods"}
STATEMENT_WIDTH = 60  # a definition named in a message: a map of 1,000 entries is cut


def label_of(unit: Unit | None) -> str:
    """The unit column's text: "" for a dimensionless unit (`%`, `x`, `1`) or an unknown one."""
    return "" if unit is None or unit.dimensionless else unit.text


@dataclass(frozen=True)
class Units:
    """The units of one model, as the UI shows them."""

    model: Model | None = None
    column: bool = False  # the file annotates a variable: the grid has a unit column
    labels: Mapping[str, str] = field(default_factory=dict)
    warnings: Mapping[str, tuple[Diagnostic, ...]] = field(default_factory=dict)

    def label(self, name: str) -> str:
        return self.labels.get(name, "")

    def with_unit(self, text: str, name: str) -> str:
        """A number as written beside its unit (`85.1B USD`); a blank stays blank."""
        unit = self.label(name)
        return f"{text} {unit}" if text and unit else text

    @property
    def all_warnings(self) -> list[Diagnostic]:
        return sorted((w for ws in self.warnings.values() for w in ws), key=Diagnostic.sort_key)

    def line(self, name: str) -> tuple[str, str]:
        """The inspector's unit line, (what, how it adds up): `unit: USD/PFLOPS (declared)`,
        `unit: % (inferred)`, `unit: unknown`; the annotated aggregation word, if any."""
        model = self.model
        if model is None or name not in model.variables:
            return "unit: unknown", ""
        unit = unit_check.unit_of(model, name)
        word = unit_check.aggregation_of(model, name)
        if unit is None:
            what = "unit: unknown"
        else:
            how = "declared" if unit_check.unit_declared(model, name) else "inferred"
            what = f"unit: {unit.text} ({how})"
        return what, (f"{word}: {ROLLS_UP.get(word, word)}" if word else "")

    def statement(self, w: Diagnostic) -> str:
        """The definition a warning stands in, as one line (`total = gpu_spend + gpu_compute`)."""
        var = w.subject.variable
        layer = w.subject.scenario or "base"
        defs = unit_check.definitions(self.model).get(var, ()) if self.model else ()
        for d, where in defs:
            if where == layer and d.span.line <= w.span.line <= d.span.end_line:
                text = statement_text(d)
                return text if len(text) <= STATEMENT_WIDTH else \
                    text[: STATEMENT_WIDTH - 1] + "…"
        return var or ""


NO_UNITS = Units()


def units_of(model: Model) -> Units:
    """The units of a model (inferred once per model: `engine.unit_check` caches them).

    Without any annotation every unit is `%` or unknown (nothing else can be
    inferred), so no label shows and no two units can differ: nothing is walked,
    and an edit of a large unannotated model pays nothing for units."""
    if not model.annotations:
        return Units(model)
    labels = {v: label_of(u) for v, u in unit_check.units(model).items()}
    found: dict[str, list[Diagnostic]] = {}
    for w in unit_check.unit_warnings(model):
        found.setdefault(w.subject.variable, []).append(w)
    return Units(model, True, labels, {v: tuple(ws) for v, ws in found.items()})


def units_view(state) -> Units:
    """A session state's units (`tui.session.controller.State`), computed once per state."""
    if "units" not in state.views:
        state.views["units"] = units_of(state.model)
    return state.views["units"]


def _key(w: Diagnostic) -> tuple:
    """A warning as an edit elsewhere leaves it: lines move when a line is inserted, so
    positions (and the line numbers a message names) are left out."""
    return (w.subject.variable, w.subject.scenario, re.sub(r"line \d+", "line", w.message))


def _unmatched(these: list[Diagnostic], others: list[Diagnostic]) -> list[Diagnostic]:
    """The warnings of `these` that `others` does not have (counted: two alike are two)."""
    left = Counter(map(_key, others))
    out = []
    for w in these:
        k = _key(w)
        if left[k]:
            left[k] -= 1
        else:
            out.append(w)
    return out


def news(before: Units, after: Units) -> str | None:
    """What changed in the unit warnings, in a line: the first new warning (and how many
    more), the last one gone, or one fixed; None when nothing did."""
    old, new = before.all_warnings, after.all_warnings
    added = _unmatched(new, old)
    if added:
        w = added[0]
        more = f" (and {len(added) - 1} more)" if len(added) > 1 else ""
        return f"unit warning: {after.statement(w)}: {w.message}{more}"
    if old and not new:
        return "no unit warnings left"
    gone = _unmatched(old, new)
    if gone:
        return (f"unit warning fixed: {before.statement(gone[0])}: {gone[0].message}; "
                f"{len(new)} left")
    return None
