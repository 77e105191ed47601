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
- after a reduction the loop looks its next state up by the rule's origin
  name, which lark keeps as a lark `Token`: a str
  subclass with a Python `__eq__`, called on every reduction as the table's
  keys are other str objects. Here the origin is a slots object whose name
  is the table's own key object, found by identity in C;
- most reductions are of a `?rule` through one symbol (`?sum: product`,
  the precedence ladder from `expr` down to `atom`), whose callback is
  lark's Python `ExpandSingleChild`, returning its only child: here
  `operator.itemgetter(0)`, which does the same in C.

The rules and the one-child callbacks together about 19% of the parse loop's time (0.69 -> 0.56 s of CPU
for the 10,000-variable file's statements); the origin names 14% more of
parsing them (0.63 -> 0.54 s). Only the fast parser's own tables are
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


class _Origin:
    """What the parse loop reads of a rule's origin: its name, as the very str
    object that keys the table (see `lighten`)."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name


def lighten(parser: Lark) -> None:
    """Make lark-cython's parser `parser` reduce without lark's Python calls.

    Everything is worked out before anything is changed: a lark whose
    internals differ from these (pyproject allows any lark 1.x) leaves the
    parser as lark built it, slower but the same."""
    try:
        frontend = parser.parser
        callbacks = frontend.parser_conf.callbacks  # the dict the loop reads, changed in place
        states = frontend.parser._parse_table.states
        keys = {key: key for actions in states.values() for key in actions}
        origins: dict = {}
        light: dict = {}
        moves = []
        for actions in states.values():
            for terminal, (action, rule) in actions.items():
                if action is Reduce:
                    if rule not in light:
                        name = rule.origin.name
                        if name not in origins:
                            origins[name] = _Origin(keys.get(name, str(name)))
                        light[rule] = _Rule(origins[name], rule.expansion)
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


def direct(parser: Lark) -> None:
    """Make `parser.parse(text)` call lark-cython's parse loop at once: the
    front end's parse checks the start rule, the lexer's type and the input's
    type on every call (three Python calls per statement, 12,000 for a
    10,000-variable file) for what is the same every time here. A lark whose
    front end reads otherwise keeps its own `parse`."""
    try:
        frontend = parser.parser
        if frontend.skip_lexer or frontend.lexer_conf.lexer_type != "contextual" \
                or frontend.lexer_conf.postlex is not None:
            return
        (start,) = frontend.parser_conf.start
        thread = frontend.options._plugins["LexerThread"].from_text
        lexer, loop = frontend.lexer, frontend.parser.parse
    except (AttributeError, KeyError, TypeError, ValueError):
        return

    def parse(text: str):
        return loop(thread(lexer, text), start)

    parser.parse = parse
