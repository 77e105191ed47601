"""The bundled scenarios: golden outputs, and the call's figures encoded faithfully."""

import csv
import io
from pathlib import Path

import pytest

from cli.main import main
from engine import evaluate, load_model

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).with_name("golden")


# The yearly SaaS model as it was before the bundled one went monthly: a
# yearly model's output stays byte-identical.
GOLDEN_MODELS = {"ai_capex": "scenarios", "saas_revenue": "scenarios",
                 "google_capex_quarterly": "scenarios", "unit_economics": "scenarios",
                 "saas_revenue_v1": "tests/models"}


@pytest.mark.parametrize("name", GOLDEN_MODELS)
def test_golden_csv_is_byte_identical(name, tmp_path, capsys):
    out = tmp_path / "out.csv"
    assert main(["run", str(ROOT / GOLDEN_MODELS[name] / f"{name}.scn"), "--all-scenarios",
                 "--format", "csv", "-o", str(out)]) == 0
    assert out.read_bytes() == (GOLDEN / f"{name}.csv").read_bytes()


@pytest.fixture(scope="module")
def ai():
    path = ROOT / "scenarios" / "ai_capex.scn"
    m = load_model(path.read_text(), str(path))
    return m, {s: evaluate(m, s) for s in m.scenarios}


COMPANIES = ("goog", "meta", "msft", "amzn", "orcl")
SPEEDS = ("g400", "g800", "g1600")
FORECAST = range(2025, 2031)


def test_the_model_is_per_hyperscaler_and_per_module_speed(ai):
    m, runs = ai
    assert list(m.scenarios) == ["base", "bull", "bear"]
    assert m.dims["company"].members == COMPANIES
    assert m.dims["speed"].members == SPEEDS
    assert m.dims_of["capex"] == ("company",)
    assert m.dims_of["asic_share"] == ("company",)
    assert m.dims_of["module_units"] == ("company", "speed")
    # The totals the rest of the product quotes stay single rows.
    for total in ("na_capex", "optics_tam", "optics_growth", "optics_per_asic_point"):
        assert m.dims_of[total] == ()
    for s, r in runs.items():
        assert r.warnings == [], s


def test_the_five_add_up_to_the_calls_totals(ai):
    m, runs = ai
    base = runs["base"]
    capex = base.values("capex")[0]  # (company, year)
    assert base.series("na_capex") == pytest.approx(list(capex.sum(axis=0)), rel=1e-12)
    na = dict(zip(m.years, base.series("na_capex")))
    assert 340e9 <= na[2025] <= 350e9  # call: USD 340-350B in 2025
    assert 460e9 <= na[2026] <= 470e9  # call: USD 460-470B in 2026
    growth = dict(zip(m.years, base.series("na_capex_growth")))
    assert 0.28 <= growth[2025] <= 0.35  # call: "about +30%"
    assert growth[2026] >= 0.30  # call: "+30% or more"
    # No company's 2024 level or growth makes the sum: each one is an input.
    assert all(c > 5e9 for c in capex[:, 0])


def test_googles_guide_is_googles_2025_capex_in_every_scenario(ai):
    _m, runs = ai
    for s, r in runs.items():
        assert r.value("google_capex", 2025) == 85.1e9, s  # call: Google 2025 guide USD 85.1B
        assert r.value("capex", 2025, ("goog",)) == 85.1e9, s
        assert r.value("capex_share", 2025, ("goog",)) == pytest.approx(85.1e9 / r.value("na_capex", 2025))


def test_asic_clusters_pull_3_8x_the_optics_per_unit_of_compute(ai):
    m, runs = ai
    base = runs["base"]
    for y in m.years:
        assert base.value("asic_optics_multiplier", y) == 3.8  # call: ~3.8x
        assert base.value("optics_per_pflops_asic", y) / base.value("optics_per_pflops_gpu", y) \
            == pytest.approx(3.8, rel=1e-12)
    # Company by company: optics dollars per PFLOPS of ASIC over those of GPU.
    for c in COMPANIES:
        for y in m.years:
            asic_compute = base.value("asic_compute", y, (c,))
            if asic_compute == 0:  # Oracle ships no ASICs in 2024
                continue
            per_asic = base.value("optics_asic", y, (c,)) / asic_compute
            per_gpu = base.value("optics_gpu", y, (c,)) / base.value("gpu_compute", y, (c,))
            assert per_asic / per_gpu == pytest.approx(3.8, rel=1e-12), (c, y)


