"""Display by unit (issue 13): the unit decides how a number shows, never the name,
the same in every command-line front end; tables of an annotated file have a unit
column, values standing alone carry their unit."""

from __future__ import annotations

import textwrap

import pytest

from display.kinds import MULTIPLE, PERCENT, PLAIN, kinds
from display.numbers import change_format, format_row, format_value
from display.styles import Style, style_of
from engine import load_model
from engine.units import Unit
from test_cli import scn

USD, COUNT = Style("currency", "USD"), Style("count", "count")

MODEL = textwrap.dedent("""\
    years 2025..2027

    section "Inputs"
    capex: USD = {2025: 345B, 2026: 420B, 2027: 500B}
    gpu_cost: USD/PFLOPS = 15k
    customers: count last = {2025: 1200, 2026: 1272.45, 2027: 1500.5}
    growth: % = {2025: 5%, 2026: 5.25%, 2027: 6.7%}
    asic_optics_multiplier: x = 3.8
    goog_exit_run_rate = 5.68T
    wallet_share = 5B
    wacc = 10.9%

    section "Outputs"
    compute = capex / gpu_cost
    capex_share = capex / (capex * 5)
    spend_per_customer = capex / customers
    optics = capex * asic_optics_multiplier * 1%
    """)


@pytest.fixture
def model(tmp_path):
    (tmp_path / "m.scn").write_text(MODEL)
    return tmp_path


def run(cwd, *args) -> str:
    r = scn(*args, cwd=cwd)
    assert r.returncode in (0, 1) and r.stderr == "", r.stderr
    return r.stdout


# ---------------------------------------------------------------- the examples


def styles_of(text: str) -> dict[str, Style]:
    return kinds(load_model("years 2025..2027\n" + text, "m.scn"))


def test_an_unannotated_amount_named_like_a_rate_shows_as_an_amount():
    # before: 5,680,000,000,000.0% (the name ends in _rate) and 500,000,000,000.0%
    s = styles_of("goog_exit_run_rate = 5.68T\nwallet_share = 5B\n")
    assert s == {"goog_exit_run_rate": PLAIN, "wallet_share": PLAIN}
    assert format_value(5.68e12, s["goog_exit_run_rate"]) == "5.7T"
    assert format_value(5e9, s["wallet_share"]) == "5.0B"


def test_a_percent_literal_shows_as_a_percentage_and_a_row_has_one_decimal_count():
    s = styles_of("wacc = 10.9%\ng: % = {2025: 5%, 2026: 5.25%, 2027: 6.7%}\n")
    assert s["wacc"] == PERCENT and format_value(0.109, s["wacc"]) == "10.9%"
    assert format_row([0.05, 0.0525, 0.067], s["g"]) == ["5.0%", "5.3%", "6.7%"]


def test_an_unannotated_ratio_of_amounts_is_a_plain_number():
    s = styles_of("capex: USD = 1\nna_capex: USD = 5\ncapex_share = capex / na_capex\n")
    assert s["capex_share"] == PLAIN and format_value(0.2, PLAIN) == "0.200"


def test_counts_are_whole_and_their_changes_too():
    assert format_row([1200, 1272.45, 1500.5], COUNT) == ["1,200", "1,272", "1,501"]
    assert change_format([72.45], COUNT)(72.45) == "+72"
    assert format_row([12345, 2.5e6], COUNT) == ["12.3k", "2.5M"]  # from 1M: as amounts
    assert change_format([0.3], COUNT)(0.3) == "+0.3"  # a moved cell never reads as +0
    assert format_value(12345, COUNT, with_unit=True) == "12,345 count"


def test_multiples_show_two_decimals_and_an_x():
    assert format_row([3.8, 4.0], MULTIPLE) == ["3.80x", "4.00x"]
    assert format_row([150, 3.8], MULTIPLE) == ["150.0x", "3.8x"]
    assert change_format([0.2], MULTIPLE)(0.2) == "+0.20x"


def test_other_units_show_as_amounts_and_carry_their_unit_alone():
    cost = style_of(Unit.of("USD/PFLOPS"))
    assert cost == Style("amount", "USD/PFLOPS") and cost.label == "USD/PFLOPS"
    assert format_value(15e3, cost) == "15.0k"
    assert format_value(15e3, cost, with_unit=True) == "15.0k USD/PFLOPS"
    assert format_value(85.1e9, USD, with_unit=True) == "85.1B USD"
    assert format_value(0.3, PERCENT, with_unit=True) == "30.0%"
    assert format_value(float("nan"), USD, with_unit=True) == "n/a"


