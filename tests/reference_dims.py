"""Dimensions for the reference evaluator (LANGUAGE-2.md section 1), written the
slow and obvious way: sets, dicts and loops over every cell.

- `Dims`: the `dim` declarations, checked (members unique across dims, never a
  variable, dim or reserved name);
- `Piece`: one region a definition covers: years lo..hi with a time rank, and
  `pins` {dim: member index} from the left-hand subscripts and a member map's
  key;
- `infer_signatures`: the contract's rule as a fixpoint: a variable's dims are
  the union over all its definitions (base and every scenario) of the dims
  pinned on the left, the dims of its member maps' keys and the dims of what
  its right-hand sides read, less the dims a selection or a dim aggregate
  removes;
- `winner`: of the pieces of one layer covering a cell, the one at least as
  specific as every other on every axis (time rank; per dim, all members <
  one member), else ReferenceInvalid (two each more specific on another axis).
"""

from __future__ import annotations

from dsl import ast as A

try:  # tests/ on sys.path (pytest), or the repository root (bench/run.py)
    from reference_periods import Calendar, ReferenceInvalid, covers
except ImportError:
    from tests.reference_periods import Calendar, ReferenceInvalid, covers

RESERVED = frozenset("model years section scenario extends t if and or not to".split())
DIM_AGGREGATES = ("sum", "mean", "min", "max")
SINGLE, RANGE, SERIES = 3, 2, 1


class Dims:
    """The declared dims, in declaration order (the canonical order)."""

    def __init__(self, decls: tuple[A.DimDecl, ...]):
        self.members: dict[str, tuple[str, ...]] = {}
        self.member_of: dict[str, tuple[str, int]] = {}
        for d in decls:
            if d.name in RESERVED:
                raise ReferenceInvalid(f"dim named like a reserved word: {d.name}")
            if not d.members:
                raise ReferenceInvalid(f"dim {d.name} has no members")
            self.members[d.name] = tuple(d.members)
            for i, m in enumerate(d.members):
                if m in self.member_of or m in RESERVED:
                    raise ReferenceInvalid(f"member {m} declared twice or reserved")
                self.member_of[m] = (d.name, i)
        for m in self.member_of:
            if m in self.members:
                raise ReferenceInvalid(f"member {m} is also a dim")
        self.order = {d: k for k, d in enumerate(self.members)}

    def check_names(self, variables) -> None:
        for v in variables:
            if v in self.members or v in self.member_of:
                raise ReferenceInvalid(f"variable {v} is named like a dim or a member")

    def check_declared_before_use(self, doc: A.Document) -> None:
        """A dim is declared above the first definition naming one of its members or
        aggregating over it (textually: what a definition reads is not a use)."""
        for decl in doc.dims:
            for p in doc.definitions:
                d = p.definition
                if d.span.line > decl.span.line:
                    continue
                named = list(d.members)
                for node in A.walk(d.expr):
                    named += getattr(node, "members", ())
                    if isinstance(node, A.MemberMap):
                        named += [e.member for e in node.entries]
                    if self.is_dim_aggregate(node) and node.args[1].name == decl.name:
                        raise ReferenceInvalid(f"dim {decl.name} aggregated above its declaration")
                if any(m.name in decl.members for m in named):
                    raise ReferenceInvalid(f"a member of {decl.name} used above its declaration")

    def canonical(self, dims) -> tuple[str, ...]:
        return tuple(sorted(dims, key=self.order.__getitem__))

    def member(self, m: A.Member) -> tuple[str, int]:
        hit = self.member_of.get(m.name)
        if hit is None:
            raise ReferenceInvalid(f"unknown member {m.name}")
        return hit

    def selection(self, members: tuple[A.Member, ...]) -> dict[str, int]:
        """{dim: index} of a subscript list: known members, at most one per dim."""
        out: dict[str, int] = {}
        for m in members:
            d, i = self.member(m)
            if d in out:
                raise ReferenceInvalid(f"two members of dim {d} in one subscript")
            out[d] = i
        return out

    def is_dim_aggregate(self, node: A.Expr) -> bool:
        """`sum(x, DIM)` and friends: a second argument that is a bare dim name."""
        return (isinstance(node, A.Call) and node.func in DIM_AGGREGATES
                and len(node.args) == 2 and isinstance(node.args[1], A.Name)
                and not node.args[1].members and node.args[1].name in self.members)

    def selected_dims(self, members: tuple[A.Member, ...]) -> set[str]:
        return {self.member_of[m.name][0] for m in members if m.name in self.member_of}


# ---------------------------------------------------------------- pieces


class Piece:
    __slots__ = ("lo", "hi", "rank", "expr", "line", "pins")

    def __init__(self, lo, hi, rank, expr, line, pins):
        self.lo, self.hi, self.rank, self.expr, self.line = lo, hi, rank, expr, line
        self.pins: dict[str, int] = pins

    def __repr__(self):
        return f"Piece({self.lo}..{self.hi}, rank={self.rank}, pins={self.pins}, line={self.line})"

    def covers(self, env: dict[str, int], y: int) -> bool:
        return self.lo <= y <= self.hi and all(env[d] == i for d, i in self.pins.items())

    def at_least_as_specific(self, other: Piece) -> bool:
        return self.rank >= other.rank and set(other.pins) <= set(self.pins)

    def same_rank(self, other: Piece) -> bool:
        return self.rank == other.rank and set(self.pins) == set(other.pins)


