"""The cells an edit changed: each against the file's value, for the grid's change lines.

A mixin of `tui.session.controller.Session` (as `tui.session.file_side.FileSide`
is). A state's changed cells are made from its parent state's when the edit was
recomputed from the parent's result: only the rows it computed again
(`Result.redone`) can have moved, so an edit that reaches 300 rows compares 300
rows, not 10,000.
"""

from __future__ import annotations

from tui.session.members import RowChanges, changed_rows
from tui.session.sheet import dims_of, has_dims, matrix_rows, moved


class CellChanges:
    """What a session says of the cells its edits changed (see `Session`)."""

    def changed_cells(self, scenario: str, state=None) -> dict[str, dict]:
        """Cells whose value differs from the file's: {variable: {year index: file value}}."""
        state = state or self.state
        if not state.changes:
            return {}
        key = ("changes", scenario)
        if key not in state.views:
            state.views[key] = self._changed_after(scenario, state) \
                or self._changed_cells(scenario, state)
        return state.views[key]

    def _changed_after(self, scenario: str, state) -> dict[str, dict] | None:
        """`changed_cells` from the parent state's: only the rows the edit computed again
        (`Result.redone`) can have moved since (every other row is the parent's, and so
        its changes are); None when it cannot tell (dims, a whole evaluation)."""
        parent, model = state.parent, state.model
        before = parent.views.get(("changes", scenario)) if parent is not None else None
        if before is None and parent is not None and not parent.changes:
            before = {}
        result = self.result(scenario, state)
        if before is None or result.redone is None or has_dims(model) \
                or parent.model.variables != model.variables:
            return None
        names = {t.name for t in state.changes}
        again = result.redone | names
        order = self.order(state)
        out = {v: d for v, d in before.items() if v not in again}
        redo = sorted(again & order.keys(), key=order.__getitem__)
        root = self.result(scenario, self.root)
        then = self.values(scenario, self.root)
        out.update(moved(then, self.values(scenario, state), redo, names,
                         (matrix_rows(root, redo), matrix_rows(result, redo))))
        return dict(sorted(out.items(), key=lambda item: order[item[0]]))

    def order(self, state) -> dict[str, int]:
        """Each variable's place in the file (shared by the states of one set of variables)."""
        # Made on the oldest state up the chain with the same variables, and shared
        # down it: the file's state makes it once, not each first edit from it.
        chain = []
        while "order" not in state.views and state.parent is not None \
                and state.parent.model.variables == state.model.variables:
            chain.append(state)
            state = state.parent
        if "order" not in state.views:
            state.views["order"] = {v: k for k, v in enumerate(state.model.variables)}
        for s in chain:
            s.views["order"] = state.views["order"]
        return state.views["order"]

    def _changed_cells(self, scenario: str, state) -> dict[str, dict]:
        now, then = self.values(scenario, state), self.values(scenario, self.root)
        names = {t.name for t in state.changes}
        # What the edits reach now, and what they reached in the file (edges may have gone).
        reach = self.checked(scenario, state)[1].downstream(names)
        reach |= self.checked(scenario, self.root)[1].downstream(names)
        root = self.root.model
        out = RowChanges(state.model) if has_dims(state.model) else {}
        flat = []
        for v in state.model.variables:
            if v in reach:
                if dims_of(state.model, v) and dims_of(root, v):
                    changed_rows(state.model, v, now, then, out)
                    continue
                if dims_of(root, v) or dims_of(state.model, v):
                    continue  # gained or lost its dims: no row to compare with
                flat.append(v)
        (out.flat if isinstance(out, RowChanges) else out).update(moved(then, now, flat, names))
        return out
