"""Evaluated scenarios as text: a readable table, CSV (a contract), JSON and Markdown;
and as polars frames for Parquet, wide or long.

Every renderer takes the same input: the model, the scenarios' values
(`cli.rows.Table`, one per scenario, in the order to print) and the output
rows to print (`cli.rows.Row`: a row per variable, or per member combination
of a variable with dims, named `capex[goog]`).

Periods are named as the model's axis names them: years on a yearly axis
(every output of a version-1 model is unchanged), `2025Q3` or `2025-07`
otherwise (`model.labels`). Where a layout has a time column, it is `year`
(Int64) on a yearly axis and `period` (the labels, String) on a quarterly or
monthly one; JSON lists `"years"` as numbers, or `"unit"` and `"periods"`.

The long layout (`--long`) is a row per scenario, row and year, with the
columns `scenario, variable, year, value`: what notebooks and BI tools load.
A model with dims has a column per dim between `variable` and `year` (named
after the dim, empty for a variable without that dim), and `variable` holds
the plain variable name (LANGUAGE-2: "Long formats add one column per dim
instead"). An empty year is an empty value (null), not a missing row, so
every row has a row for every year.

The table and Markdown are for people: titles and section names are shown
with hidden characters escaped (`dsl.text.printable`), so that a title
holding `\\x1b[2J` cannot clear a terminal. CSV and JSON keep the exact text.
In the table a variable with dims is a heading row with its name, and a row
per member combination below it, indented (`goog`, `goog, g800`).

A model with annotations (`capex: USD = ...`) gains its units in CSV and
JSON, the numbers unchanged: a `unit` column after `variable` (empty where
the unit is unknown), a `"units": {row: "USD" or null}` object in JSON (the
axis' `"unit"` says quarters or months) and a `"unit"` field per long-JSON
record. A model without annotations prints exactly as before.

CSV is written column by column through polars (numpy arrays in, text out):
200 variables over 1,000 members and 30 years are 6 million numbers.
"""

from __future__ import annotations

import json
import math
from typing import Callable, Sequence

import numpy as np

from cli.columns import Columns, footnote
from cli.render import aligned, md_cell, md_row, md_rule
from cli.rows import Row, Table, has_dims
from display.kinds import kinds
from display.numbers import format_row, row_format
from dsl.text import printable
from files.reading import UsageError

Runs = Sequence[Table]
Rows = Sequence[Row]


def full_precision(v: float | None) -> str:
    """Shortest text that reads back as the same float; empty for an empty year."""
    if v is None:
        return ""
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(float(v))


def time_column(model) -> str:
    """The name of the long and wide layouts' time column: `year`, or `period`."""
    return "year" if model.axis.yearly else "period"


def time_series(cols: Columns, repeat: int, tile: int):
    """The time column's values: each period `repeat` times in a row, the whole run
    `tile` times (years as Int64, labels as String)."""
    import polars as pl

    if cols.yearly:
        values = np.tile(np.repeat(np.array(cols.keys, dtype=np.int64), repeat), tile)
        return pl.Series(cols.time, values, dtype=pl.Int64)
    values = np.tile(np.repeat(np.array(cols.keys, dtype=object), repeat), tile)
    return pl.Series(cols.time, values, dtype=pl.String)


# ---------------------------------------------------------------- CSV, vectorized


def number_column(values: np.ndarray, defined: np.ndarray, name: str = ""):
    """A polars column that writes as `full_precision` does: Float64 (null where
    empty) when polars' own float text is Python's shortest `repr` for every value,
    else String with the few values it writes otherwise (NaN, and magnitudes
    under 1e-4, which Python writes `1e-05`) put right one by one."""
    import polars as pl

    values = np.asarray(values, dtype=np.float64)
    column = pl.Series(name, values)
    empty = ~np.asarray(defined, dtype=bool)
    magnitude = np.abs(values)
    odd = np.flatnonzero(~empty & (np.isnan(values) | ((magnitude < 1e-4) & (magnitude > 0))))
    if len(odd):
        column = column.cast(pl.String).scatter(
            odd, pl.Series([full_precision(x) for x in values[odd].tolist()], dtype=pl.String))
    gone = np.flatnonzero(empty)
    if len(gone):
        column = column.scatter(gone, None)
    return column


