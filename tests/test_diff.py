"""`scn diff`: assumptions compared as parsed, moved cells, attribution, and the command.

The pure part (engine.compare, engine.value_diff) is tested on small models whose answers can
be worked out by hand, plus a differential property: on random models with
one number edited, applying that one change to OLD (what attribution does)
gives exactly NEW's values. The command is tested through the real `scn`
entry point: formats, exit codes, snapshots and bad input.
"""

from __future__ import annotations

import json
import math
import subprocess
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dsl import ast as A
from dsl.errors import ScnError
from dsl.document import parse_document
from engine import load_model
from engine.attribution import apply_change, attribute, reevaluation
from engine.axis import TimeAxis
from engine.compare import compare_documents
from engine.value_diff import Values, compare_values, values_of
from strategies import models
from test_cli import scn

ROOT = Path(__file__).resolve().parent.parent
AI = ROOT / "tests" / "models" / "ai_capex_v1.scn"

BASE = textwrap.dedent("""\
    years 2024..2026
    x = 10
    y = 2
    growth_rate = {2025: 10%, 2026: 20%}
    total = x + y
    product = x * y
    scenario bull {
      y = 3
    }
""")


def doc(text: str):
    return parse_document(textwrap.dedent(text))


def changes_between(old: str, new: str):
    return [(c.kind, c.layer, c.label, c.old.text if c.old else None, c.new.text if c.new else None)
            for c in compare_documents(doc(old), doc(new)).changes]


# ---------------------------------------------------------------- assumptions, as parsed


def test_moved_reformatted_or_respelled_lines_are_no_change():
    new = textwrap.dedent("""\
        years 2024..2026
        # a comment, a blank line and a new order change nothing

        product = (x * y)
        total = x+y
        growth_rate = {
          2026: 0.2,
          2025: 10%,
        }
        y = 2
        x = 1e1
        scenario bull {
          y = 3.0
        }
    """)
    assert changes_between(BASE, new) == []


def test_one_year_of_a_map_is_one_assumption():
    new = BASE.replace("2026: 20%", "2026: 25%")
    assert changes_between(BASE, new) == [
        ("edited", "base", "growth_rate[2026]", "growth_rate = {2026: 20%, ...}",
         "growth_rate = {2026: 25%, ...}")]


def test_added_removed_and_scenario_layers():
    new = BASE.replace("y = 3", "y = 4\n  x[2026] = 11").replace("product = x * y\n", "")
    assert changes_between(BASE, new) == [
        ("removed", "base", "product", "product = x * y", None),
        ("edited", "bull", "y", "y = 3", "y = 4"),
        ("added", "bull", "x[2026]", None, "x[2026] = 11"),
    ]


def test_a_new_selector_is_an_edit_of_the_same_definition():
    assert changes_between("years 2024..2026\nx[2025..] = 1\n", "years 2024..2026\nx[2026..] = 1\n") \
        == [("edited", "base", "x[2026..]", "x[2025..] = 1", "x[2026..] = 1")]


def test_structure_notes():
    new = BASE.replace("2024..2026", "2024..2027").replace("scenario bull {", "scenario bull extends moon {")
    new = new.replace("years 2024..2027", 'model "M"\nyears 2024..2027') + "scenario moon {\n}\n"
    found = compare_documents(doc(BASE), doc(new))
    assert found.titles == ("model title added: 'M'",)
    assert found.notes == ("years changed from 2024..2026 to 2024..2027",
                           "scenario bull now extends moon (was base)", "scenario moon added")


@pytest.mark.parametrize("old_head, new_head, note", [
    ('model "Acme Q3"\n', "", "model title removed (was 'Acme Q3')"),
    ("", 'model "Acme Q3"\n', "model title added: 'Acme Q3'"),
    ('model "Acme Q3"\n', 'model "Acme Q4"\n', "model title changed from 'Acme Q3' to 'Acme Q4'"),
])
def test_a_title_change_is_said_in_words(old_head, new_head, note):
    found = compare_documents(doc(old_head + BASE), doc(new_head + BASE))
    assert (found.titles, found.notes) == ((note,), ())


def test_a_scenario_title_change_is_reported():
    old = BASE.replace("scenario bull {", 'scenario bull "Fast ramp" {')
    new = BASE.replace("scenario bull {", 'scenario bull "Faster ramp" {')
    assert compare_documents(doc(old), doc(new)).titles == (
        "scenario bull title changed from 'Fast ramp' to 'Faster ramp'",)
    assert compare_documents(doc(old), doc(BASE)).titles == (
        "scenario bull title removed (was 'Fast ramp')",)


