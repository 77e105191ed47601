"""Hypothesis strategies: random well-formed .scn models, and random junk.

`models()` draws a `GenModel`: the text of a model that is valid per
LANGUAGE.md (no same-year cycles, no lag outside the years, no use of an
empty cell, no two definitions of the same specificity over the same year),
its scenario names and a few `--set` override texts.

Validity is by construction:

- variables are numbered; an expression of variable i reads variables j < i
  in any year (same year, x[t+k], x[YEAR], ranges, cumsum, growth, cagr) and
  itself only through lags x[t-k];
- a definition that uses x[t-k] only wins in years >= first + k (a head
  definition x[first] = ... or x[..first+k-1] = ... covers the years before);
  x[t+k] likewise at the end;
- only "full" variables (a value in every year) are read by others; "partial"
  ones (a year map or a range that leaves years empty) are leaves.

A small share of draws add references that may break these rules on purpose
(a lag of a later variable, an absolute reference to the variable itself):
the reference evaluator decides whether such a model is valid, and the
engine must agree.

Periods (LANGUAGE-2 section 2): `models(unit="quarters")` or "months" draws
the same shapes on a sub-annual axis. Years above are then periods,
numbered absolutely (`Cal`), written as labels (`2025Q3`, `2025-07`); where
a range starts or ends on a year's boundary it is written now and then with
the year (`x[2025..2026Q2]`, a year-map key `2025:`, `sum(x[2025])`), and
interp/step keys at a year's first period as the year. Every unit also
draws yoy, ytd and ttm where they reach no period before the first, and
year(), quarter(), month().
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st

RESERVED = frozenset("model years section scenario extends t if and or not to".split())

# Names that stress the lexer: keyword prefixes, function names used as
# variables (a name followed by "(" is a call, otherwise a variable).
NAME_POOL = [
    "a", "b", "c", "x", "y", "z", "rev", "cost", "capex", "growth_rate", "share", "v1",
    "x_2", "_tmp", "T", "If", "min", "sum", "interp", "to_x", "and1", "tt", "years_x",
    "Model", "notional", "orders", "ln2", "t0", "exp", "s", "ord", "or_", "scenario1", "sectional",
    "year", "year_", "batch", "__yi", "index",  # names an engine might use for its own columns
]
SCENARIO_POOL = ["bull", "bear", "moon", "s1", "Base2", "high_case", "low", "sum"]
TITLES = ['"Faster ASIC ramp"', '"x # not a comment"', '"brace { inside"', '""', '"Ünïcode ok"']

NUMBER_TEXTS = [
    "0", "1", "2", "3", "10", "12", "100", "0.5", ".5", "1.5", "2.675", "0.25", "1e3",
    "2.5E-3", "1e-2", "1_000", "30%", "12.5%", "5k", "1.5M", "2B", "0.001T", "7", "0.1",
    "1_000.5", "45%", "0%", "99",
]
EXPONENTS = ["2", "3", "0.5", "-1", "(1/3)", "-2", "0", "1.5", "chain"]


# ---------------------------------------------------------------- expression nodes
#
# ("num", text) ("atom", text) ("bin", op, l, r) ("neg", x) ("not", x)
# ("to", a, b) ("call", name, args, multiline) ("paren", x)

PREC = {"or": 1, "and": 2, "<": 4, "<=": 4, ">": 4, ">=": 4, "==": 4, "!=": 4,
        "+": 6, "-": 6, "*": 7, "/": 7, "^": 9, "**": 9}


def _prec(node) -> int:
    kind = node[0]
    if kind == "bin":
        return PREC[node[1]]
    return {"neg": 8, "not": 3, "to": 5}.get(kind, 10)


def show(node, need: int = 0) -> str:
    """The expression as text, with the parentheses its structure needs."""
    text = _show(node)
    return f"({text})" if _prec(node) < need else text


def _show(node) -> str:
    kind = node[0]
    if kind in ("num", "atom"):
        return node[1]
    if kind == "paren":
        return f"({show(node[1])})"
    if kind == "neg":
        return "-" + show(node[1], 8)
    if kind == "not":
        return "not " + show(node[1], 3)
    if kind == "to":
        return f"{show(node[1], 6)} to {show(node[2], 6)}"
    if kind == "call":
        _, name, args, multiline = node
        sep = ",\n    " if multiline else ", "
        return f"{name}({sep.join(show(a) for a in args)})"
    op, left, right = node[1], node[2], node[3]
    spaced = node[4] if len(node) > 4 else True
    p = PREC[op]
    if op in ("^", "**"):
        return f"{show(left, 10)}{op}{show(right, 8)}"
    if p == 4:
        return f"{show(left, 5)} {op} {show(right, 5)}"
    if op in ("and", "or"):
        return f"{show(left, p)} {op} {show(right, p + 1)}"
    sep = f" {op} " if spaced else op
    return f"{show(left, p)}{sep}{show(right, p + 1)}"


@dataclass(frozen=True)
class Cal:
    """The axis of a generated model: its unit and how a period is written."""

    unit: str = "years"

    @property
    def k(self) -> int:
        return {"years": 1, "quarters": 4, "months": 12}[self.unit]

    @property
    def yearly(self) -> bool:
        return self.unit == "years"

    def label(self, p: int) -> str:
        if self.unit == "years":
            return str(p)
        if self.unit == "quarters":
            return f"{p // 4:04d}Q{p % 4 + 1}"
        return f"{p // 12:04d}-{p % 12 + 1:02d}"

    def year_start(self, p: int) -> int:
        return p - p % self.k

    def starts(self, p: int, first: int) -> list[str]:
        """Ways to write the start of a range from period p (a year when p starts
        one, or when p is the axis' first period: the year is clipped to the axis)."""
        out = [self.label(p)]
        if not self.yearly and (p % self.k == 0 or p == first):
            out.append(str(p // self.k))
        return out

    def ends(self, p: int, last: int) -> list[str]:
        out = [self.label(p)]
        if not self.yearly and (p % self.k == self.k - 1 or p == last):
            out.append(str(p // self.k))
        return out

    def whole_starts(self, p: int) -> list[str]:
        """Ways to write the start of a range a formula reads (a year only when its
        periods all lie on the axis: it starts exactly at p)."""
        return self.starts(p, -1)

    def whole_ends(self, p: int) -> list[str]:
        return self.ends(p, -1)

    def whole_years(self, first: int, last: int) -> list[int]:
        """The years all of whose periods lie in first..last."""
        if self.yearly:
            return []
        return [y for y in range(first // self.k, last // self.k + 1)
                if y * self.k >= first and y * self.k + self.k - 1 <= last]

    def year_within(self, draw, first: int, last: int) -> tuple[int, int] | None:
        """A year touching first..last, as the periods of it inside (a selector of
        one year, which a model starting or ending within it clips)."""
        if self.yearly:
            return None
        y = draw(st.integers(first // self.k, last // self.k))
        return max(first, y * self.k), min(last, y * self.k + self.k - 1)

    def key(self, p: int) -> list[str]:
        """An interp/step key at period p (a year stands at its first period)."""
        out = [self.label(p)]
        if not self.yearly and p % self.k == 0:
            out.append(str(p // self.k))
        return out


YEARLY = Cal()


@dataclass
class Ctx:
    """What an expression of one definition may read."""

    first: int
    last: int
    same: list[str]  # full variables readable in any year (earlier ones)
    self_name: str | None  # readable only through lags (or only through leads, see below)
    lag: int  # the deepest lag allowed (years the definition never wins in at the start)
    lead: int  # the farthest lead allowed (years it never wins in at the end)
    later: list[str] = field(default_factory=list)  # full variables after this one
    risky: bool = False  # allow references that may make the model invalid
    backward: bool = False  # the variable reads itself through leads x[t+k], not lags
    coupled: bool = False  # lags may read later variables: no leads, x[YEAR] or ranges then
    cal: Cal = YEARLY


def numbers():
    return st.one_of(
        st.sampled_from(NUMBER_TEXTS),
        st.integers(0, 999).map(str),
        st.tuples(st.integers(0, 99), st.integers(0, 999)).map(lambda p: f"{p[0]}.{p[1]}"),
    ).map(lambda s: ("num", s))


@st.composite
def expr(draw, ctx: Ctx, depth: int = 3):
    """A random expression reading only what `ctx` allows."""
    leaves = ["num", "num", "t"]
    self_lag = ctx.self_name if not ctx.backward else None
    if ctx.same:
        leaves += ["name"] * 4 + ["cumsum"]
        if ctx.lag:
            leaves.append("growth")
        cal = ctx.cal
        if ctx.lag >= cal.k:
            leaves.append("yoy")
        if ctx.lag >= cal.k - 1:
            leaves.append("ttm")
        if cal.year_start(ctx.first + ctx.lag) >= ctx.first:
            leaves.append("ytd")
        if not ctx.coupled:
            leaves += ["abs", "agg"]
            if ctx.last > ctx.first and cal.yearly:
                leaves.append("cagr")
            if cal.whole_years(ctx.first, ctx.last):
                leaves.append("yearagg")
    leaves.append("calendar")
    if ctx.lead and not ctx.coupled and (ctx.same or (ctx.backward and ctx.self_name)):
        leaves += ["lead", "lead"] if ctx.backward else ["lead"]
    if ctx.lag and (ctx.same or self_lag or (ctx.coupled and ctx.later)):
        leaves += ["lag", "lag"]
    if ctx.risky:
        leaves.append("risky")
    if depth <= 0 or draw(st.integers(0, 3)) == 0:
        return draw(_leaf(ctx, draw(st.sampled_from(leaves))))
    kind = draw(st.sampled_from([
        "arith", "arith", "arith", "arith", "pow", "cmp", "logic", "not", "if", "minmax",
        "clamp", "unary", "round", "dist", "to", "neg", "paren", "leaf",
    ]))
    sub = expr(ctx, depth - 1)
    if kind == "leaf":
        return draw(_leaf(ctx, draw(st.sampled_from(leaves))))
    if kind == "arith":
        op = draw(st.sampled_from(["+", "-", "*", "/"]))
        return ("bin", op, draw(sub), draw(sub), draw(st.booleans()))
    if kind == "pow":
        exp_text = draw(st.sampled_from(EXPONENTS))
        if exp_text.startswith("-"):
            e = ("neg", ("num", exp_text[1:]))
        elif exp_text.startswith("("):
            e = ("paren", ("bin", "/", ("num", "1"), ("num", "3")))
        elif exp_text == "chain":  # right-associative: 2^3^2 is 2^9
            a, b = draw(st.sampled_from([("0.5", "2"), ("2", "0.5"), ("1", "3"), ("3", "0")]))
            e = ("bin", "^", ("num", a), ("num", b))
        else:
            e = ("num", exp_text)
        return ("bin", draw(st.sampled_from(["^", "^", "**"])), draw(sub), e)
    if kind == "cmp":
        return ("bin", draw(st.sampled_from(["<", "<=", ">", ">=", "==", "!="])), draw(sub), draw(sub))
    if kind == "logic":
        return ("bin", draw(st.sampled_from(["and", "or"])), draw(sub), draw(sub))
    if kind == "not":
        return ("not", draw(sub))
    if kind == "neg":
        return ("neg", draw(sub))
    if kind == "paren":
        return ("paren", draw(sub))
    if kind == "if":
        return ("call", "if", [draw(sub), draw(sub), draw(sub)], draw(st.booleans()))
    if kind == "minmax":
        n = draw(st.integers(2, 3))
        return ("call", draw(st.sampled_from(["min", "max"])), [draw(sub) for _ in range(n)], False)
    if kind == "clamp":
        lo = draw(st.integers(-5, 50))
        hi = lo + draw(st.integers(0, 100))
        lo_node = ("neg", ("num", str(-lo))) if lo < 0 else ("num", str(lo))
        return ("call", "clamp", [draw(sub), lo_node, ("num", str(hi))], False)
    if kind == "unary":
        f = draw(st.sampled_from(["abs", "floor", "ceil", "exp", "ln", "log10", "sqrt"]))
        arg = draw(sub)
        if f == "exp" and draw(st.booleans()):  # keep most exponentials finite
            arg = ("bin", "/", arg, ("num", "1000"))
        return ("call", f, [arg], False)
    if kind == "round":
        args = [draw(sub)]
        if draw(st.booleans()):
            n = draw(st.integers(-3, 4))
            args.append(("neg", ("num", str(-n))) if n < 0 else ("num", str(n)))
        return ("call", "round", args, False)
    if kind == "dist":
        f = draw(st.sampled_from(["normal", "uniform", "triangular", "lognormal"]))
        n = 3 if f == "triangular" else 2
        args = [draw(sub) for _ in range(n)]
        if f == "lognormal":
            args = [("num", draw(st.sampled_from(["0", "0.5", "1", "2"]))),
                    ("num", draw(st.sampled_from(["0.1", "0.5", "1"])))]
        return ("call", f, args, False)
    # "to"
    return ("to", draw(sub), draw(sub))


@st.composite
def _leaf(draw, ctx: Ctx, kind: str):
    first, last = ctx.first, ctx.last
    if kind == "num":
        return draw(numbers())
    if kind == "t":
        return ("atom", "t")
    if kind == "name":
        name = draw(st.sampled_from(ctx.same))
        form = draw(st.sampled_from(["", "", "", "", "[t]", "[t-0]", "[t+0]", "[ t - 0 ]"]))
        return ("atom", name + form)
    if kind == "lead":
        names = list(ctx.same) + ([ctx.self_name] * 3 if ctx.backward and ctx.self_name else [])
        k = draw(st.integers(1, ctx.lead))
        return ("atom", f"{draw(st.sampled_from(names))}[t+{k}]")
    if kind == "lag":
        names = list(ctx.same) + ([ctx.self_name] * 3 if ctx.self_name and not ctx.backward
                                  else [])
        if ctx.coupled:
            names += ctx.later
        k = draw(st.integers(1, ctx.lag))
        sp = draw(st.sampled_from(["t-", "t - ", " t-"]))
        return ("atom", f"{draw(st.sampled_from(names))}[{sp}{k}]")
    cal = ctx.cal
    if kind == "abs":
        p = cal.label(draw(st.integers(first, last)))
        return ("atom", f"{draw(st.sampled_from(ctx.same))}[{p}]")
    if kind == "agg":
        f = draw(st.sampled_from(["sum", "mean", "min", "max"]))
        a = draw(st.integers(first, last))
        b = draw(st.integers(a, last))
        lo, hi = draw(st.sampled_from(cal.whole_starts(a))), draw(st.sampled_from(cal.whole_ends(b)))
        options = [f"{lo}..{hi}", f"{lo}..", f"..{hi}", f"{lo} .. {hi}"]
        if lo == hi and not cal.yearly:  # sum(x[2025]): a whole year on the axis
            options.append(lo)
        rng = draw(st.sampled_from(options))
        return ("atom", f"{f}({draw(st.sampled_from(ctx.same))}[{rng}])")
    if kind == "yearagg":  # sum(x[2025]): every period of a year the axis holds whole
        f = draw(st.sampled_from(["sum", "mean", "min", "max"]))
        y = draw(st.sampled_from(cal.whole_years(first, last)))
        return ("atom", f"{f}({draw(st.sampled_from(ctx.same))}[{y}])")
    if kind in ("yoy", "ytd", "ttm"):
        return ("atom", f"{kind}({draw(st.sampled_from(ctx.same))})")
    if kind == "calendar":
        return ("atom", f"{draw(st.sampled_from(['year', 'quarter', 'month']))}()")
    if kind == "cumsum":
        return ("atom", f"cumsum({draw(st.sampled_from(ctx.same))})")
    if kind == "growth":
        return ("atom", f"growth({draw(st.sampled_from(ctx.same))})")
    if kind == "cagr":
        a = draw(st.integers(first, last - 1))
        b = draw(st.integers(a + 1, last))
        if draw(st.booleans()):
            a, b = b, a
        return ("atom", f"cagr({draw(st.sampled_from(ctx.same))}, {a}, {b})")
    # risky: may create a cycle or an empty use; the reference decides validity
    pool = list(ctx.later) + list(ctx.same) + ([ctx.self_name] if ctx.self_name else [])
    if not pool:
        return ("atom", "t")
    name = draw(st.sampled_from(pool))
    if draw(st.booleans()) and last > first:
        k = draw(st.integers(1, last - first))
        return ("atom", f"{name}[t-{k}]")
    if not cal.yearly and draw(st.integers(0, 3)) == 0:  # a year or a window: maybe invalid
        return ("atom", draw(st.sampled_from([f"{name}[{first // cal.k}]", f"yoy({name})",
                                              f"ttm({name})", f"ytd({name})"])))
    return ("atom", f"{name}[{cal.label(draw(st.integers(first, last)))}]")


# ---------------------------------------------------------------- definitions


@dataclass
class Var:
    name: str
    index: int
    kind: str

    @property
    def full(self) -> bool:
        return self.kind != "partial"

    @property
    def backward(self) -> bool:
        return self.kind == "backrec"


@dataclass
class GenModel:
    text: str
    first: int
    last: int
    variables: list[str]
    scenarios: list[str]  # "base" first
    overrides: list[str]  # --set texts, valid on any scenario
    kinds: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:  # what hypothesis prints for a falsifying example
        return f"GenModel(text=\n{self.text}\n, overrides={self.overrides!r})"


class _Layer:
    """Bookkeeping for one layer: which specificities already cover which years."""

    def __init__(self):
        self.series: set[str] = set()
        self.ranged: set[str] = set()  # at most one range-ranked item per variable
        self.singles: dict[str, set[int]] = {}

    def free_single_years(self, name, years):
        used = self.singles.get(name, set())
        return [y for y in years if y not in used]


def _segments(draw, first, last, lo=None, hi=None):
    """A partition of lo..hi into consecutive runs."""
    lo = first if lo is None else lo
    hi = last if hi is None else hi
    cuts = sorted(draw(st.sets(st.integers(lo + 1, hi), max_size=3))) if hi > lo else []
    bounds = [lo, *cuts, hi + 1]
    return [(bounds[i], bounds[i + 1] - 1) for i in range(len(bounds) - 1)]


def _key_text(draw, a, b, first, last, cal: Cal = YEARLY, single: bool = True):
    """A year-map key (or, not `single`, a range-ranked selector) covering periods
    a..b: a range, a single period, open ends at the axis' ends, a year where
    one starts or ends."""
    lo = draw(st.sampled_from(cal.starts(a, first)))
    hi = draw(st.sampled_from(cal.ends(b, last)))
    options = [f"{lo}..{hi}"]
    if a == b and single:
        options += [cal.label(a), cal.label(a)]
    if lo == hi and not cal.yearly:  # one whole year (clipped to the axis)
        options.append(lo)
    if a == first:
        options.append(f"..{hi}")
    if b == last:
        options.append(f"{lo}..")
    return draw(st.sampled_from(options))


@st.composite
def _year_map(draw, ctx_for, first, last, segments, cal: Cal = YEARLY):
    """`{KEY: value, ...}` text over the given segments (shuffled, maybe multi-line)."""
    entries = []
    for a, b in segments:
        key = _key_text(draw, a, b, first, last, cal)
        entries.append(f"{key}: {show(draw(expr(ctx_for(a, b), 2)))}")
    entries = draw(st.permutations(entries))
    sep = draw(st.sampled_from([", ", ", ", ",\n    "]))
    trail = draw(st.sampled_from(["", "", ","]))
    return "{" + sep.join(entries) + trail + "}"


@st.composite
def _definitions(draw, var: Var, vars_: list[Var], first, last, layer: _Layer, form: str,
                 risky: bool, coupled: bool = False, cal: Cal = YEARLY):
    """(target, rhs) pairs defining `var` in one layer, in the given form."""
    same = [v.name for v in vars_[:var.index] if v.full]
    later = [v.name for v in vars_[var.index + 1:] if v.full]
    name = var.name
    L = cal.label

    def ctx(lo, hi, self_ok=True):
        return Ctx(first, last, same, name if self_ok and var.full else None, lo - first,
                   last - hi, later, risky, var.backward, coupled, cal)

    def e(lo, hi, depth=3, self_ok=True):
        return show(draw(expr(ctx(lo, hi, self_ok), depth)))

    out: list[tuple[str, str]] = []
    n_years = last - first + 1
    if form == "const":
        layer.series.add(name)
        out.append(("", show(draw(numbers()))))
    elif form == "formula":
        layer.series.add(name)
        out.append(("", e(first, last, self_ok=False)))
    elif form == "map":
        layer.ranged.add(name)
        segs = _segments(draw, first, last)
        out.append(("", draw(_year_map(lambda a, b: ctx(a, b), first, last, segs, cal))))
    elif form in ("interp", "step"):
        layer.series.add(name)
        keys = sorted(draw(st.sets(st.integers(first - 3 * cal.k, last + 3 * cal.k),
                                   min_size=1, max_size=4)))
        keys = [draw(st.sampled_from(cal.key(k))) for k in draw(st.permutations(keys))]
        vals = [show(draw(expr(ctx(first, last, self_ok=False), 1))) for _ in keys]
        body = ", ".join(f"{k}: {v}" for k, v in zip(keys, vals))
        out.append(("", f"{form}({{{body}}})"))
    elif form == "recur":
        depth = draw(st.integers(1, min(max(2, cal.k), n_years - 1)))
        head_last = first + depth - 1
        if draw(st.booleans()):
            layer.ranged.add(name)
            target = draw(st.sampled_from([f"[..{L(head_last)}]",
                                           f"[{L(first)}..{L(head_last)}]"]))
            out.append((target, e(first, head_last, 2, self_ok=False)))
        else:
            for y in range(first, head_last + 1):
                layer.singles.setdefault(name, set()).add(y)
                out.append((f"[{L(y)}]", e(y, y, 2)))
        layer.series.add(name)
        k = draw(st.integers(1, depth))
        step_ = draw(expr(ctx(head_last + 1, last), 2))
        lag = ("atom", f"{name}[t-{k}]")
        body = draw(st.sampled_from([
            ("bin", "*", lag, ("paren", ("bin", "+", ("num", "1"), step_))),
            ("bin", "+", lag, step_),
            ("bin", "-", step_, ("bin", "/", lag, ("num", "2"))),
            None,
        ]))
        out.append(("", show(body) if body else e(head_last + 1, last, 3)))
    elif form == "backrec":  # x[last] = ...; x = x[t+1] * ...: computed from the end
        depth = draw(st.integers(1, min(2, n_years - 1)))
        tail_first = last - depth + 1
        if draw(st.booleans()):
            layer.ranged.add(name)
            target = draw(st.sampled_from([f"[{L(tail_first)}..]",
                                           f"[{L(tail_first)}..{L(last)}]"]))
            out.append((target, e(tail_first, last, 2, self_ok=False)))
        else:
            for y in range(tail_first, last + 1):
                layer.singles.setdefault(name, set()).add(y)
                out.append((f"[{L(y)}]", e(y, y, 2)))
        layer.series.add(name)
        k = draw(st.integers(1, depth))
        step_ = draw(expr(ctx(first, tail_first - 1), 2))
        lead = ("atom", f"{name}[t+{k}]")
        body = draw(st.sampled_from([
            ("bin", "/", lead, ("paren", ("bin", "+", ("num", "1"), step_))),
            ("bin", "-", lead, step_),
            None,
        ]))
        out.append(("", show(body) if body else e(first, tail_first - 1, 3)))
    elif form == "growth":  # a head, then growth (or yoy, ttm, ytd) from where it may start
        src = draw(st.sampled_from(same))
        starts = {1, cal.k - 1, cal.k, cal.year_start(first) + cal.k - first}
        s = draw(st.sampled_from(sorted(x for x in starts if 1 <= x <= n_years - 1)))
        if s == 1 and draw(st.booleans()):
            layer.singles.setdefault(name, set()).add(first)
            out.append((f"[{L(first)}]", e(first, first, 2)))
        else:
            layer.series.add(name)
            out.append(("", e(first, first, 2, self_ok=False)))
        layer.ranged.add(name)
        windows = [f"growth({src})", f"growth({src}) * 100"]
        windows += [f"yoy({src})"] * (s >= cal.k) + [f"ttm({src})"] * (s >= cal.k - 1)
        windows += [f"ytd({src})"] * (cal.year_start(first + s) >= first)
        rhs = draw(st.sampled_from(windows + [e(first + s, last, 2)]))
        out.append((f"[{L(first + s)}..]", rhs))
    elif form == "partial":
        years = list(range(first, last + 1))
        lo = draw(st.integers(first, last))
        hi = draw(st.integers(lo, last))
        if (lo, hi) == (first, last):  # leave at least one year empty
            if draw(st.booleans()):
                lo += 1
            else:
                hi -= 1
        how = draw(st.sampled_from(["map", "range", "single"]))
        if how == "map":
            layer.ranged.add(name)
            segs = _segments(draw, first, last, lo, hi)
            segs = [s for s in segs if draw(st.booleans())] or segs[:1]
            out.append(("", draw(_year_map(lambda a, b: ctx(a, b), first, last, segs, cal))))
        elif how == "range":
            layer.ranged.add(name)
            target = f"[{_key_text(draw, lo, hi, first, last, cal, single=False)}]"
            out.append((target, e(lo, hi, 2)))
        else:
            free = layer.free_single_years(name, years)
            y = draw(st.sampled_from(free))
            layer.singles.setdefault(name, set()).add(y)
            out.append((f"[{L(y)}]", e(y, y, 2)))
    elif form == "single":
        free = layer.free_single_years(name, range(first, last + 1))
        if free:
            y = draw(st.sampled_from(free))
            layer.singles.setdefault(name, set()).add(y)
            out.append((f"[{L(y)}]", e(y, y, 2)))
    elif form == "range":
        if name not in layer.ranged:
            layer.ranged.add(name)
            a = draw(st.integers(first, last))
            b = draw(st.integers(a, last))
            whole = cal.year_within(draw, first, last)
            if whole is not None and draw(st.booleans()):  # x[2025] = ...: its periods
                a, b = whole
            target = f"[{_key_text(draw, a, b, first, last, cal, single=False)}]"
            out.append((target, e(a, b, 2)))
    elif form == "submap":
        if name not in layer.ranged:
            layer.ranged.add(name)
            segs = [s for s in _segments(draw, first, last) if draw(st.booleans())]
            if segs:
                out.append(("", draw(_year_map(lambda a, b: ctx(a, b), first, last, segs,
                                               cal))))
    else:
        raise AssertionError(form)
    return out


def _statement(name, target, rhs, draw) -> str:
    eq = draw(st.sampled_from([" = ", " = ", "=", "  =  "]))
    comment = draw(st.sampled_from(["", "", "", "  # note", "  # x = 1"]))
    return f"{name}{target}{eq}{rhs}{comment}"


DIM_POOL = ["company", "speed", "region"]
MEMBER_POOL = ["goog", "meta", "msft", "g400", "g800", "na", "eu", "m_1", "T2"]


@st.composite
def _dims_text(draw, first: int, last: int, cal: Cal = YEARLY):
    """Dims syntax (LANGUAGE-2 section 1) for `models(dims=True)`: the `dim` lines and
    the statements that use them (member subscripts, member maps, selections, dim
    aggregates), as written by hand: odd spacing, multi-line braces, comments.
    Syntactically valid; the engine evaluates none of it yet."""
    n_dims = draw(st.integers(1, 2))
    dims = draw(st.lists(st.sampled_from(DIM_POOL), min_size=n_dims, max_size=n_dims,
                         unique=True))
    pool = draw(st.permutations(MEMBER_POOL))
    members = {d: pool[3 * k:3 * k + draw(st.integers(1, 3))] for k, d in enumerate(dims)}
    head = []
    for d, ms in members.items():
        if draw(st.booleans()):
            head.append(f"dim {d} = {{{draw(st.sampled_from([', ', ',', ' , '])).join(ms)}}}"
                        + draw(st.sampled_from(["", "  # the list"])))
        else:
            body = [f"  {m}," + draw(st.sampled_from(["", "  # one"])) for m in ms]
            if draw(st.booleans()):
                body[-1] = body[-1].replace(",", "", 1)
            head.append("\n".join([f"dim {d} = {{", *body, "}"]))
    num = st.sampled_from(["1", "2.5B", "30%", "0", "7"])
    year = st.integers(first, last).map(cal.label)
    statements, later = [], []
    for k in range(draw(st.integers(1, 4))):
        d = draw(st.sampled_from(dims))
        m = draw(st.sampled_from(members[d]))
        y = draw(year)
        form = draw(st.sampled_from(["member", "cell", "range", "map", "mapyear", "multimap"]))
        sep = draw(st.sampled_from([", ", ",", " ,  "]))
        if form == "member":
            statements.append(f"dv{k}[{m}] = {draw(num)}")
        elif form == "cell":
            sub = [m, str(y)] if draw(st.booleans()) else [str(y), m]
            statements.append(f"dv{k}[{sep.join(sub)}] = {draw(num)}")
        elif form == "range":
            statements.append(f"dv{k}[{y}..{sep}{m}] = {draw(num)}")
        elif form in ("map", "mapyear"):
            target = f"[{y}]" if form == "mapyear" else ""
            entries = sep.join(f"{x}: {draw(num)}" for x in members[d])
            statements.append(f"dv{k}{target} = {{{entries}}}")
        else:
            lines = [f"    {x}: {draw(num)}," + draw(st.sampled_from(["", "  # note"]))
                     for x in members[d]]
            statements.append("\n".join([f"dv{k} = {{", *lines, "}"]))
        reads = [f"dv{k}[{m}]", f"dv{k}[{m}{sep}t-1]", f"dv{k}[t+1{sep}{m}]",
                 f"dv{k}[{m}, {y}]",
                 f"sum(dv{k}[{m}{sep}{cal.label(first)}..{cal.label(last)}])",
                 f"sum(dv{k}, {d})", f"mean(dv{k}[ {m} ], {d})"]
        picked = draw(st.lists(st.sampled_from(reads), min_size=1, max_size=3))
        statements.append(f"rd{k} = " + draw(st.sampled_from([" + ", "*", " / "])).join(picked))
        # per member and per cell, for a scenario block or --set
        later.append(draw(st.sampled_from([f"dv{k}[{m}] = {draw(num)}",
                                           f"dv{k}[{m}, {y}] = {draw(num)}",
                                           f"dv{k} = {{{m}: {draw(num)}}}"])))
    return head, statements, later


@st.composite
def models(draw, max_vars: int = 8, max_years: int = 7, max_scenarios: int = 2,
           risky: bool = True, dims: bool = False, unit: str = "years"):
    """A random well-formed model (see the module docstring); with `dims`, one that
    also declares dims and uses every dims form (valid syntax, which the engine
    refuses with one error until it evaluates dims). `unit` is the axis: years,
    quarters or months (then `max_years` counts periods, and `first` and `last`
    of the GenModel are absolute period numbers)."""
    cal = Cal(unit)
    n_years = draw(st.integers(1, min(4, max_years)) | st.integers(1, max_years))
    if cal.yearly:
        first = draw(st.sampled_from([2020, 2024, 1999, 2100, 3]))
    else:  # a year's start, or any period of it
        year0 = draw(st.sampled_from([2024, 2025, 1999]))
        first = year0 * cal.k + draw(st.sampled_from([0, 0, 1, cal.k - 1]))
    last = first + n_years - 1
    n_vars = draw(st.integers(1, max_vars))
    names = draw(st.lists(st.sampled_from(NAME_POOL), min_size=n_vars, max_size=n_vars,
                          unique=True))
    vars_: list[Var] = []
    for i, name in enumerate(names):
        kinds = ["const", "formula", "formula", "formula", "map", "interp", "step"]
        if n_years >= 2:
            kinds += ["recur", "recur", "backrec", "partial"]
            if any(v.full for v in vars_):
                kinds.append("growth")
        vars_.append(Var(name, i, draw(st.sampled_from(kinds))))
    is_risky = risky and draw(st.integers(0, 9)) == 0
    coupled = draw(st.integers(0, 3)) == 0
    if coupled:  # lags of later variables: variables feed each other through time
        for v in vars_:
            if v.kind == "backrec":
                v.kind = "recur"

    # base definitions
    base = _Layer()
    statements: list[str] = []
    for v in vars_:
        defs = draw(_definitions(v, vars_, first, last, base, v.kind, is_risky, coupled, cal))
        if v.full and draw(st.integers(0, 3)) == 0:
            defs += draw(_definitions(v, vars_, first, last, base, "single", is_risky, coupled,
                                      cal))
        for target, rhs in defs:
            doc = draw(st.sampled_from(["", "", "", f"## about {v.name}\n"]))
            statements.append(doc + _statement(v.name, target, rhs, draw))
    dim_lines: list[str] = []
    dim_layers: list[str] = []  # per-member definitions for a scenario and --set
    if dims:
        dim_lines, more, dim_layers = draw(_dims_text(first, last, cal))
        statements += more
    statements = draw(st.permutations(statements))  # order never changes a value
    lines: list[str] = []
    if draw(st.booleans()):
        lines.append("# generated model")
    if draw(st.booleans()):
        lines.append(f"model {draw(st.sampled_from(TITLES))}")
    a, b = cal.label(first), cal.label(last)
    lines.append(draw(st.sampled_from([f"{unit} {a}..{b}", f"{unit} {a} .. {b}"])))
    lines.extend(dim_lines)
    for s in statements:
        if draw(st.integers(0, 5)) == 0:
            lines.append(f'section "{draw(st.sampled_from(["Inputs", "Costs", "Out #1"]))}"')
        if draw(st.integers(0, 5)) == 0:
            lines.append("")
        lines.append(s)

    # scenario blocks
    scenario_names = draw(st.lists(st.sampled_from(SCENARIO_POOL), max_size=max_scenarios,
                                   unique=True))
    for si, sname in enumerate(scenario_names):
        parent = None
        if si > 0 and draw(st.booleans()):
            parent = draw(st.sampled_from(scenario_names[:si]))
        header = f"scenario {sname}"
        if parent:
            header += f" extends {parent}"
        if draw(st.booleans()):
            header += " " + draw(st.sampled_from(TITLES))
        lines.append(header + " {")
        layer = _Layer()
        chosen = draw(st.lists(st.sampled_from(vars_), min_size=1, max_size=3,
                               unique_by=lambda v: v.name))
        body: list[str] = []
        for v in chosen:
            forms = ["const", "formula", "single", "single", "range", "submap", "interp"]
            if n_years >= 2 and v.full:
                forms.append("backrec" if v.backward else "recur")
            for form in draw(st.lists(st.sampled_from(forms), min_size=1, max_size=2)):
                if form in ("const", "formula", "interp", "recur", "backrec") \
                        and v.name in layer.series:
                    continue
                if form in ("recur", "backrec") and (v.name in layer.ranged
                                                     or v.name in layer.singles):
                    continue
                for target, rhs in draw(_definitions(v, vars_, first, last, layer, form,
                                                     is_risky, coupled, cal)):
                    indent = draw(st.sampled_from(["  ", "", "\t"]))
                    body.append(indent + _statement(v.name, target, rhs, draw))
        if dim_layers and draw(st.booleans()):
            body.append("  " + draw(st.sampled_from(dim_layers)))
        lines.extend(draw(st.permutations(body)))
        lines.append(draw(st.sampled_from(["}", "  }"])))

    # --set overrides: at most one definition per variable
    overrides: list[str] = []
    for v in draw(st.lists(st.sampled_from(vars_), max_size=2, unique_by=lambda v: v.name)):
        layer = _Layer()
        form = draw(st.sampled_from(["const", "single", "range", "formula"]))
        if form == "range":
            a = draw(st.integers(first, last))
            b = draw(st.integers(a, last))
            same = [w.name for w in vars_[:v.index] if w.full]
            rhs = show(draw(expr(Ctx(first, last, same, None, a - first, last - b,
                                     coupled=coupled, cal=cal), 2)))
            overrides.append(f"{v.name}[{cal.label(a)}..{cal.label(b)}] = {rhs}")
        else:
            for target, rhs in draw(_definitions(v, vars_, first, last, layer, form, False,
                                                 coupled, cal)):
                overrides.append(f"{v.name}{target} = {rhs}".replace("\n", " "))

    if dim_layers and draw(st.booleans()):
        overrides.append(draw(st.sampled_from(dim_layers)))
    text = "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))
    if draw(st.integers(0, 9)) == 0:
        text = text.replace("\n", "\r\n")
    return GenModel(text, first, last, [v.name for v in vars_], ["base", *scenario_names],
                    overrides, {v.name: v.kind for v in vars_})


# ---------------------------------------------------------------- junk

TOKENS = [
    "years", "2020..2023", "2020", "..", "model", '"T"', "section", "scenario", "extends",
    "{", "}", "(", ")", "[", "]", "=", "==", "<=", "<", "+", "-", "*", "/", "^", "**", ",",
    ":", "x", "y", "t", "t-1", "if", "and", "or", "not", "to", "sum", "interp", "cumsum",
    "growth", "cagr", "round", "5m", "5K", "30%", "1e9", "1_000", ".5", "#", "##", "\n",
    "\n", "\n", "x =", "y[2021] =", "x[t-1]", "x[2020..]", "%", "@", "\t", '"', "base",
    "__import__", "1e999", "0/0", "dim", "dim x = {", "goog", "x[goog]", "{goog: 1}",
    "x[goog, t-1]", "quarters 2020Q1..2021Q2", "months 2020-01..2020-12", "x[2020Q2]",
    "2020Q5", "2020-07", "2020-13", "x[2020-07..]", "ytd(x)", "ttm(x)", "yoy(x)", "quarter()",
    "{2020: 1, 2020Q3: 2}", "sum(x[2020])",
]


def junk_text():
    """Printable junk, token soup, and lightly mutated valid models."""
    soup = st.lists(st.sampled_from(TOKENS), max_size=40).map(
        lambda ts: " ".join(ts).replace(" \n ", "\n"))
    printable = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200)
    mutated = st.builds(lambda gm, ops: mutate(gm.text, ops),
                        models(max_vars=4, max_years=4), st.lists(mutation(), min_size=1, max_size=4))
    return st.one_of(printable, soup, mutated, mutated)


def mutation():
    return st.tuples(st.sampled_from(["delete", "duplicate", "insert", "drop_line", "dup_line"]),
                     st.floats(0, 1, exclude_max=True),
                     st.sampled_from(list("(){}[]=:,.#\"%-+*/^ \n\tx1t_")))


def mutate(text: str, ops) -> str:
    for op, where, ch in ops:
        if op in ("drop_line", "dup_line"):
            lines = text.split("\n")
            i = int(where * len(lines))
            if op == "drop_line":
                del lines[i]
            else:
                lines.insert(i, lines[i])
            text = "\n".join(lines)
            continue
        if not text:
            text = ch
            continue
        i = int(where * len(text))
        if op == "delete":
            text = text[:i] + text[i + 1:]
        elif op == "duplicate":
            text = text[:i] + text[i] + text[i:]
        else:
            text = text[:i] + ch + text[i:]
    return text
