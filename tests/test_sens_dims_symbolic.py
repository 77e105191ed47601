"""The sympy back-end over member cells, on hand-built dims (no engine needed):
symbols named as a user writes cells, dim aggregates as one symbol spelled out
member by member, references seen from a member cell."""

from __future__ import annotations

import sympy as sp

from dsl.parser import parse_statement
from engine.axis import TimeAxis
from engine.functions import FUNCTIONS, Context
from engine.symbolic import Builder, Dims, Ref, ref_of, refs_in, symbol
from engine.symbolic_members import expand_aggregates
from engine.symbolic_text import to_text

DIMS = Dims(
    members={"company": ("goog", "meta", "orcl"), "speed": ("g400", "g800")},
    of={"capex": ("company",), "capex_growth": ("company",), "share": ("company",),
        "bandwidth": ("speed",), "units": ("company", "speed"), "na_capex": (), "mix": ("speed",)},
    member_of={"goog": "company", "meta": "company", "orcl": "company", "g400": "speed",
               "g800": "speed"})


def build(text: str) -> sp.Expr:
    d = parse_statement(text)
    return Builder(Context(TimeAxis.of_years(2024, 2030)), DIMS).expr(d.expr)


def labels(e: sp.Expr) -> list[str]:
    return [r.label for r in refs_in(e)]


def test_a_read_of_the_cells_own_member_names_no_member():
    e = build("share = capex / na_capex")
    assert labels(e) == ["capex", "na_capex"]
    (capex,) = [r for r in refs_in(e) if r.var == "capex"]
    assert capex.dims == ("company",) and capex.members == (None,)


def test_selections_name_their_members_without_spaces():
    e = build("x = bandwidth[g800] * capex[goog, t-1] + capex[meta, 2025] + units[orcl]")
    assert labels(e) == ["bandwidth[g800]", "capex[goog,t-1]", "capex[meta,2025]", "units[orcl]"]
    (units,) = [r for r in refs_in(e) if r.var == "units"]
    assert units.members == ("orcl", None)  # speed: the member of the cell computed


def test_a_dim_aggregate_is_one_symbol_and_expands_to_its_members():
    e = build("na = sum(capex, company) + mean(capex[t-1], company) + max(units[g800], company)")
    assert labels(e) == ["mean(capex[t-1], company)", "sum(capex, company)",
                         "max(units[g800], company)"]
    full = expand_aggregates(e, DIMS, FUNCTIONS)
    assert to_text(full) == (
        "capex[goog] + capex[meta] + capex[orcl] + capex[goog,t-1]/3 + capex[meta,t-1]/3 + "
        "capex[orcl,t-1]/3 + max(units[goog,g800], units[meta,g800], units[orcl,g800])")


def test_the_derivative_of_a_sum_over_members_is_the_member_moved():
    full = expand_aggregates(build("na = sum(capex, company)"), DIMS, FUNCTIONS)
    goog = symbol(Ref("capex", members=("goog",), dims=("company",)))
    assert sp.diff(full, goog) == 1


def test_a_reference_seen_from_a_member_cell_takes_its_members():
    inner = Ref("capex", offset=-1, members=(None,), dims=("company",))
    outer = Ref("share", offset=0, year=2027, members=("orcl",), dims=("company",))
    assert inner.seen_from(outer).label == "capex[orcl,2026]"
    agg = Ref("units", members=(None, None), dims=("company", "speed"), agg="sum", over="company")
    cell = Ref("bandwidth", members=("g800",), dims=("speed",))
    assert agg.seen_from(cell).label == "sum(units[g800], company)"


def test_tangent_labels_of_member_cells():
    assert Ref("capex", -1, members=("goog",), dims=("company",)).tangent_label == \
        "d(capex[goog,t-1])"
    agg = Ref("capex", members=(None,), dims=("company",), agg="sum", over="company")
    assert agg.tangent_label == "sum(d(capex), company)"


def test_version_1_labels_are_unchanged():
    e = build("y = capex + capex[t-1] + capex[2025] + cumsum(capex)")
    assert labels(e) == ["capex[t-1]", "capex", "capex[2025]", "cumsum(capex)"]
    assert Ref("x", -1, cumsum=True).label == "cumsum(x)[t-1]"
    assert Ref("x", -1, cumsum=True).tangent_label == "cumsum(d(x))[t-1]"
    assert ref_of(symbol(Ref("x", year=2025))).label == "x[2025]"


def test_a_sum_over_every_member_folds_into_one_sum():
    from engine.symbolic_members import member_text

    full = expand_aggregates(build("na = sum(capex, company) * 2"), DIMS, FUNCTIONS)
    k = symbol(Ref("na_capex"))
    assert member_text(full * k, DIMS) == "2*na_capex*sum(capex, company)"
    # terms that are the same but for the member fold; a sum over some members does not
    e = sum(symbol(Ref("capex", members=(m,), dims=("company",))) *
            symbol(Ref("share", members=(m,), dims=("company",))) for m in ("goog", "meta", "orcl"))
    assert member_text(e, DIMS) == "sum(capex*share, company)"
    some = symbol(Ref("capex", members=("goog",), dims=("company",))) + \
        symbol(Ref("capex", members=("meta",), dims=("company",)))
    assert member_text(some, DIMS) == "capex[goog] + capex[meta]"


def test_a_long_sum_that_does_not_fold_is_shortened():
    from engine.symbolic_members import member_text

    e = sum(sp.Integer(k) * symbol(Ref(f"v{k}")) for k in range(2, 40))
    text = member_text(e, DIMS)
    assert text.endswith("+ ... (28 more terms)") and text.count("+") == 10
