"""Sensitivities: exact derivatives against re-evaluated finite differences,
readable formulas, the tornado, and the rules of the house (no text reaches
sympy's parser, perturbations run as one batch)."""

from __future__ import annotations

import math
import re
import textwrap
from pathlib import Path

import numpy as np
import pytest

from engine import evaluate, load_model, parse_overrides
from engine import tangent as tangent_module
from engine.levers import Lever, is_input
from engine.sensitivity import derivative_formula, derivatives, levers, tornado
from engine.tangent import run_tangent, tangent_plan

ROOT = Path(__file__).resolve().parent.parent
# Models without dims (version 1's path through the tangent): the bundled
# scenarios without dims (one yearly, one monthly, one quarterly), and the
# yearly models as they were before the bundled ones went per company or
# monthly (kept in tests/models; the bundled ai_capex's derivatives are
# checked in test_sens_dims).
BUNDLED = ["ai_capex", "saas_revenue_v1", "saas_revenue", "google_capex_quarterly",
           "unit_economics"]


def load(name: str):
    if name == "ai_capex":
        name = "ai_capex_v1"
    folder = "tests/models" if name.endswith("_v1") else "scenarios"
    path = ROOT / folder / f"{name}.scn"
    return load_model(path.read_text(), str(path))


def model(text: str):
    return load_model(textwrap.dedent(text), "test.scn")


# ---------------------------------------------------------------- finite differences


def outputs_moved(m, scenario, var, deltas, overrides=None) -> np.ndarray:
    """Every variable by year with `var` held at base + delta (each delta a row of one batch)."""
    base = evaluate(m, scenario, overrides)
    n = len(m.years)
    x = np.nan_to_num(np.array(base.series(var), dtype=float))
    have = base.plan.cover[var].defined[0]
    rows = np.stack([np.where(have, x + d, x) for d in deltas])
    moved = evaluate(m, scenario, overrides, batch=len(deltas), given={var: rows})
    return np.stack([moved.raw.get_column(v).to_numpy().astype(float).reshape(len(deltas), n)
                     for v in m.variables])  # (variables, rows, years)


def central(m, scenario, var, h):
    """Richardson-extrapolated central differences, and one-sided ones to spot kinks."""
    f = outputs_moved(m, scenario, var, [h, -h, h / 2, -h / 2, 0.0])
    d1 = (f[:, 0] - f[:, 1]) / (2 * h)
    d2 = (f[:, 2] - f[:, 3]) / h
    fwd, bwd = (f[:, 2] - f[:, 4]) / (h / 2), (f[:, 4] - f[:, 3]) / (h / 2)
    return (4 * d2 - d1) / 3, fwd, bwd, f[:, 4]


def agree(exact: np.ndarray, fd: np.ndarray, fwd, bwd, y, h) -> np.ndarray:
    """Where the derivative matches (True), or the cell sits at a kink (skipped)."""
    scale = np.maximum(np.abs(exact), np.abs(fd))
    noise = 1e-12 * np.nanmax(np.abs(y), axis=-1, keepdims=True) / h
    kink = np.abs(fwd - bwd) > 1e-3 * np.maximum(np.abs(fwd), np.abs(bwd)) + noise
    ok = np.abs(exact - fd) <= 1e-6 * scale + noise
    both_nan = np.isnan(exact) & np.isnan(fd)
    return ok | kink | both_nan | ~np.isfinite(y)


@pytest.mark.parametrize("name", BUNDLED)
def test_every_derivative_of_the_bundled_scenarios_matches_finite_differences(name):
    m = load(name)
    checked = 0
    for scenario in m.scenarios:
        result = evaluate(m, scenario)
        plan = result.plan
        outputs = frozenset(m.variables)
        for lever in levers(m, plan, m.variables[-1]) + [
                Lever(v, v, (), True) for v in m.variables
                if is_input(m, plan.cover[v])]:
            if not lever.whole:
                continue
            x = lever.var
            seed = plan.cover[x].defined.astype(float)
            tangent = tangent_plan(plan, frozenset([x]), outputs)
            exact = run_tangent(tangent, result.raw, {x: seed}, list(m.variables))
            exact = np.stack([exact[v][0] for v in m.variables])
            xs = np.array(result.series(x), dtype=float)
            h = 1e-4 * max(float(np.nanmax(np.abs(xs))), 1e-3)
            fd, fwd, bwd, y = central(m, scenario, x, h)
            good = agree(exact, fd, fwd, bwd, y, h)
            bad = [(m.variables[a], m.years[b], exact[a, b], fd[a, b])
                   for a, b in zip(*np.nonzero(~good))]
            assert not bad, f"{scenario}: d/d {x}: {bad[:5]}"
            checked += good.size
    assert checked > 0