def _csv(columns: list) -> str:
    import polars as pl

    return pl.DataFrame(columns).write_csv(line_terminator="\n", quote_style="necessary")


def to_csv(model, runs: Runs, rows: Rows, with_scenario: bool = False,
           columns: Columns | None = None) -> str:
    """A row per output row (per scenario and row `with_scenario`: --all-scenarios)."""
    import polars as pl

    cols = columns or Columns.of(model)
    n = len(runs)
    labels = [r.label for r in rows]
    columns = []
    if with_scenario:
        columns.append(pl.Series("scenario", np.repeat([t.scenario for t in runs], len(rows))
                                 if rows else [], dtype=pl.String))
    columns.append(pl.Series("variable", labels * n, dtype=pl.String))
    shown = unit_texts(model)
    if shown is not None:
        columns.append(pl.Series("unit", [shown[r.variable] or None for r in rows] * n,
                                 dtype=pl.String))
    values = np.concatenate([t.values for t in runs]) if runs else np.empty((0, len(cols)))
    defined = np.concatenate([t.defined for t in runs]) if runs else values.astype(bool)
    # a column per year: column-major, so that each year's values are contiguous
    values, defined = np.asfortranarray(values), np.asfortranarray(defined)
    for k, label in enumerate(cols.names):
        columns.append(number_column(values[:, k], defined[:, k], label))
    return _csv(columns)


def unit_texts(model) -> dict[str, str] | None:
    """Each variable's unit as text ('' when unknown) for the `unit` field of CSV and
    JSON output; None for a model without annotations, whose output stays as it was."""
    if not model.annotations:
        return None
    from engine.unit_check import units

    return {v: (u.text if u is not None else "") for v, u in units(model).items()}


def json_value(v: float | None):
    """A float for JSON: null when empty, "nan"/"inf"/"-inf" as strings (JSON has no such numbers)."""
    if v is None:
        return None
    if math.isnan(v) or math.isinf(v):
        return full_precision(v)
    return v


def to_json(model, runs: Runs, rows: Rows, with_scenario: bool = False,
            columns: Columns | None = None) -> str:
    """`{"model", "years", "scenarios": {name: {row: [values]}}}`; a model with dims
    also lists them (`"dims": {"company": ["goog", ...]}`) after the years, and its
    rows are keyed by their output names (`capex[goog]`). A quarterly or monthly
    model has `"unit": "quarters", "periods": ["2025Q1", ...]` instead of `"years"`.
    Rolled up (`--by year`): `"by": "year", "unit": "quarters", "years": [2025, ...]`,
    `"partial_years"` ({"2025": "2025 (Q3-Q4)"}), `"aggregation"` per variable
    (sum, mean, last) and `"incomplete"` (row -> years with empty periods left out)."""
    cols = columns or Columns.of(model)
    doc: dict = {"model": model.title}
    if cols.rolled:
        doc.update(by="year", unit=cols.unit, years=list(cols.keys),
                   partial_years={n: h for n, h in zip(cols.names, cols.headers)
                                  if h in cols.partial},
                   aggregation=cols.aggregation, incomplete=cols.incomplete)
    elif cols.yearly:
        doc["years"] = list(cols.keys)
    else:
        doc["unit"], doc["periods"] = cols.unit, list(cols.keys)
    if has_dims(model):
        doc["dims"] = {d.name: list(d.members) for d in model.dims.values()}
    shown = unit_texts(model)
    if shown is not None:  # per row, null when unknown
        doc["units"] = {r.label: shown[r.variable] or None for r in rows}
    doc["scenarios"] = {
        t.scenario: {r.label: [json_value(x) for x in t.series(k)] for k, r in enumerate(rows)}
        for t in runs
    }
    return json.dumps(doc, indent=2) + "\n"


# ---------------------------------------------------------------- for people


