"""The inspector's sensitivities: the engine's when it is there, a re-evaluation otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import evaluate, load_model
from tui import sens_adapter

ROOT = Path(__file__).resolve().parent.parent
TEXT = (ROOT / "scenarios" / "ai_capex.scn").read_text()


@pytest.fixture(scope="module")
def model():
    return load_model(TEXT, "ai_capex.scn")


def scaled(name: str, factor: float) -> float:
    """optics_tam 2030 with `name = (its definition) * factor`, from the text, the long way."""
    line = next(ln for ln in TEXT.splitlines() if ln.startswith(f"{name} = "))
    rhs = line.split(" = ", 1)[1].split("#")[0].strip()
    m = load_model(TEXT.replace(line, f"{name} = ({rhs}) * {factor}"), "x.scn")
    return evaluate(m).value("optics_tam", 2030)


def test_the_fallback_reevaluates_each_input_down_and_up(model):
    sens = sens_adapter._fallback(model, "optics_tam", 2030, "base", 0.10, 20, "note")
    base = evaluate(model).value("optics_tam", 2030)
    row = next(r for r in sens.rows if r.input == "asic_share")
    assert row.high == pytest.approx(scaled("asic_share", 1.1) - base, rel=1e-9)
    assert row.low == pytest.approx(scaled("asic_share", 0.9) - base, rel=1e-9)
    assert row.derivative is None and sens.formula is None
    swings = [float(f"{r.swing:.9g}") for r in sens.rows]  # rounding noise does not rank
    assert swings == sorted(swings, reverse=True)


def test_a_failing_engine_falls_back_with_a_note(model, monkeypatch):
    sensitivity = pytest.importorskip("engine.sensitivity")

    def broken(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr(sensitivity, "tornado", broken)
    sens = sens_adapter.sensitivities(model, "optics_tam", 2030, "base")
    assert sens.note == "sensitivities: not available (RuntimeError: boom)"
    assert sens.rows and sens.rows[0].derivative is None


def test_the_formula_explains_the_input_just_edited(model):
    sensitivity = pytest.importorskip("engine.sensitivity")
    if not hasattr(sensitivity, "derivative_formula"):
        pytest.skip("the engine has no derivative_formula yet")
    sens = sens_adapter.sensitivities(model, "optics_tam", 2030, "base", wrt="asic_share")
    assert sens.formula.startswith("d optics_tam / d asic_share = ")
    assert "asic_share" in [r.input for r in sens.rows]
