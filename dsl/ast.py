"""The syntax tree of a .scn file: frozen dataclasses, each with a source span.

Spans never take part in equality, so two definitions that mean the same
thing compare equal wherever they stand in the file (scn diff relies on it).
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from typing import Callable, Union

from dsl.periods import YEARS, Period, as_period


@dataclass(frozen=True, slots=True)
class Span:
    """Where a node stands: 1-based line and column, end exclusive."""

    line: int
    col: int
    end_line: int
    end_col: int

    def to(self, other: Span) -> Span:
        """The span from the start of this one to the end of `other`."""
        return Span(self.line, self.col, other.end_line, other.end_col)


NO_SPAN = Span(1, 1, 1, 1)


def _span() -> Span:
    return field(default=NO_SPAN, compare=False, repr=False)


# ---------------------------------------------------------------- years and periods


@dataclass(frozen=True, slots=True)
class Years:
    """A time selector on a definition, a reference's range or a year-map key.

    `start`/`end` are periods as written (`2025`, `2025Q3`, `2025-07`:
    `dsl.periods.Period`), None for an open side (`2028..`, `..2025`); an
    int given here stands for a year. `single` is True for `x[2026]`,
    `x[2026Q2]` and a map key written as one period. What a selector covers
    on a model's periods (a year on a quarterly axis: its four quarters) is
    the time axis' to say (`engine.axis.TimeAxis.span_of`).
    """

    start: Period | None
    end: Period | None
    single: bool = False
    span: Span = _span()

    def __post_init__(self):
        if type(self.start) is int or type(self.end) is int:
            object.__setattr__(self, "start", as_period(self.start))
            object.__setattr__(self, "end", as_period(self.end))


# ---------------------------------------------------------------- members


@dataclass(frozen=True, slots=True)
class Member:
    """A member named in a subscript or a member-map key (`goog` in `capex[goog]`).

    The parser only reads a name: which dim it belongs to, and whether it is a
    member at all, is the engine's to check.
    """

    name: str
    span: Span = _span()


# ---------------------------------------------------------------- expressions


@dataclass(frozen=True, slots=True)
class Number:
    value: float
    text: str  # as written, suffix included: the formatter keeps it
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Name:
    """A variable in the current year; `x[goog]` selects members (`members`)."""

    name: str
    span: Span = _span()
    members: tuple[Member, ...] = ()


@dataclass(frozen=True, slots=True)
class CurrentYear:
    """`t`: the year being computed, as a number."""

    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Shifted:
    """`x[t-k]` (offset -k) or `x[t+k]` (offset +k)."""

    name: str
    offset: int
    span: Span = _span()
    members: tuple[Member, ...] = ()


@dataclass(frozen=True, slots=True)
class AtYear:
    """`x[2025]`, `x[2025Q2]`, `x[2025-03]`: x in that period, whatever the current one.

    (A bare year in a formula of a sub-annual model is an error the engine
    reports; as the one argument of sum/mean/min/max the parser makes it a
    `YearRange` of one selector instead.) An int given as `period` is a year.
    """

    name: str
    period: Period
    span: Span = _span()
    members: tuple[Member, ...] = ()

    def __post_init__(self):
        if isinstance(self.period, int):
            object.__setattr__(self, "period", as_period(self.period))


@dataclass(frozen=True, slots=True)
class YearRange:
    """`x[2025..2030]`, `x[2025Q1..2025Q3]`; `x[2025]` as the one argument of an
    aggregate (`sum(x[2025])`: a range of one selector, `years.single`). Only
    valid as the argument of sum/mean/min/max."""

    name: str
    years: Years
    span: Span = _span()
    members: tuple[Member, ...] = ()


@dataclass(frozen=True, slots=True)
class Unary:
    op: str  # "-" or "not"
    operand: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Binary:
    op: str  # + - * / ^ < <= > >= == != and or
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Between:
    """`a to b`: a normal distribution with 5th/95th percentiles a and b."""

    low: Expr
    high: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Call:
    func: str
    args: tuple[Expr, ...]
    span: Span = _span()
    name_span: Span = _span()


@dataclass(frozen=True, slots=True)
class MapEntry:
    years: Years
    value: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class YearMap:
    entries: tuple[MapEntry, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class MemberEntry:
    member: Member
    value: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class MemberMap:
    """`{goog: 52.5B, meta: 39.2B}`: one value per member of one dim.

    Only ever the whole right-hand side of a definition (the parser refuses
    it anywhere else).
    """

    entries: tuple[MemberEntry, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Paren:
    """Parentheses as written: kept so the formatter can keep them."""

    expr: Expr
    span: Span = _span()


Expr = Union[
    Number, Name, CurrentYear, Shifted, AtYear, YearRange, Unary, Binary,
    Between, Call, YearMap, MemberMap, Paren,
]


# ---------------------------------------------------------------- statements


@dataclass(frozen=True, slots=True)
class ModelTitle:
    title: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class YearsDecl:
    """The time axis: `years 2024..2030`, `quarters 2025Q1..2027Q4`, `months 2025-01..2027-12`.

    `start` and `end` are absolute numbers in `unit` (dsl.periods): the
    years, or `year * 4 + quarter - 1`, or `year * 12 + month - 1`.
    """

    start: int
    end: int
    span: Span = _span()
    unit: str = YEARS


@dataclass(frozen=True, slots=True)
class Section:
    name: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ScenarioOpen:
    name: str
    parent: str | None
    title: str | None
    span: Span = _span()
    name_span: Span = _span()
    parent_span: Span = _span()


@dataclass(frozen=True, slots=True)
class BlockClose:
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Annotation:
    """`: USD/PFLOPS`, `: %`, `: count last` between a definition's left side and `=`.

    `unit` is the unit as written with canonical spacing (`USD/PFLOPS`, `%`,
    `x`, `1`, `PFLOPS*h`, `1/month`); `factors` its base names with signed
    exponents in the order written (`USD/PFLOPS`: USD 1, PFLOPS -1; none for
    `%`, `x` and `1`); `aggregation` the roll-up word (`sum`, `last`,
    `mean`) or None. What a unit means is `engine.units`' to say.
    """

    unit: str
    factors: tuple[tuple[str, int], ...] = field(compare=False)
    aggregation: str | None = None
    span: Span = _span()  # from the unit to the aggregation word
    unit_span: Span = _span()

    @property
    def text(self) -> str:
        return self.unit + (f" {self.aggregation}" if self.aggregation else "")


@dataclass(frozen=True, slots=True)
class Definition:
    """`name = expr`, `name[years] = expr`, `name[goog, 2025] = expr`.

    `years` is None for the whole series; `members` holds the member
    subscripts in the order written (the formatter prints them before the
    year selector); `annotation` the unit written before `=` (`capex: USD =
    ...`), None when there is none.
    """

    name: str
    years: Years | None
    expr: Expr
    span: Span = _span()
    name_span: Span = _span()
    doc: str | None = field(default=None, compare=False)
    members: tuple[Member, ...] = ()
    annotation: Annotation | None = None


@dataclass(frozen=True, slots=True)
class DimDecl:
    """`dim company = {goog, meta, msft}`: a dimension and its members, in order."""

    name: str
    members: tuple[str, ...]
    span: Span = _span()
    name_span: Span = _span()
    member_spans: tuple[Span, ...] = field(default=(), compare=False, repr=False)


Statement = Union[ModelTitle, YearsDecl, Section, ScenarioOpen, BlockClose, Definition, DimDecl]


# ---------------------------------------------------------------- a whole file

BASE = "base"  # the scenario layer of the definitions outside any block


@dataclass(frozen=True, slots=True)
class Placed:
    """A definition with where it stands: its section and its scenario layer."""

    definition: Definition
    section: str | None
    scenario: str  # BASE outside any block


@dataclass(frozen=True, slots=True)
class ScenarioDecl:
    name: str
    parent: str  # BASE when no `extends`
    title: str | None
    span: Span = _span()
    parent_span: Span = _span()


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed file: header, scenario declarations and every definition in order."""

    title: str | None
    years: YearsDecl | None
    scenarios: tuple[ScenarioDecl, ...]
    definitions: tuple[Placed, ...]
    sections: tuple[str, ...]
    dims: tuple[DimDecl, ...] = ()  # in declaration order


