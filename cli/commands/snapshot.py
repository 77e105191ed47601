"""`scn snapshot`: every output as TOML, to commit beside the scenario file."""

from __future__ import annotations

from cli import common
from cli.columns import BY_CHOICES
from cli.snapshot import add_scenario_options, chosen_scenarios


def register(sub) -> None:
    p = sub.add_parser("snapshot")
    p.add_argument("file")
    add_scenario_options(p)
    p.add_argument("--by", choices=BY_CHOICES, metavar="year",
                   help="roll quarters or months up to calendar years (keys are plain years)")
    p.add_argument("-o", "--output", metavar="OUT.toml", help="write to OUT.toml, not stdout")
    p.set_defaults(run=run)


def run(args, texts) -> int:
    from cli.snapshot import snapshot_text
    from engine.value_diff import values_of

    model = common.load(args.file, texts)
    warnings: list = []
    values = values_of(model, chosen_scenarios(model, args), warnings)
    if args.by == "year":
        from cli.columns import aggregations_of
        from engine.rollup import values_by_year

        values = values_by_year(values, aggregations_of(model))
    texts.report(warnings)
    common.write(snapshot_text(model.title, values), args.output)
    return common.OK
