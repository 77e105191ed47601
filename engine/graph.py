"""The dependency graph of one scenario.

Variables are nodes; an edge runs from a variable to each variable its
winning definitions read, in any year. Strongly connected components in
dependency order decide how each variable is computed:

- a variable that does not reach itself is one vectorized column, computed
  once every variable it reads is done (`levels`);
- a group that reaches itself (a recurrence such as `x = x[t-1] * (1 + g)`,
  or variables feeding each other through time) is computed cell by cell in
  an order found here; a cell that reaches itself is a cycle, reported with
  the lines involved.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Callable

from engine.model import Covers, Piece
from engine.uses import SHIFT, Use

# What a piece reads: with the scenario's cover (engine.model.Covers), the two
# inputs of a scenario's graph.
UsesOf = Callable[[Piece], tuple[Use, ...]]


@dataclass(frozen=True)
class Block:
    """Variables computed together: one (a column) or a cycle through time (cells)."""

    variables: tuple[str, ...]
    cyclic: bool
    # evaluation order when cyclic: (variable, period); with dims, when members
    # of one variable read each other, (variable, period, piece) or, finest,
    # (variable, period, piece, combination)
    cells: tuple[tuple, ...] = ()


@dataclass(frozen=True)
class Cycle:
    cells: tuple[tuple, ...]  # (variable, year index, ...) as in Block, closing back on the first
    same_year: bool


@dataclass
class Graph:
    order: dict[str, int]  # file order
    deps: dict[str, tuple[str, ...]]  # variable -> the variables it reads
    # The levels (`levels`), or the function that makes them when first read:
    # `scn check` reads only the cycles, and a scenario that changes no edge
    # shares its base's levels.
    made: list[list[Block]] | Callable[[], list[list[Block]]]
    cycles: list[Cycle]
    _dependents: dict[str, list[str]] | None = field(default=None, repr=False)
    _cyclic: frozenset[str] | None = field(default=None, repr=False, compare=False)
    # the cyclic blocks by their variables (`recurrences`), when known before the levels
    _recurrences: dict[frozenset[str], Block] | None = field(default=None, repr=False,
                                                             compare=False)

    @property
    def levels(self) -> list[list[Block]]:
        """Blocks by level: each block after every block it reads."""
        made = self.made
        if callable(made):
            made = self.made = made()
        return made

    def share_levels(self, other: Graph) -> bool:
        """Take `other`'s levels, the same list, when this graph's are not made yet
        and both have the same edges and recurrences (so the same levels): a plan
        on this graph then reuses a plan on `other` column by column
        (`engine.plan.compile_plan`), as after an edit of a value. Whether taken."""
        if not callable(self.made) or self.deps != other.deps \
                or self.recurrences() != other.recurrences():
            return False
        self.made = other.levels
        return True

    def recurrences(self) -> dict[frozenset[str], Block]:
        """The cyclic blocks (recurrences, cycles), by the set of their variables."""
        if self._recurrences is None:
            self._recurrences = {frozenset(b.variables): b for level in self.levels
                                 for b in level if b.cyclic}
        return self._recurrences

    def dependents(self) -> dict[str, list[str]]:
        """variable -> the variables that read it (computed once per graph)."""
        if self._dependents is None:
            out: dict[str, list[str]] = {v: [] for v in self.deps}
            for v, ds in self.deps.items():
                for d in ds:
                    out[d].append(v)
            self._dependents = out
        return self._dependents

    def cyclic_variables(self) -> frozenset[str]:
        """The variables in a recurrence's block (computed once per graph)."""
        if self._cyclic is None:
            self._cyclic = frozenset(v for vs in self.recurrences() for v in vs)
        return self._cyclic

    def downstream(self, changed: set[str], limit: int | None = None) -> set[str]:
        """Every variable whose value can change when `changed` change (them included);
        with `limit`, the walk stops once it has found more than `limit` (asking whether
        an edit reaches many costs no walk of all it reaches)."""
        rev = self.dependents()
        seen, stack = set(changed), list(changed)
        while stack:
            for w in rev.get(stack.pop(), ()):
                if w not in seen:
                    seen.add(w)
                    if limit is not None and len(seen) > limit:
                        return seen
                    stack.append(w)
        return seen

    def upstream(self, targets: set[str]) -> set[str]:
        seen, stack = set(targets), list(targets)
        while stack:
            for w in self.deps.get(stack.pop(), ()):
                if w not in seen:
                    seen.add(w)
                    stack.append(w)
        return seen



