"""`scn sens`: what moves an output, and by how much.

    scn sens FILE OUTPUT                      # tornado over every input OUTPUT reads
    scn sens FILE OUTPUT --wrt asic_share     # d OUTPUT / d asic_share: formula and numbers by year

sympy is imported inside `run`: `scn run` and `scn check` never load it.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from cli import common
from cli.output import full_precision
from cli.render import aligned, md_row, md_rule
from dsl.text import printable
from engine.axis import label_of

if TYPE_CHECKING:  # sympy and polars are imported when a report is made, not to register
    from engine.api import Overrides
    from engine.model import Model
    from engine.tornado import TornadoRow

BAR = 20  # characters on each side of the tornado's axis
TOP = 20  # tornado rows in a table unless --top says otherwise (an input per member adds up)
FORMATS = ("table", "csv", "json", "md")  # of both reports: TORNADO and DERIVATIVES


def register(sub) -> None:
    p = sub.add_parser("sens")
    p.add_argument("file")
    p.add_argument("cell", metavar="OUTPUT", help="the output: a variable, or a cell such as "
                   "'optics_tam[2030]'")
    p.add_argument("--wrt", action="append", default=[], metavar="NAME",
                   help="differentiate with respect to NAME (every year moves by the same "
                   "amount) or NAME[YEAR] (one cell); repeatable")
    p.add_argument("--year", help="the output's period: a year, or on a quarterly or monthly "
                   "model a label such as 2026Q4 or 2026-12 (default: the last period)")
    p.add_argument("--pct", default="10", help="tornado: scale each input by -/+ this many "
                   "percent (default: 10)")
    p.add_argument("--top", type=common.count, metavar="N",
                   help=f"tornado: show the N inputs that move the output most (default "
                   f"{TOP} in a table, every input in csv and json)")
    p.add_argument("--inline", action="store_true",
                   help="write the formula in inputs only (inline every computed variable)")
    common.scenario_options(p, FORMATS)
    p.set_defaults(run=run)


def run(args, texts) -> int:
    from engine.trace import cell

    if args.top is not None and args.top < 1:
        raise common.UsageError(f"--top: expected 1 or more, not {args.top}")
    model, scenario, overrides = common.load_scenario(args, texts)
    texts.argument("OUTPUT", args.cell)
    if args.year is not None:
        texts.argument("--year", args.year)
    y = cell(model, args.cell, "OUTPUT", args.year)
    if args.wrt:
        text = _derivatives(model, texts, args, y, scenario, overrides)
    else:
        text = _tornado(model, args, y, scenario, overrides)
    if args.format in ("table", "md"):  # for people: no terminal escape from a file path
        text = printable(text, keep="\n")
    common.write(text, args.output)
    return common.OK


# ---------------------------------------------------------------- tornado


def _pct(text: str) -> float:
    raw = text.strip().removesuffix("%")
    try:
        value = common.number(raw)
    except argparse.ArgumentTypeError:
        value = float("nan")
    if not 0 < value < 100:
        raise common.UsageError(f"--pct: expected a percentage between 0 and 100, not '{text}'")
    return value / 100


def _tornado(model, args, y, scenario, overrides) -> str:
    from display.kinds import kinds, zero_steps
    from engine.tornado import tornado

    from engine.trace import Cell

    pct = _pct(args.pct)
    year = y.year if y.year is not None else model.axis.end  # the last period (year)
    kind = kinds(model)
    top = args.top if args.top is not None else (TOP if args.format in ("table", "md") else None)
    # An input that is 0 everywhere cannot be scaled: it moves by one point
    # when it reads as a percentage, else by one unit (as in the UI).
    output = str(Cell(y.name, None, y.members))  # a member cell: capex[goog]
    rows = tornado(model, output, year, scenario, overrides, pct, zero_step=zero_steps(kind),
                   top=top)
    shown = rows if top is None else rows[:top]
    return TORNADO[args.format](Tornado(model, overrides, kind, y.name, year, scenario, pct, shown,
                                        y.members, len(rows) - len(shown)))


@dataclass(frozen=True)
class Tornado:
    """The report `scn sens OUTPUT` renders: the output's cell and its ranked inputs."""

    model: Model
    overrides: Overrides | None
    kind: dict  # each variable's display style (display.kinds)
    output: str
    year: int
    scenario: str
    pct: float
    rows: list[TornadoRow]  # the largest swing first (the first --top of them)
    members: tuple[str, ...] = ()  # of the output cell (a variable with dims)
    more: int = 0  # rows left out by --top

    @property
    def period(self) -> str:
        """The output's period as the model names it: `2030`, `2026Q4`, `2026-12`."""
        axis = self.model.axis
        return axis.label(axis.index(self.year))

    @property
    def when(self) -> int | str:
        """The period for csv and json: the year as a number, else its label."""
        return self.year if self.model.axis.yearly else self.period

    @property
    def cell(self) -> str:
        """The output cell as a user writes it: optics_tam[2030], capex[goog, 2026Q4]."""
        return ", ".join([*self.members, self.period]).join((f"{self.output}[", "]"))

    @property
    def label(self) -> str:
        """The output as the csv and json name it: optics_tam, capex[goog]."""
        return f"{self.output}[{', '.join(self.members)}]" if self.members else self.output


