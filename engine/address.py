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