def _clip(years: A.Years | None, first: int, last: int, cal: Calendar):
    """The periods a selector covers, clipped to the model: a period it names must
    have some period on the axis (a year the model covers in part is that part)."""
    if years is None:
        return first, last
    for y in (years.start, years.end):
        if y is not None:
            a, b = covers(cal, y)
            if b < first or a > last:
                raise ReferenceInvalid(f"selector {y} outside {first}..{last}")
    lo = first if years.start is None else max(first, covers(cal, years.start)[0])
    hi = last if years.end is None else min(last, covers(cal, years.end)[1])
    return lo, hi


def _time_rank(years: A.Years | None, cal: Calendar) -> int:
    """One period of the model is single; a year of a sub-annual model ranks as a range."""
    if years is None:
        return SERIES
    return SINGLE if years.single and years.start.unit == cal.unit else RANGE


def pieces(d: A.Definition, first: int, last: int, dims: Dims,
           cal: Calendar | None = None) -> list[Piece]:
    """The regions one definition covers (a year map or a member map: one per entry)."""
    cal = cal or Calendar("years")
    pins = dims.selection(d.members)
    out = []
    if isinstance(d.expr, A.YearMap):
        if d.years is not None:
            raise ReferenceInvalid("a year map as a year-specific definition")
        for e in d.expr.entries:
            lo, hi = _clip(e.years, first, last, cal)
            if lo <= hi:
                out.append(Piece(lo, hi, RANGE, e.value, e.span.line, pins))
        return out
    lo, hi = _clip(d.years, first, last, cal)
    rank = _time_rank(d.years, cal)
    if isinstance(d.expr, A.MemberMap):
        keyed = [dims.member(e.member) for e in d.expr.entries]
        key_dims = {dim for dim, _ in keyed}
        if len(key_dims) != 1:
            raise ReferenceInvalid("a member map mixing dims")
        if len({i for _, i in keyed}) != len(keyed):
            raise ReferenceInvalid("a member map naming a member twice")
        (dim,) = key_dims
        if dim in pins:
            raise ReferenceInvalid(f"a member map over {dim}, already pinned on the left")
        if lo <= hi:
            for e, (_, i) in zip(d.expr.entries, keyed):
                out.append(Piece(lo, hi, rank, e.value, e.span.line, {**pins, dim: i}))
        return out
    return [Piece(lo, hi, rank, d.expr, d.span.line, pins)] if lo <= hi else []


def check_overlaps(layer: dict[str, list[Piece]]) -> None:
    """Two pieces of one layer, equal on every axis, covering a common cell."""
    for name, ps in layer.items():
        for i, a in enumerate(ps):
            for b in ps[i + 1:]:
                if (a.same_rank(b) and max(a.lo, b.lo) <= min(a.hi, b.hi)
                        and a.pins == b.pins):
                    raise ReferenceInvalid(f"{name} defined twice (lines {a.line}, {b.line})")


def winner(hits: list[Piece], what: str) -> Piece:
    """The covering piece at least as specific as every other on every axis."""
    for p in hits:
        if all(p.at_least_as_specific(q) for q in hits):
            return p
    raise ReferenceInvalid(f"{what}: no definition is the most specific "
                           f"(lines {sorted(p.line for p in hits)})")


# ---------------------------------------------------------------- signatures


def dims_read(expr: A.Expr, sig: dict[str, set[str]], dims: Dims) -> set[str]:
    """The dims what `expr` reads brings to the cell computing it."""
    out: set[str] = set()
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, (A.Name, A.Shifted, A.AtYear, A.YearRange)):
            out |= sig.get(node.name, set()) - dims.selected_dims(node.members)
        elif dims.is_dim_aggregate(node):
            x = node.args[0]
            if isinstance(x, A.Name):
                out |= sig.get(x.name, set()) - dims.selected_dims(x.members) - {node.args[1].name}
        else:
            stack.extend(A.children(node))
    return out


def definition_dims(d: A.Definition, sig, dims: Dims) -> set[str]:
    out = dims.selected_dims(d.members) | dims_read(d.expr, sig, dims)
    if isinstance(d.expr, A.MemberMap):
        out |= dims.selected_dims(tuple(e.member for e in d.expr.entries))
    return out


def infer_signatures(definitions: list[A.Definition], variables, dims: Dims
                     ) -> dict[str, set[str]]:
    """A fixpoint: grows monotonically, so it ends."""
    sig: dict[str, set[str]] = {v: set() for v in variables}
    changed = True
    while changed:
        changed = False
        for d in definitions:
            more = definition_dims(d, sig, dims) - sig[d.name]
            if more:
                sig[d.name] |= more
                changed = True
    return sig


def check_selections(expr: A.Expr, sig: dict[str, set[str]], dims: Dims) -> None:
    """Every selection names known members of dims the variable has; every dim
    aggregate names a variable and one of its (unselected) dims."""
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, (A.Name, A.Shifted, A.AtYear, A.YearRange)):
            if node.name not in sig:
                raise ReferenceInvalid(f"unknown variable {node.name}")
            for d in dims.selection(node.members):
                if d not in sig[node.name]:
                    raise ReferenceInvalid(f"{node.name} has no dim {d}")
        elif dims.is_dim_aggregate(node):
            x, over = node.args
            if not isinstance(x, A.Name):
                raise ReferenceInvalid(f"{node.func}(x, {over.name}) takes a variable name")
            stack.append(x)
            if x.name in sig and over.name not in sig[x.name] - dims.selected_dims(x.members):
                raise ReferenceInvalid(f"{x.name} has no dim {over.name} to aggregate")
        else:
            stack.extend(A.children(node))
