"""The member-aware tangent (engine.tangent_dims, numpy over member cells)
agrees with version 1's polars tangent (engine.tangent) on dimensionless
models: the same partials, read the same way, to rounding."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import evaluate, load_model
from engine.sensitivity import derivatives
from engine.tangent import first_rows
from engine.tangent_dims import Seeds, run_tangent_dims
from tests.test_sens_property import random_models


def _numpy_derivative(m, result, out, x, year=None):
    n = len(m.axis)
    held = result.plan.cover[x].defined.copy()
    if year is not None:
        held[:] = False
        held[0, m.axis.index(year)] = True
    seeds = Seeds({x: held[None].astype(float)}, {x: held})
    got, _ = run_tangent_dims(m, result.plan, lambda v: first_rows(result.raw, v, n)[None],
                              seeds, [out])
    return got[out][0, 0]


def _agree(d, got, values):
    for k, v in enumerate(d.derivative):
        if v is None or not math.isfinite(values[k]):
            continue
        assert got[k] == pytest.approx(v, rel=1e-9, abs=1e-9), (k, v, got[k])


@pytest.mark.parametrize("x", ["asic_share", "capex_growth", "compute_cost_decline",
                               "capex[2024]"])
def test_bundled_scenario_agrees(x):
    m = load_model(open("tests/models/ai_capex_v1.scn").read(), "ai_capex.scn")
    r = evaluate(m)
    name, year = (x.split("[")[0], int(x[-5:-1])) if "[" in x else (x, None)
    for out in ["optics_tam", "capex", "asic_compute"]:
        d = derivatives(m, out, x)
        got = _numpy_derivative(m, r, out, name, year)
        _agree(d, got, first_rows(r.raw, out, len(m.axis)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_models(), st.data())
def test_random_models_agree(spec, data):
    text, names, inputs = spec
    m = load_model(text, "random.scn")
    scenario = data.draw(st.sampled_from(["base", "alt"]))
    r = evaluate(m, scenario)
    x = data.draw(st.sampled_from(inputs + [v for v in names if v.startswith("v")]))
    out = data.draw(st.sampled_from(names))
    years = [m.axis.absolute(i) for i in np.flatnonzero(r.plan.cover[x].defined[0])]
    year = data.draw(st.sampled_from([None, *years]))
    d = derivatives(m, out, x if year is None else f"{x}[{year}]", scenario)
    got = _numpy_derivative(m, r, out, x, year)
    _agree(d, got, first_rows(r.raw, out, len(m.axis)))
