"""The reference evaluator on dimensioned models (LANGUAGE-2.md section 1), checked
against values computed by hand: it must be right before it judges the engine.
No engine here."""

from __future__ import annotations

import math

import pytest

from reference import ReferenceInvalid, evaluate_reference, reference_dims_of, reference_eval


def close(got, want) -> bool:
    if got is None or want is None:
        return got is None and want is None
    if math.isnan(want):
        return math.isnan(got)
    return math.isclose(got, want, rel_tol=1e-12, abs_tol=0)


def assert_rows(got: dict, want: dict) -> None:
    """Only the rows named in `want` (every value of them)."""
    for key, values in want.items():
        assert len(got[key]) == len(values) and all(map(close, got[key], values)), (
            f"{key}: {got[key]} != {values}")


def invalid(text: str, scenario: str = "base", overrides=()) -> str:
    with pytest.raises(ReferenceInvalid) as e:
        reference_eval(text, scenario, overrides)
    return str(e.value)


# ---------------------------------------------------------------- the contract's example

EXAMPLE = """\
years 2024..2026
dim company = {goog, meta, msft, amzn, orcl}
dim speed = {g400, g800, g1600}

capex[2024] = {goog: 52.5B, meta: 39.2B, msft: 76B, amzn: 83B, orcl: 7B}
capex = capex[t-1] * (1 + capex_growth)
capex_growth = 25%
capex_growth[orcl] = 60%
capex_growth[goog, 2025] = 62%          # Google's 2025 guide
na_capex = sum(capex, company)
capex_share = capex / na_capex           # one share per company
gbps = {g400: 400, g800: 800, g1600: 1600}   # a lookup table is a member map
mix = {g400: 50%, g800: 40%, g1600: 10%}
bandwidth = na_capex * 1% * mix / gbps   # dimensioned by speed
google_bw = bandwidth[g800] * capex_share[goog]

scenario bull {
  capex_growth[orcl] = 90%
}
"""

START = {"goog": 52.5e9, "meta": 39.2e9, "msft": 76e9, "amzn": 83e9, "orcl": 7e9}


def example_capex(orcl_growth: float) -> dict[str, list[float]]:
    growth = {"goog": [0.62, 0.25], "orcl": [orcl_growth] * 2}
    out = {}
    for m, c0 in START.items():
        g = growth.get(m, [0.25, 0.25])
        out[m] = [c0, c0 * (1 + g[0]), c0 * (1 + g[0]) * (1 + g[1])]
    return out


def test_example_dims_are_inferred():
    assert reference_dims_of(EXAMPLE) == {
        "capex": ("company",), "capex_growth": ("company",), "na_capex": (),
        "capex_share": ("company",), "gbps": ("speed",), "mix": ("speed",),
        "bandwidth": ("speed",), "google_bw": (),
    }


@pytest.mark.parametrize("scenario, orcl", [("base", 0.60), ("bull", 0.90)])
def test_example_values(scenario, orcl):
    got = evaluate_reference(EXAMPLE, scenario)
    capex = example_capex(orcl)
    assert list(got["capex"]) == [(m,) for m in START]  # declared member order
    assert_rows(got["capex"], {(m,): capex[m] for m in START})
    na = [sum(capex[m][i] for m in START) for i in range(3)]
    assert_rows(got["na_capex"], {(): na})
    assert_rows(got["capex_share"], {(m,): [capex[m][i] / na[i] for i in range(3)]
                                     for m in START})
    growth = got["capex_growth"]
    assert growth[("goog",)] == pytest.approx([0.25, 0.62, 0.25])
    assert growth[("orcl",)] == pytest.approx([orcl] * 3)
    assert growth[("meta",)] == pytest.approx([0.25] * 3)
    mix, gbps = {"g400": 0.5, "g800": 0.4, "g1600": 0.1}, {"g400": 400, "g800": 800, "g1600": 1600}
    bw = {s: [na[i] * 0.01 * mix[s] / gbps[s] for i in range(3)] for s in mix}
    assert_rows(got["bandwidth"], {(s,): bw[s] for s in mix})
    assert_rows(got["google_bw"], {(): [bw["g800"][i] * capex["goog"][i] / na[i]
                                        for i in range(3)]})


def test_example_output_rows_are_named_like_the_engine_frame():
    got = reference_eval(EXAMPLE)
    assert list(got)[:6] == ["capex[goog]", "capex[meta]", "capex[msft]", "capex[amzn]",
                             "capex[orcl]", "capex_growth[goog]"]
    assert "na_capex" in got and "bandwidth[g1600]" in got


