"""Statistics of Monte Carlo samples: moments in streaming form, percentiles, drivers.

Moments are independent of the chunk size: samples are summed in blocks of
a fixed size at fixed positions (engine.montecarlo.BLOCK), shifted by the
first sample (`Moments`), and the blocks' sums added in order. A chunk is a
whole number of blocks, so every chunk size adds the same blocks in the same
order: the same bits.

Percentiles are numpy's default ("linear", type 7 of Hyndman and Fan 1996)
over the samples kept (all of them when they fit in memory).

Drivers (`driver_table`): for each uncertain input, over the samples,
- Spearman's rank correlation between the input's draw and the output;
- its first-order share of the output's variance, Var(E[Y | X_i]) / Var(Y)
  (the first-order Sobol index), estimated from the given samples by the
  correlation ratio over equal-count classes of X_i (Plischke, Borgonovo
  and Smith 2013, "Global sensitivity measures from given data", EJOR
  226(3)): sort by X_i, split into M = floor(sqrt(N)) classes (at most 100),
  and compare the variance of the class means of Y with the variance of Y.
  The raw ratio is biased up by about (M - 1) / (N - 1) for an input that
  does not matter; the share shown removes that bias as Kelley's epsilon
  squared does, (eta^2 - b) / (1 - b) with b = (M - 1) / (N - 1), and
  floors it at 0.

Both use the input's standard variate, which orders the samples exactly as
the input's value does (the transforms are increasing in it), so they hold
for an input whose parameters change by year.
"""

from __future__ import annotations

import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np


class Moments:
    """Sums of samples added block by block, shifted by the run's first sample.

    Per cell, with K its first sample: S1 = sum(x - K) and S2 = sum((x - K)^2),
    each block's sums computed by numpy and added in order; the mean is
    K + S1 / n and the variance (S2 - S1^2 / n) / (n - 1). The shift keeps the
    sums small where a cell hardly varies (the textbook cancellation), and a
    cell that does not vary has exactly its value as mean (a plain run's, to
    the bit) and 0 as spread.
    """

    def __init__(self, cells: int, block: int = 512, columns: int = 256):
        self.block = block
        self.count = 0
        self.shift = np.zeros(cells)
        self.s1 = np.zeros(cells)
        self.s2 = np.zeros(cells)
        self._work = np.empty((block, columns))

    def add(self, values: np.ndarray, offset: int, start: int = 0) -> None:
        """Samples `offset ..` of the run (offset: a whole number of blocks, or 0) of
        the cells `start ..` (values: (samples, cells)). Every cell must be given the
        same samples before `advance` counts them.

        A cell's sums add its samples one after the other whatever the cells
        beside it (numpy sums a C-ordered matrix down axis 0 row by row), so cells
        can go a few at a time, through one small buffer reused."""
        rows, width = values.shape
        stop = start + width
        if width > self._work.shape[1]:
            self._work = np.empty((self.block, width))
        with np.errstate(all="ignore"):
            if offset == 0:
                first = values[0]
                self.shift[start:stop] = np.where(np.isfinite(first), first, 0.0)
            shift = self.shift[start:stop]
            for j in range(0, rows, self.block):
                k = min(self.block, rows - j)
                d = self._work[:k, :width]
                np.subtract(values[j:j + k], shift, out=d)
                self.s1[start:stop] += d.sum(axis=0)
                self.s2[start:stop] += np.einsum("ij,ij->j", d, d)

    def advance(self, rows: int) -> None:
        self.count += rows

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        """The mean and the sample standard deviation (n - 1; 0 for one sample)."""
        n = self.count
        with np.errstate(all="ignore"):
            mean = self.shift + self.s1 / n
            if n < 2:
                return mean, np.where(np.isfinite(mean), 0.0, np.nan)
            var = np.maximum((self.s2 - self.s1 * self.s1 / n) / (n - 1), 0.0)
            return mean, np.sqrt(var)


BLOCK_BYTES = 4 << 20  # cells sorted at once: a copy that stays small and is reused


def percentiles_of(samples: np.ndarray, percentiles, block_bytes: int = BLOCK_BYTES,
                   by_cell: bool = False, in_place: bool = False) -> np.ndarray:
    """(len(percentiles), *cells) from samples shaped (samples, *cells), or (*cells,
    samples) with `by_cell` (each cell's samples contiguous, the cheap way): numpy's
    "linear" percentiles (the same numbers as np.percentile), from a sort of each
    cell's samples laid out contiguously, several times faster than np.percentile's
    selection for five percentiles; NaN where a sample is NaN.

    Cells go in blocks of about `block_bytes`, copied into one buffer per thread
    (fresh memory costs a page fault per 4 KB, about as much as the sort) or,
    with `in_place` and `by_cell`, sorted where they are (the samples lose their
    order); the blocks are sorted on every core (numpy's sort releases the GIL).
    Each cell's numbers do not depend on the block it is in."""
    m = samples.shape[-1 if by_cell else 0]
    cells = samples.shape[:-1] if by_cell else samples.shape[1:]
    if not len(percentiles) or m == 0:
        return np.full((len(percentiles),) + cells, np.nan)
    flat = samples.reshape(-1, m) if by_cell else samples.reshape(m, -1).T
    width = flat.shape[0]
    out = np.empty((len(percentiles), width))
    step = max(1, block_bytes // (8 * m))
    starts = range(0, width, step)
    workers = min(len(starts), os.cpu_count() or 1, 8)
    sort_in_place = in_place and by_cell
    local = threading.local()

    def one(start: int) -> None:
        stop = min(start + step, width)
        if sort_in_place:
            block = flat[start:stop]
        else:
            buffer = getattr(local, "buffer", None)
            if buffer is None:
                buffer = local.buffer = np.empty((step, m))
            block = buffer[:stop - start]
            np.copyto(block, flat[start:stop])
        _block(block, out, start, stop, percentiles)

    if workers > 1:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(one, starts))
    else:
        for start in starts:
            one(start)
    return out.reshape((len(percentiles),) + cells)


