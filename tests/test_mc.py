"""Monte Carlo (engine.montecarlo, `scn mc`): fixed-seed statistical checks of every
distribution, what draws are shared and what are independent, chunking, drivers,
and the command's contracts and errors."""

from __future__ import annotations

import csv
import io
import math

import numpy as np
import polars as pl
import pytest

from engine import evaluate
from engine.montecarlo import Target, chunk_size, simulate
from tests.helpers import model
from test_cli import scn

N = 20_000


def _sample(text: str, **kw):
    m = model(text)
    return m, simulate(m, samples=kw.pop("samples", N), seed=kw.pop("seed", 7), **kw)


def _kept(sim, v: str, period: int = 0, combo: int = 0) -> np.ndarray:
    return sim.kept[v][:, combo, period]


# ---------------------------------------------------------------- distributions

def _lognormal_moments(mu, s):
    mean = math.exp(mu + s * s / 2)
    var = (math.exp(s * s) - 1) * math.exp(2 * mu + s * s)
    kurt = math.exp(4 * s * s) + 2 * math.exp(3 * s * s) + 3 * math.exp(2 * s * s) - 6 + 3
    return mean, var, kurt


Z95 = 1.6448536269514722
CASES = [
    # (expression, mean, variance, kurtosis mu4 / var^2)
    ("normal(10, 2)", 10.0, 4.0, 3.0),
    ("uniform(-1, 3)", 1.0, 16 / 12, 9 / 5),
    ("triangular(1, 2, 4)", 7 / 3, (1 + 4 + 16 - 2 - 4 - 8) / 18, 2.4),
    ("lognormal(0.5, 0.4)", *_lognormal_moments(0.5, 0.4)),
    ("10% to 30%", 0.2, (0.2 / (2 * Z95)) ** 2, 3.0),
]


@pytest.mark.parametrize("expr, mean, var, kurt", CASES)
def test_sample_mean_and_sd_within_four_standard_errors(expr, mean, var, kurt):
    # a linear model of the input: y = 3 * x - 5 has mean 3m - 5 and variance 9 var
    m, sim = _sample(f"years 2024..2026\nx = {expr}\ny = 3 * x - 5\n")
    for v, mu, sigma2 in (("x", mean, var), ("y", 3 * mean - 5, 9 * var)):
        st = sim.stats[v]
        se_mean = math.sqrt(sigma2 / N)
        se_var = math.sqrt((kurt - 1) * sigma2 ** 2 / N)
        assert abs(st.mean[0, 0] - mu) < 4 * se_mean, (v, st.mean[0, 0], mu)
        assert abs(st.sd[0, 0] ** 2 - sigma2) < 4 * se_var, (v, st.sd[0, 0] ** 2, sigma2)


def test_a_to_b_hits_its_5th_and_95th_percentiles():
    m, sim = _sample("years 2024..2025\nx = 100 to 200\n", percentiles=(5.0, 95.0))
    sd = 100 / (2 * Z95)
    density = math.exp(-Z95 ** 2 / 2) / math.sqrt(2 * math.pi) / sd  # at either percentile
    se = math.sqrt(0.05 * 0.95 / N) / density
    p5, p95 = sim.stats["x"].percentiles[:, 0, 0]
    assert abs(p5 - 100) < 4 * se and abs(p95 - 200) < 4 * se


def test_uniform_and_triangular_stay_in_their_range():
    m, sim = _sample("years 2024..2024\nu = uniform(2, 3)\ntr = triangular(0, 0, 1)\n")
    assert _kept(sim, "u").min() >= 2 and _kept(sim, "u").max() < 3
    assert _kept(sim, "tr").min() >= 0 and _kept(sim, "tr").max() <= 1


