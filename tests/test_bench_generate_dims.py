"""bench/generate_dims.py: the dimensioned benchmark model and its numpy evaluator.

Issue 11's speed target is measured against `DimsModel.evaluate`, so it must
compute what the model says. Checked here against the version-1 engine on
the same model written out member by member (`x__u0001`), cell by cell.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from engine import evaluate, load_model

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from generate_dims import generate_dims  # noqa: E402


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_numpy_evaluator_agrees_with_the_engine_on_the_model_written_per_member(seed):
    model = generate_dims(150, members=3, years=5, seed=seed)
    for form in ("sum(", "mean(", "max(", "[u0", "[t-1]"):  # every kind of read is checked
        assert form in model.text, form
    expected = model.evaluate()
    result = evaluate(load_model(model.version1))
    names = [f"u{i:04d}" for i in range(model.members)]
    checked = 0
    for name, values in expected.items():
        if values.ndim == 1:
            got = np.array(result.series(name), dtype=float)
            np.testing.assert_allclose(got, values, rtol=1e-12, err_msg=name)
        else:
            got = np.array([result.series(f"{name}__{m}") for m in names], dtype=float)
            np.testing.assert_allclose(got, values, rtol=1e-12, err_msg=name)
        checked += values.size
    assert len(expected) == 150 and checked > 150 * 5


def test_the_model_is_deterministic_sized_and_finite():
    a, b = generate_dims(200, members=50, years=30), generate_dims(200, members=50, years=30)
    assert a.text == b.text and a.version1 == b.version1
    assert a.text.count("\ndim unit = {") == 1
    values = a.evaluate()
    assert len(values) == 200
    assert all(np.isfinite(v).all() for v in values.values())
    by_member = [v for v in values.values() if v.ndim == 2]
    assert len(by_member) > 150 and all(v.shape == (50, 30) for v in by_member)
