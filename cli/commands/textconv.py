"""`scn textconv FILE`: the file, then its evaluated outputs, as stable text for git.

With `*.scn diff=scn` in .gitattributes and
`git config diff.scn.textconv 'scn textconv'`, `git diff` and `git log -p`
compare this text instead of the raw file: the edited lines show as usual,
and below them every output row whose value moved. One row per scenario and
output row (a variable, or one member combination of a variable with dims:
`capex[goog]`), fixed-width columns, so a moved value changes its row and
nothing else. A file that does not load still prints (with its errors): git must
always get text back, or it stops the whole diff.

Each row ends with a fingerprint of its exact values (`#3f2a91`, the start
of a SHA-256 of their shortest round-trip text). The values are shown for
reading, at one decimal count per row; a move smaller than that (20.0% to
20.04%) would leave the row as it was and a reviewer would miss it. The
fingerprint changes with any value, so the row shows in the diff, and
`scn diff` says by how much. More digits on every value could not promise
that (a move of 1e-9 needs 10 of them) and would make every row wide.

The file is shown as git and scn read it, line by line, with hidden
characters escaped (`\\u2028`, `\\x1b`), and warnings about them come first
under the rule: a definition hidden in a comment, or an escape sequence,
must show in the diff a reviewer reads.
"""

from __future__ import annotations

from cli import common
from cli.snapshot import add_scenario_options
from dsl.text import split_lines

RULE = "# ---- scn textconv: values computed from the file above (not part of the file) ----"
LEGEND = ("# 'exact' fingerprints each row's exact values: it changes when any value does, "
          "even below the shown decimals")
WIDTH = 10  # fixed value columns: a wider value must not shift every other row


def register(sub) -> None:
    p = sub.add_parser("textconv")
    p.add_argument("file")
    add_scenario_options(p)
    p.set_defaults(run=run)


def run(args, texts) -> int:
    from dsl.errors import ScnError
    from dsl.text import printable
    from engine import load_model
    from engine.value_diff import values_of
    from files.reading import TooLarge, read_text

    out: list[str] = []
    try:
        text = read_text(args.file)
        texts.by_source[args.file] = text
        out += [printable(line, keep="\t") for line in split_lines(text)]
        out += ["", RULE]
        model = load_model(text, args.file)
        from cli.snapshot import chosen_scenarios

        out += _comments(texts, model.warnings)
        out += [LEGEND, *outputs(model, values_of(model, chosen_scenarios(model, args)))]
    except TooLarge as e:  # git stops the whole diff when textconv fails: answer with a note
        out += [f"# scn textconv: not shown: {e}"]
    except ScnError as e:
        out += ["# the file does not evaluate:"]
        out += _comments(texts, e.diagnostics)
    common.write("\n".join(out) + "\n", None)
    return common.OK


def _comments(texts, diagnostics) -> list[str]:
    """Diagnostics as they print on stderr, each line a `#` comment."""
    return ["# " + line for d in diagnostics for line in texts.render(d).split("\n")]


def outputs(model, values) -> list[str]:
    """A row per scenario and output row (`capex`, `capex[goog]`): the values per period,
    formatted for reading; a file with annotations has a unit column after the
    variable, as `scn run` (the unit of a currency, count or other unit; blank for %,
    x and plain numbers, which show their own sign)."""
    from cli.output import unit_column
    from display.kinds import kinds
    from display.numbers import format_row
    from engine.value_diff import split_row

    kind = kinds(model)
    labels = unit_column(model)
    sw = max(len("scenario"), *(len(s) for s in values.scenarios))
    vw = max(len("variable"), *(len(v) for v in values.variables)) if values.variables else 8
    uw = max(len("unit"), *map(len, labels.values())) if labels else 0
    unit_head = "  " + "unit".ljust(uw) if labels is not None else ""
    rows = ["scenario".ljust(sw) + "  " + "variable".ljust(vw) + unit_head
            + "".join(y.rjust(WIDTH) for y in values.axis.labels()) + "  exact"]
    for scenario, table in values.scenarios.items():
        for v in values.variables:
            name = split_row(v)[0]
            cells = "".join(x.rjust(WIDTH) for x in format_row(table[v], kind[name]))
            shown = "  " + labels[name].ljust(uw) if labels is not None else ""
            rows.append(scenario.ljust(sw) + "  " + v.ljust(vw) + shown + cells
                        + "  #" + fingerprint(table[v]))
    return rows


def fingerprint(values) -> str:
    """Six hex digits that change whenever any of `values` does (-0 is 0, NaN is NaN)."""
    import hashlib

    from cli.output import full_precision

    exact = ",".join(full_precision(None if v is None else v + 0.0) for v in values)
    return hashlib.sha256(exact.encode()).hexdigest()[:6]
