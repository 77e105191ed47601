"""The output rows of a model, which `--vars` picks, and their values as arrays.

A dimensionless variable is one row, named as itself; a variable with dims
has a row per member combination, named `capex[goog]` or
`optics_units[goog,g800]` (no spaces): members in the order of the `dim`
statements, each dim's members in declared order, the last dim varying
fastest (LANGUAGE-2, "Output"). Every output of `scn run` and the review
commands (diff, snapshot, textconv) lists these rows in this order:
variables in file order, each followed by its combinations.

`--vars` takes a comma-separated list of variables and rows: `capex` is
every row of capex, `capex[goog]` one, `optics_units[goog]` the rows of
goog across the other dims. A comma inside brackets belongs to the row
(`optics_units[goog,g800]`).

The values of one scenario come out as two arrays shaped (rows, periods):
the values (NaN where a cell is empty) and which cells are defined. The
renderers turn them into text column by column, never cell by cell in Python
where a vectorized path exists (a model of 200 variables over 1,000 members
is 200,000 rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple, Sequence

from engine.lazy import lazy
from files.reading import UsageError

np = lazy("numpy")  # for the value tables: `scn check` reads only the row counts


class Row(NamedTuple):
    """One output row. A tuple: a model of 200 variables over 1,000 members has
    200,000 rows, and a tuple is made several times faster than a dataclass."""

    variable: str
    members: tuple[str, ...]  # one per dim of the variable, canonical dim order; () without dims
    label: str  # the output name: `capex`, `capex[goog]`, `units[goog,g800]`


def label(variable: str, members: Sequence[str] = ()) -> str:
    """`capex`, `capex[goog]`, `units[goog,g800]` (as engine `Model.label`)."""
    return f"{variable}[{','.join(members)}]" if members else variable


def dims_of(model, variable: str) -> tuple[str, ...]:
    return model.dims_of.get(variable, ())


def has_dims(model) -> bool:
    return bool(model.dims)


def combos(model, variable: str) -> tuple[tuple[str, ...], ...]:
    """Member names per combination, in output order; `((),)` without dims."""
    if not dims_of(model, variable):
        return ((),)
    return tuple(model.combos(variable))


def rows_of(model, variables: Sequence[str] | None = None) -> list[Row]:
    """Every output row of these variables (all, in file order, by default)."""
    names = model.variables if variables is None else variables
    out: list[Row] = []
    for v in names:
        if not dims_of(model, v):
            out.append(Row(v, (), v))
            continue
        cs = combos(model, v)
        labels = [f"{v}[{','.join(c)}]" for c in cs]
        out.extend(map(Row._make, zip([v] * len(cs), cs, labels)))
    return out


# ---------------------------------------------------------------- --vars


def split_items(text: str) -> list[str]:
    """`capex[goog, g800], na_capex` -> ['capex[goog, g800]', 'na_capex']: commas
    inside brackets belong to the item; blanks around items are dropped."""
    items, depth, start = [], 0, 0
    for k, ch in enumerate(text):
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth = max(0, depth - 1)
        elif ch == "," and depth == 0:
            items.append(text[start:k])
            start = k + 1
    items.append(text[start:])
    return [i.strip() for i in items if i.strip()]


def select(model, wanted: str | None, option: str = "--vars") -> list[Row]:
    """The rows a `--vars` list names, in output order (file order, then combinations);
    every row when `wanted` is None. A bad name or member is a UsageError (exit 2)."""
    if wanted is None:
        return rows_of(model)
    items = split_items(wanted)
    if not items:
        raise UsageError(f"{option}: no variable named in '{wanted}' "
                         "(write --vars capex,asic_share)")
    picked: dict[str, set[tuple[str, ...]] | None] = {}  # variable -> combos (None: all)
    for item in items:
        name, members = _item(item, option)
        _known(model, name, option)
        if not members:
            picked[name] = None
            continue
        keep = _matching(model, name, members, item, option)
        if picked.get(name, set()) is not None:
            picked[name] = picked.get(name, set()) | keep
    out = []
    for v in model.variables:
        if v in picked:
            out += [Row(v, c, label(v, c)) for c in combos(model, v)
                    if picked[v] is None or c in picked[v]]
    return out


def _item(item: str, option: str) -> tuple[str, list[str]]:
    """`capex[goog, g800]` -> ('capex', ['goog', 'g800'])."""
    if "[" not in item and "]" not in item:
        return item, []
    name, _, rest = item.partition("[")
    if not rest.endswith("]") or "[" in rest or rest.count("]") != 1 or not name.strip():
        raise UsageError(f"{option}: cannot read '{item}': write a variable, or a variable "
                         "with members in brackets: capex, 'capex[goog]'")
    members = [m.strip() for m in rest[:-1].split(",")]
    if not all(members):
        raise UsageError(f"{option}: '{item}' has an empty member: write 'capex[goog]'")
    return name.strip(), members


def _known(model, name: str, option: str) -> None:
    if name not in model.info:
        from engine.uses import suggest

        hint = suggest(name, model.variables, loose=True)
        raise UsageError(f"{option}: unknown variable '{name}'" + (f" ({hint})" if hint else ""))


def _matching(model, name: str, members: list[str], item: str, option: str
              ) -> set[tuple[str, ...]]:
    """The combinations of `name` that have every member given (one per dim at most)."""
    sig = dims_of(model, name)
    if not sig:
        if all(m.isascii() and m.isdigit() for m in members):
            raise UsageError(f"{option} picks rows, not years: '{item}' names a year; "
                             f"write --vars {name} (every year is a column)")
        raise UsageError(f"{option}: {name} has no dims, so '{item}' names no row: "
                         f"write --vars {name}")
    member_of = model.member_of
    pinned: dict[str, str] = {}
    for m in members:
        if m.isascii() and m.isdigit():
            raise UsageError(f"{option} picks rows, not years: '{item}' names a year; "
                             f"write --vars {name} (every year is a column)")
        if m not in member_of or member_of[m][0] not in sig:
            raise UsageError(_bad_member(model, name, sig, m, option))
        dim = member_of[m][0]
        if dim in pinned:
            raise UsageError(f"{option}: '{item}' names two members of {dim} "
                             f"({pinned[dim]}, {m}): list them as two rows, "
                             f"'{name}[{pinned[dim]}],{name}[{m}]'")
        pinned[dim] = m
    where = [(sig.index(d), m) for d, m in pinned.items()]
    return {c for c in combos(model, name) if all(c[k] == m for k, m in where)}


def _bad_member(model, name: str, sig: tuple[str, ...], member: str, option: str) -> str:
    from engine.uses import suggest

    dims = ", ".join(f"{d} = {{{', '.join(model.dims[d].members)}}}" for d in sig)
    if member in model.member_of:
        other = model.member_of[member][0]
        return (f"{option}: '{member}' is a member of {other}, and {name} has no dim {other} "
                f"({name} has {dims})")
    known = [m for d in sig for m in model.dims[d].members]
    hint = suggest(member, known, loose=True)
    return (f"{option}: unknown member '{member}' of {name}"
            + (f" ({hint})" if hint else "") + f"; {name} has {dims}")


# ---------------------------------------------------------------- values


@dataclass(frozen=True)
class Table:
    """One scenario's values of some rows: arrays shaped (rows, periods)."""

    scenario: str
    values: np.ndarray  # float64; NaN where a cell is empty (see `defined`)
    defined: np.ndarray  # bool: the cells some definition covers

    def series(self, k: int) -> list[float | None]:
        """Row k as version 1's series: a float per period, None where empty."""
        return [float(x) if d else None for x, d in zip(self.values[k], self.defined[k])]


