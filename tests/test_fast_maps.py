"""The fast reader of long member maps builds exactly what the grammar builds."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings, strategies as st

from dsl import parser
from dsl.fast_maps import MIN_ENTRIES, member_map


def _deep(node):
    """A node as nested tuples, spans included (AST equality leaves spans out)."""
    if dataclasses.is_dataclass(node):
        return (type(node).__name__,) + tuple(_deep(getattr(node, f.name))
                                              for f in dataclasses.fields(node))
    if isinstance(node, tuple):
        return tuple(_deep(x) for x in node)
    return node


def _grammar(text: str, line: int):
    parser._where.offset = line - 1
    parser._where.member_maps = []
    return parser._parser().parse(text)


numbers = st.sampled_from(["1", "2.5", "52.5B", "40%", "1_000", "3e5", ".5", "7k", "0"])
names = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).filter(
    lambda n: n not in parser.RESERVED)
gaps = st.sampled_from([" ", "", "  ", "\n  ", "\t", "\n"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(names, numbers), min_size=MIN_ENTRIES, max_size=40,
                unique_by=lambda e: e[0]),
       gaps, gaps, st.booleans(), st.integers(1, 500))
def test_the_fast_reader_builds_the_grammars_nodes(entries, gap, gap2, comma, line):
    body = f",{gap}".join(f"{k}:{gap2}{v}" for k, v in entries)
    text = f"table = {{{gap}{body}{',' if comma else ''}{gap}}}"
    fast = member_map(text, line, parser.RESERVED)
    assert fast is not None
    assert _deep(fast) == _deep(_grammar(text, line))


def test_anything_else_goes_to_the_grammar():
    keys = [f"m{k}" for k in range(MIN_ENTRIES)]
    plain = ", ".join(f"{k}: 1" for k in keys)
    assert member_map(f"x = {{{plain}}}", 1, parser.RESERVED) is not None
    for text in [f"x[2025] = {{{plain}}}", f"x = {{{plain}, m0: 2}}",  # repeated key
                 f"x = {{{plain}, m99: -1}}", f"x = {{{plain}, m99: a}}",
                 f"x = {{{plain}, if: 1}}", f"x = {{{plain}, m99: 1 + 1}}",
                 f"x = {{{plain}}} + 1", f"x = {{{plain}, m99: 5Q}}",
                 "x = {a: 1, b: 2}"]:
        assert member_map(text, 1, parser.RESERVED) is None, text
