"""A whole file: every statement parsed (through a bounded cache), then the file's shape.

`parse_document` splits a file with `dsl.statements`, parses each statement
with `dsl.parser.parse_statement` (collecting all errors), then checks the
shape: one `years` before the first definition, scenario blocks opened and
closed, definitions placed in their section and layer.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import replace
from typing import Literal, overload

from dsl import ast as A
from dsl.errors import Diagnostic, ScnError
from dsl.hidden import hidden_diagnostic
from dsl.parser import parse_statement
from dsl.statements import RawStatement, split_statements
from dsl.text import hidden_characters


class StatementCache:
    """Parsed statements by their text, the least recently used evicted first.

    Re-reading a file after an edit (the UI, live reload, `scn diff` of two
    versions) re-parses only the changed statements: one that only moved (a
    line inserted above it) is the tree kept for its text with its spans
    moved (`dsl.ast.shifted`), and one that stayed keeps its AST objects, so
    comparing old and new definitions is mostly an identity check
    (`engine.cover.Cover.__eq__`). Identity is only a shortcut: every
    comparison falls back on equality, so an evicted statement parsed again
    (a new object, equal to the old) changes no result.

    Bounded by entries: `limit` statements, about the text of 20 files of
    10,000 lines. A least-recently-used order keeps the statements of the
    file being worked on when others pass through (clearing everything at the
    limit made the next reload of that file parse every line again). Shared
    by threads (the UI parses in a worker): one lock around each step.
    """

    def __init__(self, limit: int):
        self.limit = limit
        # text -> {a first line: the tree made for it} (a text may stand at several lines)
        self._items: OrderedDict[str, dict[int, A.Statement]] = OrderedDict()
        self._lock = threading.Lock()
        self.parsed = 0  # statements parsed or moved (not seeded): a persistent copy is stale
        self.changes = 0  # any statement kept, dropped or evicted: a document read before is stale

    def statement(self, text: str, line: int) -> A.Statement:
        """The statement `text` whose first line is `line`; raises ScnError (not cached)."""
        with self._lock:
            at = self._items.get(text)
            if at is not None:
                self._items.move_to_end(text)
                node = at.get(line)
                if node is not None:
                    return node
                was, node = next(iter(at.items()))
        node = parse_statement(text, line) if at is None else A.shifted(node, line - was)
        with self._lock:
            self._keep(text, line, node)
            self.parsed += 1
            self._evict()
        return node

    def kept(self, raws: list[RawStatement]) -> list[A.Statement | None]:
        """The trees kept for `raws` at their very lines (None where there is none),
        under one lock: a file read again after a parse finds most of them."""
        out: list[A.Statement | None] = []
        with self._lock:
            items, to_end = self._items, self._items.move_to_end
            for raw in raws:
                at = items.get(raw.text)
                node = None if at is None else at.get(raw.line)
                if node is not None:
                    to_end(raw.text)
                out.append(node)
        return out

    def seed(self, entries: dict[tuple[str, int], A.Statement]) -> None:
        """Statements parsed before (by another process: `files.parse_cache`), as if
        parsed here; what is already cached stays."""
        with self._lock:
            for (text, line), node in entries.items():
                if line not in self._items.get(text, ()):
                    self._keep(text, line, node)
            self._evict()

    def of_text(self, text: str) -> dict[tuple[str, int], A.Statement]:
        """The cached statements of file `text` (what a persistent copy keeps), by
        text and the first line each tree was made for."""
        out = {}
        with self._lock:
            for raw in _split(text):
                at = self._items.get(raw.text)
                if at is not None:
                    line = raw.line if raw.line in at else next(iter(at))
                    out[(raw.text, line)] = at[line]
        return out

    def _keep(self, text: str, line: int, node: A.Statement) -> None:
        self.changes += 1
        at = self._items.setdefault(text, {})
        if len(at) >= _LINES_PER_TEXT:
            at.clear()
        at[line] = node

    def _evict(self) -> None:
        while len(self._items) > self.limit:
            self.changes += 1
            self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self.changes += 1
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: tuple[str, int]) -> bool:
        """Whether the statement (text, first line) is kept (moved or not)."""
        return key[0] in self._items


_LAST_SPLIT: tuple[str, list[RawStatement]] | None = None


def _split(text: str) -> list[RawStatement]:
    """The file's statements, split once for both parsing it and keeping its
    statements (`StatementCache.of_text`, right after): the last file's kept."""
    global _LAST_SPLIT
    last = _LAST_SPLIT
    if last is not None and (last[0] is text or last[0] == text):
        return last[1]
    raws = split_statements(text)
    _LAST_SPLIT = (text, raws)
    return raws


