"""Property: on random models with lags, recurrences, time functions, kinks
and scenarios, every derivative agrees with central finite differences of
models re-evaluated through `--set` overrides (an independent path: the
override is parsed and layered like a user's), away from kinks."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import evaluate, load_model, parse_overrides
from engine.sensitivity import derivatives

FIRST = 2020


@st.composite
def leaf(draw, names, lagged):
    kind = draw(st.sampled_from(["same", "same", "lag", "const", "t"]))
    if kind == "const" or not names:
        return draw(st.sampled_from(["0.5", "2", "1.25", "30%", "3"]))
    if kind == "t":
        return f"(t - {FIRST}) / 4"
    name = draw(st.sampled_from(names))
    if kind == "lag" and name in lagged:
        return f"{name}[t-1]"
    return name


@st.composite
def formula(draw, names, lagged, positive):
    a, b = draw(leaf(names, lagged)), draw(leaf(names, lagged))
    c = draw(st.sampled_from(positive)) if positive else "2"
    shapes = [
        f"{a} + {b}", f"{a} * {b}", f"{a} - 2 * {b}", f"{a} / (1 + {b} ^ 2)", f"{a} ^ 2 / 3",
        f"exp({a} / 10)", f"ln(1 + {a} ^ 2)", f"sqrt(1 + {b} ^ 2)", f"max({a}, {b})",
        f"min({a}, {b} + 0.3)", f"abs({a} - {b})", f"if({a} > {b}, {a} * 2, {b})",
        f"clamp({a}, -1, 4)", f"cumsum({c})", f"sum({c}[{FIRST}..{FIRST + 1}])",
        f"growth({c})", f"cagr({c}, {FIRST}, {FIRST + 2})", f"mean({c}[..{FIRST + 1}]) * {a}",
        f"interp({{{FIRST}: {a}, {FIRST + 3}: 1}})" if a in names else f"{a} * 1.5",
        f"normal({a}, 1) + uniform(0, {b})",
    ]
    return draw(st.sampled_from(shapes))


@st.composite
def random_models(draw):
    n_years = draw(st.integers(3, 5))
    last = FIRST + n_years - 1
    lines = [f"years {FIRST}..{last}"]
    names: list[str] = []
    lagged: set[str] = set()  # variables whose lags are safe (they have a value in every year)
    positive: list[str] = []  # > 0 in every year: growth, cagr and ln of them are defined
    inputs: list[str] = []
    for k in range(draw(st.integers(1, 3))):
        name = f"in{k}"
        form = draw(st.sampled_from(["const", "map", "interp"]))
        v = draw(st.sampled_from(["1.5", "0.8", "2.5", "40%"]))
        if form == "const":
            lines.append(f"{name} = {v}")
        elif form == "map":
            lines.append(f"{name} = {{..{FIRST + 1}: {v}, {FIRST + 2}..: 1.1}}")
        else:
            lines.append(f"{name} = interp({{{FIRST}: {v}, {last}: 2}})")
        names.append(name)
        inputs.append(name)
        lagged.add(name)
        positive.append(name)
    for k in range(draw(st.integers(2, 6))):
        name = f"v{k}"
        if draw(st.booleans()) and k % 3 == 2:  # a recurrence
            g = draw(st.sampled_from(names))
            lines.append(f"{name}[{FIRST}] = {draw(st.sampled_from(['1', '2', '0.5']))}")
            lines.append(f"{name} = {name}[t-1] * (1 + {g} / 10) + 0.1")
        else:
            body = draw(formula(names, lagged, positive))
            if "[t-1]" in body or "growth(" in body:
                lines.append(f"{name}[{FIRST}] = 1")
                lines.append(f"{name}[{FIRST + 1}..] = {body}")
            else:
                lines.append(f"{name} = {body}")
        names.append(name)
        lagged.add(name)
        pname = f"p{k}"
        lines.append(f"{pname} = exp({name} / 100)")  # a positive companion for growth and cagr
        names.append(pname)
        lagged.add(pname)
        positive.append(pname)
    scenario = draw(st.sampled_from(inputs))
    lines += ["scenario alt {", f"  {scenario} = 1.7", "}"]
    return "\n".join(lines) + "\n", names, inputs


def _value(r, name, year):
    v = r.value(name, year)
    return math.nan if v is None else v


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_models(), st.data())
def test_derivatives_match_finite_differences(spec, data):
    text, names, inputs = spec
    m = load_model(text, "random.scn")
    scenario = data.draw(st.sampled_from(["base", "alt"]))
    x = data.draw(st.sampled_from(inputs + [n for n in names if n.startswith("v")]))
    one_cell = data.draw(st.booleans())
    base = evaluate(m, scenario)
    first = m.years[0]
    row = base.plan.cover[x].row(0)
    years = [first + i for i, p in enumerate(row) if p is not None]
    if one_cell:
        year = data.draw(st.sampled_from(years))
        wrt = f"{x}[{year}]"
        moved = [year]
    else:
        wrt, moved = x, years
    out = data.draw(st.sampled_from(names))
    d = derivatives(m, out, wrt, scenario)

    xs = {yr: base.value(x, yr) for yr in moved}
    h = 1e-4 * max(max(abs(v) for v in xs.values()), 1e-2)

    def run(delta):
        if one_cell:
            text = f"{wrt} = {xs[moved[0]] + delta!r}"
        else:
            text = f"{x} = {{" + ", ".join(f"{yr}: {xs[yr] + delta!r}" for yr in moved) + "}"
        return evaluate(m, scenario, parse_overrides(m, [text]))
    runs = {s: run(s * h) for s in (1, -1, 0.5, -0.5)}
    for k, yr in enumerate(m.years):
        y0 = _value(base, out, yr)
        f = {s: _value(r, out, yr) for s, r in runs.items()}
        if not all(math.isfinite(v) and abs(v) < 1e12 for v in [y0, *f.values()]):
            continue
        fwd, bwd = (f[0.5] - y0) / (h / 2), (y0 - f[-0.5]) / (h / 2)
        noise = 1e-11 * max(abs(y0), 1) / h
        if abs(fwd - bwd) > 1e-3 * max(abs(fwd), abs(bwd)) + noise:
            continue  # a kink (max, if, abs, clamp) within reach of the step
        fd = (4 * (f[0.5] - f[-0.5]) / h - (f[1] - f[-1]) / (2 * h)) / 3
        got = d.derivative[k]
        assert got is not None, (wrt, out, yr)
        assert got == pytest.approx(fd, rel=1e-6, abs=noise), (wrt, out, yr, text)
