"""`scn sweep` (issue 14): every point of a data table equals `scn run --set` at
that point; the CSV contract; the two-way table; errors at their positions."""

from __future__ import annotations

import csv
import io
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli.main import main
from dsl.errors import ScnError
from engine import evaluate, load_model, parse_overrides
from engine.sweep import sweep
from engine.trace import parse_cell
from engine.vary import MAX_POINTS, parse_vary

DCF = """\
years 2024..2028
wacc = 10%
terminal_growth = 3%
fcf[2024] = 100
fcf = fcf[t-1] * (1 + growth)
growth = 8%
value = fcf * (1 + terminal_growth) / (wacc - terminal_growth)
shares = 10
target_price = value / shares
"""

DIMS = """\
years 2024..2027
dim company = {goog, meta, orcl}
capex[2024] = {goog: 52B, meta: 39B, orcl: 7B}
capex_growth = 25%
capex_growth[orcl] = 60%
capex = capex[t-1] * (1 + capex_growth)
asic_share = {goog: 40%, meta: 20%, orcl: 10%}
optics = capex * 2% * (1 + asic_share * 0.5)
optics_tam = sum(optics, company)
scenario bull {
  capex_growth[meta] = 40%
}
"""

QUARTERS = """\
quarters 2025Q3..2027Q2
dim region = {us, eu}
revenue[2025Q3] = {us: 100M, eu: 60M}
revenue = revenue[t-1] * (1 + growth)
growth = 4%
margin = 30%
margin[2026Q1..] = 32%
profit = revenue * margin
total = sum(profit, region)
"""

# (model, output, varies, scenario): each sweep's points are checked against --set
CASES = [
    (DCF, "target_price[2026]", ["wacc=8%..12%/1%", "terminal_growth=2%..4%/0.5%"], "base"),
    (DCF, "target_price", ["wacc=8%,9.5%,11%"], "base"),
    (DCF, "value[2027]", ["growth[2025]=-5%..5%/2.5%", "shares=7,9"], "base"),
    (DIMS, "optics_tam[2027]", ["capex_growth[orcl]=10%..30%/10%", "asic_share=0%,50%"], "base"),
    (DIMS, "capex[meta, 2026]", ["capex_growth=20%,30%"], "bull"),
    (DIMS, "optics[goog, 2027]", ["capex_growth[goog]=1%,2%", "capex_growth[meta]=3%,4%",
                                  "asic_share[goog]=10%,90%"], "base"),
    (QUARTERS, "total[2026Q4]", ["growth=2%..6%/1%", "margin=25%,35%"], "base"),
    (QUARTERS, "profit[us]", ["margin[2026Q2]=10%,20%"], "base"),
]


def _set_texts(model, varies, point):
    """The `--set` definitions of one point, each vary's value written as the range wrote it."""
    out = []
    for v, value in zip(varies, point):
        j = v.values.index(value)
        out.append(f"{v.cell.label(model.axis)} = {v.texts[j]}")
    return out


@pytest.mark.parametrize("text, output, specs, scenario", CASES)
def test_every_point_equals_run_with_set(text, output, specs, scenario):
    m = load_model(text, "m.scn")
    cell = parse_cell(m, output, "OUTPUT")
    varies = [parse_vary(m, s, k + 1) for k, s in enumerate(specs)]
    s = sweep(m, cell, varies, scenario)
    assert s.values.shape == (*(len(v.values) for v in varies), len(m.axis))
    n = 0
    for point, row in s.points():
        r = evaluate(m, scenario, parse_overrides(m, _set_texts(m, varies, point)))
        want = np.array([np.nan if x is None else x for x in r.series(cell.variable, cell.members)])
        np.testing.assert_array_equal(row, want)  # bit for bit: the same floats as --set
        n += 1
    assert n == int(np.prod([len(v.values) for v in varies]))


@settings(max_examples=25, deadline=None)
@given(lo=st.integers(-50, 50), count=st.integers(0, 6), step=st.integers(1, 25),
       tg=st.sampled_from(["1%", "2.5%", "0.1%"]))