@pytest.mark.parametrize("text, style", [
    ("%", PERCENT), ("x", MULTIPLE), ("1", PLAIN), ("USD", USD), ("EUR", Style("currency", "EUR")),
    ("count", COUNT), ("PFLOPS", Style("amount", "PFLOPS")),
    ("USD/count/month", Style("amount", "USD/count/month")), ("1/month", Style("amount", "1/month")),
    ("USD*count", Style("amount", "USD*count")), ("count^2", Style("amount", "count^2")),
])
def test_the_style_of_each_kind_of_unit(text, style):
    got = style_of(Unit.of(text))
    assert got == style and got.unit == style.unit
    assert got.label == ("" if style.kind in ("percent", "multiple", "plain") else text)


def test_styles_still_compare_with_the_old_kind_names():
    # the terminal UI and engine.rollup compare kinds with "percent"
    assert PERCENT == "percent" and USD == "currency" and USD != "percent"
    assert style_of(None) == PLAIN and {PERCENT: 1}["percent"] == 1
    assert format_row([0.3], "percent") == ["30.0%"] and format_row([0.3], "amount") == ["0.300"]


# ---------------------------------------------------------------- every front end


def test_run_table(model):
    assert run(model, "run", "m.scn") == textwrap.dedent("""\
        m.scn: scenario base
                                  unit          2025    2026    2027
        Inputs
          capex                   USD         345.0B  420.0B  500.0B
          gpu_cost                USD/PFLOPS   15.0k   15.0k   15.0k
          customers               count        1,200   1,272   1,501
          growth                                5.0%    5.3%    6.7%
          asic_optics_multiplier               3.80x   3.80x   3.80x
          goog_exit_run_rate                    5.7T    5.7T    5.7T
          wallet_share                          5.0B    5.0B    5.0B
          wacc                                 10.9%   10.9%   10.9%
        Outputs
          compute                 PFLOPS       23.0M   28.0M   33.3M
          capex_share                          0.200   0.200   0.200
          spend_per_customer      USD/count   287.5M  330.1M  333.2M
          optics                  USD          13.1B   16.0B   19.0B
        """)


def test_run_table_of_a_file_without_annotations_has_no_unit_column(tmp_path):
    (tmp_path / "p.scn").write_text("years 2025..2026\nrevenue_growth = 0.3\nwacc = 10.9%\n")
    assert run(tmp_path, "run", "p.scn") == (
        "p.scn: scenario base\n"
        "                 2025   2026\n"
        "revenue_growth  0.300  0.300\n"
        "wacc            10.9%  10.9%\n")


def test_run_markdown_and_long_markdown(model):
    md = run(model, "run", "m.scn", "--format", "md")
    assert md.startswith("### m.scn: scenario base\n\n| variable | unit | 2025 | 2026 | 2027 |\n"
                         "|---|---|---:|---:|---:|\n| **Inputs** | | | | |\n"
                         "| capex | USD | 345.0B | 420.0B | 500.0B |\n")
    assert "| customers | count | 1,200 | 1,272 | 1,501 |\n" in md
    assert "| asic_optics_multiplier |  | 3.80x | 3.80x | 3.80x |\n" in md
    long = run(model, "run", "m.scn", "--format", "md", "--long")
    assert long.startswith("| scenario | variable | unit | year | value |\n|---|---|---|---:|---:|\n"
                           "| base | capex | USD | 2025 | 345.0B |\n")
    assert "| base | gpu_cost | USD/PFLOPS | 2025 | 15.0k |\n" in long


def test_diff(model):
    new = MODEL.replace("2026: 1272.45", "2026: 1344.9").replace("= 3.8", "= 4.0") \
        .replace("wacc = 10.9%", "wacc = 11.4%")
    (model / "new.scn").write_text(new)
    out = run(model, "diff", "m.scn", "new.scn")
    table = textwrap.dedent(out[out.index("  scenario"):])
    assert table == textwrap.dedent("""\
          scenario  variable                unit       year     old     new   change      %  from
          base      customers               count      2026   1,272   1,345      +72  +5.7%  [1]
          base      spend_per_customer      USD/count  2026  330.1M  312.3M   -17.8M  -5.4%  [1]
          base      asic_optics_multiplier             2025   3.80x   4.00x   +0.20x  +5.3%  [2]
                                                       2026   3.80x   4.00x   +0.20x  +5.3%  [2]
                                                       2027   3.80x   4.00x   +0.20x  +5.3%  [2]
          base      optics                  USD        2025   13.1B   13.8B  +690.0M  +5.3%  [2]
                                                       2026   16.0B   16.8B  +840.0M  +5.3%  [2]
                                                       2027   19.0B   20.0B    +1.0B  +5.3%  [2]
          base      wacc                               2025   10.9%   11.4%   +0.5pp  +4.6%  [3]
                                                       2026   10.9%   11.4%   +0.5pp  +4.6%  [3]
                                                       2027   10.9%   11.4%   +0.5pp  +4.6%  [3]
        """)
    md = run(model, "diff", "m.scn", "new.scn", "--format", "md")
    assert ("| scenario | variable | unit | year | old | new | change | % | from |\n"
            "|---|---|---|---:|---:|---:|---:|---:|---|\n"
            "| base | customers | count | 2026 | 1,272 | 1,345 | +72 | +5.7% | [1] |\n") in md