def test_example_overrides_per_member():
    got = evaluate_reference(EXAMPLE, "bull", ["capex_growth[meta] = 0%"])
    assert got["capex"][("meta",)] == pytest.approx([39.2e9] * 3)
    assert_rows(got["capex"], {("orcl",): example_capex(0.90)["orcl"]})


# ---------------------------------------------------------------- specificity

DIMS2 = "years 2024..2025\ndim company = {goog, meta}\n"


def test_specificity_per_axis():
    text = DIMS2 + "x = 1\nx[goog] = 2\nx[2025] = 3\nx[goog, 2025] = 4\n"
    assert evaluate_reference(text)["x"] == {("goog",): [2, 4], ("meta",): [1, 3]}


def test_two_definitions_each_more_specific_on_another_axis_are_ambiguous():
    assert "x[goog, 2025]" in invalid(DIMS2 + "x = 1\nx[goog] = 2\nx[2025] = 3\n")
    # the cell itself settles it (above); a member map entry is as specific as x[goog]
    invalid(DIMS2 + "x = {goog: 2, meta: 1}\nx[2025] = 3\n")


def test_ambiguity_is_per_layer():
    """A scenario's x[2025] replaces base's x[goog] in 2025: layers never compete."""
    text = DIMS2 + "x = 1\nx[goog] = 2\nscenario s {\n  x[2025] = 3\n}\n"
    assert evaluate_reference(text, "s")["x"] == {("goog",): [2, 3], ("meta",): [1, 3]}
    assert evaluate_reference(text)["x"] == {("goog",): [2, 2], ("meta",): [1, 1]}


@pytest.mark.parametrize("defs", [
    "x[goog] = 1\nx = {goog: 2, meta: 3}",         # both one member, whole series
    "x[2025] = {goog: 1}\nx[goog, 2025] = 2",       # both one member, one year
    "x = 1\nx[2024..2025] = {goog: 1}\nx[2025..] = {goog: 2}",  # both ranges, goog
])
def test_equal_on_every_axis_is_an_overlap(defs):
    assert "defined twice" in invalid(DIMS2 + defs + "\n")


def test_more_specific_on_one_axis_and_equal_on_the_other_wins():
    text = DIMS2 + "x[goog] = 1\nx[goog, 2025] = 2\nx[meta, ..2024] = 3\nx[meta] = 4\n"
    assert evaluate_reference(text)["x"] == {("goog",): [1, 2], ("meta",): [3, 4]}


# ---------------------------------------------------------------- member maps

def test_member_maps_whole_series_and_year_specific():
    text = DIMS2 + "a = {goog: 1, meta: 2}\nb[2024] = {meta: 5}\nb[goog] = 7\n"
    got = evaluate_reference(text)
    assert got["a"] == {("goog",): [1, 1], ("meta",): [2, 2]}
    assert got["b"] == {("goog",): [7, 7], ("meta",): [5, None]}  # meta 2025 stays empty


def test_member_map_values_are_formulas_per_member():
    text = DIMS2 + "g = 10%\np[2024] = {goog: 100, meta: t - 2000}\np = p[t-1] * (1 + g)\n"
    got = evaluate_reference(text)["p"]
    assert got[("goog",)] == pytest.approx([100, 110])
    assert got[("meta",)] == pytest.approx([24, 24 * 1.1])


def test_reading_an_empty_member_cell_is_an_error_naming_it():
    msg = invalid(DIMS2 + "a = {goog: 1}\nb = a * 2\n")
    assert msg.startswith("a[meta] has no value for 2024")
    # unread, the empty member is fine: it shows blank
    assert evaluate_reference(DIMS2 + "a = {goog: 1}\nb = a[goog] * 2\n")["a"][("meta",)] == [None] * 2


# ---------------------------------------------------------------- references

DIMS22 = "years 2024..2025\ndim company = {goog, meta}\ndim speed = {g400, g800}\n"


def test_broadcast_pairs_shared_dims_in_canonical_order():
    text = DIMS22 + "price = {g400: 1, g800: 2}\nunits = {goog: 10, meta: 20}\nrev = price * units\n"
    got = evaluate_reference(text)
    assert list(got["rev"]) == [("goog", "g400"), ("goog", "g800"), ("meta", "g400"),
                                ("meta", "g800")]
    assert [v[0] for v in got["rev"].values()] == [10, 20, 20, 40]
    # same member on a shared dim: a share per company
    got = evaluate_reference(text + "share = units / sum(units, company) + rev[g800] * 0\n")
    assert got["share"] == {("goog",): [1 / 3] * 2, ("meta",): [2 / 3] * 2}


