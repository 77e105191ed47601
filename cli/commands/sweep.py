"""`scn sweep`: the spreadsheet's data table, every point one row of one batched run.

    scn sweep FILE 'target_price[2026]' --vary 'wacc=8%..12%/1%' --vary 'g=2%..4%/0.5%'
    scn sweep FILE 'capex[orcl, 2027]' --vary 'capex_growth[orcl]=10%,20%,30%'
    scn sweep FILE ltv --vary 'gross_margin=70%..90%/5%'    # no period: a column per period

The table puts the first --vary down and the second across, as Excel's
two-way data table does; a third (and more) --vary makes one such table per
combination of the outer ones. With one --vary and no period in OUTPUT, a
row per point and a column per period. Two or more --vary need a period
for a table (a cell per point); CSV takes any, one row per combination.

CSV contract: a column per --vary (its label: `wacc`, `capex_growth[orcl]`),
the first --vary outermost, each value at full precision; then `value` (a
period in OUTPUT) or a column per period (none).
"""

from __future__ import annotations

import csv
import io
import math

import numpy as np

from cli import common
from cli.output import full_precision
from cli.render import aligned, md_cell, md_row, md_rule
from dsl.text import printable

FORMATS = ("table", "csv", "md")


def register(sub) -> None:
    p = sub.add_parser("sweep")
    p.add_argument("file")
    p.add_argument("cell", metavar="OUTPUT", help="the output: a cell such as "
                   "'target_price[2026]' or 'capex[orcl, 2026Q4]', or a variable (a column "
                   "per period, with one --vary)")
    p.add_argument("--vary", action="append", required=True, default=[], metavar="NAME=VALUES",
                   help="an input and its values: 'wacc=8%%..12%%/1%%' (a range with its step), "
                   "'wacc=8%%,9%%,11%%' (a list), 'capex_growth[orcl]=...' (one member); "
                   "repeatable, the first outermost")
    common.scenario_options(p, FORMATS)
    p.set_defaults(run=run)


def run(args, texts) -> int:
    from engine.sweep import sweep
    from engine.trace import one_cell, parse_cell
    from engine.vary import SOURCE, parse_vary

    model, scenario, overrides = common.load_scenario(args, texts)
    texts.argument("OUTPUT", args.cell)
    texts.argument(SOURCE, "\n".join(args.vary))
    output = parse_cell(model, args.cell, "OUTPUT")
    one_cell(model, output, "OUTPUT", args.cell)
    varies = _varies(model, args.vary, parse_vary)
    if output.period is None and len(varies) > 1 and args.format != "csv":
        cell = output.at(len(model.axis) - 1).label(model.axis)
        raise common.UsageError(f"with {len(varies)} --vary, name one period of the output: "
                                f"'{cell}' (or --format csv, a column per period)")
    with common.without_cycle_collector():
        s = sweep(model, output, varies, scenario, overrides, args.cell)
    texts.report(s.warnings)
    text = RENDERERS[args.format](model, s)
    if args.format in ("table", "md"):  # for people: no terminal escape from a name
        text = printable(text, keep="\n")
    common.write(text, args.output)
    return common.OK


def _varies(model, texts: list[str], parse_vary) -> list:
    """Every --vary parsed; their errors reported together (the k-th is line k)."""
    from dsl.errors import ScnError

    out, errors = [], []
    for k, text in enumerate(texts):
        try:
            out.append(parse_vary(model, text, k + 1))
        except ScnError as e:
            errors.extend(e.diagnostics)
    if errors:
        raise ScnError(errors)
    return out


# ---------------------------------------------------------------- csv


def to_csv(model, s) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    cols = ["value"] if s.output.period is not None else list(model.labels)
    w.writerow([v.cell.label(model.axis) for v in s.varies] + cols)
    for values, row in s.points():
        cells = _cells(s, row)
        w.writerow([full_precision(v) for v in values] + [full_precision(c) for c in cells])
    return buf.getvalue()


