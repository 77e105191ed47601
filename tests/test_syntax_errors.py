"""Every snippet of the syntax-message table gets its message (the table is data, each row a test)."""

import pytest

from dsl.errors import ScnError
from dsl.parser import parse_statement
from dsl.document import parse_document
from dsl.syntax_messages import EXAMPLES

CASES = [(snippet, message) for (message, _hint), snippets in EXAMPLES.items() for snippet in snippets]


@pytest.mark.parametrize("snippet, message", CASES)
def test_snippet_gets_its_message(snippet, message):
    with pytest.raises(ScnError) as e:
        parse_statement(snippet, 1)
    assert e.value.diagnostics[0].message == message


POSITIONS = [
    ("a = 5m", 1, 6, "unknown number suffix 'm' in '5m'"),
    ("a = 5K", 1, 6, "unknown number suffix 'K' in '5K'"),
    ("a = 5%%", 1, 6, "unknown number suffix '%%' in '5%%'"),
    ("a = 1__0", 1, 5, "misplaced '_' in number '1__0'"),
    ("t = 5", 1, 1, "'t' is a reserved word, not a name"),
    ("x = model + 1", 1, 5, "'model' is a reserved word, not a name"),
    ('x = __import__("os").system("ls")', 1, 16, 'unexpected string "os"'),
    ("x = 1 $ 2", 1, 7, "unexpected '$'"),
    ("x = a (b)", 1, 5, None),  # a name followed by '(' is a call: the checker reports it
    ("years 2030..2024", 1, 7, "years 2030..2024 run backwards"),
    ("x[2026..2024] = 1", 1, 3, "year range 2026..2024 runs backwards"),
    ("x = y[t-1.5]", 1, 9, "a year offset must be a whole number, found '1.5'"),
]


@pytest.mark.parametrize("text, line, col, message", POSITIONS)
def test_statement_errors_have_positions(text, line, col, message):
    if message is None:
        assert parse_statement(text, 1).expr.func == "a"
        return
    with pytest.raises(ScnError) as e:
        parse_statement(text, 1)
    d = e.value.diagnostics[0]
    assert (d.span.line, d.span.col, d.message) == (line, col, message)


def test_a_file_reports_every_bad_line_once():
    text = "years 2024..2025\na = 1 +\nb = 2\nc = (1\nd = 3\ne = 4 4\n"
    with pytest.raises(ScnError) as e:
        parse_document(text, "f.scn")
    got = [(d.source, d.span.line, d.message) for d in e.value.diagnostics]
    assert got == [
        ("f.scn", 2, "expected a value after the operator"),
        ("f.scn", 4, "missing ')'"),
        ("f.scn", 6, "missing operator between two values"),
    ]


def test_unclosed_bracket_does_not_swallow_the_next_definition():
    text = "years 2024..2025\nx = max(1,\ny = 2\n"
    _doc, errors = parse_document(text, "f.scn", collect=True)
    assert [(d.span.line, d.message) for d in errors] == [(2, "missing ')'")]
    assert [p.definition.name for p in _doc.definitions] == ["y"]


def test_structure_errors():
    text = 'x = 1\nyears 2024..2025\nyears 2024..2026\nscenario a {\nscenario b {\n}\n}\n'
    with pytest.raises(ScnError) as e:
        parse_document(text, "f.scn")
    got = [(d.span.line, d.message) for d in e.value.diagnostics]
    assert got == [
        (2, "'years' must come before the first definition"),
        (3, "'years' is given twice (first on line 2)"),
        (5, "scenario 'b' starts inside scenario 'a'"),
        (7, "'}' closes no scenario block"),
    ]


def test_missing_years_is_reported_at_line_1():
    with pytest.raises(ScnError) as e:
        parse_document("x = 1\n", "f.scn")
    d = e.value.diagnostics[0]
    assert (d.span.line, d.span.col, d.message) == (1, 1, "the file has no 'years' line")


def test_deep_nesting_is_refused_not_crashed():
    deep = "x = " + "(" * 500 + "1" + ")" * 500
    long_chain = "x = " + " + ".join(["1"] * 5000)
    for text in (deep, long_chain):
        with pytest.raises(ScnError) as e:
            parse_statement(text, 1)
        assert "nested more than" in e.value.diagnostics[0].message


def test_a_name_starting_with_a_keyword_continues_like_any_other():
    doc = parse_document("years 2024..2025\nscenario1 = {2024: 1,\n  2025: 2}\n", "f.scn")
    assert [p.definition.name for p in doc.definitions] == ["scenario1"]
