"""The plain-Python reference evaluator of one model, generated (issue 15's yardstick).

    python bench/reference_gen.py MODEL.scn -o reference_model.py
    python reference_model.py -o out.csv   # the CSV `scn run MODEL.scn --format csv` writes

Issue 15 measures whole `scn` processes against "a generated plain-Python
evaluator of the same model": the program a competent programmer would write
by hand for this one model, with no engine under it. This module writes that
program. Generating it uses scn's own parser, checks and dependency graph
(a benchmark does not time generation); the program itself imports only `sys`
and `math`, parses nothing and holds the model as Python:

- one list of floats per variable, a value per period, computed in the
  dependency order scn's graph found;
- a formula over the same period is one comprehension over the lists it
  reads (`[x0 * (1.0 + x1) for x0, x1 in zip(revenue, growth)]`); a
  constant is `[c] * N`, a year map `[a] * 6 + [b] * 24`, interp and step of
  numbers one call of a small helper;
- a definition reading other periods (`x[t-1]`, `growth`, `t`) is one
  comprehension or loop over the periods it covers, with indices; a
  variable defined by several definitions (`x[2000] = ...` beside
  `x[2001..] = ...`) concatenates them, period order;
- a recurrence (`x = x[t-1] * (1 + g)`) is one loop over the periods, and
  variables feeding each other through lags one loop holding the group's
  statements, in the order scn's graph computes the cells;
- range aggregates (`sum(x[2000..2009])`) are computed once, before the loop
  that reads them, left to right as the engine adds them.

The semantics are the engine's where plain Python differs from it: IEEE
division by zero (inf, -inf, NaN: plain Python raises), a NaN comparison or
`if` condition giving NaN, min and max giving NaN when an argument is NaN and
never -0. Each costs little: a division by a number that is not a literal
tests its divisor (`a / d if (d := b) else div0(a, d)`), an `if` on a
comparison tests the opposite comparison on its else branch only. The
generated models of bench/generate.py meet none of those cases in practice;
the reference still computes them as the engine does, so that it can be
compared with the engine byte for byte (tests/test_reference_gen.py).

What bench/generate.py writes is supported (numbers, year maps, interp,
step, recurrences, lags, `t`, growth, cumsum, sum/mean/min/max over ranges,
min, max, abs, clamp, if, comparisons, and/or/not). Anything else (dims,
distributions, `^`, exp, round, yoy, ...) raises `Unsupported` at generation
time, as does a cyclic group whose cells the graph does not order period by
period.
"""

from __future__ import annotations

import builtins
import keyword
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dsl import ast as A  # noqa: E402


class Unsupported(ValueError):
    """A construct the reference generator does not write."""