def test_diff_says_the_title_was_removed(tmp_path):
    a, b = tmp_path / "a.scn", tmp_path / "b.scn"
    a.write_text('model "Acme Q3"\n' + BASE)
    b.write_text(BASE)
    r = scn("diff", str(a), str(b))
    assert r.returncode == 1, r.stderr
    assert "model title removed (was 'Acme Q3')" in r.stdout and "None" not in r.stdout
    # a title moves no value: one changed assumption still explains every move exactly
    b.write_text(BASE.replace("y = 2", "y = 4"))
    r = scn("diff", str(a), str(b))
    assert "Every move comes from the one changed assumption, [1]." in r.stdout, r.stdout


def test_definitions_that_did_not_parse_are_left_out():
    old, new = doc(BASE), doc(BASE)
    assert compare_documents(old, new, unparsed=["x"]).changes == ()


# ---------------------------------------------------------------- values


def vals(table: dict, years=(2024, 2025)) -> Values:
    variables = tuple(dict.fromkeys(v for t in table.values() for v in t))
    return Values(TimeAxis.of_years(years[0], years[-1]), variables, table)


def test_tolerance_nan_and_empty_cells():
    old = vals({"base": {"a": (1.0, None), "b": (math.nan, math.inf), "c": (100.0, 0.0)}})
    new = vals({"base": {"a": (1.0 + 1e-12, 5.0), "b": (math.nan, math.inf), "c": (101.0, 0.0)}})
    d = compare_values(old, new)
    got = [(c.variable, d.year(c)) for c in d.cells]
    assert got == [("a", 2025), ("c", 2024)]  # an empty cell that fills moves the most
    assert compare_values(old, new, rtol=0.02).cells[0].variable == "a"
    assert [c.variable for c in compare_values(old, new, rtol=0.02).cells] == ["a"]
    d = compare_values(old, new, atol=2.0, rtol=0)
    assert d.year(d.cells[0]) == 2025 and d.cells[0].cell.label(d.axis) == "a[2025]"


def test_groups_sorted_by_largest_relative_move_years_in_order():
    old = vals({"base": {"small": (100.0, 100.0), "large": (1.0, 1.0)}})
    new = vals({"base": {"small": (101.0, 110.0), "large": (2.0, 1.0)}})
    d = compare_values(old, new)
    assert [(c.variable, d.year(c), c.relative) for c in d.cells] == [
        ("large", 2024, 1.0), ("small", 2024, 0.01), ("small", 2025, 0.1)]


def test_different_years_compare_the_common_ones_and_say_so():
    old = vals({"base": {"a": (1.0, 2.0)}}, years=(2024, 2025))
    new = vals({"base": {"a": (5.0, 3.0)}}, years=(2025, 2026))
    d = compare_values(old, new)
    assert d.years == (2025,) and [d.year(c) for c in d.cells] == [2025]
    assert [c.cell.period for c in d.cells] == [0]  # an index on the compared periods
    assert d.notes == ("years differ (2024..2025 and 2025..2026): compared 2025",)


def test_scenarios_and_variables_on_one_side_only_are_noted():
    old = vals({"base": {"a": (1.0, 1.0), "gone": (1.0, 1.0)}, "bear": {"a": (1.0, 1.0)}})
    new = vals({"base": {"a": (1.0, 1.0), "fresh": (1.0, 1.0)}})
    d = compare_values(old, new, scenarios=["base", "bear"])
    assert d.cells == () and d.scenarios == ("base",)
    assert d.notes == ("scenario bear is only in OLD: its values are not compared",
                       "variables only in NEW (not compared): fresh",
                       "variables only in OLD (not compared): gone")


# ---------------------------------------------------------------- attribution


def attribution(old_text: str, new_text: str):
    old_doc, new_doc = doc(old_text), doc(new_text)
    old_m, new_m = load_model(textwrap.dedent(old_text)), load_model(textwrap.dedent(new_text))
    old_v, new_v = values_of(old_m), values_of(new_m)
    changes = compare_documents(old_doc, new_doc).changes
    diff = compare_values(old_v, new_v)
    att = attribute(changes, diff, old_v.axis,
                    reevaluation(old_doc, old_v, changes, list(diff.scenarios)))
    return changes, diff, att


def test_one_change_explains_everything_exactly():
    changes, diff, att = attribution(BASE, BASE.replace("x = 10", "x = 11"))
    assert att.exact and len(changes) == 1
    cell = next(c for c in diff.cells if c.variable == "product" and c.scenario == "base")
    assert att.shares(cell) == [(0, pytest.approx(2.0))]


