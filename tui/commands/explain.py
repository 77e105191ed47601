"""`scn explain`: one cell, the definition that covers it, and the tree of
its precedents (or, with --dependents, of the cells that read it): a
spreadsheet's trace-precedents, in text.

    scn explain FILE 'optics_tam[2027]' [--depth N] [--dependents]
"""

from __future__ import annotations

import json
import math

from tui import common
from tui.output import full_precision

DEPTH = 3  # levels shown unless --depth says otherwise; a recurrence goes back every year


def register(sub) -> None:
    p = sub.add_parser("explain", help="a cell's definition, value and precedents (or dependents)")
    p.add_argument("file")
    p.add_argument("cell", metavar="CELL", help="a cell such as 'optics_tam[2027]'")
    p.add_argument("--depth", type=int, default=DEPTH,
                   help=f"levels of the tree (default {DEPTH}; 0 for the cell alone)")
    p.add_argument("--all", action="store_true", help="the whole tree, down to the inputs")
    p.add_argument("--dependents", action="store_true", help="the cells that read it, instead")
    common.scenario_options(p, ("table", "json"))
    p.set_defaults(run=run)


def run(args, texts) -> int:
    from dsl.errors import Diagnostic, ScnError
    from engine import evaluate
    from engine.trace import cell, dependents, has_value, precedents, whole

    if args.depth < 0:
        raise common.UsageError("--depth: expected 0 or more")
    model = common.load(args.file, texts)
    scenario = common.scenario_name(model, args.scenario)
    overrides = common.overrides(model, texts, args.set)
    texts.argument("CELL", args.cell)
    c = cell(model, args.cell, "CELL")
    if c.year is None:
        raise ScnError([Diagnostic("explain needs a cell: the variable and its year", whole(args.cell),
                                   f"write {c.name}[{model.years[-1]}]", source="CELL")])
    result = evaluate(model, scenario, overrides)
    has_value(model, result.plan.cover, c, "CELL", args.cell)
    depth = None if args.all else args.depth
    walk = dependents if args.dependents else precedents
    tree = walk(result, c, depth)
    view = _View(model, texts, scenario)
    text = view.json(tree, args.dependents) if args.format == "json" else view.table(
        tree, args.dependents, depth)
    common.write(text, args.output)
    return common.OK


class _View:
    def __init__(self, model, texts, scenario: str):
        from tui.numbers import kinds

        self.model, self.texts, self.scenario = model, texts, scenario
        self.kind = kinds(model)

    def value(self, node) -> str:
        from tui.numbers import format_value

        return format_value(node.value, self.kind[node.cell.name]) if node.value is not None else "empty"

    def where(self, piece) -> tuple[str, int]:
        from engine.model import OVERRIDES

        source = OVERRIDES if piece.layer == OVERRIDES else self.model.source
        return source, piece.span.line

    def definition(self, piece, comment: bool = False) -> str:
        """The covering definition as written; for one entry of a year map,
        `name = {entry}`; with the line's comment when asked."""
        source, _ = self.where(piece)
        lines = self.texts.by_source.get(source, "").splitlines()
        s = piece.span
        if not 0 < s.line <= len(lines):
            return piece.name
        if s.line == s.end_line:
            code = lines[s.line - 1][s.col - 1: s.end_col - 1].strip()
        else:
            code = " ".join(x.strip() for x in lines[s.line - 1: s.end_line])
            code = code.split(" #")[0].strip() if "#" in code else code
        if piece.span != piece.definition.span:  # one entry of a year map
            code = f"{piece.name} = {{{code.rstrip(',')}}}"
        if comment:
            rest = lines[s.end_line - 1][s.end_col - 1:] if s.line == s.end_line else ""
            note = rest.split("#", 1)[1].strip() if "#" in rest else ""
            if note:
                code += f"  # {note}"
        return code

    def table(self, tree, dependents: bool, depth) -> str:
        info = self.model.info[tree.cell.name]
        out = [f"{tree.cell} = {self.value(tree)}   (scenario {self.scenario})"]
        if info.doc:
            out += [f"  {line}" for line in info.doc.splitlines()]
        source, line = self.where(tree.piece)
        out.append(f"  {source}:{line}: {self.definition(tree.piece, comment=True)}")
        out.append("")
        what = "dependents (cells that read it)" if dependents else "precedents (cells it reads)"
        if not tree.children and not tree.cut:
            out.append(f"no {what.split(' ')[0]}: "
                       + ("nothing reads this cell" if dependents else "it is an input"))
            return "\n".join(out) + "\n"
        out.append(what + ":")
        rows: list[tuple[str, str]] = []
        self._rows(tree, rows)
        width = max(len(a) for a, _ in rows)
        out += [f"{a.ljust(width)}  {b}".rstrip() for a, b in rows]
        marks = []
        if _any(tree, "seen"):
            marks.append("(above): shown earlier in the tree")
        if _any(tree, "cut"):
            marks.append(f"(...): more levels, see --depth {depth + 1 if depth is not None else ''} "
                         "or --all")
        if marks:
            out += ["", "; ".join(marks)]
        return "\n".join(out) + "\n"

    def _rows(self, root, rows) -> None:
        # A stack, not recursion: --all on a long recurrence is deeper than Python's limit.
        stack = [(root, "", "")]
        while stack:
            node, lead, child_lead = stack.pop()
            tag = " (above)" if node.seen else (" (...)" if node.cut else "")
            _, line = self.where(node.piece)
            rows.append((f"{lead}{node.cell} = {self.value(node)}{tag}",
                         f"line {line}: {self.definition(node.piece)}"))
            last = len(node.children) - 1
            for k in range(last, -1, -1):
                stack.append((node.children[k], child_lead + ("`-- " if k == last else "|-- "),
                              child_lead + ("    " if k == last else "|   ")))

    def json(self, tree, dependents: bool) -> str:
        key = "dependents" if dependents else "precedents"

        def node(n) -> dict:
            source, line = self.where(n.piece)
            v = n.value
            v = v if v is None or math.isfinite(v) else full_precision(v)
            out = {"cell": str(n.cell), "value": v, "source": source, "line": line,
                   "definition": self.definition(n.piece)}
            if n.seen:
                out["shown_above"] = True
            if n.cut:
                out["more"] = True
            return out
        top = node(tree)
        stack = [(tree, top)]
        while stack:  # no recursion, as in _rows
            n, out = stack.pop()
            if n.children:
                out[key] = [node(c) for c in n.children]
                stack.extend(zip(n.children, out[key]))
        doc = {"scenario": self.scenario, "doc": self.model.info[tree.cell.name].doc, **top}
        return json.dumps(doc, indent=2) + "\n"


def _any(node, flag: str) -> bool:
    stack = [node]
    while stack:
        n = stack.pop()
        if getattr(n, flag):
            return True
        stack.extend(n.children)
    return False