def test_random_ranges_equal_set(lo, count, step, tg):
    """Ranges of tenths of a percent: each point is the float the literal reads as."""
    m = load_model(DCF, "m.scn")
    hi = lo + count * step
    spec = f"growth={lo / 10:g}%..{hi / 10:g}%/{step / 10:g}%"
    varies = [parse_vary(m, spec, 1), parse_vary(m, f"terminal_growth={tg}", 2)]
    assert len(varies[0].values) == count + 1
    s = sweep(m, parse_cell(m, "target_price[2028]", "OUTPUT"), varies)
    for point, row in s.points():
        r = evaluate(m, "base", parse_overrides(m, _set_texts(m, varies, point)))
        assert row[-1] == r.value("target_price", 2028)


@pytest.mark.parametrize("spec, values", [
    ("wacc=8%..12%/1%", [0.08, 0.09, 0.10, 0.11, 0.12]),
    ("wacc=8%..12%/3%", [0.08, 0.11]),  # 12% is off the grid: not included
    ("wacc=12%..8%/-2%", [0.12, 0.10, 0.08]),
    ("wacc=0.1..0.3/0.1", [0.1, 0.2, 0.3]),  # 0.1 + 0.1 + 0.1 is not 0.3 in floats; exact here
    ("wacc=5%..5%/1%", [0.05]),
    ("shares=1k..3k/1k", [1000.0, 2000.0, 3000.0]),
    ("shares=1.5B, 2_000M", [1.5e9, 2e9]),
    ("growth=-1%,0,1e-2", [-0.01, 0.0, 0.01]),
])
def test_values_read_as_literals(spec, values):
    m = load_model(DCF, "m.scn")
    assert parse_vary(m, spec, 1).values == tuple(values)


def _csv(argv, capsys):
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def dcf(tmp_path):
    p = tmp_path / "dcf.scn"
    p.write_text(DCF)
    return str(p)


def test_csv_contract(dcf, capsys):
    code, out, _ = _csv(["sweep", dcf, "target_price[2025]", "--vary", "wacc=8%,10%",
                         "--vary", "terminal_growth=2%..3%/1%", "--format", "csv"], capsys)
    assert code == 0
    # 108 * 1.02 / 0.06 / 10 and so on, the first --vary outermost
    assert out == ("wacc,terminal_growth,value\n"
                   "0.08,0.02,183.6\n"
                   "0.08,0.03,222.48000000000002\n"
                   "0.1,0.02,137.7\n"
                   "0.1,0.03,158.9142857142857\n")


def test_csv_without_a_period_has_a_column_per_period(dcf, capsys):
    code, out, _ = _csv(["sweep", dcf, "fcf", "--vary", "growth=0%,10%", "--vary", "shares=1",
                         "--format", "csv"], capsys)
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["growth", "shares", "2024", "2025", "2026", "2027", "2028"]
    assert rows[1] == ["0.0", "1.0", "100.0", "100.0", "100.0", "100.0", "100.0"]
    assert rows[2][:4] == ["0.1", "1.0", "100.0", "110.00000000000001"]


def test_csv_of_a_member_vary_names_its_cell(tmp_path, capsys):
    p = tmp_path / "capex.scn"
    p.write_text(DIMS)
    code, out, _ = _csv(["sweep", str(p), "capex[orcl, 2025]", "--vary",
                         "capex_growth[orcl]=50%,100%", "--format", "csv"], capsys)
    assert code == 0
    assert out == "capex_growth[orcl],value\n0.5,10500000000.0\n1.0,14000000000.0\n"


def test_two_way_table(dcf, capsys):
    code, out, _ = _csv(["sweep", dcf, "target_price[2025]", "--vary", "wacc=8%..10%/1%",
                         "--vary", "terminal_growth=2%,3%"], capsys)
    assert code == 0
    assert out == (
        "target_price[2025], scenario base\n"
        "\n"
        "wacc \\ terminal_growth   2.0%   3.0%\n"
        "8.0%                    183.6  222.5\n"
        "9.0%                    157.4  185.4\n"
        "10.0%                   137.7  158.9\n")


