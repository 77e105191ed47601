"""Syntax errors in words: terminal names as an analyst would say them, a
table of malformed snippets with the message each deserves (fed to lark's
`match_examples`; each snippet is also a test in tests/test_syntax_errors.py),
and a statement lark could not parse turned into one diagnostic
(`syntax_diagnostic`, which `dsl.parser` calls).
"""

from __future__ import annotations

import re

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from dsl import ast as A
from dsl.errors import Diagnostic
from dsl.parse_common import SyntaxProblem, tok_span
from dsl.text import describe

WORDS = {
    "NUMBER": "a number", "NAME": "a name", "STRING": 'a "quoted title"',
    "RANGE": "'..'", "COMPARE": "a comparison", "POWER": "'^'", "STAR": "'*'",
    "SLASH": "'/'", "PLUS": "'+'", "MINUS": "'-'", "EQUALS": "'='", "LPAREN": "'('",
    "RPAREN": "')'", "LBRACKET": "'['", "RBRACKET": "']'", "LBRACE": "'{'", "RBRACE": "'}'",
    "ANNOTATION": "':' and a unit", "COMMA": "','", "COLON": "':'", "MODEL": "'model'", "YEARS": "'years'",
    "SECTION": "'section'", "SCENARIO": "'scenario'", "EXTENDS": "'extends'", "T": "'t'",
    "IF": "'if'", "AND": "'and'", "OR": "'or'", "NOT": "'not'", "TO": "'to'",
    "$END": "the end of the line",
}
_KEYWORDS = {"MODEL", "YEARS", "SECTION", "SCENARIO", "EXTENDS", "T", "IF", "AND", "OR",
             "NOT", "TO"}

DIM_SHAPE = ("a dimension is declared as: dim NAME = {member, member}",
             "e.g. dim company = {goog, meta, msft}")

# (message, hint): [snippets that fail in the parser state that deserves it]
EXAMPLES: dict[tuple[str, str], list[str]] = {
    ("comparisons do not chain", "write 1 < x and x < 3"): [
        "y = 1 < x < 3", "y = a == b == c", "y = a < b > c", "y = a <= b != c",
    ],
    ("a year offset is written t-k or t+k", "write x[t-1] for last year, x[t+1] for next"): [
        "y = x[t*1]", "y = x[t/1]", "y = x[t 1]",
    ],
    ("expected a value after the operator", "expected a number, a name or '('"): [
        "y = 1 +", "y = a *", "y = a /", "y = a -", "y = a ^", "y = a **", "y = a < ",
        "y = a and", "y = a or", "y = not", "y = a to",
    ],
    ("missing operator between two values", "join them with + - * / or ^"): [
        "y = a b", "y = 1 2", "y = a 2", "y = (a) b", "y = 2 (a)",
        "y = f(a) b", "y = x[t-1] b", "y = 1 a",
    ],
    ("a definition needs '=' and an expression", "write name = expression, e.g. capex = 230B"): [
        "y", "y 5", "y[2025]", "y[2025] 5", "y +", "y == 1", "y: USD", "y[2025]: %",
    ],
    ("a definition starts with the variable's name", "write name = expression"): [
        "5 = y", "(y) = 1", "= 3", "+ y", "- y = 1",
    ],
    ("missing ')'", "every '(' needs a matching ')'"): [
        "y = (a + b", "y = f(a, b", "y = (a", "y = ((a)", "y = f(a,", "y = max(1,",
    ],
    ("missing '}'", "every '{' needs a matching '}'"): [
        "y = {2025: 1", "y = {2025: 1, 2026: 2",
    ],
    ("a map entry is written KEY: value",
     "write {2025: 45%, 2026..: 12%} (years) or {goog: 1, meta: 2} (members)"): [
        "y = {2025 1}", "y = {a 1}", "y = {2025}", "y = {a}", "y = {2025: 1 2026: 2}",
        "y = {2025:}", "y = {a: 1 b: 2}", "y = {a:}",
    ],
    DIM_SHAPE: [
        "dim x", "dim x =", "dim x = 5", "dim x = {a b}", "dim x = {a: 1}", "dim x = {a",
        "dim x = {1}", "dim x = {a,", "dim x = {a} 1",
    ],
    ("a scenario header is: scenario NAME [extends PARENT] [\"Title\"] {",
     "open the block with '{' at the end of the line"): [
        "scenario", "scenario bull", "scenario bull \"Bull\"", "scenario bull extends",
        "scenario bull extends base \"Bull\"", "scenario \"Bull\" {",
    ],
}


_GROUPED = re.compile(r"(?<![0-9_.])[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")


