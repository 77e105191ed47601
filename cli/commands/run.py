"""`scn run`: evaluate a file and print its values as a table, CSV, JSON, Markdown or Parquet.

A variable with dims prints a row per member combination (`capex[goog]`);
`--vars` takes variables and rows (`capex,na_capex`, `'capex[goog]'`).
`--long` writes a row per scenario, row and year (`scenario, variable,
year, value`, with a column per dim before `year` when the model has dims)
instead of a row per variable: the layout notebooks and BI tools load
directly. Parquet is binary, so it needs `-o OUT.parquet`.

`--by year` rolls a quarterly or monthly model up to calendar years (see
`cli.columns`): sums, means for percentages, partial years marked; a yearly
model prints exactly as without it.
"""

from __future__ import annotations

import io

from cli import common
from cli.columns import BY_CHOICES
from files.reading import UsageError
from files.writing import write_file

FORMATS = ("table", "csv", "json", "md", "parquet")


def register(sub) -> None:
    p = sub.add_parser("run")
    p.add_argument("file")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--scenario", default="base", help="scenario to run (default: base)")
    which.add_argument("--all-scenarios", action="store_true", help="run base and every scenario")
    p.add_argument("--set", action="append", default=[], metavar="DEFINITION",
                   help="override, e.g. --set 'asic_share[2030] = 55%%' (repeatable)")
    p.add_argument("--vars", help="only these variables or rows, comma-separated: "
                   "capex,na_capex or 'capex[goog],na_capex'")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("--by", choices=BY_CHOICES, metavar="year",
                   help="roll quarters or months up to calendar years (sum; mean for a "
                   "percentage); a yearly model is unchanged")
    p.add_argument("--long", action="store_true",
                   help="a row per scenario, variable and year (csv, json, md, parquet)")
    p.add_argument("-o", "--output", metavar="OUT", help="write to OUT instead of stdout")
    p.set_defaults(run=run)


def run(args, texts) -> int:
    if args.long and args.format == "table":
        raise UsageError("--long needs --format csv, json, md or parquet")
    if args.format == "parquet" and args.output is None:
        raise UsageError("parquet is binary: give a file with -o OUT.parquet")
    model = common.load(args.file, texts)
    with common.without_cycle_collector():
        return _run(args, texts, model)


def _run(args, texts, model) -> int:
    from cli import output
    from cli.rows import select, table_of
    from engine import evaluate

    from cli.columns import Columns, by_year, wants_by_year

    rows = select(model, args.vars)
    scenarios = common.scenarios(model, args)
    overrides = common.overrides(model, texts, args.set)
    if args.long:
        output.long_columns(model)  # a dim named like a column: refused before any work
    runs, warnings = [], []
    for name in scenarios:
        result = evaluate(model, name, overrides)
        runs.append(table_of(result, rows, name))
        warnings.extend(w for w in result.warnings if w not in warnings)
    texts.report(warnings)
    columns = Columns.of(model)
    if wants_by_year(model, args.by):
        columns, runs = by_year(model, runs, rows)
    if args.format == "parquet":
        frame = (output.long_frame if args.long else output.wide_frame)(model, runs, rows,
                                                                         columns)
        # the long frame has a unit column; the wide one says its columns' units here
        metadata = None if args.long else output.parquet_metadata(model, rows)
        _write_parquet(frame, args.output, metadata)
        return common.OK
    render = (output.LONG_RENDERERS if args.long else output.RENDERERS)[args.format]
    common.write(render(model, runs, rows, with_scenario=args.all_scenarios, columns=columns),
                 args.output)
    return common.OK


def _write_parquet(frame, path: str, metadata: dict[str, str] | None = None) -> None:
    """Parquet bytes, complete in memory, then written by the one writer (as text is)."""
    buffer = io.BytesIO()
    frame.write_parquet(buffer, metadata=metadata)
    write_file(path, buffer.getvalue())
