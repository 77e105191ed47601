"""`scn graph FILE`: the dependency graph as Graphviz DOT or Mermaid.

Edges run from what a variable reads to the variable (the direction values
flow). An edge that reads other years carries them as its label (`t-1`,
`2025`, `2025..2030`, `cumsum`, `growth`, `cagr`) and is dashed when it reads
no same-year value. Inputs (variables that read no other variable) are boxes;
formulas are rounded. Sections are clusters. `--focus NAME` keeps NAME, what
it reads and what reads it, `--depth N` steps each way.

A variable with dims shows them on its node (`capex [company]`,
`optics [company, speed]`); an edge that selects members or sums a dim says
so beside the years (`goog`, `sum company`).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from cli import common
from dsl.text import printable
from files.reading import UsageError


def register(sub) -> None:
    p = sub.add_parser("graph")
    p.add_argument("file")
    p.add_argument("--scenario", default="base", help="whose definitions (default: base)")
    p.add_argument("--focus", metavar="NAME", help="only NAME, what it reads and what reads it")
    p.add_argument("--depth", type=common.count, metavar="N", help="with --focus: at most N steps each way")
    p.add_argument("--format", choices=("dot", "mermaid"), default="dot")
    p.add_argument("-o", "--output", metavar="OUT", help="write to OUT instead of stdout")
    p.set_defaults(run=run)


@dataclass(frozen=True)
class Edge:
    source: str  # the variable read
    target: str  # the variable reading it
    label: str  # the years reached, "" for the same year only
    lagged: bool  # reads no same-year value


def run(args, texts) -> int:
    from engine.api import prepare

    model = common.load(args.file, texts)
    scenario = common.scenario_name(model, args.scenario)
    if args.depth is not None and (args.depth < 0 or args.focus is None):
        raise UsageError("--depth N needs --focus NAME and N >= 0")
    plan = prepare(model, scenario)
    edges = _edges(model, plan.cover)
    keep = list(model.variables)
    if args.focus is not None:
        keep = _around(model, edges, _known(model, args.focus), args.depth)
    kept = set(keep)
    edges = [e for e in edges if e.source in kept and e.target in kept]
    inputs = {v for v in keep if not plan.graph.deps.get(v)}
    render = dot if args.format == "dot" else mermaid
    common.write(render(model, keep, edges, inputs, args.focus), args.output)
    return common.OK


def _known(model, name: str) -> str:
    if name not in model.info:
        from engine.uses import suggest

        hint = suggest(name, model.variables, loose=True)
        raise UsageError(f"--focus: unknown variable '{name}'" + (f" ({hint})" if hint else ""))
    return name


def _edges(model, cover) -> list[Edge]:
    """One edge per (variable read, reader), labels gathered from every winning definition."""
    from engine.api import uses_of

    labels: dict[tuple[str, str], set[str]] = {}
    members: dict[tuple[str, str], set[str]] = {}
    for v in model.variables:
        for piece in cover[v].distinct():
            funcs = _aggregates(piece.definition.expr)
            for use in uses_of(model, piece):
                labels.setdefault((use.name, v), set()).add(_reach(use, model.axis))
                across = _across(model, use, funcs)
                if across:
                    members.setdefault((use.name, v), set()).add(across)
    out = []
    for (source, target), reach in labels.items():
        # growth and cumsum read the current year too; lags and fixed years do not.
        lagged = not reach & {"t", "growth", "cumsum"}
        shown = sorted(reach - {"t"})
        if shown and "t" in reach:
            shown = ["t", *shown]
        shown += sorted(members.get((source, target), ()))
        out.append(Edge(source, target, ", ".join(shown), lagged))
    return out


def _aggregates(expr) -> dict[tuple[str, str], str]:
    """(variable, dim) -> the function of each dim aggregate in an expression:
    `mean(capex, company)` -> {("capex", "company"): "mean"}."""
    from dsl import ast as A

    out: dict[tuple[str, str], str] = {}
    for node in A.walk(expr):
        if isinstance(node, A.Call) and len(node.args) == 2 and all(
                isinstance(a, A.Name) for a in node.args):
            out.setdefault((node.args[0].name, node.args[1].name), node.func)
    return out


def _across(model, use, funcs: dict[tuple[str, str], str] | None = None) -> str:
    """How a use reaches across members: the members it selects (`goog`), or the dim it
    aggregates (`sum company`); "" for a same-member read."""
    picked = [model.dims[d].members[k] for d, k in use.members]
    over = use.over
    if over is not None:
        picked.append(f"{(funcs or {}).get((use.name, over), 'sum')} {over}")
    return " ".join(picked)


def _node(model, v: str) -> str:
    """A node's text: the variable, and its dims when it has any (`capex [company]`)."""
    dims = model.dims_of.get(v, ())
    return f"{v} [{', '.join(dims)}]" if dims else v


