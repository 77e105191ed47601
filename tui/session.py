"""The terminal UI's controller: one file, its model, the analyst's edits, undo and save.

Plain Python, no Textual: the app calls it (the slow parts from a worker
thread) and the tests drive it directly.

The truth is the file's text as loaded plus a set of edits, each placed in
that text's coordinates: a definition's right-hand side, the value of one
entry of a year map, or a new year-specific line. Saving renders them with
`dsl.edit`, so nothing else in the file changes, and checks the result with
`load_model` before it writes a byte.

Between keypresses the model is not re-parsed (1.2 s for 2,000 variables):
the edited definition is parsed alone, its pieces replace the old ones, each
scenario is re-checked for what the edit can reach (unknown names, cycles,
empty values) and only the columns downstream of it are recomputed, all
through the engine's own passes. Every state is immutable once committed, so
undo and redo are a step along a stack.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field, replace
from typing import Mapping

from dsl import ast as A
from dsl.edit import (Change, apply_changes, block_last_line, indentation, insertion_after,
                      one_line, span_text)
from dsl.errors import Diagnostic, ScnError, render
from dsl.parser import parse_statement
from engine.api import Result, evaluate, load_model, nonfinite_warnings, uses_of
from engine.check import check_scenario
from engine.graph import Graph
from engine.model import SINGLE, Model, Piece, cover, freeze, pieces_of
from engine.plan import compile_plan, run
from engine.resolve import BASE, overlaps
from engine.uses import UseCollector
from tui.loader import UsageError, read_text
from tui.numbers import kinds

RHS, ENTRY, NEW = "rhs", "entry", "new"


@dataclass(frozen=True)
class Target:
    """What an edit changes, in the coordinates of the text as loaded.

    RHS and ENTRY name a definition by its first line and column (ENTRY also
    the index of the year-map entry); NEW is a line `name[year] = ...` that
    goes after line `line` of the layer `layer`.
    """

    kind: str
    layer: str
    name: str
    line: int
    col: int = 0
    entry: int = -1
    year: int = 0

    @property
    def key(self) -> tuple:
        """The definition this edit belongs to (several entry edits share one)."""
        if self.kind == NEW:
            return (NEW, self.layer, self.name, self.year)
        return (RHS, self.layer, self.line, self.col)


@dataclass(frozen=True)
class EditorRequest:
    """What the cell editor shows: the text to edit and where it goes."""

    target: Target
    prefill: str
    head: str  # the text before the edited part, e.g. "asic_share = "
    covers: str  # the years the edit applies to, e.g. "2024..2030"
    where: str  # "scenarios/ai_capex.scn:63", or where a new line will go
    note: str = ""


@dataclass(frozen=True)
class Link:
    """A cell another cell reads, or that reads it: the inspector jumps to it."""

    name: str
    year: int
    label: str


@dataclass(frozen=True)
class CellInfo:
    name: str
    year: int
    scenario: str
    section: str | None
    doc: str | None
    value: float | None
    file_value: float | None  # the value in the file as saved
    kind: str  # "input" (reads no other variable), "formula" or "empty"
    definition: str  # the covering definition as written (edited text when edited)
    where: str
    layer: str
    edited: bool
    precedents: tuple[Link, ...]
    dependents: tuple[Link, ...]
    warning: str | None


class DiskChanged(Exception):
    """The file changed on disk since it was loaded: saving would overwrite someone's work."""


class EditRefused(ScnError):
    """An edit the parser or the checker refused; `lines` are its messages, rendered."""

    def __init__(self, diagnostics: list[Diagnostic], lines: list[str]):
        super().__init__(diagnostics)
        self.lines = lines


@dataclass
class State:
    """The model after a set of edits. Results and checks fill in lazily, once each."""

    changes: Mapping[Target, str]  # target -> the text typed, in the order made
    model: Model
    definitions: Mapping[tuple, A.Definition]  # edited definitions in the model, by target key
    parent: State | None = None
    changed: frozenset[str] = frozenset()  # variables whose definitions differ from parent's
    checked: dict[str, tuple[dict, Graph]] = field(default_factory=dict)
    results: dict[str, Result] = field(default_factory=dict)
    views: dict = field(default_factory=dict)  # values and input masks, per scenario


