"""lark-cython's parse loop with no Python call of lark's own per reduction.

The fast parser (`dsl.parser._fast_parser`) reduces about 30 times per
statement, 364,000 times for a 10,000-variable file, and lark makes each
reduction cost Python calls the grammar does not need:

- the parse table names the rule to reduce by a `lark.grammar.Rule`, which
  the loop looks up in the callbacks' dict: `Rule.__hash__` and
  `Rule.__eq__` are Python methods, two calls per reduction. Here each rule
  of the table is replaced by a plain slots object with the two attributes
  the loop reads (`expansion`, `origin`), hashed and compared by identity
  in C, and the callbacks' dict is keyed by those objects;
- most reductions are of a `?rule` through one symbol (`?sum: product`,
  the precedence ladder from `expr` down to `atom`), whose callback is
  lark's Python `ExpandSingleChild`, returning its only child: here
  `operator.itemgetter(0)`, which does the same in C.

Together about 19% of the parse loop's time (0.69 -> 0.56 s of CPU for the
10,000-variable file's statements). Only the fast parser's own tables are
changed, in memory, after lark built or read them (lark's grammar cache is
written before); the plain parser, which words every error, keeps lark's.
"""

from __future__ import annotations

from operator import itemgetter

from lark import Lark
from lark.parse_tree_builder import ExpandSingleChild
from lark.parsers.lalr_analysis import Reduce


class _Rule:
    """What the parse loop reads of a rule; hashed and compared by identity."""

    __slots__ = ("origin", "expansion")

    def __init__(self, origin, expansion):
        self.origin = origin
        self.expansion = expansion


def lighten(parser: Lark) -> None:
    """Make lark-cython's parser `parser` reduce without lark's Python calls.

    Everything is worked out before anything is changed: a lark whose
    internals differ from these (pyproject allows any lark 1.x) leaves the
    parser as lark built it, slower but the same."""
    try:
        frontend = parser.parser
        callbacks = frontend.parser_conf.callbacks  # the dict the loop reads, changed in place
        light: dict = {}
        moves = []
        for actions in frontend.parser._parse_table.states.values():
            for terminal, (action, rule) in actions.items():
                if action is Reduce:
                    if rule not in light:
                        light[rule] = _Rule(rule.origin, rule.expansion)
                    moves.append((actions, terminal, light[rule]))
        kept = {}
        for key, callback in callbacks.items():
            if key in light:
                if type(callback) is ExpandSingleChild and len(key.expansion) == 1:
                    callback = itemgetter(0)  # one child, returned as is
                key = light[key]
            kept[key] = callback
    except (AttributeError, TypeError, ValueError):
        return
    for actions, terminal, rule in moves:
        actions[terminal] = (Reduce, rule)
    callbacks.clear()
    callbacks.update(kept)
