"""The unit algebra: laws of * / ^, %/x/1 as one dimensionless unit, canonical text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.units import MULTIPLE_UNIT, PERCENT_UNIT, UNITLESS, Unit

BASES = ["USD", "PFLOPS", "count", "month", "h", "EUR", "m"]

units = st.one_of(
    st.dictionaries(st.sampled_from(BASES), st.integers(-3, 3).filter(bool), max_size=4)
    .map(lambda d: Unit.from_factors(d.items())),
    st.sampled_from([UNITLESS, PERCENT_UNIT, MULTIPLE_UNIT]),
)


@settings(max_examples=300, deadline=None)
@given(units, units, units)
def test_multiplication_is_associative_and_commutative_for_checking(a, b, c):
    assert ((a * b) * c).same_dimension(a * (b * c))
    assert (a * b).same_dimension(b * a)


@settings(max_examples=300, deadline=None)
@given(units, units)
def test_division_undoes_multiplication(a, b):
    assert ((a * b) / b).same_dimension(a)
    assert (a / a).dimensionless
    assert (a * a.inverse()).dimensionless


@settings(max_examples=300, deadline=None)
@given(units, st.integers(-3, 3), st.integers(-3, 3))
def test_powers_multiply_exponents(a, j, k):
    assert ((a ** j) * (a ** k)).same_dimension(a ** (j + k))
    if j:
        assert ((a ** j).root(abs(j)) or UNITLESS).same_dimension(a ** (1 if j > 0 else -1))


@settings(max_examples=300, deadline=None)
@given(units)
def test_the_canonical_text_reads_back_to_the_same_unit(a):
    assert Unit.of(a.text) == a
    assert Unit.of(Unit.of(a.text).text).text == a.text


@pytest.mark.parametrize("text, canonical", [
    ("USD/PFLOPS", "USD/PFLOPS"), ("PFLOPS * h", "PFLOPS*h"), ("h*PFLOPS", "PFLOPS*h"),
    ("USD/month/count", "USD/count/month"), ("1/month", "1/month"), ("month^-1", "1/month"),
    ("USD*USD", "USD^2"), ("USD/USD", "1"), ("%", "%"), ("x", "x"), ("1", "1"),
    ("m^2/s", "m^2/s"), ("s/m^2", "s/m^2"),
])
def test_canonical_text(text, canonical):
    assert Unit.of(text).text == canonical


def test_percent_multiple_and_plain_agree_for_checking_but_not_for_display():
    assert PERCENT_UNIT.same_dimension(MULTIPLE_UNIT) and PERCENT_UNIT.same_dimension(UNITLESS)
    assert PERCENT_UNIT != MULTIPLE_UNIT != UNITLESS
    assert Unit.of("USD") * PERCENT_UNIT == Unit.of("USD")  # a share of dollars is dollars
    assert PERCENT_UNIT * UNITLESS == PERCENT_UNIT
    assert PERCENT_UNIT / PERCENT_UNIT == UNITLESS  # a ratio of percentages is a plain ratio
    assert Unit.of("USD/PFLOPS") * Unit.of("PFLOPS") == Unit.of("USD")


def test_a_unit_that_does_not_read_is_a_value_error():
    for text in ("USD/", "sum", "USD sum", "$"):
        with pytest.raises(ValueError):
            Unit.of(text)