def _tornado_csv(t: Tornado) -> str:
    output, year, rows = t.label, t.when, t.rows
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["output", "year", "input", "base_value", "derivative", "estimate_low",
                "estimate_high", "exact_low", "exact_high", "shift", "range_low", "range_high"])
    for r in rows:
        exact = (r.exact_low, r.exact_high) if r.exact else (None, None)  # not re-evaluated
        ends = r.range if r.range is not None else (None, None)  # a distribution's 5-95%
        w.writerow([output, year, r.input, full_precision(r.base_value),
                    *(full_precision(v) for v in (r.derivative, r.estimate_low, r.estimate_high,
                                                  *exact, r.shift, *ends))])
    return buf.getvalue()


def _tornado_json(t: Tornado) -> str:
    output, year, scenario, pct, rows = t.label, t.when, t.scenario, t.pct, t.rows
    doc = {
        "output": output, "year": year, "scenario": scenario, "pct": pct,
        "value": rows[0].output_value if rows else None,
        "rows": [{"input": r.input, "base_value": _js(r.base_value), "derivative": _js(r.derivative),
                  "estimate_low": _js(r.estimate_low), "estimate_high": _js(r.estimate_high),
                  "exact_low": _js(r.exact_low) if r.exact else None,
                  "exact_high": _js(r.exact_high) if r.exact else None,
                  "shift": r.shift,
                  "range": None if r.range is None else [_js(v) for v in r.range]}
                 for r in rows],
    }
    if t.more:
        doc["more"] = t.more
    return json.dumps(doc, indent=2) + "\n"


def _js(v):
    return v if v is None or v == v and abs(v) != float("inf") else full_precision(v)


