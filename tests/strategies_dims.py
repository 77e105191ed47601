"""Hypothesis strategy: random dimensioned models (LANGUAGE-2.md section 1) that
are valid by construction most of the time, for comparing the engine with the
reference evaluator cell by cell.

`dim_models()` draws a `GenModel` (tests/strategies.py) over one or two dims
of one to three members. Validity by construction:

- variable i reads only full variables j < i (a value in every cell), in any
  form: plain (same members; a dim the reader lacks is broadcast), with a
  selection `y[goog]`, `y[goog, g800]`, with `t-k` (only in a recurrence's body,
  which wins from year first + k), `y[goog, YEAR]`, range aggregates
  `sum(y[goog, A..B])`, time functions (`cumsum`, `growth` in a body, `cagr`)
  and dim aggregates `sum(y[g800], company)`, mean, min, max;
- a variable's dims are tracked as the engine must infer them (union of its
  left-hand members, member-map keys and what it reads, less what selections
  and aggregates remove), so every selection names a dim the variable has;
- more specific definitions of one variable form a chain on the axes (whole
  series < one member < one member in one year), and a year-specific
  definition `x[2025]` next to one-member definitions `x[goog]` comes with the
  cells `x[goog, 2025]` that settle them;
- a scenario redefines one or two variables once each (per member, per cell,
  per year, a member map, a year-specific member map), reading only earlier
  variables, within the dims the variable has (rarely adding one: allowed);
- `--set` overrides: at most one per variable, per member or per cell;
- partial variables (members or years left empty) are read by nobody.

A small share of draws add a definition that may break these rules (an
ambiguous pair, a read of an empty member, a selection of a dim the variable
lacks, `sum(x)` of a dimensioned x, a same-year read of a later variable): the
reference decides, and the engine must agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st

from strategies import NAME_POOL, YEARLY, Cal, GenModel

DIM_POOL = ["company", "speed", "region"]
MEMBER_POOL = ["goog", "meta", "msft", "g400", "g800", "na", "eu", "m_1", "T2"]
NUMS = ["0", "1", "2", "3", "0.5", "1.5", "10", "25%", "60%", "2.5B", "7", "100", "1e3", "12.5%"]


@dataclass
class Gen:
    first: int
    last: int
    dims: dict[str, list[str]]  # declaration order
    sig: dict[str, set[str]] = field(default_factory=dict)  # variables generated so far
    full: list[str] = field(default_factory=list)  # readable variables, in order
    risky: bool = False
    recur: dict[str, int] = field(default_factory=dict)  # recurrences: years their head covers
    cal: Cal = YEARLY  # the axis: years are periods, written as its labels

    def L(self, p: int) -> str:
        return self.cal.label(p)

    def dim_of(self, member: str) -> str:
        return next(d for d, ms in self.dims.items() if member in ms)


def _subscript(draw, parts: list[str]) -> str:
    """`[a, b]` in any order (the contract allows any), odd spacing now and then."""
    if not parts:
        return ""
    parts = draw(st.permutations(parts))
    sep = draw(st.sampled_from([", ", ", ", ",", " , "]))
    return "[" + sep.join(parts) + "]"


@st.composite
def _selection(draw, g: Gen, var: str, avoid: frozenset = frozenset()):
    """Members selecting some of var's dims: (texts, the dims they remove)."""
    dims = [d for d in g.dims if d in g.sig[var] and d not in avoid]
    chosen = [d for d in dims if draw(st.integers(0, 2)) == 0]
    return [draw(st.sampled_from(g.dims[d])) for d in chosen], set(chosen)