@pytest.mark.parametrize("name", BUNDLED)
def test_cell_derivatives_of_starting_values_match_overrides(name):
    """`capex[2024]` moved alone: the recurrence carries on from it, as --set does."""
    m = load(name)
    plan = evaluate(m).plan
    for lever in levers(m, plan, m.variables[-1]):
        if lever.whole:
            continue
        year = m.years[lever.years[0]]
        wrt = f"{lever.var}[{m.labels[lever.years[0]]}]"  # 2025, 2025Q3 or 2025-07
        v = evaluate(m).value(lever.var, year)
        h = 1e-4 * max(abs(v), 1e-3)
        runs = {s: evaluate(m, overrides=parse_overrides(m, [f"{wrt} = {v + s * h!r}"]))
                for s in (1, -1, 0.5, -0.5)}
        for out in m.variables:
            d = derivatives(m, out, wrt)
            for k, yr in enumerate(m.years):
                vals = {s: r.value(out, yr) for s, r in runs.items()}
                if d.derivative[k] is None or None in vals.values():
                    continue
                d1 = (vals[1] - vals[-1]) / (2 * h)
                d2 = (vals[0.5] - vals[-0.5]) / h
                fd = (4 * d2 - d1) / 3
                y = abs(evaluate(m).value(out, yr) or 0)
                assert d.derivative[k] == pytest.approx(fd, rel=1e-6, abs=1e-12 * y / h), (out, yr)


def test_the_seed_question_per_point_of_asic_share():
    """How much does the optical-module TAM change per point of ASIC share? Exactly."""
    m = load("ai_capex")
    d = derivatives(m, "optics_tam", "asic_share")
    r = evaluate(m)
    for k, yr in enumerate(m.years):
        v = {n: r.value(n, yr) for n in m.variables}
        expected = v["accel_spend"] * (v["optics_per_pflops_asic"] / v["asic_cost_per_pflops"]
                                       - v["optics_per_pflops_gpu"] / v["gpu_cost_per_pflops"])
        assert d.derivative[k] == pytest.approx(expected, rel=1e-12)
        # the model's own hand-written sensitivity line agrees (it is per point)
        assert d.derivative[k] / 100 == pytest.approx(v["optics_per_asic_point"], rel=1e-12)
        assert d.elasticity[k] == pytest.approx(expected * v["asic_share"] / v["optics_tam"])
    assert d.depends and not d.compounds


def test_elasticity_is_the_derivative_of_logs():
    m = load("ai_capex")
    d = derivatives(m, "optics_tam", "capex_growth")
    eps = 1e-6
    up = outputs_moved(m, "base", "capex_growth", [0.0])  # base
    r = evaluate(m)
    g = np.nan_to_num(np.array(r.series("capex_growth"), dtype=float))
    rows = np.stack([g * (1 + eps), g * (1 - eps)])
    moved = evaluate(m, batch=2, given={"capex_growth": rows})
    y = moved.raw.get_column("optics_tam").to_numpy().reshape(2, -1)
    fd = (np.log(y[0]) - np.log(y[1])) / (2 * eps)
    assert np.allclose(np.array(d.elasticity, dtype=float), fd, rtol=1e-6, atol=1e-9)
    assert d.compounds
    assert up.shape[1] == 1


# ---------------------------------------------------------------- formulas


def test_seed_formula_in_the_models_own_names():
    f = derivative_formula(load("ai_capex"), "optics_tam", "asic_share")
    assert f.text == ("accel_spend*(optics_per_pflops_asic/asic_cost_per_pflops"
                      " - optics_per_pflops_gpu/gpu_cost_per_pflops)")
    assert not f.compounds and f.depends and f.note == ""


def test_inline_writes_inputs_and_names_the_recurrences_left():
    f = derivative_formula(load("ai_capex"), "optics_tam", "asic_share", inline=True)
    assert f.text == ("accel_share*ai_share*capex*optics_per_pflops_gpu*"
                      "(asic_optics_multiplier/asic_cost_ratio - 1)/gpu_cost_per_pflops")
    assert "recurrences stay names: capex, gpu_cost_per_pflops, optics_per_pflops_gpu" in f.note


