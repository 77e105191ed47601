"""Golden values for every feature of the language (LANGUAGE.md), one small model each."""

import math

import pytest

from tests.helpers import values

Y3 = "years 2024..2026\n"


def approx(xs):
    return [None if x is None else pytest.approx(x, rel=1e-12, nan_ok=True) for x in xs]


@pytest.mark.parametrize("expr, expected", [
    ("12", 12), ("1.5", 1.5), (".5", 0.5), ("1e9", 1e9), ("2.5E-3", 0.0025),
    ("1_000_000", 1e6), ("30%", 0.3), ("85.1B", 85.1e9), ("2k", 2000), ("3M", 3e6),
    ("1.5T", 1.5e12), ("0.1%", 0.001),
    ("-2^2", -4), ("2^3^2", 512), ("2^-1", 0.5), ("2**3", 8), ("-2**2", -4),
    ("1 + 2 * 3", 7), ("(1 + 2) * 3", 9), ("10 / 4", 2.5), ("7 - 2 - 1", 4), ("8 / 2 / 2", 2),
    ("1 < 2", 1), ("2 <= 1", 0), ("3 > 2", 1), ("2 >= 3", 0), ("1 == 1", 1), ("1 != 1", 0),
    ("1 and 0", 0), ("2 and 3", 1), ("0 or 0", 0), ("0 or 5", 1), ("not 0", 1), ("not 3", 0),
    ("not 1 < 2", 0), ("1 < 2 and 3 < 4", 1), ("0 and 1 or 1", 1),
    ("1 to 3", 2), ("1 + 1 to 3 + 3", 4), ("(1 to 3) < 3", 1),
    ("min(3, 1, 2)", 1), ("max(3, 1, 2)", 3), ("abs(-2)", 2),
    ("round(2.675, 2)", 2.68), ("round(1234, -2)", 1200), ("round(2.5)", 3), ("round(-2.5)", -3),
    ("round(0.125, 2)", 0.13), ("floor(2.7)", 2), ("ceil(2.1)", 3), ("floor(-2.5)", -3),
    ("exp(0)", 1), ("ln(1)", 0), ("log10(1000)", 3), ("sqrt(16)", 4),
    ("clamp(5, 0, 3)", 3), ("clamp(-1, 0, 3)", 0), ("clamp(2, 0, 3)", 2),
    ("if(1, 10, 20)", 10), ("if(0, 10, 20)", 20), ("if(2 > 1, 10, 20)", 10),
    ("normal(5, 2)", 5), ("uniform(1, 3)", 2), ("triangular(1, 2, 6)", 3),
    ("lognormal(0, 0)", 1),
])
def test_constant_expressions(expr, expected):
    got = values(Y3 + f"x = {expr}\n")["x"]
    assert got == approx([expected] * 3)


def test_lognormal_mean():
    got = values(Y3 + "x = lognormal(1, 0.5)\n")["x"][0]
    assert got == pytest.approx(math.exp(1 + 0.125))


def test_current_year_and_lags():
    v = values("""\
        years 2024..2027
        t2 = t
        a = t - 2000
        b[2024] = 1
        b = b[t-1] + a
        c[..2026] = a[t+1]
        c[2027] = 0
        d = a[2025]
        e = a[t-0]
        """)
    assert v["t2"] == [2024, 2025, 2026, 2027]
    assert v["b"] == [1, 26, 52, 79]
    assert v["c"] == [25, 26, 27, 0]
    assert v["d"] == [25] * 4
    assert v["e"] == v["a"]


def test_specificity_and_year_maps():
    v = values("""\
        years 2024..2030
        g = {2025: 45%, 2026: 32%, 2027..2028: 20%, 2029..: 12%}
        x = 1
        x[2026..2027] = 2
        x[2027] = 3
        y = {..2025: 1, 2028..: 2}
        """)
    assert v["g"] == approx([None, 0.45, 0.32, 0.2, 0.2, 0.12, 0.12])
    assert v["x"] == [1, 1, 2, 3, 1, 1, 1]
    assert v["y"] == [1, 1, None, None, 2, 2, 2]


def test_interp_and_step():
    v = values("""\
        years 2024..2030
        a = interp({2024: 10%, 2030: 40%})
        b = interp({2026: 1, 2028: 3})
        c = step({2024: 1, 2027: 5})
        d = step({2026: 1, 2028: 3})
        e = interp({2020: 0, 2040: 20})
        f = interp({2027: 7})
        """)
    assert v["a"] == approx([0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4])
    assert v["b"] == approx([1, 1, 1, 2, 3, 3, 3])
    assert v["c"] == [1, 1, 1, 5, 5, 5, 5]
    assert v["d"] == [1, 1, 1, 1, 3, 3, 3]
    assert v["e"] == approx([4, 5, 6, 7, 8, 9, 10])
    assert v["f"] == [7] * 7