def _reach(use, axis) -> str:
    """How a use reaches into time, as the edge's label: `t-1`, `2026`, `2025..2030`."""
    kind = use.kind
    if kind == "same":
        return "t"
    if kind == "shift":
        return f"t{use.a:+d}"
    if kind == "at":
        return axis.label(use.a)
    if kind == "range":
        return f"{axis.label(use.a)}..{axis.label(use.b)}"
    return kind  # cumsum, growth, cagr: the function names the years it reads


def _around(model, edges: list[Edge], focus: str, depth: int | None) -> list[str]:
    """The focus, its upstream and its downstream, each within `depth` steps."""
    reads: dict[str, set[str]] = {}
    read_by: dict[str, set[str]] = {}
    for e in edges:
        reads.setdefault(e.target, set()).add(e.source)
        read_by.setdefault(e.source, set()).add(e.target)
    keep = {focus}
    for step in (reads, read_by):
        seen, queue = {focus: 0}, deque([focus])
        while queue:
            v = queue.popleft()
            if depth is not None and seen[v] >= depth:
                continue
            for w in step.get(v, ()):
                if w not in seen:
                    seen[w] = seen[v] + 1
                    queue.append(w)
        keep |= set(seen)
    return [v for v in model.variables if v in keep]


def _sections(model, keep: list[str]) -> list[tuple[str | None, list[str]]]:
    groups: dict[str | None, list[str]] = {}
    for v in keep:
        groups.setdefault(model.info[v].section, []).append(v)
    return list(groups.items())


def _quote(text: str) -> str:
    """A DOT string; hidden characters escaped, as the graph is read by people."""
    return '"' + printable(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot(model, keep, edges, inputs, focus) -> str:
    out = [f"digraph {_quote(model.title or model.source)} {{", "  rankdir=LR;",
           '  node [fontname="Helvetica", shape=box, style=rounded];',
           '  edge [fontname="Helvetica", fontsize=10];']
    for k, (section, names) in enumerate(_sections(model, keep)):
        pad = "  "
        if section is not None:
            out += [f"  subgraph cluster_{k} {{", f"    label={_quote(section)};"]
            pad = "    "
        for v in names:
            attrs = ["shape=box", "style=solid"] if v in inputs else []
            if v == focus:
                attrs.append("penwidth=2.5")
            if _node(model, v) != v:
                attrs.append(f"label={_quote(_node(model, v))}")
            out.append(f"{pad}{_quote(v)}" + (f" [{', '.join(attrs)}]" if attrs else "") + ";")
        if section is not None:
            out.append("  }")
    for e in edges:
        attrs = []
        if e.label:
            attrs.append(f"label={_quote(e.label)}")
        if e.lagged:
            attrs.append("style=dashed")
        out.append(f"  {_quote(e.source)} -> {_quote(e.target)}"
                   + (f" [{', '.join(attrs)}]" if attrs else "") + ";")
    out.append("}")
    return "\n".join(out) + "\n"


def mermaid(model, keep, edges, inputs, focus) -> str:
    def node(v: str) -> str:  # ids get a prefix: `end` and friends are Mermaid keywords
        text = _node(model, v)
        return f'v_{v}[/"{text}"/]' if v in inputs else f'v_{v}("{text}")'

    out = ["flowchart LR"]
    for k, (section, names) in enumerate(_sections(model, keep)):
        if section is None:
            out += [f"  {node(v)}" for v in names]
            continue
        out.append(f'  subgraph s{k}["{printable(section).replace(chr(34), "#quot;")}"]')
        out += [f"    {node(v)}" for v in names]
        out.append("  end")
    for e in edges:
        arrow = "-.->" if e.lagged else "-->"
        label = f'|"{e.label}"|' if e.label else ""
        out.append(f"  v_{e.source} {arrow}{label} v_{e.target}")
    if focus is not None:
        out.append(f"  style v_{focus} stroke-width:3px")
    return "\n".join(out) + "\n"
