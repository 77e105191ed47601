"""Sensitivities, explain and goal seek over member cells (issue 11): derivatives
with respect to one member or all, of a member cell or a sum over members,
checked against finite differences of models re-evaluated through `--set`."""

from __future__ import annotations

import json
import math

import pytest

from cli.main import main
from engine import evaluate, load_model, parse_overrides
from engine.goal import goal_seek
from engine.sensitivity import derivative_formula, derivatives
from engine.tornado import tornado

MODEL = """\
years 2024..2027
dim company = {goog, meta, orcl}

capex[2024] = {goog: 52B, meta: 39B, orcl: 7B}
capex_growth = 25%
capex_growth[orcl] = 60%
capex = capex[t-1] * (1 + capex_growth)
asic_share = {goog: 40%, meta: 20%, orcl: 10%}
optics_intensity = 2%
asic_uplift = 1.5
optics = capex * optics_intensity * (1 + asic_share * (asic_uplift - 1))
optics_tam = sum(optics, company)
optics_share = optics / optics_tam
"""
MEMBERS = ("goog", "meta", "orcl")
YEARS = range(2024, 2028)


@pytest.fixture(scope="module")
def model():
    return load_model(MODEL, "capex.scn")


def _value(result, var, year, members=()):
    return result.value(var, year, members)


def _fd(m, out, members, year, overrides_at):
    """Central difference of out[members, year] with the input moved by +-h (Richardson)."""
    h = 1e-5

    def at(delta):
        r = evaluate(m, "base", parse_overrides(m, overrides_at(delta)))
        return _value(r, out, year, members)
    f = {s: at(s * h) for s in (1, -1, 0.5, -0.5)}
    return (4 * (f[0.5] - f[-0.5]) / h - (f[1] - f[-1]) / (2 * h)) / 3


def _shift_member(m, var, member, years=YEARS):
    base = evaluate(m)
    vals = {y: base.value(var, y, (member,)) for y in years}
    return lambda d: [f"{var}[{member}] = {{" + ", ".join(
        f"{y}: {vals[y] + d!r}" for y in years) + "}"]


def test_derivative_with_respect_to_one_member_matches_finite_differences(model):
    for member in MEMBERS:
        d = derivatives(model, "optics_tam", f"capex_growth[{member}]")
        assert d.wrt == f"capex_growth[{member}]"
        for k, year in enumerate(YEARS):
            fd = _fd(model, "optics_tam", (), year, _shift_member(model, "capex_growth", member))
            assert d.derivative[k] == pytest.approx(fd, rel=1e-6, abs=1e-3), (member, year)


def test_derivative_with_respect_to_all_members_is_the_sum_of_the_members(model):
    whole = derivatives(model, "optics_tam", "asic_share")
    parts = [derivatives(model, "optics_tam", f"asic_share[{m}]") for m in MEMBERS]
    for k in range(len(YEARS)):
        assert whole.derivative[k] == pytest.approx(sum(p.derivative[k] for p in parts), rel=1e-12)
    assert whole.derivative[-1] > 0


def test_a_member_cell_depends_on_its_own_member_only(model):
    own = derivatives(model, "capex[goog]", "capex_growth[goog]")
    other = derivatives(model, "capex[goog]", "capex_growth[meta]")
    assert own.output == "capex[goog]"
    assert own.derivative[0] == 0 and own.derivative[-1] > 0
    assert all(v == 0 for v in other.derivative)
    fd = _fd(model, "capex", ("goog",), 2027, _shift_member(model, "capex_growth", "goog"))
    assert own.derivative[-1] == pytest.approx(fd, rel=1e-6)


def test_a_share_moves_with_the_other_members(model):
    # optics_share[goog] = optics[goog] / sum(optics): orcl's growth lowers goog's share
    d = derivatives(model, "optics_share[goog]", "capex_growth[orcl]")
    fd = _fd(model, "optics_share", ("goog",), 2027, _shift_member(model, "capex_growth", "orcl"))
    assert d.derivative[-1] < 0
    assert d.derivative[-1] == pytest.approx(fd, rel=1e-6)


def test_one_member_cell_typed_over_carries_into_later_years(model):
    d = derivatives(model, "optics_tam", "capex[meta, 2024]")
    # d optics_tam[y] / d capex[meta, 2024] = growth^(y-2024) * intensity * (1 + 20% * 0.5)
    for k, year in enumerate(YEARS):
        assert d.derivative[k] == pytest.approx(1.25 ** (year - 2024) * 0.02 * 1.1, rel=1e-12)