def _block(by_cell: np.ndarray, out: np.ndarray, start: int, stop: int, percentiles) -> None:
    """The percentiles of cells start:stop, whose samples are by_cell's rows (sorted here)."""
    m = by_cell.shape[1]
    by_cell.sort(axis=1)  # NaN sorts last
    nan = np.isnan(by_cell[:, -1])
    with np.errstate(all="ignore"):
        for k, q in enumerate(percentiles):
            h = (m - 1) * (float(q) / 100)
            lo = int(math.floor(h))
            hi = min(lo + 1, m - 1)
            t = h - lo
            a, b = by_cell[:, lo], by_cell[:, hi]
            diff = b - a
            # numpy's _lerp: from the nearer end, so t = 1 gives b exactly
            value = a + diff * t if t < 0.5 else b - diff * (1 - t)
            same = a == b
            value[same] = a[same]  # inf: inf - inf would make it NaN
            value[nan] = np.nan
            out[k, start:stop] = value


# ---------------------------------------------------------------- drivers


@dataclass(frozen=True)
class Driver:
    label: str  # the input, as engine.montecarlo.Input names it
    line: int  # its definition's line
    spearman: float
    share: float  # first-order share of the output's variance, 0..1 (see the docstring)


@dataclass(frozen=True)
class Drivers:
    """The inputs ranked by share of variance, then by |Spearman|; NaN when the output
    does not vary (or is not a number in some sample)."""

    rows: tuple[Driver, ...]
    classes: int  # M, the equal-count classes of the first-order estimator
    spread: float  # the output's standard deviation over the samples


def ranks(x: np.ndarray) -> np.ndarray:
    """1-based ranks, ties given their average rank."""
    order = np.argsort(x, kind="stable")
    sorted_x = x[order]
    starts = np.flatnonzero(np.r_[True, sorted_x[1:] != sorted_x[:-1]])
    ends = np.r_[starts[1:], len(x)]
    average = (starts + ends + 1) / 2.0  # ranks starts+1 .. ends, averaged
    out = np.empty(len(x))
    out[order] = np.repeat(average, ends - starts)
    return out


def spearman(x: np.ndarray, y_ranks: np.ndarray) -> float:
    rx = ranks(x)
    a, b = rx - rx.mean(), y_ranks - y_ranks.mean()
    den = math.sqrt(float((a * a).sum()) * float((b * b).sum()))
    return float((a * b).sum()) / den if den > 0 else float("nan")


def classes_for(n: int) -> int:
    return max(2, min(100, math.isqrt(max(n, 4))))


def first_order(x: np.ndarray, y: np.ndarray, m: int) -> float:
    """Var(E[Y | X]) / Var(Y) over m equal-count classes of x, bias-corrected (docstring)."""
    n = len(y)
    total = float(((y - y.mean()) ** 2).sum())
    if n < 2 * m or not total > 0:
        return float("nan")
    order = np.argsort(x, kind="stable")
    edges = (np.arange(m + 1) * n) // m
    ys = y[order]
    sums = np.add.reduceat(ys, edges[:-1])
    sizes = np.diff(edges)
    between = float((sizes * (sums / sizes - y.mean()) ** 2).sum())
    eta2 = between / total
    bias = (m - 1) / (n - 1)
    return max(0.0, (eta2 - bias) / (1 - bias))


def driver_table(inputs, columns: list[np.ndarray], y: np.ndarray) -> Drivers:
    n = len(y)
    m = classes_for(n)
    finite = bool(np.isfinite(y).all())
    spread = float(np.std(y, ddof=1)) if n > 1 and finite else float("nan")
    rows = []
    y_ranks = ranks(y) if finite else None
    for inp, x in zip(inputs, columns):
        if finite and spread > 0:
            rho, share = spearman(x, y_ranks), first_order(x, y, m)
        else:
            rho = share = float("nan")
        rows.append(Driver(inp.label, inp.line, rho, share))
    key = [(-(0 if math.isnan(r.share) else r.share),
            -(0 if math.isnan(r.spearman) else abs(r.spearman)), k) for k, r in enumerate(rows)]
    order = sorted(range(len(rows)), key=lambda k: key[k])
    return Drivers(tuple(rows[k] for k in order), m, spread)
