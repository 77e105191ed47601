"""What the grid shows: rows (variables under their sections) and the numbers of a scenario."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from engine.axis import YEARS, TimeAxis
from engine.model import Model


@dataclass(frozen=True)
class Row:
    """A line of the grid: a section header (`name` None) or a variable."""

    name: str | None
    section: str | None


@dataclass(frozen=True)
class Sheet:
    """Everything the grid shows, prepared off the UI thread."""

    axis: TimeAxis  # the columns
    rows: tuple[Row, ...]
    kinds: Mapping[str, str]
    values: Mapping[str, Sequence[float | None]]
    inputs: Mapping[str, int] = field(default_factory=dict)  # a bit per input year
    changes: Mapping[str, Mapping[int, float | None]] = field(default_factory=dict)  # file values
    parent: Mapping[str, Sequence[float | None]] | None = None  # compare mode
    # The variables a run warned about, each with the codes of its warnings
    # (`nonfinite`, `distribution-params`: dsl.errors.CODES).
    warned: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # How the file's values read (`changes` holds them): an edit may turn an amount
    # into a percentage, and an old value is written as what it was.
    file_kinds: Mapping[str, str] = field(default_factory=dict)

    def variables(self) -> list[int]:
        """The indices of the variable rows."""
        return [k for k, r in enumerate(self.rows) if r.name is not None]


EMPTY = Sheet(TimeAxis(YEARS, 0, 0), (), {}, {})


def rows(model: Model) -> tuple[Row, ...]:
    """Variables in file order, a section line wherever the section changes."""
    out: list[Row] = []
    current: object = object()
    for v in model.variables:
        section = model.info[v].section
        if section != current and section is not None:
            out.append(Row(None, section))
        current = section
        out.append(Row(v, section))
    return tuple(out)


def same(a: float | None, b: float | None) -> bool:
    """The same value for a reader: equal, both NaN, or apart by float noise only
    (1e-12 relative: a different order of the same operations); None (empty) is
    only itself."""
    if a is None or b is None:
        return a is b
    if a == b or (a != a and b != b):
        return True
    if not (math.isfinite(a) and math.isfinite(b)):
        return False
    return abs(a - b) <= 1e-12 * max(abs(a), abs(b))
