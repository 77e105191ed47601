"""`scn explain`: one cell, the definition that covers it, and the tree of
its precedents (or, with --dependents, of the cells that read it): a
spreadsheet's trace-precedents, in text.

    scn explain FILE 'optics_tam[2027]' [--depth N] [--dependents]
"""

from __future__ import annotations

import json
import math

from cli import common
from cli.output import full_precision
from dsl.text import printable, split_lines

DEPTH = 3  # levels shown unless --depth says otherwise; a recurrence goes back every year
# Levels of indentation in one block of the tree (and of nesting in JSON):
# deeper cells continue in a block of their own below, so a chain of 10,000
# cells prints 10,000 rows of bounded width, not rows 4 x 10,000 wide.
NESTING = 40


def register(sub) -> None:
    p = sub.add_parser("explain")
    p.add_argument("file")
    p.add_argument("cell", metavar="CELL", help="a cell such as 'optics_tam[2027]'")
    p.add_argument("--depth", type=common.count, default=DEPTH,
                   help=f"levels of the tree (default {DEPTH}; 0 for the cell alone)")
    p.add_argument("--all", action="store_true", help="the whole tree, down to the inputs")
    p.add_argument("--dependents", action="store_true", help="the cells that read it, instead")
    common.scenario_options(p, ("table", "json"))
    p.set_defaults(run=run)


def run(args, texts) -> int:
    from dsl.errors import Diagnostic, ScnError
    from engine import evaluate
    from engine.trace import dependents, has_value, one_cell, parse_cell, precedents, whole

    if args.depth < 0:
        raise common.UsageError("--depth: expected 0 or more")
    model, scenario, overrides = common.load_scenario(args, texts)
    texts.argument("CELL", args.cell)
    c = parse_cell(model, args.cell, "CELL")
    if c.whole:
        raise ScnError([Diagnostic("explain needs a cell: the variable and its year", whole(args.cell),
                                   f"write {c.variable}[{model.axis.label(model.axis.last)}]",
                                   source="CELL",
                                   code="bad-cell")])
    one_cell(model, c, "CELL", args.cell)
    result = evaluate(model, scenario, overrides)
    has_value(model, result.plan.cover, c, "CELL", args.cell)
    depth = None if args.all else args.depth
    walk = dependents if args.dependents else precedents
    # the members of a dim aggregate: a few and a count, unless everything is asked for
    tree = walk(result, c, depth, None if args.all or args.format == "json" else 5)
    view = _View(model, texts, scenario, result)
    if args.format == "json":
        text = view.json(tree, args.dependents)
    else:  # for people: a comment or description holding \x1b must not reach the terminal
        text = printable(view.table(tree, args.dependents, depth), keep="\n")
    common.write(text, args.output)
    return common.OK


