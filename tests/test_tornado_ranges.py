"""The tornado over distribution ranges (issue 14): an input written as a
distribution swings across its own 5-95% range, not -pct/+pct, and the
report says which inputs did."""

from __future__ import annotations

import math
from statistics import NormalDist

import pytest

from cli.main import main
from engine import load_model
from engine.quantiles import quantile
from engine.tornado import tornado

Z = NormalDist().inv_cdf(0.95)  # 1.6448536269514722

LINEAR = """\
years 2024..2026
a = 10 to 20
b = uniform(0, 10)
c = triangular(0, 0, 10)
d = lognormal(0, 1)
e = normal(100, 10)
f = 3
g = (2 to 4)
y = a + b + c + d + e + f + g
sq = a * a
"""


@pytest.fixture(scope="module")
def linear():
    return load_model(LINEAR, "d.scn")


def _rows(m, out, year, **kw):
    return {r.input: r for r in tornado(m, out, year, **kw)}


@pytest.mark.parametrize("name, mean, p5, p95", [
    ("a", 15.0, 10.0, 20.0),  # `a to b`: a and b are its 5th and 95th percentiles
    ("b", 5.0, 0.5, 9.5),
    ("c", 10 / 3, 10 - math.sqrt(95), 10 - math.sqrt(5)),  # mode at lo: 1 - (1 - x/10)^2
    ("d", math.exp(0.5), math.exp(-Z), math.exp(Z)),
    ("e", 100.0, 100 - 10 * Z, 100 + 10 * Z),
    ("g", 3.0, 2.0, 4.0),  # in parentheses, still a distribution
])
def test_a_distribution_swings_across_its_5_95_range(linear, name, mean, p5, p95):
    r = _rows(linear, "y", 2026)[name]
    assert r.base_value == pytest.approx(mean, rel=1e-12)
    assert r.range == pytest.approx((p5, p95), rel=1e-12)
    # y is linear: the exact changes and the first-order estimates are both p - mean
    assert (r.exact_low, r.exact_high) == pytest.approx((p5 - mean, p95 - mean), rel=1e-9)
    assert (r.estimate_low, r.estimate_high) == pytest.approx((p5 - mean, p95 - mean), rel=1e-9)
    assert r.shift is None


def test_a_plain_input_still_moves_by_pct(linear):
    r = _rows(linear, "y", 2026)["f"]
    assert r.range is None
    assert (r.exact_low, r.exact_high) == pytest.approx((-0.3, 0.3), rel=1e-9)


def test_ranges_can_be_turned_off(linear):
    r = _rows(linear, "y", 2026, ranges_of_distributions=False)["a"]
    assert r.range is None
    assert (r.exact_low, r.exact_high) == pytest.approx((-1.5, 1.5), rel=1e-9)


def test_a_nonlinear_output_is_exact_beside_its_estimate(linear):
    r = _rows(linear, "sq", 2025)["a"]
    assert (r.exact_low, r.exact_high) == pytest.approx((100 - 225, 400 - 225), rel=1e-12)
    assert (r.estimate_low, r.estimate_high) == pytest.approx((-150, 150), rel=1e-12)  # 2a * -+5


def test_ranked_by_the_range_swing(linear):
    assert [r.input for r in tornado(linear, "y", 2026)] == ["e", "a", "b", "c", "d", "g", "f"]


def test_year_specific_distributions_and_starting_values():
    m = load_model("""\
years 2024..2026
h = {2024: 1 to 3, 2025..: 2}
k = {2024: 10 to 30, 2025..: normal(50, 0)}
cap[2024] = 90 to 110
cap = cap[t-1] * 1.1
out = cap + h + k
""", "y.scn")
    rows = _rows(m, "out", 2026)
    assert rows["h"].range is None  # 2 in 2025..2026 is not a distribution: scaled by 10%
    assert rows["k"].range == pytest.approx((50.0, 50.0))  # sd 0: a point mass in 2026
    assert (rows["k"].exact_low, rows["k"].exact_high) == (0.0, 0.0)
    cap = rows["cap[2024]"]
    assert cap.range == pytest.approx((90.0, 110.0))
    assert (cap.exact_low, cap.exact_high) == pytest.approx((-10 * 1.21, 10 * 1.21), rel=1e-12)
    # read in 2024, k's own distribution: 10..30
    assert _rows(m, "out", 2024)["k"].range == pytest.approx((10.0, 30.0))


