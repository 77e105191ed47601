"""The review commands with dims: `scn diff`, `scn snapshot`, `scn textconv` per member
cell (`capex[goog]` rows), an assumption of one member named with its member, and the
attribution of each change per member.

Assumptions, values and snapshots are tested on parsed documents and value
tables (no engine needed); the commands through the real `scn` once the
engine evaluates dims.
"""

from __future__ import annotations

import json
import tomllib

import pytest

from dsl.document import parse_document
from dsl.format import document_text
from engine.attribution import apply_change
from engine.axis import TimeAxis
from engine.compare import assumptions, compare_documents
from engine.value_diff import CellChange, Values, compare_values, split_row
from cli.snapshot import read_snapshot, snapshot_text
from dims_helpers import DIMS, needs_dims_engine, stand_in
from test_cli import scn

B = 1e9
AXIS = TimeAxis.of_years(2024, 2026)


def _doc(text: str):
    return parse_document(text, "m.scn")


def _changes(old: str, new: str):
    return [(c.kind, c.layer, c.label, c.old.text if c.old else None, c.new.text if c.new else None)
            for c in compare_documents(_doc(old), _doc(new)).changes]


# ---------------------------------------------------------------- assumptions


def test_a_member_map_is_an_assumption_per_member():
    found = [(a.label, a.text, a.line) for a in assumptions(_doc(DIMS))][:5]
    assert found == [
        ("capex[goog, 2024]", "capex[2024] = {goog: 50B, ...}", 7),
        ("capex[meta, 2024]", "capex[2024] = {meta: 40B, ...}", 7),
        ("capex[orcl, 2024]", "capex[2024] = {orcl: 10B, ...}", 7),
        ("capex", "capex = capex[t-1] * (1 + capex_growth)", 8),
        ("capex_growth", "capex_growth = 20%", 9)]


def test_an_edit_of_one_member_is_named_with_its_member():
    new = DIMS.replace("capex_growth[orcl] = 50%", "capex_growth[orcl] = 60%")
    assert _changes(DIMS, new) == [("edited", "base", "capex_growth[orcl]",
                                    "capex_growth[orcl] = 50%", "capex_growth[orcl] = 60%")]


def test_an_edit_of_one_entry_of_a_member_map_is_that_member_only():
    new = DIMS.replace("meta: 40B", "meta: 45B")
    assert _changes(DIMS, new) == [("edited", "base", "capex[meta, 2024]",
                                    "capex[2024] = {meta: 40B, ...}",
                                    "capex[2024] = {meta: 45B, ...}")]
    reordered = DIMS.replace("{goog: 50B, meta: 40B, orcl: 10B}", "{orcl: 10B, goog: 50B, meta: 40B}")
    assert _changes(DIMS, reordered) == []


def test_a_scenario_edit_of_one_member():
    new = DIMS.replace("capex_growth[orcl] = 90%", "capex_growth[orcl] = 80%")
    assert _changes(DIMS, new) == [("edited", "bull", "capex_growth[orcl]",
                                    "capex_growth[orcl] = 90%", "capex_growth[orcl] = 80%")]


def test_a_member_added_to_a_map_and_a_member_definition_added():
    new = DIMS.replace("capex_growth[orcl] = 50%",
                       "capex_growth[orcl] = 50%\ncapex_growth[goog, 2025] = 62%")
    assert _changes(DIMS, new) == [("added", "base", "capex_growth[goog, 2025]", None,
                                    "capex_growth[goog, 2025] = 62%")]


# ---------------------------------------------------------------- applying one change alone


def _applied(old: str, new: str) -> str:
    (change,) = compare_documents(_doc(old), _doc(new)).changes
    return document_text(apply_change(_doc(old), change))


def test_applying_a_member_edit_leaves_the_other_members_definitions():
    new = DIMS.replace("capex_growth[orcl] = 50%", "capex_growth[orcl] = 60%")
    text = _applied(DIMS, new)
    assert "capex_growth = 20%" in text and "capex_growth[orcl] = 60%" in text
    assert "capex_growth[orcl] = 50%" not in text


def test_applying_a_member_map_entry_edit_changes_that_entry():
    new = DIMS.replace("meta: 40B", "meta: 45B")
    text = _applied(DIMS, new)
    assert "capex[2024] = {goog: 50B, orcl: 10B, meta: 45B}" in text


def test_applying_a_removed_member_entry_and_an_added_member_definition():
    gone = DIMS.replace("{goog: 50B, meta: 40B, orcl: 10B}", "{goog: 50B, meta: 40B}")
    assert "capex[2024] = {goog: 50B, meta: 40B}" in _applied(DIMS, gone)
    added = DIMS.replace("capex_growth[orcl] = 50%",
                         "capex_growth[orcl] = 50%\ncapex_growth[goog, 2025] = 62%")
    assert "capex_growth[goog, 2025] = 62%" in _applied(DIMS, added)


