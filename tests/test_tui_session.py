"""The terminal UI's controller, without the UI: edits, checks, undo, save, reload.

The incremental path (one definition re-parsed, only what it reaches re-checked
and recomputed) is compared with the plain one (`load_model` of the saved text,
then `evaluate`) on random edits of the bundled scenarios.
"""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsl.errors import ScnError
from engine import evaluate, load_model
from engine.address import Cell
from tui.session import (BROKEN, CHANGED, DELETED, ENTRY, NEW, NOTHING, NOTICED, RELOADED, RHS,
                         SAME, Disk, DiskChanged, EditRefused, Session, same)
from tui.session.controller import State

ROOT = Path(__file__).resolve().parent.parent
AI = ROOT / "tests" / "models" / "ai_capex_v1.scn"


@pytest.fixture
def ai(tmp_path):
    path = tmp_path / "ai_capex.scn"
    shutil.copy(AI, path)
    return Session.open(str(path))


def at(session: Session, name: str, year: int) -> Cell:
    """The cell of `name` in `year`, as the inspector asks for it."""
    return Cell(name, session.model.axis.index(year))


def diff(a: str, b: str) -> list[str]:
    return [line for line in difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and line[:3] not in ("+++", "---")]


def full_values(text: str) -> dict[str, dict[str, list]]:
    model = load_model(text, "full.scn")
    return {s: evaluate(model, s).raw.head(len(model.years)).select(model.variables)
            .to_dict(as_series=False) for s in model.scenarios}


def exactly(a, b) -> bool:
    """The same float to the last bit (NaN is NaN), or both empty."""
    return a is b if a is None or b is None else (a == b or (a != a and b != b))


def assert_same_values(session: Session) -> None:
    expected = full_values(session.render_text())
    for scenario, table in expected.items():
        got = session.values(scenario)
        for v, row in table.items():
            assert all(exactly(a, b) for a, b in zip(got[v], row)), (scenario, v, got[v], row)
    model = load_model(session.render_text(), "full.scn")
    for scenario in model.scenarios:  # the same warnings (their lines may differ: new lines)
        expected = frozenset(w.subject.variable for w in evaluate(model, scenario).warnings)
        assert session.warned(scenario) == expected, scenario


# ------------------------------------------------------------------ editing


def test_enter_edits_the_definition_that_covers_the_cell(ai):
    request = ai.editor("base", "asic_share", 2027, single_year=False)
    assert request.target.kind == RHS
    assert request.prefill == "interp({2024: 10%, 2030: 45%})"
    assert request.covers == "2024..2030"
    assert request.where.endswith("ai_capex.scn:61")
    before = ai.values("base")["optics_tam"][-1]
    ai.apply(request.target, "interp({2024: 10%, 2030: 60%})")
    after = ai.values("base")["optics_tam"][-1]
    assert after > before
    assert ai.values("base", ai.root)["optics_tam"][-1] == before  # the file's value is kept
    assert_same_values(ai)
    assert diff(ai.disk_text, ai.render_text()) == [
        "-asic_share = interp({2024: 10%, 2030: 45%})  # assumption: ~10% in 2024, 45% by 2030",
        "+asic_share = interp({2024: 10%, 2030: 60%})  # assumption: ~10% in 2024, 45% by 2030",
    ]


def test_a_cell_of_a_year_map_edits_its_entry_and_keeps_the_comments(ai):
    request = ai.editor("base", "capex_growth", 2027, single_year=False)
    assert (request.target.kind, request.prefill, request.covers) == (ENTRY, "20%", "2027")
    ai.apply(request.target, "28%")
    ai.apply(ai.editor("base", "capex_growth", 2028, False).target, "18%")
    assert diff(ai.disk_text, ai.render_text()) == [
        "-  2027: 20%,  # assumption", "-  2028: 15%,  # assumption",
        "+  2027: 28%,  # assumption", "+  2028: 18%,  # assumption",
    ]
    assert ai.values("base")["capex_growth"][3:5] == [0.28, 0.18]
    assert_same_values(ai)