def test_a_recurrence_prints_its_one_step_rule_and_compounds():
    f = derivative_formula(load("ai_capex"), "optics_tam", "capex_growth")
    assert f.compounds
    assert [(r.variable, r.years[0], r.formula) for r in f.rules] == [
        ("optics_tam", 2024, "accel_share*ai_share*d(capex)*(asic_share*optics_per_pflops_asic/"
         "asic_cost_per_pflops + optics_per_pflops_gpu*(1 - asic_share)/gpu_cost_per_pflops)"),
        ("capex", 2024, "0"),
        ("capex", 2025, "capex[t-1] + d(capex[t-1])*(1 + capex_growth)"),
    ]
    assert "compounds: capex carries the change into later years" in f.note


def test_one_cell_formula_holds_in_its_year_only():
    f = derivative_formula(load("ai_capex"), "optics_tam", "asic_share[2030]")
    assert f.text.splitlines() == [
        "2024..2029: 0",
        "2030: accel_spend*(optics_per_pflops_asic/asic_cost_per_pflops"
        " - optics_per_pflops_gpu/gpu_cost_per_pflops)"]


def test_output_that_does_not_depend_says_so():
    m = load("ai_capex")
    f = derivative_formula(m, "optics_tam", "google_capex")
    assert f.text == "0" and not f.depends
    assert f.note == "optics_tam does not depend on google_capex: the derivative is 0"
    d = derivatives(m, "optics_tam", "google_capex")
    assert not d.depends and set(d.derivative) == {0.0}


FUNCTIONS_MODEL = """\
years 2024..2027
a = interp({2024: 1, 2027: 4})
b = 0.5
c = max(a, 2) + min(a * b, 1) + abs(a - 2.5) + clamp(a, 1.5, 3)
d = if(a > 2, a ^ 2, ln(a) + exp(b)) + round(a * 10) / 10 + sqrt(a)
e = c * d + cumsum(a) + growth(a)
e[2024] = 0
f = sum(e[2025..2027]) + mean(a[..2026]) + cagr(a, 2024, 2027) + normal(a, 1) + (b to a)
g = step({2024: a, 2026: a * 3}) + interp({2023: e, 2026: a ^ 2, 2030: 1}) + lognormal(a / 10, 0.5)
"""


def test_functions_differentiate_along_the_branch_taken():
    m = model(FUNCTIONS_MODEL)
    for out in ("c", "d", "e", "f", "g"):
        d = derivatives(m, out, "a")
        fd, fwd, bwd, y = central(m, "base", "a", 1e-5)
        i = m.variables.index(out)
        for k in range(len(m.years)):
            if d.derivative[k] is None:
                continue
            if abs(fwd[i, k] - bwd[i, k]) > 1e-3 * max(abs(fwd[i, k]), 1):
                continue  # a kink or a step of round: no derivative to compare
            assert d.derivative[k] == pytest.approx(fd[i, k], rel=1e-6, abs=1e-9), (out, k)


def test_flat_functions_and_distributions_are_named_in_the_note():
    m = model(FUNCTIONS_MODEL)
    f = derivative_formula(m, "d", "a")
    assert "round has derivative 0 (it is flat between its steps)" in f.note
    assert "distributions are differentiated at their mean" in derivative_formula(m, "f", "a").note


def test_formulas_print_in_the_language():
    m = model("""\
        years 2024..2026
        x = 2
        y = max(x, 1) * x ^ 3 + ln(x) * x + if(x > 1, x, 0) + abs(x - 1)
    """)
    text = derivative_formula(m, "y", "x").text
    assert text == ("1 + x^3*if(x > 1, 1, 0) + 3*x^2*max(x, 1) + if(x > 1, 1, 0) + ln(x)"
                    " + if(x > 1, 1, if(x < 1, -1, 0))")


def test_a_long_chain_is_over_budget_and_shown_step_by_step():
    lines = ["years 2024..2025", "x0 = 1.5"]
    for k in range(1, 40):
        lines.append(f"x{k} = x{k - 1} * x{k - 1} / (1 + x{k - 1}) + x0")
    m = model("\n".join(lines) + "\n")
    f = derivative_formula(m, "x39", "x0")
    assert "not simplified: over budget" in f.note
    assert f.rules[0].variable == "x39" and len(f.rules) == 39
    assert f.rules[-1].variable == "x1"
    assert f.rules[-1].formula == "1 + 2*x0/(1 + x0) - x0^2/(1 + x0)^2"  # d x1 / d x0
    d = derivatives(m, "x39", "x0")
    fd, _, _, _ = central(m, "base", "x0", 1e-6)
    assert d.derivative[0] == pytest.approx(fd[-1, 0], rel=1e-6)


# ---------------------------------------------------------------- tornado