def misplaced(tok: Token, text: str) -> tuple[str, str] | None:
    """(message, hint) for a token that says what the writer meant, or None.

    `1,000`: a comma grouping digits, as a spreadsheet shows them. `h = = a`
    or `h = a = 1`: a second '=' in a definition (the parser state alone
    would only say that something is missing).
    """
    at = tok.start_pos
    if tok.type == "COMMA":
        for m in _GROUPED.finditer(text):
            if m.start() < at < m.end():
                grouped = m.group()
                return (f"',' cannot group the digits of a number: {grouped}",
                        f"write {grouped.replace(',', '_')} ('_' groups digits) "
                        f"or {grouped.replace(',', '')}")
        return None
    if tok.type == "EQUALS" and "=" in text[:at] and text[at - 1] != "=":  # `y == 1`: the table's
        first = text.index("=")
        if not text[first + 1:at].strip():  # `h = = a + 1`: one '=' too many
            fixed = text[:first + 1] + " " + text[at + 1:].lstrip()
            return "a second '=' in the definition", f"a definition has one '=': write {fixed}"
        return ("a second '=' in the definition",
                "a definition has one '='; to compare two values write '=='")
    return None


def describe_token(tok: Token) -> str:
    if tok.type in _KEYWORDS:
        return f"reserved word '{tok}'"
    if tok.type == "NAME":
        return f"name '{tok}'"
    if tok.type == "NUMBER":
        return f"number '{tok}'"
    if tok.type == "STRING":
        return f"string {tok}"
    return f"'{tok}'"


def describe_expected(expected) -> str | None:
    names = set(expected or ())
    if {"NUMBER", "NAME", "LPAREN"} <= names:
        return "expected a number, a name or '('"
    words = sorted(WORDS.get(n, n) for n in names if not n.startswith("__"))
    if not words:
        return None
    if len(words) > 6:
        words = words[:6] + ["..."]
    return "expected " + ", ".join(words)


def match_message(parser: Lark, text: str) -> tuple[str, str] | None:
    """The label of the example that fails in the same parser state as `text`.

    `parser` must be built without a transformer, so that examples fail
    only for syntax; the error is re-raised from it to compare states.
    """
    try:
        parser.parse(text)
    except UnexpectedInput as e:
        try:
            return _match(e, _example_errors(parser))
        except Exception:  # a failed match only costs the nicer message
            return None
    return None


_EXAMPLE_ERRORS: dict[int, tuple[Lark, list[tuple[tuple[str, str], UnexpectedInput]]]] = {}


def _example_errors(parser: Lark) -> list[tuple[tuple[str, str], UnexpectedInput]]:
    """Each example's error, parsed once per parser (not once per syntax error:
    a file of 40,000 bad lines re-parsed every example 40,000 times)."""
    hit = _EXAMPLE_ERRORS.get(id(parser))
    if hit is None or hit[0] is not parser:
        found = []
        for label, snippets in EXAMPLES.items():
            for snippet in snippets:
                try:
                    parser.parse(snippet)
                except UnexpectedInput as ut:
                    if isinstance(ut, UnexpectedToken):
                        ut.accepts  # noqa: B018 -- computed now, while its parser state is fresh
                    found.append((label, ut))
        hit = _EXAMPLE_ERRORS[id(parser)] = (parser, found)
    return hit[1]


def _match(e: UnexpectedInput, examples) -> tuple[str, str] | None:
    """lark's `match_examples(use_accepts=True)` over examples parsed beforehand:
    the first example failing in the same state (with the same expected tokens)
    and on the same token; else the first in the same state."""
    candidate = None
    for label, ut in examples:
        if ut.state != e.state:
            continue
        if (isinstance(e, UnexpectedToken) and isinstance(ut, UnexpectedToken)
                and ut.accepts != _accepts(e)):
            continue
        if (isinstance(e, (UnexpectedToken, UnexpectedEOF))
                and isinstance(ut, (UnexpectedToken, UnexpectedEOF)) and ut.token == e.token):
            return label
        if candidate is None:
            candidate = label
    return candidate


_ACCEPTS: dict[tuple[int, ...], set[str]] = {}  # (parse table, *state stack) -> tokens


def _accepts(e: UnexpectedToken) -> set[str]:
    """The tokens the parser would have taken, by parser state stack: the same
    mistake on many lines is worked out once (lark tries every terminal)."""
    try:
        state = e.interactive_parser.parser_state
        key = (id(state.parse_conf.parse_table), *state.state_stack)
    except AttributeError:  # another lark: no shortcut
        return e.accepts
    hit = _ACCEPTS.get(key)
    if hit is None:
        if len(_ACCEPTS) > 10_000:
            _ACCEPTS.clear()
        hit = _ACCEPTS[key] = e.accepts
    return hit


_ONE_LINE_BLOCK = re.compile(r'([ \t]*scenario[ \t]+[A-Za-z_]\w*(?:[ \t]+extends[ \t]+[A-Za-z_]\w*)?'
                             r'(?:[ \t]*"[^"\n]*")?[ \t]*\{)[ \t]*([^}\s#][^}#\n]*?)[ \t]*(\}?)[ \t]*$')