def test_several_changes_each_alone_and_the_interaction():
    changes, diff, att = attribution(BASE, BASE.replace("x = 10", "x = 11").replace("y = 2", "y = 5"))
    assert att.method == "each change alone"
    assert [c.label for c in changes] == ["x", "y"]
    base = {(c.variable, diff.year(c)): c for c in diff.cells if c.scenario == "base"}
    # total = x + y: the two effects add up exactly
    assert att.shares(base[("total", 2024)]) == [(1, 3.0), (0, 1.0)]
    # product = x * y: 10*2 -> 11*5; alone: +2 (x) and +30 (y); together +35: interaction +3
    product = base[("product", 2024)]
    assert product.delta == 35.0
    assert att.shares(product) == [(1, 30.0), (0, 2.0)]
    # bull overrides y, so only the change to x reaches it
    bull = next(c for c in diff.cells if c.scenario == "bull" and c.variable == "product")
    assert att.shares(bull) == [(0, 3.0)]


def test_a_change_that_reads_a_new_variable_is_evaluated_with_it():
    new = BASE.replace("x = 10", "x = 10 + extra\nextra = 1").replace("y = 2", "y = 4")
    changes, diff, att = attribution(BASE, new)
    assert {c.kind for c in changes} == {"edited", "added"}
    assert att.failures == (None, None, None)
    total = next(c for c in diff.cells if c.variable == "total" and c.scenario == "base")
    assert sorted(att.shares(total)) == [(0, 1.0), (2, 2.0)]


def test_a_change_that_cannot_stand_alone_is_reported():
    # b's new formula needs a's new first year: each alone fails to load
    old = "years 2024..2026\na = 1\nb = 1\n"
    new = "years 2024..2026\na[2024] = 1\na = a[t-1] + b\nb = 2\n"
    changes, _, att = attribution(old, new)
    assert att.method == "each change alone"
    assert any(f and "reaches 2023" in f for f in att.failures)


def test_apply_change_on_map_entries():
    old, new = doc(BASE), doc(BASE.replace("{2025: 10%, 2026: 20%}", "{2025: 10%}"))
    (change,) = compare_documents(old, new).changes
    assert change.kind == "removed"
    applied = apply_change(old, change)
    d = next(p.definition for p in applied.definitions if p.definition.name == "growth_rate")
    assert [str(e.years.start) for e in d.expr.entries] == ["2025"]
    back = apply_change(applied, type(change)("added", None, change.old))
    assert compare_documents(old, back).changes == ()


SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                       HealthCheck.data_too_large,
                                                       HealthCheck.filter_too_much])


@pytest.mark.slow
@settings(max_examples=80, **SETTINGS)
@given(models(risky=False), st.data())
def test_one_change_applied_alone_gives_new(gm, data):
    """Differential: NEW = OLD with one number edited; apply_change(OLD) must evaluate as NEW."""
    old_doc = parse_document(gm.text)
    numbers = [(p, n) for p in old_doc.definitions for n in A.walk(p.definition.expr)
               if isinstance(n, A.Number)]
    assume(numbers)
    _, number = data.draw(st.sampled_from(numbers))
    lines = gm.text.splitlines()
    line = lines[number.span.line - 1]
    replacement = data.draw(st.sampled_from(["7", "0.5", "123", "2%"]))
    assume(replacement != number.text)
    lines[number.span.line - 1] = (line[:number.span.col - 1] + replacement
                                   + line[number.span.end_col - 1:])
    new_text = "\n".join(lines) + "\n"
    try:
        old_m, new_m = load_model(gm.text), load_model(new_text)
    except ScnError:
        assume(False)
    changes = compare_documents(old_doc, parse_document(new_text)).changes
    assert len(changes) <= 1
    assume(changes)
    old_v, new_v = values_of(old_m), values_of(new_m)
    effect = reevaluation(old_doc, old_v, changes, list(new_m.scenarios))(0, changes[0])
    for s, table in new_v.scenarios.items():
        for v, series in table.items():
            for a, b, d in zip(old_v.scenarios[s][v], series, effect[s][v]):
                if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)):
                    continue
                assert d == pytest.approx(b - a, rel=1e-9, abs=1e-12), (s, v)


# ---------------------------------------------------------------- the command


def git(repo, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo,
                   check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path):
    """A fresh git repository holding the bundled scenario, committed once."""
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "ai_capex.scn").write_text(AI.read_text())
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "the call")
    return tmp_path