def test_textconv(model):
    out = run(model, "textconv", "m.scn")
    rows = out[out.index("scenario  variable"):].splitlines()
    assert rows[:4] == [
        "scenario  variable                unit            2025      2026      2027  exact",
        "base      capex                   USD           345.0B    420.0B    500.0B  #73be56",
        "base      gpu_cost                USD/PFLOPS     15.0k     15.0k     15.0k  #a91856",
        "base      customers               count          1,200     1,272     1,501  #034492"]
    assert rows[5] == "base      asic_optics_multiplier                 3.80x     3.80x     3.80x  #0f54cb"


def test_explain(model):
    assert run(model, "explain", "m.scn", "optics[2026]") == textwrap.dedent("""\
        optics[2026] = 16.0B USD   (scenario base)
          m.scn:17: optics = capex * asic_optics_multiplier * 1%

        precedents (cells it reads):
        optics[2026] = 16.0B USD                  line 17: optics = capex * asic_optics_multiplier * 1%
        |-- capex[2026] = 420.0B USD              line 4: capex: USD = {2026: 420B}
        `-- asic_optics_multiplier[2026] = 3.80x  line 8: asic_optics_multiplier: x = 3.8
        """)
    out = run(model, "explain", "m.scn", "compute[2025]")
    assert "`-- gpu_cost[2025] = 15.0k USD/PFLOPS" in out
    assert out.startswith("compute[2025] = 23.0M PFLOPS   (scenario base)\n")


def test_sens_tornado_and_derivatives(model):
    tornado = run(model, "sens", "m.scn", "optics[2027]").splitlines()
    assert tornado[:4] == [
        "Tornado: optics[2027] = 19.0B USD, scenario base; each input scaled by -10% and +10%",
        "",
        "input                         base  d/d input  -10% est  -10% exact  +10% est  +10% exact",
        "capex                   500.0B USD     0.0380     -1.9B       -1.9B     +1.9B       +1.9B"
        "  ====================|####################"]
    assert tornado[4].startswith("asic_optics_multiplier       3.80x   5.0B USD     -1.9B")
    d = run(model, "sens", "m.scn", "compute[2026]", "--wrt", "gpu_cost")
    assert d.endswith("\n                        unit            2026\n"
                      "compute                 PFLOPS         28.0M\n"
                      "d compute / d gpu_cost  PFLOPS^2/USD   -1.9k\n"
                      "elasticity                            -1.000\n")


def test_goal(model):
    out = run(model, "goal", "m.scn", "compute[2027] = 40M", "--vary", "capex[2027]")
    assert out.splitlines()[:8] == [
        "goal: compute[2027] = 40.0M PFLOPS   (scenario base)",
        "",
        "  capex[2027] = 600.0B USD, was 500.0B USD   (exactly 600000000000.0)",
        "  solved: exact; compute[2027] is linear in capex[2027]",
        "  check: compute[2027] re-evaluated = 40.0M PFLOPS (40000000.0)",
        "",
        "         unit    2025    2026    2027",
        "  capex  USD   345.0B  420.0B  600.0B"]
    out = run(model, "goal", "m.scn", "optics[2027] = 20B", "--vary", "asic_optics_multiplier")
    assert "  asic_optics_multiplier shifted by +0.20x in every year   (exactly 0.2)" in out
    (model / "s.scn").write_text("years 2025..2026\nasic_share: % = 30%\ncapex: USD = 100B\n"
                                 "asic = capex * asic_share\n")
    out = run(model, "goal", "s.scn", "asic[2026] = 42.3B", "--vary", "asic_share[2026]")
    assert "  asic_share[2026] = 42.3%, was 30.0%" in out