def parse_ahead(raws: list[RawStatement]) -> dict[tuple[str, int], A.Statement]:
    """Statements `raws` parsed into the cache ahead of `parse_document` (part of a
    file, in another process: `files.parse_cache`), by text and first line; one
    that does not parse is left out, for `parse_document` to report."""
    out = {}
    for raw in raws:
        try:
            out[(raw.text, raw.line)] = _CACHE.statement(raw.text, raw.line)
        except ScnError:
            pass
    return out


def statements_of(text: str) -> list[RawStatement]:
    """The statements of file `text` as `parse_document` splits it."""
    return _split(text)


_LINES_PER_TEXT = 64  # lines one text is kept at (`}` closes every scenario block)
_CACHE = StatementCache(200_000)


def statement_cache() -> StatementCache:
    """The cache `parse_document` parses through (shared by the whole process)."""
    return _CACHE


@overload
def parse_document(text: str, source: str = ..., collect: Literal[False] = ...) -> A.Document:
    ...


@overload
def parse_document(text: str, source: str = ..., *, collect: Literal[True]
                   ) -> tuple[A.Document, list[Diagnostic]]:
    ...


def parse_document(text: str, source: str = "<text>", collect: bool = False
                   ) -> A.Document | tuple[A.Document, list[Diagnostic]]:
    """Parse a whole file; raise one ScnError with every error it holds.

    With `collect=True`, return (document of what parsed, errors) instead of
    raising, so that later passes can report their errors too.

    The same text read again with no statement kept or dropped since gives the
    document made last (`scn check` of a new file reads it first to have its
    statements cached beside the checks, `files.parse_cache.kept`, then loads it:
    0.03 s at 10,000 variables).
    """
    global _LAST_DOCUMENT
    last, cache = _LAST_DOCUMENT, _CACHE
    if last is not None and last[2] is cache and last[3] == cache.changes \
            and last[1] == source and (last[0] is text or last[0] == text):
        doc, errors = last[4], list(last[5])
    else:
        doc, errors = _parse_document(text, source)
        _LAST_DOCUMENT = (text, source, cache, cache.changes, doc, tuple(errors))
    if collect:
        return doc, errors
    if errors:
        raise ScnError(errors)
    return doc


# (text, source, the cache and its changes, document, errors) of the last parse_document
_LAST_DOCUMENT: tuple[str, str, StatementCache, int, A.Document, tuple[Diagnostic, ...]] \
    | None = None


def _parse_document(text: str, source: str) -> tuple[A.Document, list[Diagnostic]]:
    errors: list[Diagnostic] = [hidden_diagnostic(h) for h in hidden_characters(text)
                                if h.place == "code"]
    statements: list[tuple[RawStatement, A.Statement]] = []
    years_failed = False  # a malformed years line is its own error, not a missing one
    raws = _split(text)
    for raw, node in zip(raws, _CACHE.kept(raws)):
        try:
            statements.append((raw, node if node is not None
                               else _CACHE.statement(raw.text, raw.line)))
        except ScnError as e:
            errors.extend(e.diagnostics)
            years_failed = years_failed or _YEARS_LINE.match(raw.text) is not None
    doc = _structure(statements, errors, years_failed)
    return doc, [replace(d, source=source) for d in errors]


_YEARS_LINE = re.compile(r"\s*(?:years\b|(?:quarters|months)[ \t]+[0-9])")