# ---------------------------------------------------------------- values per member cell


def _values(rows: dict[str, tuple]) -> Values:
    return Values(AXIS, tuple(rows), {"base": rows})


def test_moved_cells_are_per_member_row():
    old = _values({"capex[goog]": (50 * B, 60 * B, 72 * B), "capex[orcl]": (10 * B, 15 * B, 22.5 * B),
                   "na_capex": (60 * B, 75 * B, 94.5 * B)})
    new = _values({"capex[goog]": (50 * B, 60 * B, 72 * B), "capex[orcl]": (10 * B, 16 * B, 25.6 * B),
                   "na_capex": (60 * B, 76 * B, 97.6 * B)})
    diff = compare_values(old, new)
    assert [(c.row, c.variable, c.cell.members, c.cell.period) for c in diff.cells] == [
        ("capex[orcl]", "capex", ("orcl",), 1), ("capex[orcl]", "capex", ("orcl",), 2),
        ("na_capex", "na_capex", (), 1), ("na_capex", "na_capex", (), 2)]
    assert [(s, row) for s, row, _ in diff.groups()] == [("base", "capex[orcl]"),
                                                       ("base", "na_capex")]


def test_a_member_only_one_side_has_is_a_note_not_a_move():
    old = _values({"capex[goog]": (1.0, 2.0, 3.0), "x": (1.0, 1.0, 1.0)})
    new = _values({"capex[goog]": (1.0, 2.0, 3.0), "capex[amzn]": (4.0, 5.0, 6.0),
                   "y": (1.0, 1.0, 1.0)})
    assert compare_values(old, new).notes == (
        "variables only in NEW (not compared): y",
        "rows only in NEW (not compared): capex[amzn]",
        "variables only in OLD (not compared): x")


def test_split_row():
    assert split_row("units[goog,g800]") == ("units", ("goog", "g800"))
    assert split_row("capex") == ("capex", ())


# ---------------------------------------------------------------- snapshots and textconv


def test_snapshot_keys_each_member_row_and_reads_back():
    values = _values({"capex[goog]": (50 * B, 60 * B, None), "units[goog,g800]": (1.5, 2.0, 2.5),
                      "na_capex": (1.0, 2.0, 3.0)})
    text = snapshot_text("Hyperscaler capex", values)
    body = text[text.index("\n\n") + 2:]
    assert body == (
        '[base."capex[goog]"]\n2024 = 50000000000.0\n2025 = 60000000000.0\n\n'
        '[base."units[goog,g800]"]\n2024 = 1.5\n2025 = 2.0\n2026 = 2.5\n\n'
        "[base.na_capex]\n2024 = 1.0\n2025 = 2.0\n2026 = 3.0\n")
    back, _ = read_snapshot(text, "s.toml")
    assert back.variables == values.variables and back.scenarios == values.scenarios
    assert list(tomllib.loads(text)["base"]) == ["capex[goog]", "units[goog,g800]", "na_capex"]


def test_textconv_rows_per_member_with_fingerprints():
    from cli.commands.textconv import fingerprint, outputs

    model = stand_in()
    values = Values(AXIS, ("capex[goog]", "capex_growth[orcl]", "na_capex"), {"base": {
        "capex[goog]": (50 * B, 60 * B, 72 * B), "capex_growth[orcl]": (0.5, 0.5, 0.5),
        "na_capex": (100 * B, 123 * B, 152.1 * B)}})
    lines = outputs(model, values)
    fp = [fingerprint(values.scenarios["base"][r]) for r in values.variables]
    assert lines == [
        "scenario  variable                2024      2025      2026  exact",
        f"base      capex[goog]            50.0B     60.0B     72.0B  #{fp[0]}",
        f"base      capex_growth[orcl]     50.0%     50.0%     50.0%  #{fp[1]}",
        f"base      na_capex              100.0B    123.0B    152.1B  #{fp[2]}"]


# ---------------------------------------------------------------- the real scn (needs the engine)


@pytest.fixture
def versions(tmp_path):
    old, new = tmp_path / "old.scn", tmp_path / "new.scn"
    old.write_text(DIMS)
    new.write_text(DIMS.replace("capex_growth[orcl] = 50%", "capex_growth[orcl] = 60%"))
    return old, new


@needs_dims_engine
def test_diff_names_the_member_and_moves_only_its_cells(versions):
    old, new = versions
    r = scn("diff", str(old), str(new), "--scenario", "base")
    assert r.returncode == 1, r.stderr
    lines = r.stdout.splitlines()
    # growth moves in 2024 too (unused there); every share moves with the total
    assert lines[1] == ("1 assumption changed, 5 variables moved (17 cells), "
                        "years 2024..2026 affected")
    assert lines[3:7] == ["Assumptions changed", "  [1] base: capex_growth[orcl]  (line 10)",
                          "      - capex_growth[orcl] = 50%", "      + capex_growth[orcl] = 60%"]
    moved = {line.split()[1] for line in lines if line.startswith("  base ")}
    assert moved == {"capex_growth[orcl]", "capex[orcl]", "na_capex", "capex_share[goog]",
                     "capex_share[meta]", "capex_share[orcl]", "optics[orcl,g400]",
                     "optics[orcl,g800]"}
    assert "capex[goog]" not in r.stdout
    doc = json.loads(scn("diff", str(old), str(new), "--scenario", "base",
                         "--format", "json").stdout)
    assert {c["variable"] for c in doc["values"]} >= {"capex[orcl]", "na_capex"}
    assert doc["assumptions"][0]["assumption"] == "capex_growth[orcl]"


