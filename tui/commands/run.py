"""`scn run`: evaluate a file and print its values as a table, CSV, JSON or Markdown."""

from __future__ import annotations

from tui import common


def register(sub) -> None:
    p = sub.add_parser("run", help="evaluate a scenario file and print its values")
    p.add_argument("file")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--scenario", default="base", help="scenario to run (default: base)")
    which.add_argument("--all-scenarios", action="store_true", help="run base and every scenario")
    p.add_argument("--set", action="append", default=[], metavar="DEFINITION",
                   help="override, e.g. --set 'asic_share[2030] = 55%%' (repeatable)")
    p.add_argument("--vars", help="only these variables, comma-separated")
    p.add_argument("--format", choices=("table", "csv", "json", "md"), default="table")
    p.add_argument("-o", "--output", metavar="OUT", help="write to OUT instead of stdout")
    p.set_defaults(run=run)


def run(args, texts) -> int:
    from engine import evaluate
    from tui import output

    model = common.load(args.file, texts)
    variables = common.variables(model, args.vars)
    scenarios = common.scenarios(model, args)
    overrides = common.overrides(model, texts, args.set)
    runs, warnings = [], []
    for name in scenarios:
        result = evaluate(model, name, overrides)
        runs.append((name, {v: result.series(v) for v in variables}))
        warnings.extend(w for w in result.warnings if w not in warnings)
    if args.format == "csv":
        text = output.to_csv(model, runs, variables, with_scenario=args.all_scenarios)
    elif args.format == "json":
        text = output.to_json(model, runs, variables)
    elif args.format == "md":
        text = output.to_markdown(model, runs, variables)
    else:
        text = output.to_table(model, runs, variables)
    texts.report(warnings)
    common.write(text, args.output)
    return common.OK
