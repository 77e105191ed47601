"""A cell's address: a variable at a period, and (once dims come) at members of its dims.

One type for every place that names a cell: a trace (`scn explain`),
goal seek, the UI's inspector, a diff's moved cells. The period is an index
on the model's time axis (`engine.axis.TimeAxis`), so the address holds no
calendar: its text comes from the axis, `capex[2027]` on a yearly one,
`capex[2027Q3]` on a quarterly one.

A command line may name a whole variable (`--vary asic_share`: every
period moves): that is the address with no period (`period` None).
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.axis import TimeAxis


@dataclass(frozen=True, slots=True)
class Cell:
    variable: str
    period: int | None  # an index on the model's axis; None: every period (a whole variable)
    members: tuple[str, ...] = ()  # one per dim of the variable (none before dims)

    @property
    def whole(self) -> bool:
        return self.period is None

    def label(self, axis: TimeAxis) -> str:
        """`capex[2027]`, `capex` for a whole variable."""
        where = [*self.members] + ([] if self.period is None else [axis.label(self.period)])
        return f"{self.variable}[{', '.join(where)}]" if where else self.variable

    def at(self, period: int) -> Cell:
        """The same variable (and members) at another period."""
        return Cell(self.variable, period, self.members)


# ---------------------------------------------------------------- member combinations
# A variable's rows: one per combination of members of its dims, in output
# order (the dims in canonical order, members in declared order, the last dim
# fastest). From the model's `dims` and `dims_of` only, so that a
# dimensionless model (version 1) has its one row.


def dims_of(model, var: str) -> tuple[str, ...]:
    return tuple((getattr(model, "dims_of", None) or {}).get(var, ()))


def members_of(model, dim: str) -> tuple[str, ...]:
    return tuple(model.dims[dim].members)


def shape(model, var: str) -> tuple[int, ...]:
    return tuple(len(members_of(model, d)) for d in dims_of(model, var))


def n_combos(model, var: str) -> int:
    n = 1
    for k in shape(model, var):
        n *= k
    return n


def combo_index(model, var: str, members: tuple[str, ...]) -> int:
    """The row of a member combination (members in the variable's dim order)."""
    k = 0
    for d, m in zip(dims_of(model, var), members):
        ms = members_of(model, d)
        k = k * len(ms) + ms.index(m)
    return k


def combos(model, var: str) -> list[tuple[str, ...]]:
    """Every member combination of the variable, in output order (`[()]` without dims)."""
    out: list[tuple[str, ...]] = [()]
    for d in dims_of(model, var):
        out = [c + (m,) for c in out for m in members_of(model, d)]
    return out