@st.composite
def _ref(draw, g: Gen, reads: list[str], lag: int):
    """A read of an earlier full variable: (text, dims it brings)."""
    y = draw(st.sampled_from(reads))
    dims = g.sig[y]
    kinds = ["plain", "plain", "plain", "sel", "sel", "at", "range", "cumsum", "dimagg",
             "dimagg"] + (["cagr"] if g.cal.yearly else [])
    if lag:
        kinds += ["lag", "lag", "growth"]
    if lag >= g.cal.k:
        kinds += ["yoy", "ttm"]
    kind = draw(st.sampled_from(kinds))
    if kind == "dimagg" and not dims:
        kind = "plain"
    if kind == "plain":
        return y, set(dims)
    members, removed = draw(_selection(g, y))
    if kind in ("sel", "lag", "at", "range"):
        time = []
        if kind == "lag":
            time = [f"t-{draw(st.integers(1, lag))}"]
        elif kind == "at":
            time = [g.L(draw(st.integers(g.first, g.last)))]
        elif kind == "range":
            a = draw(st.integers(g.first, g.last))
            b = draw(st.integers(a, g.last))
            lo = draw(st.sampled_from(g.cal.whole_starts(a)))
            hi = draw(st.sampled_from(g.cal.whole_ends(b)))
            time = [draw(st.sampled_from([f"{lo}..{hi}", f"{lo}..", f"..{hi}"]
                                         + ([lo] if lo == hi and not g.cal.yearly else [])))]
        text = y + _subscript(draw, members + time)
        if kind == "range":
            text = f"{draw(st.sampled_from(['sum', 'mean', 'min', 'max']))}({text})"
        return text, dims - removed
    if kind == "cumsum":
        return f"cumsum({y})", set(dims)
    if kind in ("growth", "yoy", "ttm"):
        return f"{kind}({y})", set(dims)
    if kind == "cagr":
        if g.last == g.first:
            return y, set(dims)
        a = draw(st.integers(g.first, g.last - 1))
        b = draw(st.integers(a + 1, g.last))
        return f"cagr({y}, {a}, {b})", set(dims)
    # a dim aggregate, maybe with a selection on the other dims
    over = draw(st.sampled_from(sorted(dims)))
    members, removed = draw(_selection(g, y, frozenset({over})))
    f = draw(st.sampled_from(["sum", "sum", "mean", "min", "max"]))
    return f"{f}({y}{_subscript(draw, members)}, {over})", dims - removed - {over}


@st.composite
def dexpr(draw, g: Gen, reads: list[str], depth: int = 2, lag: int = 0):
    """(text, dims it brings) of an expression reading `reads` (full, earlier)."""
    if depth <= 0 or draw(st.integers(0, 2)) == 0:
        leaf = draw(st.sampled_from(["num", "num", "t"] + ["ref"] * (4 if reads else 0)))
        if leaf == "num":
            return draw(st.sampled_from(NUMS)), set()
        if leaf == "t":
            return f"(t - {g.first // g.cal.k})", set()
        return draw(_ref(g, reads, lag))
    sub = dexpr(g, reads, depth - 1, lag)
    (a, da), (b, db) = draw(sub), draw(sub)
    kind = draw(st.sampled_from(["+", "-", "*", "*", "/", "minmax", "if", "neg", "abs"]))
    if kind in "+-*/":
        return f"({a} {kind} {b})", da | db
    if kind == "minmax":
        return f"{draw(st.sampled_from(['min', 'max']))}({a}, {b})", da | db
    if kind == "if":
        (c, dc) = draw(sub)
        return f"if({c} > {b}, {a}, {b})", da | db | dc
    if kind == "neg":
        return f"-{a}", da
    return f"abs({a})", da


# ---------------------------------------------------------------- one variable