def table_of(result, rows: Sequence[Row], scenario: str) -> Table:
    """The values of `rows` in one engine result (batch 0)."""
    model = result.model
    n = len(model.axis)
    if not rows:
        return Table(scenario, np.empty((0, n)), np.empty((0, n), dtype=bool))
    if not has_dims(model):  # a row per variable: one conversion of the frame
        values, defined = result.block([r.variable for r in rows])
        return Table(scenario, values, defined)
    blocks_v, blocks_d = [], []
    variables = np.array([r.variable for r in rows], dtype=object)
    starts = [0, *(np.flatnonzero(variables[1:] != variables[:-1]) + 1).tolist(), len(rows)]
    for k, j in zip(starts, starts[1:]):  # a block of rows of one variable
        values, defined = _variable_arrays(result, model, rows[k].variable, n)
        if j - k != values.shape[0]:  # some combinations only: pick them
            index = {c: i for i, c in enumerate(combos(model, rows[k].variable))}
            pick = [index[r.members] for r in rows[k:j]]
            values, defined = values[pick], defined[pick]
        blocks_v.append(values)
        blocks_d.append(defined)
    return Table(scenario, np.concatenate(blocks_v), np.concatenate(blocks_d))


def _variable_arrays(result, model, variable: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(combos, periods) values and defined mask of one variable, batch 0."""
    values = np.asarray(result.values(variable), dtype=np.float64)
    values = values.reshape(values.shape[0], -1, n)[0]
    defined = np.asarray(result.defined(variable), dtype=bool).reshape(-1, n)
    return values, defined