def test_one_vary_without_a_period_is_a_row_per_point(dcf, capsys):
    code, out, _ = _csv(["sweep", dcf, "fcf", "--vary", "growth=0%,10%"], capsys)
    assert code == 0
    assert out == ("fcf, scenario base\n"
                   "\n"
                   "growth   2024   2025   2026   2027   2028\n"
                   "0.0%    100.0  100.0  100.0  100.0  100.0\n"
                   "10.0%   100.0  110.0  121.0  133.1  146.4\n")


def test_three_varies_make_a_table_per_outer_value(dcf, capsys):
    code, out, _ = _csv(["sweep", dcf, "target_price[2024]", "--vary", "shares=10,20",
                         "--vary", "wacc=8%", "--vary", "terminal_growth=2%,3%",
                         "--format", "md"], capsys)
    assert code == 0
    assert out == (
        "### target_price[2024], scenario base\n"
        "\n"
        "_shares = 10_\n"
        "\n"
        "| wacc \\ terminal_growth | 2.0% | 3.0% |\n"
        "|---|---:|---:|\n"
        "| 8.0% | 170 | 206 |\n"
        "\n"
        "_shares = 20_\n"
        "\n"
        "| wacc \\ terminal_growth | 2.0% | 3.0% |\n"
        "|---|---:|---:|\n"
        "| 8.0% | 85 | 103 |\n")


def test_headings_fall_back_to_typed_values_when_formats_collide(dcf, capsys):
    code, out, _ = _csv(["sweep", dcf, "target_price[2024]", "--vary", "wacc=8.25%,8.3%"],
                        capsys)
    assert code == 0
    assert "8.25%" in out and "8.3%" in out


def test_set_combines_with_vary(dcf, capsys):
    code, out, _ = _csv(["sweep", dcf, "target_price[2024]", "--vary", "wacc=8%",
                         "--set", "shares = 20", "--format", "csv"], capsys)
    assert code == 0
    assert out == "wacc,value\n0.08,103.0\n"  # 100 * 1.03 / 5% / 20


@pytest.mark.parametrize("spec, line, col, message", [
    ("wacc=8%..12%/0", 1, 14, "a step of 0 never gets anywhere"),
    ("wacc=8%..12%/-1%", 1, 14, "a step of -1% goes away from 12%"),
    ("wacc=12%..8%/1%", 1, 14, "a step of 1% goes away from 8%"),
    ("wac=8%", 1, 1, "unknown variable 'wac'"),
    ("wacc 8%", 1, 1, "expected NAME=VALUES, not 'wacc 8%'"),
    ("wacc=8%..12%", 1, 6, "a range needs a step: LOW..HIGH/STEP"),
    ("wacc=8%, x", 1, 10, "expected a number, not 'x'"),
    ("wacc=8q", 1, 7, "unknown number suffix 'q' in '8q'"),
    ("wacc=8%,8%", 1, 9, "8% is listed twice"),
    ("wacc=", 1, 5, "no values after '='"),
    ("wacc=1..2000000/1", 1, 17, "1..2000000 by 1 is 2,000,000 points, more than 1,000,000"),
])
def test_vary_errors_at_their_column(spec, line, col, message):
    m = load_model(DCF, "m.scn")
    with pytest.raises(ScnError) as e:
        parse_vary(m, spec, line)
    (d,) = e.value.diagnostics
    assert (d.source, d.span.line, d.span.col, d.message) == ("--vary", line, col, message)


def test_unknown_variable_suggests_and_reports_the_line(dcf, capsys):
    code, _, err = _csv(["sweep", dcf, "target_price[2025]", "--vary", "wacc=8%",
                         "--vary", "termnal_growth=2%"], capsys)
    assert code == 2
    assert err == ("--vary:2:1: error: unknown variable 'termnal_growth'\n"
                   "  termnal_growth=2%\n"
                   "  ^^^^^^^^^^^^^^\n"
                   "  hint: did you mean 'terminal_growth'?\n")


