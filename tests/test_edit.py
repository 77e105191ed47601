"""The source-preserving editor: an edit changes its span and nothing else, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsl import ast as A
from dsl.edit import (Change, apply_changes, block_last_line, comment_change, indentation,
                      insert_line, line_comment, one_line, replace_span, span_text, split_comment)
from dsl.parser import parse_statement
from dsl.document import parse_document

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = sorted((ROOT / "scenarios").glob("*.scn"))
TEXTS = {p.name: p.read_text(encoding="utf-8") for p in BUNDLED}


def _targets():
    """(file, span) of every right-hand side and every year-map value in the bundled files."""
    out = []
    for name, text in TEXTS.items():
        for placed in parse_document(text, name).definitions:
            expr = placed.definition.expr
            out.append((name, expr.span, expr))
            if isinstance(expr, A.YearMap):
                out.extend((name, e.value.span, e.value) for e in expr.entries)
    return out


TARGETS = _targets()
# Edits as typed in the editor: any one-line text, including odd characters.
TYPED = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x0b\x0c"
                              "\x1c\x1d\x1e\x85\u2028\u2029"), max_size=30)


def _offset(text: str, line: int, col: int) -> int:
    return len("".join(text.splitlines(keepends=True)[:line - 1])) + col - 1


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.sampled_from(TARGETS), TYPED)
def test_replacing_a_span_keeps_every_other_byte(target, new):
    name, span, expr = target
    text = TEXTS[name]
    a, b = _offset(text, span.line, span.col), _offset(text, span.end_line, span.end_col)
    out = replace_span(text, span, new)
    assert out[:a] == text[:a]
    assert out[a:a + len(new)] == new
    assert out[a + len(new):] == text[b:]
    # and the span is exactly the expression the parser saw
    code = " ".join(line.split("#")[0] for line in span_text(text, span).splitlines())
    assert parse_statement("x = " + code).expr == expr


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(st.sampled_from(TARGETS), st.sampled_from(["45%", "capex * 55%", "1 + 2", "x[t-1]",
                                                   "interp({2024: 10%, 2030: 40%})"]))
def test_a_valid_edit_changes_one_definition_and_leaves_the_rest_parsed_the_same(target, new):
    name, span, _ = target
    text = TEXTS[name]
    out = replace_span(text, span, new)
    before = parse_document(text, name, collect=True)[0].definitions
    after = parse_document(out, name, collect=True)[0].definitions
    assert len(after) == len(before)
    differ = [i for i, (a, b) in enumerate(zip(before, after)) if a != b]
    assert len(differ) <= 1


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(TEXTS)), st.data())
def test_inserting_a_line_adds_exactly_that_line(name, data):
    text = TEXTS[name]
    lines = text.splitlines(keepends=True)
    after = data.draw(st.integers(1, len(lines)))
    new = data.draw(TYPED)
    out = insert_line(text, after, new)
    got = out.splitlines(keepends=True)
    assert got[:after] == lines[:after]
    assert got[after].rstrip("\r\n") == new
    assert got[after + 1:] == lines[after:]


def test_insertion_keeps_crlf_and_a_missing_final_newline():
    assert insert_line("a = 1\r\nb = 2\r\n", 1, "a[2025] = 3") == "a = 1\r\na[2025] = 3\r\nb = 2\r\n"
    assert insert_line("a = 1\nb = 2", 2, "b[2025] = 3") == "a = 1\nb = 2\nb[2025] = 3"
    assert insert_line("a = 1\r\nb = 2", 2, "c = 3") == "a = 1\r\nb = 2\r\nc = 3"


def test_several_changes_apply_as_one_and_keep_insertion_order():
    text = "x = 1  # one\ny = {2024: 1,\n  2025: 2}  # two\nz = 3\n"
    changes = [
        Change(A.Span(1, 5, 1, 6), "10"),
        Change(A.Span(3, 9, 3, 10), "20"),
        Change(A.Span(1, 13, 1, 13), "\nx[2025] = 5"),
        Change(A.Span(1, 13, 1, 13), "\nx[2026] = 6"),
    ]
    assert apply_changes(text, changes) == (
        "x = 10  # one\nx[2025] = 5\nx[2026] = 6\ny = {2024: 1,\n  2025: 20}  # two\nz = 3\n")


def test_overlapping_changes_are_refused():
    with pytest.raises(ValueError, match="overlap"):
        apply_changes("abcdef", [Change(A.Span(1, 1, 1, 4), "x"), Change(A.Span(1, 3, 1, 5), "y")])


@pytest.mark.parametrize("target", TARGETS[:200])
def test_one_line_reads_back_as_the_same_expression(target):
    name, span, expr = target
    joined = one_line(span_text(TEXTS[name], span))
    assert "\n" not in joined
    assert parse_statement("x = " + joined).expr == expr


def test_one_line_joins_a_year_map_written_over_several_lines():
    assert one_line("{\n  2025: 30%,  # call\n  2026: 35%,\n}") == "{2025: 30%, 2026: 35%}"
    assert one_line("interp({\n 2024: 10%,\n 2030: 45%\n})") == "interp({2024: 10%, 2030: 45%})"
    assert one_line("  capex * 55%  ") == "capex * 55%"


def test_block_last_line_finds_where_a_scenario_definition_goes():
    text = "years 2024..2025\nx = 1\nscenario bull {\n  x = 2\n  # note\n}\nscenario e {\n}\n"
    assert block_last_line(text, 3) == 4
    assert block_last_line(text, 7) == 7
    with pytest.raises(ValueError):
        block_last_line(text, 2)


# ------------------------------------------------------------------ comments typed with a value


def test_a_typed_value_splits_into_code_and_comment():
    assert split_comment("62% # new note") == ("62%", "# new note")
    assert split_comment("  62%  ") == ("62%", None)
    assert split_comment("62% #") == ("62%", "#")  # `#` alone: remove the line's comment
    assert split_comment('lookup("a#b") # c') == ('lookup("a#b")', "# c")  # not in a string


def test_a_comment_replaces_the_line_s_own_and_the_code_change_combines_with_it():
    text = "a = 1\naccel_share = 60%  # assumption\nb = 2\n"
    value = Change(A.Span(2, 15, 2, 18), "62%")
    out = apply_changes(text, [value, comment_change(text, 2, "# new note")])
    assert out == "a = 1\naccel_share = 62%  # new note\nb = 2\n"
    assert line_comment(out, 2) == "# new note" and line_comment(out, 1) is None


def test_a_comment_is_added_after_two_spaces_and_removed_with_its_spacing():
    text = "x = 1\r\ny = 2   # old\r\n"
    assert apply_changes(text, [comment_change(text, 1, "# new")]) == \
        "x = 1  # new\r\ny = 2   # old\r\n"
    assert apply_changes(text, [comment_change(text, 2, "#")]) == "x = 1\r\ny = 2\r\n"
    assert apply_changes(text, [comment_change(text, 1, "#")]) == text  # none to remove


# ---------------------------------------------------------------- member cells

DIMS_TEXT = (
    "years 2024..2030\n"
    "dim company = {goog, meta}\n"
    "capex_growth = 25%  # house view\n"
    "capex_growth[meta] = 30%\n"
    "other = 1\n"
    "\n"
    "scenario bull {\n"
    "  capex_growth = 40%\n"
    "}\n"
)


def test_a_new_member_cell_goes_after_the_variables_definitions_every_other_byte_kept():
    from dsl.edit import cell_line, last_definition_line

    doc = parse_document(DIMS_TEXT)
    after = last_definition_line(doc, "capex_growth")
    assert after == 4
    line = cell_line("capex_growth", ("goog",), 2026, "62%  # guide")
    assert line == "capex_growth[goog, 2026] = 62%  # guide"
    out = insert_line(DIMS_TEXT, after, line)
    assert out == DIMS_TEXT.replace("= 30%\n", "= 30%\n" + line + "\n")
    new = parse_document(out).definitions[2].definition
    assert (new.name, [m.name for m in new.members], str(new.years.start)) == (
        "capex_growth", ["goog"], "2026")
    # in a scenario block: after the block's own definition, indented like it
    after = last_definition_line(doc, "capex_growth", "bull")
    out = insert_line(DIMS_TEXT, after, cell_line("capex_growth", ("goog",), None, "50%",
                                                  indentation(DIMS_TEXT, after)))
    assert out.endswith("  capex_growth = 40%\n  capex_growth[goog] = 50%\n}\n")
    assert last_definition_line(doc, "nosuch") is None


def test_editing_a_member_cell_replaces_only_its_value():
    d = parse_document(DIMS_TEXT).definitions[1].definition
    out = replace_span(DIMS_TEXT, d.expr.span, "35%")
    assert out == DIMS_TEXT.replace("[meta] = 30%", "[meta] = 35%")
