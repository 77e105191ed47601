"""engine.cover.Cover: the winning piece of every cell of one variable.

Each grid is checked cell by cell against a brute-force winner computed from
the pieces directly (the version-1 rule: the most specific piece of the top
layer that covers the cell; of equals, the first listed), so a wrong winner,
a wrong layering or a stale normalization fails here.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dsl import ast as A
from engine import load_model
from engine.cover import EMPTY, Cover
from engine.model import RANGE, SERIES, SINGLE, Piece, cover, cover_over

N = 8  # periods


def _piece(start: int, end: int, rank: int, layer: str = "base", value: float = 1.0) -> Piece:
    span = A.Span(1 + start, 1 + end, 0, 0)
    return Piece("x", A.Number(value, str(value)), start, end, rank, layer, None, span)


def _brute(layers: list[list[Piece]], n: int) -> list[Piece | None]:
    """The winner per period: the top layer covering it, its most specific piece, first of equals."""
    out: list[Piece | None] = [None] * n
    for pieces in layers:
        for i in range(n):
            best = None
            for p in pieces:
                if p.start <= i <= p.end and (best is None or p.rank > best.rank):
                    best = p
            if best is not None:
                out[i] = best
    return out


def test_one_series_piece_wins_every_cell():
    p = _piece(0, N - 1, SERIES)
    c = Cover.of_layer([p], N)
    assert c.uniform is p
    assert c.pieces == (p,) and c.grid.shape == (1, N)
    assert c.row(0) == (p,) * N
    assert c.defined.all() and c.mask(0).all()


def test_each_rank_beats_the_less_specific_in_its_periods():
    series, rng, single = _piece(0, N - 1, SERIES), _piece(2, 5, RANGE), _piece(4, 4, SINGLE)
    c = Cover.of_layer([single, series, rng], N)  # the order written does not matter
    assert c.row(0) == (series, series, rng, rng, single, rng, series, series)
    assert c.uniform is None
    # the winners once each, in the order of their first period
    assert c.distinct() == (series, rng, single)
    assert c.grid.tolist() == [[0, 0, 1, 1, 2, 1, 0, 0]]
    assert c.mask(1).tolist() == [[False, False, True, True, False, True, False, False]]
    assert c.runs(0) == [(series, [0, 1, 6, 7]), (rng, [2, 3, 5]), (single, [4])]
    assert c.at(0, 4) is single and c.at(0, 0) is series


def test_uncovered_periods_are_empty():
    a, b = _piece(1, 2, RANGE), _piece(5, 5, SINGLE)
    c = Cover.of_layer([a, b], N)
    assert c.row(0) == (None, a, a, None, None, b, None, None)
    assert c.grid[0, 0] == EMPTY and c.at(0, 0) is None
    assert c.defined.tolist() == [[False, True, True, False, False, True, False, False]]
    assert c.runs(0) == [(a, [1, 2]), (b, [5])]


def test_of_equally_specific_pieces_the_first_listed_wins():
    a, b = _piece(0, 4, RANGE, value=1), _piece(3, 7, RANGE, value=2)
    assert Cover.of_layer([a, b], N).row(0)[3:5] == (a, a)
    assert Cover.of_layer([b, a], N).row(0)[3:5] == (b, b)


def test_a_layer_replaces_its_parent_cell_by_cell():
    base = Cover.of_layer([_piece(0, N - 1, SERIES), _piece(0, 0, SINGLE)], N)
    top_piece = _piece(3, 5, RANGE, layer="bull")
    got = base.over(Cover.of_layer([top_piece], N))
    assert got.row(0) == base.row(0)[:3] + (top_piece,) * 3 + base.row(0)[6:]
    # a layer covering everything hides its parent completely: its pieces alone
    whole = Cover.of_layer([_piece(0, N - 1, SERIES, layer="bear")], N)
    assert base.over(whole) is whole
    # a parent piece no longer winning anywhere is dropped
    hide = Cover.of_layer([_piece(0, 0, SINGLE, layer="bull")], N)
    assert len(base.over(hide).distinct()) == 2
    assert base.over(hide).row(0)[0].layer == "bull"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.tuples(st.integers(0, N - 1), st.integers(0, N - 1),
                                   st.sampled_from([SERIES, RANGE, SINGLE])),
                         min_size=1, max_size=5), min_size=1, max_size=4))
def test_layered_covers_match_the_winner_of_every_cell(spec):
    layers = []
    for depth, pieces in enumerate(spec):
        layers.append([_piece(min(a, b), max(a, b), rank, f"l{depth}", value=10 * depth + k)
                       for k, (a, b, rank) in enumerate(pieces)])
    got = Cover.of_layer(layers[0], N)
    for layer in layers[1:]:
        got = got.over(Cover.of_layer(layer, N))
    want = _brute(layers, N)
    assert list(got.row(0)) == want
    assert [got.at(0, i) for i in range(N)] == want
    # normalized: every piece wins a cell, in the order of its first cell
    firsts = [next(i for i, p in enumerate(want) if p is q) for q in got.pieces]
    assert firsts == sorted(firsts) and len(got.pieces) == len({id(p) for p in want if p})
    assert got.defined.tolist() == [[p is not None for p in want]]
    for k, p in enumerate(got.pieces):
        assert got.mask(k).tolist() == [[q is p for q in want]]


def test_equal_covers_compare_equal_and_a_changed_cell_does_not():
    model = load_model("years 2020..2027\nx = 1\nx[2022..2024] = 2\n", "t.scn")
    a = cover(model, "base")["x"]
    again = load_model("years 2020..2027\nx = 1\nx[2022..2024] = 2\n", "u.scn")
    assert cover(again, "base")["x"] == a  # the same statements: the same pieces
    moved = load_model("years 2020..2027\nx = 1\nx[2022..2025] = 2\n", "t.scn")
    assert cover(moved, "base")["x"] != a  # one more cell of the range
    other = load_model("years 2020..2027\nx = 1\nx[2022..2024] = 3\n", "t.scn")
    assert cover(other, "base")["x"] != a  # the same cells, another value
    assert cover(model, "base")["x"] == a.over(Cover.empty(8))


def test_equality_does_not_depend_on_the_order_pieces_were_listed():
    p, q = _piece(0, N - 1, SERIES), _piece(2, 3, RANGE)
    assert Cover.of_layer([p, q], N) == Cover.of_layer([q, p], N)
    assert Cover.of_layer([p, q], N) != Cover.of_layer([p], N)


def test_a_scenario_cover_from_its_parent_is_the_cover_of_its_chain():
    text = ("years 2020..2027\nx = 1\nx[2021] = 5\ny = x * 2\n"
            "scenario up {\n  x[2023..] = 3\n}\n"
            "scenario top extends up {\n  x[2025] = 9\n  y[2020..2021] = 0\n}\n")
    model = load_model(text, "t.scn")
    built = cover_over(model, cover(model, "up"), model.layers["top"])
    direct = cover(model, "top")
    assert built == direct
    values = [p.expr.value if isinstance(p.expr, A.Number) else None for p in direct["x"].row(0)]
    assert values == [1, 5, 1, 3, 3, 9, 3, 3]
    assert [p.layer for p in direct["y"].row(0)] == ["top", "top"] + ["base"] * 6


def test_a_few_cells_replaced_and_the_pieces_renamed():
    p = _piece(0, N - 1, SERIES)
    c = Cover.of_layer([p], N)
    new = _piece(3, 3, SINGLE, layer="moved")
    got = c.replaced({(0, 3): new})
    assert got.row(0) == (p, p, p, new, p, p, p, p)
    assert c.row(0) == (p,) * N  # the original is untouched
    renamed = got.with_pieces([_piece(0, N - 1, SERIES, value=7), new])
    assert renamed.rows is got.rows and renamed.row(0)[0].expr.value == 7


def test_grids_are_read_only():
    c = Cover.of_layer([_piece(0, 3, RANGE)], N)
    try:
        c.grid[0, 0] = 5
    except ValueError:
        pass
    else:
        raise AssertionError("a cover's grid must not be writable: covers are shared")


def test_long_axes_normalize_the_same_way():
    """Past a few hundred cells normalizing goes through numpy: the same winners."""
    n = 2_000
    layers = [[_piece(0, n - 1, SERIES), _piece(700, 1_500, RANGE), _piece(900, 900, SINGLE)],
              [_piece(1_200, 1_999, RANGE, layer="up"), _piece(100, 100, SINGLE, layer="up")]]
    got = Cover.of_layer(layers[0], n).over(Cover.of_layer(layers[1], n))
    want = _brute(layers, n)
    assert list(got.row(0)) == want
    assert [p.span.line for p in got.pieces] == [1, 101, 701, 901, 1_201]  # by first cell
