"""Text to AST: lark LALR over one statement at a time.

`parse_statement` parses one statement, with errors that say what was
expected; `dsl.document.parse_document` parses a whole file with it.
"""

from __future__ import annotations

import re
import sys
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedInput

from dsl import ast as A
from dsl.errors import Diagnostic, ScnError, Subject
from dsl.parse_common import TOKENS, SyntaxProblem, line_offset, node_span, span, tok_span, where
from dsl.parse_time import TimeRules
from dsl.numbers import BadNumber, parse_number, parse_offset
from dsl.syntax_messages import (NAME_NUMBER, not_an_axis, one_line_block, syntax_diagnostic,
                                  two_names)
from dsl.fast_maps import member_map
from dsl.hidden import hidden_diagnostic
from dsl.text import hidden_characters
from dsl.units import read_annotation

GRAMMAR = Path(__file__).with_name("grammar.lark")
MAX_DEPTH = 200  # deeper expressions are refused: every pass stays within Python's stack


_where = where  # tests set the line offset of a statement parsed directly
_offset, _span, _tok, _SyntaxProblem = line_offset, span, tok_span, SyntaxProblem
# The commonest nodes, made without their constructors (dsl.ast.maker)
_Span, _Name, _Number, _Binary, _Definition = map(
    A.maker, (A.Span, A.Name, A.Number, A.Binary, A.Definition))


def _number(tok: Token) -> float:
    try:
        return parse_number(str(tok))
    except BadNumber as e:
        col = tok.column + e.offset
        line = tok.line + _offset()
        raise _SyntaxProblem(str(e), A.Span(line, col, line, tok.end_column), e.hint,
                             code="bad-number")


RESERVED = frozenset("model years section scenario extends t if and or not to".split())
_intern = sys.intern


def _name(tok: Token) -> str:
    """A variable or scenario name; the contextual lexer lets keywords through as names."""
    if tok in RESERVED:
        raise _SyntaxProblem(f"'{tok}' is a reserved word, not a name", _tok(tok),
                             "reserved: " + " ".join(sorted(RESERVED)), code="reserved-word")
    return _intern(str(tok))


def _member_maps() -> list[A.MemberMap]:
    """The member maps built in the statement being parsed (the definition checks
    that the only one is its whole right-hand side)."""
    found = getattr(_where, "member_maps", None)
    if found is None:
        found = _where.member_maps = []
    return found


def _misplaced_map(m: A.MemberMap, expr: A.Expr) -> _SyntaxProblem:
    inside = next((n.func for n in A.walk(expr) if isinstance(n, A.Call)
                   and any(m is x for a in n.args for x in A.walk(a))), None)
    if inside in ("interp", "step"):
        return _SyntaxProblem(f"{inside} takes a year map, not a member map", m.span,
                              f"define {inside} per member: x[goog] = {inside}({{2024: 1, 2030: 2}})",
                              code="misplaced")
    return _SyntaxProblem("a member map must be the whole right-hand side", m.span,
                          "define it as a variable of its own (mix = {g400: 50%, g800: 50%}) "
                          "and use that name", code="misplaced")


def _split_targets(targets: list) -> tuple[tuple[A.Member, ...], A.Years | None]:
    """A left-hand subscript list: its members (in the order written) and its year selector."""
    members = tuple(x for x in targets if isinstance(x, A.Member))
    _no_repeats(members)
    years = [x for x in targets if isinstance(x, A.Years)]
    if len(years) > 1:
        raise _SyntaxProblem("a definition takes at most one year selector", years[1].span,
                             "write one year or range: x[goog, 2025] or x[goog, 2025..2027]",
                             code="two-time-selectors")
    return members, (years[0] if years else None)


def _no_repeats(members: tuple[A.Member, ...]) -> None:
    seen: set[str] = set()
    for m in members:
        if m.name in seen:
            raise _SyntaxProblem(f"member '{m.name}' is selected twice", m.span,
                                 "name each member once", code="duplicate-member")
        seen.add(m.name)


RANGED = ("sum", "mean", "min", "max")  # the aggregates over a range of periods


def _whole_selector(ref: A.AtYear) -> A.YearRange:
    """`sum(x[2025])`: the one argument of an aggregate is every period its
    selector covers (a year of a quarterly model: its four quarters), a range
    of one selector (`single`, so that it prints as written)."""
    p = ref.period
    at = getattr(_where, "selector_spans", {}).get(id(ref), ref.span)
    return A.YearRange(ref.name, A.Years(p, p, True, at), ref.span, ref.members)