def build(variables: tuple[str, ...], cover: Covers, uses_of: UsesOf,
          reuse: tuple[Graph, set[str]] | None = None, needed=None) -> Graph:
    """The graph of one scenario.

    `reuse` = (the base scenario's graph, the variables whose cover differs
    from base): every other variable keeps its edges, and a cyclic group none
    of whose members changed keeps its cell order.
    """
    order = {v: i for i, v in enumerate(variables)}
    deps: dict[str, tuple[str, ...]] = {}
    base, changed = reuse if reuse else (None, set())
    known_blocks = base.recurrences() if base is not None else {}
    for v in variables:
        if base is not None and v not in changed:
            deps[v] = base.deps[v]
            continue
        pieces = cover[v].distinct()
        if len(pieces) == 1:  # most variables
            names = {u.name for u in uses_of(pieces[0])}
        else:
            names = set()
            for p in pieces:
                names.update(u.name for u in uses_of(p))
        deps[v] = tuple(sorted(names, key=order.__getitem__)) if len(names) > 1 else tuple(names)
    if base is not None and all(deps[v] == base.deps[v] for v in changed) and not any(
            changed.intersection(vs) for vs in known_blocks):
        # A scenario that changes inputs but no edge and no recurrence (most do):
        # the same components, levels and cell orders as base; its cycles were
        # base's to report (as below, where a recurrence keeps base's cells).
        levels = base.made if not callable(base.made) else (lambda: base.levels)
        return Graph(order, deps, levels, [], _recurrences=known_blocks)
    components = _tarjan(variables, deps)
    # The cyclic blocks now, for their cycles; the levels when first read (below).
    blocks: dict[frozenset[str], Block] = {}
    cycles: list[Cycle] = []
    for comp in components:
        if len(comp) == 1 and comp[0] not in deps[comp[0]]:  # a column: most variables
            continue
        members = frozenset(comp)
        cyclic = len(comp) > 1 or comp[0] in deps[comp[0]]
        cells: tuple[tuple[str, int], ...] = ()
        known = known_blocks.get(members) if not members & changed else None
        if known is not None:
            cells = known.cells
        elif cyclic:
            cells, cycle = _cell_order(comp, members, cover, uses_of, order)
            if cycle is not None and needed is not None and any(
                    cover[v].n_combos > 1 for v in comp):
                # Members of one variable may read each other in the same period
                # (`share[orcl] = 1 - share[goog]`): order definitions, not variables.
                cells, cycle = _piece_order(comp, members, cover, uses_of, order, needed)
            if cycle is not None and needed is not None and any(
                    cover[v].n_combos > 1 for v in comp):
                # A definition over every member may sit in a loop of definitions
                # that no cell closes (a[meta] reads y reads c[goog] reads
                # a[goog]): order the cells themselves, one member at a time.
                cells, cycle = _member_cell_order(comp, members, cover, uses_of, order, needed)
            if cycle is not None:
                cycles.append(cycle)
        blocks[members] = Block(tuple(sorted(comp, key=order.__getitem__)), cyclic, cells)
    return Graph(order, deps, lambda: _levels(components, deps, blocks), cycles,
                 _recurrences=blocks)


def _levels(components: list[list[str]], deps: dict[str, tuple[str, ...]],
            blocks: dict[frozenset[str], Block]) -> list[list[Block]]:
    """Blocks by level, from the components in dependency order (`_tarjan`): a
    column one level above the highest it reads; a cyclic block (`blocks`) one
    above the highest of what its variables read outside it."""
    levels: list[list[Block]] = []
    level_of: dict[str, int] = {}
    for comp in components:
        if len(comp) == 1 and comp[0] not in deps[comp[0]]:  # a column: most variables
            v = comp[0]
            level = 1 + max([level_of[d] for d in deps[v]]) if deps[v] else 0
            level_of[v] = level
            while len(levels) <= level:
                levels.append([])
            levels[level].append(Block((v,), False, ()))
            continue
        members = frozenset(comp)
        outside = [level_of[d] for v in comp for d in deps[v] if d not in members]
        level = 1 + max(outside) if outside else 0
        for v in comp:
            level_of[v] = level
        while len(levels) <= level:
            levels.append([])
        levels[level].append(blocks[members])
    return levels


