"""Snapshots: every output of a model as TOML, to commit beside the scenario file.

    [model]
    title = "AI capex and optics (call 2025-08-16)"
    first_year = 2024
    last_year = 2030
    scn_version = "0.1.0"
    snapshot_format = 1

    [base.capex]
    2024 = 265000000000.0
    2025 = 344500000000.0

A table per scenario and variable, in file order; a key per year (written as
a string: TOML keys are strings, tomli-w refuses integers); floats in
shortest round-trip form; `nan`, `inf`, `-inf` for non-finite values; an
empty year has no key. The header table is `[model]`: `model` is a reserved
word of the language, so no scenario can take its name. The same model gives
the same bytes on any machine running the same scn.

A quarterly or monthly model keys its cells by label (`"2025Q3" = 1.5`,
`"2025-07" = 1.5`) and its header says `unit = "quarters"`, `first_period`
and `last_period` instead of `first_year` and `last_year`. Rolled up
(`scn snapshot --by year`) the keys are plain years and the header records
`by = "year"`, the unit it was rolled up from (`rolled_from`) and the years
covered in part (`partial_years`): `scn diff` compares such a snapshot only
with `--by year`, never a rolled-up year with a quarter.
"""

from __future__ import annotations

import re
import sys
import tomllib

from dsl.ast import Span
from dsl.errors import Diagnostic, ScnError
from dsl.numbers import MAX_PERIODS, MAX_YEAR, MIN_YEAR, is_plain_integer, shorten
from dsl.periods import MONTHS, QUARTERS, BadLabel, read_month, read_quarter
from dsl.text import split_lines
from engine.axis import TimeAxis, label_of
from engine.value_diff import Values

FLOAT_MAX = int(sys.float_info.max)
FORMAT = 1  # bump when the layout changes; readers refuse formats they do not know
VERSION_FALLBACK = "0.1.0"  # when scn runs from a checkout that is not installed
HEADER = "model"


def scn_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("scn")
    except PackageNotFoundError:
        return VERSION_FALLBACK


def add_scenario_options(parser) -> None:
    """`--scenario S | --all-scenarios`; unlike `scn run`, every scenario by default."""
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--scenario", metavar="S", help="only this scenario (default: all)")
    which.add_argument("--all-scenarios", action="store_true",
                       help="base and every scenario (the default)")


def chosen_scenarios(model, args) -> list[str]:
    """The scenarios picked by `add_scenario_options`, checked against the model."""
    from cli import common

    if args.scenario is None:
        return list(model.scenarios)
    return [common.scenario_name(model, args.scenario)]


def snapshot_text(title: str | None, values: Values) -> str:
    """The TOML text of a snapshot."""
    import tomli_w

    axis = values.axis
    header: dict = {}
    if title is not None:
        header["title"] = title
    if axis.yearly:
        header.update(first_year=axis.first_year, last_year=axis.last_year)
    else:
        header.update(unit=axis.unit, first_period=axis.label(0),
                      last_period=axis.label(axis.last))
    if values.rolled:
        header.update(by="year", rolled_from=values.rolled,
                      partial_years=list(values.partial))
    header.update(scn_version=scn_version(), snapshot_format=FORMAT)
    doc: dict = {HEADER: header}
    keys = axis.labels()  # years, or 2025Q3 / 2025-07
    for scenario, table in values.scenarios.items():
        doc[scenario] = {
            v: {k: float(x) for k, x in zip(keys, table[v]) if x is not None}
            for v in values.variables
        }
    return tomli_w.dumps(doc)