def test_a_computed_variable_is_refused(dcf, capsys):
    code, _, err = _csv(["sweep", dcf, "target_price[2025]", "--vary", "wacc=8%",
                         "--vary", "value=1,2"], capsys)
    assert code == 2
    assert err.startswith("--vary:2:1: error: 'value' is computed (line 7), not an input: "
                          "a sweep varies inputs\n  value=1,2\n  ^^^^^\n")


def test_a_cell_varied_twice_is_refused(tmp_path, capsys):
    p = tmp_path / "capex.scn"
    p.write_text(DIMS)
    code, _, err = _csv(["sweep", str(p), "optics_tam[2025]", "--vary",
                         "capex_growth[orcl]=1%", "--vary", "capex_growth=2%"], capsys)
    assert code == 2
    assert err.startswith("--vary:2:1: error: capex_growth is varied twice (--vary 1 and 2)")


def test_too_many_points_is_refused(dcf, capsys):
    code, _, err = _csv(["sweep", dcf, "target_price[2025]", "--vary", "wacc=1..2000/1",
                         "--vary", "shares=1..1000/1"], capsys)
    assert code == 2
    assert err.startswith(f"--vary:2:1: error: a sweep of 2,000,000 points (2,000 x 1,000) is "
                          f"more than {MAX_POINTS:,}")


def test_an_input_the_output_does_not_read_is_a_warning(dcf, capsys):
    code, _, err = _csv(["sweep", dcf, "fcf[2025]", "--vary", "wacc=8%"], capsys)
    assert code == 0
    assert err.startswith("--vary:1:1: warning: fcf[2025] does not read wacc")


def test_two_varies_need_a_period_for_a_table(dcf, capsys):
    code, _, err = _csv(["sweep", dcf, "fcf", "--vary", "growth=1%", "--vary", "shares=1"],
                        capsys)
    assert code == 2
    assert err == ("scn: error: with 2 --vary, name one period of the output: "
                   "'fcf[2028]' (or --format csv, a column per period)\n")


def test_output_errors_point_into_the_output(dcf, capsys):
    code, _, err = _csv(["sweep", dcf, "target_price[2040]", "--vary", "wacc=8%"], capsys)
    assert code == 2
    assert err.startswith("OUTPUT:1:14: error: year 2040 is outside the model years")


def test_a_member_output_needs_its_member(tmp_path, capsys):
    p = tmp_path / "capex.scn"
    p.write_text(DIMS)
    code, _, err = _csv(["sweep", str(p), "capex[2025]", "--vary", "capex_growth=1%"], capsys)
    assert code == 2
    assert "capex is over company: name its member" in err


def test_large_sweeps_run_in_chunks_with_the_same_result(monkeypatch):
    import engine.sweep as sw

    m = load_model(DIMS, "m.scn")
    cell = parse_cell(m, "optics_tam[2027]", "OUTPUT")
    varies = [parse_vary(m, "capex_growth=0%..50%/5%", 1),
              parse_vary(m, "asic_share=0%..90%/10%", 2)]
    whole = sweep(m, cell, varies).values
    monkeypatch.setattr(sw, "CHUNK_ROWS", 7)  # a point or so per run
    np.testing.assert_array_equal(sweep(m, cell, varies).values, whole)
    assert whole.shape == (11, 10, 4)
    for (i, g), (j, a) in itertools.product(enumerate(varies[0].values),
                                            enumerate(varies[1].values)):
        if (i, j) in ((0, 0), (10, 9)):
            r = evaluate(m, "base", parse_overrides(m, [f"capex_growth = {g!r}",
                                                        f"asic_share = {a!r}"]))
            assert whole[i, j, -1] == r.value("optics_tam", 2027)