class _ToAst(TimeRules, Transformer):
    """One callback per grammar rule (or alias), each returning an AST node.

    The commonest (definition, name, number, binary: 54,000 calls for a
    10,000-variable file) build their spans in place rather than through
    `dsl.parse_common`: a Python call less per span."""

    # -- statements
    def model_stmt(self, c):
        return A.ModelTitle(str(c[1])[1:-1], _span(c[0], c[1]))

    def section_stmt(self, c):
        return A.Section(str(c[1])[1:-1], _span(c[0], c[1]))

    def scenario_open(self, c):
        _, name, _ext, parent, title, brace = c
        return A.ScenarioOpen(
            _name(name), _name(parent) if parent else None, str(title)[1:-1] if title else None,
            _span(c[0], brace), _tok(name), _tok(parent) if parent else _tok(name),
        )

    def block_close(self, c):
        return A.BlockClose(_tok(c[0]))

    def definition(self, c):
        name, _lb, targets, _rb, note, _eq, expr = c
        members, years = _split_targets(targets) if targets else ((), None)
        for m in getattr(_where, "member_maps", ()):
            if m is not expr:
                raise _misplaced_map(m, expr)
        o = _where.offset
        annotation = None
        if note is not None:
            annotation = read_annotation(str(note), note.line + o, note.column, str(name))
        line, col, end = name.line + o, name.column, expr.span
        return _Definition(_name(name), years, expr, _Span(line, col, end.end_line, end.end_col),
                           _Span(line, col, name.end_line + o, name.end_column), None, members,
                           annotation)

    def targets(self, c):
        return [x for x in c if not isinstance(x, TOKENS)]

    def member(self, c):
        return A.Member(_name(c[0]), _tok(c[0]))

    def dim_stmt(self, c):
        keyword, name, _eq, lb, members, rb = c
        if keyword != "dim":
            raise two_names(keyword, name)
        members = members or []
        if not members:
            raise _SyntaxProblem(f"dim '{name}' has no members", _span(lb, rb),
                                 f"list them: dim {name} = {{a, b}}", code="empty-dim")
        seen: dict[str, Token] = {}
        for tok in members:
            _name(tok)
            if tok in seen:
                raise _SyntaxProblem(f"member '{tok}' is listed twice in dim '{name}'",
                                     _tok(tok), "each member is listed once",
                                     code="duplicate-member")
            seen[str(tok)] = tok
        return A.DimDecl(_name(name), tuple(str(t) for t in members), _span(keyword, rb),
                         _tok(name), tuple(_tok(t) for t in members))

    def dim_members(self, c):
        return [x for x in c if isinstance(x, TOKENS) and x.type == "NAME"]

    # -- expressions
    def number(self, c):
        tok = c[0]
        o = _where.offset
        return _Number(_number(tok), str(tok),
                       _Span(tok.line + o, tok.column, tok.end_line + o, tok.end_column))

    def name(self, c):
        tok = c[0]
        o = _where.offset
        return _Name(_name(tok), _Span(tok.line + o, tok.column, tok.end_line + o, tok.end_column))

    def current_year(self, c):
        return A.CurrentYear(_tok(c[0]))

    def paren(self, c):
        return A.Paren(c[1], _span(c[0], c[2]))

    def neg(self, c):
        return A.Unary("-", c[1], _span(c[0], c[1]))

    def negation(self, c):
        return A.Unary("not", c[1], _span(c[0], c[1]))

    def binary(self, c):
        a, op, b = c
        op = "^" if op == "**" else str(op)
        return _Binary(op, a, b, node_span(a, b))

    compare = binary

    def logic(self, c):
        return A.Binary(str(c[1]), c[0], c[2], _span(c[0], c[2]))

    def to_range(self, c):
        return A.Between(c[0], c[2], _span(c[0], c[2]))

    def call(self, c):
        name, _lp, args, rp = c
        args = tuple(args or ())
        if str(name) in RANGED and len(args) == 1 and isinstance(args[0], A.AtYear):
            args = (_whole_selector(args[0]),)
        return A.Call(str(name), args, _span(name, rp), _tok(name))

    def args(self, c):
        return [x for x in c if not isinstance(x, TOKENS)]

    def year_map(self, c):
        entries = c[1] or []
        span = _span(c[0], c[2])
        if not entries or isinstance(entries[0][0], A.Years):
            return A.YearMap(tuple(self._entries(entries, A.Years, A.MapEntry)), span)
        node = A.MemberMap(tuple(self._entries(entries, A.Member, A.MemberEntry)), span)
        _member_maps().append(node)
        return node

    @staticmethod
    def _entries(entries, kind, make):
        """The map's entries, all keyed by `kind` (years or members), else an error
        at the first key of the other kind."""
        out = []
        seen: set[str] = set()
        for key, value in entries:
            if not isinstance(key, kind):
                first = "years" if kind is A.Years else "members"
                raise _SyntaxProblem(
                    f"a map's keys are all {first} or all members" if kind is A.Years
                    else f"a map's keys are all {first} or all years", key.span,
                    "a year map is {2025: 30%, 2026..: 25%}, a member map {goog: 1, meta: 2}; "
                    "for one member in one year define the cell: x[goog, 2025] = ...",
                    code="mixed-map")
            if kind is A.Member:
                if key.name in seen:
                    raise _SyntaxProblem(f"'{key.name}' is a key of this map twice", key.span,
                                         "give each member one value", code="duplicate-member")
                seen.add(key.name)
            out.append(make(key, value, _span(key.span, value)))
        return out

    def map_entries(self, c):
        return [x for x in c if isinstance(x, tuple)]

    def map_entry(self, c):
        return (c[0], c[2])

    def ref(self, c):
        name, _lb, sels, rb = c
        span = _span(name, rb)
        _name(name)
        members = tuple(v for k, v, _ in sels if k == "member")
        _no_repeats(members)
        times = [(k, v, at) for k, v, at in sels if k != "member"]
        if len(times) > 1:
            raise _SyntaxProblem("a reference takes at most one time selector", times[1][2],
                                 "write x[t-1], x[2025] or x[goog, t-1]",
                                 code="two-time-selectors")
        kind, value, at = times[0] if times else ("offset", 0, span)
        if kind == "offset":
            if value == 0:
                return A.Name(str(name), span, members)
            return A.Shifted(str(name), value, span, members)
        if kind == "year":
            node = A.AtYear(str(name), value, span, members)
            spans = getattr(_where, "selector_spans", None)
            if spans is not None:  # sum(x[2025]): the range's own span
                spans[id(node)] = at
            return node
        return A.YearRange(str(name), value, span, members)

    def selectors(self, c):
        return [x for x in c if not isinstance(x, TOKENS)]

    def sel_member(self, c):
        return ("member", A.Member(_name(c[0]), _tok(c[0])), _tok(c[0]))

    def sel_same(self, c):
        return ("offset", 0, _tok(c[0]))

    def sel_offset(self, c):
        try:
            k = parse_offset(str(c[2]))
        except BadNumber as e:
            raise _SyntaxProblem(str(e), _tok(c[2]), e.hint, code="bad-number") from None
        return ("offset", -k if c[1] == "-" else k, _span(c[0], c[2]))