def test_selections_with_time_references():
    text = DIMS2 + ("x[2024] = {goog: 1, meta: 2}\nx[2025] = {goog: 10, meta: 20}\n"
                    "a = x[goog]\nb[2025] = x[goog, t-1] + x[meta, 2025]\n"
                    "c = sum(x[meta, 2024..2025]) + mean(x[goog, ..2025])\n"
                    "d[2025] = x[t-1] * 100\n")
    got = evaluate_reference(text)
    assert got["a"] == {(): [1, 10]}
    assert got["b"] == {(): [None, 1 + 20]}
    assert got["c"] == {(): [22 + 5.5] * 2}
    assert got["d"] == {("goog",): [None, 100], ("meta",): [None, 200]}


def test_dim_aggregates_keep_the_other_dims_and_take_selections():
    text = DIMS22 + ("u = {goog: 1, meta: 3}\nw = {g400: 10, g800: 100}\nbw = u * w\n"
                     "s = sum(bw, company)\nm = mean(bw, speed)\nlo = min(bw, company)\n"
                     "hi = max(bw[g800], company)\ntot = sum(bw[g800], company)\n")
    got = evaluate_reference(text)
    assert got["s"] == {("g400",): [40] * 2, ("g800",): [400] * 2}
    assert got["m"] == {("goog",): [55] * 2, ("meta",): [165] * 2}
    assert got["lo"] == {("g400",): [10] * 2, ("g800",): [100] * 2}
    assert got["hi"] == {(): [300] * 2}
    assert got["tot"] == {(): [400] * 2}


def test_dim_aggregates_nan_policy():
    text = DIMS2 + "x = {goog: 0 / 0, meta: 1}\ns = sum(x, company)\nlo = min(x, company)\n" \
                   "hi = max(x, company)\nm = mean(x, company)\n"
    got = evaluate_reference(text)
    for v in "s", "lo", "hi", "m":
        assert all(math.isnan(x) for x in got[v][()]), v


def test_time_functions_per_member():
    text = ("years 2024..2026\ndim company = {goog, meta}\n"
            "r = {goog: 2, meta: 3}\nx[2024] = {goog: 1, meta: 2}\nx = x[t-1] * r\n"
            "c = cumsum(x)\ng[2025..] = growth(x)\ng[2024] = 0\nk = cagr(x, 2024, 2026)\n"
            "top = max(x[2024..2026])\n")
    got = evaluate_reference(text)
    assert got["x"] == {("goog",): [1, 2, 4], ("meta",): [2, 6, 18]}
    assert got["c"] == {("goog",): [1, 3, 7], ("meta",): [2, 8, 26]}
    assert got["g"] == {("goog",): [0, 1, 1], ("meta",): [0, 2, 2]}
    assert got["k"][("goog",)] == pytest.approx([1] * 3)
    assert got["k"][("meta",)] == pytest.approx([2] * 3)
    assert got["top"] == {("goog",): [4] * 3, ("meta",): [18] * 3}


def test_recurrence_through_members_of_one_variable():
    """Cells, not variables, make cycles: share[meta] reads share[goog]."""
    text = DIMS2 + "share[goog] = 30%\nshare[meta] = 1 - share[goog]\n"
    assert evaluate_reference(text)["share"] == {("goog",): [0.3] * 2, ("meta",): [0.7] * 2}
    assert "cycle" in invalid(DIMS2 + "a[goog] = a[meta]\na[meta] = a[goog] + 1\n")
    assert "cycle" in invalid(DIMS2 + "x[goog] = 1\nx[meta] = sum(x, company)\n")
    # without a member on the left, x has no dims (the sum removes company)
    assert "no dim company" in invalid(DIMS2 + "x = sum(x, company)\n")


def test_scenario_per_member_and_dims_from_a_scenario():
    text = DIMS2 + "g = 25%\nscenario bull {\n  g[meta] = 90%\n}\n"
    assert reference_dims_of(text) == {"g": ("company",)}  # in base too
    assert evaluate_reference(text)["g"] == {("goog",): [0.25] * 2, ("meta",): [0.25] * 2}
    assert evaluate_reference(text, "bull")["g"] == {("goog",): [0.25] * 2, ("meta",): [0.9] * 2}


def test_dimensionless_models_keep_version_one_shapes():
    text = "years 2024..2025\na = 1\nb = a + t\n"
    assert reference_eval(text) == {"a": [1, 1], "b": [2025, 2026]}
    assert evaluate_reference(text) == {"a": {(): [1, 1]}, "b": {(): [2025, 2026]}}


# ---------------------------------------------------------------- static errors

