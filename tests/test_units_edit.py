"""Unit inference after an edit starts from the parent model's (engine.unit_check.edited):
its units and warnings are the whole pass', whatever the edit does to them."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.cache import ModelCache
from engine.unit_check import unit_warnings, units
from tui.session import EditRefused, Session

ROOT = Path(__file__).resolve().parent.parent
FILES = ["unit_economics.scn", "saas_revenue.scn", "ai_capex.scn"]


def whole_pass(model):
    """The model inferred from scratch: a fresh cache (what each piece reads kept)."""
    cache = ModelCache()
    cache.uses = model.cache.uses.copy()
    return dataclasses.replace(model, cache=cache)


def assert_whole(model) -> None:
    fresh = whole_pass(model)
    assert units(model) == units(fresh)
    assert unit_warnings(model) == unit_warnings(fresh)


def edits(names: list[str]):
    name = st.sampled_from(names)
    return st.one_of(
        st.sampled_from(["5%", "3", "2.5x", "12", "-1"]),
        st.builds(lambda a: f"{a} * 2", name),
        st.builds(lambda a, b: f"{a} + {b}", name, name),
        st.builds(lambda a, b: f"{a} / {b}", name, name),
        st.builds(lambda a, b: f"{a} * {b}", name, name),
        st.builds(lambda a: f"{a}[t-1] * 1.1", name),
    )


def test_an_edit_that_changes_a_unit_reaches_its_readers_and_their_warnings(tmp_path):
    path = tmp_path / "u.scn"
    path.write_text("years 2024..2026\nspend: USD = 5B\nrate = 5%\nshare = rate * 2\n"
                    "total: USD = spend + share\nlabel = share\n")
    s = Session.open(str(path))
    assert units(s.model)["share"].text == "%" and len(unit_warnings(s.model)) == 1
    s.apply(s.editor("base", "rate", 2024, False).target, "spend")  # % becomes USD
    assert units(s.model)["label"].text == "USD" and unit_warnings(s.model) == []
    assert_whole(s.model)
    s.apply(s.editor("base", "rate", 2024, False).target, "7%")
    assert units(s.model)["label"].text == "%" and len(unit_warnings(s.model)) == 1
    assert_whole(s.model)


@pytest.mark.parametrize("warnings_each_time", [True, False])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_edits_infer_what_the_whole_pass_does(warnings_each_time, data):
    file = data.draw(st.sampled_from(FILES))
    session = Session.open(str(ROOT / "scenarios" / file))
    units(session.model)
    names = list(session.model.variables)
    for _ in range(data.draw(st.integers(1, 5))):
        scenario = data.draw(st.sampled_from(list(session.model.scenarios)))
        name = data.draw(st.sampled_from(names))
        year = data.draw(st.sampled_from(session.model.years))
        request = session.editor(scenario, name, year, data.draw(st.booleans()))
        if isinstance(request, str):
            continue
        try:
            session.apply(request.target, data.draw(edits(names)))
        except EditRefused:
            continue
        units(session.model)  # the inference the next edit starts from
        if warnings_each_time:
            unit_warnings(session.model)
    assert_whole(session.model)
