"""Sensitivities of quarterly and monthly models: exact derivatives of yoy, ytd,
ttm, year aggregates and interp in t, by hand and against central finite
differences of models re-evaluated through `--set` overrides written with
period labels (an independent path); the formulas name periods by label."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import evaluate, parse_overrides
from engine.sensitivity import derivative_formula, derivatives
from helpers import model

QUARTERLY = """\
quarters 2025Q1..2026Q4
x = interp({2025: 1, 2026Q4: 2})
y[2026..] = yoy(x)
d = ytd(x)
k[2025Q4..] = ttm(x)
s = sum(x[2025]) * quarter()
"""


def test_exact_derivatives_of_the_window_functions_by_hand():
    m = model(QUARTERLY)
    r = evaluate(m)
    x = r.series("x")
    assert derivatives(m, "d", "x").derivative == (1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0, 4.0)
    assert derivatives(m, "k", "x").derivative == (None, None, None, 4.0, 4.0, 4.0, 4.0, 4.0)
    assert derivatives(m, "s", "x").derivative == (4.0, 8.0, 12.0, 16.0) * 2
    # d(x/x[t-4] - 1)/dx, x moved in every period: (x[t-4] - x) / x[t-4]^2
    want = [(x[i - 4] - x[i]) / x[i - 4] ** 2 for i in range(4, 8)]
    assert derivatives(m, "y", "x").derivative[4:] == pytest.approx(want, rel=1e-12)
    # one cell moved: ytd reads it in the rest of its year only
    assert derivatives(m, "d", "x[2025Q2]").derivative == (0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0,
                                                            0.0)


def test_formulas_name_periods_by_label():
    m = model(QUARTERLY)
    assert derivative_formula(m, "y", "x").text == "(1 - x/x[t-4])/x[t-4]"
    assert derivative_formula(m, "k", "x").text == "4"
    assert derivative_formula(m, "s", "x").text == "4*quarter()"
    assert derivative_formula(m, "d", "x[2025Q2]").text == (
        "2025Q1, 2026Q1..2026Q4: 0\n2025Q2..2025Q4: 1")


# ---------------------------------------------------------------- property

FIRST = 2024 * 4  # 2024Q1


def label(p: int) -> str:
    return f"{p // 4}Q{p % 4 + 1}"


@st.composite
def quarterly_models(draw):
    n = draw(st.integers(9, 12))
    last = FIRST + n - 1
    lines = [f"quarters {label(FIRST)}..{label(last)}"]
    names: list[str] = []
    inputs: list[str] = []
    for k in range(draw(st.integers(1, 2))):
        name = f"in{k}"
        v = draw(st.sampled_from(["1.5", "0.8", "2.5", "40%"]))
        form = draw(st.sampled_from(["const", "map", "interp"]))
        if form == "const":
            lines.append(f"{name} = {v}")
        elif form == "map":
            lines.append(f"{name} = {{2024: {v}, 2025Q1..: 1.1}}")
        else:
            lines.append(f"{name} = interp({{2024: {v}, {label(last)}: 2}})")
        names.append(name)
        inputs.append(name)
    for k in range(draw(st.integers(2, 5))):
        name = f"v{k}"
        a, b = draw(st.sampled_from(names)), draw(st.sampled_from(names))
        shapes = [
            (f"{a} * {b}", 0), (f"{a} / (1 + {b} ^ 2)", 0), (f"exp({a} / 10) * quarter()", 0),
            (f"ytd({a}) * {b}", 0), (f"ttm({a})", 3), (f"yoy({a}) + {b}", 4),
            (f"sum({a}[2024]) * {b}", 0), (f"mean({a}[2024..2025Q2]) / {b}", 0),
            (f"{a}[t-1] * (t - 2024)", 1), (f"cumsum({a}) * month()", 0),
        ]
        body, head = draw(st.sampled_from(shapes))
        if head:
            lines.append(f"{name}[..{label(FIRST + head - 1)}] = 1")
            lines.append(f"{name}[{label(FIRST + head)}..] = {body}")
        else:
            lines.append(f"{name} = {body}")
        names.append(name)
    if draw(st.booleans()):  # a recurrence over quarters
        g = draw(st.sampled_from(names))
        lines.append("r[2024Q1] = 1")
        lines.append(f"r = r[t-1] * (1 + {g} / 10) + ytd({g}) / 100")
        names.append("r")
    return "\n".join(lines) + "\n", names, inputs


def _value(r, name, period):
    v = r.value(name, period)
    return math.nan if v is None else v


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(quarterly_models(), st.data())
def test_derivatives_match_finite_differences(spec, data):
    text, names, inputs = spec
    m = model(text)
    x = data.draw(st.sampled_from(inputs))
    base = evaluate(m)
    periods = list(m.years)
    one_cell = data.draw(st.booleans())
    if one_cell:
        p = data.draw(st.sampled_from(periods))
        wrt, moved = f"{x}[{label(p)}]", [p]
    else:
        wrt, moved = x, periods
    out = data.draw(st.sampled_from(names))
    d = derivatives(m, out, wrt)
    xs = {p: base.value(x, p) for p in moved}
    h = 1e-4 * max(max(abs(v) for v in xs.values()), 1e-2)

    def run(delta):
        if one_cell:
            over = f"{wrt} = {xs[moved[0]] + delta!r}"
        else:
            over = f"{x} = {{" + ", ".join(f"{label(p)}: {xs[p] + delta!r}" for p in moved) + "}"
        return evaluate(m, "base", parse_overrides(m, [over]))
    runs = {s: run(s * h) for s in (1, -1, 0.5, -0.5)}
    for k, p in enumerate(periods):
        y0 = _value(base, out, p)
        f = {s: _value(r, out, p) for s, r in runs.items()}
        if not all(math.isfinite(v) and abs(v) < 1e12 for v in [y0, *f.values()]):
            continue
        noise = 1e-11 * max(abs(y0), 1) / h
        fd = (4 * (f[0.5] - f[-0.5]) / h - (f[1] - f[-1]) / (2 * h)) / 3
        got = d.derivative[k]
        assert got is not None, (wrt, out, label(p))
        assert got == pytest.approx(fd, rel=1e-6, abs=noise), (wrt, out, label(p), text)


def test_a_quarterly_model_per_company_differentiates_through_ytd_and_yoy():
    """The dims tangent (numpy per member) restarts ytd each year as the plan does."""
    m = model("""\
quarters 2025Q1..2026Q2
dim company = {goog, meta}
g = {goog: 10%, meta: 20%}
c[2025Q1] = {goog: 1, meta: 2}
c = c[t-1] * (1 + g) + ytd(g)
tot = sum(c, company)
y = ytd(c) + yoy(tot)
y[..2025Q4] = ytd(c)
""")
    h = 1e-6
    for wrt, moved in (("g", ["g[goog] = {}", "g[meta] = {}"]),
                       ("g[goog, 2025Q2]", ["g[goog, 2025Q2] = {}"])):
        d = derivatives(m, "y[goog]", wrt).derivative

        def run(delta):
            return evaluate(m, "base", parse_overrides(
                m, [s.format(repr((0.1 if "goog" in s else 0.2) + delta)) for s in moved]))
        up, down = run(h).series("y", ("goog",)), run(-h).series("y", ("goog",))
        assert d == pytest.approx([(a - b) / (2 * h) for a, b in zip(up, down)], rel=1e-6)
    assert derivative_formula(m, "y[goog]", "g").text.splitlines()[0] == (
        "d(y[goog]) = ytd(d(c)[goog])   (2025Q1..2025Q4)")