def test_without_distributions_no_spread_and_the_plain_run_exactly():
    text = """\
        years 2024..2028
        a = 0.1
        g[2024] = 1
        g = g[t-1] * (1 + a) + 1 / 3
        r = ln(g) / 7
        """
    m, sim = _sample(text, samples=1200, chunk=512)
    plain = evaluate(m)
    for v in m.variables:
        st = sim.stats[v]
        assert np.array_equal(st.mean[0], plain.values(v)[0]), v
        assert (st.sd == 0).all()
        for p in st.percentiles:
            assert np.array_equal(p[0], plain.values(v)[0])


# ---------------------------------------------------------------- what is drawn

SHARED = """\
    years 2024..2027
    a = normal(0, 1)
    b = normal(0, 1)
    x = 5% to 15%
    x[2026] = 1 to 2
    x[2027] = normal(3, 1)
    m = {2024..2025: normal(0, 1), 2026..2027: normal(0, 1)}
    g[2024] = 1
    g = g[t-1] * (1 + x)
    """


def _corr(a, b) -> float:
    return float(np.corrcoef(a, b)[0, 1])


def test_one_draw_per_definition_shared_by_its_years_and_independent_otherwise():
    m, sim = _sample(SHARED)
    limit = 4 / math.sqrt(N)
    a = sim.kept["a"][:, 0, :]
    assert (a == a[:, :1]).all()  # the same draw in every year of a sample
    assert abs(_corr(_kept(sim, "a"), _kept(sim, "b"))) < limit  # two definitions: independent
    x = sim.kept["x"][:, 0, :]
    assert (x[:, 0] == x[:, 1]).all()  # 2024 and 2025: the series definition
    assert abs(_corr(x[:, 1], x[:, 2])) < limit  # x[2026] draws for itself
    assert abs(_corr(x[:, 2], x[:, 3])) < limit
    assert abs(sim.stats["x"].mean[0, 2] - 1.5) < 0.01
    y = sim.kept["m"][:, 0, :]  # a year map's entries: one draw each
    assert (y[:, 0] == y[:, 1]).all() and (y[:, 2] == y[:, 3]).all()
    assert abs(_corr(y[:, 1], y[:, 2])) < limit


def test_recurrences_see_the_sampled_values():
    m, sim = _sample(SHARED, samples=1000)
    x, g = sim.kept["x"][:, 0, :], sim.kept["g"][:, 0, :]
    assert np.allclose(g[:, 1], 1 + x[:, 1], rtol=0, atol=1e-15)
    assert np.allclose(g[:, 3], g[:, 2] * (1 + x[:, 3]), rtol=1e-15)


DIMS = """\
    years 2024..2026
    dim company = {goog, meta, orcl}
    growth = normal(10%, 2%)
    growth[orcl] = normal(30%, 5%)
    share = {goog: uniform(0, 1), meta: 50%, orcl: 1 to 3}
    capex[2024] = {goog: 100, meta: 80, orcl: 40}
    capex = capex[t-1] * (1 + growth)
    total = sum(capex, company)
    """


def test_a_dimensioned_definition_draws_once_per_member():
    m, sim = _sample(DIMS)
    g = sim.kept["growth"]  # (samples, combos, periods)
    limit = 4 / math.sqrt(N)
    assert abs(_corr(g[:, 0, 0], g[:, 1, 0])) < limit  # goog and meta: independent
    assert (g[:, :, 0] == g[:, :, 2]).all()  # shared by the years
    assert abs(sim.stats["growth"].mean[2, 0] - 0.30) < 4 * 0.05 / math.sqrt(N)
    s = sim.stats["share"]
    assert s.sd[1, 0] == 0 and s.mean[1, 0] == 0.5  # the member map's plain entry
    assert abs(s.mean[0, 0] - 0.5) < 0.01 and abs(s.mean[2, 0] - 2) < 0.02
    capex = sim.kept["capex"]
    assert np.allclose(capex[:, 0, 1], 100 * (1 + g[:, 0, 1]), rtol=1e-15)
    total = sim.kept["total"][:, 0, 2]
    assert np.allclose(total, capex[:, :, 2].sum(axis=1), rtol=1e-12)