@st.composite
def _extras(draw, g: Gen, name: str, dims: set[str], reads, map_dim: str | None):
    """More specific definitions on top of a whole-series one, without ambiguity:
    members of one dim, years, and the cells where they cross."""
    out: list[tuple[str, str, set[str]]] = []  # (lhs, rhs, dims)
    years = sorted(draw(st.sets(st.integers(g.first, g.last), max_size=2)))
    d = map_dim or draw(st.sampled_from(list(g.dims)))
    members = [] if map_dim else sorted(draw(st.sets(st.sampled_from(g.dims[d]), max_size=2)))
    if map_dim:  # a year alone would tie with the map's entries: only cells
        cells = [(m, y) for m in g.dims[d] for y in years if draw(st.booleans())]
        years = []
    else:
        cells = [(m, y) for m in members for y in years]
    for m in members:
        e, de = draw(dexpr(g, reads, 1))
        out.append((name + _subscript(draw, [m]), e, de | {d}))
    for y in years:
        e, de = draw(dexpr(g, reads, 1))
        out.append((f"{name}[{g.L(y)}]", e, de))
    for m, y in cells:
        e, de = draw(dexpr(g, reads, 1))
        out.append((name + _subscript(draw, [m, g.L(y)]), e, de | {d}))
    others = [x for x in g.dims if x != d]
    if not years and not cells and g.last > g.first and draw(st.integers(0, 2)) == 0:
        # a member from a year on (range rank, one member), or its own year map
        m = draw(st.sampled_from(g.dims[d]))
        y = draw(st.integers(g.first + 1, g.last))
        if draw(st.booleans()):
            e, de = draw(dexpr(g, reads, 1))
            out.append((name + _subscript(draw, [m, f"{g.L(y)}.."]), e, de | {d}))
        elif map_dim is None and m not in members:
            ymap, de = _year_map(draw, g, reads, y)
            out.append((name + _subscript(draw, [m]), ymap, de | {d}))
        others = []
    if others and not years and not cells and draw(st.booleans()):  # a second dim: x[g800]
        d2 = others[0]
        members2 = sorted(draw(st.sets(st.sampled_from(g.dims[d2]), min_size=1, max_size=2)))
        # x[goog] and x[g800] tie at x[goog, g800] (each wins on one axis): define it
        firsts = g.dims[d] if map_dim else members
        for m2 in members2:
            e, de = draw(dexpr(g, reads, 1))
            out.append((name + _subscript(draw, [m2]), e, de | {d2}))
            for m in firsts:
                e, de = draw(dexpr(g, reads, 1))
                out.append((name + _subscript(draw, [m, m2]), e, de | {d, d2}))
    if g.risky and draw(st.integers(0, 2)) == 0 and out:  # drop a settling cell, maybe
        out.pop(draw(st.integers(0, len(out) - 1)))
    return out


def _year_map(draw, g: Gen, reads, cut: int):
    """`{..cut-1: e, cut..: e}` (keys written in one of the ways a year map allows)."""
    (a, da), (b, db) = draw(dexpr(g, reads, 1)), draw(dexpr(g, reads, 1))
    L = g.L
    lo = draw(st.sampled_from([f"..{L(cut - 1)}", f"{L(g.first)}..{L(cut - 1)}"]
                              + ([L(g.first)] if cut - 1 == g.first else [])))
    hi = draw(st.sampled_from([f"{L(cut)}..", f"{L(cut)}..{L(g.last)}"]
                              + ([L(cut)] if cut == g.last else [])))
    entries = draw(st.permutations([f"{lo}: {a}", f"{hi}: {b}"]))
    return "{" + ", ".join(entries) + "}", da | db


def _member_map(draw, g: Gen, d: str, reads, members=None, depth=1):
    members = members or g.dims[d]
    entries, dims = [], {d}
    for m in draw(st.permutations(members)):
        e, de = draw(dexpr(g, reads, depth))
        entries.append(f"{m}: {e}")
        dims |= de
    sep = draw(st.sampled_from([", ", ",\n    "]))
    return "{" + sep.join(entries) + "}", dims


