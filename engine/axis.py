"""The time axis: a model's periods, and every question the engine asks about them.

Nothing else in the engine does calendar arithmetic. A period is addressed
two ways:

- its *index*, 0 for the model's first period: what frames, cover rows,
  masks and cells use;
- its *absolute* number, `year * per_year + k`, with k the quarter or month
  of the year counted from 0: what selectors, map keys and labels denote.
  A yearly axis has per_year 1, so a year's absolute number is the year.

`t` of a period is its start as a fractional year, computed one way
everywhere: `absolute / per_year`, one correctly rounded IEEE division
(2025Q2 is 8101 / 4 = 2025.25; 2025-02 is 24301 / 12). Every back-end reads
it from `TimeAxis.t` or `TimeAxis.ts`, so they agree to the last bit.

Version 1 models are yearly; `quarters` and `months` (LANGUAGE-2 section 2)
use the same type with another `unit`.

A period written in the file (`dsl.periods.Period`: a year, a quarter or a
month) stands on the axis as `covers` says: a period of the axis' unit is
itself, a year is every period of it (`x[2025] = ...` on a quarterly axis
sets four quarters), anything finer or of another sub-annual unit (a month
on a quarterly axis, a quarter on a monthly one) stands nowhere (None, an
error the engine reports at its position). A range runs from the first
period its start covers to the last one its end covers (`span_of`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from dsl.periods import MONTHS, PER_YEAR, QUARTERS, SINGULAR, YEARS, Period, label_of

__all__ = ["TimeAxis", "YEARS", "QUARTERS", "MONTHS", "PER_YEAR", "label_of"]


@dataclass(frozen=True, slots=True)
class TimeAxis:
    unit: str  # YEARS, QUARTERS or MONTHS
    start: int  # absolute number of the first period
    size: int  # how many periods

    @classmethod
    def of_years(cls, first: int, last: int) -> TimeAxis:
        return cls(YEARS, first, last - first + 1)

    @classmethod
    def of(cls, unit: str, first: int, last: int) -> TimeAxis:
        """From the axis line: its unit and the absolute numbers of its ends."""
        return cls(unit, first, last - first + 1)

    @property
    def yearly(self) -> bool:
        return self.unit == YEARS

    @property
    def period_word(self) -> str:
        """`year`, `quarter` or `month`: what messages call one period."""
        return SINGULAR[self.unit]

    # -- size and order
    @property
    def per_year(self) -> int:
        return PER_YEAR[self.unit]

    def __len__(self) -> int:
        return self.size

    @property
    def end(self) -> int:
        """Absolute number of the last period."""
        return self.start + self.size - 1

    @property
    def last(self) -> int:
        """Index of the last period."""
        return self.size - 1

    # -- absolute numbers and indices
    def index(self, absolute: int) -> int | None:
        """The index of a period, or None outside the axis."""
        i = absolute - self.start
        return i if 0 <= i < self.size else None

    def absolute(self, i: int) -> int:
        return self.start + i

    def contains(self, absolute: int) -> bool:
        return self.start <= absolute <= self.end

    def clip(self, lo: int | None, hi: int | None) -> tuple[int, int] | None:
        """Indices of the periods from absolute `lo` to `hi` (None: open), or None if none."""
        a = 0 if lo is None else max(lo - self.start, 0)
        b = self.size - 1 if hi is None else min(hi - self.start, self.size - 1)
        return (a, b) if a <= b else None

    # -- periods as written (dsl.periods.Period)
    def covers(self, p: Period) -> tuple[int, int] | None:
        """Absolute numbers of the first and last period of this axis that `p`
        stands for; None when it stands for none (finer, or another unit)."""
        if p.unit == self.unit:
            return p.number, p.number
        if p.unit == YEARS:
            return self.year_periods(p.number)
        return None

    def fits(self, p: Period) -> bool:
        return p.unit == self.unit or p.unit == YEARS

    def span_of(self, start: Period | None, end: Period | None) -> tuple[int | None, int | None]:
        """A range's absolute bounds (None for an open side): from the first
        period its start covers to the last one its end covers. The periods
        must fit the axis (`fits`)."""
        lo = None if start is None else self.covers(start)[0]
        hi = None if end is None else self.covers(end)[1]
        return lo, hi

    def point(self, p: Period) -> int | None:
        """The absolute number of `p` as one period of this axis (a year of a
        yearly axis, a quarter of a quarterly one), None when it is not one."""
        return p.number if p.unit == self.unit else None

    def index_of(self, p: Period) -> int | None:
        """The index of `p` as one period of this axis (`x[2025Q2]` on a quarterly one)."""
        at = self.point(p)
        return None if at is None else self.index(at)

    def first_of_year(self, i: int) -> int:
        """The index of the first period of period i's calendar year (may be negative:
        before the axis, when the axis starts within a year)."""
        return i - (self.start + i) % self.per_year

    # -- calendar
    def year(self, i: int) -> int:
        """The calendar year of period i."""
        return (self.start + i) // self.per_year

    def t(self, i: int) -> float:
        """The start of period i as a fractional year (see the module docstring)."""
        return (self.start + i) / self.per_year

    def ts(self) -> list[float]:
        return [(self.start + i) / self.per_year for i in range(self.size)]

    def calendar_years(self) -> list[tuple[int, range]]:
        """Each calendar year the axis touches, with the indices of its periods on
        the axis, in order: what a roll-up by year adds up. A year the axis
        covers only in part (it starts or ends within it) has fewer than
        `per_year` periods: `len(periods) < axis.per_year`."""
        out: list[tuple[int, range]] = []
        i = 0
        while i < self.size:
            y = self.year(i)
            j = min(self.first_of_year(i) + self.per_year, self.size)
            out.append((y, range(i, j)))
            i = j
        return out

    def year_periods(self, year: int) -> tuple[int, int]:
        """Absolute numbers of the first and last period of a calendar year."""
        p = self.per_year
        return year * p, year * p + p - 1

    @property
    def first_year(self) -> int:
        return self.year(0)

    @property
    def last_year(self) -> int:
        return self.year(self.size - 1)

    # -- labels
    def label(self, i: int) -> str:
        """`2025`, `2025Q3` or `2025-07` for period i."""
        return label_of(self.unit, self.start + i)

    def labels(self) -> tuple[str, ...]:
        return tuple(self.label(i) for i in range(self.size))

    def span_label(self, indices: Iterable[int]) -> str:
        """`2024, 2026..2030`: consecutive periods as ranges."""
        runs: list[list[int]] = []
        for i in indices:
            if runs and i == runs[-1][-1] + 1:
                runs[-1].append(i)
            else:
                runs.append([i])
        return ", ".join(self.label(r[0]) if len(r) == 1
                         else f"{self.label(r[0])}..{self.label(r[-1])}" for r in runs)

    def range_label(self) -> str:
        """The whole axis as the file writes it: `2024..2030`."""
        return f"{self.label(0)}..{self.label(self.size - 1)}"