def _tarjan(variables, deps) -> list[list[str]]:
    """Strongly connected components, each after every component it reads.

    Iterative: a variable's position in the file's deepest chain of reads is
    no limit. Each frame holds its variable and an iterator over what it reads,
    so that a frame resumes where it stopped (a pushed index per edge cost a
    tuple and a loop turn per edge); a variable its own component (most) is
    popped without a loop."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    for root in variables:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(deps[root]))]
        while work:
            v, reads = work[-1]
            for w in reads:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(deps[w])))
                    break
                if w in on_stack and index[w] < low[v]:
                    low[v] = index[w]
            else:  # every read done
                work.pop()
                lowest = low[v]
                if lowest == index[v]:
                    if stack[-1] == v:
                        stack.pop()
                        on_stack.discard(v)
                        out.append([v])
                    else:
                        comp = []
                        while True:
                            w = stack.pop()
                            on_stack.discard(w)
                            comp.append(w)
                            if w == v:
                                break
                        out.append(comp)
                if work:
                    parent = work[-1][0]
                    if lowest < low[parent]:
                        low[parent] = lowest
    return out


def _cell_order(comp, members, cover, uses_of, order):
    """Topological order of the cells of a cyclic group, or the cycle that prevents one."""
    if len(comp) == 1 and cover[comp[0]].n_combos == 1 \
            and _only_backward(comp, members, cover, uses_of):
        # The commonest group, one variable of no dims read a period back (x = x[t-1] *
        # ...): its periods in order (as below, without a row of pieces per period).
        v = comp[0]
        return tuple((v, i) for i, k in enumerate(cover[v].rows[0]) if k >= 0), None
    n = next(iter(cover.values())).n_periods if cover else 0
    rows = {v: _per_period(cover[v]) for v in comp}
    if _only_backward(comp, members, cover, uses_of):
        # Every cell reads the group only in earlier years (x = x[t-1] * ...):
        # year by year is an order, and no cell can reach itself.
        ordered = sorted(comp, key=order.__getitem__)  # once, not once per period
        cells = [(v, i) for i in range(n) for v in ordered if rows[v][i]]
        return tuple(cells), None
    # A cell is a (variable, period), all its members together (they are
    # computed as one vector): it reads what any piece winning there reads.
    cells = [(v, i) for v in comp for i in range(n) if rows[v][i]]
    preds: dict[tuple[str, int], list[tuple[str, int]]] = {}
    succs: dict[tuple[str, int], list[tuple[str, int]]] = {c: [] for c in cells}
    for v, i in cells:
        ps = []
        for u in (u for p in rows[v][i] for u in uses_of(p)):
            if u.name in members:
                for j in u.cells(i):
                    if 0 <= j < n and rows[u.name][j]:
                        ps.append((u.name, j))
        preds[(v, i)] = ps
        for p in ps:
            succs[p].append((v, i))
    indeg = {c: len(preds[c]) for c in cells}
    heap = [(i, order[v], v) for v, i in cells if indeg[(v, i)] == 0]
    heapq.heapify(heap)
    done: list[tuple[str, int]] = []
    while heap:
        i, _, v = heapq.heappop(heap)
        done.append((v, i))
        for s in succs[(v, i)]:
            indeg[s] -= 1
            if indeg[s] == 0:
                heapq.heappush(heap, (s[1], order[s[0]], s[0]))
    if len(done) == len(cells):
        return tuple(done), None
    left = {c for c in cells if indeg[c] > 0}
    return tuple(done), _find_cycle(left, preds, order)


def _per_period(c) -> list[tuple[Piece, ...]]:
    """The pieces winning some member in each period (one or none without dims)."""
    if c.n_combos == 1:
        return [(p,) if p is not None else () for p in c.row(0)]
    rows = list(dict(zip(map(id, c.rows), c.rows)).values())  # each distinct row, first seen first
    out = []
    for i in range(c.n_periods):
        ks = [k for k in dict.fromkeys(r[i] for r in rows) if k >= 0]
        out.append(tuple(c.pieces[k] for k in ks))
    return out


def _only_backward(comp, members, cover, uses_of) -> bool:
    """True when the group reads itself only through lags (x[t-k], k > 0)."""
    for v in comp:
        for p in cover[v].distinct():
            for u in uses_of(p):
                if u.name in members and not (u.kind == SHIFT and u.a < 0):
                    return False
    return True


def _piece_order(comp, members, cover, uses_of, order, needed):
    """The order of (variable, period, piece) in a cyclic group with dims: each
    piece's region in one period is computed as one vector, after the regions
    of the cells it reads (found with `needed`, engine.member_checks)."""
    nodes = []
    for v in comp:
        for k in range(len(cover[v].pieces)):
            anywhere = 0
            for b in cover[v].wins(k):
                anywhere |= b
            nodes.extend((v, i, k) for i in _periods(anywhere))
    preds: dict[tuple, list[tuple]] = {}
    succs: dict[tuple, list[tuple]] = {c: [] for c in nodes}
    for v, i, k in nodes:
        c = cover[v]
        mask = [b & (1 << i) for b in c.wins(k)]
        ps = set()
        for u in uses_of(c.pieces[k]):
            if u.name not in members:
                continue
            rows = cover[u.name].rows
            for combo, need in enumerate(needed(v, mask, u)):
                row = rows[combo]
                ps.update((u.name, j, row[j]) for j in _periods(need) if row[j] >= 0)
        preds[(v, i, k)] = sorted(ps, key=lambda c: (c[1], order[c[0]], c[2]))
        for p in preds[(v, i, k)]:
            succs[p].append((v, i, k))
    indeg = {c: len(preds[c]) for c in nodes}
    heap = [(i, order[v], k, v) for v, i, k in nodes if indeg[(v, i, k)] == 0]
    heapq.heapify(heap)
    done = []
    while heap:
        i, _, k, v = heapq.heappop(heap)
        done.append((v, i, k))
        for s in succs[(v, i, k)]:
            indeg[s] -= 1
            if indeg[s] == 0:
                heapq.heappush(heap, (s[1], order[s[0]], s[2], s[0]))
    if len(done) == len(nodes):
        return tuple(done), None
    left = {c for c in nodes if indeg[c] > 0}
    cycle = _find_cycle(left, preds, {v: order[v] for v in comp}, key=lambda c: (order[c[0]], c[1], c[2]))
    return tuple(done), cycle


def _member_cell_order(comp, members, cover, uses_of, order, needed):
    """The order of single cells (variable, period, piece, combination) in a
    cyclic group with dims, when whole definitions are in a loop: the finest
    order there is, so a cycle left here is one a cell closes on itself. The
    fallback of a fallback: one `needed` call per cell of the group."""
    nodes = []
    for v in comp:
        for combo, row in enumerate(cover[v].rows):
            nodes.extend((v, i, k, combo) for i, k in enumerate(row) if k >= 0)
    preds: dict[tuple, list[tuple]] = {}
    succs: dict[tuple, list[tuple]] = {c: [] for c in nodes}
    for v, i, k, combo in nodes:
        c = cover[v]
        mask = [0] * c.n_combos
        mask[combo] = 1 << i
        ps = set()
        for u in uses_of(c.pieces[k]):
            if u.name not in members:
                continue
            rows = cover[u.name].rows
            for cc, need in enumerate(needed(v, mask, u)):
                row = rows[cc]
                ps.update((u.name, j, row[j], cc) for j in _periods(need) if row[j] >= 0)
        preds[(v, i, k, combo)] = sorted(ps, key=lambda c: (c[1], order[c[0]], c[3]))
        for p in preds[(v, i, k, combo)]:
            succs[p].append((v, i, k, combo))
    indeg = {c: len(preds[c]) for c in nodes}
    heap = [(i, order[v], combo, k, v) for v, i, k, combo in nodes if indeg[(v, i, k, combo)] == 0]
    heapq.heapify(heap)
    done = []
    while heap:
        i, _, combo, k, v = heapq.heappop(heap)
        done.append((v, i, k, combo))
        for s in succs[(v, i, k, combo)]:
            indeg[s] -= 1
            if indeg[s] == 0:
                heapq.heappush(heap, (s[1], order[s[0]], s[3], s[2], s[0]))
    if len(done) == len(nodes):
        return tuple(done), None
    left = {c for c in nodes if indeg[c] > 0}
    cycle = _find_cycle(left, preds, {v: order[v] for v in comp},
                        key=lambda c: (order[c[0]], c[1], c[3]))
    return tuple(done), cycle


def _periods(bits: int) -> list[int]:
    """The periods of a bitset, ascending."""
    out = []
    while bits:
        low = bits & -bits
        out.append(low.bit_length() - 1)
        bits ^= low
    return out


def _find_cycle(left, preds, order, key=None) -> Cycle:
    """Walk predecessors inside the unresolved cells until one repeats."""
    key = key or (lambda c: (order[c[0]], c[1]))
    start = min(left, key=key)
    path, seen = [start], {start: 0}
    cur = start
    while True:
        nxt = min((p for p in preds[cur] if p in left), key=lambda c: (c != cur, key(c)))
        if nxt in seen:
            loop = path[seen[nxt]:]
            break
        seen[nxt] = len(path)
        path.append(nxt)
        cur = nxt
    # path follows "reads" edges: a reads b reads ... reads a
    loop.append(loop[0])
    same = len({c[1] for c in loop}) == 1
    return Cycle(tuple(loop), same)