def test_formula_of_one_member_reads_that_members_cells(model):
    f = derivative_formula(model, "optics_tam[2027]", "asic_share[goog]")
    assert f.text == "capex[goog]*optics_intensity*(asic_uplift - 1)"
    every = derivative_formula(model, "optics_tam[2027]", "asic_share")
    assert every.text == "optics_intensity*(asic_uplift - 1)*sum(capex, company)"


def test_formula_through_a_recurrence_per_member(model):
    f = derivative_formula(model, "capex[orcl]", "capex_growth[orcl]")
    # the output is the recurrence itself: its rules by year, as in version 1
    assert f.text == "2024: 0\n2025..2027: capex[orcl,t-1] + d(capex[orcl,t-1])*(1 + capex_growth[orcl])"
    assert f.compounds


def test_tornado_ranks_member_inputs_as_bars(model):
    rows = tornado(model, "optics_tam", 2027)
    labels = [r.input for r in rows]
    for m in MEMBERS:
        assert f"capex_growth[{m}]" in labels and f"asic_share[{m}]" in labels
        assert f"capex[{m}, 2024]" in labels
    assert rows[0].input == "optics_intensity"
    goog = next(r for r in rows if r.input == "capex[goog, 2024]")
    assert goog.exact_high == pytest.approx(0.1 * goog.derivative * 52e9, rel=1e-9)


def test_sens_cli_top_says_how_many_more(tmp_path):
    path = tmp_path / "capex.scn"
    path.write_text(MODEL)
    out = tmp_path / "out.txt"
    assert main(["sens", str(path), "optics_tam", "--top", "3", "-o", str(out)]) == 0
    text = out.read_text()
    assert "Tornado: optics_tam[2027] = " in text
    assert "... and 8 more inputs that move it less (--top 11 shows all 11)" in text
    body = text.split("\n\n")[1].splitlines()
    assert len(body) == 5  # the header, three bars and the count of the others
    assert body[1].startswith("optics_intensity ")