def _tornado_for_people(t: Tornado, markdown: bool) -> str:
    """The table (the terminal, with bars) or Markdown. Values stand without a unit
    column, so each carries its unit (`85.1B USD`); a derivative's unit is the
    output's over the input's (`display.styles.style_of_ratio`)."""
    from display.kinds import PLAIN
    from display.numbers import format_value, row_format
    from display.styles import style_of_ratio
    from engine import evaluate
    from engine.unit_check import units

    kind, output, year, scenario, pct, rows = t.kind, t.output, t.year, t.scenario, t.pct, t.rows
    if not rows:
        return f"{t.cell} reads no input in scenario {scenario}: nothing to rank\n"
    # an input's base value, and the output's, read as their rows do in `scn run`
    result = evaluate(t.model, scenario, t.overrides)
    base_format = {v: row_format(_all_values(t.model, result, v), kind[v])
                   for v in {output, *(r.input.split("[")[0] for r in rows)}}
    p = f"{pct * 100:g}%"
    okind = kind[output]
    unit = units(t.model)

    def base_kind(label: str):
        return kind.get(label.split("[")[0], PLAIN)

    def derivative(r) -> str:
        style = style_of_ratio(unit.get(output), unit.get(r.input.split("[")[0]))
        return format_value(r.derivative, style, with_unit=True)
    head = ["input", "base", "d/d input", f"-{p} est", f"-{p} exact", f"+{p} est",
            f"+{p} exact"]
    body = [[r.input + (" *" if r.shift is not None else " ~" if r.range is not None else ""),
             base_format[r.input.split("[")[0]].text(r.base_value),
             derivative(r), *_changes(r, okind)] for r in rows]
    title = (f"Tornado: {t.cell} = {base_format[output].text(rows[0].output_value)}, "
             f"scenario {scenario}; each input scaled by -{p} and +{p}"
             + ("; ~ across its 5-95% range" if any(r.range for r in rows) else ""))
    if markdown:
        lines = [f"### {title}", "", md_row(head), md_rule("l" + "r" * (len(head) - 1))]
        lines += [md_row(r) for r in body]
        lines += _more(t, prefix="\n")
        return "\n".join(lines + _shift_notes(rows, p, base_kind, t.model.axis.period_word,
                                              prefix="\n")
                         + _range_notes(rows, p, base_kind, prefix="\n")) + "\n"
    scale = max((max(abs(r.exact_low), abs(r.exact_high)) for r in rows
                 if r.swing != float("inf")), default=0.0)
    grid = [head + [""]] + [b + [_bar(r, scale)] for b, r in zip(body, rows)]
    lines = [title, "", *aligned(grid, left=(0, len(head)))]  # the bars, drawn from the left
    lines += _more(t)
    lines += ["", f"bars: exact change of {t.cell}; '=' input -{p}, '#' input +{p}; "
                  "est = first order, from the exact derivative"]
    lines += _shift_notes(rows, p, base_kind, t.model.axis.period_word)
    lines += _range_notes(rows, p, base_kind)
    if not math.isfinite(rows[0].output_value):
        lines.append(f"note: {t.cell} is not a finite number: its changes are not "
                     "meaningful (a division by zero?)")
    return "\n".join(lines) + "\n"


def _more(t: Tornado, prefix: str = "") -> list[str]:
    """The line that says how many inputs --top left out."""
    if not t.more:
        return []
    n = len(t.rows) + t.more
    return [f"{prefix}... and {t.more:,} more input{'s' if t.more > 1 else ''} that move it less "
            f"(--top {n} shows all {n:,})"]


def _all_values(model, result, v: str) -> list:
    """A variable's values as `scn run` shows its rows: every member's, with dims."""
    if not (getattr(model, "dims_of", None) or {}).get(v):
        return result.series(v)
    return [x for _, _, row in result.rows([v]) for x in row]


def _changes(r, kind) -> list[str]:
    """The four changes of a row, signed, with one number of decimals (pp for a percentage)."""
    from display.numbers import change_format

    values = (r.estimate_low, r.exact_low, r.estimate_high, r.exact_high)
    fmt = change_format(values, kind)
    return [fmt(v) for v in values]


def _shift_notes(rows, p: str, base_kind, word: str = "year", prefix: str = "") -> list[str]:
    """The footnote of the rows marked '*': moved by a step, not scaled."""
    from display.kinds import PERCENT

    moved = []
    for r in rows:
        if r.shift is not None:
            step = f"{r.shift * 100:g}pp" if base_kind(r.input) == PERCENT else f"{r.shift:g}"
            moved.append(f"{r.input} -{step}/+{step}")
    if not moved:
        return []
    return [f"{prefix}* 0 in every {word} the output reads, and {p} of 0 is 0: moved by a step "
            f"instead ({', '.join(moved)})"]