def read_snapshot(text: str, label: str) -> tuple[Values, list[Diagnostic]]:
    """The values of a snapshot, and warnings (written by another version of scn).

    Raises ScnError for text that is not a snapshot this scn can read.
    """
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        line, col = _position(str(e), text)
        raise _invalid(label, f"not valid TOML: {_reason(str(e))}", line, col) from None
    except ValueError:  # tomllib's int() of an integer over 4,300 digits
        line, col = _where(_LONG_DIGITS, text)
        raise _invalid(label, "not a snapshot: an integer of more than 4,300 digits",
                       line, col) from None
    except RecursionError:  # tomllib recurses once per level of nested arrays or tables
        line, col = _where(_DEEP, text)
        raise _invalid(label, "not a snapshot: arrays or tables nested too deeply",
                       line, col) from None
    header = doc.pop(HEADER, None)
    if not isinstance(header, dict) or "snapshot_format" not in header:
        raise _error(label, text, HEADER, "not an scn snapshot: no [model] table with "
                     "snapshot_format", "write one with: scn snapshot FILE -o OUT.toml")
    fmt, version = header.get("snapshot_format"), header.get("scn_version", "unknown")
    if fmt != FORMAT:
        raise _error(label, text, "snapshot_format", f"snapshot format {fmt} (written by scn "
                     f"{version}); this scn ({scn_version()}) reads format {FORMAT}",
                     "write the snapshot again with this scn: scn snapshot FILE -o OUT.toml")
    if header.get("unit", "years") != "years":
        axis = _sub_annual_axis(header, label, text)
        first, last = axis.first_year, axis.last_year
    else:
        axis = None
        first, last = header.get("first_year"), header.get("last_year")
    if axis is None and (not _year(first) or not _year(last) or first > last):
        raise _error(label, text, "first_year", "the [model] table needs first_year <= last_year, "
                     f"both years from {MIN_YEAR} to {MAX_YEAR}",
                     "write the snapshot again: scn snapshot FILE -o OUT.toml")
    if axis is None and last - first + 1 > MAX_PERIODS:
        raise _error(label, text, "last_year", f"years {first}..{last} are more than a model "
                     f"holds ({MAX_PERIODS:,})", "write the snapshot again: scn snapshot FILE "
                     "-o OUT.toml")
    if axis is None:
        axis = TimeAxis.of_years(first, last)
    rolled, partial = _rolled(header, axis, label, text)
    scenarios: dict[str, dict[str, tuple[float | None, ...]]] = {}
    variables: dict[str, None] = {}
    for scenario, table in doc.items():
        if not isinstance(table, dict):
            raise _error(label, text, scenario, f"'{scenario}' is not a scenario table",
                         "a snapshot holds [model] and [SCENARIO.VARIABLE] tables")
        scenarios[scenario] = {}
        for variable, cells in table.items():
            scenarios[scenario][variable] = _series(cells, axis, label, text,
                                                    f"{scenario}.{variable}")
            variables.setdefault(variable)
    warnings = []
    if version != scn_version():
        warnings.append(Diagnostic(
            f"written by scn {version}, read by scn {scn_version()}: values may differ because "
            "the engine changed, not the model", Span(1, 1, 1, 2),
            "write the snapshot again with this scn to compare like with like",
            severity="warning", source=label, code="snapshot"))
    return Values(axis, tuple(variables), scenarios, rolled, partial), warnings


def _sub_annual_axis(header: dict, label: str, text: str) -> TimeAxis:
    """The axis of a quarterly or monthly snapshot: `unit`, `first_period`, `last_period`."""
    unit = header.get("unit")
    if unit not in (QUARTERS, MONTHS):
        raise _error(label, text, "unit", f"unit {shorten(str(unit))!r} is not years, quarters "
                     "or months", "write the snapshot again: scn snapshot FILE -o OUT.toml")
    ends = [_period(unit, header.get(k)) for k in ("first_period", "last_period")]
    if None in ends or ends[0] > ends[1]:
        example = "2025Q1" if unit == QUARTERS else "2025-01"
        raise _error(label, text, "first_period", f"a snapshot of {unit} needs first_period <= "
                     f"last_period, both {unit[:-1]}s such as \"{example}\"",
                     "write the snapshot again: scn snapshot FILE -o OUT.toml")
    if ends[1] - ends[0] + 1 > MAX_PERIODS:
        raise _error(label, text, "last_period", f"{unit} {label_of(unit, ends[0])}.."
                     f"{label_of(unit, ends[1])} are more than a model holds "
                     f"({MAX_PERIODS:,})", "write the snapshot again: scn snapshot FILE "
                     "-o OUT.toml")
    return TimeAxis.of(unit, ends[0], ends[1])


def _period(unit: str, text) -> int | None:
    """A quarter's or month's absolute number from its label, None if it is not one."""
    if not isinstance(text, str):
        return None
    try:
        if unit == QUARTERS:
            return read_quarter(text).number
        year, dash, month = text.partition("-")
        return read_month(year, month).number if dash else None
    except BadLabel:
        return None


