"""The time axis: indices, absolute numbers, labels, calendar and t, one way everywhere."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, strategies as st

from engine.axis import MONTHS, QUARTERS, YEARS, TimeAxis


def test_a_yearly_axis_is_the_years():
    a = TimeAxis.of_years(2024, 2030)
    assert len(a) == 7 and a.last == 6 and a.end == 2030
    assert a.labels() == tuple(str(y) for y in range(2024, 2031))
    assert a.index(2024) == 0 and a.index(2030) == 6 and a.index(2031) is None and a.index(2023) is None
    assert a.year(3) == 2027 and a.t(3) == 2027.0
    assert a.clip(None, 2025) == (0, 1) and a.clip(2028, None) == (4, 6) and a.clip(2031, None) is None
    assert a.span_label([0, 2, 3, 4]) == "2024, 2026..2028"
    assert a.range_label() == "2024..2030"


def test_quarters_and_months_label_and_place_their_periods():
    q = TimeAxis(QUARTERS, 2025 * 4, 12)
    assert q.labels()[:5] == ("2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1")
    assert q.t(1) == 2025.25 and q.year(4) == 2026 and q.year_periods(2026) == (8104, 8107)
    m = TimeAxis(MONTHS, 2025 * 12, 36)
    assert m.label(0) == "2025-01" and m.label(11) == "2025-12" and m.label(12) == "2026-01"
    assert m.t(6) == 2025.5 and m.year(35) == 2027 and m.range_label() == "2025-01..2027-12"


@given(st.sampled_from([YEARS, QUARTERS, MONTHS]), st.integers(0, 9999), st.integers(1, 400))
def test_t_is_one_correctly_rounded_division(unit, year, size):
    per = {YEARS: 1, QUARTERS: 4, MONTHS: 12}[unit]
    a = TimeAxis(unit, year * per, size)
    for i in range(0, size, max(1, size // 7)):
        assert a.t(i) == float(Fraction(a.absolute(i), per))  # correctly rounded
        assert a.ts()[i] == a.t(i)
        assert a.index(a.absolute(i)) == i


def test_calendar_years_hold_the_periods_of_each_year_on_the_axis():
    q = TimeAxis.of(QUARTERS, 2025 * 4 + 2, 2027 * 4 + 1)  # 2025Q3..2027Q2
    assert [(y, list(r)) for y, r in q.calendar_years()] == [
        (2025, [0, 1]), (2026, [2, 3, 4, 5]), (2027, [6, 7])]
    m = TimeAxis.of(MONTHS, 2025 * 12, 2025 * 12 + 11)
    assert [(y, len(r)) for y, r in m.calendar_years()] == [(2025, 12)]
    assert [(y, list(r)) for y, r in TimeAxis.of_years(2024, 2026).calendar_years()] == [
        (2024, [0]), (2025, [1]), (2026, [2])]
    assert q.first_of_year(0) == -2 and q.first_of_year(3) == 2