# The generated program's own definitions, before the model's code. Helpers are
# plain functions over floats; the generated code calls them where an inline
# expression would not give the engine's value.
PRELUDE = '''\
import math
import sys

NAN = math.nan
INF = math.inf


def div0(a, b):
    """a / b for a zero b (IEEE): inf signed by a and b's sign, NaN for 0 / 0 and NaN / 0."""
    if a != a or a == 0:
        return NAN
    return INF if (a > 0) == (math.copysign(1.0, b) > 0) else -INF


def min2(a, b):
    """The smaller of a and b; NaN if either is; 0.0 for zeros of either sign."""
    if a < b:
        return a + 0.0
    if b <= a:
        return b + 0.0
    return NAN


def max2(a, b):
    if a > b:
        return a + 0.0
    if b >= a:
        return b + 0.0
    return NAN


def least(xs):
    """The smallest of xs (min2's rules)."""
    m = xs[0]
    for x in xs:
        if x != x:
            return NAN
        if x < m:
            m = x
    return m + 0.0


def greatest(xs):
    m = xs[0]
    for x in xs:
        if x != x:
            return NAN
        if x > m:
            m = x
    return m + 0.0


def total(xs):
    """Left to right from the first (Python's sum starts from 0, which turns -0 into 0)."""
    s = xs[0]
    for x in xs[1:]:
        s = s + x
    return s


def running_total(xs):
    """cumsum: the running total from 0."""
    s, out = 0.0, []
    for x in xs:
        s = s + x
        out.append(s)
    return out


def gt(a, b):
    return 1.0 if a > b else (0.0 if a <= b else NAN)


def ge(a, b):
    return 1.0 if a >= b else (0.0 if a < b else NAN)


def lt(a, b):
    return 1.0 if a < b else (0.0 if a >= b else NAN)


def le(a, b):
    return 1.0 if a <= b else (0.0 if a > b else NAN)


def eq(a, b):
    return NAN if a != a or b != b else (1.0 if a == b else 0.0)


def ne(a, b):
    return NAN if a != a or b != b else (0.0 if a == b else 1.0)


def and_(a, b):
    return NAN if a != a or b != b else (1.0 if a != 0 and b != 0 else 0.0)


def or_(a, b):
    return NAN if a != a or b != b else (1.0 if a != 0 or b != 0 else 0.0)


def not_(a):
    return NAN if a != a else (1.0 if a == 0 else 0.0)


def interp_at(t, keys, values):
    """Linear in t between the keys, exact at them, flat outside."""
    if t <= keys[0]:
        return values[0]
    for j in range(1, len(keys)):
        k1 = keys[j]
        if t < k1:
            k0, v0 = keys[j - 1], values[j - 1]
            return v0 + (values[j] - v0) * ((t - k0) / (k1 - k0))
        if t == k1:
            return values[j]
    return values[-1]


def step_at(t, keys, values):
    """Held from each key to the next."""
    for j in range(1, len(keys)):
        if t < keys[j]:
            return values[j - 1]
    return values[-1]


def interp(keys, values):
    return [interp_at(t, keys, values) for t in T]


def step(keys, values):
    return [step_at(t, keys, values) for t in T]
'''

MAIN = '''

def write_csv(values, path):
    """A row per variable, the floats as Python writes them (repr), empty where undefined."""
    lines = [HEADER]
    for name, row in values.items():
        if name in GAPS:
            lines.append(name + "," + ",".join("" if v is None else repr(v) for v in row))
        else:
            lines.append(name + "," + ",".join(map(repr, row)))
    with open(path, "w", encoding="utf-8") as f:
        f.write("\\n".join(lines) + "\\n")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2 or argv[0] != "-o":
        sys.exit("usage: python " + sys.argv[0] + " -o OUT.csv")
    write_csv(VALUES, argv[1])


if __name__ == "__main__":
    main()
'''

HELPERS = frozenset(re.findall(r"^def (\w+)", PRELUDE + MAIN, re.M)) | {
    "NAN", "INF", "N", "T", "HEADER", "GAPS", "VALUES", "math", "sys", "i"}
RESERVED = HELPERS | set(keyword.kwlist) | set(keyword.softkwlist) | set(dir(builtins))

_NEGATED = {">": "<=", ">=": "<", "<": ">=", "<=": ">"}  # for ordered operands
_COMPARE = {">": "gt", ">=": "ge", "<": "lt", "<=": "le", "==": "eq", "!=": "ne"}
_SIMPLE = re.compile(r"^[\w.]+(\[[\w +-]+\])?$")  # a name, a number or one subscript


class _NeedIndex(Exception):
    """The expression reads other periods: it cannot be a comprehension over zip."""


def generate_reference(text: str, source: str = "<model>") -> str:
    """The reference program of a model (raises scn's ScnError for an invalid
    model, Unsupported for what the generator does not write)."""
    from engine import load_model, prepare

    model = load_model(text, source)
    if model.dims:
        raise Unsupported("dims: the reference generator writes dimensionless models only")
    return _Program(model, prepare(model)).text(source)


@dataclass
class _Run:
    start: int
    end: int  # inclusive
    expr: A.Expr | None  # None: no definition covers these periods