def test_members_written_as_distributions():
    m = load_model("""\
years 2024..2025
dim co = {x1, x2}
g = {x1: 10 to 20, x2: 5}
u = uniform(0, 1)
gu = g * (1 + u)
total = sum(gu, co)
""", "m.scn")
    rows = _rows(m, "total", 2025)
    assert rows["g[x1]"].range == pytest.approx((10.0, 20.0))
    assert (rows["g[x1]"].exact_low, rows["g[x1]"].exact_high) == pytest.approx((-7.5, 7.5))
    assert rows["g[x2]"].range is None
    assert (rows["g[x2]"].exact_low, rows["g[x2]"].exact_high) == pytest.approx((-0.75, 0.75))
    assert rows["u"].range == pytest.approx((0.05, 0.95))
    assert (rows["u"].exact_low, rows["u"].exact_high) == pytest.approx(
        (20 * -0.45, 20 * 0.45))  # (15 + 5) * (p - 0.5)
    assert (rows["u"].estimate_low, rows["u"].estimate_high) == pytest.approx((-9.0, 9.0))


@pytest.mark.parametrize("kind, params, p, want", [
    ("to", (1.0, 3.0), 0.5, 2.0),
    ("to", (1.0, 3.0), 0.05, 1.0),
    ("normal", (0.0, 1.0), 0.975, 1.959963984540054),
    ("uniform", (2.0, 4.0), 0.25, 2.5),
    ("triangular", (0.0, 5.0, 10.0), 0.5, 5.0),
    ("triangular", (0.0, 10.0, 10.0), 0.25, 5.0),  # mode at hi: 10 * sqrt(p)
    ("lognormal", (1.0, 0.0), 0.9, math.e),
])
def test_quantiles(kind, params, p, want):
    assert quantile(kind, params, p) == pytest.approx(want, rel=1e-12)


def test_the_report_marks_and_names_the_ranges(tmp_path, capsys):
    f = tmp_path / "d.scn"
    f.write_text(LINEAR)
    assert main(["sens", str(f), "y[2026]", "--top", "3"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("each input scaled by -10% and +10%; ~ across its 5-95% range")
    assert out[3].startswith("e ~     100")
    assert out[-1] == ("~ written as a distribution: swung across its own 5-95% range instead "
                       "of -10%/+10% (the '-10%' columns are its 5th percentile, '+10%' its "
                       "95th): e 83.6..116.4, a 10..20, b 0.50..9.50")
    assert main(["sens", str(f), "y[2026]", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith(",shift,range_low,range_high")
    assert lines[2] == "y,2026,a,15.0,1.0,-5.0,5.0,-5.0,5.0,,10.0,20.0"
    assert lines[-1].endswith(",,,")  # f: scaled, no range


NESTED = """\
years 2025..2030
mult = interp({2025: 3.8, 2030: 2.6 to 5.0})
twice = 2 * normal(5, 1)
share = {2025..2029: 40%, 2030: triangular(20%, 40%, 60%)}
surprise = step({2025: 1, 2028: 2}) * (90% to 110%)
y = mult + twice + share + surprise
"""


def test_distributions_inside_an_expression_swing_across_their_range():
    """An input whose definition holds distributions in an expression of no variable
    swings to the values it takes with every draw at its 5th, then 95th, percentile."""
    m = load_model(NESTED, "n.scn")
    rows = _rows(m, "y", 2030)
    assert rows["mult"].range == pytest.approx((2.6, 5.0), rel=1e-12)
    assert (rows["mult"].exact_low, rows["mult"].exact_high) == pytest.approx((-1.2, 1.2))
    assert rows["twice"].range == pytest.approx((2 * (5 - Z), 2 * (5 + Z)), rel=1e-12)
    assert rows["share"].range == pytest.approx(
        (quantile("triangular", (0.2, 0.4, 0.6), 0.05),
         quantile("triangular", (0.2, 0.4, 0.6), 0.95)), rel=1e-12)
    assert rows["surprise"].range == pytest.approx((1.8, 2.2), rel=1e-12)
    # Part way along the interp, the range is part way too: 3.8 -> 2.6..5.0 over 5 years.
    mid = _rows(m, "y", 2027)["mult"]
    assert mid.range == pytest.approx((3.8 - 0.4 * 1.2, 3.8 + 0.4 * 1.2), rel=1e-12)
    assert (mid.exact_low, mid.exact_high) == pytest.approx((-0.48, 0.48), rel=1e-9)


def test_a_plain_period_the_output_reads_is_scaled():
    """share is a plain 40% in 2027: read there, it is scaled by -10%/+10%; the interp's
    2025 value holds no uncertainty (3.8 whatever the draw): a range of one point."""
    m = load_model(NESTED, "n.scn")
    rows = _rows(m, "y", 2027)
    assert rows["share"].range is None
    assert (rows["share"].exact_low, rows["share"].exact_high) == pytest.approx((-0.04, 0.04))
    assert _rows(m, "y", 2025)["mult"].range == pytest.approx((3.8, 3.8))