def _groups(model, rows: Rows) -> list[tuple[str | None, list[list[tuple[int, Row]]]]]:
    """Sections in file order, each with its variables, each with its rows (index, row)."""
    sections: dict[str | None, list[list[tuple[int, Row]]]] = {}
    last = None
    for k, r in enumerate(rows):
        if last is None or last[0][1].variable != r.variable:
            last = []
            sections.setdefault(model.info[r.variable].section, []).append(last)
        last.append((k, r))
    return list(sections.items())


def _title(model, scenario: str) -> str:
    s = model.scenarios[scenario]
    label = f"scenario {scenario}" + (f" ({s.title})" if s.title else "")
    if s.parent and s.parent != "base":
        label += f", extends {s.parent}"
    return printable(f"{model.title or model.source}: {label}")


def unit_column(model) -> dict[str, str] | None:
    """The unit column of a table for people (`Style.label`: the unit of a currency, a
    count or another unit; blank for %, x, plain and unknown, which show their own
    sign or need none); None for a model without annotations: no column."""
    if not getattr(model, "annotations", None):
        return None
    return {v: s.label for v, s in kinds(model).items()}


def to_table(model, runs: Runs, rows: Rows, with_scenario: bool = False,
             columns: Columns | None = None) -> str:
    cols = columns or Columns.of(model)
    kind = kinds(model)
    labels = unit_column(model)
    blank = [""] if labels is not None else []  # the unit column's cell of a heading row

    def unit(v: str) -> list[str]:
        return [labels[v]] if labels is not None else []

    width = len(cols)
    out = []
    for t in runs:
        grid: list[list[str]] = [["", *(["unit"] if blank else []), *cols.headers]]
        for section, variables in _groups(model, rows):
            if section is not None:
                grid.append([printable(section), *blank] + [""] * width)
            indent = "  " if section is not None else ""
            for group in variables:
                v = group[0][1].variable
                if not group[0][1].members:
                    grid.append([indent + v, *unit(v), *format_row(t.series(group[0][0]),
                                                                   kind[v])])
                    continue
                # the heading row of a dimensioned one: its members carry the unit
                grid.append([indent + v, *blank] + [""] * width)
                for k, r in group:
                    grid.append([indent + "  " + ", ".join(r.members), *unit(v),
                                 *format_row(t.series(k), kind[v])])
        out += [_title(model, t.scenario), *aligned(grid, left=(0, 1) if blank else (0,)), ""]
    notes = footnote(cols, model.axis.period_word)
    if notes:  # once, under the last table: it holds for every scenario
        out[-1:] = [*notes, ""]
    return "\n".join(out)


def to_markdown(model, runs: Runs, rows: Rows, with_scenario: bool = False,
                columns: Columns | None = None) -> str:
    cols = columns or Columns.of(model)
    kind = kinds(model)
    labels = unit_column(model)
    head = ["variable", "unit"] if labels is not None else ["variable"]
    out = []
    for t in runs:
        out.append(f"### {md_cell(_title(model, t.scenario))}\n")
        out.append(md_row([*head, *cols.headers]))
        out.append(md_rule("l" * len(head) + "r" * len(cols)))
        for section, variables in _groups(model, rows):
            if section is not None:  # a heading row: its empty cells are one blank wide
                out.append(f"| **{md_cell(printable(section))}** |"
                           + " |" * (len(cols) + len(head) - 1))
            for group in variables:
                for k, r in group:
                    unit = [md_cell(labels[r.variable])] if labels is not None else []
                    out.append(md_row([r.label, *unit,
                                       *format_row(t.series(k), kind[r.variable])]))
        out.append("")
    notes = footnote(cols, model.axis.period_word)
    if notes:  # a paragraph under the last table: one line each
        out += ["  \n".join(f"_{md_cell(n)}_" for n in notes), ""]
    return "\n".join(out)


# ---------------------------------------------------------------- the long layout


LONG_COLUMNS = ("scenario", "variable", "year", "value")