def one_line_block(text: str, line: int) -> Diagnostic | None:
    """The error for a scenario block written on one line, None for any other statement."""
    m = _ONE_LINE_BLOCK.match(text)
    if m is None:
        return None
    header, body = m[1].strip(), m[2].strip()
    col = m.start(2) + 1
    return Diagnostic(
        "a scenario block's definitions go on lines of their own", A.Span(line, col, line,
                                                                         m.end(2) + 1),
        f"write the block over three lines: {header} / {body} / }}  (scn fmt keeps that layout)",
        code="syntax")


# ---------------------------------------------------------------- a failed statement


_DIM_HEAD = re.compile(r"\s*dim\s+[A-Za-z_]")
_TWO_NAMES = re.compile(r"[ \t]*([A-Za-z_]\w*)[ \t]+([A-Za-z_]\w*)")
# `y 5`, `quarters 2025Q1`: a name then a number, which only an axis line may start with
NAME_NUMBER = re.compile(r"[ \t]*([A-Za-z_]\w*)[ \t]+([0-9][0-9A-Za-z_.%]*)")
_ANNOTATED_HEAD = re.compile(r"[ \t]*[A-Za-z_]\w*[ \t]*(\[[^\]\n]*\])?[ \t]*(:[^=\n#]*)?=(?!=)")


def two_names(first: str, second, at: A.Span | None = None) -> SyntaxProblem:
    """`y b = 1`: two names where a definition has one (only `dim` may precede a name)."""
    return SyntaxProblem("a name has no spaces: expected '=' after the first name",
                          at or tok_span(second), f"write {first}_{second} = ... or {first} = ... "
                          "(a dimension is declared as dim NAME = {a, b})")


def syntax_diagnostic(e: UnexpectedInput, text: str, line: int, plain: Lark,
                      reserved: frozenset[str]) -> Diagnostic:
    """A statement lark could not parse, in words: what was unexpected where, and
    what was expected (`plain`: lark's parser without the transformer, whose
    states the examples are matched by; `reserved`: the language's keywords)."""
    if isinstance(e, UnexpectedCharacters):
        ch = text.split("\n")[e.line - 1][e.column - 1]
        at = e.line + line - 1
        span = A.Span(at, e.column, at, e.column + 1)
        if ch == '"':
            what = "quoted text"
        elif ch.isascii() and ch.isprintable():
            what = f"'{ch}'"
        else:  # a no-break space or a look-alike: name it, the terminal cannot show it
            what = describe(ch)
        return Diagnostic(f"unexpected {what}", span, describe_expected(e.allowed), code="syntax")
    head = NAME_NUMBER.match(text)
    if head is not None and head[1] not in reserved:  # the axis rule read past the number
        return not_an_axis(head, line)
    label = match_message(plain, text)
    if label is None:  # the examples are written `y = ...`: a subscript or a unit on the left
        head = _ANNOTATED_HEAD.match(text)  # leaves the parser in other states, same mistakes
        if head is not None and (head[1] or head[2]):
            label = match_message(plain, "y =" + text[head.end():])
    if label == DIM_SHAPE and not _DIM_HEAD.match(text):
        two = _TWO_NAMES.match(text)  # `y b = 1` fails where `dim x = 5` does
        if two is not None:
            at = A.Span(line, two.start(2) + 1, line, two.end(2) + 1)
            return two_names(two[1], two[2], at).diagnostic
        label = None
    if isinstance(e, UnexpectedToken) and e.token.type != "$END":
        tok = e.token
        if tok.type == "ANNOTATION":  # the fallback lexer's longest match: a ':' out of place
            tok = Token.new_borrow_pos("COLON", ":", tok)
            tok.end_line, tok.end_column = tok.line, tok.column + 1
        span = tok_span(tok)
        label = misplaced(tok, text) or label
        message = label[0] if label else f"unexpected {describe_token(tok)}"
        hint = label[1] if label else describe_expected(e.expected)
        return Diagnostic(message, span, hint, code="syntax")
    # The statement ended too early: point just past its last character.
    last_line = line + text.count("\n")
    last = text.split("\n")[-1].rstrip()
    code_end = len(last.split("#")[0].rstrip()) if "#" in last else len(last)
    span = A.Span(last_line, code_end + 1, last_line, code_end + 2)
    expected = e.expected if isinstance(e, UnexpectedEOF) else getattr(e, "expected", set())
    message = label[0] if label else "unexpected end of line"
    hint = label[1] if label else describe_expected(expected)
    return Diagnostic(message, span, hint, code="syntax")


def not_an_axis(head: re.Match, line: int) -> Diagnostic:
    """`y 5 = 3` is a definition missing its '=' (at the number); `quarters 2025Q1`
    an axis line left unfinished."""
    at = A.Span(line, head.start(2) + 1, line, head.end(2) + 1)
    if head[1] in ("quarters", "months"):
        example = "quarters 2025Q1..2027Q4" if head[1] == "quarters" else "months 2025-01..2027-12"
        return Diagnostic(f"an axis line is written {example}", at,
                          f"give the first and the last {head[1][:-1]}, joined by '..'",
                          code="syntax")
    return Diagnostic("a definition needs '=' and an expression", at,
                      "write name = expression, e.g. capex = 230B", code="syntax")
