"""Property: on random models with dims (member maps, per-member overrides,
selections, broadcasts, sums and means over a dim, lags and per-member
recurrences), every derivative with respect to one member, or to every
member at once, of a member cell agrees with central finite differences of
models re-evaluated through `--set` overrides, away from kinks."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import evaluate, load_model, parse_overrides
from engine.sensitivity import derivatives

FIRST = 2020
MEMBERS = ("a", "b", "c")


@st.composite
def leaf(draw, names, dims):
    kind = draw(st.sampled_from(["same", "same", "lag", "select", "sum", "mean", "const"]))
    if kind == "const" or not names:
        return draw(st.sampled_from(["0.5", "2", "1.25", "30%"])), False
    name = draw(st.sampled_from(names))
    if kind == "lag":
        return f"{name}[t-1]", dims[name]
    if kind in ("select", "sum", "mean") and dims[name]:
        if kind == "select":
            return f"{name}[{draw(st.sampled_from(MEMBERS))}]", False
        return f"{kind}({name}, company)", False
    return name, dims[name]


@st.composite
def dims_models(draw):
    n_years = draw(st.integers(3, 4))
    last = FIRST + n_years - 1
    lines = [f"years {FIRST}..{last}", "dim company = {a, b, c}"]
    names: list[str] = []
    dims: dict[str, bool] = {}
    for k in range(draw(st.integers(1, 3))):
        name = f"in{k}"
        form = draw(st.sampled_from(["map", "override", "const"]))
        if form == "map":
            lines.append(f"{name} = {{a: 1.5, b: 0.8, c: 2.5}}")
        elif form == "override":
            lines += [f"{name} = 1.2", f"{name}[b] = 0.7", f"{name}[c, {FIRST + 1}] = 1.9"]
        else:
            lines.append(f"{name} = 1.1")
        names.append(name)
        dims[name] = form != "const"
    for k in range(draw(st.integers(2, 5))):
        name = f"v{k}"
        if k % 2 == 1 and draw(st.booleans()):  # a per-member recurrence
            g = draw(st.sampled_from(names))
            start = "{a: 1, b: 2, c: 0.5}"
            lines += [f"{name}[{FIRST}] = {start}", f"{name} = {name}[t-1] * (1 + {g} / 10) + 0.1"]
            dims[name] = True
        else:
            (a, da), (b, db) = draw(leaf(names, dims)), draw(leaf(names, dims))
            shape = draw(st.sampled_from(["{a} + {b}", "{a} * {b}", "{a} / (1 + {b} ^ 2)",
                                          "exp({a} / 10) - {b}", "{a} ^ 2 / 3 + {b}"]))
            body = shape.format(a=a, b=b)
            if "[t-1]" in body:
                lines += [f"{name}[{FIRST}] = 1", f"{name}[{FIRST + 1}..] = {body}"]
            else:
                lines.append(f"{name} = {body}")
            dims[name] = da or db
        names.append(name)
    return "\n".join(lines) + "\n", names, dims


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dims_models(), st.data())
def test_member_derivatives_match_finite_differences(spec, data):
    text, names, dims = spec
    m = load_model(text, "random.scn")
    base = evaluate(m)
    x = data.draw(st.sampled_from(names))
    x_dims = bool(m.dims_of[x])
    member = data.draw(st.sampled_from([None, *MEMBERS])) if x_dims else None
    xm = (member,) if member else ()
    rows = [(mm,) for mm in MEMBERS] if x_dims and member is None else [xm]
    cover = base.plan.cover[x]
    from engine.address import combo_index
    years = [FIRST + i for i in range(len(m.axis))
             if all(cover.at(combo_index(m, x, r), i) is not None for r in rows)]
    if not years:
        return
    one = data.draw(st.booleans())
    moved = [data.draw(st.sampled_from(years))] if one else years
    wrt = x + (f"[{', '.join([*xm, *(map(str, moved) if one else [])])}]" if xm or one else "")
    out = data.draw(st.sampled_from(names))
    om = (data.draw(st.sampled_from(MEMBERS)),) if m.dims_of[out] else ()
    label = f"{out}[{om[0]}]" if om else out
    d = derivatives(m, label, wrt)

    values = {(r, yr): base.value(x, yr, r) for r in rows for yr in moved}
    h = 1e-4 * max(max(abs(v) for v in values.values()), 1e-2)

    def lhs(r, yr=None):
        items = [*r, *([str(yr)] if yr is not None else [])]
        return f"{x}[{', '.join(items)}]" if items else x

    def run(delta):
        if one:
            sets = [f"{lhs(r, moved[0])} = {values[(r, moved[0])] + delta!r}" for r in rows]
        else:
            sets = [f"{lhs(r)} = {{" + ", ".join(f"{yr}: {values[(r, yr)] + delta!r}"
                                                 for yr in moved) + "}" for r in rows]
        return evaluate(m, "base", parse_overrides(m, sets))
    runs = {s: run(s * h) for s in (1, -1, 0.5, -0.5)}
    for k, yr in enumerate(m.years):
        y0 = base.value(out, yr, om)
        f = {s: r.value(out, yr, om) for s, r in runs.items()}
        if any(v is None for v in [y0, *f.values()]):
            continue
        if not all(math.isfinite(v) and abs(v) < 1e12 for v in [y0, *f.values()]):
            continue
        fwd, bwd = (f[0.5] - y0) / (h / 2), (y0 - f[-0.5]) / (h / 2)
        noise = 1e-11 * max(abs(y0), 1) / h
        if abs(fwd - bwd) > 1e-3 * max(abs(fwd), abs(bwd)) + noise:
            continue
        fd = (4 * (f[0.5] - f[-0.5]) / h - (f[1] - f[-1]) / (2 * h)) / 3
        got = d.derivative[k]
        assert got is not None, (wrt, label, yr)
        assert got == pytest.approx(fd, rel=1e-6, abs=noise), (wrt, label, yr, text)
