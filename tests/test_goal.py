"""Goal seek: every answer re-evaluated hits its target; the override it prints
reproduces it through `scn run --set`; unreachable targets are clear errors."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsl.errors import ScnError
from engine import evaluate, load_model, parse_overrides
from engine.goal import goal_seek

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "models" / "ai_capex_v1.scn"
SCN = Path(sys.executable).with_name("scn")


@pytest.fixture(scope="module")
def seed():
    text = SEED.read_text()
    return load_model(text, str(SEED)), text


def model(text: str):
    text = textwrap.dedent(text)
    return load_model(text, "test.scn"), text


def reproduced(m, g, scenario="base") -> float:
    """The target cell evaluated with the printed override: an independent check."""
    r = evaluate(m, scenario, parse_overrides(m, [g.override]))
    return r.at(g.output.variable, g.output.period)


@pytest.mark.parametrize("target, vary, year, method, detail", [
    ("optics_tam[2030] = 120B", "asic_share", None, "exact", "linear in asic_share"),
    ("optics_tam[2030] = 80B", "asic_share[2030]", None, "exact", "linear in asic_share[2030]"),
    ("optics_tam[2030] = 80B", "asic_share", 2030, "exact", "linear in asic_share[2030]"),
    ("optics_tam[2030] = 120B", "capex_growth", None, "exact", "degree 6 in capex_growth"),
    ("optics_tam[2030] = 70B", "capex[2024]", None, "exact", "linear in capex[2024]"),
    ("optics_tam[2028] = 40B", "capex[2026]", None, "exact", "linear in capex[2026]"),
    ("optics_growth[2027] = 50%", "asic_share", None, "exact", "ratio of polynomials"),
    ("optics_cagr[2030] = 50%", "optics_per_pflops_decline", None, "newton", "Newton"),
    ("asic_share_of_optics[2029] = 60%", "asic_optics_multiplier", None, "exact", ""),
])
def test_goal_hits_the_target_and_the_override_reproduces_it(seed, target, vary, year, method,
                                                             detail):
    m, text = seed
    g = goal_seek(m, target, vary, year, text=text)
    assert g.method == method and detail in g.detail
    assert g.achieved == pytest.approx(g.target, rel=1e-9)
    assert reproduced(m, g) == pytest.approx(g.target, rel=1e-9)


def test_goal_in_a_scenario_with_overrides(seed):
    m, text = seed
    over = parse_overrides(m, ["asic_optics_multiplier = 3"])
    g = goal_seek(m, "optics_tam[2030] = 100B", "asic_share", None, "bull", over, text)
    r = evaluate(m, "bull", {**over, **parse_overrides(m, [g.override])})
    assert r.value("optics_tam", 2030) == pytest.approx(100e9, rel=1e-9)


def test_a_uniform_shift_is_written_as_the_formula_plus_the_shift(seed):
    m, text = seed
    g = goal_seek(m, "optics_tam[2030] = 70B", "asic_share", text=text)
    assert g.override.startswith("asic_share = interp({2024: 10%, 2030: 45%}) + 0.")
    assert g.values[0] == pytest.approx(0.1 + g.value)
    # without the source text, a year map of the values: exact all the same
    bare = goal_seek(m, "optics_tam[2030] = 70B", "asic_share")
    assert bare.override.startswith("asic_share = {2024: ")
    assert reproduced(m, bare) == pytest.approx(70e9, rel=1e-9)


def test_newton_and_bisection_when_no_closed_form():
    m, text = model("""\
        years 2024..2026
        x = 1
        kink = if(x > 2, 3 * x, x) + exp(x / 10)
        dead = if(x > 2, x, 0) + 0 * exp(x)
    """)
    g = goal_seek(m, "kink[2026] = 20", "x", text=text)
    assert g.method == "newton"
    assert reproduced(m, g) == pytest.approx(20, rel=1e-9)
    # flat where it starts: no Newton step, a sign change found by scanning instead
    g = goal_seek(m, "dead[2026] = 5", "x", text=text)
    assert g.method == "bisection" and "Newton steps did not converge" in g.detail
    assert reproduced(m, g) == pytest.approx(5, rel=1e-9)


def test_an_unreachable_target_gives_the_range():
    m, text = model("""\
        years 2024..2025
        share = 30%
        capped = min(share, 80%) * 100
    """)
    with pytest.raises(ScnError) as e:
        goal_seek(m, "capped[2025] = 120", "share", text=text)
    (d,) = e.value.diagnostics
    assert d.message.startswith("capped[2025] cannot reach 120 by moving share (the same shift "
                                "in every year): over the shifts tried")
    assert "between" in d.message and "and 80" in d.message
    assert (d.source, d.span.col) == ("TARGET", 16)


def test_a_singular_derivative_is_named():
    m, text = model("""\
        years 2024..2025
        x = 0
        bowl = x ^ 2 + 1
    """)
    with pytest.raises(ScnError) as e:
        goal_seek(m, "bowl[2025] = 0.5", "x", text=text)
    message = e.value.diagnostics[0].message
    assert message.startswith("bowl[2025] cannot reach 0.5 by moving x")
    assert message.endswith("its derivative with respect to x is 0 at the current value")
    # the other side of the bowl is reachable, from the same flat start
    g = goal_seek(m, "bowl[2025] = 5", "x", text=text)
    assert reproduced(m, g) == pytest.approx(5, rel=1e-9)


def test_a_flat_output_is_a_clear_error():
    m, text = model("""\
        years 2024..2025
        x = 1.2
        steps = round(x)
    """)
    with pytest.raises(ScnError) as e:
        goal_seek(m, "steps[2025] = 1.5", "x", text=text)
    assert "steps[2025] jumps across 1.5 as x moves" in e.value.diagnostics[0].message


@pytest.mark.parametrize("target, vary, message, col", [
    ("optics_tm[2030] = 1B", "asic_share", "unknown variable 'optics_tm'", 1),
    ("optics_tam = 1B", "asic_share", "the target is one cell: give its year", 1),
    ("optics_tam[2040] = 1B", "asic_share", "year 2040 is outside the model years 2024..2030", 12),
    ("optics_tam[2030] = capex", "asic_share", "the target must be a number", 20),
    ("optics_tam[2030] = 1x", "asic_share", "unknown number suffix 'x' in '1x'", 21),
    ("optics_tam[2030] = 120B", "google_capex",
     "optics_tam[2030] does not depend on google_capex", 20),
    ("optics_tam[2030] = 120B", "asic_shar", "unknown variable 'asic_shar'", 1),
    ("optics_tam[2030] = 120B", "capex_growth[2024]", "capex_growth has no value in 2024", 1),
])
def test_bad_goals_are_errors_at_their_column(seed, target, vary, message, col):
    m, text = seed
    with pytest.raises(ScnError) as e:
        goal_seek(m, target, vary, text=text)
    d = e.value.diagnostics[0]
    assert d.message.startswith(message)
    assert d.span.col == col


# ---------------------------------------------------------------- property


@settings(max_examples=25, deadline=None)
@given(a=st.floats(0.5, 3), b=st.floats(-2, 2), lag=st.floats(0.01, 0.3),
       power=st.sampled_from(["1", "2", "0.5", "3"]), goal=st.floats(0.5, 2.0),
       one_cell=st.booleans())
def test_goal_seek_property(a, b, lag, power, goal, one_cell):
    """Random smooth models with a recurrence: the answer, re-evaluated, hits
    the target within 1e-9 whenever the engine finds one."""
    m, text = model(f"""\
        years 2024..2028
        x = {a!r}
        g = {lag!r}
        level[2024] = 10
        level = level[t-1] * (1 + g) + x
        y = (level * x) ^ {power} + {b!r} * x
    """)
    base = evaluate(m).value("y", 2028)
    target = base * goal
    vary = "x[2026]" if one_cell else "x"
    try:
        g = goal_seek(m, f"y[2028] = {target!r}", vary, text=text)
    except ScnError as e:
        assert "cannot reach" in e.diagnostics[0].message
        return
    assert g.achieved == pytest.approx(target, rel=1e-9)
    assert reproduced(m, g) == pytest.approx(target, rel=1e-9)


# ---------------------------------------------------------------- command line


def scn(*args):
    return subprocess.run([str(SCN), *args], capture_output=True, text=True)


@pytest.mark.parametrize("vary", [["--vary", "asic_share[2030]"],
                                  ["--vary", "asic_share", "--vary-year", "2030"],
                                  ["--vary", "asic_share"]])
def test_cli_json_override_is_accepted_by_scn_run_as_is(vary):
    r = scn("goal", str(SEED), "optics_tam[2030] = 75B", *vary, "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert {"value", "override"} <= set(doc)
    run = scn("run", str(SEED), "--set", doc["override"], "--vars", "optics_tam,asic_share",
              "--format", "csv")
    assert run.returncode == 0, run.stderr
    rows = {row[0]: row[1:] for row in csv.reader(io.StringIO(run.stdout))}
    assert float(rows["optics_tam"][-1]) == pytest.approx(75e9, rel=1e-9)
    if len(vary) > 2 or "[" in vary[1]:
        assert float(rows["asic_share"][-1]) == doc["value"]


def test_cli_table_and_errors():
    r = scn("goal", str(SEED), "optics_tam[2030] = 75B", "--vary", "asic_share")
    assert r.returncode == 0
    assert "asic_share shifted by +" in r.stdout and "pp in every year" in r.stdout
    assert "solved: exact; optics_tam[2030] is linear in asic_share" in r.stdout
    r = scn("goal", str(SEED), "optics_tam[2030] = 75B", "--vary", "asic_share[2030]",
            "--vary-year", "2029")
    assert r.returncode == 2 and "--vary gives the year 2030 and --vary-year 2029" in r.stderr
    r = scn("goal", str(SEED), "optics_tam[2030] = -1T", "--vary", "asic_optics_multiplier")
    assert r.returncode == 0  # a negative multiplier does it: mathematics, not judgement
    r = scn("goal", str(SEED), "optics_tam[2030] = 1B", "--vary", "google_capex")
    assert r.returncode == 2  # the question cannot be answered: the call's error, not the model's
    assert r.stderr.startswith("TARGET:1:20: error: optics_tam[2030] does not depend on "
                               "google_capex")
    assert "Traceback" not in r.stderr
