"""engine.rollup: calendar years from quarters and months, by aggregation."""

import math

import numpy as np
from hypothesis import given, settings, strategies as st

from engine.axis import MONTHS, QUARTERS, YEARS, TimeAxis
from engine.rollup import LAST, MEAN, SUM, aggregations, roll_up, values_by_year, year_columns


def months(first: tuple[int, int], last: tuple[int, int]) -> TimeAxis:
    return TimeAxis.of(MONTHS, first[0] * 12 + first[1] - 1, last[0] * 12 + last[1] - 1)


def test_partial_years_are_marked_with_the_periods_they_hold():
    axis = months((2025, 7), (2027, 6))
    labels = [c.label(axis) for c in year_columns(axis)]
    assert labels == ["2025 (07-12)", "2026", "2027 (01-06)"]
    q = TimeAxis.of(QUARTERS, 2025 * 4 + 3, 2026 * 4 + 3)
    assert [c.label(q) for c in year_columns(q)] == ["2025 (Q4)", "2026"]


def test_sum_mean_last_of_a_year():
    axis = TimeAxis.of(QUARTERS, 2025 * 4, 2026 * 4 + 1)  # 2025Q1..2026Q2
    v = np.array([1.0, 2.0, 3.0, 4.0, 10.0, 20.0])
    assert roll_up(v, None, SUM, axis).tolist() == [10.0, 30.0]
    assert roll_up(v, None, MEAN, axis).tolist() == [2.5, 15.0]
    assert roll_up(v, None, LAST, axis).tolist() == [4.0, 20.0]


def test_empty_cells_are_skipped_and_an_empty_year_stays_empty():
    axis = TimeAxis.of(QUARTERS, 2025 * 4, 2026 * 4 + 3)
    v = np.array([1.0, np.nan, 3.0, np.nan] + [np.nan] * 4)
    d = np.array([True, False, True, False] + [False] * 4)
    assert roll_up(v, d, SUM, axis)[0] == 4.0
    assert roll_up(v, d, MEAN, axis)[0] == 2.0
    assert roll_up(v, d, LAST, axis)[0] == 3.0
    for how in (SUM, MEAN, LAST):
        assert math.isnan(roll_up(v, d, how, axis)[1])


def test_a_nan_cell_makes_its_year_nan():
    axis = TimeAxis.of(QUARTERS, 2025 * 4, 2025 * 4 + 3)
    assert math.isnan(roll_up(np.array([1.0, np.nan, 3.0, 4.0]), None, SUM, axis)[0])


def test_a_yearly_axis_rolls_up_to_itself():
    axis = TimeAxis.of_years(2024, 2030)
    v = np.arange(7.0)
    for how in (SUM, MEAN, LAST):
        assert roll_up(v, None, how, axis).tolist() == v.tolist()
    assert [c.label(axis) for c in year_columns(axis)] == [str(y) for y in range(2024, 2031)]
    assert YEARS == axis.unit


def test_leading_dimensions_roll_up_row_by_row():
    axis = TimeAxis.of(QUARTERS, 2025 * 4, 2025 * 4 + 3)
    v = np.arange(8.0).reshape(2, 4)
    assert roll_up(v, None, SUM, axis).tolist() == [[6.0], [22.0]]


def test_percentages_average_and_declared_words_win():
    how = aggregations(["rev", "margin", "customers"],
                       {"rev": "amount", "margin": "percent", "customers": "amount"},
                       {"customers": LAST})
    assert how == {"rev": SUM, "margin": MEAN, "customers": LAST}


@settings(max_examples=200, deadline=None)
@given(start=st.integers(2020 * 12, 2022 * 12), size=st.integers(1, 40),
       data=st.data(), how=st.sampled_from([SUM, MEAN, LAST]))
def test_matches_a_loop_over_months(start, size, data, how):
    axis = TimeAxis(MONTHS, start, size)
    values = data.draw(st.lists(st.floats(-1e6, 1e6), min_size=size, max_size=size))
    defined = data.draw(st.lists(st.booleans(), min_size=size, max_size=size))
    got = roll_up(np.array(values), np.array(defined), how, axis)
    by_year: dict[int, list[float]] = {}
    for i, (x, d) in enumerate(zip(values, defined)):
        by_year.setdefault((start + i) // 12, [])
        if d:
            by_year[(start + i) // 12].append(x)
    want = []
    for year in sorted(by_year):
        xs = by_year[year]
        want.append(math.nan if not xs else
                    sum(xs) if how == SUM else sum(xs) / len(xs) if how == MEAN else xs[-1])
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert (math.isnan(g) and math.isnan(w)) or math.isclose(g, w, rel_tol=1e-12, abs_tol=1e-6)


def test_values_by_year_rolls_each_row_by_its_variable():
    from engine.value_diff import Values

    axis = TimeAxis.of(QUARTERS, 2025 * 4 + 2, 2026 * 4 + 3)  # 2025Q3..2026Q4
    values = Values(axis, ("rev[us]", "margin", "late"), {"base": {
        "rev[us]": (1.0, 2.0, 3.0, 4.0, 5.0, 6.0),
        "margin": (0.1, 0.3, 0.2, 0.2, 0.2, 0.2),
        "late": (None, None, None, 1.0, None, 2.0)}})
    rolled = values_by_year(values, {"rev": SUM, "margin": MEAN})
    assert rolled.axis == TimeAxis.of_years(2025, 2026)
    assert rolled.rolled == QUARTERS and rolled.partial == (2025,)
    base = rolled.scenarios["base"]
    assert base["rev[us]"] == (3.0, 18.0)
    assert base["margin"] == (0.2, 0.2)
    assert base["late"] == (None, 3.0)  # an empty year stays empty; a missing aggregation sums
    yearly = Values(TimeAxis.of_years(2024, 2025), ("x",), {"base": {"x": (1.0, 2.0)}})
    assert values_by_year(yearly, {}) is yearly
