"""Dimensions, the language layer: every form of LANGUAGE-2 section 1 parses to its
node, errors are positioned, `scn fmt` lays dims out canonically, and until the
engine evaluates dims every command gives one positioned error for them."""

from __future__ import annotations

import textwrap

import pytest

from dsl import ast as A
from dsl.document import parse_document
from dsl.errors import ScnError
from dsl.format import format_text, statement_text
from dsl.parser import parse_statement
from engine import load_model
from engine.api import parse_overrides

M = A.Member


def members(*names: str) -> tuple[A.Member, ...]:
    return tuple(M(n) for n in names)


def n(x: float, text: str) -> A.Number:
    return A.Number(x, text)


GOLDEN = [
    ("dim company = {goog, meta, msft}", A.DimDecl("company", ("goog", "meta", "msft"))),
    ("dim speed = {g400, g800,}", A.DimDecl("speed", ("g400", "g800"))),
    # `dim` is a keyword only in the shape `dim NAME = {`: a variable may be called dim
    ("dim = 5", A.Definition("dim", None, n(5, "5"))),
    ("dim[2025] = 1", A.Definition("dim", A.Years(2025, 2025, True), n(1, "1"))),
    ("y = dim * 2", A.Definition("y", None, A.Binary("*", A.Name("dim"), n(2, "2")))),
    ("x[goog] = 1", A.Definition("x", None, n(1, "1"), members=members("goog"))),
    ("x[goog, 2025] = 1",
     A.Definition("x", A.Years(2025, 2025, True), n(1, "1"), members=members("goog"))),
    ("x[2026.., orcl] = 1",
     A.Definition("x", A.Years(2026, None), n(1, "1"), members=members("orcl"))),
    ("x[goog, g800] = 1", A.Definition("x", None, n(1, "1"), members=members("goog", "g800"))),
    ("x[goog, ..2025, g800] = 1",
     A.Definition("x", A.Years(None, 2025), n(1, "1"), members=members("goog", "g800"))),
    ("capex[2024] = {goog: 52.5B, meta: 7}",
     A.Definition("capex", A.Years(2024, 2024, True), A.MemberMap((
         A.MemberEntry(M("goog"), n(52.5e9, "52.5B")), A.MemberEntry(M("meta"), n(7, "7")))))),
    ("gbps = {g400: 400,}", A.Definition("gbps", None, A.MemberMap((
        A.MemberEntry(M("g400"), n(400, "400")),)))),
    ("y = capex[goog]", A.Definition("y", None, A.Name("capex", members=members("goog")))),
    ("y = capex[goog, t]", A.Definition("y", None, A.Name("capex", members=members("goog")))),
    ("y = capex[goog, t-1]",
     A.Definition("y", None, A.Shifted("capex", -1, members=members("goog")))),
    ("y = capex[t+2, goog]",
     A.Definition("y", None, A.Shifted("capex", 2, members=members("goog")))),
    ("y = capex[goog, 2025]",
     A.Definition("y", None, A.AtYear("capex", 2025, members=members("goog")))),
    ("y = sum(capex[goog, 2024..2026])", A.Definition("y", None, A.Call("sum", (
        A.YearRange("capex", A.Years(2024, 2026), members=members("goog")),)))),
    ("y = sum(capex, company)",
     A.Definition("y", None, A.Call("sum", (A.Name("capex"), A.Name("company"))))),
    ("y = mean(bandwidth[g800], company)", A.Definition("y", None, A.Call("mean", (
        A.Name("bandwidth", members=members("g800")), A.Name("company"))))),
]


@pytest.mark.parametrize("text, node", GOLDEN, ids=[t for t, _ in GOLDEN])
def test_every_form_parses_to_its_node(text, node):
    assert parse_statement(text, 1) == node