def test_equals_creates_a_line_for_that_year_after_the_variables_last_definition(ai):
    request = ai.editor("base", "asic_share", 2027, single_year=True)
    assert request.target.kind == NEW and request.head == "asic_share[2027] = "
    ai.apply(request.target, "30%")
    assert ai.values("base")["asic_share"][3] == 0.3
    assert diff(ai.disk_text, ai.render_text()) == ["+asic_share[2027] = 30%"]
    lines = ai.render_text().splitlines()
    assert lines[lines.index("asic_share[2027] = 30%") - 1].startswith("asic_share = interp(")
    # `=` again on the same cell edits that new line
    again = ai.editor("base", "asic_share", 2027, single_year=True)
    assert again.target == request.target and again.prefill == "30%"
    assert_same_values(ai)


def test_equals_in_a_scenario_adds_the_line_to_its_block(ai):
    request = ai.editor("bear", "accel_share", 2028, single_year=True)
    ai.apply(request.target, "65%")
    assert diff(ai.disk_text, ai.render_text()) == ["+  accel_share[2028] = 65%"]
    text = ai.render_text().splitlines()
    assert text[text.index("  accel_share[2028] = 65%") + 1] == "}"
    assert ai.values("bear")["accel_share"][4] == 0.65
    assert ai.values("base")["accel_share"][4] == 0.6
    assert_same_values(ai)


def test_enter_in_a_scenario_on_a_base_definition_says_it_applies_everywhere(ai):
    request = ai.editor("bull", "accel_share", 2027, single_year=False)
    assert request.target.layer == "base"
    assert "every scenario" in request.note


@pytest.mark.parametrize("text, message", [
    ("optics_tam", "circular reference in the same year: asic_share -> optics_tam"),
    ("capex_grwth", "unknown variable 'capex_grwth'"),
    ("capex_growth", "capex_growth has no value for 2024, used by line 61"),
    ("1 +", "expected a value after the operator"),
    ("", "the value is empty"),
])
def test_an_invalid_edit_is_refused_with_the_checkers_message_and_changes_nothing(ai, text, message):
    request = ai.editor("base", "asic_share", 2027, False)
    before = ai.state
    with pytest.raises(EditRefused) as e:
        ai.apply(request.target, text)
    assert message in "\n".join(e.value.lines)
    first = e.value.lines[0]
    assert first.split(":")[1] == "61"  # FILE:LINE:COL at the edited line
    assert ai.state is before and not ai.dirty


def test_an_edit_that_breaks_another_scenario_is_refused(tmp_path):
    path = tmp_path / "s.scn"
    path.write_text("years 2024..2026\na = 1\nb = a * 2\nc = 5\nscenario s {\n  a = c\n}\n")
    session = Session.open(str(path))
    request = session.editor("base", "c", 2025, single_year=False)
    with pytest.raises(EditRefused) as e:  # fine in base; a cycle a -> c -> b -> a in s
        session.apply(request.target, "b")
    assert "(in scenario 's')" in e.value.lines[0] and "circular reference" in e.value.lines[0]
    assert not session.dirty


def test_an_edit_reports_the_warnings_a_run_finds_distribution_parameters_included(tmp_path):
    """The session's results come from engine.api.recompute: an edit that makes a
    distribution's parameters impossible warns, as `scn run` of the saved text does."""
    path = tmp_path / "s.scn"
    path.write_text("years 2024..2026\nsd = 1\nx = normal(10, sd)\ny = x * 2\n")
    session = Session.open(str(path))
    assert session.result("base").warnings == []
    session.apply(session.editor("base", "sd", 2025, single_year=False).target, "-1")
    (w,) = session.result("base").warnings
    assert w.severity == "warning" and w.span.line == 3 and w.span.col == 5
    assert w.message == ("x in 2024: normal(mean, sd) needs sd >= 0, but sd is -1 "
                         "(definition on line 3)")
    assert session.warned("base") == {"x"}
    assert session.cell("base", at(session, "x", 2025)).warning == w.message
    full = load_model(session.render_text(), str(path))
    assert [d.message for d in evaluate(full).warnings] == [w.message]
    session.undo()
    assert session.result("base").warnings == [] and session.warned("base") == frozenset()


