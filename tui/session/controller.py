"""The session: one file, its model, the analyst's edits, their undo stack, save and reload.

A `State` is the model after a set of edits, with what has been computed
about it (checks, results, views), filled in lazily and never changed once
there: undo and redo are a step along a stack of states, instant. A new edit
is *proposed* (a new state computed from the current one, off the UI thread)
and *committed* only if the session has not moved on meanwhile.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Mapping
from display.kinds import PERCENT, Style, kinds
from display.styles import style_of
from dsl import ast as A
from dsl.edit import one_line, split_comment
from dsl.errors import ScnError
from dsl.text import split_lines
from engine import edit, unit_check
from engine.address import Cell
from engine.api import Result, checked, evaluate, load_model, recompute, uses_of
from engine.graph import Graph
from engine.model import SINGLE, Model
from files.reading import read_text
from tui.session import cells
from tui.session.members import Arrays, InputBits, RowValues, combo_index, covers_text
from tui.session.rollup import rolled_sheet
from tui.session.units import units_view
from tui.session.sheet import Sheet, dims_of, has_dims, input_bits, row_key, row_lists, rows
from tui.session.disk import Disk, Stamp, file_stamp
from tui.session.changes import CellChanges
from tui.session.file_side import FileSide
from tui.session.edits import (ENTRY, NEW, EditorRequest, EditRefused, FileEdits, Target,
                               editor_note)

NOW = object()  # take the file's stamp now


@dataclass
class State:
    """The model after a set of edits. Checks, results and views fill in lazily, once each."""

    changes: Mapping[Target, str]  # target -> the text typed, in the order made
    model: Model
    definitions: Mapping[tuple, A.Definition]  # edited definitions in the model, by target key
    parent: State | None = None
    changed: frozenset[str] = frozenset()  # variables whose definitions differ from parent's
    results: dict[str, Result] = field(default_factory=dict)
    views: dict = field(default_factory=dict)  # values, input masks, kinds


class Session(CellChanges, FileSide):
    """One scenario file open for exploring and editing."""

    def __init__(self, path: str, text: str, model: Model | None = None,
                 stamp: Stamp | object = NOW):
        """`stamp`: the file's stamp taken before `text` was read (`Session.open` does);
        by default, taken now."""
        self.path = path
        self.generation = 0  # counts the texts loaded: an edit is placed in one of them
        # Held by whoever computes (the app's worker threads): the engine caches on models.
        self.lock = threading.RLock()
        self._reset(text, model or load_model(text, path),
                    file_stamp(path) if stamp is NOW else stamp)

    @classmethod
    def open(cls, path: str) -> Session:
        """Read and check a file; raises ScnError (every error) or UsageError."""
        stamp = file_stamp(path)  # before reading: a change made meanwhile is seen later
        return cls(path, read_text(path), stamp=stamp)

    def _reset(self, text: str, model: Model, stamp: Stamp) -> None:
        self.generation += 1
        self.disk_text = text
        self.file = FileEdits(self.path, text, model)
        self.root = State({}, model, {})
        self.state = self.root
        self.undo_stack: list[State] = []
        self.redo_stack: list[State] = []
        self.stamp = stamp  # of the file when `text` was read
        self.disk = Disk()  # what the file on disk holds against `text`

    @property
    def model(self) -> Model:
        return self.state.model

    @property
    def dirty(self) -> bool:
        return bool(self.state.changes)

    # ------------------------------------------------------------ computed, per state

    def result(self, scenario: str, state: State | None = None) -> Result:
        """The evaluated scenario: from its parent state's, recomputing only what changed
        (`engine.api.recompute`, warnings included)."""
        state = state or self.state
        hit = state.results.get(scenario)
        if hit is not None:
            return hit
        parent = state.parent
        if parent is not None and scenario in parent.results:
            out = recompute(parent.results[scenario], state.model, scenario)
        else:
            out = evaluate(state.model, scenario)
        state.results[scenario] = out
        return out

    def checked(self, scenario: str, state: State | None = None) -> tuple[dict, Graph]:
        """(cover, graph) of a scenario (an edit's model holds them: `engine.edit`)."""
        found = checked((state or self.state).model, scenario)
        return found.cover, found.graph

    def values(self, scenario: str, state: State | None = None) -> Mapping[str, list]:
        """Every row's values: floats, NaN for n/a, None for an empty year. By variable;
        with dims, also by member row (`capex[goog]`, made when read) and a group's sum
        under the variable's name (`tui.session.members`)."""
        state = state or self.state
        key = ("values", scenario)
        if key not in state.views:
            result = self.result(scenario, state)
            model = state.model
            if has_dims(model):
                kinds = self.kinds(state)
                flat = {v: result.series(v) for v in model.variables if not dims_of(model, v)}
                state.views[key] = RowValues(model, Arrays(model, result), flat,
                                             lambda v: kinds.get(v) != PERCENT)
            else:
                n = len(model.axis)
                before = state.parent.views.get(key) if state.parent is not None else None
                if before is not None and result.redone is not None \
                        and state.parent.model.variables == model.variables:
                    # recomputed from the parent's result: only its redone columns are new
                    redone = sorted(result.redone)  # not a walk of 10,000 names
                    table = dict(before)
                    if redone:
                        table.update(row_lists(result, redone))
                else:
                    table = result.raw.head(n).select(model.variables).to_dict(as_series=False)
                state.views[key] = table
        return state.views[key]

    def row(self, scenario: str, key: str, state: State | None = None) -> list:
        """One row's values (`values(scenario)[key]`, KeyError for no such row), read from
        the scenario's result when its whole table is not made yet (a chart's other
        scenarios: reading back 10,000 columns for one row cost 0.1 s)."""
        state = state or self.state
        model = state.model
        if ("values", scenario) not in state.views and not has_dims(model):
            if key not in model.info:
                raise KeyError(key)
            return self.result(scenario, state).series(key)
        return self.values(scenario, state)[key]

    def explained_at_once(self, scenario: str) -> bool:
        """Whether everything `cell(scenario, ...)` and a chart of the scenarios computed
        read is made already: the scenario's result, values, kinds and units in the
        current state and the file's, and its check. Then explaining a cell is lookups
        and a walk of its links (0.1-0.3 ms at 10,000 variables), which the UI does on
        its own thread, in the frame that moves the cursor."""
        state, root = self.state, self.root
        return scenario in state.results and scenario in state.model.cache.checked and all(
            ("values", scenario) in s.views and "kinds" in s.views for s in (state, root)) \
            and "units" in state.views

    def computed(self, state: State | None = None) -> list[str]:
        """The scenarios a state has evaluated (the UI computes the others in the
        background: a chart draws those computed)."""
        state = state or self.state
        return [sc for sc in state.model.scenarios if sc in state.results]

    def inputs(self, scenario: str, state: State | None = None) -> dict[str, int]:
        """Per variable, a bit per year whose definition reads no other variable (an input)."""
        state = state or self.state
        key = ("inputs", scenario)
        if key not in state.views:
            cov = self.checked(scenario, state)[0]
            before = state.parent.views.get(key) if state.parent is not None else None
            if isinstance(before, InputBits):
                before = before.flat
            # an edit's: only what it changed (not a walk of 10,000 covers)
            new = {v: input_bits(state.model, cov[v])
                   for v in (cov if before is None else sorted(state.changed & cov.keys()))
                   if not dims_of(state.model, v)}
            if before is not None and all(before.get(v) == bits for v, bits in new.items()):
                masks = before  # the same inputs (an input given another value): shared,
                # not a copy of 10,000 masks kept by every state of the undo chain
            else:
                masks = dict(before) if before is not None else {}
                masks.update(new)
            if has_dims(state.model):  # member rows' masks are made when painted
                masks = InputBits(state.model, cov, masks, uses_of)
            state.views[key] = masks
        return state.views[key]

    def kinds(self, state: State | None = None) -> dict[str, Style]:
        """How each variable's numbers show, by its unit (display.kinds): read from
        the model's unit inference, which the unit column and warnings compute for
        the same state anyway (engine.unit_check caches it per model)."""
        state = state or self.state
        if "kinds" not in state.views:
            parent = state.parent
            if parent is not None and "kinds" in parent.views \
                    and parent.model.variables == state.model.variables:
                # an edit: the styles of the units it changed (unit_check keeps the others)
                found = dict(parent.views["kinds"])
                for v, u in unit_check.moved_units(parent.model, state.model).items():
                    found[v] = style_of(u)
                state.views["kinds"] = found
            else:
                state.views["kinds"] = kinds(state.model)
        return state.views["kinds"]

    def warned(self, scenario: str, state: State | None = None) -> frozenset[str]:
        """The variables a run warned about: a non-finite value somewhere, distribution
        parameters that describe no distribution."""
        return frozenset(w.subject.variable for w in self.result(scenario, state).warnings)

    def warning_codes(self, scenario: str, state: State | None = None
                      ) -> dict[str, frozenset[str]]:
        """`warned`, each variable with the codes of its warnings (what the status line says)."""
        found: dict[str, set[str]] = {}
        for w in self.result(scenario, state).warnings:
            found.setdefault(w.subject.variable, set()).add(w.code)
        return {v: frozenset(codes) for v, codes in found.items()}

    def rows(self, state: State | None = None) -> tuple:
        """The grid's rows (`tui.session.sheet.rows`); `state.views["combos"]` with them."""
        state = state or self.state
        model = state.model
        if "rows" not in state.views:
            before = state.parent
            if before is not None and "rows" in before.views and (
                    before.model.variables == model.variables
                    and getattr(before.model, "dims_of", None) == getattr(model, "dims_of", None)):
                # an edit changes no section and, here, no variable's dims: the same rows
                state.views["rows"], state.views["combos"] = (before.views["rows"],
                                                              before.views["combos"])
            else:
                state.views["rows"] = rows(model)
                state.views["combos"] = {v: model.combos(v) for v in model.variables
                                         if dims_of(model, v)}
        return state.views["rows"]

    def sheet(self, scenario: str, compare: bool = False, state: State | None = None,
              by_year: bool = False) -> Sheet:
        """What the grid shows; with `compare`, the parent scenario's values alongside;
        `by_year`, a quarterly or monthly model rolled up by calendar year."""
        state = state or self.state
        model = state.model
        parent = model.scenarios[scenario].parent
        sheet = Sheet(
            axis=model.axis,
            rows=self.rows(state),
            kinds=self.kinds(state),
            values=self.values(scenario, state),
            inputs=self.inputs(scenario, state),
            changes=self.changed_cells(scenario, state),
            parent=self.values(parent, state) if compare and parent else None,
            warned=self.warning_codes(scenario, state),
            file_kinds=self.kinds(self.root) if state.changes else self.kinds(state),
            combos=state.views["combos"],
            units=units_view(state),
        )
        return rolled_sheet(sheet, model) if by_year else sheet

    # ------------------------------------------------------------ the inspector

    def cell(self, scenario: str, at: Cell) -> cells.CellInfo:
        """Everything the inspector shows about one cell (a member cell: `at.members`; a
        group's header: a variable with dims and no members)."""
        model = self.model
        name, i = at.variable, at.period
        cov, graph = self.checked(scenario)
        dims = dims_of(model, name)
        key = row_key(name, at.members)
        if dims and not at.members:
            piece = cells.group_piece(cov[name], i)
        else:
            piece = cov[name].at(combo_index(model, name, at.members) if dims else 0, i)
        info = model.info[name]
        value = self.values(scenario)[key][i]
        try:
            file_value = self.values(scenario, self.root)[key][i]
        except KeyError:  # the edits gave the variable other dims
            file_value = None
        warning = next((w.message for w in self.result(scenario).warnings
                        if w.subject.variable == name), None)
        after = cells.dependents(model, cov, graph, name, i, at.members)
        group = len(model.combos(name)) if dims and not at.members else 0
        if piece is None:
            return cells.CellInfo(at, scenario, info.section, info.doc, value,
                                  file_value, "empty", "", "", "", False, (), after, warning,
                                  group=group, mixed=bool(group) and cov[name].defined[:, i].any())
        key = self._key_of(piece.definition, piece.layer)
        target = self.file.target_of(piece, key, self.state.changes)
        edited = key in self.state.definitions
        if target.kind == ENTRY and isinstance(piece.definition.expr, A.MemberMap):
            # the member's entry alone: a map of 1,000 members is no line to read
            typed = self.state.changes.get(target, self.file.original_text(target))
            code = f"{self.file.head(target)}{split_comment(typed)[0]} …}}"
        else:
            code = one_line(self.file.statement(key, self.state.changes)[0].strip())
        return cells.CellInfo(
            at, scenario, info.section, info.doc, value, file_value,
            "formula" if uses_of(model, piece) else "input", code,
            self.file.where(target, edited), piece.layer, edited,
            cells.precedents(model, piece, i, name, at.members), after, warning,
            self.file.comment(target, self.state.changes), group=group)

    def _key_of(self, definition: A.Definition, layer: str) -> tuple:
        for key, d in self.state.definitions.items():
            if d is definition:
                return key
        return ("rhs", layer, definition.span.line, definition.span.col)

    # ------------------------------------------------------------ editing

    def editor(self, scenario: str, name: str, year: int, single_year: bool,
               members: tuple[str, ...] = ()) -> EditorRequest | str:
        """What `Enter` (the covering definition) or `=` (this year alone) edits; on a
        member cell (`members`), `=` is that member's year alone: `x[goog, 2026] = ...`.
        On a group's header, `Enter` edits the definition covering every member that
        year, and says why not (a str) when several do."""
        cov, _ = self.checked(scenario)
        i = self.model.axis.index(year)
        dims = dims_of(self.model, name)
        if dims and not members:
            piece = cells.group_piece(cov[name], i)
            if piece is None and not single_year and cov[name].defined[:, i].any():
                return (f"{name}: its members have different definitions in "
                        f"{self.model.axis.label(i)}; open the group (space) and edit one member, "
                        f"or press = to define {name}[{self.model.axis.label(i)}] for all of them")
        else:
            piece = cov[name].at(combo_index(self.model, name, members) if dims else 0, i)
        changes = self.state.changes
        current = None
        if piece is not None:
            current = self.file.target_of(piece, self._key_of(piece.definition, piece.layer),
                                          changes)
        # `=` edits an existing definition only if it is exactly this cell's: this year,
        # these members (every dim pinned; none on a header), this scenario's layer.
        exact = piece is not None and piece.rank == SINGLE and piece.layer == scenario and (
            len(getattr(piece, "members", ())) == (len(dims) if members else 0))
        if current is not None and (not single_year or exact):
            target = current
        else:
            target = self.file.new_target(scenario, name, year, members)
        prefill = changes.get(target)
        if prefill is None:
            source = target if target.kind != NEW else current
            prefill = "" if source is None else changes.get(source, self.file.original_text(source))
        prefill = split_comment(prefill)[0]  # the comment shows apart, kept unless retyped
        return EditorRequest(target, prefill, self.file.head(target),
                             self._covers(scenario, target), self.file.where(target),
                             editor_note(scenario, target), self.generation,
                             self.file.comment(target, changes))

    def _covers(self, scenario: str, t: Target) -> str:
        if t.kind == NEW:
            return covers_text(self.model, t, None, None)
        definition = self.state.definitions.get(t.key) or self.file.disk[t.key][0]
        return covers_text(self.model, t, self.checked(scenario)[0][t.name], definition)

    def propose(self, target: Target, text: str, generation: int | None = None) -> State:
        """The state after an edit, checked in every scenario; raises EditRefused.

        `generation` is that of the editor request the target came from: a
        target made for a text since saved or reloaded is refused, as its
        lines may have moved. Nothing changes in the session until `commit`.
        """
        if generation is not None and generation != self.generation:
            raise EditRefused([], ["the file was saved or reloaded since this editor opened: "
                                   "press Escape and edit the cell again"])
        old = self.state
        if len(split_lines(text.strip())) > 1:
            raise EditRefused([], ["an edit is one line: a definition's right-hand side"])
        text = self._typed(target, text, old.changes)
        changes = dict(old.changes)
        changes.pop(target, None)  # a new edit of the same target counts as the latest
        if target.kind == NEW or text != self.file.original_text(target):
            changes[target] = text  # else: typed back what the file says, no edit
        if changes == old.changes:
            return old  # nothing to do: committing it is a no-op
        key = target.key
        new, statement, first = self.file.parse(target, changes)
        old_def = old.definitions.get(key) or self.file.disk.get(key, (None,))[0]
        from_file = new is not None and self.file.disk.get(key, (None,))[0] is new
        reusable = tuple(p for p in self.root.model.layers[target.layer].get(target.name, ())
                         if p.definition is new) if from_file else ()
        try:
            model = edit.replace_definition(old.model, target.layer, target.name, old_def,
                                            new, reusable)
        except ScnError as e:
            raise self.file.refused(e.diagnostics, statement, first) from None
        definitions = dict(old.definitions)
        if new is None or from_file:
            definitions.pop(key, None)
        else:
            definitions[key] = new
        return State(changes, model, definitions, old, frozenset({target.name}))

    def _typed(self, target: Target, text: str, changes: Mapping[Target, str]) -> str:
        """The edit as kept: the value, and a comment only where it changes the line's.

        Without a typed comment, the comment the editor showed stays (an earlier
        edit's, else the file's); typing the file's own comment is no change.
        """
        code, comment = split_comment(text)
        if comment is None:
            comment = split_comment(changes.get(target, ""))[1]
        if target.kind != NEW and comment is not None:
            if comment == (self.file.file_comment(target) or "#"):
                comment = None
        return code if comment is None else f"{code}  {comment}"

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