def test_spans_point_at_each_member():
    d = parse_statement("x[2025, goog] = {meta: 1}", 4)
    assert d.members[0].span == A.Span(4, 9, 4, 13)
    assert d.expr.entries[0].member.span == A.Span(4, 18, 4, 22)
    dim = parse_statement("dim company = {goog, meta}", 2)
    assert dim.name_span == A.Span(2, 5, 2, 12)
    assert dim.member_spans == (A.Span(2, 16, 2, 20), A.Span(2, 22, 2, 26))
    ref = parse_statement("y = capex[goog, t-1]", 1).expr
    assert ref.span == A.Span(1, 5, 1, 21) and ref.members[0].span == A.Span(1, 11, 1, 15)


ERRORS = [
    # (statement, column, end column, message start, code)
    ("dim x = {}", 9, 11, "dim 'x' has no members", "empty-dim"),
    ("dim x = {a, b, a}", 16, 17, "member 'a' is listed twice in dim 'x'", "duplicate-member"),
    ("dim x = {a, if}", 13, 15, "'if' is a reserved word", "reserved-word"),
    ("dim x = {a: 1}", 11, 12, "a dimension is declared as: dim NAME = {member, member}", "syntax"),
    ("dim x = 5", 9, 10, "a dimension is declared as", "syntax"),
    ("y b = 1", 3, 4, "a name has no spaces", "syntax"),
    ("y = {2025: 1, goog: 2}", 15, 19, "a map's keys are all years or all members", "mixed-map"),
    ("y = {goog: 1, 2025..: 2}", 15, 21, "a map's keys are all members or all years",
     "mixed-map"),
    ("y = {goog: 1, goog: 2}", 15, 19, "'goog' is a key of this map twice", "duplicate-member"),
    ("x[2025, goog, 2026] = 1", 15, 19, "a definition takes at most one year selector",
     "two-time-selectors"),
    ("y = x[t-1, goog, 2025]", 18, 22, "a reference takes at most one time selector",
     "two-time-selectors"),
    ("x[goog, goog] = 1", 9, 13, "member 'goog' is selected twice", "duplicate-member"),
    ("y = interp({goog: 1})", 12, 21, "interp takes a year map, not a member map", "misplaced"),
    ("y = step({a: 1, b: 2})", 10, 22, "step takes a year map, not a member map", "misplaced"),
    ("y = 2 * {goog: 1}", 9, 18, "a member map must be the whole right-hand side", "misplaced"),
    ("y = ({goog: 1})", 6, 15, "a member map must be the whole right-hand side", "misplaced"),
    ("y = {goog: {meta: 1}}", 12, 21, "a member map must be the whole right-hand side",
     "misplaced"),
    ("y = x[goog, t]", None, None, None, None),  # fine: `t` is the current year
]


@pytest.mark.parametrize("text, col, end, message, code", ERRORS, ids=[e[0] for e in ERRORS])
def test_syntax_errors_are_positioned(text, col, end, message, code):
    if message is None:
        parse_statement(text, 3)
        return
    with pytest.raises(ScnError) as e:
        parse_statement(text, 3)
    d = e.value.diagnostics[0]
    assert d.message.startswith(message)
    assert (d.span.line, d.span.col, d.span.end_col) == (3, col, end)
    assert d.code == code and d.hint


def test_a_multi_line_dim_is_one_statement_and_the_next_statement_ends_an_open_one():
    text = textwrap.dedent("""\
        years 2024..2026
        dim company = {  # the hyperscalers
          goog,
          meta,
        }
        dim speed = {g400,
        x = 1
        dim region = {na, eu}
    """)
    doc, errors = parse_document(text, "f.scn", collect=True)
    assert [d.name for d in doc.dims] == ["company", "region"]
    assert doc.dims[0].members == ("goog", "meta")
    assert [p.definition.name for p in doc.definitions] == ["x"]
    assert [(d.span.line, d.message.split(":")[0]) for d in errors] == [
        (6, "a dimension is declared as")]