def edit(repo, old: str, new: str, name="scenarios/ai_capex.scn"):
    path = repo / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_nothing_changed_exits_0(repo):
    edit(repo, "capex[2024] = 265B  # assumption", "capex[2024]=265B  # reworded, moved nowhere")
    r = scn("diff", "--rev", "HEAD", "scenarios/ai_capex.scn", cwd=repo)
    assert r.returncode == 0, r.stderr
    assert r.stdout == ("scn diff HEAD:scenarios/ai_capex.scn scenarios/ai_capex.scn\n"
                        "0 assumptions changed, 0 variables moved\n")


def test_one_assumption_changed(repo):
    edit(repo, "  2027: 20%,  # assumption", "  2027: 25%,  # assumption")
    r = scn("diff", "--rev", "HEAD", "scenarios/ai_capex.scn", cwd=repo)
    assert r.returncode == 1, r.stderr
    lines = r.stdout.splitlines()
    assert lines[1] == "1 assumption changed, 17 variables moved (65 cells), years 2024..2030 affected"
    assert lines[3:7] == ["Assumptions changed", "  [1] base: capex_growth[2027]  (line 33)",
                          "      - capex_growth = {2027: 20%, ...}",
                          "      + capex_growth = {2027: 25%, ...}"]
    assert "Every move comes from the one changed assumption, [1]." in lines
    row = next(x for x in lines if x.split()[:3] == ["base", "capex_growth", "2027"])
    assert row.split()[3:] == ["20.0%", "25.0%", "+5.0pp", "+25.0%", "[1]"]
    # the same report through REV:PATH, from the top of the repository or from a subfolder
    assert scn("diff", "HEAD:scenarios/ai_capex.scn", "scenarios/ai_capex.scn",
               cwd=repo).stdout == r.stdout
    sub = scn("diff", "HEAD:ai_capex.scn", "ai_capex.scn", cwd=repo / "scenarios")
    assert sub.returncode == 1 and sub.stdout.splitlines()[1] == lines[1]


def test_two_changes_are_attributed_each_alone(repo):
    edit(repo, "  2027: 20%,  # assumption", "  2027: 25%,  # assumption")
    edit(repo, "asic_share = interp({2024: 10%, 2030: 45%})", "asic_share = interp({2024: 10%, 2030: 50%})")
    r = scn("diff", "--rev", "HEAD", "scenarios/ai_capex.scn", "--scenario", "base", cwd=repo)
    assert r.returncode == 1
    assert "each changed assumption applied alone to OLD" in r.stdout
    lines = r.stdout.splitlines()
    start = next(k for k, x in enumerate(lines) if x.split()[:2] == ["base", "optics_tam"])
    assert lines[start].split()[2:] == ["2025", "9.8B", "10.0B", "+183.1M", "+1.9%", "[2]"]
    assert lines[start + 5].split() == ["2030", "61.1B", "67.9B", "+6.9B", "+11.2%", "[2]",
                                        "+4.1B,", "[1]", "+2.5B,", "interaction", "+172.4M"]


def test_markdown_report(repo):
    edit(repo, "asic_optics_multiplier = 3.8", "asic_optics_multiplier = 3.5")
    r = scn("diff", "--rev", "HEAD", "scenarios/ai_capex.scn", "--format", "md", cwd=repo)
    assert r.returncode == 1
    md = r.stdout
    assert md.startswith("### scn diff `HEAD:scenarios/ai_capex.scn` → `scenarios/ai_capex.scn`\n\n"
                         "**1 assumption changed, 11 variables moved (150 cells), years 2024..2030 "
                         "affected**\n")
    assert ("| 1 | base | asic_optics_multiplier | line 109 | `asic_optics_multiplier = 3.8` | "
            "`asic_optics_multiplier = 3.5` |") in md
    assert "| bull | optics_tam | 2030 | 91.6B | 85.3B | -6.3B | -6.9% | [1] |" in md
    assert "| bear |" not in md  # bear sets its own multiplier: nothing moves there
    assert "<details><summary>All 150 moved cells</summary>" in md


def test_json_report(repo):
    edit(repo, "accel_share = 60%", "accel_share = 65%")
    r = scn("diff", "--rev", "HEAD", "scenarios/ai_capex.scn", "--format", "json", cwd=repo)
    doc = json.loads(r.stdout)
    assert doc["changed"] is True and doc["attribution"] == "exact"
    assert doc["assumptions"] == [{
        "id": 1, "kind": "edited", "scenario": "base", "variable": "accel_share",
        "assumption": "accel_share", "old": {"text": "accel_share = 60%", "line": 54},
        "new": {"text": "accel_share = 65%", "line": 54}}]
    cell = next(c for c in doc["values"] if c["variable"] == "accel_spend" and c["year"] == 2024)
    assert cell["from"] == [{"assumption": 1, "change": cell["change"]}]
    assert cell["relative"] == pytest.approx(5 / 60)