def _structure(statements, errors: list[Diagnostic], years_failed: bool = False) -> A.Document:
    title = years = None
    section: str | None = None
    sections: list[str] = []
    scenarios: list[A.ScenarioDecl] = []
    placed: list[A.Placed] = []
    open_block: A.ScenarioOpen | None = None
    dims: dict[str, A.DimDecl] = {}
    for raw, node in statements:
        if type(node) is A.Definition:  # most statements
            if raw.doc is not None:
                node = _with_doc(node, raw.doc)
            placed.append(A.Placed(node, section,
                                   open_block.name if open_block is not None else A.BASE))
        elif isinstance(node, A.ModelTitle):
            if title is not None:
                errors.append(Diagnostic("'model' is given twice", node.span,
                                         "a file has at most one model title", code="structure"))
            else:
                title = node.title
        elif isinstance(node, A.YearsDecl):
            if years is not None and years.unit != node.unit:
                errors.append(Diagnostic(
                    f"'{node.unit}' is given after '{years.unit}' (line {years.span.line}): "
                    "a model has one time axis", node.span,
                    "keep one line of years, quarters or months", code="structure"))
            elif years is not None:
                errors.append(Diagnostic(
                    f"'{node.unit}' is given twice (first on line {years.span.line})", node.span,
                    f"a file has exactly one {node.unit} line", code="structure"))
            else:
                if placed:
                    errors.append(Diagnostic(
                        f"'{node.unit}' must come before the first definition", node.span,
                        f"move it above line {placed[0].definition.span.line}", code="structure"))
                years = node
        elif isinstance(node, A.Section):
            section = node.name
            if node.name not in sections:
                sections.append(node.name)
        elif isinstance(node, A.ScenarioOpen):
            if open_block is not None:
                errors.append(Diagnostic(
                    f"scenario '{node.name}' starts inside scenario '{open_block.name}'",
                    node.span, f"close '{open_block.name}' with '}}' on its own line first",
                    code="structure"))
            open_block = node
            if node.name == A.BASE:
                errors.append(Diagnostic("'base' is reserved for the definitions outside any block",
                                         node.name_span, "pick another scenario name",
                                         code="scenario"))
                # Its definitions belong to no layer: they must not merge into base.
                open_block = A.ScenarioOpen("#base", None, None, node.span)
                continue
            scenarios.append(A.ScenarioDecl(node.name, node.parent or A.BASE, node.title,
                                            node.name_span, node.parent_span))
        elif isinstance(node, A.DimDecl):
            if open_block is not None:
                errors.append(Diagnostic(
                    f"dim '{node.name}' is declared inside scenario '{open_block.name}'",
                    node.span, "declare dims outside any scenario block: every scenario "
                    "has the same dims", code="structure"))
            elif node.name in dims:
                errors.append(Diagnostic(
                    f"dim '{node.name}' is declared twice (first on line "
                    f"{dims[node.name].span.line})", node.name_span,
                    "declare each dim once, with all its members", code="structure"))
            else:
                dims[node.name] = node
        elif isinstance(node, A.BlockClose):
            if open_block is None:
                errors.append(Diagnostic("'}' closes no scenario block", node.span,
                                         code="structure"))
            open_block = None
        else:
            if raw.doc is not None:
                node = _with_doc(node, raw.doc)
            scenario = open_block.name if open_block is not None else A.BASE
            placed.append(A.Placed(node, section, scenario))
    if open_block is not None:
        errors.append(Diagnostic(f"scenario '{open_block.name}' is never closed",
                                 open_block.span, "end the block with '}' on a line of its own",
                                 code="structure"))
    if years is None and not years_failed:
        errors.append(Diagnostic("the file has no 'years' line", A.Span(1, 1, 1, 2),
                                 "add a line such as: years 2024..2030", code="structure"))
    return A.Document(title, years, tuple(scenarios), tuple(placed), tuple(sections),
                      tuple(dims.values()))


def _with_doc(d: A.Definition, doc: str) -> A.Definition:
    return replace(d, doc=doc)