class _Program:
    def __init__(self, model, plan):
        self.model = model
        self.plan = plan
        self.n = len(model.axis)
        self.py: dict[str, str] = {}
        taken = set(RESERVED)
        for v in model.variables:
            name = v if not v.startswith("_") else "v" + v  # `_`: the program's temporaries
            if re.fullmatch(r"x\d+", name):  # a comprehension's loop variables
                name += "_"
            while name in taken:
                name += "_"
            taken.add(name)
            self.py[v] = name
        self.body: list[str] = []
        self.counter = 0
        self.gaps: list[str] = []

    def fresh(self, stem: str) -> str:
        self.counter += 1
        return f"_{stem}{self.counter}"

    # -------------------------------------------------------------- program

    def text(self, source: str) -> str:
        for level in self.plan.graph.levels:
            for block in level:
                if block.cyclic:
                    self.cyclic(block)
                else:
                    self.column(block.variables[0])
        axis = self.model.axis
        ts = ", ".join(repr(float(axis.t(i))) for i in range(self.n))
        header = ",".join(["variable", *self.model.labels])
        rows = "".join(f"\n    {v!r}: {self.py[v]}," for v in self.model.variables)
        title, source = (re.sub(r'["\\]', "", x) for x in (self.model.title or source, source))
        doc = (f'"""The plain-Python evaluator of "{title}" ({len(self.model.variables):,} '
               f"variables x {self.n} periods),\ngenerated by bench/reference_gen.py from "
               f"{source}: `python THIS.py -o OUT.csv` writes the CSV\nof "
               f'`scn run {source} --format csv`."""\n\n')
        return (doc + PRELUDE + f"\n\nN = {self.n}\nT = [{ts}]  # t of each period\n"
                f"HEADER = {header!r}\nGAPS = {set(self.gaps) or 'set()'!r}\n\n"
                "# The model, a list per variable, in the order of its dependencies.\n"
                + "\n".join(self.body) + f"\n\nVALUES = {{{rows}\n}}\n" + MAIN)

    def emit(self, line: str, depth: int = 0) -> None:
        self.body.append("    " * depth + line)

    def runs(self, v: str) -> list[_Run]:
        out: list[_Run] = []
        for i, piece in enumerate(self.plan.cover[v].row(0)):
            expr = None if piece is None else piece.expr
            if out and out[-1].expr is expr and out[-1].end == i - 1:
                out[-1].end = i
            else:
                out.append(_Run(i, i, expr))
        if any(r.expr is None for r in out):
            self.gaps.append(v)
        return out

    # -------------------------------------------------------------- variables

    def column(self, v: str) -> None:
        """A variable that does not reach itself: its runs' lists, concatenated."""
        parts = [self.segment(r) for r in self.runs(v)]
        self.emit(f"{self.py[v]} = {' + '.join(parts)}")

    def segment(self, r: _Run) -> str:
        n = r.end - r.start + 1
        if r.expr is None:
            return f"[None] * {n}"
        if _literal(r.expr):
            return f"[{_Expr(self, None).code(r.expr)}] * {n}"
        if n == 1:
            return f"[{self.hoisted(r.expr, r.start)}]"
        whole = n == self.n
        if whole and _interp_of_numbers(r.expr):
            return _Expr(self, None).series_call(r.expr)
        if whole:
            try:
                e = _Expr(self, None, zipped={})
                code = e.code(r.expr)
            except _NeedIndex:
                pass
            else:
                for line in e.pre:
                    self.emit(line)
                if not e.zipped:
                    return f"[{code}] * {n}"
                series, names = zip(*e.zipped.items())
                if code == names[0]:  # the values of one list, as they are
                    return f"list({series[0]})"
                if len(series) == 1:
                    return f"[{code} for {names[0]} in {series[0]}]"
                return f"[{code} for {', '.join(names)} in zip({', '.join(series)})]"
        return f"[{self.hoisted(r.expr, 'i')} for i in range({r.start}, {r.end + 1})]"

    def hoisted(self, expr: A.Expr, at, block: frozenset[str] = frozenset()) -> str:
        """The expression in period `at` ('i' or a number); what it computes once
        (aggregates, interp of numbers) emitted before it."""
        e = _Expr(self, at, block=block)
        code = e.code(expr)
        for line in e.pre:
            self.emit(line)
        return code

    def cyclic(self, block) -> None:
        """Variables reaching themselves through lags: one loop over the periods."""
        order = _year_major(block)
        members = frozenset(block.variables)
        runs = {v: self.runs(v) for v in order}
        for v in order:
            fill = "None" if any(r.expr is None for r in runs[v]) else "0.0"
            self.emit(f"{self.py[v]} = [{fill}] * N")
        if len(order) == 1:  # a recurrence: its definitions one after the other
            v = order[0]
            for r in runs[v]:
                if r.expr is None:
                    continue
                if r.start == r.end:
                    code = self.hoisted(r.expr, r.start, members)
                    self.emit(f"{self.py[v]}[{r.start}] = {code}")
                else:
                    code = self.hoisted(r.expr, "i", members)
                    self.emit(f"for i in range({r.start}, {r.end + 1}):")
                    self.emit(f"{self.py[v]}[i] = {code}", 1)
            return
        loop: list[str] = []
        for v in order:  # hoisted lines land in self.body before the loop
            rs = [r for r in runs[v] if r.expr is not None]
            codes = [self.hoisted(r.expr, "i", members) for r in rs]
            if len(rs) == 1 and rs[0].start == 0 and rs[0].end == self.n - 1:
                loop.append(f"    {self.py[v]}[i] = {codes[0]}")
                continue
            whole = [(r.start, r.end) for r in rs] == [(r.start, r.end) for r in runs[v]]
            for k, (r, code) in enumerate(zip(rs, codes)):
                cond = f"{r.start} <= i <= {r.end}" if r.start != r.end else f"i == {r.start}"
                if k == 0:
                    loop.append(f"    if {cond}:")
                elif k == len(rs) - 1 and whole and r.end == self.n - 1:
                    loop.append("    else:")
                else:
                    loop.append(f"    elif {cond}:")
                loop.append(f"        {self.py[v]}[i] = {code}")
        self.emit("for i in range(N):")
        self.body.extend(loop)


