"""`scn diff OLD NEW`: which assumptions changed, and what they moved.

OLD and NEW are scenario files, `REV:PATH` read through git, or snapshot
`.toml` files; `--rev REV FILE` compares FILE with itself at REV. The report
has three parts: the assumptions that changed (per scenario layer, compared
as parsed), every moved output cell (grouped by variable, the variable with
the largest relative move first, with the assumptions that moved it), and a
summary line. Exit 0: nothing changed; 1: something did; 2: an error (what
can still be compared is shown).

`--by year` compares values rolled up to calendar years (`engine.rollup`):
a quarterly model with a yearly one, or with a snapshot written with
`scn snapshot --by year`. A rolled-up snapshot is compared with a quarterly
or monthly side only with `--by year`: scn refuses rather than rolls up on
its own, so that a report's columns are always what the command line says.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from cli import common
from cli.columns import BY_CHOICES
from cli.diff_cells import UNIT_HEAD, cell_rows, grid, head_of
from cli.render import md_cell, md_row, md_rule
from cli.snapshot import add_scenario_options
from dsl.text import printable
from files.reading import UsageError

FORMATS = ("table", "md", "json")  # the renderers: RENDERERS
MD_ROWS = 300  # a pull-request comment has a size limit; the full list stays in `scn diff`
MD_LARGEST = 30  # rows of the "largest move of each variable" table


def register(sub) -> None:
    p = sub.add_parser(
        "diff",
        usage="scn diff [options] OLD NEW\n       scn diff [options] --rev REV FILE",
        description="Which assumptions changed and which outputs they moved. Exit 0: no "
                    "change, 1: a change, 2: an error.")
    p.add_argument("files", nargs="*", metavar="FILE",
                   help="OLD and NEW: paths, REV:PATH (read through git) or snapshot .toml "
                        "files; with --rev, one FILE")
    p.add_argument("--rev", metavar="REV", help="compare FILE with itself at git revision REV")
    add_scenario_options(p)
    p.add_argument("--rtol", type=common.number, default=1e-9, metavar="R",
                   help="relative tolerance (default 1e-9)")
    p.add_argument("--atol", type=common.number, default=0.0, metavar="A",
                   help="absolute tolerance (default 0)")
    p.add_argument("--by", choices=BY_CHOICES, metavar="year",
                   help="compare quarters or months rolled up to calendar years")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("-o", "--output", metavar="OUT", help="write the report to OUT")
    # Exit 1 means "changed": every error, in a file or in the call, is 2.
    p.set_defaults(run=run, model_error=common.USAGE_ERROR)


# ---------------------------------------------------------------- reading both sides


@dataclass
class Side:
    """One side of the comparison: what could be read, parsed and evaluated."""

    label: str
    kind: str  # "scn" or "snapshot"
    document: object = None  # dsl.ast.Document; None for a snapshot
    model: object = None  # engine Model, when the file loads
    values: object = None  # engine.value_diff.Values, when it evaluates
    unparsed: set[str] = field(default_factory=set)  # variables on lines that did not parse
    parse_failed: bool = False  # a statement did not parse, or the file's shape is wrong
    errors: list = field(default_factory=list)
    results: dict = field(default_factory=dict)  # engine results by scenario, when evaluated
    warnings: list = field(default_factory=list)  # hidden characters in comments and titles


def run(args, texts) -> int:
    from cli.gitfiles import read_spec, read_working_at

    if args.rev is not None:
        if len(args.files) != 1:
            raise UsageError("--rev REV takes one FILE: scn diff --rev HEAD scenarios/model.scn")
        old_file, new_file = read_working_at(args.rev, args.files[0]), read_spec(args.files[0])
    elif len(args.files) == 2:
        old_file, new_file = read_spec(args.files[0]), read_spec(args.files[1])
    else:
        raise UsageError("give OLD and NEW (paths, REV:PATH or .toml snapshots), "
                         "or --rev REV FILE")
    if not (args.rtol >= 0 and args.atol >= 0):
        raise UsageError("--rtol and --atol must be zero or more")
    old, new = _side(old_file, texts), _side(new_file, texts)
    scenarios = _scenarios(args, old, new)
    # The same text twice: nothing can move, and nothing is evaluated.
    same = old.kind == new.kind == "scn" and old_file.text == new_file.text
    if not same:
        from engine.value_diff import values_of

        for side in (old, new):  # NEW is computed from OLD's results, where it differs
            if side.model is not None:
                side.values = values_of(side.model,
                                        [s for s in scenarios if s in side.model.scenarios],
                                        results=side.results,
                                        start=old.results if side is new else None)
    roll = _by_year(old, new) if args.by == "year" else None
    if roll is None:
        _refuse_rolled(old, new)
    report = _compare(old, new, scenarios, args.rtol, args.atol, same, roll)
    texts.report(old.warnings + new.warnings + old.errors + new.errors)
    common.write(RENDERERS[args.format](report, texts), args.output)
    if old.errors or new.errors:
        return common.USAGE_ERROR
    return common.MODEL_ERROR if report.changed else common.OK


def _side(file, texts) -> Side:
    from dsl.errors import ScnError
    from dsl.parser import failed_definitions
    from dsl.document import parse_document
    from engine import load_model

    texts.by_source[file.label] = file.text
    if file.path.endswith(".toml"):
        from cli.snapshot import read_snapshot

        side = Side(file.label, "snapshot")
        try:
            side.values, warnings = read_snapshot(file.text, file.label)
            texts.report(warnings)
        except ScnError as e:
            side.errors = list(e.diagnostics)
        return side
    side = Side(file.label, "scn")
    side.document, parse_errors = parse_document(file.text, file.label, collect=True)
    side.unparsed = failed_definitions(parse_errors)
    side.parse_failed = bool(parse_errors)
    try:
        side.model = load_model(file.text, file.label)
        side.warnings = list(side.model.warnings)
    except ScnError as e:
        side.errors = [d for d in e.diagnostics if d.severity == "error"]
        side.warnings = [d for d in e.diagnostics if d.severity != "error"]
    return side


def _by_year(old: Side, new: Side):
    """Roll both sides' values up to calendar years; the roll-up, for re-evaluations.

    A variable's aggregation is its model's (NEW's first); a snapshot of
    quarters or months takes the other side's, and cannot be rolled up alone
    (it does not say which rows are percentages)."""
    from cli.columns import aggregations_of
    from engine.rollup import values_by_year

    how: dict[str, str] = {}
    for side in (old, new):
        if side.model is not None:
            how.update(aggregations_of(side.model))
    for side in (old, new):
        if side.values is None or side.values.axis.yearly:
            continue
        if side.model is None and not how:
            raise UsageError(f"--by year: {side.label} is a snapshot of "
                             f"{side.values.axis.unit}, and a snapshot does not say which rows "
                             "are percentages (a mean, not a sum): write it rolled up, scn "
                             "snapshot --by year FILE -o OUT.toml, or compare it with a .scn file")
        side.values = values_by_year(side.values, how)
    return lambda values: values_by_year(values, how)


def _refuse_rolled(old: Side, new: Side) -> None:
    """A rolled-up snapshot beside quarters or months: compared only with --by year."""
    for side, other in ((old, new), (new, old)):
        if side.values is None or not side.values.rolled or other.values is None:
            continue
        if not other.values.axis.yearly:
            raise UsageError(f"{side.label} is rolled up by year (scn snapshot --by year) and "
                             f"{other.label} holds {other.values.axis.unit}: compare them by "
                             "year with scn diff --by year")


def _scenarios(args, old: Side, new: Side) -> list[str]:
    """--scenario S (known on either side), or every scenario of NEW, then OLD's others."""
    names: list[str] = []
    for side in (new, old):
        known = side.model.scenarios if side.model is not None else (
            side.values.scenarios if side.values is not None else ())
        names.extend(s for s in known if s not in names)
    if args.scenario is None:
        return names
    if names and args.scenario not in names:
        from engine.uses import suggest

        hint = suggest(args.scenario, names, loose=True)
        raise UsageError(f"unknown scenario '{args.scenario}' "
                         f"({hint + ' ' if hint else ''}scenarios: {', '.join(names)})")
    return [args.scenario]


# ---------------------------------------------------------------- comparing


@dataclass
class Report:
    old: Side
    new: Side
    rtol: float
    atol: float
    changes: tuple = ()  # engine.compare.DefinitionChange, numbered [1], [2], ... in reports
    structure: tuple[str, ...] = ()  # header and scenario changes (titles, years, extends, ...)
    values_structure: bool = False  # of those, any that can move values (not a title)
    notes: list[str] = field(default_factory=list)  # what was not compared, and why
    values: object = None  # engine.value_diff.ValueDiff
    attribution: object = None  # engine.attribution.Attribution

    @property
    def changed(self) -> bool:
        return bool(self.changes or self.structure or (self.values and self.values.cells))


def _compare(old: Side, new: Side, scenarios: list[str], rtol: float, atol: float,
             same: bool = False, roll=None) -> Report:
    from engine.attribution import Attribution, attribute, reevaluation
    from engine.compare import compare_documents
    from engine.value_diff import ValueDiff, compare_values

    report = Report(old, new, rtol, atol)
    if old.document is not None and new.document is not None:
        diff = compare_documents(old.document, new.document, sorted(old.unparsed | new.unparsed))
        report.changes, report.structure = diff.changes, diff.titles + diff.notes
        report.values_structure = bool(diff.notes)
    else:
        snaps = " and ".join(s.label for s in (old, new) if s.kind == "snapshot")
        report.notes.append(f"{snaps}: a snapshot holds values only; assumptions not compared")
    for which, side in (("OLD", old), ("NEW", new)):
        if side.errors:
            what = "does not parse" if side.parse_failed else "has errors"
            partial = " (the definitions that parse are)" if side.document is not None else ""
            report.notes.append(f"{which} {side.label} {what}: values not compared{partial}")
    if same and old.model is not None:
        model = old.model
        axis = model.axis
        if roll is not None and not axis.yearly:
            from engine.axis import TimeAxis

            axis = TimeAxis.of_years(axis.first_year, axis.last_year)
        report.values = ValueDiff((), axis,
                                  tuple(s for s in scenarios if s in model.scenarios), ())
        report.attribution = Attribution("none", axis, (), ())
        return report
    if old.values is None or new.values is None:
        return report
    report.values = compare_values(old.values, new.values, rtol, atol, scenarios)
    report.notes.extend(report.values.notes)
    report.notes.extend(_partial_notes(old, new))
    effect = None
    # OLD with one change of NEW applied means nothing when the time axis changed unit
    same_unit = new.model is None or old.model is None or \
        new.model.axis.unit == old.model.axis.unit
    if old.model is not None and report.changes and same_unit:
        effect = reevaluation(old.document, old.values, report.changes,
                              list(report.values.scenarios), old.results, roll)
    report.attribution = attribute(report.changes, report.values, old.values.axis, effect,
                                   exact_ok=not report.values_structure)
    return report


def _partial_notes(old: Side, new: Side) -> list[str]:
    """Rolled up: the years a side covers only in part (their sums hold fewer periods)."""
    out = []
    for which, side in (("OLD", old), ("NEW", new)):
        v = side.values
        if v is not None and v.rolled and v.partial:
            out.append(f"{which} rolled up from {v.rolled}; partial years (only the "
                       f"{v.rolled} {which} has): {', '.join(map(str, v.partial))}")
    return out


# ---------------------------------------------------------------- words and numbers


def summary(report: Report) -> str:
    n = len(report.changes)
    parts = []
    if report.old.document is not None and report.new.document is not None:
        parts.append(f"{n} assumption{'s' if n != 1 else ''} changed")
    if report.structure:
        parts.append("; ".join(report.structure))
    if report.values is None:
        parts.append("values not compared")
    else:
        cells = report.values.cells
        m = len({c.variable for c in cells})
        moved_text = f"{m} variable{'s' if m != 1 else ''} moved"
        if cells:
            moved_text += f" ({len(cells)} cell{'s' if len(cells) != 1 else ''})"
            periods = sorted({c.cell.period for c in cells})  # as ranges: 2025..2027, 2030
            moved_text += f", years {report.values.axis.span_label(periods)} affected"
        parts.append(moved_text)
    return ", ".join(parts)


def _line(change) -> str:
    if change.kind == "added":
        return f"added, line {change.new.line}"
    if change.kind == "removed":
        return f"removed, was line {change.old.line}"
    a, b = change.old.line, change.new.line
    return f"line {a}" if a == b else f"line {a} -> {b}"


def _method(report: Report) -> str | None:
    att = report.attribution
    if att is None or att.method == "none":
        return None
    if att.exact:
        return "Every move comes from the one changed assumption, [1]."
    return ("'from': each changed assumption applied alone to OLD. With several changes this "
            "is an estimate of each one's share; 'interaction' is what they do only together.")


def _failures(report: Report) -> list[str]:
    att = report.attribution
    if att is None:
        return []
    return [f"[{i + 1}] could not be evaluated alone: {why}"
            for i, why in enumerate(att.failures) if why]


# ---------------------------------------------------------------- table (the terminal)


def table(report: Report, texts) -> str:
    """For the terminal: every label, title and definition with hidden characters escaped."""
    out = [f"scn diff {report.old.label} {report.new.label}", summary(report)]
    if report.changes:
        out += ["", "Assumptions changed"]
        for i, c in enumerate(report.changes, 1):
            out.append(f"  [{i}] {c.layer}: {c.label}  ({_line(c)})")
            if c.old is not None:
                out.append(f"      - {c.old.text}")
            if c.new is not None:
                out.append(f"      + {c.new.text}")
    notes = report.notes + _failures(report)
    if notes:
        out += ["", *(f"note: {n}" for n in notes)]
    if report.values is not None and report.values.cells:
        out += ["", "Values moved"]
        method = _method(report)
        if method:
            out.append(method)
        out += grid(cell_rows(report), head_of(report), indent="  ")
    return "\n".join(printable(line) for line in out) + "\n"


# ---------------------------------------------------------------- Markdown (a PR comment)


def _md(text: str) -> str:
    return md_cell(printable(text))


def markdown(report: Report, texts) -> str:
    out = [f"### scn diff `{_md(report.old.label)}` → `{_md(report.new.label)}`", "",
           f"**{_md(summary(report))}**", ""]
    if report.changes:
        out += [md_row(["#", "scenario", "assumption", "line", "old", "new"]), md_rule("llllll")]
        for i, c in enumerate(report.changes, 1):
            old = f"`{_md(c.old.text)}`" if c.old else ""
            new = f"`{_md(c.new.text)}`" if c.new else ""
            out.append(md_row([str(i), c.layer, _md(c.label), _line(c), old, new]))
        out.append("")
    # The warnings too: a reviewer reading the pull request must see a hidden character.
    errors = [texts.render(d) for d in _diagnostics(report)]
    if errors:
        out += ["```", *errors, "```", ""]
    out += [f"> {_md(n)}" for n in report.notes + _failures(report)]
    if report.notes or _failures(report):
        out.append("")
    if report.values is None or not report.values.cells:
        return "\n".join(out).rstrip("\n") + "\n"
    columns = head_of(report)
    head = md_row(columns)
    rule = md_rule("lllrrrrrl" if columns == UNIT_HEAD else "llrrrrrl")
    largest = cell_rows(report, only_largest=True)
    # a variable with dims moves per member: its rows (capex[goog]) are listed each
    unit = "row" if any(c.cell.members for c in report.values.cells) else "variable"
    out += [f"**Largest move of each {unit}**", "", head, rule,
            *(_md_row(r) for r in largest[:MD_LARGEST]), ""]
    if len(largest) > MD_LARGEST:
        out += [f"{len(largest) - MD_LARGEST} more {unit}s moved less: see all cells below.", ""]
    method = _method(report)
    if method:
        out += [f"_{method}_", ""]
    rows = cell_rows(report)
    out += [f"<details><summary>All {len(report.values.cells)} moved cells</summary>", "",
            head, rule, *(_md_row(r) for r in rows[:MD_ROWS]), ""]
    if len(rows) > MD_ROWS:
        out += [f"{len(rows) - MD_ROWS} more rows: run `scn diff` locally for all of them.", ""]
    out += ["</details>", ""]
    return "\n".join(out)


def _diagnostics(report: Report) -> list:
    return report.old.warnings + report.new.warnings + report.old.errors + report.new.errors


def _md_row(row: list[str]) -> str:
    return md_row([_md(x) for x in row])


# ---------------------------------------------------------------- JSON (for tools)


def json_text(report: Report, texts) -> str:
    from cli.output import json_value

    doc: dict = {"old": report.old.label, "new": report.new.label, "summary": summary(report),
                 "changed": report.changed, "structure": list(report.structure),
                 "notes": report.notes + _failures(report),
                 "errors": [texts.render(d) for d in report.old.errors + report.new.errors],
                 "warnings": [texts.render(d) for d in report.old.warnings + report.new.warnings],
                 "attribution": report.attribution.method if report.attribution else "none"}
    doc["assumptions"] = [
        {"id": i, "kind": c.kind, "scenario": c.layer, "variable": c.name, "assumption": c.label,
         "old": {"text": c.old.text, "line": c.old.line} if c.old else None,
         "new": {"text": c.new.text, "line": c.new.line} if c.new else None}
        for i, c in enumerate(report.changes, 1)]
    cells = []
    att = report.attribution
    for c in (report.values.cells if report.values is not None else ()):
        year = report.values.year(c) if report.values.axis.yearly else report.values.label(c)
        cell = {"scenario": c.scenario, "variable": c.row, "year": year,
                "old": json_value(c.old), "new": json_value(c.new),
                "change": json_value(c.delta), "relative": json_value(c.relative)}
        if att is not None and att.exact:
            cell["from"] = [{"assumption": 1, "change": json_value(c.delta)}]
        elif att is not None and att.method != "none":
            cell["from"] = [{"assumption": i + 1, "change": json_value(d)}
                            for i, d in att.shares(c, report.rtol, report.atol)]
        cells.append(cell)
    doc["values"] = cells
    return json.dumps(doc, indent=2) + "\n"


RENDERERS = {"table": table, "md": markdown, "json": json_text}
