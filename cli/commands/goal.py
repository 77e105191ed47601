"""`scn goal`: the value of an input that makes an output cell hit a target.

    scn goal FILE 'optics_tam[2030] = 120B' --vary asic_share [--vary-year 2030]

Prints the solved value (or the shift added to every year), the input by
year, the re-evaluated output and a `--set` definition that reproduces it.
"""

from __future__ import annotations

import json

from cli import common
from cli.output import full_precision
from dsl.text import printable


def register(sub) -> None:
    p = sub.add_parser("goal")
    p.add_argument("file")
    p.add_argument("target", metavar="TARGET", help="e.g. 'optics_tam[2030] = 120B'")
    p.add_argument("--vary", required=True, metavar="NAME",
                   help="the input to solve for: NAME (the same shift in every year) or "
                   "NAME[YEAR] (one cell)")
    p.add_argument("--vary-year", metavar="YEAR", help="vary only this year of NAME (on a "
                   "quarterly or monthly model a period: 2026Q4, 2026-12)")
    common.scenario_options(p, ("table", "json"))
    p.set_defaults(run=run)


def run(args, texts) -> int:
    from engine.goal import goal_seek

    model, scenario, overrides = common.load_scenario(args, texts)
    texts.argument("TARGET", args.target)
    texts.argument("--vary", args.vary)
    if args.vary_year is not None:
        texts.argument("--vary-year", args.vary_year)
    g = goal_seek(model, args.target, args.vary, args.vary_year, scenario, overrides,
                  texts.by_source[args.file])
    text = _json(model, scenario, g) if args.format == "json" else printable(
        _table(model, scenario, g), keep="\n")  # for people: no terminal escape from a path
    common.write(text, args.output)
    return common.OK


def _json(model, scenario: str, g) -> str:
    doc = {"target": g.output.label(model.axis), "goal": g.target, "scenario": scenario,
           "vary": g.vary.label(model.axis),
           "value": g.value, "before": g.base, "shift": g.vary.whole,
           "values": {model.axis.label(i): v for i, v in enumerate(g.values) if v is not None},
           "achieved": g.achieved, "method": g.method, "detail": g.detail,
           "override": g.override}
    return json.dumps(doc, indent=2) + "\n"


def _table(model, scenario: str, g) -> str:
    """For people: the answer and the target with their units (`capex = 120.0B USD`,
    `asic_share = 42.3%`), a shift of a percentage in points, the row it moved."""
    from cli.output import unit_column
    from display.kinds import kinds
    from display.numbers import format_row, format_value

    kind = kinds(model)
    out_kind, in_kind = kind[g.output.variable], kind[g.vary.variable]
    cell, target = g.vary.label(model.axis), g.output.label(model.axis)

    def shown(v: float, k) -> str:
        return format_value(v, k, with_unit=True)

    lines = [f"goal: {target} = {shown(g.target, out_kind)}   (scenario {scenario})", ""]
    if g.vary.whole:
        sign = "+" if g.value >= 0 else "-"
        shift = shown(abs(g.value), in_kind)
        if in_kind == "percent":  # a shift of a percentage is in percentage points
            shift = f"{abs(g.value) * 100:,.2f}pp"
        word = model.axis.period_word
        every = (f"in every {word} and every member" if g.rows and not g.vary.members
                 else f"in every {word}")
        lines.append(f"  {cell} shifted by {sign}{shift} {every}   "
                     f"(exactly {full_precision(g.value)})")
    else:
        lines.append(f"  {cell} = {shown(g.value, in_kind)}, was "
                     f"{shown(g.base, in_kind)}   (exactly {full_precision(g.value)})")
    lines.append(f"  solved: {g.method}; {g.detail}")
    lines.append(f"  check: {target} re-evaluated = "
                 f"{shown(g.achieved, out_kind)} ({full_precision(g.achieved)})")
    lines.append("")
    years = list(model.axis.labels())
    labels = unit_column(model)  # a unit column, as scn run's table has, in a file with units
    unit = [labels[g.vary.variable]] if labels is not None else []
    if g.rows:  # with dims: a row per member moved (the first ROWS of them)
        lines += _member_rows(g, years, in_kind, unit)
    else:
        from cli.render import aligned

        grid = [["", *(["unit"] if unit else []), *years],
                [g.vary.variable, *unit, *format_row(g.values, in_kind)]]
        lines += [f"  {line}" for line in aligned(grid, left=(0, 1) if unit else (0,))]
    lines.append("")
    lines.append("reproduce it with:")
    sets = " ".join(f"--set '{d}'" for d in g.override.split("\n"))
    lines.append(f"  scn run {model.source} --scenario {scenario} {sets}")
    return "\n".join(lines) + "\n"


ROWS = 10  # member rows shown of a goal that moves every member


def _member_rows(g, years: list[str], kind, unit: list[str]) -> list[str]:
    from cli.render import aligned
    from display.numbers import format_row

    shown = g.rows[:ROWS]
    values = format_row([v for _, row in g.rows for v in row], kind)
    n = len(years)
    grid = [["", *(["unit"] if unit else []), *years]] + [
        [label, *unit, *values[k * n:(k + 1) * n]] for k, (label, _) in enumerate(shown)]
    out = [f"  {line}" for line in aligned(grid, left=(0, 1) if unit else (0,))]
    if len(g.rows) > ROWS:
        out.append(f"  ... and {len(g.rows) - ROWS:,} more members, moved alike")
    return out