def _year_major(block) -> list[str]:
    """The block's variables in the order the graph computes them within each
    period; Unsupported unless the graph's cells go period by period in one order."""
    last, years = -1, {}
    for cell in block.cells:
        if len(cell) != 2:
            raise Unsupported(f"cells of {block.variables} ordered member by member")
        v, i = cell
        if i < last:
            raise Unsupported(f"{block.variables}: the graph computes a later period first")
        last = i
        years.setdefault(i, []).append(v)
    after: dict[str, set[str]] = {v: set() for v in block.variables}
    for seq in years.values():
        for a, b in zip(seq, seq[1:]):
            after[b].add(a)
    out: list[str] = []
    while len(out) < len(after):  # a topological order of "computed before" within a period
        ready = [v for v in block.variables if v not in out and after[v] <= set(out)]
        if not ready:
            raise Unsupported(f"{block.variables}: no one order within every period")
        out.append(ready[0])
    return out


def _literal(e: A.Expr) -> bool:
    """The same number in every period, reading nothing."""
    if isinstance(e, A.Number):
        return True
    if isinstance(e, A.Paren):
        return _literal(e.expr)
    if isinstance(e, A.Unary):
        return _literal(e.operand)
    if isinstance(e, A.Binary):
        return _literal(e.left) and _literal(e.right)
    if isinstance(e, A.Call) and e.func in ("if", "min", "max", "abs", "clamp"):
        return all(_literal(a) for a in e.args)
    return False


def _entries(m: A.YearMap) -> tuple[str, list[A.Expr]]:
    """interp/step's keys (as `t`, the start of the period written) as a tuple's
    source, and the values in the keys' order."""
    entries = sorted(m.entries, key=lambda en: en.years.start.t)
    keys = ", ".join(repr(float(en.years.start.t)) for en in entries)
    return f"({keys},)", [en.value for en in entries]