def test_a_dim_in_a_scenario_block_or_declared_twice_is_an_error():
    text = textwrap.dedent("""\
        years 2024..2026
        dim company = {goog, meta}
        scenario bull {
          dim speed = {g400}
        }
        dim company = {msft}
    """)
    _, errors = parse_document(text, "f.scn", collect=True)
    got = [(d.span.line, d.span.col, d.message) for d in errors]
    assert got == [
        (4, 3, "dim 'speed' is declared inside scenario 'bull'"),
        (6, 5, "dim 'company' is declared twice (first on line 2)"),
    ]


# ---------------------------------------------------------------- formatting

MESSY = textwrap.dedent("""\
    years 2024..2030
    dim   company={goog,meta , msft}   # who
    ## the module speeds
    dim speed = {
       g400,   # old
       g800
    }
    capex[2024] = {goog: 52.5B,meta:39.2B}
    capex_growth[ 2025,goog ]=62%  # guide
    mix = {
        g400: 50%,  # most
        # the rest
        g800: 50%}
    y = capex[2024,goog] + capex[ t-1 ,meta] + sum(capex[2024..2026 , goog]) + sum(capex, company)
    scenario bull {
    capex_growth[orcl]=90%
    }
""")

CANONICAL = textwrap.dedent("""\
    years 2024..2030
    dim company = {goog, meta, msft}  # who
    ## the module speeds
    dim speed = {
      g400,  # old
      g800,
    }
    capex[2024] = {goog: 52.5B, meta: 39.2B}
    capex_growth[goog, 2025] = 62%  # guide
    mix = {
      g400: 50%,  # most
      # the rest
      g800: 50%,
    }
    y = capex[goog, 2024] + capex[meta, t-1] + sum(capex[goog, 2024..2026]) + sum(capex, company)

    scenario bull {
      capex_growth[orcl] = 90%
    }
""")


def test_fmt_lays_out_dims_members_first_and_keeps_every_comment():
    assert format_text(MESSY) == CANONICAL
    assert format_text(CANONICAL) == CANONICAL


def test_canonical_text_of_a_member_cell_puts_members_before_the_year():
    d = parse_statement("x[2026..2028, goog, g800] = {a: 1}", 1)
    assert statement_text(d) == "x[goog, g800, 2026..2028] = {a: 1}"


# ---------------------------------------------------------------- the engine


def test_a_variable_named_dim_still_runs():
    from engine import evaluate

    m = load_model("years 2024..2025\ndim = 5\ndim[2025] = 6\ny = dim * 2\n")
    assert evaluate(m).series("y") == [10.0, 12.0]


def test_a_dims_file_with_syntax_errors_reports_them_with_the_engine_errors():
    with pytest.raises(ScnError) as e:
        load_model("years 2024..2026\nx = 1 +\ndim company = {goog}\ny = {2025: 1, goog: 2}\n"
                   "z[gogo] = 1\n")
    got = [(d.span.line, d.code) for d in e.value.diagnostics]
    assert got == [(2, "syntax"), (4, "mixed-map"), (5, "unknown-member")]


def test_scn_diff_compares_member_cells_one_by_one():
    from engine.compare import compare_documents

    old = parse_document("years 2024..2026\ndim c = {goog, meta}\nx[goog] = 1\nx[meta] = 2\n"
                         "y[goog] = {2025: 1}\nz = {goog: 1, meta: 2}\n")
    new = parse_document("years 2024..2026\ndim c = {goog, meta}\nx[goog] = 1\nx[meta] = 3\n"
                         "y[goog] = {2025: 2}\nz = {meta: 2, goog: 1}\n")
    changes = compare_documents(old, new).changes
    assert [(c.kind, c.label, c.new.text) for c in changes] == [
        ("edited", "x[meta]", "x[meta] = 3"),
        ("edited", "y[goog, 2025]", "y[goog] = {2025: 2}"),
    ]


def test_document_text_keeps_the_dims():
    from dsl.format import document_text

    doc = parse_document("years 2024..2026\ndim c = {\n  goog,\n  meta,\n}\nx[meta, 2025] = 1\n")
    assert document_text(doc) == "years 2024..2026\ndim c = {goog, meta}\nx[meta, 2025] = 1\n"