def test_optics_grows_30_percent_a_year_faster_than_capex(ai):
    m, runs = ai
    base = runs["base"]
    tam = base.series("optics_tam")
    assert tam == pytest.approx(list(base.values("optics_by_speed")[0].sum(axis=0)), rel=1e-12)
    assert base.series("optics_tam") == pytest.approx(
        [g + a for g, a in zip(base.series("optics_tam_gpu"), base.series("optics_tam_asic"))])
    assert base.series("optics_growth")[0] is None
    for y in FORECAST:
        assert base.value("optics_growth", y) >= 0.30, y  # call: 30%+ a year
        assert base.value("excess_elasticity", y) > 0.15, y  # well above capex growth
    # ... while capex growth slows, and the ASIC share of the optics TAM rises.
    capex_growth = base.series("na_capex_growth")[2:]  # from 2026, the call's peak
    assert capex_growth == sorted(capex_growth, reverse=True)
    assert capex_growth[-1] == pytest.approx(0.10)  # slows to 10% by 2030
    asic = base.series("na_asic_share")  # the five's ASIC share of accelerator spend
    assert all(b > a for a, b in zip(asic, asic[1:])) and asic[0] < 0.15 and asic[-1] > 0.40
    share = base.series("asic_share_of_optics")
    assert share == sorted(share) and share[0] < 0.40 < 0.70 < share[-1]


def test_the_optics_tam_splits_by_module_speed_and_shifts_to_1_6t(ai):
    m, runs = ai
    base = runs["base"]
    mix = base.values("speed_mix")[0]  # (speed, year)
    assert list(mix.sum(axis=0)) == pytest.approx([1.0] * len(m.years), rel=1e-12)
    g400, g800, g1600 = (base.series("speed_mix", (s,)) for s in SPEEDS)
    assert g1600 == sorted(g1600) and g1600[0] < 0.05 and g1600[-1] > 0.5
    assert g400 == sorted(g400, reverse=True)
    assert max(range(len(g800)), key=g800.__getitem__) not in (0, len(g800) - 1)  # 800G peaks mid-way
    for s in SPEEDS:
        prices = base.series("module_price", (s,))
        assert all(b < a for a, b in zip(prices, prices[1:])), s
    # The newest speed falls fastest; each company's modules add up to the industry's.
    declines = [base.value("price_decline", 2025, (s,)) for s in SPEEDS]
    assert declines == sorted(declines) and declines[0] < declines[-1]
    units = base.values("module_units")[0]  # (company, speed, year)
    assert units.sum(axis=0) == pytest.approx(base.values("units_by_speed")[0], rel=1e-12)
    # The dollars buy a plausible bandwidth per PFLOPS all along (a cross-check).
    assert all(500 < g < 2000 for g in base.series("gbps_per_pflops"))


def test_scenarios_move_companies_the_way_an_analyst_argues(ai):
    m, runs = ai
    base, bull, bear = runs["base"], runs["bull"], runs["bear"]
    tam = {s: r.value("optics_tam", 2030) for s, r in runs.items()}
    assert tam["bear"] < tam["base"] < tam["bull"]
    # Bull: ASICs ramp faster at Google and Amazon only; Oracle builds faster.
    for c in COMPANIES:
        faster = bull.value("asic_share", 2030, (c,)) > base.value("asic_share", 2030, (c,))
        assert faster == (c in ("goog", "amzn")), c
    assert bull.value("capex_growth", 2026, ("orcl",)) > base.value("capex_growth", 2026, ("orcl",))
    assert bull.value("capex", 2030, ("orcl",)) > 1.4 * base.value("capex", 2030, ("orcl",))
    # Bear: Microsoft and Meta cut first and deepest; the ASIC optics edge fades to 2x.
    for c in COMPANIES:
        cut = bear.value("capex", 2026, (c,)) < base.value("capex", 2026, (c,))
        assert cut == (c in ("meta", "msft")), c
    ratio = {c: bear.value("capex", 2030, (c,)) / base.value("capex", 2030, (c,)) for c in COMPANIES}
    assert max(ratio["meta"], ratio["msft"]) < min(ratio["goog"], ratio["amzn"], ratio["orcl"])
    assert bear.value("asic_optics_multiplier", 2030) == pytest.approx(2.0)
    # 2025 is the call's in every scenario.
    for r in runs.values():
        assert r.value("na_capex", 2025) == base.value("na_capex", 2025)