def test_new_side_does_not_parse(repo):
    edit(repo, "  2027: 20%,  # assumption", "  2027: 25%,  # assumption")
    edit(repo, "accel_share = 60%", "accel_share = 60%%")
    r = scn("diff", "--rev", "HEAD", "scenarios/ai_capex.scn", cwd=repo)
    assert r.returncode == 2
    assert r.stderr.startswith("scenarios/ai_capex.scn:54:17: error: unknown number suffix '%%'")
    assert "  [1] base: capex_growth[2027]  (line 33)" in r.stdout  # still compared
    assert "accel_share" not in r.stdout
    assert ("note: NEW scenarios/ai_capex.scn does not parse: values not compared "
            "(the definitions that parse are)") in r.stdout
    assert "Traceback" not in r.stderr


def test_different_years(tmp_path):
    old, new = tmp_path / "old.scn", tmp_path / "new.scn"
    old.write_text("years 2024..2026\nx = t - 2000\n")
    new.write_text("years 2025..2027\nx = t - 2000 + 1\n")
    r = scn("diff", str(old), str(new))
    assert r.returncode == 1
    assert "years changed from 2024..2026 to 2025..2027" in r.stdout.splitlines()[1]
    assert "note: years differ (2024..2026 and 2025..2027): compared 2025..2026" in r.stdout


def test_snapshots_on_either_side(repo, tmp_path):
    snap = tmp_path / "base.toml"
    assert scn("snapshot", str(repo / "scenarios" / "ai_capex.scn"), "-o", str(snap)).returncode == 0
    edit(repo, "accel_share = 60%", "accel_share = 65%")
    r = scn("diff", str(snap), "scenarios/ai_capex.scn", cwd=repo)
    assert r.returncode == 1
    assert "a snapshot holds values only; assumptions not compared" in r.stdout
    assert "accel_spend" in r.stdout
    same = scn("diff", str(snap), str(snap))
    assert same.returncode == 0 and "0 variables moved" in same.stdout


@pytest.mark.parametrize("args, message", [
    (["--rev", "HEAD~5", "scenarios/ai_capex.scn"], "unknown revision 'HEAD~5'"),
    (["HEAD:scenarios/nope.scn", "scenarios/ai_capex.scn"],
     "scenarios/nope.scn does not exist at revision HEAD"),
    (["nope.scn", "scenarios/ai_capex.scn"], "nope.scn: no such file"),
    (["scenarios/ai_capex.scn"], "give OLD and NEW"),
    (["--rev", "HEAD", "a.scn", "b.scn"], "--rev REV takes one FILE"),
    (["--scenario", "bul", "scenarios/ai_capex.scn", "scenarios/ai_capex.scn"],
     "unknown scenario 'bul' (did you mean 'bull'?"),
])
def test_bad_arguments(repo, args, message):
    r = scn("diff", *args, cwd=repo)
    assert r.returncode == 2
    assert message in r.stderr
    assert "Traceback" not in r.stderr


def test_outside_a_repository(tmp_path):
    (tmp_path / "m.scn").write_text("years 2024..2025\nx = 1\n")
    r = scn("diff", "--rev", "HEAD", "m.scn", cwd=tmp_path)
    assert r.returncode == 2 and "not inside a git repository" in r.stderr


def test_snapshot_from_another_scn(tmp_path):
    model = tmp_path / "m.scn"
    model.write_text("years 2024..2025\nx = 1\n")
    snap = tmp_path / "old.toml"
    snap.write_text('[model]\nfirst_year = 2024\nlast_year = 2025\nscn_version = "0.0.1"\n'
                    "snapshot_format = 1\n\n[base.x]\n2024 = 1.0\n2025 = 1.0\n")
    r = scn("diff", str(snap), str(model))
    assert r.returncode == 0
    assert f"{snap}:1:1: warning: written by scn 0.0.1" in r.stderr
    snap.write_text(snap.read_text().replace("snapshot_format = 1", "snapshot_format = 2"))
    r = scn("diff", str(snap), str(model))
    assert r.returncode == 2
    assert f"{snap}:5:1: error: snapshot format 2 (written by scn 0.0.1)" in r.stderr