class _View:
    def __init__(self, model, texts, scenario: str, result):
        from cli.output import unit_texts
        from display.kinds import kinds

        self.model, self.texts, self.scenario, self.result = model, texts, scenario, result
        self.kind = kinds(model)
        self.units = unit_texts(model)  # JSON's `unit` per cell, in a file with annotations
        self._lines: dict[str, list[str]] = {}
        self.formats: dict = {}

    def value(self, node) -> str:
        """A cell's value as its variable's row shows it (one number of decimals per
        variable), with its unit after it where it has one to name (`85.1B USD`)."""
        from display.numbers import row_format

        name = node.cell.variable
        if node.value is None:
            return "empty"
        if name not in self.formats:
            self.formats[name] = row_format(self._all_values(name), self.kind[name])
        return self.formats[name].text(node.value)

    def _all_values(self, name: str) -> list:
        """A variable's values, every member's row (one format per variable)."""
        if not getattr(self.model, "dims_of", {}).get(name):
            return self.result.series(name)
        return [v for _, _, row in self.result.rows([name]) for v in row]

    def where(self, piece) -> tuple[str, int]:
        from engine.model import OVERRIDES

        source = OVERRIDES if piece.layer == OVERRIDES else self.model.source
        return source, piece.span.line

    def definition(self, piece, comment: bool = False) -> str:
        """The covering definition as written; for one entry of a year map,
        `name = {entry}`; with the line's comment when asked."""
        source, _ = self.where(piece)
        lines = self._lines.get(source)
        if lines is None:  # split once per source, not once per cell of the tree
            lines = self._lines[source] = split_lines(self.texts.by_source.get(source, ""))
        s = piece.span
        if not 0 < s.line <= len(lines):
            return piece.name
        if s.line == s.end_line:
            code = lines[s.line - 1][s.col - 1: s.end_col - 1].strip()
        else:
            code = " ".join(x.strip() for x in lines[s.line - 1: s.end_line])
            code = code.split(" #")[0].strip() if "#" in code else code
        if piece.span != piece.definition.span:  # one entry of a map: its left side as written
            d = piece.definition.span
            head = lines[d.line - 1][d.col - 1:].split("=", 1)[0].strip() \
                if 0 < d.line <= len(lines) else piece.name
            code = f"{head} = {{{code.rstrip(',')}}}"
        if comment:
            rest = lines[s.end_line - 1][s.end_col - 1:] if s.line == s.end_line else ""
            note = rest.split("#", 1)[1].strip() if "#" in rest else ""
            if note:
                code += f"  # {note}"
        return code

    def table(self, tree, dependents: bool, depth) -> str:
        info = self.model.info[tree.cell.variable]
        out = [f"{tree.cell.label(self.model.axis)} = {self.value(tree)}   (scenario {self.scenario})"]
        if info.doc:
            out += [f"  {line}" for line in info.doc.split("\n")]
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
        continued = self._rows(tree, rows)
        width = max(len(a) for a, _ in rows)
        out += [f"{a.ljust(width)}  {b}".rstrip() for a, b in rows]
        marks = []
        if continued:
            marks.append(f"(below): more than {NESTING} levels deep, continued in its own "
                         "block below")
        if _any(tree, "seen"):
            marks.append("(above): shown earlier in the tree")
        if _any(tree, "more"):
            marks.append("(+K more members): the cells of the other members it reads, "
                         "see --all")
        if _any(tree, "cut"):
            marks.append(f"(...): more levels, see --depth {depth + 1 if depth is not None else ''} "
                         "or --all")
        if marks:
            out += ["", "; ".join(marks)]
        return "\n".join(out) + "\n"

    def _rows(self, root, rows) -> bool:
        """The tree's rows; a cell NESTING levels down with more below it starts
        a block of its own after the others. True when some did."""
        blocks = [root]
        k = 0
        while k < len(blocks):
            if k:
                rows.append(("", ""))
            # A stack, not recursion: --all on a long recurrence is deeper than Python's limit.
            stack = [(blocks[k], "", "", 0)]
            k += 1
            while stack:
                node, lead, child_lead, level = stack.pop()
                below = level == NESTING and bool(node.children)
                tag = (" (above)" if node.seen else " (...)" if node.cut else
                       " (below)" if below else " (continued)" if level == 0 and k > 1 else "")
                if node.more:
                    tag += f" (+{node.more:,} more members)"
                _, line = self.where(node.piece)
                rows.append((f"{lead}{node.cell.label(self.model.axis)} = {self.value(node)}{tag}",
                             f"line {line}: {self.definition(node.piece)}"))
                if below:
                    blocks.append(node)
                    continue
                last = len(node.children) - 1
                for j in range(last, -1, -1):
                    stack.append((node.children[j], child_lead + ("`-- " if j == last else "|-- "),
                                  child_lead + ("    " if j == last else "|   "), level + 1))
        return len(blocks) > 1

    def json(self, tree, dependents: bool) -> str:
        key = "dependents" if dependents else "precedents"

        def node(n) -> dict:
            source, line = self.where(n.piece)
            v = n.value
            v = v if v is None or math.isfinite(v) else full_precision(v)
            out = {"cell": n.cell.label(self.model.axis), "value": v}
            if self.units is not None:
                out["unit"] = self.units[n.cell.variable] or None
            out.update(source=source, line=line, definition=self.definition(n.piece))
            if n.seen:
                out["shown_above"] = True
            if n.cut:
                out["more"] = True
            return out
        top = node(tree)
        blocks: list[dict] = []  # cells NESTING levels down, with their own trees
        stack = [(tree, top, 0)]
        while stack:  # no recursion, as in _rows
            n, out, level = stack.pop()
            if not n.children:
                continue
            if level == NESTING:
                out["continued_in"] = len(blocks)  # an index into doc["continued"]
                head = node(n)
                blocks.append(head)
                stack.append((n, head, 0))
                continue
            out[key] = [node(c) for c in n.children]
            stack.extend((c, o, level + 1) for c, o in zip(n.children, out[key]))
        doc = {"scenario": self.scenario, "doc": self.model.info[tree.cell.variable].doc, **top}
        if blocks:
            doc["continued"] = blocks
        return json.dumps(doc, indent=2) + "\n"


def _any(node, flag: str) -> bool:
    stack = [node]
    while stack:
        n = stack.pop()
        if getattr(n, flag):
            return True
        stack.extend(n.children)
    return False