def test_optics_per_asic_point_is_the_sensitivity_to_asic_share(ai):
    """The thesis: per dollar, ASICs pull more optics, so optics TAM rises with ASIC share.

    One more point of ASIC share at every company, in every year, adds exactly
    optics_per_asic_point to the optics TAM and leaves accelerator spend alone.
    """
    m, runs = ai
    from engine import parse_overrides

    base = runs["base"]
    lines = []
    for c in COMPANIES:
        shares = base.series("asic_share", (c,))
        entries = ", ".join(f"{y}: {s + 0.01!r}" for y, s in zip(m.years, shares))
        lines.append(f"asic_share[{c}] = {{{entries}}}")
    bumped = evaluate(m, "base", parse_overrides(m, lines))
    for y in m.years:
        gain = bumped.value("optics_tam", y) - base.value("optics_tam", y)
        assert gain == pytest.approx(base.value("optics_per_asic_point", y), rel=1e-9), y
        assert gain > 0.01 * base.value("optics_tam", y), y  # a point moves the TAM by over 1%
        assert bumped.value("na_capex", y) == base.value("na_capex", y)
        for c in COMPANIES:
            assert bumped.value("accel_spend", y, (c,)) == base.value("accel_spend", y, (c,))


# ---------------------------------------------------------------- every bundled scenario

BUNDLED = sorted((ROOT / "scenarios").glob("*.scn"))


def test_the_bundled_scenarios_are_the_ones_these_tests_know():
    assert [p.stem for p in BUNDLED] == sorted(n for n, d in GOLDEN_MODELS.items()
                                               if d == "scenarios")


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_a_bundled_scenario_checks_clean_runs_everywhere_and_is_formatted(path):
    from test_cli import scn

    check = scn("check", str(path))
    assert check.returncode == 0, check.stderr
    assert check.stderr == "" and "warning" not in check.stdout
    assert check.stdout.startswith(f"{path}: ok: ")
    run = scn("run", str(path), "--all-scenarios", "--format", "csv")
    assert run.returncode == 0 and run.stderr == "", run.stderr
    m = load_model(path.read_text(), str(path))
    assert len(m.scenarios) >= 2
    assert run.stdout.count("\n") == 1 + len(m.scenarios) * sum(
        1 for _ in evaluate(m).rows())
    for s in m.scenarios:
        assert evaluate(m, s).warnings == [], s
    fmt = scn("fmt", "--check", str(path))
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
    assert fmt.stderr == "0 files would be reformatted, 1 left unchanged\n"


# ---------------------------------------------------------------- units (issue 13)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_every_variable_of_a_bundled_scenario_says_its_unit(path):
    """Each variable is annotated in the file (not inferred), and what the file
    declares agrees with what its formulas compute: `scn check --strict` is clean."""
    from engine.unit_check import unit_declared, unit_warnings, units
    from test_cli import scn

    m = load_model(path.read_text(), str(path))
    missing = [v for v in m.variables if not unit_declared(m, v)]
    assert missing == [], f"{path.name}: no unit annotation on {missing}"
    assert all(u is not None for u in units(m).values())
    assert unit_warnings(m) == []
    strict = scn("check", "--strict", str(path))
    assert strict.returncode == 0, strict.stdout + strict.stderr
    assert strict.stderr == "" and "warning" not in strict.stdout
    # every row of the CSV says its unit
    run = scn("run", str(path), "--all-scenarios", "--format", "csv")
    header, *rows = list(csv.reader(io.StringIO(run.stdout)))
    assert header[:3] == ["scenario", "variable", "unit"]
    assert rows and all(row[2] for row in rows)


# What the numbers are, as the call (shared/seed/NOTES.md) and the comments say.
AI_UNITS = {
    "capex": "USD", "google_capex": "USD", "na_capex": "USD", "ai_capex": "USD",
    "accel_spend": "USD", "asic_spend": "USD", "gpu_spend": "USD",
    "optics_tam": "USD", "optics_by_speed": "USD", "optics_per_asic_point": "USD",
    "capex_growth": "%", "na_capex_growth": "%", "ai_share": "%", "asic_share": "%",
    "na_asic_share": "%", "optics_growth": "%", "excess_elasticity": "%", "speed_mix": "%",
    "optics_cagr": "%", "capex_cagr": "%", "asic_cost_ratio": "%",
    "asic_optics_multiplier": "x",  # call: ASIC pulls ~3.8x the optics of GPU
    "gpu_cost_per_pflops": "USD/PFLOPS", "optics_per_pflops_gpu": "USD/PFLOPS",
    "gpu_compute": "PFLOPS", "asic_compute": "PFLOPS", "total_compute": "PFLOPS",
    "module_price": "USD/count", "module_units": "count", "units_by_speed": "count",
    "gbps": "Gbps/count", "bandwidth_tbps": "Tbps", "gbps_per_pflops": "Gbps/PFLOPS",
}
UNIT_ECONOMICS_UNITS = {
    "sales_marketing": "USD", "new_customers": "count", "cac": "USD/count",
    "monthly_price": "USD/count/month", "gross_margin": "%",
    "monthly_gross_profit": "USD/count/month", "monthly_churn": "1/month",
    "lifetime_months": "month", "ltv": "USD/count", "ltv_to_cac": "x",
    "payback_months": "month", "healthy": "1",
}


