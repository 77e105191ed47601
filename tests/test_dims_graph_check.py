"""`scn graph` shows dims on nodes and member selections on edges; `scn check` counts
a dimensioned model's rows."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from cli.commands import check, graph
from dims_helpers import DIMS, needs_dims_engine, stand_in
from test_cli import scn


def test_nodes_show_their_dims_in_dot_and_mermaid():
    model = stand_in()
    keep = ["capex", "na_capex", "optics"]
    edges = [graph.Edge("capex", "na_capex", "sum company", False),
             graph.Edge("capex", "optics", "", False)]
    assert graph.dot(model, keep, edges, {"capex"}, None).splitlines()[4:13] == [
        '  subgraph cluster_0 {',
        '    label="Capex";',
        '    "capex" [shape=box, style=solid, label="capex [company]"];',
        '    "na_capex";',
        '  }',
        '  subgraph cluster_1 {',
        '    label="Optics";',
        '    "optics" [label="optics [company, speed]"];',
        '  }']
    assert graph.mermaid(model, keep, edges, {"capex"}, "optics").splitlines() == [
        "flowchart LR",
        '  subgraph s0["Capex"]',
        '    v_capex[/"capex [company]"/]',
        '    v_na_capex("na_capex")',
        "  end",
        '  subgraph s1["Optics"]',
        '    v_optics("optics [company, speed]")',
        "  end",
        '  v_capex -->|"sum company"| v_na_capex',
        "  v_capex --> v_optics",
        "  style v_optics stroke-width:3px"]


@pytest.mark.parametrize("use, text", [
    (SimpleNamespace(members=(("company", 0),), over=None), "goog"),
    (SimpleNamespace(members=(("company", 2), ("speed", 1)), over=None), "orcl g800"),
    (SimpleNamespace(members=(), over="company", name="capex"), "mean company"),
    (SimpleNamespace(members=(("speed", 0),), over="company", name="capex"), "g400 mean company"),
    (SimpleNamespace(members=(), over="speed", name="capex"), "sum speed"),
    (SimpleNamespace(members=(), over=None), ""),
])
def test_edges_say_which_members_they_read(use, text):
    from dsl.document import parse_document

    doc = parse_document("years 2024..2026\nx = mean(capex, company) + sum(capex, speed)\n", "m")
    funcs = graph._aggregates(doc.definitions[0].definition.expr)
    assert funcs == {("capex", "company"): "mean", ("capex", "speed"): "sum"}
    assert graph._across(stand_in(), use, funcs) == text


def test_check_counts_rows_and_names_dims():
    assert check._rows(stand_in()) == ", 18 rows (dims: company 3, speed 2)"


@needs_dims_engine
def test_check_and_graph_of_a_dims_file(tmp_path):
    p = tmp_path / "dims.scn"
    p.write_text(DIMS)
    r = scn("check", str(p))
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout == (f"{p}: ok: 6 variables, 18 rows (dims: company 3, speed 2), "
                        "2 scenarios (base, bull), years 2024..2026\n")
    r = scn("graph", str(p), "--format", "mermaid")
    assert r.returncode == 0, r.stderr
    assert '    v_capex("capex [company]")' in r.stdout
    assert '    v_optics("optics [company, speed]")' in r.stdout
    assert '  v_capex -->|"sum company"| v_na_capex' in r.stdout
