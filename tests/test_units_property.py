"""Random annotated models: a consistent one gets no warning and every unit inferred is
its true one; units are stable under scn fmt; annotations never change a value."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dsl.errors import ScnError
from dsl.format import format_text
from engine import evaluate, load_model
from engine.unit_check import unit_warnings, units
from engine.units import Unit
from tests.strategies import models

POOL = [Unit.of(t) for t in ("USD", "PFLOPS", "USD/PFLOPS", "count", "USD/count", "%", "x", "1",
                             "h", "PFLOPS*h")]
TEXT = {u: u.text for u in POOL}


@st.composite
def typed(draw, unit: Unit, known: list[tuple[str, Unit]], depth: int = 2,
          strict: bool = False) -> str:
    """An expression whose unit is `unit` (for checking), reading only `known` variables.

    A plain number adapts to what it is added to, so it may stand for any unit
    where it is summed or compared or is the whole right-hand side; inside a
    product it is a plain number (`strict`), so a factor of a dimensioned unit
    is built from variables of known dimensions.
    """
    same = [n for n, u in known if u.same_dimension(unit)]

    def can(u: Unit) -> bool:
        return u.dimensionless or any(k.same_dimension(u) for _, k in known)

    loose = unit.dimensionless or not strict
    options = (["literal"] if loose else []) + (["name"] if same else [])
    factors = [o for o in POOL + [u for _, u in known] if can(o) and can(unit / o)]
    if depth > 0:
        options += ["sum", "minmax", "if", "paren"] + (["product", "quotient"] if factors else [])
    if unit.dimensionless:
        options.append("percent")
    if not options:
        options = ["name"]
    kind = draw(st.sampled_from(options))
    sub = lambda u, strict=strict: draw(typed(u, known, depth - 1, strict))  # noqa: E731
    if kind == "literal":  # a % variable's plain numbers are fractions (30 is warned about)
        return draw(st.sampled_from(["1", "0.5"] if unit.shown == "%" else
                                    ["1", "2.5", "0.5", "3B", "7k"]))
    if kind == "percent":
        return draw(st.sampled_from(["30%", "5%", "120%"]))
    if kind == "name":
        return draw(st.sampled_from(same))
    if kind == "sum":
        return f"{sub(unit)} {draw(st.sampled_from('+-'))} {sub(unit)}"
    if kind == "product":
        other = draw(st.sampled_from(factors))
        return f"({sub(other, True)}) * ({sub(unit / other, True)})"
    if kind == "quotient":
        other = draw(st.sampled_from(factors))
        return f"({sub(unit * other, True)}) / ({sub(other, True)})" if can(unit * other) \
            else f"({sub(unit)})"
    if kind == "minmax":
        return f"{draw(st.sampled_from(['min', 'max']))}({sub(unit)}, {sub(unit)})"
    if kind == "if":
        cond = draw(st.sampled_from(POOL))
        return f"if({sub(cond, False)} > {sub(cond, False)}, {sub(unit)}, {sub(unit)})"
    return f"({sub(unit)})"


@st.composite
def consistent_models(draw):
    n = draw(st.integers(1, 7))
    known: list[tuple[str, Unit]] = []
    lines = ["years 2024..2026"]
    truth: dict[str, Unit] = {}
    annotated: set[str] = set()
    for i in range(n):
        name = f"v{i}"
        unit = draw(st.sampled_from(POOL))
        rhs = draw(typed(unit, known))
        if draw(st.booleans()):
            lines.append(f"{name}: {TEXT[unit]} = {rhs}")
            annotated.add(name)
        else:
            lines.append(f"{name} = {rhs}")
        truth[name] = unit
        known.append((name, unit))
    return "\n".join(lines) + "\n", truth, annotated


def _load(text: str):
    try:
        return load_model(text, "p.scn")
    except ScnError:
        assume(False)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(consistent_models())
def test_a_consistent_model_gets_no_warning_and_true_units(drawn):
    text, truth, annotated = drawn
    m = _load(text)
    assert unit_warnings(m) == [], text
    for name, unit in units(m).items():
        if unit is not None:
            assert unit.same_dimension(truth[name]), (text, name, unit)
        if name in annotated:
            assert unit == truth[name]


def _strip(text: str) -> str:
    return re.sub(r"^(\s*\w+(?:\[[^\]]*\])?)\s*:[^=\n]*=", r"\1 =", text, flags=re.M)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(consistent_models(), st.randoms(use_true_random=False))
def test_units_are_stable_under_fmt_and_annotations_never_change_a_value(drawn, rnd):
    text, _, _ = drawn
    # a wrong annotation here and there: warnings, never other values
    lines = text.split("\n")
    for k, line in enumerate(lines):
        if ": " in line and rnd.random() < 0.3:
            lines[k] = re.sub(r": [^=]*=", f": {rnd.choice(list(TEXT.values()))} =", line)
    text = "\n".join(lines)
    m = _load(text)
    formatted = format_text(text)
    assert units(load_model(formatted, "p.scn")) == units(m)
    assert [w.message for w in unit_warnings(load_model(formatted, "p.scn"))] == [
        w.message for w in unit_warnings(m)]
    plain = load_model(_strip(text), "p.scn")
    assert plain.annotations == {}
    a, b = evaluate(m, "base"), evaluate(plain, "base")
    for v in m.variables:
        assert a.series(v) == b.series(v) or all(
            x != x and y != y for x, y in zip(a.series(v), b.series(v)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models())
def test_a_model_without_annotations_gets_no_unit_warning(gen):
    try:
        m = load_model(gen.text, "g.scn")
    except ScnError:
        assume(False)
    assert unit_warnings(m) == []
    assert all(w.code != "unit" for w in m.warnings)
