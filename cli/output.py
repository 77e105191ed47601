"""Evaluated scenarios as text: a readable table, CSV (a contract), JSON and Markdown;
and as polars frames for Parquet, wide or long.

Every renderer takes the same input: the model, and a list of
(scenario name, {variable: [value per year]}) in the order to print.
The long layout (`--long`) is a row per scenario, variable and year, with the
columns `scenario, variable, year, value`: what notebooks and BI tools load.
An empty year is an empty value (null), not a missing row, so every
variable has a row for every year.

The table and Markdown are for people: titles and section names are shown
with hidden characters escaped (`dsl.text.printable`), so that a title
holding `\\x1b[2J` cannot clear a terminal. CSV and JSON keep the exact text.
"""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Callable, Sequence

from cli.render import aligned, md_cell, md_row, md_rule
from display.kinds import kinds
from display.numbers import format_row, row_format
from dsl.text import printable

Values = dict[str, list[float | None]]
Runs = Sequence[tuple[str, Values]]


def full_precision(v: float | None) -> str:
    """Shortest text that reads back as the same float; empty for an empty year."""
    if v is None:
        return ""
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(float(v))


def to_csv(model, runs: Runs, variables: Sequence[str], with_scenario: bool = False) -> str:
    """A row per variable (per scenario and variable `with_scenario`: --all-scenarios)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    head = ["variable", *map(str, model.years)]
    w.writerow(["scenario", *head] if with_scenario else head)
    for name, values in runs:
        for v in variables:
            row = [v, *(full_precision(x) for x in values[v])]
            w.writerow([name, *row] if with_scenario else row)
    return buf.getvalue()


def json_value(v: float | None):
    """A float for JSON: null when empty, "nan"/"inf"/"-inf" as strings (JSON has no such numbers)."""
    if v is None:
        return None
    if math.isnan(v) or math.isinf(v):
        return full_precision(v)
    return v


def to_json(model, runs: Runs, variables: Sequence[str], with_scenario: bool = False) -> str:
    doc = {
        "model": model.title,
        "years": list(model.years),
        "scenarios": {
            name: {v: [json_value(x) for x in values[v]] for v in variables}
            for name, values in runs
        },
    }
    return json.dumps(doc, indent=2) + "\n"


def _rows(model, variables: Sequence[str]) -> list[tuple[str | None, list[str]]]:
    """Variables grouped under their sections, sections in file order."""
    wanted = set(variables)
    groups: dict[str | None, list[str]] = {}
    for v in model.variables:
        if v in wanted:
            groups.setdefault(model.info[v].section, []).append(v)
    return list(groups.items())


def _title(model, scenario: str) -> str:
    s = model.scenarios[scenario]
    label = f"scenario {scenario}" + (f" ({s.title})" if s.title else "")
    if s.parent and s.parent != "base":
        label += f", extends {s.parent}"
    return printable(f"{model.title or model.source}: {label}")


def to_table(model, runs: Runs, variables: Sequence[str], with_scenario: bool = False) -> str:
    kind = kinds(model)
    out = []
    for name, values in runs:
        grid: list[list[str]] = [["", *map(str, model.years)]]
        for section, names in _rows(model, variables):
            if section is not None:
                grid.append([printable(section)] + [""] * len(model.years))
            indent = "  " if section is not None else ""
            for v in names:
                grid.append([indent + v, *format_row(values[v], kind[v])])
        out += [_title(model, name), *aligned(grid), ""]
    return "\n".join(out)


def to_markdown(model, runs: Runs, variables: Sequence[str], with_scenario: bool = False) -> str:
    kind = kinds(model)
    out = []
    for name, values in runs:
        out.append(f"### {md_cell(_title(model, name))}\n")
        out.append(md_row(["variable", *map(str, model.years)]))
        out.append(md_rule("l" + "r" * len(model.years)))
        for section, names in _rows(model, variables):
            if section is not None:  # a heading row: its empty cells are one blank wide
                out.append(f"| **{md_cell(printable(section))}** |" + " |" * len(model.years))
            for v in names:
                out.append(md_row([v, *format_row(values[v], kind[v])]))
        out.append("")
    return "\n".join(out)


LONG_COLUMNS = ("scenario", "variable", "year", "value")


def long_rows(model, runs: Runs, variables: Sequence[str]):
    """(scenario, variable, year, value) in print order: scenarios, then variables, then years."""
    for name, values in runs:
        for v in variables:
            for year, x in zip(model.years, values[v]):
                yield name, v, year, x


def to_long_csv(model, runs: Runs, variables: Sequence[str], with_scenario: bool = True) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(LONG_COLUMNS)
    for name, v, year, x in long_rows(model, runs, variables):
        w.writerow([name, v, year, full_precision(x)])
    return buf.getvalue()


def to_long_json(model, runs: Runs, variables: Sequence[str], with_scenario: bool = True) -> str:
    rows = [dict(zip(LONG_COLUMNS, (name, v, year, json_value(x))))
            for name, v, year, x in long_rows(model, runs, variables)]
    return json.dumps(rows, indent=1) + "\n"


def to_long_markdown(model, runs: Runs, variables: Sequence[str],
                     with_scenario: bool = True) -> str:
    kind = kinds(model)
    # each variable's values read as its row does in the wide table
    fmt = {(name, v): row_format(values[v], kind[v]) for name, values in runs for v in variables}
    out = [md_row(LONG_COLUMNS), md_rule("llrr")]
    out += [md_row([name, v, str(year), fmt[name, v](x)])
            for name, v, year, x in long_rows(model, runs, variables)]
    return "\n".join(out) + "\n"


def long_frame(model, runs: Runs, variables: Sequence[str]):
    """A polars frame: scenario, variable, year, value (Float64, null when empty)."""
    import polars as pl

    columns = list(zip(*long_rows(model, runs, variables))) or [(), (), (), ()]
    schema = {"scenario": pl.String, "variable": pl.String, "year": pl.Int64,
              "value": pl.Float64}
    return pl.DataFrame(dict(zip(LONG_COLUMNS, columns)), schema=schema)


def wide_frame(model, runs: Runs, variables: Sequence[str]):
    """A polars frame: scenario, year, then a Float64 column per variable (file order)."""
    import polars as pl

    n = len(model.years)
    data: dict[str, list] = {"scenario": [], "year": []}
    for v in variables:
        data[v] = []
    for name, values in runs:
        data["scenario"] += [name] * n
        data["year"] += list(model.years)
        for v in variables:
            data[v] += list(values[v])
    schema = {"scenario": pl.String, "year": pl.Int64, **{v: pl.Float64 for v in variables}}
    return pl.DataFrame(data, schema=schema)


# The renderers of `scn run`, by --format: each takes (model, runs, variables,
# with_scenario); only the wide CSV reads with_scenario (--all-scenarios adds the
# scenario column), the long layouts always have one.
Renderer = Callable[..., str]
RENDERERS: dict[str, Renderer] = {"table": to_table, "csv": to_csv, "json": to_json,
                                  "md": to_markdown}
LONG_RENDERERS: dict[str, Renderer] = {"csv": to_long_csv, "json": to_long_json,
                                       "md": to_long_markdown}