def long_columns(model, columns: Columns | None = None) -> tuple[str, ...]:
    """`scenario, variable, year, value`, with a column per dim before `year`
    (`period` instead of `year` for a quarterly or monthly model).

    A dim named like one of the layout's own columns (`dim year = {...}`)
    would make two columns of one name: a usage error, naming the dim.
    """
    dims = tuple(model.dims) if has_dims(model) else ()
    when = (columns or Columns.of(model)).time
    for d in dims:
        if d in LONG_COLUMNS or d == when:
            raise UsageError(f"--long: the dim '{d}' has the name of the long layout's "
                             f"'{d}' column; rename the dim (dim {d}s = ...) or leave out "
                             "--long")
    return ("scenario", "variable", *dims, when, "value")


def _dim_fields(model, rows: Rows) -> list[tuple[str, ...]]:
    """Per row, its member of each dim of the model ('' for a dim it does not have)."""
    if not has_dims(model):
        return [() for _ in rows]
    order = list(model.dims)
    out = []
    for r in rows:
        mine = dict(zip(model.dims_of.get(r.variable, ()), r.members))
        out.append(tuple(mine.get(d, "") for d in order))
    return out


def long_rows(model, runs: Runs, rows: Rows, cols: Columns):
    """(scenario, variable, *members per dim, year, value) in print order: scenarios,
    then rows, then years."""
    fields = _dim_fields(model, rows)
    for t in runs:
        for k, r in enumerate(rows):
            for year, x in zip(cols.keys, t.series(k)):
                yield (t.scenario, r.variable, *fields[k], year, x)


def _long_arrays(model, runs: Runs, rows: Rows, cols: Columns):
    """The long layout as columns: (scenario, variable, dims, year, values, defined)."""
    n = len(cols)
    scen = np.repeat(np.array([t.scenario for t in runs], dtype=object), len(rows) * n)
    variables = np.tile(np.repeat(np.array([r.variable for r in rows], dtype=object), n),
                        len(runs))
    fields = _dim_fields(model, rows)
    dims = []
    for j in range(len(model.dims) if has_dims(model) else 0):
        members = np.array([f[j] for f in fields], dtype=object)
        dims.append(np.tile(np.repeat(members, n), len(runs)))
    years = time_series(cols, 1, len(rows) * len(runs))
    if runs and rows:
        values = np.concatenate([t.values.reshape(-1) for t in runs])
        defined = np.concatenate([t.defined.reshape(-1) for t in runs])
    else:
        values, defined = np.empty(0), np.empty(0, dtype=bool)
    return scen, variables, dims, years, values, defined


def to_long_csv(model, runs: Runs, rows: Rows, with_scenario: bool = True,
                columns: Columns | None = None) -> str:
    import polars as pl

    cols = columns or Columns.of(model)
    names = long_columns(model, cols)
    scen, variables, dims, years, values, defined = _long_arrays(model, runs, rows, cols)
    columns = [pl.Series("scenario", scen, dtype=pl.String),
               pl.Series("variable", variables, dtype=pl.String)]
    shown = unit_texts(model)
    if shown is not None:
        columns.append(pl.Series("unit", [shown[v] or None for v in variables], dtype=pl.String))
    # a dim the variable lacks: an empty field (a null; polars writes "" as "")
    columns += [pl.Series(name, d, dtype=pl.String).replace("", None)
                for name, d in zip(names[2:-2], dims)]
    columns += [years, number_column(values, defined, "value")]
    return _csv(columns)


def to_long_json(model, runs: Runs, rows: Rows, with_scenario: bool = True,
                 columns: Columns | None = None) -> str:
    cols = columns or Columns.of(model)
    names = long_columns(model, cols)
    shown = unit_texts(model)
    out = []
    for record in long_rows(model, runs, rows, cols):
        item = dict(zip(names, record))
        item["value"] = json_value(item["value"])
        if shown is not None:
            item["unit"] = shown[item["variable"]] or None
        out.append(item)
    return json.dumps(out, indent=1) + "\n"