@pytest.mark.parametrize("name, expected", [("ai_capex", AI_UNITS),
                                            ("unit_economics", UNIT_ECONOMICS_UNITS)])
def test_the_bundled_units_are_what_the_numbers_are(name, expected):
    from engine.unit_check import units

    path = ROOT / "scenarios" / f"{name}.scn"
    m = load_model(path.read_text(), str(path))
    found = {v: u.text for v, u in units(m).items() if v in expected}
    assert found == expected


def test_the_bandwidth_converts_gbps_to_tbps_through_a_named_constant(ai):
    """`/ 1000` would leave the bandwidth in Gbps for the unit check; the named
    conversion (Gbps/Tbps) makes it Tbps and keeps every value."""
    m, runs = ai
    base = runs["base"]
    assert base.series("gbps_per_tbps") == [1000.0] * len(m.years)
    for s in SPEEDS:
        bw = base.series("bandwidth_tbps", (s,))
        expected = [u * base.value("gbps", 2024, (s,)) / 1000
                    for u in base.series("units_by_speed", (s,))]
        assert bw == expected, s


# ---------------------------------------------------------------- the monthly SaaS build


def at(result, variable, label):
    """A value by period label, as an analyst names the cell: `2025-07`, `2025Q3`."""
    return result.at(variable, result.model.labels.index(label))


@pytest.fixture(scope="module")
def saas():
    path = ROOT / "scenarios" / "saas_revenue.scn"
    m = load_model(path.read_text(), str(path))
    return m, {s: evaluate(m, s) for s in m.scenarios}


def test_the_saas_build_is_monthly_over_three_years(saas):
    m, runs = saas
    assert m.axis.unit == "months"
    assert m.labels[0] == "2025-01" and m.labels[-1] == "2027-12" and len(m.labels) == 36
    assert list(m.scenarios) == ["base", "faster_growth", "higher_churn", "price_war"]
    assert m.scenarios["price_war"].parent == "higher_churn"


def test_the_saas_numbers_hold_together_in_every_scenario(saas):
    m, runs = saas
    for s, r in runs.items():
        mrr, arr = r.series("mrr"), r.series("arr")
        assert arr == pytest.approx([12 * x for x in mrr], rel=1e-15), s
        customers = r.series("customers")
        assert all(c > 0 for c in customers), s
        # the stock: last month's plus new minus churned
        new, lost = r.series("new_customers"), r.series("churned_customers")
        for k in range(1, 36):
            assert customers[k] == pytest.approx(customers[k - 1] + new[k] - lost[k]), (s, k)
            assert lost[k] == pytest.approx(customers[k - 1] * r.series("churn")[k]), (s, k)
        assert mrr == pytest.approx([c * a for c, a in zip(customers, r.series("arpa"))])
        assert all(0.01 <= c <= 0.03 for c in r.series("churn")), s  # 1-3% a month
        cac = r.series("cac")
        assert cac == pytest.approx([sm / n for sm, n in zip(r.series("sales_marketing"), new)])
        payback = r.series("cac_payback")
        assert payback == pytest.approx(
            [c / (a * g) for c, a, g in zip(cac, r.series("arpa"), r.series("gross_margin"))])
        # CAC payback on trailing-twelve-month CAC: 10 to 30 months, a sane SaaS range
        ttm = [p for p in r.series("cac_payback_ttm") if p is not None]
        assert len(ttm) == 25 and all(10 <= p <= 30 for p in ttm), (s, min(ttm), max(ttm))
        assert all(0.6 <= g <= 0.85 for g in r.series("gross_margin")), s
        assert all(0.25 <= x <= 0.6 for x in r.series("sales_marketing_share")), s
    base = runs["base"]
    assert all(10 <= p <= 30 for p in base.series("cac_payback"))  # month by month too


