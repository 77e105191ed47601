"""What changed in a model's assumptions between two versions of it.

Pure: parsed documents in, plain data out (`scn diff` renders it).
`compare_documents` says which definitions changed in meaning, per scenario
layer. Definitions are compared as parsed trees with the parentheses and
the way numbers are spelled left out (`30%` is `0.3`), so moving,
reformatting or re-spelling a line is no change. An entry of a year map
(`capex_growth = {2027: 20%, ...}`) is an assumption of its own: editing
one year of a long map reports that year, not the whole map.

The numbers' side is `engine.value_diff` (every cell that moved beyond a
tolerance), and how much of each moved cell each changed assumption
explains is `engine.attribution`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

from dsl import ast as A
from dsl.format import expr_text, statement_text, subscript_text, years_text
from engine.axis import label_of
from engine.model import BASE


@dataclass(frozen=True)
class Assumption:
    """One definition of one layer, or one entry of a whole-definition year map or
    of a member map (`capex[2024] = {goog: 52.5B, ...}`: one assumption per member)."""

    layer: str  # "base" or the scenario's name
    name: str
    years: A.Years | None  # the definition's selector, or the year map entry's key
    in_map: bool
    expr: A.Expr
    line: int
    section: str | None = field(default=None, compare=False)
    map_size: int = field(default=1, compare=False)  # entries of the map it belongs to
    members: tuple[A.Member, ...] = ()  # the definition's member subscripts, as written
    entry: A.Member | None = None  # the member-map entry's key (None: not a member map)

    @property
    def key(self) -> tuple:
        # `x[goog, g800]` and `x[g800, goog]` are the same cells: members as a set
        return (self.layer, self.name, self.years, self.in_map,
                frozenset(m.name for m in self.members),
                None if self.entry is None else self.entry.name)

    @property
    def label(self) -> str:
        """The variable and its cells: `capex`, `capex[2024]`, `capex_growth[goog, 2027]`
        (a member-map entry: `capex[goog, 2024]`, its member with the definition's)."""
        members = self.members + ((self.entry,) if self.entry is not None else ())
        if not members and self.years is None:
            return self.name
        return f"{self.name}[{subscript_text(members, self.years)}]"

    @property
    def text(self) -> str:
        """As it reads in the file: `capex[2024] = 265B`, `capex_growth = {2027: 20%, ...}`,
        `capex[2024] = {goog: 52.5B, ...}`."""
        more = ", ..." if self.map_size > 1 else ""
        if self.entry is not None:
            where = subscript_text(self.members, self.years)
            head = self.name + (f"[{where}]" if where else "")
            return f"{head} = {{{self.entry.name}: {expr_text(self.expr)}{more}}}"
        if self.in_map:
            head = self.name + (f"[{subscript_text(self.members, None)}]" if self.members else "")
            return f"{head} = {{{years_text(self.years)}: {expr_text(self.expr)}{more}}}"
        return statement_text(A.Definition(self.name, self.years, self.expr,
                                           members=self.members))


@dataclass(frozen=True)
class DefinitionChange:
    kind: str  # "added", "removed" or "edited"
    old: Assumption | None
    new: Assumption | None

    @property
    def layer(self) -> str:
        return (self.new or self.old).layer

    @property
    def name(self) -> str:
        return (self.new or self.old).name

    @property
    def label(self) -> str:
        return (self.new or self.old).label


@dataclass(frozen=True)
class DocumentDiff:
    changes: tuple[DefinitionChange, ...]
    notes: tuple[str, ...]  # header and scenario changes, in words
    titles: tuple[str, ...] = ()  # title changes, in words: they move no value


def assumptions(doc: A.Document) -> list[Assumption]:
    """Every assumption of a document, in file order."""
    out: list[Assumption] = []
    for p in doc.definitions:
        d = p.definition
        if isinstance(d.expr, A.YearMap) and d.years is None:
            n = len(d.expr.entries)
            out.extend(Assumption(p.scenario, d.name, e.years, True, e.value, e.span.line,
                                  p.section, n, d.members) for e in d.expr.entries)
        elif isinstance(d.expr, A.MemberMap):
            n = len(d.expr.entries)
            out.extend(Assumption(p.scenario, d.name, d.years, True, e.value, e.span.line,
                                  p.section, n, d.members, e.member) for e in d.expr.entries)
        else:
            out.append(Assumption(p.scenario, d.name, d.years, False, d.expr, d.span.line,
                                  p.section, members=d.members))
    return out


def meaning(expr: A.Expr) -> tuple:
    """A hashable form of what an expression computes: no parentheses, numbers by value."""
    try:
        return HANDLERS[type(expr)](expr)
    except KeyError:
        raise A.NoHandler("meaning", expr) from None


HANDLERS: dict[type, Callable[[A.Expr], tuple]] = {
    A.Number: lambda n: ("number", n.value),
    A.Name: lambda n: ("Name", n.name, _members(n)),
    A.CurrentYear: lambda n: ("CurrentYear",),
    A.Shifted: lambda n: ("Shifted", n.name, n.offset, _members(n)),
    A.AtYear: lambda n: ("AtYear", n.name, n.period, _members(n)),
    A.YearRange: lambda n: ("YearRange", n.name, n.years, _members(n)),
    A.Unary: lambda n: ("Unary", n.op, meaning(n.operand)),
    A.Binary: lambda n: ("Binary", n.op, meaning(n.left), meaning(n.right)),
    A.Between: lambda n: ("Between", meaning(n.low), meaning(n.high)),
    A.Call: lambda n: ("Call", n.func, tuple(meaning(a) for a in n.args)),
    A.YearMap: lambda n: ("YearMap", tuple((e.years, meaning(e.value)) for e in n.entries)),
    # Entry order never changes what a member map means (each member has its value).
    A.MemberMap: lambda n: ("MemberMap", tuple(sorted(
        ((e.member.name, meaning(e.value)) for e in n.entries), key=lambda x: x[0]))),
    A.Paren: lambda n: meaning(n.expr),
}


def _members(n) -> frozenset[str]:
    """A selection's members: the order written (`x[goog, g800]`) means nothing."""
    return frozenset(m.name for m in n.members)


def compare_documents(old: A.Document, new: A.Document,
                      unparsed: Sequence[str] = ()) -> DocumentDiff:
    """The assumptions that changed in meaning, per layer, plus header and scenario notes.

    `unparsed` names variables whose definitions failed to parse on one side:
    their definitions are left out rather than reported as removed or added.
    """
    skip = set(unparsed)
    olds = [a for a in assumptions(old) if a.name not in skip]
    news = [a for a in assumptions(new) if a.name not in skip]
    new_by_key = {a.key: a for a in news}
    old_keys = {a.key for a in olds}
    changes: list[DefinitionChange] = []
    removed: list[Assumption] = []
    for a in olds:
        b = new_by_key.get(a.key)
        if b is None:
            removed.append(a)
        elif meaning(a.expr) != meaning(b.expr):
            changes.append(DefinitionChange("edited", a, b))
    added = [b for b in news if b.key not in old_keys]
    changes.extend(_pair(removed, added))
    layers: dict[str, int] = {}
    for name in [BASE, *(s.name for s in new.scenarios), *(s.name for s in old.scenarios)]:
        layers.setdefault(name, len(layers))
    changes.sort(key=lambda c: (layers[c.layer], (c.new or c.old).line, c.old is not None))
    notes, titles = _notes(old, new)
    return DocumentDiff(tuple(changes), tuple(notes), tuple(titles))


def _pair(removed: list[Assumption], added: list[Assumption]) -> list[DefinitionChange]:
    """A variable that lost one definition and gained one in a layer: an edit of its years."""
    out: list[DefinitionChange] = []
    by_var: dict[tuple[str, str], tuple[list, list]] = {}
    for a in removed:
        by_var.setdefault((a.layer, a.name), ([], []))[0].append(a)
    for b in added:
        by_var.setdefault((b.layer, b.name), ([], []))[1].append(b)
    for gone, came in by_var.values():
        if len(gone) == 1 and len(came) == 1:
            out.append(DefinitionChange("edited", gone[0], came[0]))
            continue
        out.extend(DefinitionChange("removed", a, None) for a in gone)
        out.extend(DefinitionChange("added", None, b) for b in came)
    return out


def _notes(old: A.Document, new: A.Document) -> tuple[list[str], list[str]]:
    """(changes of the header and scenarios that can move values, title changes)."""
    notes, titles = [], []
    title = _title_note("model title", old.title, new.title)
    if title:
        titles.append(title)
    oy, ny = old.years, new.years
    if oy and ny and (oy.unit, oy.start, oy.end) != (ny.unit, ny.start, ny.end):
        before = f"{label_of(oy.unit, oy.start)}..{label_of(oy.unit, oy.end)}"
        after = f"{label_of(ny.unit, ny.start)}..{label_of(ny.unit, ny.end)}"
        notes.append(f"{ny.unit} changed from {before} to {after}" if oy.unit == ny.unit else
                     f"the time axis changed from {oy.unit} {before} to {ny.unit} {after}")
    notes.extend(_dim_notes(old.dims, new.dims))
    olds = {s.name: s for s in old.scenarios}
    news = {s.name: s for s in new.scenarios}
    for name, s in news.items():
        if name not in olds:
            notes.append(f"scenario {name} added")
            continue
        if olds[name].parent != s.parent:
            notes.append(f"scenario {name} now extends {s.parent} (was {olds[name].parent})")
        title = _title_note(f"scenario {name} title", olds[name].title, s.title)
        if title:
            titles.append(title)
    notes.extend(f"scenario {name} removed" for name in olds if name not in news)
    titles.extend(_unit_notes(old, new))
    return notes, titles


def _unit_notes(old: A.Document, new: A.Document) -> list[str]:
    """Annotations added, removed or changed, per variable in the new file's order:
    they move no value, but a reviewer must see what the numbers now claim to be."""
    def notes_of(doc: A.Document) -> dict[str, str]:
        out: dict[str, str] = {}
        for p in doc.definitions:
            if p.definition.annotation is not None:
                out.setdefault(p.definition.name, p.definition.annotation.text)
        return out

    before, after = notes_of(old), notes_of(new)
    names = list(after) + [v for v in before if v not in after]
    return [n for n in (_title_note(f"unit of {v}", before.get(v), after.get(v)) for v in names)
            if n is not None]


def _dim_notes(old: Sequence[A.DimDecl], new: Sequence[A.DimDecl]) -> list[str]:
    """Dims added, removed, or with members added, removed or reordered, in words:
    each changes which rows there are (and can move values: a sum over the dim)."""
    notes = []
    olds = {d.name: d.members for d in old}
    news = {d.name: d.members for d in new}
    for name, members in news.items():
        if name not in olds:
            notes.append(f"dim {name} added ({', '.join(members)})")
            continue
        before = olds[name]
        added = [m for m in members if m not in before]
        gone = [m for m in before if m not in members]
        parts = ([f"added {', '.join(added)}"] if added else []) + \
                ([f"removed {', '.join(gone)}"] if gone else [])
        if not parts and members != before:
            parts.append(f"reordered ({', '.join(members)})")
        if parts:
            notes.append(f"dim {name}: members {'; '.join(parts)}")
    notes.extend(f"dim {name} removed" for name in olds if name not in news)
    return notes


def _title_note(what: str, old: str | None, new: str | None) -> str | None:
    """A title change in words: added, removed (with what it was) or changed."""
    if old == new:
        return None
    if old is None:
        return f"{what} added: '{new}'"
    if new is None:
        return f"{what} removed (was '{old}')"
    return f"{what} changed from '{old}' to '{new}'"