class Session:
    """One scenario file open for exploring and editing."""

    def __init__(self, path: str, text: str, model: Model | None = None):
        self.path = path
        # Held by whoever computes (the app's worker threads): the engine caches on models.
        self.lock = threading.RLock()
        self._reset(text, model or load_model(text, path))

    @classmethod
    def open(cls, path: str) -> Session:
        """Read and check a file; raises ScnError (every error) or UsageError."""
        session = cls(path, read_text(path))
        session.stamp = file_stamp(path)
        return session

    def _reset(self, text: str, model: Model) -> None:
        self.disk_text = text
        self.root = State({}, model, {})
        self.state = self.root
        self.undo_stack: list[State] = []
        self.redo_stack: list[State] = []
        self.stamp = file_stamp(self.path)
        self._collector = UseCollector(set(model.variables), model.years[0], model.years[-1])
        self._disk: dict[tuple, tuple[A.Definition, str]] = {}
        for layer, by_name in model.layers.items():
            for pieces in by_name.values():
                for p in pieces:
                    self._disk[(RHS, layer, p.definition.span.line, p.definition.span.col)] = (
                        p.definition, layer)

    # ------------------------------------------------------------ what is shown

    @property
    def model(self) -> Model:
        return self.state.model

    @property
    def dirty(self) -> bool:
        return bool(self.state.changes)

    def result(self, scenario: str, state: State | None = None) -> Result:
        """The evaluated scenario in a state (the current one by default)."""
        state = state or self.state
        hit = state.results.get(scenario)
        if hit is not None:
            return hit
        parent = state.parent
        if parent is None:
            out = evaluate(state.model, scenario)
        elif scenario not in state.checked and scenario in parent.results:
            out = parent.results[scenario]  # the edit's layer is not in this scenario
        else:
            cov, graph = self.checked(scenario, state)
            prev = parent.results.get(scenario)
            plan = compile_plan(state.model, scenario, cov, graph, prev.plan if prev else None)
            raw = (run(plan, previous=prev.raw, changed=set(state.changed)) if prev
                   else run(plan))
            out = Result(plan, raw, nonfinite_warnings(plan, raw))
        state.results[scenario] = out
        return out

    def checked(self, scenario: str, state: State | None = None) -> tuple[dict, Graph]:
        """(cover, graph) of a scenario in a state."""
        state = state or self.state
        hit = state.checked.get(scenario)
        if hit is None:
            if state.parent is None:
                plan = self.result(scenario, state).plan
                hit = (plan.cover, plan.graph)
            else:
                hit = self.checked(scenario, state.parent)
            state.checked[scenario] = hit
        return hit

    def values(self, scenario: str, state: State | None = None) -> dict[str, list]:
        """Every variable's values in a scenario: floats, NaN for n/a, None for empty."""
        state = state or self.state
        key = ("values", scenario)
        if key not in state.views:
            raw = self.result(scenario, state).raw
            n = len(state.model.years)
            state.views[key] = raw.head(n).select(state.model.variables).to_dict(as_series=False)
        return state.views[key]

    def inputs(self, scenario: str, state: State | None = None) -> dict[str, int]:
        """Per variable, a bit per year whose definition reads no other variable (an input)."""
        state = state or self.state
        key = ("inputs", scenario)
        if key not in state.views:
            cov = self.checked(scenario, state)[0]
            before = state.parent.views.get(key) if state.parent is not None else None
            masks = dict(before) if before is not None else {}
            for v, row in cov.items():
                if before is not None and v not in state.changed:
                    continue
                masks[v] = sum(1 << i for i, p in enumerate(row)
                               if p is not None and not uses_of(state.model, p))
            state.views[key] = masks
        return state.views[key]

    def kinds(self, state: State | None = None) -> dict[str, str]:
        """How each variable reads: percent or amount (tui.numbers.kinds)."""
        state = state or self.state
        if "kinds" not in state.views:
            state.views["kinds"] = kinds(state.model)
        return state.views["kinds"]

    def warned(self, scenario: str, state: State | None = None) -> frozenset[str]:
        """The variables with a non-finite value somewhere."""
        warnings = self.result(scenario, state).warnings
        return frozenset(w.message.split(" ", 1)[0] for w in warnings)

    def changed_cells(self, scenario: str, state: State | None = None) -> dict[str, dict]:
        """Cells whose value differs from the file's: {variable: {year index: file value}}."""
        state = state or self.state
        if not state.changes:
            return {}
        now, then = self.values(scenario, state), self.values(scenario, self.root)
        names = {t.name for t in state.changes}
        # What the edits reach now, and what they reached in the file (edges may have gone).
        reach = self.checked(scenario, state)[1].downstream(names)
        reach |= self.checked(scenario, self.root)[1].downstream(names)
        out = {}
        for v in state.model.variables:
            if v in reach:
                moved = {i: a for i, (a, b) in enumerate(zip(then[v], now[v])) if not same(a, b)}
                if moved:
                    out[v] = moved
        return out

    # ------------------------------------------------------------ the inspector

    def cell(self, scenario: str, name: str, year: int) -> CellInfo:
        model = self.model
        i = year - model.years[0]
        cov, graph = self.checked(scenario)
        piece = cov[name][i]
        info = model.info[name]
        value = self.values(scenario)[name][i]
        file_value = self.values(scenario, self.root).get(name, [None] * len(model.years))[i]
        warning = next((w.message for w in self.result(scenario).warnings
                        if w.message.startswith(f"{name} is ")), None)
        if piece is None:
            return CellInfo(name, year, scenario, info.section, info.doc, value, file_value,
                            "empty", "", "no definition covers this year", "", False, (),
                            self._dependents(scenario, name, i), warning)
        uses = uses_of(model, piece)
        key = self._key_of(piece.definition, piece.layer)
        edited = key in self.state.definitions
        return CellInfo(
            name, year, scenario, info.section, info.doc, value, file_value,
            "formula" if uses else "input", self._statement_text(key, piece.definition),
            self._where(key, piece.definition), piece.layer, edited,
            self._precedents(uses, i), self._dependents(scenario, name, i), warning)

    def _precedents(self, uses, i: int) -> tuple[Link, ...]:
        first, n = self.model.years[0], len(self.model.years)
        seen: dict[tuple[str, int], Link] = {}
        for u in uses:
            for j in u.cells(i):
                if 0 <= j < n and (u.name, j) not in seen:
                    seen[(u.name, j)] = Link(u.name, first + j, f"{u.name} {first + j}")
        return tuple(seen.values())

    def _dependents(self, scenario: str, name: str, i: int) -> tuple[Link, ...]:
        """The cells that read this one: per reading variable, its same year when it reads it."""
        cov, graph = self.checked(scenario)
        first = self.model.years[0]
        out = []
        for w in graph.dependents().get(name, ()):
            years = [j for j, p in enumerate(cov[w]) if p is not None and any(
                u.name == name and i in u.cells(j) for u in uses_of(self.model, p))]
            if years:
                j = i if i in years else years[0]
                out.append(Link(w, first + j, f"{w} {first + j}"))
        return tuple(out)

    def _key_of(self, definition: A.Definition, layer: str) -> tuple:
        for key, d in self.state.definitions.items():
            if d is definition:
                return key
        return (RHS, layer, definition.span.line, definition.span.col)

    def _statement_text(self, key: tuple, definition: A.Definition) -> str:
        if key[0] == NEW:
            t = next(t for t in self.state.changes if t.key == key)
            return f"{t.name}[{t.year}] = {self.state.changes[t]}"
        disk, _ = self._disk[key]
        changes = self.state.changes
        return one_line(self._snippet(disk, [t for t in changes if t.key == key], changes).strip())

    def _where(self, key: tuple, definition: A.Definition) -> str:
        if key[0] == NEW:
            t = next(t for t in self.state.changes if t.key == key)
            return f"new line after {self.path}:{t.line} (unsaved)"
        edited = " (edited, unsaved)" if key in self.state.definitions else ""
        return f"{self.path}:{key[2]}{edited}"

    # ------------------------------------------------------------ editing

    def editor(self, scenario: str, name: str, year: int, single_year: bool) -> EditorRequest:
        """What `Enter` (the covering definition) or `=` (this year alone) edits."""
        model = self.model
        i = year - model.years[0]
        cov, _ = self.checked(scenario)
        piece = cov[name][i]
        current = self._current_text(piece)
        if piece is not None and not single_year:
            target = self._target_of(piece)
        elif piece is not None and piece.rank == SINGLE and piece.layer == scenario:
            target = self._target_of(piece)
        else:
            target = self._new_target(scenario, name, year)
        prefill = self.state.changes.get(target, current if target.kind == NEW else None)
        if prefill is None:
            prefill = self._original_text(target)
        return EditorRequest(target, prefill, self._head(target), self._covers(scenario, target),
                             self._where(target.key, None) if target.kind != NEW
                             else f"new line after {self.path}:{target.line}",
                             self._note(scenario, target))

    def _target_of(self, piece: Piece) -> Target:
        key = self._key_of(piece.definition, piece.layer)
        if key[0] == NEW:
            return next(t for t in self.state.changes if t.key == key)
        disk, layer = self._disk[key]
        line, col = key[2], key[3]
        if isinstance(disk.expr, A.YearMap) and disk.years is None:
            k = next(k for k, e in enumerate(piece.definition.expr.entries) if e.span == piece.span)
            return Target(ENTRY, layer, piece.name, line, col, entry=k)
        return Target(RHS, layer, piece.name, line, col)

    def _new_target(self, layer: str, name: str, year: int) -> Target:
        mine = [d for key, (d, lay) in self._disk.items() if lay == layer and d.name == name]
        if mine:
            after = max(d.span.end_line for d in mine)
        else:
            after = block_last_line(self.disk_text, self.model.scenarios[layer].span.line)
        return Target(NEW, layer, name, after, year=year)

    def _current_text(self, piece: Piece | None) -> str:
        if piece is None:
            return ""
        return self._original_text(self._target_of(piece), edited=True)

    def _original_text(self, target: Target, edited: bool = False) -> str:
        if edited and target in self.state.changes:
            return self.state.changes[target]
        if target.kind == NEW:
            return ""
        disk, _ = self._disk[target.key]
        expr = disk.expr.entries[target.entry].value if target.kind == ENTRY else disk.expr
        return one_line(span_text(self.disk_text, expr.span))

    def _head(self, t: Target) -> str:
        if t.kind == NEW:
            return f"{t.name}[{t.year}] = "
        disk, _ = self._disk[t.key]
        sel = f"[{_years(disk.years)}]" if disk.years is not None else ""
        if t.kind == ENTRY:
            return f"{t.name} = {{… {_years(disk.expr.entries[t.entry].years)}: "
        return f"{t.name}{sel} = "

    def _covers(self, scenario: str, t: Target) -> str:
        if t.kind == NEW:
            return str(t.year)
        cov, _ = self.checked(scenario)
        first = self.model.years[0]
        target_def = self.state.definitions.get(t.key) or self._disk[t.key][0]
        years = [first + i for i, p in enumerate(cov[t.name]) if p is not None
                 and p.definition is target_def
                 and (t.kind != ENTRY or p.span == target_def.expr.entries[t.entry].span)]
        return _year_list(years) or "no year in this scenario"

    def _note(self, scenario: str, t: Target) -> str:
        if t.layer == BASE and scenario != BASE:
            return "a base definition: the edit applies to every scenario that does not redefine it"
        if t.kind == NEW and t.layer != BASE:
            return f"a new line in scenario {t.layer}"
        return ""

    def propose(self, target: Target, text: str) -> State:
        """The state after an edit, checked in every scenario; raises EditRefused.

        Pure with respect to the session: nothing changes until `commit`.
        """
        old = self.state
        text = text.strip()
        if len(text.splitlines()) > 1:
            raise EditRefused([], ["an edit is one line: a definition's right-hand side"])
        changes = dict(old.changes)
        if target.kind != NEW and text == self._original_text(target):
            changes.pop(target, None)  # typed back what the file says: no edit
        else:
            changes[target] = text
        if changes == old.changes:
            return old  # nothing to do; committing it is a no-op
        key = target.key
        new_def, statement, first_line = self._definition(target, changes)
        old_def = old.definitions.get(key) or (self._disk[key][0] if key in self._disk else None)
        try:
            model = self._rebuild(old.model, target.layer, target.name, old_def, new_def)
            checked = self._recheck(old, model, target)
        except ScnError as e:
            raise self._refused(e.diagnostics, statement, first_line) from None
        definitions = dict(old.definitions)
        if new_def is None or key in self._disk and new_def is self._disk[key][0]:
            definitions.pop(key, None)
        else:
            definitions[key] = new_def
        return State(changes, model, definitions, old, frozenset({target.name}), checked)

    def commit(self, state: State) -> bool:
        """Make `state` current, unless the session moved on since it was proposed."""
        if self.state is not state.parent:
            return False
        self.undo_stack.append(self.state)
        self.redo_stack.clear()
        self.state = state
        return True

    def apply(self, target: Target, text: str) -> State:
        """Propose and commit an edit (what the app does in two steps)."""
        state = self.propose(target, text)
        self.commit(state)
        return state

    def undo(self) -> bool:
        if not self.undo_stack:
            return False
        self.redo_stack.append(self.state)
        self.state = self.undo_stack.pop()
        return True

    def redo(self) -> bool:
        if not self.redo_stack:
            return False
        self.undo_stack.append(self.state)
        self.state = self.redo_stack.pop()
        return True

    def _snippet(self, disk: A.Definition, targets: list[Target],
                 changes: Mapping[Target, str]) -> str:
        """The definition's lines as in the file, with these edits applied."""
        first, last = disk.span.line, disk.span.end_line
        lines = self.disk_text.splitlines(keepends=True)[first - 1:last]
        snippet = "".join(lines).rstrip("\r\n")
        edits = []
        for t in targets:
            expr = disk.expr.entries[t.entry].value if t.kind == ENTRY else disk.expr
            s = expr.span
            edits.append(Change(A.Span(s.line - first + 1, s.col, s.end_line - first + 1,
                                         s.end_col), changes[t]))
        return apply_changes(snippet, edits)

    def _definition(self, target: Target, changes: dict) -> tuple[A.Definition | None, str, int]:
        """The edited definition, parsed alone at its place in the file."""
        key = target.key
        mine = [t for t in changes if t.key == key]
        if target.kind == NEW:
            if not mine:
                return None, "", target.line + 1
            statement = self._new_line(target, changes[target])
            first = target.line + 1
        else:
            disk, _ = self._disk[key]
            if not mine:
                return disk, "", disk.span.line
            statement = self._snippet(disk, mine, changes)
            first = disk.span.line
        if not changes[target]:
            raise self._refused([Diagnostic("the value is empty", self._value_span(target, first),
                                            "type a number such as 45% or a formula such as "
                                            "capex * 55%; Escape cancels")], statement, first)
        try:
            node = parse_statement(statement, first)
        except ScnError as e:
            raise self._refused(e.diagnostics, statement, first) from None
        if not isinstance(node, A.Definition) or node.name != target.name or (
                target.kind != NEW and node.years != self._disk[key][0].years):
            span = A.Span(first, 1, first, len(statement.splitlines()[0]) + 1)
            raise self._refused([Diagnostic("the edit must be one expression", span,
                                            "type a value such as 45% or a formula such as "
                                            "capex * 55%")], statement, first)
        if target.kind != NEW:
            node = replace(node, doc=self._disk[key][0].doc)
        return node, statement, first

    def _value_span(self, t: Target, first: int) -> A.Span:
        """Where the edited value starts in its statement (for a message about it)."""
        if t.kind == NEW:
            col = len(self._new_line(t, "")) + 1
            return A.Span(first, col, first, col + 1)
        disk, _ = self._disk[t.key]
        s = (disk.expr.entries[t.entry].value if t.kind == ENTRY else disk.expr).span
        return A.Span(s.line, s.col, s.line, s.col + 1)

    def _new_line(self, t: Target, text: str) -> str:
        if t.layer == BASE:
            indent = ""
        else:
            indent = indentation(self.disk_text, t.line)
            if t.line == self.model.scenarios[t.layer].span.line:
                indent += "  "  # an empty block: one level in from its header
        return f"{indent}{t.name}[{t.year}] = {text}"

    def _rebuild(self, model: Model, layer: str, name: str, old: A.Definition | None,
                 new: A.Definition | None) -> Model:
        """The model with one definition replaced (or added, or removed); raises ScnError."""
        first, last = model.years[0], model.years[-1]
        errors: list[Diagnostic] = []
        pieces = [p for p in model.layers[layer].get(name, ()) if p.definition is not old]
        if new is not None:
            reused = [p for p in self.root.model.layers[layer].get(name, ())
                      if p.definition is new]  # an edit undone by typing: the file's own pieces
            added = reused or pieces_of(new, layer, first, last, errors)
            for p in added if not reused else ():
                errors.extend(self._collector.collect(p.expr, whole_definition=False)[1])
            # The model loaded, so any overlap now involves the new pieces.
            errors.extend(overlaps(pieces + added, first))
            pieces += added
        if errors:
            raise ScnError(errors)
        layers = dict(model.layers)
        layers[layer] = freeze({**model.layers[layer], name: tuple(pieces)})
        info = model.info
        if layer == BASE:
            defs = [d for d in info[name].definitions if d is not old]
            if new is not None:
                where = next((k for k, d in enumerate(info[name].definitions) if d is old), None)
                defs.insert(len(defs) if where is None else where, new)
            info = freeze({**info, name: replace(info[name], definitions=tuple(defs))})
        return Model(model.source, model.title, model.years, model.variables, info,
                     model.scenarios, freeze(layers), model.sections)

    def _recheck(self, old: State, model: Model, target: Target) -> dict:
        """Check every scenario the edit reaches, against its checked state before the edit."""
        errors: list[Diagnostic] = []
        seen: set = set()
        out = {}
        one = replace(model, variables=(target.name,))
        for s in model.scenarios:
            if target.layer not in model.chain(s):
                continue
            cov, graph = self.checked(s, old)
            cov2 = {**cov, **cover(one, s)}
            graph2, found = check_scenario(model, cov2, lambda p: uses_of(model, p), (cov, graph))
            for e in found:
                if (e.message, e.span) not in seen:
                    seen.add((e.message, e.span))
                    errors.append(e if s == BASE else
                                  replace(e, message=f"{e.message} (in scenario '{s}')"))
            out[s] = (cov2, graph2)
        if errors:
            raise ScnError(errors)
        return out

    def _refused(self, diagnostics, statement: str, first: int) -> EditRefused:
        """Messages rendered against the edited line where they point into it."""
        end = first + statement.count("\n")
        virtual = "\n" * (first - 1) + statement
        diagnostics = [replace(d, source=self.path) for d in diagnostics]
        lines = [render(d, virtual if first <= d.span.line <= end else self.disk_text)
                 for d in diagnostics]
        return EditRefused(diagnostics, lines)

    # ------------------------------------------------------------ the file

    def render_text(self, state: State | None = None) -> str:
        """The file's text with the edits of a state applied; every other byte unchanged."""
        state = state or self.state
        changes = []
        new = sorted((t for t in state.changes if t.kind == NEW), key=lambda t: (t.line, t.year))
        for t, text in state.changes.items():
            if t.kind == NEW:
                continue
            disk, _ = self._disk[t.key]
            expr = disk.expr.entries[t.entry].value if t.kind == ENTRY else disk.expr
            changes.append(Change(expr.span, text))
        for t in new:
            changes.append(insertion_after(self.disk_text, t.line,
                                           self._new_line(t, state.changes[t])))
        return apply_changes(self.disk_text, changes)

    def save(self, path: str | None = None) -> str:
        """Write the edits (atomically); returns the path written.

        Raises ScnError when the edited text does not load (nothing is
        written), DiskChanged when the file changed on disk since it was
        loaded (saving elsewhere is always allowed), UsageError when the
        file cannot be written.
        """
        text = self.render_text()
        target = path or self.path
        model = load_model(text, target)
        if os.path.abspath(target) == os.path.abspath(self.path):
            try:
                on_disk = read_text(self.path)
            except (UsageError, ScnError):  # removed, unreadable, no longer UTF-8
                on_disk = None
            if on_disk != self.disk_text:
                raise DiskChanged(f"{self.path} changed on disk since it was loaded")
        _write(target, text, self.path)
        self.path = target
        self._reset(text, model)
        return target

    def disk_change(self) -> str | None:
        """The file's new text when it changed on disk since it was last read; else None.

        Raises ScnError when the new text is not UTF-8.
        """
        stamp = file_stamp(self.path)
        if stamp is None or stamp == self.stamp:
            return None
        self.stamp = stamp
        text = read_text(self.path)
        return None if text == self.disk_text else text

    def render_error(self, diag: Diagnostic) -> str:
        """A message about the edited text (from `save`), with its line and a caret."""
        return render(diag, self.render_text())

    def reload(self, text: str) -> None:
        """Start over from a new text of the file; raises ScnError and keeps the old one."""
        self._reset(text, load_model(text, self.path))


def same(a, b) -> bool:
    """Equal values, where two NaNs are the same and None (empty) is only itself."""
    if a is None or b is None:
        return a is b
    return a == b or (a != a and b != b)


def _years(y: A.Years | None) -> str:
    if y is None:
        return ""
    if y.single:
        return str(y.start)
    return f"{y.start if y.start is not None else ''}..{y.end if y.end is not None else ''}"


def _year_list(years: list[int]) -> str:
    """2024, 2026..2030: runs of consecutive years joined."""
    runs: list[list[int]] = []
    for y in years:
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}..{r[-1]}" for r in runs)


def file_stamp(path: str) -> tuple[int, int] | None:
    """What tells that a file changed on disk: its modification time and size."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


def _write(path: str, text: str, like: str) -> None:
    """Atomically (a temporary file, then a rename), keeping the permissions of `like`."""
    from tui.common import write

    try:
        mode = os.stat(like).st_mode & 0o7777
    except OSError:
        mode = None
    write(text, path)
    if mode is not None:
        os.chmod(path, mode)