def test_scenarios_share_the_draws_of_definitions_they_do_not_change():
    text = SHARED + "scenario hi {\n  b = normal(5, 1)\n}\n"
    m = model(text)
    base = simulate(m, "base", samples=500, seed=3)
    hi = simulate(m, "hi", samples=500, seed=3)
    assert np.array_equal(base.kept["a"], hi.kept["a"])
    assert np.array_equal(base.kept["x"], hi.kept["x"])
    assert not np.array_equal(base.kept["b"] + 5, hi.kept["b"])


def test_a_definition_draws_the_same_whatever_else_the_file_holds():
    one = simulate(model("years 2024..2025\na = normal(0, 1)\n"), samples=300, seed=1)
    two = simulate(model("years 2024..2025\nz = uniform(0, 1)\nq = z * 2\na = normal(0, 1)\n"),
                   samples=300, seed=1)
    assert np.array_equal(one.kept["a"], two.kept["a"])
    other = simulate(model("years 2024..2025\na = normal(0, 1)\n"), samples=300, seed=2)
    assert not np.array_equal(one.kept["a"], other.kept["a"])


@pytest.mark.parametrize("text", [SHARED, DIMS])
def test_identical_output_across_chunk_sizes(text):
    m = model(text)
    runs = [simulate(m, samples=2600, seed=11, chunk=c) for c in (512, 1024, 1536, None)]
    assert {r.chunk for r in runs} == {512, 1024, 1536, 2600}
    first = runs[0]
    for other in runs[1:]:
        for v in m.variables:
            a, b = first.stats[v], other.stats[v]
            assert np.array_equal(a.mean, b.mean, equal_nan=True), v
            assert np.array_equal(a.sd, b.sd, equal_nan=True), v
            assert np.array_equal(a.percentiles, b.percentiles, equal_nan=True), v
            assert np.array_equal(first.kept[v], other.kept[v], equal_nan=True), v


def test_chunks_are_sized_to_the_model():
    small = model("years 2024..2025\na = normal(0, 1)\n")
    assert chunk_size(small, 100_000) == 100_000  # fits at once
    assert chunk_size(small, 100) == 100
    from bench.generate import generate
    big = model(generate(1000))
    c = chunk_size(big, 100_000)
    assert 512 <= c < 100_000 and c % 512 == 0


def test_percentiles_beyond_memory_come_from_the_first_samples():
    m = model("years 2024..2025\na = normal(0, 1)\n")
    full = simulate(m, samples=2000, seed=5)
    part = simulate(m, samples=2000, seed=5, keep_bytes=800 * 2 * 8, chunk=512)
    assert part.percentile_samples == 800 and part.kept is None
    assert np.array_equal(part.stats["a"].mean, full.stats["a"].mean)
    expect = np.percentile(full.kept["a"][:800], [5, 25, 50, 75, 95], axis=0)
    assert np.array_equal(part.stats["a"].percentiles, expect)


def test_only_cells_a_draw_reaches_count_against_the_memory_for_percentiles():
    # a varies; b and c are the same in every sample: 2,000 samples of a's two
    # cells fit in the budget, so every percentile is exact, the others' too
    m = model("years 2024..2025\na = normal(0, 1)\nb = 5\nc = b * 2 + 0 * b\n")
    sim = simulate(m, samples=2000, seed=5, keep_bytes=2000 * 2 * 8, chunk=512)
    assert sim.percentile_samples == 2000 and sim.kept is not None
    expect = np.percentile(sim.kept["a"], [5, 25, 50, 75, 95], axis=0)
    assert np.array_equal(sim.stats["a"].percentiles, expect)
    for v, value in (("b", 5.0), ("c", 10.0)):
        st = sim.stats[v]
        assert (st.mean == value).all() and (st.sd == 0).all() and (st.percentiles == value).all()
        assert sim.kept[v].shape == (2000, 1, 2) and (sim.kept[v] == value).all()


