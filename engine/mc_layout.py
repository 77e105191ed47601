"""Where each cell of a Monte Carlo run sits in the statistics' flat arrays.

engine.montecarlo computes the mean, sd and percentiles of every cell shown
at once, on flat arrays of cells rather than per variable: `Layout` says
which slice is whose. The variables some draw reaches come first, so the
samples kept for percentiles are one leading slice; a variable no draw
reaches has the same value in every sample and needs no samples kept.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from engine.mc_stats import Moments

GROUP = 128  # cells whose moments are summed together (a block of them stays in cache)


def stochastic_variables(plan, sites) -> set[str]:
    """The variables some draw reaches: those with a distribution and everything
    computed from them. Every other variable has the same value in every sample."""
    return plan.graph.downstream({s.variable for s in sites}) if sites else set()


class Layout:
    """Where each variable's cells sit in a chunk's (samples, cells) matrix: the
    variables some draw reaches first (`varying` cells, the ones kept for
    percentiles), then the others; each variable's cells as (combination, period)."""

    def __init__(self, names: tuple[str, ...], shapes: dict[str, tuple[int, int]],
                 stochastic: set[str]):
        self.shapes = shapes
        self.varies = {v for v in names if v in stochastic}
        order = [v for v in names if v in self.varies] + \
            [v for v in names if v not in self.varies]
        self.at: dict[str, tuple[int, int]] = {}
        width = 0
        for v in order:
            size = shapes[v][0] * shapes[v][1]
            self.at[v] = (width, width + size)
            width += size
            if v in self.varies:
                self.varying = width
        self.width = width
        if not self.varies:
            self.varying = 0
        self.order = tuple(order)
        # Neighbouring variables summed together, up to GROUP cells (varying apart).
        self.groups: list[list[str]] = []
        for v in order:
            g = self.groups[-1] if self.groups else None
            if g and (g[0] in self.varies) == (v in self.varies) and \
                    self.at[v][1] - self.at[g[0]][0] <= GROUP:
                g.append(v)
            else:
                self.groups.append([v])
        self.varying_groups = sum(1 for g in self.groups if g[0] in self.varies)
        self.group_width = max((self.at[g[-1]][1] - self.at[g[0]][0] for g in self.groups
                                if len(g) > 1), default=0)

    def columns(self, frames, sig_of: Callable[[str], tuple[str, ...]], count: int
                ) -> dict[str, np.ndarray]:
        """Each variable's column of one chunk's frames as (count, cells), without a copy."""
        return {v: frames[sig_of(v)].get_column(v).to_numpy().reshape(count, b - a)
                for v, (a, b) in self.at.items()}

    def add_moments(self, columns: dict[str, np.ndarray], moments: Moments, offset: int,
                    buffer: np.ndarray) -> None:
        """The chunk's samples of the varying cells into the moments (the others have
        one value: see simulate), a group of neighbouring variables at a time copied
        side by side into a buffer that stays in cache: a few numpy calls per group
        rather than per variable, and no chunk-sized copy."""
        count = next(iter(columns.values())).shape[0] if columns else 0
        for group in self.groups[:self.varying_groups]:
            start, stop = self.at[group[0]][0], self.at[group[-1]][1]
            if len(group) == 1:
                moments.add(columns[group[0]], offset, start)
                continue
            block = buffer[:count, :stop - start]
            for v in group:
                a, b = self.at[v]
                block[:, a - start:b - start] = columns[v]
            moments.add(block, offset, start)

    def keep(self, columns: dict[str, np.ndarray], take: int, out: np.ndarray) -> None:
        """The first `take` samples of the varying cells into out (varying, take): each
        column turned while it is in cache."""
        for v in self.order[:len(self.varies)]:
            a, b = self.at[v]
            out[a:b] = columns[v][:take].T

    def join(self, parts: dict[str, np.ndarray], dtype) -> np.ndarray:
        out = np.empty(self.width, dtype)
        for v, (a, b) in self.at.items():
            out[a:b] = parts[v].reshape(-1)
        return out

    def part(self, values: np.ndarray, v: str) -> np.ndarray:
        """A variable's cells of (..., width) values, shaped (..., combinations, periods)."""
        a, b = self.at[v]
        return values[..., a:b].reshape(values.shape[:-1] + self.shapes[v])

    def touching(self, cells: np.ndarray) -> list[str]:
        """The variables with a cell among `cells` (bool, width), in layout order."""
        return [v for v in self.order if cells[self.at[v][0]:self.at[v][1]].any()]
