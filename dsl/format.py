"""Canonical text: the AST printed back as scn writes it, and `scn fmt`'s layout.

Two services share one printer:

- `expr_text`, `statement_text`, `document_text`: a node (or a whole parsed
  document) as canonical one-line text. Numbers keep the text they were
  written with (`30%`, `1_000`, `85.1B`), parentheses are the ones written
  (`Paren` nodes; the printer adds none, because the parser's tree already
  follows precedence), `**` becomes `^`.
- `format_text`: a whole file in the canonical layout, with every comment on
  the line of the code it was written beside, doc comments (`##`) and
  standalone comments where they stood.

The layout, decided once:

- one space around every binary operator, `^` included (`capex * (1 + g)`,
  `1.12 ^ (t - 2025)`), none after a unary minus (`-x`), one space after each
  comma, `name[2026..2028] = ...`, `x[t-1]`;
- a year map or a call that was written over several lines stays over
  several lines, one entry per line, indented two spaces, a year map's
  entries each followed by a comma; one written on one line stays on one
  line (no re-wrapping: a diff must stay small);
- two spaces before an end-of-line comment; definitions inside a scenario
  block indented two spaces; a blank line before every `section` and
  `scenario` (above the comments that introduce it); runs of blank lines
  collapsed to one; no blank lines at the start or end of a file or block;
  `\\n` line endings and a final newline, no byte-order mark.

A statement whose comments cannot keep their places in that layout (two
comments that would end up on one line, a comment inside an expression that
the layout joins) is left exactly as written. Whatever the layout, the result
is checked: every statement must parse back to the same node with the same
doc comment, or the file is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dsl import ast as A
from dsl.errors import Diagnostic, ScnError
from dsl.hidden import hidden_diagnostic
from dsl.parser import parse_statement
from dsl.periods import label_of
from dsl.statements import RawStatement, scan_line, split_statements
from dsl.text import hidden_characters, split_lines

INDENT = "  "


# ---------------------------------------------------------------- the printer


@dataclass
class _Line:
    """One output line: its indent level, its text pieces and the source lines it shows."""

    indent: int
    parts: list[str] = field(default_factory=list)
    marks: set[int] = field(default_factory=set)  # source lines of the code printed here
    closes: set[int] = field(default_factory=set)  # source lines of the brackets closed here

    def text(self) -> str:
        return INDENT * self.indent + "".join(self.parts)


class _Printer:
    """Prints nodes onto lines; with `layout`, keeps multi-line year maps and calls multi-line."""

    def __init__(self, indent: int = 0, layout: bool = False):
        self.lines = [_Line(indent)]
        self.layout = layout

    def put(self, text: str, span: A.Span | None = None) -> None:
        line = self.lines[-1]
        line.parts.append(text)
        if span is not None:
            line.marks.update(range(span.line, span.end_line + 1))

    def close(self, text: str, span: A.Span) -> None:
        """A closing bracket: a comment goes with it only if nothing else shares its line."""
        self.lines[-1].parts.append(text)
        self.lines[-1].closes.add(span.end_line)

    def newline(self, indent: int) -> None:
        self.lines.append(_Line(indent))

    # -- statements
    def statement(self, node: A.Statement) -> None:
        kind = type(node)
        if kind is A.Definition:
            self.put(node.name, node.name_span)
            if node.members or node.years is not None:
                self.put(f"[{subscript_text(node.members, node.years)}]",
                         _cover(node.members, node.years))
            if node.annotation is not None:
                self.put(f": {node.annotation.text}", node.annotation.span)
            self.put(" = ")
            self.expr(node.expr)
        elif kind is A.DimDecl:
            self.put(f"dim {node.name} = {{", node.name_span)
            multiline = self.layout and node.span.line != node.span.end_line
            spans = node.member_spans or (A.NO_SPAN,) * len(node.members)
            self._items(list(zip(node.members, spans)), lambda m: self.put(*m), multiline,
                        trailing_comma=True)
            self.close("}", node.span)
        elif kind is A.ModelTitle:
            self.put(f'model "{node.title}"', node.span)
        elif kind is A.YearsDecl:
            self.put(f"{node.unit} {label_of(node.unit, node.start)}.."
                     f"{label_of(node.unit, node.end)}", node.span)
        elif kind is A.Section:
            self.put(f'section "{node.name}"', node.span)
        elif kind is A.ScenarioOpen:
            head = f"scenario {node.name}"
            if node.parent is not None:
                head += f" extends {node.parent}"
            if node.title is not None:
                head += f' "{node.title}"'
            self.put(head + " {", node.span)
        elif kind is A.BlockClose:
            self.put("}", node.span)
        else:
            raise TypeError(f"no canonical text for {kind.__name__}")

    # -- expressions: one method per node type, looked up in HANDLERS
    def expr(self, node: A.Expr) -> None:
        try:
            method = HANDLERS[type(node)]
        except KeyError:
            raise A.NoHandler("canonical text", node) from None
        method(self, node)

    def _number(self, n: A.Number) -> None:
        self.put(n.text, n.span)

    def _name(self, n: A.Name) -> None:
        self.put(_selected(n, None), n.span)

    def _current_year(self, n: A.CurrentYear) -> None:
        self.put("t", n.span)

    def _shifted(self, n: A.Shifted) -> None:
        sign = "+" if n.offset > 0 else "-"
        self.put(_selected(n, f"t{sign}{abs(n.offset)}"), n.span)

    def _at_year(self, n: A.AtYear) -> None:
        self.put(_selected(n, str(n.period)), n.span)

    def _year_range(self, n: A.YearRange) -> None:
        self.put(_selected(n, years_text(n.years)), n.span)

    def _unary(self, n: A.Unary) -> None:
        self.put("-" if n.op == "-" else "not ")
        self.expr(n.operand)

    def _binary(self, n: A.Binary) -> None:
        self.expr(n.left)
        self.put(f" {n.op} ")
        self.expr(n.right)

    def _between(self, n: A.Between) -> None:
        self.expr(n.low)
        self.put(" to ")
        self.expr(n.high)

    def _paren(self, n: A.Paren) -> None:
        self.put("(", A.Span(n.span.line, n.span.col, n.span.line, n.span.col))
        self.expr(n.expr)
        self.close(")", n.span)

    def _call(self, n: A.Call) -> None:
        self.put(f"{n.func}(", n.name_span)
        multiline = self.layout and any(a.span.line > n.name_span.end_line for a in n.args)
        self._items(n.args, self.expr, multiline, trailing_comma=False)
        self.close(")", n.span)

    def _year_map(self, n: A.YearMap) -> None:
        self.put("{", A.Span(n.span.line, n.span.col, n.span.line, n.span.col))
        multiline = self.layout and n.span.line != n.span.end_line and bool(n.entries)
        self._items(n.entries, self._entry, multiline, trailing_comma=True)
        self.close("}", n.span)

    def _entry(self, e: A.MapEntry) -> None:
        self.put(years_text(e.years) + ": ", e.years.span)
        self.expr(e.value)

    def _member_map(self, n: A.MemberMap) -> None:
        self.put("{", A.Span(n.span.line, n.span.col, n.span.line, n.span.col))
        multiline = self.layout and n.span.line != n.span.end_line
        self._items(n.entries, self._member_entry, multiline, trailing_comma=True)
        self.close("}", n.span)

    def _member_entry(self, e: A.MemberEntry) -> None:
        self.put(e.member.name + ": ", e.member.span)
        self.expr(e.value)

    def _items(self, items, emit, multiline: bool, trailing_comma: bool) -> None:
        """Comma-separated items: on this line, or one per line indented one level deeper."""
        if not multiline:
            for k, item in enumerate(items):
                if k:
                    self.put(", ")
                emit(item)
            return
        outer = self.lines[-1].indent
        for k, item in enumerate(items):
            self.newline(outer + 1)
            emit(item)
            if trailing_comma or k < len(items) - 1:
                self.put(",")
        self.newline(outer)


HANDLERS = {
    A.Number: _Printer._number, A.Name: _Printer._name, A.CurrentYear: _Printer._current_year,
    A.Shifted: _Printer._shifted, A.AtYear: _Printer._at_year, A.YearRange: _Printer._year_range,
    A.Unary: _Printer._unary, A.Binary: _Printer._binary, A.Between: _Printer._between,
    A.Paren: _Printer._paren, A.Call: _Printer._call, A.YearMap: _Printer._year_map,
    A.MemberMap: _Printer._member_map,
}


def subscript_text(members: tuple[A.Member, ...], time: A.Years | str | None) -> str:
    """What stands between the brackets, canonically: the members in the order
    written, then the year or time selector (`goog, g800, 2025`)."""
    parts = [m.name for m in members]
    if isinstance(time, A.Years):
        parts.append(years_text(time))
    elif time is not None:
        parts.append(time)
    return ", ".join(parts)


def _selected(n, time: str | None) -> str:
    """A reference as written canonically: `x`, `x[t-1]`, `x[goog]`, `x[goog, 2025]`."""
    if not n.members and time is None:
        return n.name
    return f"{n.name}[{subscript_text(n.members, time)}]"


def _cover(members: tuple[A.Member, ...], years: A.Years | None) -> A.Span:
    """The span from the first to the last subscript (members and years in any order)."""
    spans = sorted([m.span for m in members] + ([years.span] if years is not None else []),
                   key=lambda s: (s.line, s.col))
    return spans[0].to(spans[-1])


def years_text(years: A.Years) -> str:
    """A year selector as written canonically: `2026`, `2026..2028`, `2028..`, `..2025`."""
    if years.single:
        return str(years.start)
    start = "" if years.start is None else str(years.start)
    end = "" if years.end is None else str(years.end)
    return f"{start}..{end}"


def expr_text(expr: A.Expr) -> str:
    """An expression as canonical one-line text."""
    p = _Printer()
    p.expr(expr)
    return p.lines[0].text()


def statement_text(node: A.Statement) -> str:
    """A statement as canonical one-line text (a definition: `name[years] = expr`)."""
    p = _Printer()
    p.statement(node)
    return p.lines[0].text()


def document_text(doc: A.Document) -> str:
    """A parsed document as a canonical file, without comments.

    Base definitions come first, under their sections, then one block per
    scenario. Order never changes a value, so the text means what `doc` means.
    """
    out: list[str] = []
    if doc.title is not None:
        out.append(statement_text(A.ModelTitle(doc.title)))
    if doc.years is not None:
        out.append(statement_text(doc.years))
    out.extend(statement_text(d) for d in doc.dims)
    section: str | None = None
    for placed in doc.definitions:
        if placed.scenario != A.BASE:
            continue
        if placed.section != section and placed.section is not None:
            out.extend(["", statement_text(A.Section(placed.section))])
        section = placed.section
        out.extend(_doc_lines(placed.definition, ""))
        out.append(statement_text(placed.definition))
    for s in doc.scenarios:
        parent = None if s.parent == A.BASE else s.parent
        out.extend(["", statement_text(A.ScenarioOpen(s.name, parent, s.title))])
        for placed in doc.definitions:
            if placed.scenario == s.name:
                out.append(INDENT + statement_text(placed.definition))
        out.append("}")
    return "\n".join(out) + "\n"


def _doc_lines(d: A.Definition, indent: str) -> list[str]:
    return [f"{indent}## {line}".rstrip() for line in d.doc.split("\n")] if d.doc else []


# ---------------------------------------------------------------- file layout


def format_text(text: str, source: str = "<text>") -> str:
    """The canonical layout of a whole file; raises ScnError when a statement does not parse."""
    lines = split_lines(text)
    raws = split_statements(text)
    nodes = _parse_all(raws, source, _hidden_in_code(text))
    starts = {raw.line - 1: (raw, node) for raw, node in zip(raws, nodes)}
    out: list[str] = []
    pending: list[str | None] = []  # standalone lines since the last statement; None = blank
    previous: A.Statement | None = None
    depth = 0
    i = 0
    while i < len(lines):
        if i not in starts:
            pending.append(lines[i].strip(" \t") or None)  # a comment keeps every other byte
            i += 1
            continue
        raw, node = starts[i]
        _flush(out, pending, previous, node, depth)
        pending = []
        if isinstance(node, A.BlockClose):
            depth = 0
        out.extend(_format_statement(raw, node, depth))
        if isinstance(node, A.ScenarioOpen):
            depth = 1
        previous = node
        i = raw.end_line
    _flush(out, pending, previous, None, depth)
    result = "\n".join(out) + "\n" if out else ""
    _verify(raws, nodes, result, source)
    return result


def _hidden_in_code(text: str) -> list[Diagnostic]:
    """Errors for hidden characters outside comments, also on lines no statement holds."""
    return [hidden_diagnostic(h) for h in hidden_characters(text) if h.place == "code"]


def _parse_all(raws: list[RawStatement], source: str,
               errors: list[Diagnostic]) -> list[A.Statement]:
    nodes = []
    for raw in raws:
        try:
            nodes.append(parse_statement(raw.text, raw.line))
        except ScnError as e:
            errors.extend(e.diagnostics)
    if errors:
        from dataclasses import replace

        raise ScnError([replace(d, source=source) for d in errors])
    return nodes


def _flush(out: list[str], pending: list[str | None], after: A.Statement | None,
           before: A.Statement | None, depth: int) -> None:
    """Standalone comments and blank lines between two statements, blank-line rules applied."""
    kept: list[str | None] = []
    for line in pending:
        if line is None and kept and kept[-1] is None:
            continue  # runs of blank lines collapse to one
        kept.append(line)
    if after is None or isinstance(after, A.ScenarioOpen):
        while kept and kept[0] is None:
            kept.pop(0)
    if before is None or isinstance(before, A.BlockClose):
        while kept and kept[-1] is None:
            kept.pop()
    opens_group = isinstance(before, (A.Section, A.ScenarioOpen))
    if opens_group and out and not isinstance(after, A.ScenarioOpen):
        # The blank line goes above the comments that introduce the section.
        group = len(kept)
        while group > 0 and kept[group - 1] is not None:
            group -= 1
        if group == 0:
            kept.insert(0, None)
    indent = INDENT * depth
    out.extend("" if line is None else indent + line for line in kept)


def _format_statement(raw: RawStatement, node: A.Statement, depth: int) -> list[str]:
    """The statement's lines in the canonical layout, or as written when comments forbid it."""
    source_lines = raw.text.split("\n")
    printer = _Printer(depth, layout=True)
    printer.statement(node)
    printed = printer.lines
    placed = _place_comments(source_lines, raw.line, printed)
    if placed is None:
        return [line.rstrip(" \t") for line in source_lines]
    return placed