def _range_notes(rows, p: str, kind_of, prefix: str = "") -> list[str]:
    """The footnote of the rows marked '~': written as distributions, so swung across
    their own 5-95% range (engine.quantiles), not by -p/+p."""
    from display.numbers import row_format

    swung = []
    for r in rows:
        if r.range is not None:
            fmt = row_format(r.range, kind_of(r.input))  # the two ends, one format
            swung.append(f"{r.input} {fmt(r.range[0])}..{fmt(r.range[1])}")
    if not swung:
        return []
    return [f"{prefix}~ written as a distribution: swung across its own 5-95% range instead "
            f"of -{p}/+{p} (the '-{p}' columns are its 5th percentile, '+{p}' its 95th): "
            f"{', '.join(swung)}"]


def _bar(r, scale: float) -> str:
    """Both changes drawn from the axis '|': left for a fall, right for a rise."""
    left, right = [" "] * BAR, [" "] * BAR
    marks = sorted([(r.exact_low, "="), (r.exact_high, "#")], key=lambda m: -abs(m[0])
                   if m[0] == m[0] else 0)
    for value, ch in marks:  # the longer first, the shorter drawn over it
        if value != value or scale == 0:
            continue
        n = min(BAR, round(abs(value) / scale * BAR))
        side = right if value > 0 else left
        for k in range(n):
            if side is right:
                right[k] = ch
            else:
                left[BAR - 1 - k] = ch
    return "".join(left) + "|" + "".join(right)


# ---------------------------------------------------------------- derivatives


def _derivatives(model, texts, args, y, scenario, overrides) -> str:
    from dsl.errors import ScnError
    from engine.sensitivity import derivative_formula, derivatives

    from engine.trace import Cell

    texts.argument("--wrt", "\n".join(args.wrt))
    found = []
    output = str(Cell(y.name, None, y.members))  # a member cell: capex[goog]
    for k, wrt in enumerate(args.wrt):
        try:
            d = derivatives(model, output, wrt, scenario, overrides)
            f = None if args.format == "csv" else derivative_formula(
                model, str(y), wrt, scenario, args.inline, overrides)
        except ScnError as e:  # the k-th --wrt is line k+1 of "--wrt", as for --set
            raise ScnError([_on_line(diag, k + 1) for diag in e.diagnostics]) from None
        found.append((d, f))
    return DERIVATIVES[args.format](model, y, scenario, found)


def _on_line(diag, line: int):
    if diag.source != "--wrt":
        return diag
    s = diag.span
    return replace(diag, span=replace(s, line=line, end_line=line))


def _derivatives_csv(model, y, scenario, found) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["output", "wrt", "measure", *model.labels])
    for d, _ in found:
        w.writerow([d.output, d.wrt, "derivative", *(full_precision(v) for v in d.derivative)])
        w.writerow([d.output, d.wrt, "elasticity", *(full_precision(v) for v in d.elasticity)])
    return buf.getvalue()


def _derivatives_json(model, y, scenario, found) -> str:
    when = {"years": list(model.years)} if model.axis.yearly else {
        "unit": model.axis.unit, "periods": list(model.labels)}
    doc = {"output": found[0][0].output, "scenario": scenario, **when,
           "wrt": [{"wrt": d.wrt, "formula": f.text, "compounds": f.compounds, "note": f.note,
                    "rules": [{"variable": r.variable, "years": _periods(model, r.years),
                               "formula": r.formula, "compounds": r.compounds} for r in f.rules],
                    "derivative": [_js(v) for v in d.derivative],
                    "elasticity": [_js(v) for v in d.elasticity]} for d, f in found]}
    return json.dumps(doc, indent=2) + "\n"