def test_constant_cells_that_are_not_numbers_stay_so_and_warn():
    m = model("years 2024..2025\na = normal(0, 1)\nq = ln(0)\nr = sqrt(-1)\n")
    sim = simulate(m, samples=1500, seed=5)
    q, r = sim.stats["q"], sim.stats["r"]
    assert (q.mean == -np.inf).all() and np.isnan(q.sd).all() and (q.percentiles == -np.inf).all()
    assert np.isnan(r.mean).all() and np.isnan(r.sd).all() and np.isnan(r.percentiles).all()
    assert [w.subject.variable for w in sim.warnings] == ["q", "r"]


def test_percentiles_in_blocks_of_cells_are_numpys():
    from engine.mc_stats import percentiles_of

    rng = np.random.default_rng(3)
    samples = rng.standard_normal((1001, 7, 3))
    samples[:, 0, 0] = 4.0  # a constant
    samples[5, 1, 1] = np.nan
    samples[:, 2, 2] = np.inf
    samples[::2, 3, 0] = -np.inf
    qs = (0, 2.5, 5, 50, 95, 97.5, 100)
    with np.errstate(invalid="ignore"):
        expect = np.percentile(samples, qs, axis=0)
    # numpy interpolates inf - inf to NaN between two infinities; scn keeps the infinity
    expect[:, 2, 2] = np.inf
    expect[:3, 3, 0] = -np.inf
    for block in (8 * 1001, 8 * 1001 * 4, 1 << 20):  # one cell, four, all at once
        got = percentiles_of(samples, qs, block_bytes=block)
        assert np.array_equal(got, expect, equal_nan=True)
        by_cell = np.ascontiguousarray(np.moveaxis(samples, 0, -1))
        assert np.array_equal(percentiles_of(by_cell, qs, block_bytes=block, by_cell=True),
                              expect, equal_nan=True)
        assert np.isnan(got[:, 1, 1]).all() and (got[:, 0, 0] == 4).all()
        assert np.array_equal(percentiles_of(by_cell.copy(), qs, block_bytes=block, by_cell=True,
                                             in_place=True), expect, equal_nan=True)


def test_a_value_not_a_number_in_a_later_chunk_warns():
    # ln(normal(3, 1)) is n/a about once in 740 samples: with seed 8, first in the third
    # chunk of 512 (sample 1,519)
    text = "years 2024..2025\ng = normal(3, 1)\nx = ln(g)\n"
    m = model(text)
    sim = simulate(m, samples=3072, seed=8, chunk=512)
    g = sim.kept["g"][:, 0, 0]
    first_bad = int(np.flatnonzero(g < 0)[0])
    assert first_bad >= 1024
    [w] = sim.warnings
    assert w.message == "x is n/a (not a number) in 2024 in some samples (definition on line 3)"


# ---------------------------------------------------------------- parameters at run time

VOL = "years 2024..2026\nvol = {2024: 10%, 2025: -5%, 2026: 10%}\nx = normal(100, vol)\n"


def test_parameters_read_from_variables_warn_and_give_n_a():
    m, sim = _sample(VOL, samples=300)
    [w] = sim.warnings
    assert (w.span.line, w.span.col) == (3, 5)
    assert w.message == ("x in 2025: normal(mean, sd) needs sd >= 0, but sd is -0.05 "
                         "(definition on line 3)")
    assert "sampled run shows n/a" in w.hint
    assert math.isnan(sim.stats["x"].mean[0, 1])
    assert abs(sim.stats["x"].mean[0, 0] - 100) < 0.05


# ---------------------------------------------------------------- drivers

DRIVEN = """\
    years 2024..2026
    big = normal(0, 10)
    small = uniform(0, 1)
    none = normal(0, 1)
    late[2026] = normal(0, 3)
    late = 0
    y = big + small + late + 0 * none
    """


