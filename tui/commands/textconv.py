"""`scn textconv FILE`: the file, then its evaluated outputs, as stable text for git.

With `*.scn diff=scn` in .gitattributes and
`git config diff.scn.textconv 'scn textconv'`, `git diff` and `git log -p`
compare this text instead of the raw file: the edited lines show as usual,
and below them every output row whose value moved. One row per scenario and
variable, fixed-width columns, so a moved value changes its row and nothing
else. A file that does not load still prints (with its errors): git must
always get text back, or it stops the whole diff.
"""

from __future__ import annotations

from tui import common
from tui.snapshot import add_scenario_options

RULE = "# ---- scn textconv: values computed from the file above (not part of the file) ----"
WIDTH = 10  # fixed value columns: a wider value must not shift every other row


def register(sub) -> None:
    p = sub.add_parser("textconv", help="the file and its outputs as text, for git diff")
    p.add_argument("file")
    add_scenario_options(p)
    p.set_defaults(run=run)


def run(args, texts) -> int:
    from dsl.errors import ScnError
    from engine import load_model
    from engine.compare import values_of
    from tui.loader import TooLarge, read_text

    out: list[str] = []
    try:
        text = read_text(args.file)
        texts.by_source[args.file] = text
        out += [text.rstrip("\n"), "", RULE]
        model = load_model(text, args.file)
        from tui.snapshot import chosen_scenarios

        out += outputs(model, values_of(model, chosen_scenarios(model, args)))
    except TooLarge as e:  # git stops the whole diff when textconv fails: answer with a note
        out += [f"# scn textconv: not shown: {e}"]
    except ScnError as e:
        out += ["# the file does not evaluate:"]
        out += ["# " + line for d in e.diagnostics for line in texts.render(d).splitlines()]
    common.write("\n".join(out) + "\n", None)
    return common.OK


def outputs(model, values) -> list[str]:
    """A row per scenario and variable: the values per year, formatted for reading."""
    from tui.numbers import format_value, kinds

    kind = kinds(model)
    sw = max(len("scenario"), *(len(s) for s in values.scenarios))
    vw = max(len("variable"), *(len(v) for v in values.variables)) if values.variables else 8
    rows = ["scenario".ljust(sw) + "  " + "variable".ljust(vw)
            + "".join(str(y).rjust(WIDTH) for y in values.years)]
    for scenario, table in values.scenarios.items():
        for v in values.variables:
            cells = "".join(format_value(x, kind[v]).rjust(WIDTH) for x in table[v])
            rows.append((scenario.ljust(sw) + "  " + v.ljust(vw) + cells).rstrip())
    return rows