def walk(expr: Expr):
    """Every node of an expression, parents before children."""
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))


def children(node: Expr) -> tuple[Expr, ...]:
    try:
        return HANDLERS[type(node)](node)
    except KeyError:
        raise NoHandler("children", node) from None


def _none(node: Expr) -> tuple[Expr, ...]:
    return ()


HANDLERS = {
    Number: _none, Name: _none, CurrentYear: _none, Shifted: _none, AtYear: _none,
    YearRange: _none,
    Unary: lambda n: (n.operand,),
    Binary: lambda n: (n.left, n.right),
    Between: lambda n: (n.low, n.high),
    Call: lambda n: n.args,
    YearMap: lambda n: tuple(e.value for e in n.entries),
    MemberMap: lambda n: tuple(e.value for e in n.entries),
    Paren: lambda n: (n.expr,),
}


# ---------------------------------------------------------------- moving


_NODES = {c: tuple(f.name for f in fields(c)) for c in tuple(globals().values())
          if isinstance(c, type) and c.__module__ == __name__ and is_dataclass(c)
          and c is not Span}  # each node class and its fields, in order


def shifted(node, lines: int):
    """The same tree `lines` lines further down the file: every span moved, the
    rest shared (a statement's tree depends on its text and first line only,
    so the parser's cache moves a statement instead of parsing it again)."""
    if lines == 0:
        return node
    kind = type(node)
    if kind is Span:
        return Span(node.line + lines, node.col, node.end_line + lines, node.end_col)
    if kind is tuple:
        return tuple([shifted(v, lines) for v in node])
    names = _NODES.get(kind)
    if names is not None:
        return kind(*[shifted(getattr(node, n), lines) for n in names])
    return node  # a string, a number, a period, None: nothing to move