@st.composite
def _variable(draw, g: Gen, name: str, kind: str):
    """The base definitions of one variable: [(lhs, rhs)], its dims, is it full."""
    reads = list(g.full)
    defs: list[tuple[str, str, set[str]]] = []
    full = True
    if kind in ("const", "formula"):
        e, de = (draw(st.sampled_from(NUMS)), set()) if kind == "const" else draw(dexpr(g, reads))
        defs.append((name, e, de))
        if draw(st.booleans()):
            defs += draw(_extras(g, name, de, reads, None))
    elif kind == "map":
        d = draw(st.sampled_from(list(g.dims)))
        rhs, dm = _member_map(draw, g, d, reads)
        defs.append((name, rhs, dm))
        if draw(st.booleans()):
            defs += draw(_extras(g, name, dm, reads, d))
    elif kind == "yearmap":  # {..2024: e, 2025..: e}: a year map reading dimensioned cells
        rhs, dm = _year_map(draw, g, reads, draw(st.integers(g.first + 1, g.last)))
        defs.append((name, rhs, dm))
    elif kind in ("interp", "step"):  # per member: the values read dimensioned cells
        keys = sorted(draw(st.sets(st.integers(g.first - 1, g.last + 1), min_size=1, max_size=3)))
        vals = [draw(dexpr(g, reads, 1)) for _ in keys]
        body = ", ".join(f"{draw(st.sampled_from(g.cal.key(k)))}: {v}"
                         for k, (v, _) in zip(keys, vals))
        defs.append((name, f"{kind}({{{body}}})", set().union(*(dv for _, dv in vals))))
    elif kind == "recur":
        depth = draw(st.integers(1, min(max(2, g.cal.k), g.last - g.first)))
        g.recur[name] = depth
        head_last = g.first + depth - 1
        if draw(st.booleans()):
            d = draw(st.sampled_from(list(g.dims)))
            for y in range(g.first, head_last + 1):
                rhs, dm = _member_map(draw, g, d, reads)
                defs.append((f"{name}[{g.L(y)}]", rhs, dm))
        else:
            e, de = draw(dexpr(g, reads, 1))
            defs.append((f"{name}[..{g.L(head_last)}]" if depth > 1 else
                         f"{name}[{g.L(g.first)}]", e, de))
        step, ds = draw(dexpr(g, reads, 2, lag=depth))
        k = draw(st.integers(1, depth))
        own = f"{name}[t-{k}]"
        sig_so_far = set().union(*(x[2] for x in defs)) | ds
        if sig_so_far and draw(st.integers(0, 3)) == 0:  # read another member's past
            d = draw(st.sampled_from(sorted(sig_so_far)))
            own = name + _subscript(draw, [draw(st.sampled_from(g.dims[d])), f"t-{k}"])
        body = draw(st.sampled_from([f"{own} * (1 + {step})", f"{own} + {step}",
                                     f"{step} - {own} / 2"]))
        defs.append((name, body, ds))
    elif kind == "crossmember":  # x[m0] = e; x = f(x[m0]): cells, not variables, make cycles
        d = draw(st.sampled_from(list(g.dims)))
        m0 = draw(st.sampled_from(g.dims[d]))
        e, de = draw(dexpr(g, reads, 1))
        defs.append((f"{name}[{m0}]", e, de | {d}))
        e2, de2 = draw(dexpr(g, reads, 1))
        defs.append((name, f"1 - {name}[{m0}] * {e2}", de2))
    elif kind == "partial":
        full = False
        d = draw(st.sampled_from(list(g.dims)))
        ms = g.dims[d]
        how = draw(st.sampled_from(["map", "member", "range"]))
        if how == "map" and len(ms) > 1:
            some = draw(st.lists(st.sampled_from(ms), min_size=1, max_size=len(ms) - 1,
                                 unique=True))
            rhs, dm = _member_map(draw, g, d, reads, some)
            defs.append((name, rhs, dm))
        elif how == "member" or g.last == g.first:
            e, de = draw(dexpr(g, reads, 1))
            defs.append((name + _subscript(draw, [draw(st.sampled_from(ms))]), e, de | {d}))
        else:
            y = draw(st.integers(g.first + 1, g.last))
            e, de = draw(dexpr(g, reads, 1))
            defs.append((name + _subscript(draw, [f"{g.L(y)}..", draw(st.sampled_from(ms))]), e,
                         de | {d}))
    else:
        raise AssertionError(kind)
    sig = set().union(*(x[2] for x in defs))
    return [(lhs, rhs) for lhs, rhs, _ in defs], sig, full