_GRAMMAR_CACHE: list[str] = []  # a directory for lark's analysed grammar, when a front end gives one


def use_grammar_cache(directory: str) -> None:
    """Let lark keep its analysed grammar in `directory` (lark's `cache=`: it checks
    the copy's digest of grammar and options, and rebuilds a stale or damaged one).
    The front ends name the directory (files.parse_cache); the core picks no path."""
    _GRAMMAR_CACHE[:] = [directory]


def _cache_option(name: str) -> str | bool:
    return f"{_GRAMMAR_CACHE[0]}/{name}.lark-cache" if _GRAMMAR_CACHE else False


def _lark(cache: str, **options) -> Lark:
    """The grammar as every parser here reads it: LALR, contextual lexer, one statement."""
    return Lark(GRAMMAR.read_text(encoding="utf-8"), start="statement", parser="lalr",
                lexer="contextual", maybe_placeholders=True, cache=_cache_option(cache),
                **options)


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return _lark("grammar", transformer=_ToAst())


@lru_cache(maxsize=1)
def _fast_parser() -> Lark | None:
    """The same grammar and transformer on lark-cython's lexer and parser (about
    1.6x faster), or None without it. Only for statements that parse: any error
    there is parsed again by plain lark (`_parse_statement`), whose exceptions
    the messages are written against (lark-cython's differ, and its end of
    input can raise KeyError '$END')."""
    try:
        import lark_cython
    except ImportError:  # pragma: no cover - a dependency; plain lark still works
        return None
    parser = _lark("grammar-fast", transformer=_ToAst(), _plugins=lark_cython.plugins)
    try:
        from dsl.lean_tables import direct, lighten
    except ImportError:  # pragma: no cover - another lark's internals: its tables as built
        return parser
    lighten(parser)  # no Python call of lark's per reduction
    direct(parser)  # nor per statement, before the parse loop
    return parser