def _rolled(header: dict, axis: TimeAxis, label: str, text: str
            ) -> tuple[str | None, tuple[int, ...]]:
    """(the unit a rolled-up snapshot was rolled up from, its partial years)."""
    if "by" not in header:
        return None, ()
    by, source = header.get("by"), header.get("rolled_from")
    partial = header.get("partial_years", [])
    if by != "year" or not axis.yearly or source not in (QUARTERS, MONTHS) \
            or not isinstance(partial, list) or not all(type(y) is int for y in partial):
        raise _error(label, text, "by", "a rolled-up snapshot has by = \"year\", yearly keys, "
                     "rolled_from = \"quarters\" or \"months\" and partial_years = [...]",
                     "write the snapshot again: scn snapshot --by year FILE -o OUT.toml")
    return source, tuple(partial)


def _series(cells, axis: TimeAxis, label: str, text: str, table: str):
    word = axis.period_word
    if not isinstance(cells, dict):
        raise _error(label, text, table, f"'{table}' is not a table of {word}s",
                     f"write [SCENARIO.VARIABLE] with a key per {word}: "
                     + ("2024 = 1.5" if axis.yearly else f'"{axis.label(0)}" = 1.5'))
    out: list[float | None] = [None] * len(axis)
    index = None if axis.yearly else {k: i for i, k in enumerate(axis.labels())}
    for key, value in cells.items():
        # ASCII digits (isdigit takes '２０２４'), and few enough for int()
        if index is not None:
            at = index.get(key)
        elif is_plain_integer(key) and len(key) <= 4:
            at = axis.index(int(key))
        else:
            at = None
        if at is None:
            raise _error(label, text, f"{table}.{key}", f"'{table}' has {word} "
                         f"{shorten(key)!r} outside {axis.range_label()}",
                         f"keys are the model's {word}s")
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or (isinstance(value, int) and abs(value) > FLOAT_MAX):
            raise _error(label, text, f"{table}.{key}", f"{table}.{key} is not a number",
                         "values are numbers (up to about 1.8e308), nan or inf")
        out[at] = float(value)
    return tuple(out)


_LONG_DIGITS = re.compile(r"[0-9_]{4000,}")
_DEEP = re.compile(r"(?:[\[{]\s*(?:[A-Za-z0-9_\"]+\s*=\s*)?){100}")


def _year(value) -> bool:
    """A year as TOML gives it: an int (`true` is an int to Python), 0..9999."""
    return type(value) is int and MIN_YEAR <= value <= MAX_YEAR


def _where(pattern: re.Pattern, text: str) -> tuple[int, int]:
    """Line and column of the first match of `pattern`; 1, 1 when there is none."""
    m = pattern.search(text)
    if m is None:
        return 1, 1
    before = text[:m.start()]
    return before.count("\n") + 1, m.start() - (before.rfind("\n") + 1) + 1


def _invalid(label: str, message: str, line: int, col: int) -> ScnError:
    return ScnError([Diagnostic(message, Span(line, col, line, col + 1),
                                "snapshots are written by: scn snapshot FILE -o OUT.toml",
                                source=label, code="snapshot")])


def _error(label: str, text: str, near: str, message: str, hint: str) -> ScnError:
    """An error at the line of `near`: a table (`base.x`), a key in one (`base.x.2024`) or a
    header key; line 1 when it cannot be found."""
    lines = split_lines(text)
    table, _, key = near.rpartition(".") if near.count(".") == 2 else (near, "", "")
    scenario, _, row = table.partition(".")
    heads = {f"[{table}]", f'[{scenario}."{row}"]'}  # a row with dims is quoted: "capex[goog]"
    line = next((k for k, t in enumerate(lines, 1) if t.strip() in heads), None)
    if line is not None and key:
        line = next((k for k, t in enumerate(lines[line:], line + 1)
                     if t.split("=")[0].strip().strip('"') == key), line)
    if line is None:
        line = next((k for k, t in enumerate(lines, 1) if t.split("=")[0].strip() == near), 1)
    return ScnError([Diagnostic(message, Span(line, 1, line, 2), hint, source=label,
                                code="snapshot")])


def _position(message: str, text: str) -> tuple[int, int]:
    m = re.search(r"at line (\d+), column (\d+)", message)
    if m:
        return int(m.group(1)), int(m.group(2))
    lines = split_lines(text) or [""]
    return len(lines), len(lines[-1]) + 1  # "at end of document"


def _reason(message: str) -> str:
    reason = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message)
    return reason[:1].lower() + reason[1:]
