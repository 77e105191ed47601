"""`scn explain` and engine.trace: precedents and dependents of a cell."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli.main import main
from dsl.errors import ScnError
from engine import evaluate, load_model
from engine.address import Cell
from engine.trace import dependents, parse_cell, precedents

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "models" / "ai_capex_v1.scn"
GOLDEN = Path(__file__).with_name("golden")
SCN = Path(sys.executable).with_name("scn")

TIME = """\
years 2024..2027
a = {2024: 1, 2025: 2, 2026: 3, 2027: 4}
b = cumsum(a) + a[2025]
c[2025..] = growth(b) + sum(a[2024..2025])
d = cagr(b, 2024, 2026) + b[t-1]
d[2024] = 0
e[2025..] = d + c
"""


def m_(text: str):
    return load_model(textwrap.dedent(text), "t.scn")


def kids(node, m):
    return [c.cell.label(m.axis) for c in node.children]


def at(m, name: str, year: int) -> Cell:
    return Cell(name, m.axis.index(year))


def test_precedents_follow_the_cells_each_definition_reads():
    m = m_(TIME)
    r = evaluate(m)
    assert kids(precedents(r, at(m, "b", 2026), 1), m) == ["a[2024]", "a[2025]", "a[2026]"]
    assert kids(precedents(r, at(m, "c", 2026), 1), m) == ["b[2025]", "b[2026]", "a[2024]", "a[2025]"]
    assert kids(precedents(r, at(m, "d", 2027), 1), m) == ["b[2024]", "b[2026]"]
    assert kids(precedents(r, at(m, "d", 2024), 1), m) == []  # d[2024] = 0 is an input cell
    top = precedents(r, at(m, "e", 2027))
    assert top.value == r.value("e", 2027) and top.piece.line == 7
    # a cell with precedents is expanded once, then marked; inputs just repeat
    assert [n.cell.label(m.axis) for n in _all(top) if n.seen] == ["b[2026]"]
    assert [n.cell.label(m.axis) for n in _all(top)].count("a[2025]") == 4


def test_dependents_are_the_inverse_of_precedents():
    m = load_model(SEED.read_text(), str(SEED))
    r = evaluate(m, "bear")
    for name in m.variables:
        for i in range(len(m.axis)):
            if r.plan.cover[name].at(0, i) is None:
                continue
            for child in precedents(r, Cell(name, i), 1).children:
                assert Cell(name, i) in [c.cell for c in dependents(r, child.cell, 1).children]


def test_a_long_recurrence_with_no_depth_limit():
    m = m_("""\
        years 1800..2300
        x[1800] = 1
        x = x[t-1] * 1.001
    """)
    tree = precedents(evaluate(m), at(m, "x", 2300))
    assert sum(1 for _ in _all(tree)) == 501


def _all(node):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


@pytest.mark.parametrize("text, message, col", [
    ("optics_tm[2027]", "unknown variable 'optics_tm'", 1),
    ("optics_tam[2031]", "year 2031 is outside the model years 2024..2030", 12),
    ("optics_tam[t]", "expected a variable or a cell such as asic_share[2030]", 1),
    ("", "expected a variable or a cell", 1),
])
def test_bad_cells(text, message, col):
    m = load_model(SEED.read_text(), str(SEED))
    with pytest.raises(ScnError) as e:
        parse_cell(m, text, "CELL")
    d = e.value.diagnostics[0]
    assert d.message.startswith(message) and d.span.col == col and d.source == "CELL"


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_property_every_precedent_is_read_by_its_cell(data):
    m = load_model(SEED.read_text(), str(SEED))
    scenario = data.draw(st.sampled_from(list(m.scenarios)))
    r = evaluate(m, scenario)
    name = data.draw(st.sampled_from(m.variables))
    periods = [i for i, p in enumerate(r.plan.cover[name].row(0)) if p is not None]
    period = data.draw(st.sampled_from(periods))
    for child in precedents(r, Cell(name, period), 1).children:
        assert child.cell.variable in r.plan.graph.deps[name]
        assert child.value == r.at(child.cell.variable, child.cell.period)


# ---------------------------------------------------------------- command line


def run_cli(args, tmp_path, monkeypatch) -> str:
    monkeypatch.chdir(ROOT)  # paths in the output are as given: relative to the project
    out = tmp_path / "out.txt"
    assert main([*args, "-o", str(out)]) == 0
    return out.read_text()


@pytest.mark.parametrize("golden, args", [
    ("sens_explain_optics_tam_2027.txt", ["optics_tam[2027]"]),
    ("sens_explain_capex_growth_2027_dependents.txt",
     ["capex_growth[orcl, 2027]", "--dependents", "--depth", "2"]),
])
def test_explain_golden(golden, args, tmp_path, monkeypatch):
    text = run_cli(["explain", "scenarios/ai_capex.scn", *args], tmp_path, monkeypatch)
    assert text == (GOLDEN / golden).read_text()


def test_explain_json_and_set(tmp_path, monkeypatch):
    text = run_cli(["explain", "scenarios/ai_capex.scn", "optics_tam[2030]", "--depth", "1",
                    "--set", "asic_share[2030] = 60%", "--format", "json"], tmp_path, monkeypatch)
    doc = json.loads(text)
    assert doc["cell"] == "optics_tam[2030]" and doc["line"] == 177
    assert doc["doc"] == "AI optical-module market (TAM), USD."
    assert [p["cell"] for p in doc["precedents"]] == ["optics_tam_gpu[2030]", "optics_tam_asic[2030]"]
    text = run_cli(["explain", "scenarios/ai_capex.scn", "asic_share[goog, 2030]", "--set",
                    "asic_share[goog, 2030] = 60%"], tmp_path, monkeypatch)
    assert "--set:1: asic_share[goog, 2030] = 60%" in text and "no precedents: it is an input" in text


def test_one_entry_of_a_map_shows_its_left_side_as_written(tmp_path, monkeypatch):
    # capex_growth[orcl] = {2025: 75%, 2026: 80%, 2027: 50%, ...}: the entry keeps [orcl]
    text = run_cli(["explain", "scenarios/ai_capex.scn", "capex_growth[orcl, 2027]"],
                   tmp_path, monkeypatch)
    assert "scenarios/ai_capex.scn:55: capex_growth[orcl] = {2027: 50%}  # assumption" in text


def scn(*args):
    return subprocess.run([str(SCN), *args], capture_output=True, text=True, cwd=ROOT)


@pytest.mark.parametrize("args, first", [
    (["optics_tam"], "CELL:1:1: error: explain needs a cell: the variable and its year"),
    (["google_capex[2030]"], "CELL:1:1: error: google_capex has no value in 2030"),
    (["optics_tam[2040]"], "CELL:1:12: error: year 2040 is outside the model years 2024..2030"),
])
def test_explain_errors(args, first):
    r = scn("explain", "scenarios/ai_capex.scn", *args)
    assert r.returncode == 2  # a mistake in the argument: a usage error
    assert r.stderr.startswith(first) and "Traceback" not in r.stderr