@needs_dims_engine
def test_diff_of_two_changes_splits_each_member_cell(versions, tmp_path):
    old, _ = versions
    new = tmp_path / "two.scn"
    new.write_text(DIMS.replace("capex_growth[orcl] = 50%", "capex_growth[orcl] = 60%")
                   .replace("meta: 40B", "meta: 44B"))
    doc = json.loads(scn("diff", str(old), str(new), "--scenario", "base",
                         "--format", "json").stdout)
    assert [a["assumption"] for a in doc["assumptions"]] == ["capex[meta, 2024]",
                                                            "capex_growth[orcl]"]
    cells = {(c["variable"], c["year"]): c for c in doc["values"]}
    assert [f["assumption"] for f in cells["capex[meta]", 2025]["from"]] == [1]
    assert [f["assumption"] for f in cells["capex[orcl]", 2025]["from"]] == [2]
    assert sorted(f["assumption"] for f in cells["na_capex", 2025]["from"]) == [1, 2]


@needs_dims_engine
def test_snapshot_then_diff_against_it(versions, tmp_path):
    old, new = versions
    snap = tmp_path / "old.toml"
    assert scn("snapshot", str(old), "-o", str(snap)).returncode == 0
    text = snap.read_text()
    assert '[base."capex[goog]"]\n2024 = 50000000000.0\n' in text
    assert '[bull."optics[orcl,g800]"]' in text
    assert scn("diff", str(snap), str(old)).returncode == 0
    r = scn("diff", str(snap), str(new))
    assert r.returncode == 1 and "capex[orcl]" in r.stdout


@needs_dims_engine
def test_textconv_prints_a_row_per_member(versions):
    old, _ = versions
    r = scn("textconv", str(old), "--scenario", "base")
    assert r.returncode == 0, r.stderr
    rows = [line.split()[1] for line in r.stdout.splitlines() if line.startswith("base ")]
    assert rows[:4] == ["capex[goog]", "capex[meta]", "capex[orcl]", "capex_growth[goog]"]
    assert "optics[orcl,g800]" in rows and len(rows) == 18


def test_a_bad_value_in_a_member_row_of_a_snapshot_is_reported_at_its_line():
    from dsl.errors import ScnError

    values = _values({"capex[goog]": (1.0, 2.0, 3.0), "na_capex": (1.0, 2.0, 3.0)})
    text = snapshot_text(None, values).replace("2025 = 2.0", '2025 = "two"', 1)
    with pytest.raises(ScnError) as e:
        read_snapshot(text, "s.toml")
    (d,) = e.value.diagnostics
    assert d.message == "base.capex[goog].2025 is not a number"
    assert text.splitlines()[d.span.line - 1] == '2025 = "two"'


def test_a_dim_whose_members_change_is_a_structural_note():
    new = DIMS.replace("dim company = {goog, meta, orcl}", "dim company = {goog, orcl, amzn}") \
        .replace("dim speed = {g400, g800}", "dim speed = {g800, g400}") \
        .replace("meta: 40B", "amzn: 40B")
    diff = compare_documents(_doc(DIMS), _doc(new))
    assert diff.notes == ("dim company: members added amzn; removed meta",
                          "dim speed: members reordered (g800, g400)")
    added = DIMS.replace('section "Capex"', 'dim region = {us, eu}\n\nsection "Capex"')
    assert compare_documents(_doc(DIMS), _doc(added)).notes == ("dim region added (us, eu)",)
    assert compare_documents(_doc(added), _doc(DIMS)).notes == ("dim region removed",)


def test_markdown_lists_the_largest_move_of_each_member_row():
    from cli.commands import diff

    old = _values({"capex[goog]": (1.0, 2.0, 3.0), "capex[orcl]": (1.0, 2.0, 3.0)})
    new = _values({"capex[goog]": (1.0, 2.5, 3.0), "capex[orcl]": (1.0, 2.0, 4.0)})
    side = diff.Side("old.toml", "snapshot")
    report = diff.Report(side, diff.Side("new.toml", "snapshot"), 1e-9, 0.0)
    report.values = compare_values(old, new)
    text = diff.markdown(report, None)
    assert "**Largest move of each row**" in text
    assert "| base | capex[goog] | 2025 | 2.00 | 2.50 | +0.500 | +25.0% |  |" in text