@lru_cache(maxsize=1)
def _plain_parser() -> Lark:
    """The grammar without the transformer: matches error examples by parser state."""
    return _lark("grammar-plain")


def parse_statement(text: str, line: int = 1) -> A.Statement:
    """Parse one statement whose first line is line `line` of its file.

    Raises ScnError with one diagnostic (positions in the file's terms); when
    the statement's head reads as `NAME =` or `NAME[`, its subject names the
    variable it meant to define (see `failed_definitions`).
    """
    try:
        return _parse_statement(text, line)
    except ScnError as e:
        name = defined_name(text)
        if name is None:
            raise
        raise ScnError([d if d.subject.variable is not None else
                        replace(d, subject=Subject(variable=name)) for d in e.diagnostics]) from None


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def defined_name(text: str) -> str | None:
    """The variable a statement defines, read from its head alone (what precedes
    its first `[` or `=` on its first line), whether or not the rest parses."""
    head = text.split("\n", 1)[0].split("[", 1)[0].split("=", 1)[0].split(":", 1)[0].strip()
    return head if _IDENTIFIER.fullmatch(head) and head not in RESERVED else None


def failed_definitions(errors: list[Diagnostic]) -> set[str]:
    """The variables whose definitions did not parse, from `parse_document`'s errors.

    Later passes leave them out rather than call them unknown (where they are
    used), removed or added (`scn diff`): the one place this is decided.
    """
    return {d.subject.variable for d in errors if d.subject.variable is not None}


def _parse_statement(text: str, line: int) -> A.Statement:
    _where.offset = line - 1
    _where.member_maps = []
    _where.selector_spans = {}
    hidden = [h for h in hidden_characters(text, line) if h.place == "code"]
    if hidden:
        raise ScnError([hidden_diagnostic(h) for h in hidden])
    one_line = one_line_block(text, line)  # `scenario bull { x = 1 }`: said in words
    if one_line is not None:
        raise ScnError([one_line])
    fast = member_map(text, line, RESERVED)  # a long table of numbers: no grammar needed
    if fast is not None:
        return fast
    try:
        node = _parse(text)
    except _SyntaxProblem as e:
        head = NAME_NUMBER.match(text)
        if head is not None and head[1] not in RESERVED and head[1] not in ("quarters", "months"):
            raise ScnError([not_an_axis(head, line)]) from None  # `y 5M`: no '='
        raise ScnError([e.diagnostic]) from None
    except UnexpectedInput as e:
        raise ScnError([syntax_diagnostic(e, text, line, _plain_parser(), RESERVED)]) from None
    # Nesting cannot be deeper than the text is long: walk only long statements.
    if len(text) > MAX_DEPTH and isinstance(node, A.Definition):
        _check_depth(node)
    return node


def _parse(text: str) -> A.Statement:
    """The fast parser for a statement that parses; plain lark for one that does
    not (or should the fast one fail in any way): its errors, and its tree."""
    fast = _fast_parser()
    if fast is not None:
        try:
            return fast.parse(text)
        except Exception:  # noqa: BLE001 - plain lark decides, and words the error
            _where.member_maps = []
            _where.selector_spans = {}
    return _parser().parse(text)


def _check_depth(d: A.Definition) -> None:
    stack = [(d.expr, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ScnError([Diagnostic(
                f"expression nested more than {MAX_DEPTH} levels deep", node.span,
                f"a chain of over {MAX_DEPTH} operators (a + b + c ...) counts as nesting: "
                "split it into intermediate variables", code="too-deep",
            )])
        stack.extend((ch, depth + 1) for ch in A.children(node))
