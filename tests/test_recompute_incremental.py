"""An edit's recompute, incremental all the way, equals a full evaluation.

The UI edits through `engine.edit.replace_definition`: the edited model keeps
every other variable's cover and, when the edit changes no edge, the graph.
`recompute` then compiles only the edited variable (`engine.plan`), runs only
the levels holding what it reaches, starts from the previous run's columns
and checks warnings only where it recomputed. Whatever it skips, its frame
must be the full evaluation's of the edited text, bit for bit (the CSV of
`Result.frame`), and so must its warnings, along a chain of random edits.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, note, settings
from hypothesis import strategies as st

from dsl.document import parse_document
from dsl.errors import ScnError
from dsl.parser import parse_statement
from engine import evaluate, load_model
from engine.api import recompute
from engine.edit import replace_definition
from strategies import models
from strategies_dims import dim_models
from test_property_eval import edits

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                       HealthCheck.data_too_large])


def _edited_definition(text: str, edited: str):
    """(layer, name, line) of the one definition the edit changed, and its new
    statement; None when the edit moved lines (the other definitions' positions
    would then differ from a reload's)."""
    if text.count("\n") != edited.count("\n"):
        return None
    before, after = parse_document(text), parse_document(edited)
    if len(before.definitions) != len(after.definitions):
        return None
    lines = edited.split("\n")
    for old, new in zip(before.definitions, after.definitions):
        d = new.definition
        statement = "\n".join(lines[d.span.line - 1:d.span.end_line])
        if old.definition.span == d.span and statement == "\n".join(
                text.split("\n")[d.span.line - 1:d.span.end_line]):
            continue
        return old.scenario, d.name, old.definition.span.line, statement
    return None


def _warnings(result) -> list[tuple]:
    return [(w.message, w.code, w.span.line, w.span.col) for w in result.warnings]


def _old_definition(model, layer: str, name: str, line: int):
    return next(p.definition for p in model.layers[layer][name]
                if p.definition.span.line == line)


@pytest.mark.slow
@settings(max_examples=80, **SETTINGS)
@given(gm=models(risky=True), data=st.data())
def test_recompute_after_edits_in_place_equals_a_full_evaluation(gm, data):
    _edit_chain(gm, data)


@pytest.mark.slow
@settings(max_examples=40, **SETTINGS)
@given(gm=dim_models(risky=False), data=st.data())
def test_recompute_after_edits_in_place_with_dims_equals_a_full_evaluation(gm, data):
    """The same with dims: a frame per set of dims, helpers read across them."""
    _edit_chain(gm, data)


def _edit_chain(gm, data) -> None:
    text = gm.text.replace("\r\n", "\n")
    try:
        model = load_model(text)
        scenario = data.draw(st.sampled_from(gm.scenarios), label="scenario")
        previous = evaluate(model, scenario)
    except ScnError:
        assume(False)
    for step in range(data.draw(st.integers(1, 4), label="edits")):
        edited = data.draw(edits(text), label=f"edit {step}")
        found = _edited_definition(text, edited)
        if found is None:
            event("edit moved lines: skipped")
            continue
        layer, name, line, statement = found
        note(f"edit {step}: {statement!r} (line {line}, {layer})")
        try:
            full = evaluate(load_model(edited), scenario)
        except ScnError:
            full = None
        try:
            new = parse_statement(statement, line)
            edited_model = replace_definition(model, layer, name,
                                              _old_definition(model, layer, name, line), new)
        except ScnError:
            assert full is None, "the edit was refused, but the text loads"
            event("edit refused")
            continue
        assert full is not None, "the edit was taken, but the text does not load"
        result = recompute(previous, edited_model, scenario)
        event("incremental plan" if result.plan.index is previous.plan.index
              else "plan compiled again")
        assert result.frame.write_csv() == full.frame.write_csv(), f"edit {step}"
        # raw's columns stay in the order of the run they were first made by
        assert result.raw.select(sorted(full.raw.columns)).equals(
            full.raw.select(sorted(full.raw.columns)))
        assert _warnings(result) == _warnings(full)
        previous, model, text = result, edited_model, edited


def test_an_input_edited_in_place_recomputes_from_its_plan_and_columns():
    text = "years 2020..2024\na = 1\nb = b[t-1] * (1 + a / 10) + 1\nb[2020] = 1\nc = 1 / (a - 2)\nd = 5\n"
    model = load_model(text)
    first = evaluate(model)
    assert first.columns is not None  # what the next recompute starts from
    edited = replace_definition(model, "base", "a", _old_definition(model, "base", "a", 2),
                                parse_statement("a = 2", 2))
    again = recompute(first, edited)
    assert again.plan.changed == {"a"} and again.redone == {"a", "b", "c"}
    assert again.plan.index is first.plan.index  # the same graph: no walk of every variable
    assert again.plan.columns["d"] is first.plan.columns["d"]
    assert again.columns[()]["d"] is first.columns[()]["d"]
    full = evaluate(load_model(text.replace("a = 1", "a = 2")))
    assert again.frame.write_csv() == full.frame.write_csv()
    assert [w.message for w in again.warnings] == [w.message for w in full.warnings] == [
        "c is inf in 2020 (definition on line 5)"]
    # an edit's few redone rows are read from their own columns (no matrix of every column)
    assert again._matrix is None
    rows = again.rows_of(["b", "c"])
    assert again._matrix is None
    data, index = full.matrix()
    np.testing.assert_array_equal(rows, data[:5, [index["b"], index["c"]]].T)
    assert rows.shape == (2, 5) and np.isinf(rows[1]).all()
    back = recompute(again, model)  # and back: the warning goes
    assert back.warnings == [] and back.frame.write_csv() == first.frame.write_csv()
    assert re.search(r"\bb\b", back.frame.write_csv().split("\n")[0])


def test_a_file_reloaded_after_an_edit_of_a_value_reuses_the_levels_of_the_plan_before():
    """A model loaded anew (`scn run` of the edited file, the UI's reload after an
    outside edit) has a graph of its own, its levels not made yet: with the same
    edges and recurrences as the plan before, it takes that plan's levels
    (`Graph.share_levels`), so the recompute compiles from it column by column;
    with an edge changed, it makes its own."""
    text = "years 2020..2024\na = 1\nb = b[t-1] * (1 + a / 10) + 1\nb[2020] = 1\nc = a + d\nd = 5\n"
    first = evaluate(load_model(text))
    for edit, shares in (("d = 6", True), ("d = a", False)):
        reloaded = load_model(text.replace("d = 5", edit))
        again = recompute(first, reloaded)
        assert (again.plan.graph.levels is first.plan.graph.levels) is shares, edit
        full = evaluate(load_model(text.replace("d = 5", edit)))
        assert again.frame.write_csv() == full.frame.write_csv(), edit
        if not shares:  # d now reads a: one level higher than an input
            assert again.plan.graph.deps["d"] == ("a",)