def _place_comments(source_lines: list[str], first: int, printed: list[_Line]) -> list[str] | None:
    """Each comment at the end of the printed line showing the last code of its own line
    (a closing bracket counts only when its line holds nothing else).

    A comment alone on its line goes on a line of its own, above the printed
    line that starts with the code that followed it. None when a comment has
    no such place.
    """
    ends: dict[int, str] = {}
    above: dict[int, list[str]] = {}
    for k, text in enumerate(source_lines):
        info = scan_line(text, [])
        if info.comment is None:
            continue
        comment = info.comment.rstrip(" \t")
        line = first + k
        if info.code.strip():
            hosts = ([j for j, p in enumerate(printed) if line in p.marks]
                     or [j for j, p in enumerate(printed) if line in p.closes])
            if not hosts or hosts[-1] in ends:
                return None
            ends[hosts[-1]] = comment
        else:
            j = next((j for j, p in enumerate(printed) if p.marks and min(p.marks) > line), None)
            if j is None or any(m > line for p in printed[:j] for m in p.marks | p.closes):
                return None
            above.setdefault(j, []).append(comment)
    out: list[str] = []
    for j, p in enumerate(printed):
        out.extend(INDENT * p.indent + c for c in above.get(j, ()))
        text = p.text()
        out.append(f"{text}  {ends[j]}" if j in ends else text)
    return out


def _verify(raws: list[RawStatement], nodes: list[A.Statement], result: str, source: str) -> None:
    """The formatted text must hold the same statements with the same doc comments.

    A statement whose text came out exactly as written parses to the same
    node without asking the parser again: only the ones the layout changed
    are parsed back (so checking an already formatted file costs a split).
    """
    again = split_statements(result)
    if len(again) != len(raws):
        raise _refused(1, "scn fmt would lose or split a statement", source)
    for raw, node, new in zip(raws, nodes, again):
        same = new.text == raw.text
        if not same:
            try:
                same = parse_statement(new.text, new.line) == node
            except ScnError:
                same = False
        if not same or new.doc != raw.doc:
            raise _refused(raw.line, "scn fmt cannot lay out this statement without changing it",
                           source)


def _refused(line: int, message: str, source: str) -> ScnError:
    return ScnError([Diagnostic(f"{message}; the file is left as it is", A.Span(line, 1, line, 2),
                                "this is a bug in scn fmt: please report it with the statement",
                                source=source, code="not-formattable")])
