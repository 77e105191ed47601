"""The numbers of a model with dims, row by row, made when a row is asked for.

A model of 200 variables over 1,000 members has 200,000 member rows of 30
years: six million numbers that the grid never paints at once. So the views
of such a model are mappings that turn a row into a list only when it is
read (the grid paints a screenful; the inspector reads a few cells), from
the arrays the engine gives per variable (`Result.values`, `Result.defined`:
(batch, *dim sizes, periods)), kept as (combos, periods). What is compared
for the `change` lines is compared as whole arrays.

A group header's values (its key is the variable's name) are the sum over
its members where they add up (an amount; a percentage or a ratio does not:
`adds_up` False gives an empty row). A period where no member has a value
is empty; an empty member adds nothing (as a spreadsheet's SUM skips blanks);
a non-finite member makes the sum non-finite.
"""

from __future__ import annotations

from typing import Callable, Iterator, Mapping

import numpy as np

from display.kinds import PERCENT
from engine.check import bitset
from tui.session.sheet import dims_of, row_key, same, split_key


# A group whose members do not add up (a percentage) charts its first members instead.
CHART_MEMBERS = 6


def combo_index(model, name: str, members: tuple[str, ...]) -> int:
    """The index of a member combination among the variable's combos (output order);
    KeyError when the members are not one per dim of the variable, in its dim order."""
    dims = dims_of(model, name)
    if len(members) != len(dims) or not dims:
        raise KeyError(row_key(name, members))
    index = []
    for dim, member in zip(dims, members):
        found = model.member_of.get(member)
        if found is None or found[0] != dim:
            raise KeyError(row_key(name, members))
        index.append(found[1])
    return int(np.ravel_multi_index(index, model.shape(name)))