def _cells(s, row: np.ndarray) -> list[float | None]:
    """The output's values of one point (one, or every period), None where empty."""
    periods = [s.output.period] if s.output.period is not None else range(len(row))
    return [None if not s.defined[i] else float(row[i]) for i in periods]


# ---------------------------------------------------------------- tables for people


def _title(model, s) -> str:
    what = s.output.label(model.axis)
    return f"{what}, scenario {s.scenario}"


def _labels(model, v, kind: str) -> list[str]:
    """A vary's values as headings: formatted as its variable reads (8.0%, 1.5B), or as
    typed when that format would round one of them (8.25% is not 8.2%)."""
    from display.numbers import row_format
    from dsl.numbers import BadNumber, parse_number

    fmt = row_format(v.values, kind)
    shown = [fmt(x) for x in v.values]
    try:
        same = all(math.isclose(parse_number(t.replace(",", "").lstrip("-")), abs(x),
                                rel_tol=1e-12, abs_tol=1e-15)
                   for t, x in zip(shown, v.values))
    except BadNumber:
        same = False
    return shown if same else list(v.texts)


def _blocks(model, s) -> list[tuple[str | None, list[list[str]]]]:
    """(heading, grid) per table: one, or one per combination of the outer varies."""
    from display.kinds import AMOUNT, kinds
    from display.numbers import row_format

    kind = kinds(model)
    okind = kind.get(s.output.variable, AMOUNT)
    label = {id(v): _labels(model, v, kind.get(v.variable, AMOUNT)) for v in s.varies}
    every = [c for _, row in s.points() for c in _cells(s, row)]
    fmt = row_format(every, okind)  # one format across the table: digits line up
    varies = s.varies
    if s.output.period is None:  # one vary: a row per point, a column per period
        v = varies[0]
        head = [v.cell.label(model.axis), *model.labels]
        body = [[label[id(v)][j], *(fmt(c) for c in _cells(s, row))]
                for j, (_, row) in enumerate(s.points())]
        return [(None, [head, *body])]
    i = s.output.period
    if len(varies) == 1:
        v = varies[0]
        head = [v.cell.label(model.axis), s.output.label(model.axis)]
        return [(None, [head, *([label[id(v)][j], fmt(_one(s, row, i))]
                                for j, (_, row) in enumerate(s.points()))])]
    down, across = varies[-2], varies[-1]
    outer = varies[:-2]
    values = s.values.reshape(-1, len(down.values), len(across.values), s.values.shape[-1])
    out = []
    for k, idx in enumerate(np.ndindex(*(len(v.values) for v in outer))):
        heading = ", ".join(f"{v.cell.label(model.axis)} = {label[id(v)][j]}"
                            for v, j in zip(outer, idx)) or None
        corner = f"{down.cell.label(model.axis)} \\ {across.cell.label(model.axis)}"
        grid = [[corner, *label[id(across)]]]
        for r, name in enumerate(label[id(down)]):
            grid.append([name, *(fmt(_one(s, values[k, r, c], i))
                                 for c in range(len(across.values)))])
        out.append((heading, grid))
    return out


def _one(s, row: np.ndarray, i: int) -> float | None:
    return float(row[i]) if s.defined[i] else None


def to_table(model, s) -> str:
    lines = [_title(model, s)]
    for heading, grid in _blocks(model, s):
        lines.append("")
        if heading:
            lines.append(heading)
        lines += aligned(grid, left=(0,))
    return "\n".join(lines) + "\n"


def to_markdown(model, s) -> str:
    lines = [f"### {md_cell(_title(model, s))}"]
    for heading, grid in _blocks(model, s):
        lines.append("")
        if heading:
            lines += [f"_{md_cell(heading)}_", ""]
        lines.append(md_row([md_cell(c) for c in grid[0]]))
        lines.append(md_rule("l" + "r" * (len(grid[0]) - 1)))
        lines += [md_row([md_cell(c) for c in row]) for row in grid[1:]]
    return "\n".join(lines) + "\n"


RENDERERS = {"table": to_table, "csv": to_csv, "md": to_markdown}