def test_typing_the_files_text_back_removes_the_edit(ai):
    request = ai.editor("base", "accel_share", 2027, False)
    ai.apply(request.target, "70%")
    assert ai.dirty
    ai.apply(request.target, "60%")
    assert not ai.dirty and ai.render_text() == ai.disk_text


def test_undo_and_redo_step_through_the_edits(ai):
    t1 = ai.editor("base", "accel_share", 2027, False).target
    ai.apply(t1, "70%")
    t2 = ai.editor("base", "ai_share", 2027, False).target
    ai.apply(t2, "interp({2024: 55%, 2030: 85%})")
    edited = ai.values("base")["optics_tam"]
    assert ai.undo() and ai.undo() and not ai.undo()
    assert not ai.dirty and ai.values("base")["optics_tam"] == ai.values("base", ai.root)["optics_tam"]
    assert ai.redo() and ai.redo() and not ai.redo()
    assert ai.values("base")["optics_tam"] == edited
    assert_same_values(ai)


def test_changed_cells_are_those_that_differ_from_the_file(ai):
    ai.apply(ai.editor("base", "asic_optics_multiplier", 2027, False).target, "4")
    changed = ai.changed_cells("base")
    assert "optics_tam" in changed and "capex" not in changed
    assert changed["asic_optics_multiplier"][0] == 3.8
    assert set(changed["optics_tam"]) == set(range(7))


def _from_scratch(session: Session, scenario: str) -> tuple:
    """(values, input masks, changed cells) of the current state made anew, not from its
    parent state's views (`State` without a parent nor views: every view whole)."""
    state = session.state
    alone = State(state.changes, state.model, state.definitions)
    alone.views["order"] = {v: k for k, v in enumerate(state.model.variables)}
    values = session.values(scenario, alone)
    return (values, session.inputs(scenario, alone), session._changed_cells(scenario, alone))


def test_an_edits_views_are_those_made_from_scratch(ai):
    """Values, input marks and changed cells are made from the parent state's (only what
    the edit recomputed or changed): after an input made a formula, a formula made an
    input, a second edit of the same cell and an undo, each equals the view made whole."""
    edits = [("asic_share", 2027, "accel_share * 0.5"),  # an input becomes a formula
             ("asic_spend", 2027, "12"),  # a formula becomes an input
             ("asic_optics_multiplier", 2027, "4"),
             ("asic_optics_multiplier", 2027, "4.2")]
    for name, year, text in edits:
        ai.apply(ai.editor("base", name, year, False).target, text)
        for scenario in ai.model.scenarios:
            values, inputs, changed = _from_scratch(ai, scenario)
            assert ai.inputs(scenario) == inputs, (name, scenario)
            assert ai.changed_cells(scenario) == changed, (name, scenario)
            got = ai.values(scenario)
            assert got.keys() == values.keys()
            assert all(all(map(exactly, got[v], values[v])) for v in values), (name, scenario)
    assert ai.undo()
    values, inputs, changed = _from_scratch(ai, "base")
    assert ai.inputs("base") == inputs and ai.changed_cells("base") == changed


