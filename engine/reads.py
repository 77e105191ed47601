"""Reads across dims: a variable reading another with other dims, or a member
of it, or a sum over its members.

Each variable is computed in the frame of its dims (`engine.plan`): a row per
(batch, member combination, period). A read whose values are laid out the
same way is a plain column. Any other read is a *helper column* of the
reading frame, named with `#>` (no variable or frame helper can be), that the
plan fills with numpy before the level that needs it runs:

- `capex` read by a variable with more dims: broadcast (a gather);
- `capex[goog]`: the member's slice, broadcast;
- `sum(capex, company)`: a reduction along the dim (left to right, as the
  reference and the year aggregates add; a NaN member makes the result NaN),
  broadcast.

Arrays are handled in the *spread* form (`engine.dims.Space.spread`): the
batch, one axis per dim of the model (size 1 where the variable has none),
then periods. Time references on a helper (`capex[goog, t-1]`) work in the
reading frame as on any column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from dsl import ast as A
from engine.dims import Space, dim_aggregate


@dataclass(frozen=True, slots=True)
class CrossRead:
    key: str  # the helper column's name
    source: str  # the variable read
    members: tuple[tuple[str, int], ...]  # (dim, index) selected
    over: str | None = None  # the dim an aggregate reduces
    op: str | None = None  # sum, mean, min, max


class Reads:
    """The helper columns one variable's expressions read (filled while building them)."""

    __slots__ = ("space", "member_of", "frame", "needs")

    def __init__(self, space: Space, member_of: Mapping[str, tuple[str, int]],
                 frame: tuple[str, ...] | None):
        self.space = space
        self.member_of = member_of
        # The dims of the variable being built; None for a recurrence, whose
        # arrays are spread (engine.cells) and broadcast without helpers.
        self.frame = frame
        self.needs: dict[str, CrossRead] = {}

    @property
    def dims(self):
        return self.space.dims

    def _selection(self, members: tuple[A.Member, ...]) -> tuple[tuple[str, int], ...]:
        order = self.space.axis_of
        return tuple(sorted((self.member_of[m.name] for m in members),
                            key=lambda dk: order[dk[0]]))

    def column(self, name: str, members: tuple[A.Member, ...] = ()) -> str:
        if not members and (self.frame is None or self.space.dims_of.get(name, ()) == self.frame):
            return name
        sel = self._selection(members)
        key = "#>" + name + ("[" + ",".join(f"{d}={k}" for d, k in sel) + "]" if sel else "")
        self.needs.setdefault(key, CrossRead(key, name, sel))
        return key

    def aggregate(self, op: str, name: str, members: tuple[A.Member, ...], dim: str) -> str:
        sel = self._selection(members)
        inner = name + ("[" + ",".join(f"{d}={k}" for d, k in sel) + "]" if sel else "")
        key = f"#>{op}({inner},{dim})"
        self.needs.setdefault(key, CrossRead(key, name, sel, dim, op))
        return key

    def of_call(self, node: A.Call) -> str | None:
        """The helper of `sum(x, DIM)` and its kin; None for any other call."""
        agg = dim_aggregate(node, self.space.dims)
        if agg is None:
            return None
        x, dim = agg
        return self.aggregate(node.func, x.name, x.members, dim)


def select(read: CrossRead, arr: np.ndarray, space: Space) -> np.ndarray:
    """The selected members (a view, size 1 on each selected dim), reduced along
    `over` when the read is an aggregate. `arr` is spread: (batch, *dims, ...)."""
    for d, k in read.members:
        ax = 1 + space.axis_of[d]
        arr = arr[(slice(None),) * ax + (slice(k, k + 1),)]
    if read.over is not None:
        arr = reduce(read.op, arr, 1 + space.axis_of[read.over])
    return arr


def reduce(op: str, arr: np.ndarray, axis: int) -> np.ndarray:
    """sum/mean/min/max along one axis, keeping it (size 1): sums left to right
    (a running total's last value: the order the reference and the year
    aggregates add in), min/max never -0, NaN in, NaN out."""
    if op in ("sum", "mean"):
        size = arr.shape[axis]
        total = np.take(np.cumsum(arr, axis=axis), [size - 1], axis=axis)
        return total / size if op == "mean" else total
    with np.errstate(invalid="ignore"):
        got = (np.min if op == "min" else np.max)(arr, axis=axis, keepdims=True)
    return got + 0.0


def materialize(read: CrossRead, values: np.ndarray, batch: int, n: int, space: Space,
                target: tuple[str, ...]) -> np.ndarray:
    """A helper column of the frame of dims `target`, from the read variable's
    column `values` (its frame's row order), flat in the target's row order."""
    source = space.dims_of.get(read.source, ())
    arr = np.asarray(values, dtype=float).reshape((batch,) + space.spread(source) + (n,))
    with np.errstate(all="ignore"):
        arr = select(read, arr, space)
    out = np.broadcast_to(arr, (batch,) + space.spread(target) + (n,))
    return np.ascontiguousarray(out).reshape(-1)