def test_drivers_rank_the_dominant_input_first():
    m = model(DRIVEN)
    t = Target("y", (), 2)
    sim = simulate(m, samples=N, seed=9, targets=(t,))
    rows = sim.drivers[t].rows
    assert [r.label for r in rows[:3]] == ["big", "late[2026]", "small"]
    share = {r.label: r.share for r in rows}
    assert abs(share["big"] - 100 / 109.0833) < 0.02
    assert abs(share["late[2026]"] - 9 / 109.0833) < 0.02
    assert share["none"] < 0.005
    assert rows[0].spearman > 0.9 and rows[0].line == 2


def test_drivers_of_a_cell_that_does_not_vary_are_n_a():
    m = model(DRIVEN)
    t = Target("y", (), 0)  # late is 0 in 2024, so y moves with big and small only
    sim = simulate(m, samples=500, seed=9, targets=(Target("late", (), 0),))
    assert all(math.isnan(r.share) for r in sim.drivers[Target("late", (), 0)].rows)
    assert t not in sim.drivers


# ---------------------------------------------------------------- the command

TINY = """\
years 2024..2026
a = normal(10, 2)
b = a * 2
c[2025] = 5
"""


@pytest.fixture
def tiny(tmp_path):
    p = tmp_path / "tiny.scn"
    p.write_text(TINY)
    return p


def test_csv_contract(tiny):
    r = scn("mc", str(tiny), "--samples", "1000", "--format", "csv",
            "--percentiles", "50,5,95")
    assert r.returncode == 0, r.stderr
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[0] == ["variable", "stat", "2024", "2025", "2026"]
    assert [row[:2] for row in rows[1:]] == [
        [v, s] for v in ("a", "b", "c") for s in ("mean", "sd", "p5", "p50", "p95")]
    assert rows[1] == ["a", "mean"] + ["10.045252919343586"] * 3
    assert rows[11:13] == [["c", "mean", "", "5.0", ""], ["c", "sd", "", "0.0", ""]]
    again = scn("mc", str(tiny), "--samples", "1000", "--format", "csv",
                "--percentiles", "50,5,95")
    assert again.stdout == r.stdout


def test_csv_of_a_model_with_dims_and_all_scenarios(tmp_path):
    p = tmp_path / "d.scn"
    p.write_text(DIMS.replace("    ", "") + "scenario bull {\n  growth[orcl] = 60%\n}\n")
    r = scn("mc", str(p), "--samples", "300", "--format", "csv", "--all-scenarios",
            "--vars", "growth[orcl],total", "--percentiles", "50")
    assert r.returncode == 0, r.stderr
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[0] == ["scenario", "variable", "stat", "2024", "2025", "2026"]
    assert [row[:3] for row in rows[1:]] == [
        [s, v, st] for s in ("base", "bull") for v in ("growth[orcl]", "total")
        for st in ("mean", "sd", "p50")]
    assert rows[7][3:] == ["0.6"] * 3 and rows[8][3:] == ["0.0"] * 3


def test_table_shows_stats_and_a_fan(tiny):
    r = scn("mc", str(tiny), "--samples", "500", "--vars", "a")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == f"{tiny}: scenario base, 500 samples, seed 2024"
    assert [ln.split()[0] for ln in lines[2:]] == [
        "a", "mean", "sd", "p5", "p25", "p50", "p75", "p95", "p5-p95"]
    fan = lines[-1].split("p5-p95", 1)[1]
    assert "┃" in fan and "━" in fan and "─" in fan


def test_json_md_and_parquet(tiny, tmp_path):
    import json

    r = scn("mc", str(tiny), "--samples", "200", "--format", "json", "--percentiles", "50")
    doc = json.loads(r.stdout)
    assert doc["samples"] == 200 and doc["seed"] == 2024 and doc["years"] == [2024, 2025, 2026]
    assert doc["scenarios"]["base"]["rows"]["c"]["sd"] == [None, 0.0, None]
    md = scn("mc", str(tiny), "--samples", "200", "--format", "md").stdout
    assert "| variable | stat | 2024 | 2025 | 2026 |" in md
    out = tmp_path / "s.parquet"
    assert scn("mc", str(tiny), "--samples", "200", "--format", "parquet",
               "-o", str(out)).returncode == 0
    frame = pl.read_parquet(out)
    assert frame.columns == ["scenario", "variable", "stat", "2024", "2025", "2026"]


