"""The bundled scenarios: golden outputs, and the call's figures encoded faithfully."""

from pathlib import Path

import pytest

from cli.main import main
from engine import evaluate, load_model

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).with_name("golden")


@pytest.mark.parametrize("name", ["ai_capex", "saas_revenue", "unit_economics"])
def test_golden_csv_is_byte_identical(name, tmp_path, capsys):
    out = tmp_path / "out.csv"
    assert main(["run", str(ROOT / "scenarios" / f"{name}.scn"), "--all-scenarios",
                 "--format", "csv", "-o", str(out)]) == 0
    assert out.read_bytes() == (GOLDEN / f"{name}.csv").read_bytes()


@pytest.fixture(scope="module")
def ai():
    path = ROOT / "scenarios" / "ai_capex.scn"
    m = load_model(path.read_text(), str(path))
    return m, {s: evaluate(m, s) for s in m.scenarios}


def test_the_call_is_encoded(ai):
    m, runs = ai
    base = runs["base"]
    assert list(m.scenarios) == ["base", "bull", "bear"]
    assert 340e9 <= base.value("capex", 2025) <= 350e9  # call: USD 340-350B
    assert 460e9 <= base.value("capex", 2026) <= 470e9  # call: USD 460-470B
    assert base.value("asic_optics_multiplier", 2025) == 3.8
    growth = base.series("optics_growth")[1:]
    assert all(g >= 0.30 for g in growth)  # optics grows 30%+ a year in base
    for s, r in runs.items():
        assert r.warnings == [], s


def test_scenarios_move_the_way_the_call_says(ai):
    _m, runs = ai
    tam = {s: r.value("optics_tam", 2030) for s, r in runs.items()}
    assert tam["bear"] < tam["base"] < tam["bull"]
    assert runs["bear"].value("asic_optics_multiplier", 2030) == pytest.approx(2.0)
    assert runs["bull"].value("asic_share", 2030) > runs["base"].value("asic_share", 2030)


def test_asic_share_moves_optics_more_than_its_spend(ai):
    """The thesis: per dollar, ASICs pull more optics, so optics TAM rises with ASIC share."""
    m, runs = ai
    from engine import parse_overrides

    bumped = evaluate(m, "base", parse_overrides(m, ["asic_share = interp({2024: 11%, 2030: 46%})"]))
    for y in m.years:
        assert bumped.value("optics_tam", y) > runs["base"].value("optics_tam", y)
        assert bumped.value("accel_spend", y) == runs["base"].value("accel_spend", y)
