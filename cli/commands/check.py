"""`scn check`: every error in every file; a one-line summary for each good one.

Warnings (unit mismatches, hidden characters in comments) are printed and
counted in the summary; they leave the exit status 0, unless `--strict`
makes any warning fail the file (1).

The summary of a model with dims also counts its output rows (a row per
member combination) and names its dims with their sizes:
`m.scn: ok: 6 variables, 18 rows (dims: company 3, speed 2), 2 scenarios ...`.
"""

from __future__ import annotations

import sys

from cli import common
from dsl.errors import ScnError
from dsl.text import printable
from files.reading import UsageError


def register(sub) -> None:
    p = sub.add_parser("check")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--strict", action="store_true",
                   help="exit 1 when there is any warning (a unit mismatch, a hidden character)")
    p.set_defaults(run=run)


def run(args, texts) -> int:
    status = common.OK
    for path in args.files:
        try:
            model = common.load(path, texts, more_to_do=False)
        except ScnError as e:
            texts.report(e.diagnostics)
            n = sum(d.severity == "error" for d in e.diagnostics)
            print(printable(f"{path}: {n} error{'s' if n != 1 else ''}"), file=sys.stderr)
            status = max(status, common.MODEL_ERROR)
            continue
        except UsageError as e:
            print(printable(f"scn: error: {e}"), file=sys.stderr)
            status = common.USAGE_ERROR  # the worst outcome wins, as in scn fmt
            continue
        if args.strict and model.warnings:
            w = len(model.warnings)
            print(printable(f"{path}: {w} warning{'s' if w != 1 else ''} (--strict: "
                            f"{'each is an error' if w != 1 else 'an error'})"), file=sys.stderr)
            status = max(status, common.MODEL_ERROR)
            continue
        names = ", ".join(model.scenarios)
        n = len(model.scenarios)
        w = len(model.warnings)
        warned = f", {w} warning{'s' if w != 1 else ''}" if w else ""
        v = len(model.variables)
        print(printable(f"{path}: ok: {v} variable{'s' if v != 1 else ''}{_rows(model)}, {n} "
                        f"scenario{'s' if n != 1 else ''} ({names}), "
                        f"{model.axis.unit} {model.axis.range_label()}{warned}"))
    return status


def _rows(model) -> str:
    """`, 18 rows (dims: company 3, speed 2)` for a model with dims; "" without."""
    if not model.dims:  # cli.rows.has_dims, its module (5 ms) left unimported
        return ""
    from math import prod

    from cli.rows import dims_of

    n = sum(prod(len(model.dims[d].members) for d in dims_of(model, v)) for v in model.variables)
    sizes = ", ".join(f"{d.name} {len(d.members)}" for d in model.dims.values())
    return f", {n:,} row{'s' if n != 1 else ''} (dims: {sizes})"
