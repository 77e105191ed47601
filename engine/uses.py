"""What an expression reads: every reference to another variable, with the
years it reaches, plus the checks that need no scenario (unknown names and
functions, arity, where year maps and year ranges may stand).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from dsl import ast as A
from dsl.errors import NO_SUBJECT, Diagnostic, Subject
from engine.axis import TimeAxis
from engine.distributions import Draw, check_literal, is_literal
from dsl.numbers import is_plain_integer
from engine.functions import CALENDAR, FUNCTIONS, WINDOWED
from engine.selectors import bare_year, read_point, read_range, unit_problem

# How a use reaches into time. Year arguments are indices on the model's time axis.
SAME, SHIFT, AT, RANGE, CUMSUM, GROWTH, CAGR = "same", "shift", "at", "range", "cumsum", "growth", "cagr"
# yoy, ytd, ttm: a window of periods up to the current one; `a` holds the axis'
# periods per year, `b` where its first period stands in its year (engine.functions).
YOY, YTD, TTM = WINDOWED


@dataclass(frozen=True, slots=True)
class Use:
    name: str
    kind: str
    a: int = 0  # SHIFT: offset; AT: index; RANGE/CAGR: first index; YOY/YTD/TTM: per year
    b: int = 0  # RANGE/CAGR: last index; YTD: the axis' first period's place in its year
    span: A.Span = A.NO_SPAN
    # Dims: the members the reference selects ((dim, index), canonical order:
    # `capex[goog]`), and the dim an aggregate `sum(capex, company)` sums over.
    members: tuple[tuple[str, int], ...] = ()
    over: str | None = None

    def cells(self, i: int) -> list[int]:
        """The year indices of `name` that this use reads when computing year i."""
        k = self.kind
        if k == SAME:
            return [i]
        if k == SHIFT:
            return [i + self.a]
        if k == AT:
            return [self.a]
        if k == RANGE:
            return list(range(self.a, self.b + 1))
        return FUNCTIONS[k].reads(i, self.a, self.b)  # CUMSUM, GROWTH, CAGR...: as the registry says




# Made without its constructor (`dsl.ast.maker`): 1.2 -> 0.45 us a Use, 20,000 of
# them in a 10,000-variable file's checks.
_use = A.maker(Use)

def suggest(name: str, known, loose: bool = False) -> str | None:
    """A "did you mean" hint for a name that is not in `known`, or None.

    The same name in another case comes first (`IF` -> `if`), then the
    closest spelling, in the case written and then ignoring case. `loose`
    (names typed as option values: `--wrt tax`) also offers the names that
    start with or contain what was typed (`tax_rate`), when nothing is spelt
    close to it.
    """
    names = [k for k in known if k != name]
    folded = name.lower()
    same = [k for k in names if k.lower() == folded]
    if same:
        return _did_you_mean(same[:1])
    match = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    if not match:
        lower = {k.lower(): k for k in reversed(names)}  # the first of names equal but for case
        match = [lower[m] for m in difflib.get_close_matches(folded, list(lower), n=1, cutoff=0.6)]
    if match:
        return _did_you_mean(match)
    if loose and len(folded) >= 2:
        starts = [k for k in names if k.lower().startswith(folded)]
        inside = [k for k in names if folded in k.lower() and k not in starts]
        if starts or inside:
            return _did_you_mean((starts + inside)[:LOOSE_MATCHES])
    return None


LOOSE_MATCHES = 3  # names offered for a prefix or part of a name


def _did_you_mean(names: list[str]) -> str:
    quoted = [f"'{n}'" for n in names]
    if len(quoted) == 1:
        return f"did you mean {quoted[0]}?"
    return f"did you mean {', '.join(quoted[:-1])} or {quoted[-1]}?"


class UseCollector:
    """Walks one expression; collects uses and structural diagnostics."""

    # Each "did you mean" compares the name with every variable: past this many
    # distinct unknown names a file is broken wholesale, and hints would make
    # checking it quadratic (3,000 unknown names took a minute).
    MAX_SUGGESTIONS = 20

    def __init__(self, variables, axis: TimeAxis, dims=None, member_of=None, dims_of=None):
        self.variables = variables
        self.axis = axis
        self.dims = dims or {}
        self.member_of = member_of or {}
        self.dims_of = dims_of or {}
        self._hints: dict[str, str | None] = {}

    def _suggest(self, name: str) -> str | None:
        if name not in self._hints:
            if len(self._hints) >= self.MAX_SUGGESTIONS:
                return None
            self._hints[name] = suggest(name, self.variables)
        return self._hints[name]

    def collect(self, expr: A.Expr, whole_definition: bool = False
                ) -> tuple[list[Use], list[Diagnostic]]:
        self.uses: list[Use] = []
        self.errors: list[Diagnostic] = []
        # Distributions whose parameters read variables or t, each with the `if`
        # conditions it sits under: (condition, branch taken), outermost first.
        self.draws: list[tuple[Draw, tuple[tuple[A.Expr, bool], ...]]] = []
        self.guards: list[tuple[A.Expr, bool]] = []
        self._visit(expr, top=whole_definition)
        return self.uses, self.errors

    # -- helpers
    def _err(self, code: str, message: str, span: A.Span, hint: str | None = None,
             subject: Subject = NO_SUBJECT) -> None:
        self.errors.append(Diagnostic(message, span, hint, code=code, subject=subject))

    def _known(self, name: str, span: A.Span) -> bool:
        if name in self.variables:
            return True
        if name in self.dims:
            self._err("misplaced", f"'{name}' is a dim, not a variable", span,
                      f"a dim stands only where members are summed: sum(x, {name}), "
                      f"mean(x, {name}), min(x, {name}) or max(x, {name})")
            return False
        self._err("unknown-variable", f"unknown variable '{name}'", span, self._suggest(name),
                  Subject(variable=name))
        return False

    def _index(self, year: int, span: A.Span) -> int | None:
        """The index of a year written as a number (cagr's), or None after an error."""
        i = self.axis.index(year)
        if i is None:
            self._err("year-outside",
                      f"year {year} is outside the model years {self.axis.range_label()}", span,
                      "change the year or widen the 'years' line")
        return i

    def _visit(self, node: A.Expr, top: bool = False) -> None:
        try:
            handler = HANDLERS[type(node)]
        except KeyError:
            raise A.NoHandler("uses", node) from None
        handler(self, node, top)

    # -- one handler per node type (HANDLERS below)
    def _selection(self, name: str, members: tuple[A.Member, ...]
                   ) -> tuple[tuple[str, int], ...] | None:
        """The members a reference selects, (dim, index) in canonical order;
        None after an error (a member that is none, or of a dim `name` lacks)."""
        if not members:
            return ()
        has = self.dims_of.get(name, ())
        out: dict[str, int] = {}
        for m in members:
            hit = self.member_of.get(m.name)
            if hit is None:
                from engine.model import unknown_member
                self.errors.append(unknown_member(m, self.member_of))
                return None
            dim, k = hit
            if dim not in has:
                what = (f"its dims: {', '.join(has)}" if has else "it has no dims")
                self._err("dim-mismatch", f"'{name}' has no dim '{dim}' to select '{m.name}' "
                          f"from ({what})", m.span,
                          f"select a member of {' or '.join(has)}" if has else
                          f"read {name} without a subscript", Subject(variable=name))
                return None
            if dim in out:
                self._err("dim-mismatch", f"'{name}[...]' selects two members of dim '{dim}'",
                          m.span, "select one member per dim", Subject(variable=name))
                return None
            out[dim] = k
        return tuple(sorted(out.items(), key=lambda dk: has.index(dk[0])))

    def _name(self, node: A.Name, top: bool) -> None:
        if not node.members and node.name in self.variables:  # most references
            self.uses.append(_use(node.name, SAME, 0, 0, node.span))
            return
        if self._known(node.name, node.span):
            sel = self._selection(node.name, node.members)
            if sel is not None:
                self.uses.append(_use(node.name, SAME, 0, 0, node.span, sel))

    def _shifted(self, node: A.Shifted, top: bool) -> None:
        if self._known(node.name, node.span):
            sel = self._selection(node.name, node.members)
            if sel is not None:
                self.uses.append(_use(node.name, SHIFT, node.offset, 0, node.span, sel))

    def _at_year(self, node: A.AtYear, top: bool) -> None:
        if node.period.is_year and not self.axis.yearly:
            self.errors.append(bare_year(self.axis, node.name, node.period, node.span))
            self._known(node.name, node.span)
            return
        i = read_point(node.period, node.span, self.axis, self.errors)
        if self._known(node.name, node.span) and i is not None:
            sel = self._selection(node.name, node.members)
            if sel is not None:
                self.uses.append(_use(node.name, AT, i, 0, node.span, sel))

    def _year_range(self, node: A.YearRange, top: bool) -> None:
        self._err("misplaced", "a year range is only valid inside sum, mean, min or max",
                  node.span, f"write sum({node.name}[...]) or pick one year")

    def _year_map(self, node: A.YearMap, top: bool) -> None:
        if not top:
            self._err("misplaced",
                      "a year map is only valid as a whole definition or inside interp or step",
                      node.span, "write x = {2025: 1, 2026: 2} or interp({2024: a, 2030: b})")
        for e in node.entries:
            self._visit(e.value)

    def _between(self, node: A.Between, top: bool) -> None:
        self._draw(node, (node.low, node.high))

    def _leaf(self, node: A.Expr, top: bool) -> None:
        pass  # a number, t: reads nothing

    def _operands(self, node: A.Unary | A.Binary | A.Paren, top: bool) -> None:
        if type(node) is A.Binary:  # the commonest node with operands
            self._visit(node.left)
            self._visit(node.right)
            return
        for child in A.children(node):
            self._visit(child)

    def _call(self, node: A.Call, top: bool = False) -> None:
        f = FUNCTIONS.get(node.func)
        if f is None:
            hint = suggest(node.func, FUNCTIONS) or "functions: " + ", ".join(sorted(FUNCTIONS))
            if node.func in self.variables:
                hint = f"'{node.func}' is a variable; a name followed by '(' calls a function"
            self._err("unknown-function", f"unknown function '{node.func}'", node.name_span,
                      hint)
            # SUM(x[2025..2027]), Interp({...}): one mistake, one error; the range or
            # the map may be right where the function it meant stands.
            for a in node.args:
                if isinstance(a, A.YearRange):
                    self._known(a.name, a.span)
                else:
                    self._visit(a, top=True)
            return
        args = node.args
        if f.kind == "aggregate" and self._over_members(node):
            return
        ranged = len(args) == 1 and isinstance(args[0], A.YearRange)
        if f.kind == "aggregate" and (ranged or f.name in ("sum", "mean")):
            return self._aggregate(node)
        if not f.arity_ok(len(args)) or (f.name in ("min", "max") and len(args) < 2):
            need = f.arity_text() if f.name not in ("min", "max") else "at least 2 arguments or a year range"
            self._err("arguments", f"{f.name} takes {need}: {f.signature}", node.span)
            for a in args:
                self._visit(a)
            return
        if f.kind == "time":
            return self._time(node)
        if f.kind == "distribution":
            return self._draw(node, args)
        if f.name == "if":  # a branch is computed only where the condition takes it
            self._visit(args[0])
            for taken, branch in ((True, args[1]), (False, args[2])):
                self.guards.append((args[0], taken))
                self._visit(branch)
                self.guards.pop()
            return
        for a in args:
            self._visit(a)

    def _draw(self, node: Draw, params: tuple[A.Expr, ...]) -> None:
        """Literal parameters are checked now; others at run time (see self.draws).
        Parameters with a mistake of their own (an unknown function) are not."""
        before = len(self.errors)
        for p in params:
            self._visit(p)
        if len(self.errors) > before:
            return
        if all(is_literal(p) for p in params):
            found = check_literal(node, self.axis)
            if found is not None:
                self.errors.append(found)
        else:
            self.draws.append((node, tuple(self.guards)))

    def _over_members(self, node: A.Call) -> bool:
        """`sum(x, company)` and its kin; True when handled here (errors included)."""
        args = node.args
        if not self.dims or len(args) != 2 or not isinstance(args[1], A.Name):
            return False
        dim = args[1]
        if dim.name not in self.dims:
            if dim.name in self.variables or node.func in ("min", "max"):
                return False  # min(a, b) of two variables
            hint = suggest(dim.name, self.dims) or "dims: " + ", ".join(self.dims)
            self._err("unknown-dim", f"unknown dim '{dim.name}'", dim.span, hint)
            return True
        x = args[0]
        if dim.members:
            self._err("arguments", f"the dim of {node.func} takes no subscript", dim.span,
                      f"write {node.func}(x, {dim.name})")
            return True
        if not isinstance(x, A.Name):
            self._err("arguments", f"{node.func} over a dim takes a variable name: "
                      f"{node.func}(x, {dim.name})", x.span,
                      "give the expression a name of its own, then sum that name")
            self._visit(x)
            return True
        if not self._known(x.name, x.span):
            return True
        sel = self._selection(x.name, x.members)
        if sel is None:
            return True
        has = self.dims_of.get(x.name, ())
        if dim.name not in has or dim.name in dict(sel):
            left = [d for d in has if d not in dict(sel)]
            self._err("dim-mismatch", f"'{x.name}' has no dim '{dim.name}' to "
                      f"{node.func} over" + (f" (its dims: {', '.join(left)})" if left else ""),
                      dim.span, f"write {node.func}({x.name}, {left[0]})" if left else
                      f"{x.name} has one value per year: drop the {node.func}",
                      Subject(variable=x.name))
            return True
        self.uses.append(Use(x.name, SAME, span=node.span, members=sel, over=dim.name))
        return True

    def _aggregate(self, node: A.Call) -> None:
        f = FUNCTIONS[node.func]
        args = node.args
        if len(args) != 1 or not isinstance(args[0], A.YearRange):
            hint = f"write {f.name}(x[2025..2030])"
            if len(args) == 1 and isinstance(args[0], A.Name) and self.dims_of.get(args[0].name):
                has = self.dims_of[args[0].name]
                hint = (f"{args[0].name} has dims ({', '.join(has)}): write "
                        f"{f.name}({args[0].name}, {has[0]}) to sum over members, or "
                        f"{f.name}({args[0].name}[2025..2030]) over years")
            self._err("arguments", f"{f.name} takes a variable over a year range: {f.signature}",
                      node.span, hint)
            return
        r = args[0]
        if not self._known(r.name, r.span):
            return
        got = read_range(r.years, r.span, self.axis, self.errors)
        if got is None:
            return
        a, b = got
        sel = self._selection(r.name, r.members)
        if sel is not None:
            self.uses.append(Use(r.name, RANGE, a, b, span=r.span, members=sel))

    def _time(self, node: A.Call) -> None:
        name, args = node.func, node.args
        if name in ("interp", "step"):
            m = args[0]
            if not isinstance(m, A.YearMap) or not m.entries:
                self._err("arguments", f"{name} takes a year map: {FUNCTIONS[name].signature}",
                          node.span, f"write {name}({{2024: 10%, 2030: 40%}})")
                if not isinstance(m, A.YearMap):
                    self._visit(m)
                return
            seen: dict[float, A.Period] = {}
            for e in m.entries:
                key = e.years.start
                if not e.years.single:
                    what = "years" if self.axis.yearly else f"years or {self.axis.unit}"
                    self._err("arguments", f"the keys of {name} must be single {what}",
                              e.years.span, "write each year on its own, e.g. {2024: 10%, 2030: 40%}")
                elif (problem := unit_problem(self.axis, key, e.years.span)) is not None:
                    self.errors.append(problem)
                elif key.t in seen:  # a year key stands at its first period: 2025 is 2025Q1
                    first = seen[key.t]
                    self._err("arguments", f"year {key} is given twice in {name}" if first == key
                              else f"{key} and {first} are the same point in {name} (a year "
                              "key stands at its first period)", e.years.span)
                else:
                    seen[key.t] = key
                self._visit(e.value)
            return
        if name in CALENDAR:
            return  # year(), quarter(), month(): the period's own, no cell read
        target = args[0]
        if not isinstance(target, A.Name):
            self._err("arguments",
                      f"the argument of {name} must be a variable name: {FUNCTIONS[name].signature}",
                      target.span, "give the expression a name of its own, then use that name")
            self._visit(target)
            return
        if not self._known(target.name, target.span):
            return
        sel = self._selection(target.name, target.members)
        if sel is None:
            return
        if name == "cumsum":
            self.uses.append(Use(target.name, CUMSUM, span=node.span, members=sel))
        elif name == "growth":
            self.uses.append(Use(target.name, GROWTH, span=node.span, members=sel))
        elif name in WINDOWED:
            k = self.axis.per_year
            self.uses.append(Use(target.name, name, k, self.axis.start % k, span=node.span,
                                 members=sel))
        elif not self.axis.yearly:
            self._err("arguments", f"cagr reads two years, but this model's periods are "
                      f"{self.axis.unit}", node.span, _cagr_hint(self.axis, target.name, args))
        else:
            years = [self._year_literal(a) for a in args[1:]]
            if None in years:
                return
            ia, ib = (self._index(y, a.span) for y, a in zip(years, args[1:]))
            if ia is None or ib is None:
                return
            if ia == ib:
                self._err("arguments", "cagr needs two different years", node.span,
                          "write cagr(x, 2024, 2030)")
                return
            self.uses.append(Use(target.name, CAGR, ia, ib, span=node.span, members=sel))

    def _year_literal(self, node: A.Expr) -> int | None:
        """A year written as a number (cagr's years)."""
        if isinstance(node, A.Number) and is_plain_integer(node.text):
            return int(node.text)  # a literal that parsed: at most 309 digits
        self._err("arguments", "the years of cagr must be written as years", node.span,
                  "write cagr(x, 2024, 2030)")
        return None


def _cagr_hint(axis: TimeAxis, x: str, args) -> str:
    """What to write instead of cagr in a sub-annual model: over yearly totals,
    or between two periods (`t` counts years, so the power is per year)."""
    a, b = (n.text if isinstance(n, A.Number) and n.text.isdigit() else y
            for n, y in zip(args[1:3], ("2025", "2027")))
    n = int(b) - int(a)
    power = "" if n == 1 else f" ^ (1 / {n})"
    last = "Q4" if axis.per_year == 4 else "-12"
    totals, ends = f"sum({x}[{b}]) / sum({x}[{a}])", f"{x}[{b}{last}] / {x}[{a}{last}]"
    if power:
        totals, ends = f"({totals})", f"({ends})"
    return (f"for yearly totals write {totals}{power} - 1; "
            f"between year ends {ends}{power} - 1")


# How the walk treats each kind of expression node: one entry per node class
# of `dsl.ast.Expr` (tests/test_uses.py checks that none is missing).
HANDLERS = {
    A.Number: UseCollector._leaf,
    A.CurrentYear: UseCollector._leaf,
    A.Name: UseCollector._name,
    A.Shifted: UseCollector._shifted,
    A.AtYear: UseCollector._at_year,
    A.YearRange: UseCollector._year_range,
    A.YearMap: UseCollector._year_map,
    A.MemberMap: A.resolved_away("uses"),
    A.Call: UseCollector._call,
    A.Between: UseCollector._between,
    A.Unary: UseCollector._operands,
    A.Binary: UseCollector._operands,
    A.Paren: UseCollector._operands,
}


def uses_of(model, piece) -> tuple[Use, ...]:
    """What a piece of a model reads (cached per model and piece)."""
    hit = model.cache.uses.get(piece)
    if hit is None:
        hit = model.cache.uses.put(piece, collect_uses(model, piece)[0])
    return hit


def collect_uses(model, piece) -> tuple[tuple[Use, ...], list[Diagnostic]]:
    """What a piece reads, and the errors found reading it (uncached)."""
    if type(piece.expr) is A.Number:  # an input: reads nothing (a quarter of the pieces)
        return (), []
    collector = model.cache.collector
    if collector is None:
        collector = model.cache.collector = UseCollector(
            set(model.variables), model.axis, model.dims, model.member_of, model.dims_of)
    uses, errors = collector.collect(piece.expr, whole_definition=False)
    if collector.draws:
        model.cache.draws.put(piece, tuple(collector.draws))
    return tuple(uses), errors
