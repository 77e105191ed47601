"""dsl/lean_tables.py: the fast parser's lightened tables give the trees lark's own
tables give, and a lark whose internals differ is left as lark built it."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from dsl import parser as P
from dsl.document import statements_of
from dsl.lean_tables import lighten

lark_cython = pytest.importorskip("lark_cython")

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.scn"))


def _unlightened():
    return P._lark("grammar-fast", transformer=P._ToAst(), _plugins=lark_cython.plugins)


class _Spy:
    """A fast parser that notes every statement it failed on (plain lark then parses it)."""

    def __init__(self, parser):
        self.parser, self.failed = parser, []

    def parse(self, text):
        try:
            return self.parser.parse(text)
        except Exception:
            self.failed.append(text)
            raise


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_lightened_parser_builds_the_trees_of_lark_own_tables(path, monkeypatch):
    raws = statements_of(path.read_text(encoding="utf-8"))
    assert len(raws) > 20
    trees = {}
    for name, parser in (("lean", P._fast_parser()), ("lark's", _unlightened())):
        spy = _Spy(parser)
        monkeypatch.setattr(P, "_fast_parser", lambda: spy)
        trees[name] = [P.parse_statement(raw.text, raw.line) for raw in raws]
        assert spy.failed == [], name  # every statement went through the fast parser
    assert trees["lean"] == trees["lark's"]


def test_a_parser_of_another_shape_is_left_alone():
    odd = SimpleNamespace(parser=SimpleNamespace(parser_conf=SimpleNamespace(callbacks={})))
    lighten(odd)  # no _parse_table: nothing to do, nothing raised
    assert odd.parser.parser_conf.callbacks == {}


def test_nothing_changes_when_one_rule_reads_otherwise():
    """Worked out before anything is changed: one odd rule leaves every table as it was."""
    from lark.parsers.lalr_analysis import Reduce

    parser = _unlightened()
    states = parser.parser.parser._parse_table.states
    callbacks = parser.parser.parser_conf.callbacks
    before_states = {s: dict(a) for s, a in states.items()}
    before_callbacks = dict(callbacks)
    state, actions = next((s, a) for s, a in states.items()
                          if any(act is Reduce for act, _ in a.values()))
    terminal = next(t for t, (act, _) in actions.items() if act is Reduce)
    actions[terminal] = (Reduce, SimpleNamespace(expansion=()))  # no origin
    before_states[state][terminal] = actions[terminal]
    lighten(parser)
    assert {s: dict(a) for s, a in states.items()} == before_states
    assert dict(callbacks) == before_callbacks


def test_a_reduction_finds_its_goto_by_identity():
    """The name a reduction looks its next state up by is the table's own key
    object, a plain str: lark's Token names would
    call Token.__eq__ in Python on every reduction."""
    from lark.parsers.lalr_analysis import Reduce

    states = P._fast_parser().parser.parser._parse_table.states
    keys = {id(k) for actions in states.values() for k in actions}
    names = [rule.origin.name for actions in states.values()
             for act, rule in actions.values() if act is Reduce]
    assert names
    assert all(type(n) is str and id(n) in keys for n in names)


def test_the_fast_parser_parses_without_lark_front_end_and_the_same():
    """`direct`: the parse loop called at once, with the trees of lark's own parse."""
    from lark import Lark

    from dsl.lean_tables import direct

    fast = P._fast_parser()
    assert "parse" in vars(fast)  # the loop's own, set on the instance
    P._where.offset, P._where.member_maps, P._where.selector_spans = 0, [], {}
    text = "x[2025..]: USD = sum(y[2020..2024]) + z[t-1] * 2.5% - if(a > 1, b, -c)"
    assert fast.parse(text) == Lark.parse(fast, text)
    assert isinstance(fast.parse(text), P.A.Definition)
    odd = SimpleNamespace(parser=SimpleNamespace())
    direct(odd)  # no front end of lark's shape: left alone
    assert not hasattr(odd, "parse")