def test_the_inspector_knows_the_cell(ai):
    info = ai.cell("base", at(ai, "asic_spend", 2027))
    assert info.definition == "asic_spend = accel_spend * asic_share"
    assert info.where.endswith("ai_capex.scn:64") and info.kind == "formula"
    assert [link.variable for link in info.precedents] == ["accel_spend", "asic_share"]
    assert [link.variable for link in info.dependents] == ["gpu_spend", "asic_compute"]
    assert ai.cell("base", at(ai, "capex", 2024)).kind == "input"
    assert ai.cell("base", at(ai, "capex", 2025)).precedents[0].period == 0  # capex[t-1]: 2024
    assert ai.cell("base", at(ai, "capex_growth", 2024)).kind == "empty"


# ------------------------------------------------------------------ the file


def test_save_changes_exactly_the_edited_line(ai):
    original = Path(ai.path).read_text()
    os.chmod(ai.path, 0o644)
    ai.apply(ai.editor("base", "asic_share", 2030, False).target, "interp({2024: 10%, 2030: 60%})")
    ai.save()
    saved = Path(ai.path).read_text()
    assert len(diff(original, saved)) == 2
    assert not ai.dirty and ai.disk_text == saved
    assert os.stat(ai.path).st_mode & 0o777 == 0o644
    assert [p.name for p in Path(ai.path).parent.iterdir()] == ["ai_capex.scn"]  # no temporary


def test_save_refuses_to_overwrite_a_file_changed_on_disk(ai, tmp_path):
    ai.apply(ai.editor("base", "accel_share", 2027, False).target, "70%")
    Path(ai.path).write_text(ai.disk_text + "\n# edited elsewhere\n")
    with pytest.raises(DiskChanged):
        ai.save()
    assert Path(ai.path).read_text().endswith("# edited elsewhere\n")
    other = tmp_path / "copy.scn"
    assert ai.save(str(other)) == str(other)  # saving elsewhere is allowed
    assert "accel_share = 70%" in other.read_text()


def test_a_change_on_disk_is_seen_and_reloaded(ai):
    assert ai.watch() == NOTHING
    text = Path(ai.path).read_text().replace("accel_share = 60%", "accel_share = 65%")
    Path(ai.path).write_text(text)
    os.utime(ai.path, ns=(1, 1))
    assert ai.watch() == RELOADED and ai.watch() == NOTHING
    assert ai.disk_text == text and ai.values("base")["accel_share"][0] == 0.65


def test_a_broken_text_on_disk_keeps_the_last_good_model(ai):
    before, text = ai.model, ai.disk_text
    Path(ai.path).write_text(text.replace("accel_share = 60%", "accel_share = 60% +"))
    os.utime(ai.path, ns=(1, 1))
    assert ai.watch() == NOTICED and ai.model is before
    assert ai.disk.status == BROKEN and ":54:20: error:" in ai.disk.lines[0]
    Path(ai.path).write_text(text)  # restored: nothing to reload, nothing wrong any more
    os.utime(ai.path, ns=(2, 2))
    assert ai.watch() == NOTICED and ai.disk == Disk(SAME) and ai.model is before


def test_a_change_made_while_the_file_loads_is_seen_next(tmp_path, monkeypatch):
    path = tmp_path / "ai_capex.scn"
    shutil.copy(AI, path)
    import tui.session.controller as controller
    real = controller.load_model

    def load_while_someone_saves(text, source):
        model = real(text, source)
        path.write_text(text.replace("accel_share = 60%", "accel_share = 65%"))
        os.utime(path, ns=(1, 1))
        return model
    monkeypatch.setattr(controller, "load_model", load_while_someone_saves)
    session = Session.open(str(path))
    monkeypatch.setattr(controller, "load_model", real)
    assert session.values("base")["accel_share"][0] == 0.60
    assert session.watch() == RELOADED
    assert session.values("base")["accel_share"][0] == 0.65