@pytest.mark.parametrize("defs, words", [
    ("x = 1\ny = x[gogo]", "unknown member"),
    ("x[gogo] = 1", "unknown member"),
    ("x = {goog: 1, gogo: 2}", "unknown member"),
    ("x = {goog: 1}\ny = x[g400]", "x has no dim speed"),
    ("x = 1\ny = x[goog]", "x has no dim company"),
    ("x = {goog: 1}\ny = sum(x)", "sum of a single non-range argument"),
    ("x = {goog: 1, meta: 2}\ny = sum(x, speed)", "x has no dim speed"),
    ("x = {goog: 1, meta: 2}\ny = sum(x[goog], company)", "x has no dim company"),
    ("x = {goog: 1, meta: 2}\ny = sum(x * 2, company)", "takes a variable name"),
    ("x = {goog: 1, g400: 2}", "mixing dims"),
    ("x[goog] = {goog: 1}", "already pinned"),
    ("x[goog, meta] = 1", "two members of dim company"),
    ("x = company", "unknown variable company"),
    ("company = 1", "named like a dim"),
    ("goog = 1", "named like a dim or a member"),
])
def test_static_errors(defs, words):
    assert words in invalid(DIMS22 + defs + "\n")


def test_dims_declaration_errors():
    assert "declared twice" in invalid("years 2024..2025\ndim a = {x1}\ndim b = {x1}\nv = 1\n")
    assert "also a dim" in invalid("years 2024..2025\ndim a = {b}\ndim b = {c}\nv = 1\n")


def test_an_override_may_not_add_a_dim():
    """My reading: --set is a layer on a loaded model whose dims are fixed."""
    text = DIMS2 + "x = 1\ny = {goog: 1, meta: 2}\n"
    assert "a dim it does not have" in invalid(text, overrides=["x[goog] = 2"])
    assert "a dim it does not have" in invalid(text, overrides=["x = y"])
    got = evaluate_reference(text, "base", ["y[meta, 2025] = 5"])
    assert got["y"] == {("goog",): [1, 1], ("meta",): [2, 5]}


def test_two_dims_cells_and_an_aggregate_over_one():
    text = DIMS22 + ("u = 1\nu[goog] = 2\nu[goog, g800] = 3\nu[meta, g400, 2025] = 4\n"
                     "v = sum(u, speed) * 10 + u[g800]\n")
    got = evaluate_reference(text)
    assert got["u"] == {("goog", "g400"): [2, 2], ("goog", "g800"): [3, 3],
                        ("meta", "g400"): [1, 4], ("meta", "g800"): [1, 1]}
    assert got["v"] == {("goog",): [(2 + 3) * 10 + 3] * 2,
                        ("meta",): [(1 + 1) * 10 + 1, (4 + 1) * 10 + 1]}


def test_year_specific_member_map_heads_a_recurrence_per_member():
    text = ("years 2024..2026\ndim speed = {g400, g800}\np[2024] = {g400: 100, g800: 10}\n"
            "p = p[t-1] * (1 + g)\ng = {g400: -10%, g800: 50%}\np[g800, 2026] = 1\n")
    got = evaluate_reference(text)["p"]
    assert got[("g400",)] == pytest.approx([100, 90, 81])
    assert got[("g800",)] == pytest.approx([10, 15, 1])


def test_a_dim_is_declared_before_the_first_definition_using_it():
    assert "above its declaration" in invalid(
        "years 2024..2025\nx = {goog: 1}\ndim company = {goog}\n")
    assert "above its declaration" in invalid(
        "years 2024..2025\ndim company = {goog}\nx = {goog: 1}\ny = sum(x, speed)\n"
        "dim speed = {g400}\n")
    # a definition above the dim that only reads a dimensioned variable is fine
    text = "years 2024..2025\ny = x * 2\ndim company = {goog}\nx = {goog: 1}\n"
    assert evaluate_reference(text)["y"] == {("goog",): [2, 2]}


def test_a_recurrence_reading_another_members_past():
    text = ("years 2024..2026\ndim company = {goog, meta}\n"
            "x[2024] = {goog: 1, meta: 2}\nx = x[meta, t-1] + x[t-1]\n")
    assert evaluate_reference(text)["x"] == {("goog",): [1, 2 + 1, 4 + 3],
                                             ("meta",): [2, 2 + 2, 4 + 4]}


def test_scenario_chains_layer_per_member_cell():
    text = DIMS2 + ("g = 1\nscenario s1 {\n  g[goog] = 2\n}\n"
                    "scenario s2 extends s1 {\n  g[2025] = 3\n}\n")
    assert evaluate_reference(text, "s1")["g"] == {("goog",): [2, 2], ("meta",): [1, 1]}
    assert evaluate_reference(text, "s2")["g"] == {("goog",): [2, 3], ("meta",): [1, 3]}
    # --set is one more layer: a member map there replaces the members it names
    got = evaluate_reference(text, "s2", ["g = {meta: 9}"])["g"]
    assert got == {("goog",): [2, 3], ("meta",): [9, 9]}
