"""`scn fmt`: one canonical layout, idempotent, comments in place, never a changed value.

Golden pairs (tests/golden/fmt_*.in.scn -> fmt_*.out.scn) pin the layout;
the bundled scenarios, the fixtures and hypothesis-generated models check
that formatting twice changes nothing more and that every scenario evaluates
to the same values, bit for bit.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsl.errors import ScnError
from dsl.format import document_text, expr_text, format_text
from dsl.parser import parse_statement
from dsl.document import parse_document
from dsl.statements import split_statements
from engine import evaluate, load_model
from strategies import models
from test_cli import scn

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).with_name("golden")
PAIRS = sorted(p.name[:-len(".in.scn")] for p in GOLDEN.glob("fmt_*.in.scn"))
BUNDLED = sorted((ROOT / "scenarios").glob("*.scn"))
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                       HealthCheck.data_too_large])


def outputs(text: str):
    """Every value of every scenario, NaN made comparable; or the error messages."""
    try:
        model = load_model(text, "m.scn")
    except ScnError as e:
        return ("error", len(e.diagnostics))
    out = {}
    for s in model.scenarios:
        r = evaluate(model, s)
        out[s] = {(v, members): ["nan" if x is not None and math.isnan(x) else x for x in xs]
                  for v, members, xs in r.rows()}  # a row per member combination
    return out


def statements(text: str):
    """What a file says: each statement as parsed, with its doc comment."""
    return [(parse_statement(r.text, r.line), r.doc) for r in split_statements(text)]


# ---------------------------------------------------------------- golden layout


@pytest.mark.parametrize("name", PAIRS)
def test_golden_layout(name):
    source = (GOLDEN / f"{name}.in.scn").read_text()
    expected = (GOLDEN / f"{name}.out.scn").read_text()
    assert format_text(source) == expected
    assert format_text(expected) == expected


@pytest.mark.parametrize("path", [*BUNDLED, *(GOLDEN / f"{n}.in.scn" for n in PAIRS)],
                         ids=lambda p: p.name)
def test_idempotent_and_same_values(path):
    text = path.read_text()
    once = format_text(text)
    assert format_text(once) == once
    assert statements(once) == statements(text)
    assert outputs(once) == outputs(text)


def test_bundled_scenarios_are_already_canonical():
    for path in BUNDLED:
        assert format_text(path.read_text()) == path.read_text(), path.name


# ---------------------------------------------------------------- the rules, one by one


@pytest.mark.parametrize("written, canonical", [
    ("x=1+2*3", "x = 1 + 2 * 3"),
    ("x = 2**3", "x = 2 ^ 3"),
    ("x = -2^2", "x = -2 ^ 2"),
    ("x = 2^-1", "x = 2 ^ -1"),
    ("x = ((1 + 2)) * 3", "x = ((1 + 2)) * 3"),  # parentheses are kept as written
    ("x = 1_000 + 2.5k + 30% + 1e9 + .5 + 85.1B", "x = 1_000 + 2.5k + 30% + 1e9 + .5 + 85.1B"),
    ("x = a[t]+a[t-0]+a[t - 1]+a[t+2]", "x = a + a + a[t-1] + a[t+2]"),
    ("x[2025 .. 2027] = max( a , b )", "x[2025..2027] = max(a, b)"),
    ("x[..2025] = sum(a[2024 ..])", "x[..2025] = sum(a[2024..])"),
    ("x = {2025:1,2026..:2,}", "x = {2025: 1, 2026..: 2}"),
    ("x = 1  to  2", "x = 1 to 2"),
    ("x = not a==b", "x = not a == b"),
    ("x = 1 if_y", None),  # a syntax error: see test_syntax_errors_are_reported
])
def test_one_line_rules(written, canonical):
    text = f"years 2024..2030\n{written}\n"
    if canonical is None:
        with pytest.raises(ScnError):
            format_text(text)
        return
    assert format_text(text) == f"years 2024..2030\n{canonical}\n"


def test_blank_lines_sections_and_blocks():
    text = ("\n\n# top\nyears 2024..2025\n\n\n\na = 1\n# about inputs\nsection \"In\"\nb = 2\n"
            "scenario s {\n\n  # inside\n\ta = 3\n\n}\n\n\n")
    assert format_text(text) == (
        "# top\nyears 2024..2025\n\na = 1\n\n# about inputs\nsection \"In\"\nb = 2\n\n"
        "scenario s {\n  # inside\n  a = 3\n}\n")


def test_a_section_that_opens_a_block_gets_no_blank_line():
    text = 'years 2024..2025\nx = 1\nscenario s {\nsection "In"\nx = 2\n}\n'
    assert format_text(text) == ('years 2024..2025\nx = 1\n\nscenario s {\n  section "In"\n'
                                 '  x = 2\n}\n')


def test_doc_comments_stay_attached():
    text = "years 2024..2025\n## the doc\nx = 1\n\n## not a doc: a blank line follows\n\ny = 2\n"
    out = format_text(text)
    assert out == text
    assert [p.definition.doc for p in parse_document(out).definitions] == ["the doc", None]


def test_crlf_and_trailing_space_normalised():
    assert format_text("years 2024..2025\r\nx = 1   \r\n") == "years 2024..2025\nx = 1\n"


def test_one_line_map_stays_on_one_line_and_a_long_one_stays_long():
    text = "years 2024..2026\nx = {\n  2024: 1, 2025: 2,\n  2026: 3}\ny = {2024: 1, 2025: 2}\n"
    assert format_text(text) == ("years 2024..2026\nx = {\n  2024: 1,\n  2025: 2,\n  2026: 3,\n}\n"
                                 "y = {2024: 1, 2025: 2}\n")


def test_comments_that_cannot_keep_their_place_leave_the_statement_as_written():
    text = "years 2024..2025\na = 1\nx = (a  # one\n   + 1)  # two\n"
    assert format_text(text) == text
    # one comment only: the statement is joined and the comment follows it
    assert format_text("years 2024..2025\na = 1\nx = (a\n   + 1)  # two\n") == (
        "years 2024..2025\na = 1\nx = (a + 1)  # two\n")


def test_syntax_errors_are_reported_with_positions():
    with pytest.raises(ScnError) as e:
        format_text("years 2024..2025\nx = 1 +\ny = 5m\n", "bad.scn")
    got = [(d.source, d.span.line, d.span.col, d.message) for d in e.value.diagnostics]
    assert got == [("bad.scn", 2, 8, "expected a value after the operator"),
                   ("bad.scn", 3, 6, "unknown number suffix 'm' in '5m'")]


def test_a_layout_that_would_change_a_statement_is_refused(monkeypatch):
    """The safety net: a printer bug must never reach the file."""
    from dsl import ast as A
    from dsl import format as F

    def wrong(printer, n):  # prints a - b as a + b
        printer.expr(n.left)
        printer.put(" + ")
        printer.expr(n.right)

    monkeypatch.setitem(F.HANDLERS, A.Binary, wrong)
    with pytest.raises(ScnError) as e:
        format_text("years 2024..2025\nx = 1\ny = x - 1\n", "m.scn")
    (d,) = e.value.diagnostics
    assert (d.source, d.span.line) == ("m.scn", 3)
    assert d.message.startswith("scn fmt cannot lay out this statement without changing it")


def test_expr_text_is_the_canonical_expression():
    d = parse_statement("x = capex[t-1]*(1+g) + interp({2024:1,2030:2})")
    assert expr_text(d.expr) == "capex[t-1] * (1 + g) + interp({2024: 1, 2030: 2})"


# ---------------------------------------------------------------- random models


@pytest.mark.slow
@settings(max_examples=150, **SETTINGS)
@given(st.one_of(models(), models(dims=True)))
def test_random_models_format_idempotently_without_changing_a_value(gm):
    once = format_text(gm.text)
    assert format_text(once) == once
    assert statements(once) == statements(gm.text)
    assert outputs(once) == outputs(gm.text)


@pytest.mark.slow
@settings(max_examples=100, **SETTINGS)
@given(models(risky=False))
def test_document_text_means_what_the_document_means(gm):
    """engine.attribution rebuilds variants of a model with document_text: it must be faithful."""
    doc = parse_document(gm.text)
    assert outputs(document_text(doc)) == outputs(gm.text)


@settings(max_examples=60, **SETTINGS)
@given(models(max_vars=3, dims=True))
def test_random_dims_models_format_idempotently_keeping_every_comment(gm):
    once = format_text(gm.text)
    assert format_text(once) == once
    assert statements(once) == statements(gm.text)
    kept = [c.strip() for c in re.findall(r"#[^\n]*", once)]
    assert sorted(kept) == sorted(c.strip() for c in re.findall(r"#[^\n]*", gm.text))
    assert "dim " in once and "dv0" in once


# ---------------------------------------------------------------- the command


def test_fmt_rewrites_in_place(tmp_path):
    messy = tmp_path / "m.scn"
    messy.write_text((GOLDEN / "fmt_layout.in.scn").read_text())
    r = scn("fmt", str(messy))
    assert r.returncode == 0, r.stderr
    assert messy.read_text() == (GOLDEN / "fmt_layout.out.scn").read_text()
    assert r.stderr == f"reformatted {messy}\n1 file reformatted, 0 left unchanged\n"
    r = scn("fmt", str(messy))
    assert r.returncode == 0 and r.stderr.endswith("0 files reformatted, 1 left unchanged\n")


def test_fmt_check_lists_what_would_change_and_writes_nothing(tmp_path):
    messy, clean = tmp_path / "messy.scn", tmp_path / "clean.scn"
    messy.write_text("years 2024..2025\nx=1\n")
    clean.write_text("years 2024..2025\nx = 1\n")
    r = scn("fmt", "--check", str(messy), str(clean))
    assert r.returncode == 1
    assert r.stdout == f"would reformat {messy}\n"
    assert messy.read_text() == "years 2024..2025\nx=1\n"
    assert scn("fmt", "--check", str(clean)).returncode == 0


def test_fmt_diff_prints_a_unified_diff(tmp_path):
    messy = tmp_path / "messy.scn"
    messy.write_text("years 2024..2025\nx=1\n")
    r = scn("fmt", "--diff", str(messy))
    assert r.returncode == 1
    assert "-x=1\n+x = 1\n" in r.stdout and r.stdout.startswith(f"--- {messy} (as written)")
    assert messy.read_text() == "years 2024..2025\nx=1\n"


def test_fmt_errors(tmp_path):
    bad = tmp_path / "bad.scn"
    bad.write_text("years 2024..2025\nx = (1\n")
    r = scn("fmt", str(bad))
    assert r.returncode == 1
    assert r.stderr.startswith(f"{bad}:2:")
    assert f"{bad}: not formatted (fix the errors first)" in r.stderr
    assert bad.read_text() == "years 2024..2025\nx = (1\n"
    r = scn("fmt", str(tmp_path / "none.scn"))
    assert r.returncode == 2 and "no such file" in r.stderr and "Traceback" not in r.stderr
