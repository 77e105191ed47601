"""Which definition gives one variable its value in each cell of a scenario.

A `Cover` is, for one variable, a grid of (member combinations x periods):
each cell holds the index of its winning piece in `pieces`, or -1 where no
definition covers it. It is kept in plain Python, one tuple per combination
(`rows`), so that `scn check` never imports numpy: rows are shared, not
copied, between the combinations painted alike (a variable over 1,000
members defined by one formula holds one row, a thousand times), and a
piece is painted over a region of combinations once per distinct row.
The checks read rows and per-period bitsets (`bits`, `wins`); evaluation
reads `grid`, a numpy array built from the distinct rows on first use.

Covers are normalized: `pieces` holds each winner once, in the order of its
first cell (row by row, period order), and no piece that wins no cell. Two
covers that give the same definitions in the same cells are then equal
piece by piece and cell by cell, which is what `==` checks (cheaply when the
parser's statement cache kept the expressions the same objects).
"""

from __future__ import annotations

from itertools import chain, product
from typing import TYPE_CHECKING, Mapping, Sequence

if TYPE_CHECKING:
    import numpy as np

    from engine.model import Piece

EMPTY = -1  # a cell no definition covers

Row = tuple[int, ...]  # the winner (an index into pieces, or EMPTY) per period