def test_edits_are_kept_when_the_file_changes_and_ctrl_r_drops_them(ai):
    ai.apply(ai.editor("base", "accel_share", 2027, False).target, "70%")
    text = ai.disk_text.replace("ai_share = interp", "ai_share = 1.0 * interp")
    Path(ai.path).write_text(text)
    os.utime(ai.path, ns=(1, 1))
    assert ai.watch() == NOTICED and ai.disk.status == CHANGED and ai.dirty
    assert ai.reload_from_disk() and not ai.dirty and ai.disk_text == text


def test_a_deleted_file_is_noticed_and_saving_writes_it_back(ai):
    text = ai.disk_text
    os.remove(ai.path)
    assert ai.watch() == NOTICED and ai.disk.status == DELETED and ai.watch() == NOTHING
    assert not ai.reload_from_disk() and ai.disk.status == DELETED  # nothing to reload
    ai.apply(ai.editor("base", "accel_share", 2027, False).target, "70%")
    assert ai.save() == ai.path  # no DiskChanged: there is nothing to overwrite
    assert Path(ai.path).read_text() == text.replace("accel_share = 60%", "accel_share = 70%")
    assert ai.disk == Disk(SAME) and ai.watch() == NOTHING


def test_saved_elsewhere_the_session_stands_for_the_new_file(ai, tmp_path):
    old = ai.path
    ai.apply(ai.editor("base", "accel_share", 2027, False).target, "70%")
    other = str(tmp_path / "copy.scn")
    ai.save(other)
    assert ai.path == other and ai.is_own_file(other) and not ai.dirty
    assert ai.editor("base", "accel_share", 2027, False).where == f"{other}:54"
    Path(old).write_text("garbage")
    os.utime(old, ns=(1, 1))
    assert ai.watch() == NOTHING  # the old file is no longer this session's


# ------------------------------------------------------------------ a comment typed with a value


def test_a_typed_comment_replaces_the_line_s_comment_and_the_inspector_agrees(ai):
    target = ai.editor("base", "accel_share", 2027, False).target
    assert ai.editor("base", "accel_share", 2027, False).comment == "# assumption"
    ai.apply(target, "62% # new note")
    line = "accel_share = 62%  # new note"
    assert diff(ai.disk_text, ai.render_text()) == ["-accel_share = 60%  # assumption", "+" + line]
    cell = ai.cell("base", at(ai, "accel_share", 2027))
    assert f"{cell.definition}  {cell.comment}" == line
    request = ai.editor("base", "accel_share", 2027, False)
    assert (request.prefill, request.comment) == ("62%", "# new note")
    ai.apply(target, "63%")  # no comment typed: the one shown stays
    assert "accel_share = 63%  # new note" in ai.render_text()
    ai.apply(target, "60% # assumption")  # typed back what the file says: no edit
    assert not ai.dirty
    ai.apply(target, "60% # sourced: call 2025-08-16")  # a comment alone is an edit
    assert ai.dirty and "accel_share = 60%  # sourced: call 2025-08-16" in ai.render_text()
    ai.apply(target, "60% #")  # `#` alone removes it
    assert "\naccel_share = 60%\n" in ai.render_text()


def test_a_comment_typed_on_a_map_entry_and_on_a_new_line(ai):
    ai.apply(ai.editor("base", "capex_growth", 2028, False).target, "18% # mine")
    ai.apply(ai.editor("base", "capex", 2027, True).target, "500B # a new line")
    assert sorted(diff(ai.disk_text, ai.render_text())) == [
        "+  2028: 18%,  # mine", "+capex[2027] = 500B  # a new line", "-  2028: 15%,  # assumption"]
    assert_same_values(ai)


# ------------------------------------------------------------------ the fast path is exact

