"""Display never changes a value (issue 13): every cell shown for people reads back
as its value to within half a unit of its last digit shown, whatever the unit, and
a row's cells all show the same number of decimals."""

from __future__ import annotations

import math
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli.output import to_table
from cli.rows import select, table_of
from display.kinds import kinds
from display.numbers import RowFormat
from display.styles import style_of
from engine import evaluate
from engine.units import Unit
from test_units_property import _load, consistent_models

UNITS = [None, *(Unit.of(t) for t in ("%", "x", "1", "USD", "EUR", "count", "PFLOPS",
                                      "USD/PFLOPS", "USD/count/month", "1/month"))]
SCALE = {"k": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}
CELL = re.compile(r"(?P<num>[+-]?[\d,]*\.?(?P<dec>\d*))(?:e(?P<exp>[+-]?\d+))?"
                  r"(?P<letter>[kMBT]?)(?P<sign>%|pp|x)?")


def read_back(text: str, fmt: RowFormat, with_unit: bool) -> tuple[float | None, float, int]:
    """(the value the text says, half a unit of its last digit, its decimals)."""
    label = fmt.kind.label
    if with_unit and label and text not in ("", "n/a"):
        assert text.endswith(" " + label), text
        text = text[:-len(label) - 1]
    if text == "":
        return None, 0.0, -1
    if text == "n/a":
        return math.nan, 0.0, -1
    if text.lstrip("+-") == "inf":
        return (-math.inf if text.startswith("-") else math.inf), 0.0, -1
    m = CELL.fullmatch(text)
    assert m, text
    if fmt.changes:
        assert text[0] in "+-", text  # a change is always signed
    scale = SCALE.get(m["letter"], 1.0)
    if m["sign"] in ("%", "pp"):
        scale /= 100
    dec, exp = len(m["dec"]), int(m["exp"] or 0)
    # read through the exponent in one float(): 4.94e-324 * 10.0 ** -324 would underflow to 0
    return (float(f'{m["num"].replace(",", "")}e{exp}') * scale,
            float(f"5e{exp - dec - 1}") * scale, dec)


def assert_faithful(values, fmt: RowFormat, with_unit: bool = False) -> None:
    decimals = set()
    for v in values:
        shown, half, dec = read_back(fmt.text(v, with_unit), fmt, with_unit)
        if v is None:
            assert shown is None
            continue
        if math.isnan(v):
            assert math.isnan(shown)
            continue
        if math.isinf(v):
            assert shown == v
            continue
        # the float printed (repr) is the value to the last bit; a hair of float noise
        assert abs(shown - v) <= half * (1 + 1e-9) + 1e-12 * abs(v), (v, fmt.text(v))
        decimals.add(dec)
    assert len(decimals) <= 1, [fmt.text(v) for v in values]


finite = st.floats(min_value=-1e16, max_value=1e16, allow_nan=False, allow_infinity=False)
value = st.one_of(finite, st.sampled_from([0.0, -0.0, math.nan, math.inf, None, 0.05, 0.0525,
                                          5.25, 1272.45, 999.95, 999_999.5, 1e-7]))


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(UNITS), st.lists(value, min_size=1, max_size=6), st.booleans(),
       st.booleans())
def test_a_row_of_any_unit_reads_back_as_its_values(unit, values, changes, with_unit):
    fmt = RowFormat(values, style_of(unit), changes=changes)
    assert_faithful(values, fmt, with_unit)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(consistent_models())
def test_scn_run_table_of_a_random_annotated_model_reads_back(drawn):
    text, _, _ = drawn
    m = _load(text)
    result = evaluate(m, "base")
    rows = select(m, None)
    out = to_table(m, [table_of(result, rows, "base")], rows)
    style = kinds(m)
    lines = out.splitlines()[2:]  # the title and the years
    unit_column = bool(m.annotations)
    for line, v in zip(lines, m.variables):
        cells = line.split()
        assert cells[0] == v
        series = result.series(v)
        shown = cells[-len(series):]
        if unit_column and style[v].label:
            assert cells[1] == style[v].label, line
        fmt = RowFormat(series, style[v])
        assert shown == [fmt(x) for x in series]
        assert_faithful(series, fmt)
