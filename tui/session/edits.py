"""Where an edit goes in the file, what the editor shows for it, and the text saved.

Every edit is placed in the coordinates of the file's text as loaded: the
right-hand side of a definition (named by its first line and column), the
value of one entry of a year map or a member map, or a new line
`name[year] = ...` (`name[goog, year] = ...` for a member's cell) after the
variable's last definition of its layer (a scenario block without one gets it
before its closing `}`). The edited text is always rebuilt from the loaded
text with `dsl.edit`, so the edits never shift each other and every byte
outside them stays as it was.

What the analyst types is a right-hand side and, optionally, a comment
(`62% # new note`): the value replaces the definition's (or entry's) text,
the comment replaces the end-of-line comment of the line where that text
ends (`#` alone removes it). Without a typed comment the line's comment
stays: a source cited beside an assumption is never lost by an edit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping

from dsl import ast as A
from dsl.edit import (Change, apply_changes, block_last_line, cell_head, cell_line,
                      comment_change, indentation, insertion_after, line_comment,
                      line_starts, offset, one_line, split_comment)
from dsl.errors import Diagnostic, ScnError
from dsl.format import years_text
from dsl.parser import parse_statement
from dsl.periods import label_of
from dsl.text import split_lines, split_lines_keepends
from engine.model import Model, Piece
from engine.resolve import BASE

RHS, ENTRY, NEW = "rhs", "entry", "new"


@dataclass(frozen=True)
class Target:
    """What an edit changes, in the coordinates of the text as loaded.

    RHS and ENTRY name a definition by its first line and column (ENTRY also
    the index of the year-map or member-map entry); NEW is a line
    `name[members, year] = ...` that goes after line `line` of the layer `layer`.
    """

    kind: str
    layer: str
    name: str
    line: int
    col: int = 0
    entry: int = -1
    year: int = 0  # NEW: the period's absolute number (`axis.absolute`; the year, yearly)
    members: tuple[str, ...] = ()  # NEW: the member cell it defines, in the variable's dim order

    @property
    def key(self) -> tuple:
        """The definition this edit belongs to (several entry edits share one)."""
        if self.kind == NEW:
            return (NEW, self.layer, self.name, self.year, self.members)
        return (RHS, self.layer, self.line, self.col)


@dataclass(frozen=True)
class EditorRequest:
    """What the cell editor shows: the text to edit and where it goes."""

    target: Target
    prefill: str
    head: str  # the text before the edited part, e.g. "asic_share = "
    covers: str  # the years the edit applies to, e.g. "2024..2030"
    where: str  # "scenarios/ai_capex.scn:61", or where a new line will go
    note: str = ""
    generation: int = 0  # the text it was made for (a save or a reload starts a new one)
    comment: str | None = None  # the end-of-line comment the edit keeps unless one is typed


class EditRefused(ScnError):
    """An edit the parser or the checker refused; `lines` are its messages, rendered."""

    def __init__(self, diagnostics: list[Diagnostic], lines: list[str]):
        super().__init__(diagnostics)
        self.lines = lines

    def __str__(self) -> str:
        return "\n".join(self.lines)


class FileEdits:
    """The loaded text of one file and its definitions, by the key edits use."""

    def __init__(self, path: str, text: str, model: Model):
        self.path, self.text, self.model = path, text, model
        self._split: tuple[list[int], list[str], list[str]] | None = None
        self.disk: dict[tuple, tuple[A.Definition, str]] = {}
        for layer, by_name in model.layers.items():
            for pieces in by_name.values():
                for p in pieces:
                    d = p.definition
                    self.disk[(RHS, layer, d.span.line, d.span.col)] = (d, layer)

    def _lines(self) -> tuple[list[int], list[str], list[str]]:
        """The loaded text's line starts, lines with their ends and lines without, found
        once: a large file's text is never split again for each edit or each cell."""
        if self._split is None:
            self._split = (line_starts(self.text), split_lines_keepends(self.text),
                           split_lines(self.text))
        return self._split

    def _line(self, line: int) -> str:
        """Line `line` of the loaded text, as the only line of a text (for `dsl.edit`)."""
        return self._lines()[2][line - 1] + "\n"

    def target_of(self, piece: Piece, key: tuple, changes: Mapping[Target, str]) -> Target:
        """The edit of the definition (or year-map entry) a piece comes from."""
        if key[0] == NEW:
            return next(t for t in changes if t.key == key)
        disk, layer = self.disk[key]
        if isinstance(disk.expr, A.YearMap) and disk.years is None:
            k = next(k for k, e in enumerate(piece.definition.expr.entries) if e.span == piece.span)
            return Target(ENTRY, layer, piece.name, key[2], key[3], entry=k)
        if isinstance(disk.expr, A.MemberMap):  # the entry of the piece's member
            return Target(ENTRY, layer, piece.name, key[2], key[3],
                          entry=self._member_entry(piece))
        return Target(RHS, layer, piece.name, key[2], key[3])

    def _member_entry(self, piece: Piece) -> int:
        """Which entry of a member map a piece comes from: its span, else its member."""
        entries = piece.definition.expr.entries
        for k, e in enumerate(entries):
            if e.span == piece.span:
                return k
        names = set()
        for dim, index in getattr(piece, "members", ()):
            names.add(self.model.dims[dim].members[index])
        return next(k for k, e in enumerate(entries) if e.member.name in names)

    def new_target(self, layer: str, name: str, year: int,
                   members: tuple[str, ...] = ()) -> Target:
        """A new `name[year] = ...` line (`name[goog, year] = ...`) of a layer, after the
        variable's last definition there."""
        mine = [d for d, lay in self.disk.values() if lay == layer and d.name == name]
        if mine:
            after = max(d.span.end_line for d in mine)
        else:
            after = block_last_line(self.text, self.model.scenarios[layer].span.line)
        return Target(NEW, layer, name, after, year=year, members=tuple(members))

    def original_text(self, target: Target) -> str:
        """The edited part as the file has it (one line), "" for a new line."""
        if target.kind == NEW:
            return ""
        s, starts = self._edited_expr(target).span, self._lines()[0]
        return one_line(self.text[offset(starts, s.line, s.col):offset(starts, s.end_line,
                                                                          s.end_col)])

    def _edited_expr(self, t: Target) -> A.Expr:
        disk, _ = self.disk[t.key]
        return disk.expr.entries[t.entry].value if t.kind == ENTRY else disk.expr

    def head(self, t: Target) -> str:
        """What stands before the edited text, for the editor's label."""
        if t.kind == NEW:
            return f"{cell_head(t.name, t.members, self.label(t))} = "
        disk, _ = self.disk[t.key]
        parts = [m.name for m in getattr(disk, "members", ())]
        if disk.years is not None:
            parts.append(years_text(disk.years))
        selector = f"[{', '.join(parts)}]" if parts else ""
        if t.kind == ENTRY:
            entry = disk.expr.entries[t.entry]
            key = entry.member.name if isinstance(entry, A.MemberEntry) else years_text(entry.years)
            return f"{t.name}{selector} = {{… {key}: "
        return f"{t.name}{selector} = "

    def where(self, t: Target, edited: bool = False) -> str:
        if t.kind == NEW:
            return f"new line after {self.path}:{t.line}" + (" (unsaved)" if edited else "")
        return f"{self.path}:{t.line}" + (" (edited, unsaved)" if edited else "")

    def statement(self, key: tuple, changes: Mapping[Target, str]) -> tuple[str, int]:
        """The text of a definition with its edits applied, and its first line in the file."""
        mine = [t for t in changes if t.key == key]
        if key[0] == NEW:
            t = mine[0]
            return self.new_line(t, changes[t]), t.line + 1
        disk, _ = self.disk[key]
        first, last = disk.span.line, disk.span.end_line
        snippet = "".join(self._lines()[1][first - 1:last]).rstrip("\r\n")
        edits, comments = [], {}
        for t in mine:
            s = self._edited_expr(t).span
            code, comment = split_comment(changes[t])
            edits.append(Change(A.Span(s.line - first + 1, s.col, s.end_line - first + 1,
                                       s.end_col), code))
            if comment is not None:
                comments[s.end_line - first + 1] = comment  # the latest edit of a line wins
        edits += [comment_change(snippet, line, c) for line, c in comments.items()]
        return apply_changes(snippet, edits), first

    def parse(self, target: Target, changes: Mapping[Target, str]
              ) -> tuple[A.Definition | None, str, int]:
        """The edited definition, parsed alone at its place in the file (None: no edit left).

        Raises EditRefused with the parser's message, positioned in the file.
        """
        key = target.key
        if not any(t.key == key for t in changes):
            return (None if target.kind == NEW else self.disk[key][0]), "", target.line
        statement, first = self.statement(key, changes)
        if not split_comment(changes.get(target, "x"))[0]:
            raise self.refused([Diagnostic("the value is empty", self._value_span(target, first),
                                           "type a number such as 45% or a formula such as "
                                           "capex * 55%; Escape cancels", code="empty-value")],
                               statement, first)
        try:
            node = parse_statement(statement, first)
        except ScnError as e:
            raise self.refused(e.diagnostics, statement, first) from None
        if not isinstance(node, A.Definition) or node.name != target.name or (
                target.kind != NEW and (node.years != self.disk[key][0].years
                                        or node.members != self.disk[key][0].members)):
            span = A.Span(first, 1, first, len(statement.split("\n")[0]) + 1)
            raise self.refused([Diagnostic("the edit must be one expression", span,
                                           "type a value such as 45% or a formula such as "
                                           "capex * 55%", code="not-a-definition")],
                               statement, first)
        if target.kind != NEW:
            node = replace(node, doc=self.disk[key][0].doc)
        return node, statement, first

    def _value_span(self, t: Target, first: int) -> A.Span:
        """Where the edited value starts in its statement (for a message about it)."""
        if t.kind == NEW:
            col = len(self.new_line(t, "")) + 1
            return A.Span(first, col, first, col + 1)
        s = self._edited_expr(t).span
        return A.Span(s.line, s.col, s.line, s.col + 1)

    def new_line(self, t: Target, text: str) -> str:
        """The line a NEW edit inserts, indented like the definitions of its block."""
        indent = ""
        if t.layer != BASE:
            indent = indentation(self._line(t.line), 1)
            if t.line == self.model.scenarios[t.layer].span.line:
                indent += "  "  # an empty block: one level in from its header
        return cell_line(t.name, t.members, self.label(t), text, indent)

    def label(self, t: Target) -> str:
        """The period of a NEW line as the file writes it: `2026`, `2025Q2`, `2025-07`
        (`t.year` is the period's absolute number, as the grid and the axis name it)."""
        return label_of(self.model.axis.unit, t.year)

    def render(self, changes: Mapping[Target, str]) -> str:
        """The file's text with these edits applied; every other byte unchanged."""
        out, comments = [], {}
        for t, text in changes.items():
            if t.kind == NEW:
                continue
            span = self._edited_expr(t).span
            code, comment = split_comment(text)
            out.append(Change(span, code))
            if comment is not None:
                comments[span.end_line] = comment  # the latest edit of a line wins
        out += [comment_change(self.text, line, c) for line, c in comments.items()]
        for t in sorted((t for t in changes if t.kind == NEW),
                        key=lambda t: (t.line, t.members, t.year)):
            out.append(insertion_after(self.text, t.line, self.new_line(t, changes[t])))
        return apply_changes(self.text, out)

    def file_comment(self, t: Target) -> str | None:
        """The end-of-line comment the file has where the edited text ends (None: none)."""
        if t.kind == NEW:
            return None
        return line_comment(self._line(self._edited_expr(t).span.end_line), 1)

    def comment(self, t: Target, changes: Mapping[Target, str]) -> str | None:
        """The comment of the edited line as it stands with the edits: the one typed last
        on that line, else the file's."""
        if t.kind == NEW:
            typed = split_comment(changes.get(t, ""))[1]
            return None if typed in (None, "#") else typed
        line = self._edited_expr(t).span.end_line
        found = self.file_comment(t)
        for other, text in changes.items():
            if other.kind != NEW and self._edited_expr(other).span.end_line == line:
                typed = split_comment(text)[1]
                if typed is not None:
                    found = None if typed == "#" else typed
        return found

    def refused(self, diagnostics, statement: str, first: int) -> EditRefused:
        """Messages rendered against the edited statement where they point into it."""
        from dsl.errors import render

        end = first + statement.count("\n")
        virtual = "\n" * (first - 1) + statement
        diagnostics = [replace(d, source=self.path) for d in diagnostics]
        lines = [render(d, virtual if first <= d.span.line <= end else self.text)
                 for d in diagnostics]
        return EditRefused(diagnostics, lines)


def editor_note(scenario: str, t: Target) -> str:
    """What the editor says of where the edit goes, when it matters."""
    if t.layer == BASE and scenario != BASE:
        return "a base definition: the edit applies to every scenario that does not redefine it"
    if t.kind == NEW and t.layer != BASE:
        return f"a new line in scenario {t.layer}"
    return ""