def test_raw_writes_every_sample_long(tiny, tmp_path):
    out = tmp_path / "raw.parquet"
    r = scn("mc", str(tiny), "--samples", "50", "--vars", "a,c", "--raw", str(out),
            "--format", "csv")
    assert r.returncode == 0, r.stderr
    raw = pl.read_parquet(out)
    assert raw.columns == ["scenario", "sample", "variable", "year", "value"]
    assert raw.height == 2 * 50 * 3
    a = raw.filter(pl.col("variable") == "a")
    assert a["sample"].to_list()[:4] == [0, 0, 0, 1]
    mean = float(list(csv.reader(io.StringIO(r.stdout)))[1][2])
    assert a["value"].mean() == pytest.approx(mean, rel=1e-12)
    c = raw.filter(pl.col("variable") == "c")
    assert c["value"].null_count() == 100


def test_raw_with_drivers_alone_writes_the_targets_samples(tiny, tmp_path):
    """--drivers without --vars samples the targets only: --raw writes those (the fuzz
    harness found a KeyError when it tried every variable)."""
    out = tmp_path / "raw.parquet"
    r = scn("mc", str(tiny), "--samples", "20", "--drivers", "b[2025]", "--raw", str(out),
            "--format", "csv")
    assert r.returncode == 0, r.stderr
    raw = pl.read_parquet(out)
    assert raw["variable"].unique().to_list() == ["b"]
    assert raw.height == 20 * 3


def test_drivers_csv_and_table(tmp_path):
    p = tmp_path / "d.scn"
    p.write_text(DRIVEN.replace("    ", ""))
    r = scn("mc", str(p), "--samples", "2000", "--drivers", "y[2026]", "--format", "csv")
    assert r.returncode == 0, r.stderr
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[0] == ["target", "rank", "input", "line", "share", "spearman"]
    assert [row[:4] for row in rows[1:4]] == [["y[2026]", "1", "big", "2"],
                                             ["y[2026]", "2", "late[2026]", "5"],
                                             ["y[2026]", "3", "small", "3"]]
    t = scn("mc", str(p), "--samples", "2000", "--drivers", "y[2026]").stdout
    assert "drivers of y[2026]" in t and "share of variance" in t
    # --vars naming other rows does not lose the target's own statistics
    v = scn("mc", str(p), "--samples", "500", "--drivers", "y[2026]", "--vars", "big")
    assert v.returncode == 0 and "drivers of y[2026]: mean" in v.stdout, v.stderr


@pytest.mark.parametrize("args, message", [
    (["--drivers", "a"], "--drivers: cannot read 'a'"),
    (["--drivers", "a[2031]"], "needs a period of the model"),
    (["--drivers", "zz[2025]"], "--drivers: unknown variable 'zz'"),
    (["--drivers", "a[goog,2025]"], "needs one member per dim of a"),
    (["--percentiles", "5,101"], "--percentiles: 101 is not between 0 and 100"),
    (["--percentiles", "x"], "--percentiles: 'x' is not a number"),
    (["--samples", "0"], "--samples takes 1 to"),
    (["--scenario", "nope"], "unknown scenario 'nope'"),
    (["--format", "parquet"], "parquet is binary"),
    (["--vars", "zz"], "--vars: unknown variable 'zz'"),
])
def test_usage_errors(tiny, args, message):
    r = scn("mc", str(tiny), "--samples", "10", *args)
    assert r.returncode == 2
    assert message in r.stderr and "Traceback" not in r.stderr