def test_time_functions():
    v = values("""\
        years 2024..2028
        x = {2024: 1, 2025: 2, 2026: 4, 2027: 8, 2028: 16}
        s = sum(x[2025..2027])
        m = mean(x[2026..])
        lo = min(x[..2026])
        hi = max(x[2024..2028])
        c = cumsum(x)
        g[2025..] = growth(x)
        r = cagr(x, 2024, 2028)
        """)
    assert v["s"] == [14] * 5
    assert v["m"] == [28 / 3] * 5
    assert v["lo"] == [1] * 5
    assert v["hi"] == [16] * 5
    assert v["c"] == [1, 3, 7, 15, 31]
    assert v["g"] == [None, 1, 1, 1, 1]
    assert v["r"] == approx([1.0] * 5)


def test_recurrence_and_mutual_lags():
    v = values("""\
        years 2024..2027
        capex[2024] = 230B
        capex = capex[t-1] * (1 + growth_rate)
        growth_rate = 10%
        a[2024] = 1
        a = b[t-1] + 1
        b = a * 2
        """)
    assert v["capex"] == approx([230e9, 253e9, 278.3e9, 306.13e9])
    assert v["a"] == [1, 3, 7, 15]
    assert v["b"] == [2, 6, 14, 30]


def test_declaration_order_does_not_matter():
    a = values("years 2024..2025\nz = y * 2\ny = x + 1\nx = 1\n")
    b = values("years 2024..2025\nx = 1\ny = x + 1\nz = y * 2\n")
    assert a == {k: b[k] for k in a}


def test_scenarios_layer_on_parents():
    text = """\
        model "m"
        years 2024..2026
        share = interp({2024: 10%, 2026: 40%})
        growth_rate = 10%
        scenario bull "Faster" {
          share = 50%
          growth_rate[2026] = 30%
        }
        scenario moon extends bull {
          share[2025] = 90%
        }
        """
    assert values(text, "bull")["share"] == [0.5] * 3
    assert values(text, "bull")["growth_rate"] == approx([0.1, 0.1, 0.3])
    assert values(text, "moon")["share"] == [0.5, 0.9, 0.5]
    assert values(text, "moon")["growth_rate"] == approx([0.1, 0.1, 0.3])


def test_nonfinite_values_warn_and_continue():
    from engine import evaluate
    from tests.helpers import model

    m = model("years 2024..2025\nz = 0\nx = 1 / z\ny = ln(z - 1)\nw = x - x\n")
    r = evaluate(m)
    assert r.series("x") == [math.inf, math.inf]
    assert all(math.isnan(v) for v in r.series("y"))
    warned = {(w.message.split()[0], w.span.line) for w in r.warnings}
    assert warned == {("x", 3), ("y", 4), ("w", 5)}
    assert all(w.severity == "warning" for w in r.warnings)


def test_nan_policy():
    v = values("years 2024..2024\nn = 0/0\na = n < 1\nb = max(n, 1)\nc = if(n, 1, 2)\nd = n and 0\n")
    assert all(math.isnan(v[k][0]) for k in "abcd")


def test_untaken_branch_does_not_matter():
    v = values("years 2024..2024\nz = 0\nx = if(z == 0, 0, 1 / z)\n")
    assert v["x"] == [0]


def test_comments_and_docs():
    from tests.helpers import model

    m = model("""\
        # a comment
        years 2024..2025  # trailing
        ## The first line of doc
        ## and the second
        x = 1  # one
        # not a doc
        y = x
        """)
    assert m.info["x"].doc == "The first line of doc\nand the second"
    assert m.info["y"].doc is None


def test_continuation_lines():
    v = values("""\
        years 2024..2026
        x = interp({
          2024: 1,
          2026: 3,
        })
        y = max(x,
                2)
        """)
    assert v["x"] == approx([1, 2, 3])
    assert v["y"] == approx([2, 2, 3])


def test_variables_named_like_frame_columns():
    from engine import evaluate
    from tests.helpers import model

    m = model("years 2024..2025\nyear = t * 2\nbatch = year + 1\n__yi = 5\n")
    r = evaluate(m)
    assert r.series("year") == [4048, 4050]
    assert r.series("batch") == [4049, 4051]
    assert r.frame.columns == ["year_", "year", "batch", "__yi"]
    assert r.frame["year_"].to_list() == [2024, 2025]


def test_round_inside_a_recurrence():
    v = values("years 2024..2026\nb[2024] = 1\nb = b[t-1] + round(2.675, 2)\nc = b + round(b, -1)\n")
    assert v["b"] == approx([1, 3.68, 6.36])
    assert v["c"] == approx([1, 3.68, 16.36])