def test_new_business_dips_in_december_and_ytd_restarts_each_january(saas):
    m, runs = saas
    base = runs["base"]
    new = dict(zip(m.labels, base.series("new_customers")))
    ytd = dict(zip(m.labels, base.series("new_customers_ytd")))
    for year in (2025, 2026, 2027):
        months = [f"{year}-{k:02d}" for k in range(1, 13)]
        assert new[f"{year}-12"] < 0.8 * new[f"{year}-11"]  # the December dip
        assert new[f"{year}-03"] > new[f"{year}-04"]  # a quarter-end push
        assert ytd[f"{year}-01"] == new[f"{year}-01"]
        assert ytd[f"{year}-12"] == pytest.approx(sum(new[k] for k in months))
        revenue = sum(at(base, "mrr", k) for k in months)
        assert at(base, "revenue_fy", f"{year}-06") == pytest.approx(revenue)
    assert at(base, "arr_yoy", "2025-12") is None
    assert at(base, "arr_yoy", "2026-12") == pytest.approx(
        at(base, "arr", "2026-12") / at(base, "arr", "2025-12") - 1)
    # a business growing ARR 25-35% a year at about USD 30M of ARR
    assert 25e6 <= at(base, "arr", "2025-01") <= 35e6
    assert all(0.25 <= g <= 0.35 for g in base.series("arr_yoy")[12:])


def test_the_saas_scenarios_move_the_way_their_names_say(saas):
    m, runs = saas
    arr = {s: at(r, "arr", "2027-12") for s, r in runs.items()}
    assert arr["price_war"] < arr["higher_churn"] < arr["base"] < arr["faster_growth"]
    base, churn = runs["base"], runs["higher_churn"]
    assert at(churn, "churn", "2026-01") > at(base, "churn", "2026-01")
    assert at(churn, "arr", "2025-12") == at(base, "arr", "2025-12")  # 2025 as in base
    assert at(runs["price_war"], "churn", "2027-12") == at(churn, "churn", "2027-12")


# ---------------------------------------------------------------- Google's capex by quarter


@pytest.fixture(scope="module")
def google():
    path = ROOT / "scenarios" / "google_capex_quarterly.scn"
    m = load_model(path.read_text(), str(path))
    return m, {s: evaluate(m, s) for s in m.scenarios}


def test_googles_2025_quarters_are_the_calls(google):
    m, runs = google
    assert m.axis.unit == "quarters" and m.labels[0] == "2024Q1" and m.labels[-1] == "2026Q4"
    base = runs["base"]
    q = {label: at(base, "capex", label) for label in m.labels}
    quarters_2025 = [q[f"2025Q{k}"] for k in range(1, 5)]
    assert sum(quarters_2025) == pytest.approx(85.1e9, rel=1e-12)  # call: the 85.1B guide
    assert q["2025Q2"] == 22.4e9  # call: Q2 about 22.4B
    assert 39.5e9 <= q["2025Q1"] + q["2025Q2"] <= 40.5e9  # call: H1 about 40B
    assert at(base, "fy_2025", "2024Q1") == pytest.approx(85.1e9, rel=1e-12)
    assert at(base, "h1_2025", "2025Q4") == pytest.approx(q["2025Q1"] + q["2025Q2"])
    assert at(base, "h2_2025", "2025Q4") == pytest.approx(q["2025Q3"] + q["2025Q4"])
    # the year to date reaches the guide in Q4; the guide is spent in full there
    assert at(base, "capex_ytd", "2025Q4") == pytest.approx(85.1e9, rel=1e-12)
    assert at(base, "guide_spent_share", "2025Q2") == pytest.approx(40 / 85.1)
    assert at(base, "guide_spent_share", "2025Q4") == pytest.approx(1.0)
    assert at(base, "guide_spent_share", "2026Q1") is None  # the 2025 guide is 2025's
    assert at(base, "capex_yoy", "2025Q2") == pytest.approx(q["2025Q2"] / q["2024Q2"] - 1)
    assert at(base, "capex_ttm", "2025Q4") == pytest.approx(85.1e9, rel=1e-12)
    assert at(base, "capex_fy", "2024Q3") == pytest.approx(sum(q[f"2024Q{k}"] for k in range(1, 5)))


def test_the_call_is_the_call_in_every_scenario(google):
    m, runs = google
    for s, r in runs.items():
        assert at(r, "capex", "2025Q2") == 22.4e9, s
        assert at(r, "h1_2025", "2025Q1") == pytest.approx(40e9), s
        assert at(r, "guide_2025", "2025Q1") == 85.1e9, s
    beat = runs["beat"]
    assert at(beat, "fy_2025", "2025Q1") > 85.1e9  # the call's view: H2 beats the guide
    assert at(beat, "guide_left", "2025Q4") < 0
    assert at(runs["digestion"], "capex_fy", "2026Q1") < at(runs["base"], "capex_fy", "2026Q1")