def _derivatives_table(model, y, scenario, found, markdown: bool) -> str:
    from cli.output import unit_column
    from display.kinds import PERCENT, PLAIN, kinds
    from display.numbers import format_row
    from display.styles import style_of_ratio
    from engine.unit_check import units

    kind = kinds(model)
    labels = unit_column(model)  # a unit column, as scn run's, in a file with annotations
    unit = units(model)
    years = [y.year] if y.year is not None else list(model.years)
    idx = [model.axis.index(yr) for yr in years]
    headers = [model.axis.label(i) for i in idx]
    out = []
    for d, f in found:
        wrt_name = d.wrt.split("[")[0]
        how = _how(model, d.wrt)
        head = f"d {d.output} / d {d.wrt}   (scenario {scenario}; {d.wrt} {how})"
        lines = [f"### {head}" if markdown else head, ""]
        body = []
        formula = f.text.split("\n")
        if len(formula) == 1 and not f.rules[1:]:
            body.append(f"  = {formula[0]}")
        else:
            body += [f"  {line}" for line in formula]
            if any(r.variable != d.output for r in f.rules):
                body.append(f"  where d(v) is d v / d {d.wrt}")
        body += [f"  note: {note}" for note in filter(None, f.note.split("; "))]
        lines += ["```", *body, "```"] if markdown else body
        lines.append("")
        # each row with one number of decimals across its years; the derivative's unit
        # is the output's over the input's, per 1pp of a percentage the output's
        out_name = d.output.split("[")[0]
        per = style_of_ratio(unit.get(out_name), unit.get(wrt_name))
        rows = [(d.output, kind[out_name].label,
                 format_row(_pick(d.output_values, d.years, years), kind[out_name])),
                (f"d {d.output} / d {d.wrt}", per.label,
                 format_row(_at(d.derivative, idx), per))]
        if kind.get(wrt_name) == PERCENT:
            rows.append((f"  per 1pp of {d.wrt}", per.label,
                         format_row([None if v is None else v / 100
                                     for v in _at(d.derivative, idx)], per)))
        rows.append(("elasticity", "",
                     ["" if v is None else f"{v:,.3f}" for v in _at(d.elasticity, idx)]))
        if labels is None:
            rows = [(name, None, vals) for name, _, vals in rows]
        lines += _grid(headers, rows, markdown)
        out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def _periods(model, years) -> list:
    """Absolute period numbers as json lists them: years, or labels."""
    return list(years) if model.axis.yearly else [label_of(model.axis.unit, y) for y in years]


PERIOD = re.compile(r"[0-9]+(Q[0-9]+|-[0-9]+)?")  # 2030, 2026Q4, 2026-12


def _how(model, wrt: str) -> str:
    """How the input moves, in the header of its derivative."""
    word = model.axis.period_word
    if "[" not in wrt:
        if (getattr(model, "dims_of", None) or {}).get(wrt):
            return f"moves by the same amount in every {word} and every member"
        return f"moves by the same amount in every {word}"
    last = wrt[:-1].split("[", 1)[1].split(",")[-1].strip()
    if not PERIOD.fullmatch(last):  # capex_growth[orcl]: one member, every period
        return f"moves by the same amount in every {word}"
    return f"alone moves, later {word}s recompute from it"


def _pick(values, have, years):
    at = dict(zip(have, values))
    return [at.get(yr) for yr in years]


def _at(values, idx):
    return [values[i] for i in idx]


def _grid(years, rows, markdown: bool) -> list[str]:
    """Rows of (name, unit or None for no unit column, values)."""
    with_unit = any(unit is not None for _, unit, _ in rows)
    units = ["unit"] if with_unit else []
    head = ["", *units, *map(str, years)]  # the periods' labels
    body = [[name, *([unit] if with_unit else []), *vals] for name, unit, vals in rows]
    if markdown:  # the empty corner cell is one blank wide
        return ["| | " + " | ".join(head[1:]) + " |",
                md_rule("l" * (1 + len(units)) + "r" * len(years)),
                *(md_row(r) for r in body)]
    return aligned([head] + body, left=(0, 1) if with_unit else (0,))


# The renderers of each report, by --format.
TORNADO = {"table": lambda t: _tornado_for_people(t, markdown=False),
           "md": lambda t: _tornado_for_people(t, markdown=True),
           "csv": _tornado_csv, "json": _tornado_json}
DERIVATIVES = {
    "table": lambda model, y, scenario, found: _derivatives_table(model, y, scenario, found, False),
    "md": lambda model, y, scenario, found: _derivatives_table(model, y, scenario, found, True),
    "csv": _derivatives_csv, "json": _derivatives_json}