class Arrays:
    """Each variable's values and defined cells, batch 0, shaped (combos, periods)."""

    def __init__(self, model, result) -> None:
        self.model, self.result = model, result
        self._cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def __call__(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        hit = self._cache.get(name)
        if hit is None:
            n = len(self.model.axis)
            values = np.asarray(self.result.values(name), dtype=float)[0].reshape(-1, n)
            defined = np.asarray(self.result.defined(name), dtype=bool).reshape(-1, n)
            hit = self._cache[name] = (values, defined)
        return hit


def _listed(values: np.ndarray, defined: np.ndarray) -> list[float | None]:
    return [float(v) if d else None for v, d in zip(values.tolist(), defined.tolist())]


def group_sum(values: np.ndarray, defined: np.ndarray) -> list[float | None]:
    """The sum over the members per period (see the module's docstring)."""
    total = np.where(defined, values, 0.0).sum(axis=0)
    return _listed(total, defined.any(axis=0))


class RowValues(Mapping):
    """Row key -> the row's values (floats, NaN for n/a, None for empty), made on demand."""

    def __init__(self, model, arrays: Arrays, flat: Mapping[str, list],
                 adds_up: Callable[[str], bool]) -> None:
        self.model, self.arrays, self.flat, self.adds_up = model, arrays, flat, adds_up
        self._rows: dict[str, list] = {}

    def __getitem__(self, key: str) -> list:
        hit = self._rows.get(key)
        if hit is not None:
            return hit
        name, members = split_key(key)
        if not dims_of(self.model, name):
            if members:
                raise KeyError(key)
            return self.flat[name]
        values, defined = self.arrays(name)
        if members:
            c = combo_index(self.model, name, members)
            row = _listed(values[c], defined[c])
        elif self.adds_up(name):
            row = group_sum(values, defined)
        else:
            row = [None] * values.shape[1]
        self._rows[key] = row
        return row

    def __iter__(self) -> Iterator[str]:
        for name in self.model.variables:
            yield name
            if dims_of(self.model, name):
                for combo in self.model.combos(name):
                    yield row_key(name, combo)

    def __len__(self) -> int:
        return sum(1 + (len(self.model.combos(v)) if dims_of(self.model, v) else 0)
                   for v in self.model.variables)


class InputBits(Mapping):
    """Row key -> a bit per period whose definition reads no other variable (an input).

    A group header's bit is set where every member's cell is an input."""

    def __init__(self, model, cover, flat: Mapping[str, int], uses_of) -> None:
        self.model, self.cover, self.flat, self.uses_of = model, cover, flat, uses_of
        self._masks: dict[str, np.ndarray] = {}
        self._bits: dict[str, int] = {}

    def _mask(self, name: str) -> np.ndarray:
        hit = self._masks.get(name)
        if hit is None:
            c = self.cover[name]
            inputs = [k for k, p in enumerate(c.pieces) if not self.uses_of(self.model, p)]
            hit = self._masks[name] = np.isin(c.grid, inputs)
        return hit

    def __getitem__(self, key: str) -> int:
        hit = self._bits.get(key)
        if hit is not None:
            return hit
        name, members = split_key(key)
        if not dims_of(self.model, name):
            if members:
                raise KeyError(key)
            return self.flat[name]
        mask = self._mask(name)
        row = mask[combo_index(self.model, name, members)] if members else mask.all(axis=0)
        bits = self._bits[key] = bitset(row)
        return bits

    def __iter__(self) -> Iterator[str]:
        return iter(RowValues(self.model, None, {}, lambda n: False))

    def __len__(self) -> int:
        return len(RowValues(self.model, None, {}, lambda n: False))


class RowChanges(Mapping):
    """Row key -> {period: the file's value} of the cells that differ from the file's.

    Variables without dims (and groups' headers) hold their dicts; a variable
    with dims holds its compared arrays, and a member row's dict is made when
    read: an edit that moves every member of 50 variables over 1,000 members
    moves 1.5 million cells, and the grid reads a screenful of them."""

    def __init__(self, model) -> None:
        self.model = model
        self.flat: dict[str, dict] = {}
        self.arrays: dict[str, tuple] = {}  # name -> (moved, file values, file defined, rows)
        self._made: dict[str, dict] = {}

    def __getitem__(self, key: str) -> dict:
        hit = self.flat.get(key)
        if hit is None:
            hit = self._made.get(key)
        if hit is not None:
            return hit
        name, members = split_key(key)
        found = self.arrays.get(name)
        if found is None or not members:
            raise KeyError(key)
        moved, a, da, rows = found
        c = combo_index(self.model, name, members)
        if not rows[c]:
            raise KeyError(key)
        hit = self._made[key] = {i: (float(a[c, i]) if da[c, i] else None)
                                 for i in np.flatnonzero(moved[c]).tolist()}
        return hit

    def __iter__(self) -> Iterator[str]:
        yield from self.flat
        for name, (_, _, _, rows) in self.arrays.items():
            combos = self.model.combos(name)
            for c in np.flatnonzero(rows).tolist():
                yield row_key(name, combos[c])

    def __len__(self) -> int:
        return len(self.flat) + sum(int(found[3].sum()) for found in self.arrays.values())


def changed_rows(model, name: str, now: RowValues, then: RowValues,
                 out: RowChanges | None = None) -> RowChanges:
    """The cells of a dimensioned variable (its member rows and its header) whose value
    differs from the file's, added to `out`. Compared as arrays."""
    out = RowChanges(model) if out is None else out
    a, da = then.arrays(name)
    b, db = now.arrays(name)
    if a.shape != b.shape:  # the edit gave the variable other dims: no rows to compare
        return out
    with np.errstate(invalid="ignore"):
        differ = a != b
        moved = (da != db) | (da & differ & ~(np.isnan(a) & np.isnan(b)) & ~(
            np.isfinite(a) & np.isfinite(b)
            & (np.abs(a - b) <= 1e-12 * np.maximum(np.abs(a), np.abs(b)))))
    rows = moved.any(axis=1)
    if rows.any():
        out.arrays[name] = (moved, a, da, rows)
    head = {i: x for i, (x, y) in enumerate(zip(then[name], now[name])) if not same(x, y)}
    if head:
        out.flat[name] = head
    return out


def covers_text(model, t, cover, definition) -> str:
    """What an edit reaches, for the editor's title: `2024..2030`; with dims
    `2024..2030, every member`, `2025 for goog`, `2024..2030 for 4 of 5 members`."""
    axis = model.axis
    if cover is None:  # a new line: its year, its members
        where = axis.label(axis.index(t.year))
        if dims_of(model, t.name) and not t.members:
            return f"{where}, every member"
        return where + (f" for {', '.join(t.members)}" if t.members else "")
    entry = definition.expr.entries[t.entry].span if t.entry >= 0 else None
    wins = np.zeros(cover.grid.shape, dtype=bool)
    for k, p in enumerate(cover.pieces):
        if p.definition is definition and (entry is None or p.span == entry):
            wins |= cover.mask(k)
    years = axis.span_label(np.flatnonzero(wins.any(axis=0)).tolist()) or \
        "no year in this scenario"
    if not dims_of(model, t.name):
        return years
    combos = model.combos(t.name)
    rows = np.flatnonzero(wins.any(axis=1)).tolist()
    if len(rows) == len(combos):
        return f"{years}, every member"
    if len(rows) <= 3:
        return f"{years} for " + "; ".join(", ".join(combos[r]) for r in rows)
    return f"{years} for {len(rows)} of {len(combos)} members"


def member_keys(model, name: str) -> list[str]:
    """The member rows of a variable with dims (`capex[goog]`, ...), [] without."""
    if name not in model.variables or not dims_of(model, name):
        return []
    return [row_key(name, combo) for combo in model.combos(name)]


def chart_rows(row_of, model, key: str, scenario: str, kinds,
               limit: int = CHART_MEMBERS, scenarios=None) -> dict:
    """What the chart draws for a row: its values in every scenario (`row_of(scenario,
    key)` gives a row's values, KeyError for none), or in `scenarios` (those computed);
    for a percentage's group (which does not add up), its first `limit` members in the
    scenario on screen."""
    name, members = split_key(key)
    if name in model.variables and dims_of(model, name) and not members \
            and kinds.get(name) == PERCENT:
        return {row_key(name, c): row_of(scenario, row_key(name, c))
                for c in model.combos(name)[:limit]}
    series = {}
    for sc in model.scenarios if scenarios is None else scenarios:
        try:
            series[sc] = row_of(sc, key)
        except KeyError:  # the row is not in that scenario's rows
            pass
    return series


def chart_title(key: str, group: int, kind: str, scenario: str,
                limit: int = CHART_MEMBERS) -> str:
    """`capex[goog]`; a group's `capex: sum of 5 members`, or for a percentage the members
    `chart_rows` draws."""
    if not group:
        return key
    if kind != PERCENT:
        return f"{key}: sum of {group} members"
    return f"{key}: {'its' if group <= limit else 'the first'} {min(group, limit)} members, " \
        f"scenario {scenario}"