def test_sens_cli_member_output_and_wrt(tmp_path):
    path = tmp_path / "capex.scn"
    path.write_text(MODEL)
    out = tmp_path / "out.json"
    assert main(["sens", str(path), "capex[goog, 2027]", "--wrt", "capex_growth[goog]",
                 "--format", "json", "-o", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["output"] == "capex[goog]"
    assert doc["wrt"][0]["wrt"] == "capex_growth[goog]"
    assert doc["wrt"][0]["derivative"][0] == 0  # 2024: the starting value
    assert doc["wrt"][0]["derivative"][-1] == pytest.approx(3 * 52e9 * 1.25 ** 2, rel=1e-12)


def test_sens_cli_errors_name_members(tmp_path, capsys):
    path = tmp_path / "capex.scn"
    path.write_text(MODEL)
    assert main(["sens", str(path), "optics_tam", "--wrt", "capex_growth[googl]"]) == 2
    err = capsys.readouterr().err
    assert "--wrt:1:14: error: unknown member 'googl'" in err
    assert "did you mean 'goog'?" in err
    assert main(["sens", str(path), "capex[2027]"]) == 2
    err = capsys.readouterr().err
    assert "OUTPUT:1:1: error: capex is over company: name its member" in err
    assert "write capex[goog, 2027]" in err


def test_explain_walks_member_cells(tmp_path):
    path = tmp_path / "capex.scn"
    path.write_text(MODEL)
    out = tmp_path / "out.txt"
    assert main(["explain", str(path), "capex[goog, 2027]", "--depth", "1", "-o", str(out)]) == 0
    text = out.read_text()
    assert text.startswith("capex[goog, 2027] = ")
    assert "|-- capex[goog, 2026] = " in text
    assert "`-- capex_growth[goog, 2027] = 25.0%" in text
    assert main(["explain", str(path), "optics_tam[2027]", "--depth", "1", "-o", str(out)]) == 0
    text = out.read_text()
    for m in MEMBERS:
        assert f"optics[{m}, 2027] = " in text


def test_explain_summarises_many_members(tmp_path):
    members = [f"c{k:03d}" for k in range(40)]
    text = (f"years 2024..2025\ndim company = {{{', '.join(members)}}}\n"
            "x = 1\nx[c000] = 2\ntotal = sum(x, company)\n")
    path = tmp_path / "many.scn"
    path.write_text(text)
    out = tmp_path / "out.txt"
    assert main(["explain", str(path), "total[2025]", "-o", str(out)]) == 0
    got = out.read_text()
    assert "x[c004, 2025] = 1 (+35 more members)" in got
    assert "x[c005, 2025]" not in got
    assert main(["explain", str(path), "total[2025]", "--all", "-o", str(out)]) == 0
    assert "x[c039, 2025]" in out.read_text()


@pytest.mark.parametrize("vary", ["capex_growth[orcl]", "capex_growth", "capex_growth[orcl, 2027]"])
def test_goal_varies_members(model, vary):
    g = goal_seek(model, "optics_tam[2027] = 5B", vary, text=MODEL)
    assert g.achieved == pytest.approx(5e9, rel=1e-9)
    # the printed override reproduces it
    r = evaluate(model, "base", parse_overrides(model, g.override.split("\n")))
    assert r.value("optics_tam", 2027) == pytest.approx(5e9, rel=1e-9)
    if vary == "capex_growth[orcl]":
        assert g.override.startswith("capex_growth[orcl] = 60% + ")


def test_goal_over_a_member_map_writes_each_members_formula_shifted(model):
    # asic_share = {goog: 40%, meta: 20%, orcl: 10%}: three lines as written, not year maps
    g = goal_seek(model, "optics_tam[2027] = 5B", "asic_share", text=MODEL)
    shift = g.override.split(" + ")[-1]
    assert g.override.split("\n") == [f"asic_share[goog] = 40% + {shift}",
                                       f"asic_share[meta] = 20% + {shift}",
                                       f"asic_share[orcl] = 10% + {shift}"]
    r = evaluate(model, "base", parse_overrides(model, g.override.split("\n")))
    assert r.value("optics_tam", 2027) == pytest.approx(5e9, rel=1e-12)


def test_goal_on_a_member_target(model):
    g = goal_seek(model, "capex[goog, 2027] = 120B", "capex_growth[goog]", text=MODEL)
    assert g.achieved == pytest.approx(120e9, rel=1e-9)
    assert g.value == pytest.approx((120 / 52) ** (1 / 3) - 1.25, rel=1e-9)


def test_goal_cli_shows_the_member_rows(tmp_path):
    path = tmp_path / "capex.scn"
    path.write_text(MODEL)
    out = tmp_path / "out.txt"
    assert main(["goal", str(path), "optics_tam[2027] = 5B", "--vary", "capex_growth",
                 "-o", str(out)]) == 0
    text = out.read_text()
    assert "capex_growth shifted by " in text and "in every year and every member" in text
    for m in MEMBERS:
        assert f"capex_growth[{m}]" in text


def test_version_1_files_keep_their_path(tmp_path):
    m = load_model("years 2024..2026\nx = 2\ny = x * x\n", "v1.scn")
    d = derivatives(m, "y", "x")
    assert d.derivative == (4.0, 4.0, 4.0)
    assert math.isclose(tornado(m, "y", 2026)[0].exact_high, 2.2 ** 2 - 4)


def test_tornado_of_a_member_cell(model):
    rows = tornado(model, "capex[orcl]", 2027)
    assert {r.input for r in rows} == {"capex_growth[orcl]", "capex[orcl, 2024]"}
    growth = next(r for r in rows if r.input == "capex_growth[orcl]")
    # capex[orcl, 2027] = 7B * (1 + g)^3, g scaled by +-10% (60% -> 66%, 54%)
    assert growth.exact_high == pytest.approx(7e9 * (1.66 ** 3 - 1.6 ** 3), rel=1e-9)
    assert growth.exact_low == pytest.approx(7e9 * (1.54 ** 3 - 1.6 ** 3), rel=1e-9)


def test_explain_dependents_of_a_member_cell(tmp_path):
    path = tmp_path / "capex.scn"
    path.write_text(MODEL)
    out = tmp_path / "out.json"
    assert main(["explain", str(path), "capex_growth[orcl, 2025]", "--dependents",
                 "--depth", "2", "--format", "json", "-o", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["cell"] == "capex_growth[orcl, 2025]"
    (capex,) = doc["dependents"]
    assert capex["cell"] == "capex[orcl, 2025]"
    assert [c["cell"] for c in capex["dependents"]] == ["capex[orcl, 2026]", "optics[orcl, 2025]"]


def test_a_formula_does_not_depend_on_models_read_before(model):
    # sympy caches symbols and the sums built from them by name; `capex[orcl,t-1]`
    # names a cell of another shape in this model (capex over company and speed).
    # The formula once followed that model's reference, depending on test order.
    other = load_model("""\
years 2024..2027
dim company = {goog, meta, orcl}
dim speed = {g400, g800}

capex[2024] = 1
capex_growth = {goog: 1%, meta: 2%, orcl: 3%}
bump = {g400: 1, g800: 2}
capex = capex[t-1] * (1 + capex_growth) + bump
""", "other.scn")
    derivative_formula(other, "capex[orcl,g400]", "capex_growth[orcl]")
    f = derivative_formula(model, "capex[orcl]", "capex_growth[orcl]")
    assert f.text == "2024: 0\n2025..2027: capex[orcl,t-1] + d(capex[orcl,t-1])*(1 + capex_growth[orcl])"
