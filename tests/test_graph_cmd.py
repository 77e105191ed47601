"""`scn graph`: DOT and Mermaid, lags on edges, inputs shaped apart, --focus and --depth."""

from __future__ import annotations

import pytest

from test_cli import scn

MODEL = """\
model "Graph \\ test"
years 2024..2026
section "Inputs"
growth = 10%
base_level = 100
section "Flow"
node[2024] = base_level
node = node[t-1] * (1 + growth)
end = node * 2
total = cumsum(end) + node[2024]
change[2025..] = growth(end)
scenario flat {
  end = base_level
}
"""


@pytest.fixture
def model_file(tmp_path):
    p = tmp_path / "g.scn"
    p.write_text(MODEL)
    return p


def test_dot(model_file):
    r = scn("graph", str(model_file))
    assert r.returncode == 0, r.stderr
    assert r.stdout == """\
digraph "Graph \\\\ test" {
  rankdir=LR;
  node [fontname="Helvetica", shape=box, style=rounded];
  edge [fontname="Helvetica", fontsize=10];
  subgraph cluster_0 {
    label="Inputs";
    "growth" [shape=box, style=solid];
    "base_level" [shape=box, style=solid];
  }
  subgraph cluster_1 {
    label="Flow";
    "node";
    "end";
    "total";
    "change";
  }
  "base_level" -> "node";
  "node" -> "node" [label="t-1", style=dashed];
  "growth" -> "node";
  "node" -> "end";
  "end" -> "total" [label="cumsum"];
  "node" -> "total" [label="2024", style=dashed];
  "end" -> "change" [label="growth"];
}
"""


def test_mermaid_and_keywords_as_names(model_file):
    r = scn("graph", str(model_file), "--format", "mermaid")
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    assert lines[0] == "flowchart LR"
    assert '  subgraph s0["Inputs"]' in lines
    assert '    v_growth[/"growth"/]' in lines  # an input: a parallelogram
    assert '    v_end("end")' in lines  # `end` closes a Mermaid subgraph: ids are prefixed
    assert '  v_node -.->|"t-1"| v_node' in lines
    assert "  v_node --> v_end" in lines


def test_focus_and_depth(model_file):
    r = scn("graph", str(model_file), "--focus", "end", "--depth", "1", "--format", "mermaid")
    nodes = {line.split("[")[0].split("(")[0].strip() for line in r.stdout.splitlines()
             if line.startswith("    v_")}
    assert nodes == {"v_node", "v_end", "v_total", "v_change"}
    assert "  style v_end stroke-width:3px" in r.stdout
    everything = scn("graph", str(model_file), "--focus", "end", "--format", "mermaid").stdout
    assert "v_growth" in everything and "v_base_level" in everything


def test_a_scenario_has_its_own_graph(model_file):
    r = scn("graph", str(model_file), "--scenario", "flat")
    assert '"base_level" -> "end";' in r.stdout and '"node" -> "end";' not in r.stdout


@pytest.mark.parametrize("args, message", [
    (["--focus", "ende"], "--focus: unknown variable 'ende' (did you mean 'end'?)"),
    (["--depth", "2"], "--depth N needs --focus NAME"),
    (["--focus", "end", "--depth", "-1"], "--depth N needs --focus NAME and N >= 0"),
    (["--scenario", "flt"], "unknown scenario 'flt'"),
    (["--format", "png"], "invalid choice"),
])
def test_errors(model_file, args, message):
    r = scn("graph", str(model_file), *args)
    assert r.returncode == 2
    assert message in r.stderr and "Traceback" not in r.stderr
