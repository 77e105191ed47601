"""interp and step of plain numbers are computed when the plan is compiled
(engine.polars_expr._fixed_values, one lookup by period): the same bits as
the when/then chain polars evaluated before, on every axis, inside and
outside the keys, alone and beside other definitions of the variable."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import evaluate, load_model
from engine.functions import Context
from engine.plan import base_frame
from engine.polars_expr import Polars, _fixed

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
