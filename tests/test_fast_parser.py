"""lark-cython (dsl.parser's fast path) builds the very trees plain lark builds,
spans included; a statement it cannot parse goes to plain lark, whose errors
the messages are written against."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dsl import parser as P
from dsl.errors import ScnError
from dsl.statements import split_statements
from test_parse_cache import shape

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted((ROOT / "scenarios").glob("*.scn")) + sorted((ROOT / "tests" / "models").glob("*.scn"))


def _with(parser, text: str, line: int):
    P._where.offset, P._where.member_maps, P._where.selector_spans = line - 1, [], {}
    return parser.parse(text)


def _statements():
    sys.path.insert(0, str(ROOT))
    from bench.generate import generate, monthly

    texts = [f.read_text() for f in FILES] + [generate(400, 30, seed=5),
                                              monthly(generate(100, 24, seed=2))]
    return [raw for text in texts for raw in split_statements(text)]


def test_the_fast_parser_is_there():
    assert P._fast_parser() is not None  # lark-cython is a dependency (pyproject.toml)


def test_fast_and_plain_build_the_same_trees():
    fast, plain = P._fast_parser(), P._parser()
    compared = 0
    for raw in _statements():
        try:
            want = _with(plain, raw.text, raw.line)
        except Exception:  # noqa: BLE001 - an error: plain lark's to word
            continue
        got = _with(fast, raw.text, raw.line)
        assert shape(got) == shape(want), raw.text
        compared += 1
    assert compared > 800


@pytest.mark.parametrize("text", ["x = (1 + ", "x = a b", "model", "x[2025 = 1",
                                  "dim d = {a, a}", "y = {goog: 1, 2025: 2}", "x = 1 +\n"])
def test_errors_are_plain_larks(text, monkeypatch):
    """The fast parser fails (its own way) and plain lark's message is the one given:
    the same as with no fast parser at all."""
    with pytest.raises(ScnError) as fast:
        P.parse_statement(text, 3)
    P._fast_parser.cache_clear()
    monkeypatch.setattr(P, "_fast_parser", lambda: None)
    with pytest.raises(ScnError) as plain:
        P.parse_statement(text, 3)
    assert fast.value.diagnostics == plain.value.diagnostics
    assert [d.span for d in fast.value.diagnostics] == [d.span for d in plain.value.diagnostics]
