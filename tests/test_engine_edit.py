"""engine.edit: one definition replaced, checked where it reaches, recomputed from before."""

from __future__ import annotations

import pytest

from dsl.errors import ScnError
from dsl.parser import parse_statement
from engine import evaluate, load_model
from engine.api import recompute
from engine.edit import replace_definition

TEXT = """years 2024..2026
a = 1
b = a * 2
c = 5
d = b + c
scenario s {
  c = 7
}
"""


def edit(model, layer, name, text, line):
    old = model.layers[layer][name][0].definition
    return replace_definition(model, layer, name, old, parse_statement(text, line))


def test_an_edit_recomputes_from_before_and_agrees_with_a_full_load():
    model = load_model(TEXT)
    before = {s: evaluate(model, s) for s in model.scenarios}
    edited = edit(model, "base", "a", "a = 10", 2)
    # every scenario is checked already: recompute starts from the checks, not the text
    assert set(edited.cache.checked) == {"base", "s"}
    full = load_model(TEXT.replace("a = 1", "a = 10"))
    for s, r in before.items():
        again = recompute(r, edited, s)
        assert again.plan.changed == {"a"}
        assert again.raw.equals(evaluate(full, s).raw)


def test_a_scenario_the_edit_does_not_reach_keeps_its_checks():
    model = load_model(TEXT)
    edited = edit(model, "s", "c", "  c = 8", 7)
    assert edited.cache.checked["base"] is model.cache.checked["base"]
    assert edited.cache.checked["s"] is not model.cache.checked["s"]
    assert recompute(evaluate(model, "s"), edited, "s").series("d") == [10.0] * 3


def test_an_edit_that_breaks_a_scenario_is_refused_with_the_scenario_named():
    model = load_model(TEXT)
    with pytest.raises(ScnError) as e:
        edit(model, "base", "c", "c = d", 4)
    (d,) = e.value.diagnostics
    assert d.message.startswith("circular reference in the same year: ")
    assert (d.span.line, d.span.col) == (4, 1)
    with pytest.raises(ScnError) as e:
        edit(model, "base", "a", "a = c * nosuch", 2)
    (d,) = e.value.diagnostics
    assert (d.message, d.span.line, d.span.col) == ("unknown variable 'nosuch'", 2, 9)


def test_the_edited_model_keeps_what_unchanged_pieces_read():
    model = load_model(TEXT)
    edited = edit(model, "base", "a", "a = 10", 2)
    piece = model.layers["base"]["d"][0]
    assert edited.layers["base"]["d"][0] is piece
    assert edited.cache.uses.get(piece) is model.cache.uses.get(piece)