# ---------------------------------------------------------------- making nodes fast


def maker(cls: type) -> Callable[..., object]:
    """`cls(...)` for a node class with no `__post_init__`, without its
    constructor: a frozen dataclass' constructor sets each field through
    `object.__setattr__`, where this sets it through its slot (a Span 0.53 ->
    0.3 us; the parser makes about 15 nodes a statement, 170,000 for a
    10,000-variable file). The same fields in the same order, with the same
    defaults; tests/test_ast_maker.py checks that both make equal nodes, spans
    included. The function's text holds only names made here (`v0`, `set0`, `d0`:
positions, not field names); the defaults and setters reach it through its
scope, never as text, and nothing read from a file or typed by a user does."""
    if "__post_init__" in cls.__dict__ or not cls.__dict__.get("__slots__"):
        raise TypeError(f"{cls.__name__}: a node made through its constructor only")
    found = fields(cls)
    scope: dict = {"new": object.__new__, "cls": cls}
    params, body = [], ""
    for i, f in enumerate(found):
        scope[f"set{i}"] = cls.__dict__[f.name].__set__
        if f.default is not MISSING:
            scope[f"d{i}"] = f.default
            params.append(f"v{i}=d{i}")
        elif f.default_factory is not MISSING:
            raise TypeError(f"{cls.__name__}.{f.name}: a default made per node")
        else:
            params.append(f"v{i}")
        body += f"    set{i}(node, v{i})\n"
    exec(f"def make({', '.join(params)}):\n    node = new(cls)\n{body}    return node\n", scope)
    make = scope["make"]
    make.__qualname__ = make.__name__ = f"make_{cls.__name__}"
    return make


# ---------------------------------------------------------------- back-ends


class NoHandler(TypeError):
    """A back-end was given a node it has no rule for: a bug in scn, never the
    user's mistake (every back-end has a table, `HANDLERS`, of the node classes
    it handles; tests/test_dispatch.py checks each covers every class)."""

    def __init__(self, backend: str, node: object, why: str = ""):
        super().__init__(f"internal error: the {backend} back-end has no rule for "
                         f"{type(node).__name__} nodes" + (f" ({why})" if why else ""))


def only_inside(backend: str, where: str):
    """The handler of a node that stands only inside `where` (the checker refuses it
    elsewhere, and the function builders read it themselves): reaching it is a bug."""
    def refuse(b, node, *rest):
        raise NoHandler(backend, node, f"it stands only inside {where}")
    return refuse


def resolved_away(backend: str):
    """The handler of a member map in a back-end that reads pieces: the model's
    resolve step splits a member map into one piece per member, so reaching it
    here is a bug."""
    def refuse(b, node, *rest):
        raise NoHandler(backend, node, "member maps become pieces when the model is resolved")
    return refuse