def test_model_errors_have_positions(tmp_path):
    p = tmp_path / "bad.scn"
    p.write_text("years 2024..2026\nb = normal(5, -1)\n")
    r = scn("mc", str(p), "--samples", "10")
    assert r.returncode == 1
    assert r.stderr.startswith(f"{p}:2:15: error: normal(mean, sd) needs sd >= 0, but sd is -1")


def test_run_time_parameter_warning_on_stderr(tmp_path):
    p = tmp_path / "vol.scn"
    p.write_text(VOL)
    r = scn("mc", str(p), "--samples", "100", "--format", "csv", "--vars", "x")
    assert r.returncode == 0
    assert (f"{p}:3:5: warning: x in 2025: normal(mean, sd) needs sd >= 0, but sd is -0.05 "
            "(definition on line 3)") in r.stderr
    assert list(csv.reader(io.StringIO(r.stdout)))[1][3] == "nan"


def test_set_overrides_apply(tiny):
    r = scn("mc", str(tiny), "--samples", "100", "--format", "csv", "--vars", "b",
            "--set", "a = 3", "--percentiles", "50")
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[1] == ["b", "mean", "6.0", "6.0", "6.0"] and rows[2][2:] == ["0.0"] * 3


def test_quarterly_labels(tmp_path):
    p = tmp_path / "q.scn"
    p.write_text("quarters 2025Q1..2025Q3\na = normal(1, 1)\n")
    r = scn("mc", str(p), "--samples", "10", "--format", "csv", "--percentiles", "50")
    assert r.stdout.splitlines()[0] == "variable,stat,2025Q1,2025Q2,2025Q3"


def test_values_that_are_not_numbers_in_some_samples_warn_once():
    text = "years 2024..2026\ng = normal(0.5, 1)\nx = ln(g)\nx[2024] = 1\n"
    m, sim = _sample(text, samples=2000)
    [w] = sim.warnings
    assert w.message == "x is n/a (not a number) in 2025 in some samples (definition on line 3)"
    assert (w.span.line, w.span.col) == (3, 1)
    assert math.isnan(sim.stats["x"].mean[0, 1]) and sim.stats["x"].mean[0, 0] == 1


def test_progress_bar_only_on_a_terminal_after_a_second(monkeypatch):
    from cli.commands import mc as command

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    err = Terminal()
    monkeypatch.setattr("sys.stderr", err)
    bar = command.Progress(2000)
    bar.step(1000, 2000)
    assert err.getvalue() == ""  # under a second: nothing
    bar.start -= 5
    bar.step(2000, 2000)
    assert "[" + "#" * 30 + "] 2,000/2,000 samples" in err.getvalue()
    bar.done()
    assert err.getvalue().endswith("\r")
    plain = io.StringIO()
    monkeypatch.setattr("sys.stderr", plain)
    quiet = command.Progress(10)
    quiet.start -= 5
    quiet.step(10, 10)
    assert plain.getvalue() == ""


def test_percentiles_from_a_subsample_say_so(tiny, monkeypatch, capsys):
    """Beyond the memory kept for percentiles, `scn mc` says on stderr which samples its
    percentiles come from, and that means and sds are from all of them."""
    from cli.main import main
    from engine import montecarlo

    monkeypatch.setattr(montecarlo, "KEEP_BYTES", 8 * 3 * 600)  # 600 samples of b's 3 cells
    assert main(["mc", str(tiny), "--samples", "2000", "--vars", "b", "--format", "csv"]) == 0
    err = capsys.readouterr().err
    assert "are from the first 600 of 2,000 samples, an independent subsample" in err
    assert "means and sds are from all of them" in err
    monkeypatch.setattr(montecarlo, "KEEP_BYTES", 1 << 30)
    assert main(["mc", str(tiny), "--samples", "2000", "--vars", "b", "--format", "csv"]) == 0
    assert "subsample" not in capsys.readouterr().err