class Cover:
    """The winning piece of every cell of one variable in one scenario."""

    __slots__ = ("pieces", "rows", "n_periods", "_grid", "_rows", "_bits", "_wins", "_full")

    def __init__(self, pieces: tuple[Piece, ...], rows: Sequence[Row], n_periods: int | None = None):
        self.pieces = pieces
        self.rows = tuple(rows)  # one per combination; equal rows are often one object
        self.n_periods = len(self.rows[0]) if n_periods is None else n_periods
        self._grid = None  # numpy, made on first use
        self._rows = None  # combo -> the pieces of its row, made on first use
        self._bits = None  # (row id, k) -> the periods k wins in that row, as a bitset
        self._wins = None  # k -> wins(k)
        self._full = None  # every cell covered?

    # -- building ---------------------------------------------------------

    @classmethod
    def empty(cls, n_periods: int, n_combos: int = 1) -> Cover:
        return cls((), (_filled(EMPTY, n_periods),) * n_combos, n_periods)

    @classmethod
    def of_layer(cls, pieces: Sequence[Piece], n_periods: int, shape: tuple[int, ...] = (),
                 dims: tuple[str, ...] = ()) -> Cover:
        """The most specific piece per cell within one layer.

        `shape` and `dims` are the variable's dim sizes and names (none for a
        dimensionless variable). Pieces are painted from the least specific
        up (time rank plus the number of dims a piece pins), so a piece at
        least as specific on every axis overwrites; of two equally specific
        pieces (an overlap, reported elsewhere) the first listed wins, hence
        each rank is painted last to first. Two pieces each more specific on
        a different axis are reported by `engine.specificity`.
        """
        n_combos = 1
        for size in shape:
            n_combos *= size
        if len(pieces) == 1:
            p = pieces[0]
            if p.start == 0 and p.end == n_periods - 1 and not p.members:
                out = cls((p,), (_filled(0, n_periods),) * n_combos, n_periods)
                out._full = True
                return out
        return _normalized(tuple(pieces), painted(pieces, n_periods, shape, dims), n_periods)

    def over(self, top: Cover) -> Cover:
        """This cover with `top` (a layer above it) replacing it in the cells top covers."""
        if not top.pieces:
            return self
        if top.full:
            return top
        shift = len(self.pieces)
        made: dict[tuple[int, int], Row] = {}
        rows = []
        for below, above in zip(self.rows, top.rows):
            key = (id(below), id(above))
            row = made.get(key)
            if row is None:
                row = made[key] = tuple(b if a < 0 else a + shift for b, a in zip(below, above))
            rows.append(row)
        return _normalized(self.pieces + top.pieces, rows, self.n_periods)

    def replaced(self, cells: Mapping[tuple[int, int], Piece]) -> Cover:
        """This cover with new winners in a few cells: {(combo, period): piece}."""
        rows = list(self.rows)
        extra = tuple(cells.values())
        for k, (c, i) in enumerate(cells, start=len(self.pieces)):
            rows[c] = rows[c][:i] + (k,) + rows[c][i + 1:]
        return _normalized(self.pieces + extra, rows, self.n_periods)

    def with_pieces(self, pieces: Sequence[Piece]) -> Cover:
        """The same cells won by other pieces, one for each of `pieces` (in its order)."""
        assert len(pieces) == len(self.pieces)
        out = Cover(tuple(pieces), self.rows, self.n_periods)
        out._grid, out._bits, out._full = self._grid, self._bits, self._full
        return out

    # -- reading ----------------------------------------------------------

    @property
    def n_combos(self) -> int:
        return len(self.rows)

    @property
    def full(self) -> bool:
        """Every cell has a winner."""
        if self._full is None:
            self._full = not any(EMPTY in row for row in _distinct(self.rows))
        return self._full

    def at(self, combo: int, i: int) -> Piece | None:
        k = self.rows[combo][i]
        return None if k < 0 else self.pieces[k]

    def row(self, combo: int = 0) -> tuple[Piece | None, ...]:
        """The winning piece per period of one combination (the shape of a
        dimensionless variable's cover in version 1)."""
        if self._rows is None:
            self._rows = {}
        out = self._rows.get(combo)
        if out is None:
            pieces = self.pieces + (None,)  # index -1 reads the last: None
            out = self._rows[combo] = tuple(pieces[k] for k in self.rows[combo])
        return out

    def bits(self, k: int, combo: int = 0) -> int:
        """The periods piece k wins in one combination, as a bitset (bit i: period
        i); k = EMPTY gives the periods no piece covers."""
        row = self.rows[combo]
        if self._bits is None:
            self._bits = {}
        key = (id(row), k)
        out = self._bits.get(key)
        if out is None:
            out = 0
            for i, w in enumerate(row):
                if w == k:
                    out |= 1 << i
            self._bits[key] = out
        return out

    def defined_bits(self, combo: int = 0) -> int:
        """The periods some piece covers in one combination, as a bitset."""
        return ((1 << self.n_periods) - 1) & ~self.bits(EMPTY, combo)

    def wins(self, k: int) -> list[int]:
        """Per combination, the periods piece k wins (bitsets; EMPTY: the periods
        no piece covers). Made once per distinct row."""
        if self._wins is None:
            self._wins = {}
        out = self._wins.get(k)
        if out is None:
            rows = self.rows
            if len(rows) == 1 or rows.count(rows[0]) == len(rows):  # one row for all: C speed
                out = [self.bits(k)] * len(rows)
            else:  # once per distinct row, found by identity at C speed
                first = dict(zip(map(id, reversed(rows)), range(len(rows) - 1, -1, -1)))
                of_row = {r: self.bits(k, c) for r, c in first.items()}
                out = list(map(of_row.__getitem__, map(id, rows)))
            self._wins[k] = out
        return out

    def defined_rows(self) -> list[int]:
        """Per combination, the periods some piece covers (bitsets)."""
        whole = (1 << self.n_periods) - 1
        if self.full:
            return [whole] * len(self.rows)
        return [whole & ~b for b in self.wins(EMPTY)]

    @property
    def grid(self) -> np.ndarray:
        """The winners as a numpy array, int32 (n_combos, n_periods), read-only."""
        if self._grid is None:
            import numpy as np

            rows, n = self.rows, self.n_periods
            if rows[0] is _FILLED.get((0, n)) and rows.count(rows[0]) == len(rows):
                grid = _zeros(len(rows), n)  # the commonest: one piece wins every cell
            elif rows.count(rows[0]) == len(rows):  # one row for all (C speed)
                grid = np.repeat(np.array(rows[:1], dtype=np.int32).reshape(1, n), len(rows), axis=0)
            else:  # each distinct row converted once
                ids = list(map(id, rows))
                distinct = dict(zip(ids, rows))
                table = np.fromiter(chain.from_iterable(distinct.values()), dtype=np.int32,
                                    count=len(distinct) * n).reshape(len(distinct), n)
                if len(distinct) == len(rows):
                    grid = table
                else:
                    at = {i: j for j, i in enumerate(distinct)}
                    grid = table[list(map(at.__getitem__, ids))]
            grid.flags.writeable = False
            self._grid = grid
        return self._grid

    def mask(self, k: int) -> np.ndarray:
        """The cells piece k wins (bool, shaped like the grid)."""
        return self.grid == k

    @property
    def defined(self) -> np.ndarray:
        """The cells some definition covers (bool, shaped like the grid)."""
        return self.grid >= 0

    def distinct(self) -> tuple[Piece, ...]:
        """The winners once each, in the order of their first cell."""
        return self.pieces

    @property
    def uniform(self) -> Piece | None:
        """The piece that wins every cell, if one does."""
        if len(self.pieces) == 1 and self.full:
            return self.pieces[0]
        return None

    def runs(self, combo: int = 0) -> list[tuple[Piece, list[int]]]:
        """Per winner of one combination, the periods it wins (ascending), in
        the order of `pieces`."""
        if self.uniform is not None:
            return [(self.pieces[0], list(range(self.n_periods)))]
        periods: dict[int, list[int]] = {}
        for i, k in enumerate(self.rows[combo]):
            if k >= 0:
                periods.setdefault(k, []).append(i)
        return [(p, periods[k]) for k, p in enumerate(self.pieces) if k in periods]

    # -- comparing --------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        """The same definitions win the same cells (expressions compared by
        identity first: unchanged statements are the same objects)."""
        if self is other:
            return True
        if type(other) is not Cover:
            return NotImplemented
        ps, qs = self.pieces, other.pieces
        if len(ps) != len(qs):
            return False
        for p, q in zip(ps, qs):
            if p is q:
                continue
            if (p.start, p.end, p.rank, p.layer, p.members) != (
                    q.start, q.end, q.rank, q.layer, q.members) or (
                    p.expr is not q.expr and p.expr != q.expr):
                return False
        return self.n_periods == other.n_periods and self.rows == other.rows

    __hash__ = None  # compared by value: not a dict key

    def __repr__(self) -> str:
        lines = ", ".join(f"{p.layer}:{p.line}" for p in self.pieces)
        return f"Cover({self.n_combos}x{self.n_periods}, pieces=[{lines}])"


def combos_of(members: Sequence[tuple[str, int]], dims: tuple[str, ...], shape: tuple[int, ...]):
    """The combinations (row numbers, ascending) pinned to `members` ((dim,
    member index) pairs) in a variable whose dims are `dims`, sized `shape`."""
    if not members:
        n = 1
        for size in shape:
            n *= size
        return range(n)
    pinned = dict(members)
    if len(pinned) == len(dims):  # one cell per period: a member map's entry
        c = 0
        for d, size in zip(dims, shape):
            c = c * size + pinned[d]
        return (c,)
    axes = [(pinned[d],) if d in pinned else range(size) for d, size in zip(dims, shape)]
    out = []
    for at in product(*axes):
        c = 0
        for j, size in zip(at, shape):
            c = c * size + j
        out.append(c)
    return out


def painted(pieces: Sequence[Piece], n_periods: int, shape: tuple[int, ...] = (),
            dims: tuple[str, ...] = ()) -> list[Row]:
    """The winner per cell within one layer, as indices into `pieces` (one row
    per combination; see `Cover.of_layer` for the order pieces are painted in)."""
    n_combos = 1
    for size in shape:
        n_combos *= size
    rows = [_filled(EMPTY, n_periods)] * n_combos
    order = sorted(range(len(pieces)),
                   key=lambda k: (pieces[k].rank + len(pieces[k].members), -k))
    for k in order:
        p = pieces[k]
        lo, hi = p.start, p.end + 1
        fill = (k,) * (hi - lo)
        combos = combos_of(p.members, dims, shape)
        if len(combos) == 1:
            c = combos[0]
            rows[c] = rows[c][:lo] + fill + rows[c][hi:]
            continue
        made: dict[int, Row] = {}  # old row -> painted row: equal rows stay one object
        for c in combos:
            row = rows[c]
            new = made.get(id(row))
            if new is None:
                new = made[id(row)] = row[:lo] + fill + row[hi:]
            rows[c] = new
    return rows


def _distinct(rows: Sequence[Row]) -> list[Row]:
    """The rows once each (by identity), in the order of their first combination."""
    return list(dict(zip(map(id, rows), rows)).values())


def _normalized(candidates: tuple[Piece, ...], rows: Sequence[Row], n_periods: int) -> Cover:
    """A cover of the candidates that win a cell, in the order of their first cell."""
    distinct = _distinct(rows)
    order = [k for k in dict.fromkeys(chain.from_iterable(distinct)) if k >= 0]
    if order == list(range(len(candidates))):
        return Cover(candidates, rows, n_periods)
    remap = [EMPTY] * (len(candidates) + 1)  # [-1] stays -1
    for new, old in enumerate(order):
        remap[old] = new
    made = {id(r): tuple([remap[k] for k in r]) for r in distinct}
    return Cover(tuple(candidates[k] for k in order), [made[id(r)] for r in rows], n_periods)


_FILLED: dict[tuple[int, int], Row] = {}  # one shared row per (value, length)


def _filled(k: int, n_periods: int) -> Row:
    """A row of n_periods cells all won by k, shared by every cover that has one."""
    key = (k, n_periods)
    row = _FILLED.get(key)
    if row is None:
        if len(_FILLED) > 64:
            _FILLED.clear()
        row = _FILLED[key] = (k,) * n_periods
    return row


_ZEROS: dict[tuple[int, int], np.ndarray] = {}  # one shared all-0 grid per shape


def _zeros(n_combos: int, n_periods: int) -> np.ndarray:
    """The grid of a piece winning every cell, shared (read-only) by every such cover."""
    import numpy as np

    shape = (n_combos, n_periods)
    grid = _ZEROS.get(shape)
    if grid is None:
        if len(_ZEROS) > 64:
            _ZEROS.clear()
        grid = _ZEROS[shape] = np.zeros(shape, dtype=np.int32)
        grid.flags.writeable = False
    return grid