def _interp_of_numbers(e: A.Expr) -> bool:
    return (isinstance(e, A.Call) and e.func in ("interp", "step")
            and all(_literal(en.value) for en in e.args[0].entries))


def _number(x: float) -> str:
    if math.isnan(x):
        return "NAN"
    if math.isinf(x):
        return "INF" if x > 0 else "(-INF)"
    return repr(float(x))


class _Expr:
    """One expression as Python source, in period `at`: 'i' (a loop's index), a
    number (one period), or None with `zipped` (a comprehension over zip, where
    each list read in the same period is a loop variable)."""

    def __init__(self, program: _Program, at, zipped: dict | None = None,
                 block: frozenset[str] = frozenset()):
        self.p = program
        self.at = at
        self.zipped = zipped  # list expression -> its loop variable
        self.block = block  # the cyclic group being computed: not hoisted
        self.pre: list[str] = []  # statements computing what the expression reads once

    def code(self, e: A.Expr) -> str:
        handler = getattr(self, "_" + type(e).__name__, None)
        if handler is None:
            raise Unsupported(f"{type(e).__name__} at line {e.span.line}")
        if getattr(e, "members", ()):
            raise Unsupported(f"members at line {e.span.line}")
        return handler(e)

    # -- reads

    def index(self, offset: int = 0) -> str:
        if self.zipped is not None:
            raise _NeedIndex
        if isinstance(self.at, int):
            return str(self.at + offset)
        return "i" if offset == 0 else f"i {'+' if offset > 0 else '-'} {abs(offset)}"

    def series(self, name: str) -> str:
        """The value in this period of a list (a variable, or one computed once)."""
        if self.zipped is None:
            return f"{name}[{self.index()}]"
        if name not in self.zipped:
            self.zipped[name] = f"x{len(self.zipped)}"
        return self.zipped[name]

    def _Name(self, e: A.Name) -> str:
        return self.series(self.p.py[e.name])

    def _Shifted(self, e: A.Shifted) -> str:
        return f"{self.p.py[e.name]}[{self.index(e.offset)}]"

    def _AtYear(self, e: A.AtYear) -> str:
        return f"{self.p.py[e.name]}[{self.p.model.axis.index_of(e.period)}]"

    def _CurrentYear(self, e: A.CurrentYear) -> str:
        if isinstance(self.at, int):
            return repr(float(self.p.model.axis.t(self.at)))
        return f"T[{self.index()}]"

    # -- arithmetic

    def _Number(self, e: A.Number) -> str:
        return _number(e.value)

    def _Paren(self, e: A.Paren) -> str:
        return self.code(e.expr)

    def _Unary(self, e: A.Unary) -> str:
        x = self.code(e.operand)
        return f"(-{x})" if e.op == "-" else f"not_({x})"

    def _Binary(self, e: A.Binary) -> str:
        op = e.op
        if op in ("+", "-", "*"):
            return f"({self.code(e.left)} {op} {self.code(e.right)})"
        if op == "/":
            a, b = self.code(e.left), self.code(e.right)
            right = e.right.expr if isinstance(e.right, A.Paren) else e.right
            if isinstance(right, A.Number) and right.value != 0 and math.isfinite(right.value):
                return f"({a} / {b})"
            d = self.p.fresh("d")
            return f"({a} / {d} if ({d} := {b}) else div0({a}, {d}))"
        if op in _COMPARE:
            return f"{_COMPARE[op]}({self.code(e.left)}, {self.code(e.right)})"
        if op in ("and", "or"):
            return f"{op}_({self.code(e.left)}, {self.code(e.right)})"
        raise Unsupported(f"operator {op} at line {e.span.line}")

    # -- functions

    def _Call(self, e: A.Call) -> str:
        f, args = e.func, e.args
        if f == "if":
            return self.if_(*args)
        ranged = len(args) == 1 and isinstance(args[0], A.YearRange)
        if f in ("sum", "mean", "min", "max") and ranged:
            return self.aggregate(f, args[0])
        if f in ("min", "max"):
            xs = [self.code(a) for a in args]
            if len(xs) == 2:
                return f"{f}2({xs[0]}, {xs[1]})"
            return f"{'least' if f == 'min' else 'greatest'}(({', '.join(xs)}))"
        if f == "abs":
            return f"abs({self.code(args[0])})"
        if f == "clamp":
            x, lo, hi = (self.code(a) for a in args)
            return f"min2(max2({x}, {lo}), {hi})"
        if f in ("interp", "step"):
            keys, values = _entries(args[0])
            if all(_literal(v) for v in values):
                return self.series(self.once(self.series_call(e)))
            vs = ", ".join(self.code(v) for v in values)
            return f"{f}_at({self.t()}, {keys}, ({vs},))"
        if f == "growth":  # x / x[t-1] - 1, as the engine divides
            x = args[0]
            ratio = A.Binary("/", x, A.Shifted(x.name, -1))
            return f"({self.code(ratio)} - 1.0)"
        if f == "cumsum":
            name = args[0].name
            if name in self.block:
                raise Unsupported(f"cumsum of {name} inside its own recurrence")
            return self.series(self.once(f"running_total({self.p.py[name]})"))
        raise Unsupported(f"function {f} at line {e.span.line}")

    def if_(self, c: A.Expr, a: A.Expr, b: A.Expr) -> str:
        """`if`: NaN when the condition is NaN. On an ordered comparison, the
        opposite comparison on the else branch tells a NaN operand apart."""
        x, y = self.code(a), self.code(b)
        while isinstance(c, A.Paren):
            c = c.expr
        if isinstance(c, A.Binary) and c.op in _NEGATED:
            left, right = self.code(c.left), self.code(c.right)
            if not _SIMPLE.match(left):
                t = self.p.fresh("c")
                left, left_again = f"({t} := {left})", t
            else:
                left_again = left
            if not _SIMPLE.match(right):
                t = self.p.fresh("c")
                right, right_again = f"({t} := {right})", t
            else:
                right_again = right
            return (f"({x} if {left} {c.op} {right} else "
                    f"({y} if {left_again} {_NEGATED[c.op]} {right_again} else NAN))")
        t = self.p.fresh("c")
        return f"(({x} if {t} else {y}) if ({t} := {self.code(c)}) == {t} else NAN)"

    def aggregate(self, f: str, r: A.YearRange) -> str:
        axis = self.p.model.axis
        span = axis.clip(*axis.span_of(r.years.start, r.years.end))
        if span is None or r.members:
            raise Unsupported(f"range at line {r.span.line}")
        lo, hi = span
        cells = f"{self.p.py[r.name]}[{lo}:{hi + 1}]"
        fold = {"sum": "total", "mean": "total", "min": "least", "max": "greatest"}[f]
        code = f"{fold}({cells})"
        if f == "mean":
            code = f"({code} / {float(hi - lo + 1)!r})"
        if r.name in self.block:  # the group's own cells: read in the period's turn
            return code
        return self.once(code)

    def series_call(self, e: A.Call) -> str:
        """interp/step of numbers: the whole list, from the helper."""
        keys, values = _entries(e.args[0])
        numbers = ", ".join(_Expr(self.p, None).code(v) for v in values)
        return f"{e.func}({keys}, ({numbers},))"

    def t(self) -> str:
        return self._CurrentYear(A.CurrentYear())

    def once(self, code: str) -> str:
        """A name for `code`, computed once before the expression's statement."""
        name = self.p.fresh("s")
        self.pre.append(f"{name} = {code}")
        return name


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="bench/reference_gen.py",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("model", help="a .scn file")
    ap.add_argument("-o", "--output", metavar="OUT.py", help="the program (default: stdout)")
    args = ap.parse_args(argv)
    text = Path(args.model).read_text(encoding="utf-8")
    program = generate_reference(text, args.model)
    if args.output is None:
        sys.stdout.write(program)
    else:
        Path(args.output).write_text(program, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
