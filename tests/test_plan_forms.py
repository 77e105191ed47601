"""The plan's cheaper forms keep every bit of the expressions they replace:

- interp and step of plain numbers are computed when the plan is compiled
  (engine.polars_expr._fixed_values, one lookup by period): the same bits as
  the when/then chain polars evaluated before, on every axis, inside and
  outside the keys, alone and beside other definitions of the variable;
- sum(x[A..B]) and mean(x[A..B]) read a helper column the plan computes
  (engine.polars_expr.range_sum): the same bits as the chain of gathers and
  additions, -0, inf, NaN and nulls included, in every batch."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

import engine.polars_expr as PE
from engine import evaluate, load_model
from engine.frame import at
from engine.functions import Context
from engine.plan import base_frame
from engine.polars_expr import Polars, _fixed, range_sum

AXES = {"years": ("years 2020..2032", 2020, 1), "quarters": ("quarters 2020Q1..2023Q4", 2020, 4)}
VALUES = st.one_of(st.floats(min_value=0, max_value=1e12, allow_nan=False),
                   st.sampled_from([0.0, 1e-300, 0.1, 0.3, 1 / 3, 7.7e15, 123456789.123]))


def _text(value: float) -> str:
    return repr(float(value)).replace("e+", "e")


def _chain(model, piece) -> np.ndarray:
    """The piece as polars evaluated it before: its when/then chain over the frame."""
    expr = Polars(Context(model.axis)).value(piece.expr)
    frame = base_frame(model.axis, 1).with_columns(expr.alias("v"))
    return frame.get_column("v").to_numpy()


def _bits(a: np.ndarray) -> list[int]:
    return np.asarray(a, dtype=np.float64).view(np.int64).tolist()


@settings(max_examples=60, deadline=None)
@given(axis=st.sampled_from(sorted(AXES)), func=st.sampled_from(["interp", "step"]),
       keys=st.lists(st.integers(2017, 2035), min_size=1, max_size=5, unique=True),
       values=st.lists(VALUES, min_size=5, max_size=5), data=st.data())
def test_interp_and_step_of_numbers_keep_their_bits(axis, func, keys, values, data):
    head, first, per_year = AXES[axis]
    entries = ", ".join(f"{k}: {_text(v)}" for k, v in zip(sorted(keys), values))
    over = data.draw(st.sampled_from(["", "x[2022] = 2.5\n", "x[2021..2022] = y * 2\n"]))
    text = f"{head}\ny = 1.25\nx = {func}({{{entries}}})\n{over}"
    model = load_model(text, "m.scn")
    (piece,) = [p for p in model.layers["base"]["x"] if p.rank == 0]
    assert _fixed(piece.expr, Context(model.axis))
    got = evaluate(model).values("x").reshape(-1)
    want = _chain(model, piece)
    cover = evaluate(model).plan.cover["x"]
    mine = [i for i in range(len(model.axis)) if cover.at(0, i) is piece]
    assert mine  # the map wins some period
    assert [_bits(got)[i] for i in mine] == [_bits(want)[i] for i in mine]


def test_only_numbers_fold():
    model = load_model("years 2020..2024\ny = 2\nx = interp({2020: 1, 2024: y})\n"
                       "z = step({2020: 1, 2022: 3})\nw = 4\n", "m.scn")
    ctx = Context(model.axis)
    kinds = {v: _fixed(model.layers["base"][v][0].expr, ctx) for v in ("x", "z", "w")}
    assert kinds == {"x": False, "z": True, "w": True}
    assert not _fixed(model.layers["base"]["z"][0].expr, None)  # a Monte Carlo plan's
    plan = evaluate(model).plan
    assert "gather" in str(plan.columns["z"]) and "when" not in str(plan.columns["z"])
    assert "when" in str(plan.columns["x"])
    assert evaluate(model).series("z") == [1.0, 1.0, 3.0, 3.0, 3.0]
    assert pl.Series(evaluate(model).series("x")).to_list()[0] == 1.0


SPECIAL = st.sampled_from([0.0, -0.0, 1e308, -1e308, float("inf"), float("-inf"),
                           float("nan"), 0.1, 1 / 3, 5e-324])
FLOATS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), SPECIAL)


@settings(max_examples=80, deadline=None)
@given(batch=st.integers(1, 3), first=st.integers(0, 7), width=st.integers(0, 7),
       data=st.data())
def test_a_range_sum_column_is_the_chain_of_additions(batch, first, width, data):
    n = 8
    last = min(first + width, n - 1)
    cells = data.draw(st.lists(st.one_of(FLOATS, st.none()), min_size=batch * n,
                               max_size=batch * n))
    values = pl.Series("x", cells, dtype=pl.Float64)
    frame = base_frame(_axis(n), batch).with_columns(values)
    chain = at("x", first)
    for i in range(first + 1, last + 1):
        chain = chain + at("x", i)
    want = frame.select(chain.alias("s")).get_column("s")
    got = range_sum(values, first, last, n)
    assert got.is_null().to_list() == want.is_null().to_list()
    assert _bits(got.fill_null(0.0).to_numpy()) == _bits(want.fill_null(0.0).to_numpy())


def _axis(n: int):
    from engine.axis import TimeAxis

    return TimeAxis.of_years(2020, 2020 + n - 1)


@settings(max_examples=30, deadline=None)
@given(values=st.lists(st.floats(min_value=-1e300, max_value=1e300), min_size=3, max_size=3),
       batch=st.integers(1, 3), data=st.data())
def test_runs_with_range_sums_keep_their_bits(values, batch, data):
    a, b, c = (_text(abs(v)) for v in values)
    text = ("years 2020..2030\ny = {..2023: %s, 2024..2026: %s, 2027..: %s}\n"
            "x = -y * 3\nz = x\nz[2021..2030] = z[t-1] + sum(x[2020..2022])\n"
            "s = sum(x[2021..2026]) * 2\nm = mean(x[2020..2030]) + mean(x[2025])\n"
            "w = sum(z[2022..2024])\n") % (a, b, c)
    model = load_model(text, "m.scn")
    given_y = data.draw(st.lists(FLOATS, min_size=batch * 11, max_size=batch * 11))
    runs = []
    ours = PE.PlanPolars.handlers
    try:
        for handlers in (ours, PE.HANDLERS):  # the helper columns, then the chains
            PE.PlanPolars.handlers = handlers
            model.cache.plans.clear()
            plain = evaluate(model)
            batched = evaluate(model, batch=batch,
                               given={"y": np.array(given_y).reshape(batch, 11)})
            runs.append([(v, _bits(r.values(v).reshape(-1))) for r in (plain, batched)
                         for v in model.variables])
            runs[-1].append(str(plain.plan.columns["s"]))
    finally:
        PE.PlanPolars.handlers = ours
    assert runs[0][:-1] == runs[1][:-1]
    assert "#>sum x 1 6" in runs[0][-1] and "gather" in runs[1][-1]


def test_helper_columns_stay_out_of_the_frame():
    model = load_model("years 2020..2024\nx = 2\ns = sum(x[2020..2022])\n", "m.scn")
    result = evaluate(model)
    assert "#>sum x 0 2" in str(result.plan.columns["s"])
    assert result.raw.columns == ["#batch", "#year", "#yi", "#yf", "#base", "x", "s"]
    assert result.series("s") == [6.0] * 5


def test_a_range_sum_adds_left_to_right():
    values = pl.Series("x", [1.0, 1e16, -1e16, 5.0], dtype=pl.Float64)
    assert range_sum(values, 0, 2, 4).to_list() == [0.0] * 4  # (1 + 1e16) - 1e16
    assert range_sum(values, 1, 3, 4).to_list() == [5.0] * 4
