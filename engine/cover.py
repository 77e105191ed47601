"""Which definition gives one variable its value in each cell of a scenario.

A `Cover` is, for one variable, a grid of (member combinations x periods):
each cell holds the index of its winning piece in `pieces`, or -1 where no
definition covers it. Dimensionless variables have one combination (one row);
with dimensions a variable over 1,000 members x 120 months holds 120,000
cells, so the grid is a numpy array built a region at a time (a piece covers
a slice of periods), never a Python loop per cell.

Covers are normalized: `pieces` holds each winner once, in the order of its
first cell (row by row, period order), and no piece that wins no cell. Two
covers that give the same definitions in the same cells are then equal
piece by piece and cell by cell, which is what `==` checks (cheaply when the
parser's statement cache kept the expressions the same objects).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Sequence

import numpy as np

if TYPE_CHECKING:
    from engine.model import Piece

EMPTY = -1  # a cell no definition covers


class Cover:
    """The winning piece of every cell of one variable in one scenario."""

    __slots__ = ("pieces", "grid", "_rows")

    def __init__(self, pieces: tuple[Piece, ...], grid: np.ndarray):
        self.pieces = pieces
        self.grid = grid  # int32, (n_combos, n_periods); read-only once built
        self._rows = None  # combo -> row(combo), made on first use

    # -- building ---------------------------------------------------------

    @classmethod
    def empty(cls, n_periods: int, n_combos: int = 1) -> Cover:
        return cls((), _frozen(np.full((n_combos, n_periods), EMPTY, dtype=np.int32)))

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
                return cls((p,), _zeros(n_combos, n_periods))
        grid = np.full((n_combos, n_periods), EMPTY, dtype=np.int32)
        cells = grid.reshape(*shape, n_periods)  # a view: dims as axes
        order = sorted(range(len(pieces)),
                       key=lambda k: (pieces[k].rank + len(pieces[k].members), -k))
        for k in order:
            cells[region(pieces[k], dims)] = k
        return _normalized(tuple(pieces), grid)

    def over(self, top: Cover) -> Cover:
        """This cover with `top` (a layer above it) replacing it in the cells top covers."""
        if not top.pieces:
            return self
        if top.grid is _ZEROS.get(top.grid.shape) or bool((top.grid >= 0).all()):
            return top
        shift = len(self.pieces)
        grid = np.where(top.grid >= 0, top.grid + shift, self.grid).astype(np.int32, copy=False)
        return _normalized(self.pieces + top.pieces, grid)

    def replaced(self, cells: Mapping[tuple[int, int], Piece]) -> Cover:
        """This cover with new winners in a few cells: {(combo, period): piece}."""
        grid = self.grid.copy()
        extra = tuple(cells.values())
        for k, (c, i) in enumerate(cells, start=len(self.pieces)):
            grid[c, i] = k
        return _normalized(self.pieces + extra, grid)

    def with_pieces(self, pieces: Sequence[Piece]) -> Cover:
        """The same cells won by other pieces, one for each of `pieces` (in its order)."""
        assert len(pieces) == len(self.pieces)
        return Cover(tuple(pieces), self.grid)

    # -- reading ----------------------------------------------------------

    @property
    def n_combos(self) -> int:
        return self.grid.shape[0]

    @property
    def n_periods(self) -> int:
        return self.grid.shape[1]

    def at(self, combo: int, i: int) -> Piece | None:
        k = self.grid[combo, i]
        return None if k < 0 else self.pieces[k]

    def row(self, combo: int = 0) -> tuple[Piece | None, ...]:
        """The winning piece per period of one combination (the shape of a
        dimensionless variable's cover in version 1)."""
        if self._rows is None:
            self._rows = {}
        out = self._rows.get(combo)
        if out is None:
            pieces = self.pieces + (None,)  # index -1 reads the last: None
            out = self._rows[combo] = tuple(pieces[k] for k in self.grid[combo].tolist())
        return out

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
        if len(self.pieces) == 1 and (self.grid is _ZEROS.get(self.grid.shape)
                                      or bool((self.grid == 0).all())):
            return self.pieces[0]
        return None

    def runs(self, combo: int = 0) -> list[tuple[Piece, list[int]]]:
        """Per winner of one combination, the periods it wins (ascending), in
        the order of `pieces`: one stable sort of the row, no loop per period."""
        if self.uniform is not None:
            return [(self.pieces[0], list(range(self.n_periods)))]
        row = self.grid[combo]
        by_piece = np.argsort(row, kind="stable")
        counts = np.bincount(row + 1, minlength=len(self.pieces) + 1).tolist()
        out = []
        at = counts[0]  # the empty periods sort first
        for k, piece in enumerate(self.pieces):
            c = counts[k + 1]
            if c:
                out.append((piece, by_piece[at:at + c].tolist()))
                at += c
        return out

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
        g, h = self.grid, other.grid
        if g is h:
            return True
        if g.shape != h.shape:
            return False
        if g.size <= _SMALL:  # a recompute compares every variable: bytes are quicker
            return g.tobytes() == h.tobytes()
        return bool(np.array_equal(g, h))

    __hash__ = None  # mutable-looking (numpy) and compared by value: not a dict key

    def __repr__(self) -> str:
        lines = ", ".join(f"{p.layer}:{p.line}" for p in self.pieces)
        return f"Cover({self.n_combos}x{self.n_periods}, pieces=[{lines}])"


def region(piece: Piece, dims: tuple[str, ...]) -> tuple:
    """The index of a piece's cells in a grid shaped (*dim sizes, periods)."""
    pinned = dict(piece.members)
    return tuple(pinned.get(d, slice(None)) for d in dims) + (slice(piece.start, piece.end + 1),)


def _normalized(candidates: tuple[Piece, ...], grid: np.ndarray) -> Cover:
    """A cover of the candidates that win a cell, in the order of their first cell."""
    flat = grid.ravel()
    if flat.size <= _SMALL:  # a few dozen periods: a dict in first-seen order is quicker
        order = [k for k in dict.fromkeys(flat.tolist()) if k >= 0]
    else:
        used, first = np.unique(flat, return_index=True)
        if used.size and used[0] < 0:
            used, first = used[1:], first[1:]
        order = used[np.argsort(first, kind="stable")].tolist()
    if order == list(range(len(candidates))):
        return Cover(candidates, _frozen(grid))
    remap = np.full(len(candidates) + 1, EMPTY, dtype=np.int32)  # [-1] stays -1
    remap[order] = np.arange(len(order), dtype=np.int32)
    return Cover(tuple(candidates[k] for k in order), _frozen(remap[grid]))


_SMALL = 512  # cells up to which normalizing walks the grid in Python


_ZEROS: dict[tuple[int, int], np.ndarray] = {}  # one shared all-0 grid per shape


def _zeros(n_combos: int, n_periods: int) -> np.ndarray:
    """The grid of a piece winning every cell, shared (read-only) by every such cover."""
    shape = (n_combos, n_periods)
    grid = _ZEROS.get(shape)
    if grid is None:
        if len(_ZEROS) > 64:
            _ZEROS.clear()
        grid = _ZEROS[shape] = _frozen(np.zeros(shape, dtype=np.int32))
    return grid


def _frozen(grid: np.ndarray) -> np.ndarray:
    grid.flags.writeable = False
    return grid