@st.composite
def _coupled(draw, g: Gen, name: str):
    """Two variables of different dims feeding each other through time (one cyclic
    block over mixed signatures): `p` per member reads last year's total `p_tot`,
    which sums (or selects from) `p` in the same year."""
    tot = f"{name}_tot"
    reads = list(g.full)
    d = draw(st.sampled_from(list(g.dims)))
    head, dh = _member_map(draw, g, d, reads)
    step, ds = draw(dexpr(g, reads, 1, lag=1))
    sig = dh | ds
    agg = draw(st.sampled_from(["sum", "sum", "mean", "min", "max", "select"]))
    members, removed = [], set()
    if agg == "select":
        m = draw(st.sampled_from(g.dims[d]))
        rhs, tot_sig = f"{name}[{m}] * 2", sig - {d}
    else:
        others = sorted(sig - {d})
        if others and draw(st.booleans()):
            o = draw(st.sampled_from(others))
            members, removed = [draw(st.sampled_from(g.dims[o]))], {o}
        rhs = f"{agg}({name}{_subscript(draw, members)}, {d}) / 10"
        tot_sig = sig - {d} - removed
    body = draw(st.sampled_from([
        f"{name}[t-1] * (1 + {step}) + {tot}[t-1] / 100",
        f"{tot}[t-1] - {name}[t-1] / 2 + {step}",
    ]))
    g.sig[name], g.sig[tot] = sig, tot_sig
    g.recur[name] = 1
    g.full += [name, tot]
    return [f"{name}[{g.L(g.first)}] = {head}", f"{name} = {body}", f"{tot} = {rhs}"]


@st.composite
def _redefinition(draw, g: Gen, name: str, reads: list[str], may_add_dims: bool = True):
    """One definition of `name` for a scenario or --set, reading only `reads`
    (earlier variables) within the dims `name` has."""
    dims = sorted(g.sig[name], key=list(g.dims).index)
    if may_add_dims and draw(st.integers(0, 9)) == 0:
        dims = list(g.dims)  # may pin a dim the variable lacks: it gains it (in every scenario)
    ok = [r for r in reads if g.sig[r] <= g.sig[name]]

    def e():
        return draw(dexpr(g, ok, 1))[0]

    forms = ["whole", "year"] + (["member", "cell", "map", "yearmap", "memberrange"] if dims
                                 else [])
    if name in g.recur:
        forms += ["body", "body"]
    form = draw(st.sampled_from(forms))
    y = g.L(draw(st.integers(g.first, g.last)))
    if form == "whole":
        return f"{name} = {e()}"
    if form == "year":
        return f"{name}[{y}] = {e()}"
    if form == "body":  # the recurrence again, from the year after its head, maybe one member's
        start = g.first + g.recur[name]
        pin = [draw(st.sampled_from(g.dims[dims[0]]))] if dims and draw(st.booleans()) else []
        own = name + _subscript(draw, pin + ["t-1"])
        target = name + _subscript(draw, pin + [draw(st.sampled_from([
            f"{g.L(start)}..", f"{g.L(start)}..{g.L(g.last)}"]))])
        return f"{target} = {own} * (1 + {e()})"
    d = draw(st.sampled_from(dims))
    m = draw(st.sampled_from(g.dims[d]))
    if form == "member":
        return f"{name}{_subscript(draw, [m])} = {e()}"
    if form == "cell":
        return f"{name}{_subscript(draw, [m, y])} = {e()}"
    if form == "memberrange":
        return f"{name}{_subscript(draw, [m, f'{y}..'])} = {e()}"
    some = draw(st.lists(st.sampled_from(g.dims[d]), min_size=1, unique=True))
    entries = ", ".join(f"{x}: {e()}" for x in some)
    return f"{name}{f'[{y}]' if form == 'yearmap' else ''} = {{{entries}}}"


