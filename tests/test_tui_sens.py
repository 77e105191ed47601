"""The inspector's sensitivities: the engine's tornado and formula, as the command line
computes them; and the UI tests' stand-in (a re-evaluation), checked against them."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsl.ast import Span
from dsl.errors import Diagnostic, ScnError
from engine import evaluate, load_model
from tests.helpers import reevaluated_sensitivities
from tests.test_tui_app import sync
from tui import sens_adapter

ROOT = Path(__file__).resolve().parent.parent
TEXT = (ROOT / "tests" / "models" / "ai_capex_v1.scn").read_text()


@pytest.fixture(scope="module")
def model():
    return load_model(TEXT, "ai_capex.scn")


def scaled(name: str, factor: float) -> float:
    """optics_tam 2030 with `name = (its definition) * factor`, from the text, the long way."""
    line = next(ln for ln in TEXT.splitlines() if ln.startswith(f"{name} = "))
    rhs = line.split(" = ", 1)[1].split("#")[0].strip()
    m = load_model(TEXT.replace(line, f"{name} = ({rhs}) * {factor}"), "x.scn")
    return evaluate(m).value("optics_tam", 2030)


def test_the_tornado_scales_each_input_down_and_up(model):
    sens = sens_adapter.sensitivities(model, "optics_tam", 2030, "base", limit=20)
    base = evaluate(model).value("optics_tam", 2030)
    row = next(r for r in sens.rows if r.input == "asic_share")
    assert row.high == pytest.approx(scaled("asic_share", 1.1) - base, rel=1e-9)
    assert row.low == pytest.approx(scaled("asic_share", 0.9) - base, rel=1e-9)
    assert row.derivative is not None and sens.source == "engine.sensitivity"
    assert sens.error is None


def test_the_ui_tests_stand_in_agrees_with_the_engine(model):
    engine = sens_adapter.sensitivities(model, "optics_tam", 2030, "base", limit=50)
    stand_in = reevaluated_sensitivities(model, "optics_tam", 2030, "base", 0.10, 50, "")
    exact = {r.input: (r.low, r.high) for r in engine.rows}
    assert stand_in.rows and stand_in.value == pytest.approx(engine.value)
    for r in stand_in.rows:
        assert (r.low, r.high) == pytest.approx(exact[r.input], rel=1e-9, abs=1e-6), r.input
    swings = [float(f"{r.swing:.9g}") for r in stand_in.rows]  # rounding noise does not rank
    assert swings == sorted(swings, reverse=True)


def test_an_input_at_zero_moves_by_the_step_scn_sens_gives_it():
    # share is 0 everywhere: 10% of 0 is 0, so it moves by one point (a percentage),
    # as in `scn sens`; not by 1 (100 points).
    m = load_model("years 2024..2025\nshare = 0%\nbase = 100\nout = base * (1 + share)\n", "z.scn")
    sens = sens_adapter.sensitivities(m, "out", 2025, "base")
    row = next(r for r in sens.rows if r.input == "share")
    assert (row.low, row.high) == pytest.approx((-1.0, 1.0))


def test_a_model_the_engine_cannot_differentiate_says_why(model, monkeypatch):
    import engine.tornado

    def refuses(*args, **kwargs):
        raise ScnError([Diagnostic("too deep to differentiate", Span(1, 1, 1, 2))])
    monkeypatch.setattr(engine.tornado, "tornado", refuses)
    sens = sens_adapter.sensitivities(model, "optics_tam", 2030, "base")
    assert sens.error == "too deep to differentiate" and sens.rows == ()


def test_a_bug_in_the_engine_is_raised_not_hidden(model, monkeypatch):
    import engine.tornado

    def broken(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr(engine.tornado, "tornado", broken)
    with pytest.raises(RuntimeError, match="boom"):
        sens_adapter.sensitivities(model, "optics_tam", 2030, "base")


def test_the_formula_explains_the_input_just_edited(model):
    sens = sens_adapter.sensitivities(model, "optics_tam", 2030, "base", wrt="asic_share")
    assert sens.formula.startswith("d optics_tam / d asic_share = ")
    assert "asic_share" in [r.input for r in sens.rows]


@sync
async def test_the_inspector_and_the_tornado_say_why_there_are_no_sensitivities(tmp_path):
    # The app as users run it (watcher on), with an engine that cannot differentiate the cell.
    from tests.test_tui_app import go_to, make_app, settle
    from tui.widgets.tornado import Tornado

    path = tmp_path / "ai_capex.scn"
    path.write_text(TEXT)
    app = make_app(path)
    app.sensitivities = lambda model, output, year, scenario, wrt=None: sens_adapter.Sensitivities(
        output, year, scenario, None, (), 0.10, None, "engine.sensitivity",
        error="optics_tam is too deep to differentiate")
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        await go_to(pilot, "optics_tam", 2030)
        await pilot.pause(0.2)
        await settle(pilot)
        why = "not available (optics_tam is too deep to differentiate)"
        assert str(app.query_one("#cell-sens").render()) == f"sensitivities: {why}"
        assert f"tornado: {why}" in str(app.query_one(Tornado).render())