def to_long_markdown(model, runs: Runs, rows: Rows, with_scenario: bool = True,
                     columns: Columns | None = None) -> str:
    cols = columns or Columns.of(model)
    names = long_columns(model, cols)
    kind = kinds(model)
    labels = unit_column(model)  # a `unit` column after `variable`, as long CSV has
    head = [*names[:2], "unit", *names[2:]] if labels is not None else list(names)
    # each row's values read as its row does in the wide table
    fmt = {(t.scenario, k): row_format(t.series(k), kind[r.variable])
           for t in runs for k, r in enumerate(rows)}
    out = [md_row(head), md_rule("l" * (len(head) - 2) + "rr")]
    n = len(cols)
    for i, (scenario, variable, *middle, year, x) in enumerate(
            long_rows(model, runs, rows, cols)):
        unit = [md_cell(labels[variable])] if labels is not None else []
        out.append(md_row([scenario, variable, *unit, *middle, str(year),
                           fmt[scenario, (i // n) % len(rows)](x)]))
    notes = footnote(cols, model.axis.period_word)
    if notes:
        out += ["", "  \n".join(f"_{md_cell(n)}_" for n in notes)]
    return "\n".join(out) + "\n"


def long_frame(model, runs: Runs, rows: Rows, columns: Columns | None = None):
    """A polars frame: scenario, variable, a String column per dim (null where the
    variable lacks the dim), year, value (Float64, null when empty)."""
    import polars as pl

    cols = columns or Columns.of(model)
    names = long_columns(model, cols)
    scen, variables, dims, years, values, defined = _long_arrays(model, runs, rows, cols)
    data = {"scenario": pl.Series("scenario", scen, dtype=pl.String),
            "variable": pl.Series("variable", variables, dtype=pl.String)}
    shown = unit_texts(model)
    if shown is not None:  # as the long CSV: null where the unit is unknown
        data["unit"] = pl.Series("unit", [shown[v] or None for v in variables], dtype=pl.String)
    for name, d in zip(names[2:-2], dims):
        data[name] = pl.Series(name, d, dtype=pl.String).replace("", None)
    data[years.name] = years
    data["value"] = _floats("value", values, defined)
    return pl.DataFrame(data)


def parquet_metadata(model, rows: Rows) -> dict[str, str] | None:
    """The wide Parquet file's key-value metadata: `units`, a JSON object of each
    column's unit (null when unknown), as JSON output's `"units"`; None for a model
    without annotations (the file stays as it was). A wide frame has a column per
    row, so the units cannot be a column of their own as in the long layout."""
    shown = unit_texts(model)
    if shown is None:
        return None
    return {"units": json.dumps({r.label: shown[r.variable] or None for r in rows})}


def _floats(name: str, values: np.ndarray, defined: np.ndarray):
    """A Float64 column, null where empty (NaN stays NaN)."""
    import polars as pl

    column = pl.Series(name, np.asarray(values, dtype=np.float64))
    gone = np.flatnonzero(~np.asarray(defined, dtype=bool))
    return column.scatter(gone, None) if len(gone) else column


def wide_frame(model, runs: Runs, rows: Rows, columns: Columns | None = None):
    """A polars frame: scenario, year, then a Float64 column per output row (its
    output name: `capex`, `capex[goog]`), in output order."""
    import polars as pl

    cols = columns or Columns.of(model)
    n = len(cols)
    labels = [r.label for r in rows]
    when = cols.time
    if {"scenario", when} & set(labels):
        raise UsageError(f"a variable named '{when}' clashes with the {when} column: use --long")
    data = {"scenario": pl.Series("scenario", [t.scenario for t in runs for _ in range(n)],
                                  dtype=pl.String),
            when: time_series(cols, 1, len(runs))}
    for k, name in enumerate(labels):
        values = np.concatenate([t.values[k] for t in runs]) if runs else np.empty(0)
        defined = np.concatenate([t.defined[k] for t in runs]) if runs else np.empty(0, bool)
        data[name] = _floats(name, values, defined)
    return pl.DataFrame(data)


# The renderers of `scn run`, by --format: each takes (model, runs, rows,
# with_scenario); only the wide CSV reads with_scenario (--all-scenarios adds the
# scenario column), the long layouts always have one.
Renderer = Callable[..., str]
RENDERERS: dict[str, Renderer] = {"table": to_table, "csv": to_csv, "json": to_json,
                                  "md": to_markdown}
LONG_RENDERERS: dict[str, Renderer] = {"csv": to_long_csv, "json": to_long_json,
                                       "md": to_long_markdown}
