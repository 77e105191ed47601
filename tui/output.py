"""Evaluated scenarios as text: a readable table, CSV (a contract), JSON and Markdown.

Every renderer takes the same input: the model, and a list of
(scenario name, {variable: [value per year]}) in the order to print.
"""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Sequence

from tui.numbers import format_value, kinds

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


def to_csv(model, runs: Runs, variables: Sequence[str], with_scenario: bool) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    head = ["variable", *map(str, model.years)]
    w.writerow(["scenario", *head] if with_scenario else head)
    for name, values in runs:
        for v in variables:
            row = [v, *(full_precision(x) for x in values[v])]
            w.writerow([name, *row] if with_scenario else row)
    return buf.getvalue()


def _json_value(v: float | None):
    if v is None:
        return None
    if math.isnan(v) or math.isinf(v):
        return full_precision(v)
    return v


def to_json(model, runs: Runs, variables: Sequence[str]) -> str:
    doc = {
        "model": model.title,
        "years": list(model.years),
        "scenarios": {
            name: {v: [_json_value(x) for x in values[v]] for v in variables}
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
    return f"{model.title or model.source}: {label}"


def to_table(model, runs: Runs, variables: Sequence[str]) -> str:
    kind = kinds(model)
    out = []
    for name, values in runs:
        grid: list[list[str]] = [["", *map(str, model.years)]]
        for section, names in _rows(model, variables):
            if section is not None:
                grid.append([section] + [""] * len(model.years))
            indent = "  " if section is not None else ""
            for v in names:
                grid.append([indent + v, *(format_value(x, kind[v]) for x in values[v])])
        widths = [max(len(r[c]) for r in grid) for c in range(len(grid[0]))]
        out.append(_title(model, name))
        for r in grid:
            cells = [r[0].ljust(widths[0])] + [x.rjust(w) for x, w in zip(r[1:], widths[1:])]
            out.append("  ".join(cells).rstrip())
        out.append("")
    return "\n".join(out)


def to_markdown(model, runs: Runs, variables: Sequence[str]) -> str:
    kind = kinds(model)
    out = []
    for name, values in runs:
        out.append(f"### {_title(model, name)}\n")
        out.append("| variable | " + " | ".join(map(str, model.years)) + " |")
        out.append("|---|" + "---:|" * len(model.years))
        for section, names in _rows(model, variables):
            if section is not None:
                out.append(f"| **{section}** |" + " |" * len(model.years))
            for v in names:
                cells = " | ".join(format_value(x, kind[v]) for x in values[v])
                out.append(f"| {v} | {cells} |")
        out.append("")
    return "\n".join(out)


RENDERERS = ("table", "csv", "json", "md")