@st.composite
def _risky(draw, g: Gen, names: list[str]):
    """A definition that may make the model invalid (the reference decides)."""
    x = draw(st.sampled_from(names))
    y = draw(st.sampled_from(names))
    m = draw(st.sampled_from([m for ms in g.dims.values() for m in ms]))
    d = draw(st.sampled_from(list(g.dims)))
    return draw(st.sampled_from([
        f"{x}[{m}] = {y}[{m}]",  # maybe a dim y lacks, maybe a cycle
        f"{x}[{g.L(g.last)}] = sum({y})",  # sum of a dimensioned y without a dim
        f"{x}[{g.L(g.first)}] = {y}",  # maybe a same-year cycle or an empty read
        f"{x}[{m}, {g.L(g.first)}] = sum({y}, {d}) + 1",
        f"{x}[{m}] = 5",  # may tie with a member map's entry
    ]))


@st.composite
def dim_models(draw, max_vars: int = 6, max_years: int = 4, max_scenarios: int = 2,
               risky: bool = True, unit: str = "years"):
    """`unit`: the axis (years, quarters, months); then `max_years` counts periods."""
    cal = Cal(unit)
    n_years = draw(st.integers(1, max_years))
    first = draw(st.sampled_from([2024, 2020, 1999]))
    if not cal.yearly:
        first = first * cal.k + draw(st.sampled_from([0, 0, 1, cal.k - 1]))
    last = first + n_years - 1
    n_dims = draw(st.integers(1, 2))
    dim_names = draw(st.lists(st.sampled_from(DIM_POOL), min_size=n_dims, max_size=n_dims,
                              unique=True))
    pool = draw(st.permutations(MEMBER_POOL))
    dims = {d: list(pool[3 * k:3 * k + draw(st.integers(1, 3))]) for k, d in enumerate(dim_names)}
    g = Gen(first, last, dims, risky=risky and draw(st.integers(0, 9)) == 0, cal=cal)
    n_vars = draw(st.integers(2, max_vars))
    names = draw(st.lists(st.sampled_from(NAME_POOL), min_size=n_vars, max_size=n_vars,
                          unique=True))
    statements: list[str] = []
    for i, name in enumerate(names):
        kinds = ["const", "formula", "formula", "formula", "map", "map", "crossmember",
                 "partial"]
        if i == 0:
            kinds = ["map", "map", "const", "partial"]
        if n_years >= 2:
            kinds += ["recur", "recur", "yearmap", "interp", "step"]
            kinds.append("coupled")
        kind = draw(st.sampled_from(kinds))
        if kind == "coupled":
            statements += draw(_coupled(g, name))
            continue
        defs, sig, full = draw(_variable(g, name, kind))
        g.sig[name] = sig
        if full:
            g.full.append(name)
        statements += [f"{lhs} = {rhs}" for lhs, rhs in defs]
    if g.risky:
        statements.append(draw(_risky(g, names)))
    statements = draw(st.permutations(statements))  # order never changes a value

    lines = [f"{unit} {cal.label(first)}..{cal.label(last)}"]
    for d, ms in dims.items():
        if draw(st.booleans()):
            lines.append(f"dim {d} = {{{', '.join(ms)}}}")
        else:
            lines.append("\n".join([f"dim {d} = {{", *(f"  {m}," for m in ms), "}"]))
    lines += statements

    scenario_names = draw(st.lists(st.sampled_from(["bull", "bear", "s1"]),
                                   max_size=max_scenarios, unique=True))
    for si, sname in enumerate(scenario_names):
        parent = draw(st.sampled_from(scenario_names[:si])) if si and draw(st.booleans()) else None
        lines.append(f"scenario {sname}" + (f" extends {parent}" if parent else "") + " {")
        for v in draw(st.lists(st.sampled_from(g.full), min_size=1, max_size=2, unique=True)
                      if g.full else st.just([])):
            reads = g.full[:g.full.index(v)]
            lines.append("  " + draw(_redefinition(g, v, reads)).replace("\n", " "))
        lines.append("}")

    overrides = []
    for v in draw(st.lists(st.sampled_from(g.full), max_size=2, unique=True)
                  if g.full else st.just([])):
        reads = g.full[:g.full.index(v)] if draw(st.booleans()) else []
        overrides.append(draw(_redefinition(g, v, reads, may_add_dims=False)).replace("\n", " "))
    text = "\n".join(lines) + "\n"
    return GenModel(text, first, last, names, ["base", *scenario_names], overrides)