def test_tornado_ranks_by_exact_change_and_matches_overrides():
    m = load("ai_capex")
    rows = tornado(m, "optics_tam", 2030)
    swings = [float(f"{r.swing:.9g}") for r in rows]  # rounding noise does not rank
    assert swings == sorted(swings, reverse=True)
    names = [r.input for r in rows]
    assert names[:2] == ["compute_cost_decline", "optics_per_pflops_decline"]
    assert "capex[2024]" in names and "google_capex" not in names
    r0 = evaluate(m).value("optics_tam", 2030)
    by = {r.input: r for r in rows}
    # exact changes are the runs an analyst would make by hand
    hand = {"asic_optics_multiplier": "asic_optics_multiplier = 3.8 * 1.1",
            "capex[2024]": "capex[2024] = 265B * 1.1",
            "asic_share": "asic_share = interp({2024: 10%, 2030: 45%}) * 1.1"}
    for name, text in hand.items():
        moved = evaluate(m, overrides=parse_overrides(m, [text])).value("optics_tam", 2030)
        assert by[name].exact_high == pytest.approx(moved - r0, rel=1e-9)
    # a linear input: the first-order estimate is exact
    lin = by["asic_share"]
    assert lin.estimate_high == pytest.approx(lin.exact_high, rel=1e-9)
    assert lin.derivative == pytest.approx(derivatives(m, "optics_tam", "asic_share").derivative[-1])


def test_tornado_runs_all_perturbations_in_one_batch(monkeypatch):
    m = load("ai_capex")
    evaluate(m)  # the base run is not what we count
    calls = []
    real = tangent_module.run

    def counting(plan, batch=1, given=None, **kw):
        calls.append(batch)
        return real(plan, batch=batch, given=given, **kw)
    import engine.tornado as T

    monkeypatch.setattr(tangent_module, "run", counting)  # the tangent run
    monkeypatch.setattr(T, "run", counting)  # the perturbation run
    rows = tornado(m, "optics_tam", 2030)
    k = len(rows)
    assert sorted(calls) == [2 * k, 2 * k + 1]  # derivatives in one run, perturbations in one


def test_tornado_pct_and_a_year_without_inputs():
    m = load("ai_capex")
    five = {r.input: r for r in tornado(m, "optics_tam", 2030, pct=0.05)}
    ten = {r.input: r for r in tornado(m, "optics_tam", 2030, pct=0.10)}
    assert five["asic_share"].exact_high == pytest.approx(ten["asic_share"].exact_high / 2)
    assert tornado(m, "asic_share", 2030)[0].input == "asic_share"


# ---------------------------------------------------------------- rules of the house


def test_no_text_reaches_sympys_parser():
    """sympify, parse_expr and lambdify end in eval; nothing here may call them."""
    bad = re.compile(r"(sympify|parse_expr|lambdify|(?<!def )(?<![\w.])(eval|exec)|\bS)\(")
    for f in sorted(str(p.relative_to(ROOT)) for p in (ROOT / "engine").glob("*.py")):
        for n, line in enumerate((ROOT / f).read_text().splitlines(), 1):
            assert not bad.search(line.split("#")[0]), f"{f}:{n}: {line}"


def test_hostile_names_are_only_names():
    m = model("""\
        years 2024..2025
        exec = 2
        eval = exec * 3
        __import__ = eval + exec
        E = __import__ * 2
    """)
    f = derivative_formula(m, "E", "exec", inline=True)
    assert f.text == "8"
    assert derivatives(m, "E", "exec").derivative == (8.0, 8.0)


def test_derivatives_with_overrides_and_scenarios():
    m = load("ai_capex")
    over = parse_overrides(m, ["asic_optics_multiplier = 2"])
    d = derivatives(m, "optics_tam", "asic_share", "bull", over)
    r = evaluate(m, "bull", over)
    v = {n: r.value(n, 2030) for n in m.variables}
    expected = v["accel_spend"] * (v["optics_per_pflops_asic"] / v["asic_cost_per_pflops"]
                                   - v["optics_per_pflops_gpu"] / v["gpu_cost_per_pflops"])
    assert d.derivative[-1] == pytest.approx(expected, rel=1e-12)
    assert not math.isclose(d.derivative[-1], derivatives(m, "optics_tam", "asic_share").derivative[-1])


def test_an_output_against_one_of_its_own_cells():
    m = load("ai_capex")
    assert derivative_formula(m, "asic_share", "asic_share[2030]").text == "2024..2029: 0\n2030: 1"
    f = derivative_formula(m, "capex", "capex[2026]")
    assert f.compounds and f.text.splitlines()[-1] == "2026: 1"
    assert derivatives(m, "capex", "capex[2026]").derivative[2:4] == (1.0, 1.2)