EDITS = ["45%", "capex * 55%", "interp({2024: 10%, 2030: 40%})", "{2025: 1, 2026..: 2}",
         "optics_tam", "capex_growth", "nosuch", "1 +", "x[t-1]", "asic_share[t-1] * 1.1",
         "gpu_spend / 2", "max(capex, 3)", "cumsum(ai_share)", "growth(capex)", "0"]


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_random_edits_match_a_full_reload(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fast") / "ai_capex.scn"
    shutil.copy(AI, path)
    session = Session.open(str(path))
    model = session.model
    for _ in range(data.draw(st.integers(1, 4))):
        scenario = data.draw(st.sampled_from(list(model.scenarios)))
        name = data.draw(st.sampled_from(model.variables))
        year = data.draw(st.sampled_from(model.years))
        request = session.editor(scenario, name, year, data.draw(st.booleans()))
        text = data.draw(st.sampled_from(EDITS))
        changes = {**session.state.changes, request.target: text}
        full = session.render_text(SimpleNamespace(changes=changes))
        try:
            load_model(full, "full.scn")
            loads = True
        except ScnError:
            loads = False
        try:
            session.apply(request.target, text)
            accepted = True
        except EditRefused:
            accepted = False
        assert accepted == loads, (request.target, text)
    assert_same_values(session)


def test_an_editor_opened_before_a_save_cannot_place_its_edit(ai):
    request = ai.editor("base", "asic_share", 2027, single_year=True)
    ai.apply(ai.editor("base", "ai_share", 2027, False).target, "interp({2024: 50%, 2030: 80%})")
    ai.save()
    with pytest.raises(EditRefused, match="saved or reloaded"):
        ai.propose(request.target, "30%", request.generation)


def test_float_noise_is_no_change():
    assert same(0.1 + 0.2, 0.3) and same(None, None) and same(float("nan"), float("nan"))
    assert not same(1.0, 1.0 + 1e-9) and not same(None, 0.0) and not same(float("inf"), 1e308)


# ------------------------------------------------------------------ units


def test_an_edit_of_an_annotated_definition_keeps_its_annotation(tmp_path):
    path = tmp_path / "u.scn"
    path.write_text("years 2024..2026\ncapex: USD last = {2024: 1B, 2025..: 2B}  # guide\n"
                    "growth: % = 5%\n")
    s = Session.open(str(path))
    s.apply(s.editor("base", "capex", 2025, False).target, "3B")
    s.apply(s.editor("base", "growth", 2025, single_year=False).target, "7%")
    assert diff(s.disk_text, s.render_text()) == [
        "-capex: USD last = {2024: 1B, 2025..: 2B}  # guide", "-growth: % = 5%",
        "+capex: USD last = {2024: 1B, 2025..: 3B}  # guide", "+growth: % = 7%",
    ]
    s.apply(s.editor("base", "capex", 2026, single_year=True).target, "4B")  # a new line
    assert "capex[2026] = 4B" in s.render_text()
    assert s.model.annotations["capex"].text == "USD last"
    s.save()
    assert load_model(Path(s.path).read_text()).annotations["capex"].aggregation == "last"


def test_a_row_read_from_a_result_is_the_row_of_its_table(ai):
    """`Session.row` (what the chart reads of a scenario whose table is not made yet) gives
    what `values(scenario)[key]` gives, before and after an edit; `computed` names the
    scenarios evaluated in the state, the others only once asked for."""
    assert ai.computed() == []
    ai.result("bull")
    assert ai.computed() == ["bull"]
    for name in ai.model.variables:
        assert ai.row("bull", name) == ai.values("bull")[name]
    with pytest.raises(KeyError):
        ai.row("bear", "no_such_row")
    ai.apply(ai.editor("base", "accel_share", 2027, False).target, "65%")
    assert ai.computed() == []  # the edited state: nothing evaluated yet
    fresh = {sc: evaluate(ai.model, sc) for sc in ai.model.scenarios}
    for sc in ai.model.scenarios:
        rows = {name: ai.row(sc, name) for name in ai.model.variables}
        assert rows == {name: fresh[sc].series(name) for name in ai.model.variables}
        assert rows == {name: ai.values(sc)[name] for name in ai.model.variables}
    assert ai.computed() == list(ai.model.scenarios)
