"""What the engine derives from one model, computed once and kept with it.

A `Model` is frozen, yet loading, checking, planning and differentiating it
derive data worth keeping: what each definition reads, each scenario's
cover, checks and compiled plan. `ModelCache` holds them, one named family
each, so what is cached, under which key and for how long is written here.

Lifetime: a cache belongs to one model and dies with it. An edit makes a new
model with a new cache (`engine.edit`); nothing is invalidated in place.

Identity: per-piece families are keyed by the piece's identity (hashing an
AST is deep, and two equal pieces of different layers must not share an
entry), and each entry holds its piece. While the entry lives the piece
lives, so its id cannot be reused by another object: a hit is always the
piece asked about, whatever other caches (the parser's statements) keep or
drop. `PieceMemo.get` checks identity all the same.

Modules that own their families (sensitivities) use the generic `memo`
(per piece) and `once` (per hashable key) under a table name of their own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Generic, Hashable, Iterator, TypeVar

if TYPE_CHECKING:
    from engine.check import Checked
    from engine.model import Covers, Piece
    from engine.plan import Plan
    from engine.uses import Use, UseCollector

V = TypeVar("V")


class PieceMemo(Generic[V]):
    """A value per piece, by identity; each entry holds its piece (see the module docstring)."""

    __slots__ = ("_store",)

    def __init__(self) -> None:
        self._store: dict[int, tuple[Piece, V]] = {}

    def get(self, piece: Piece) -> V | None:
        hit = self._store.get(id(piece))
        return hit[1] if hit is not None and hit[0] is piece else None

    def put(self, piece: Piece, value: V) -> V:
        self._store[id(piece)] = (piece, value)
        return value

    def get_or_make(self, piece: Piece, make: Callable[[], V]) -> V:
        hit = self._store.get(id(piece))
        if hit is not None and hit[0] is piece:
            return hit[1]
        return self.put(piece, make())

    def copy(self) -> PieceMemo[V]:
        out: PieceMemo[V] = PieceMemo()
        out._store = dict(self._store)
        return out

    def items(self) -> Iterator[tuple[Piece, V]]:
        return iter(list(self._store.values()))

    def __len__(self) -> int:
        return len(self._store)


class ModelCache:
    """The derived data of one model, by family.

    - `uses`: what each piece reads (`engine.api.uses_of`);
    - `draws`: per piece, its distributions whose parameters read variables
      or t, with the `if` conditions around each (only pieces that have one);
    - `collector`: the model's `UseCollector` (its did-you-mean hints are kept);
    - `covers`, `checked`, `plans`: per scenario (no overrides), its cover,
      its checks (cover, graph, errors) and its compiled plan;
    - `memo(table, piece, make)` and `once(table, key, make)`: families owned
      by other modules, under a table name of their own (`sens.expr`, ...).
    """

    __slots__ = ("uses", "draws", "collector", "covers", "checked", "plans", "_tables",
                 "_legacy")

    def __init__(self) -> None:
        self.uses: PieceMemo[tuple[Use, ...]] = PieceMemo()
        self.draws: PieceMemo[tuple] = PieceMemo()
        self.collector: UseCollector | None = None
        self.covers: dict[str, Covers] = {}
        self.checked: dict[str, Checked] = {}
        self.plans: dict[str, Plan] = {}
        self._tables: dict[str, PieceMemo | dict] = {}
        self._legacy: dict = {}

    # -- families owned by other modules
    def memo(self, table: str, piece: Piece, make: Callable[[], V]) -> V:
        """The value of `make()` for this piece in `table`, computed once per piece."""
        store = self._tables.get(table)
        if store is None:
            store = self._tables[table] = PieceMemo()
        return store.get_or_make(piece, make)

    def once(self, table: str, key: Hashable, make: Callable[[], V]) -> V:
        """The value of `make()` for `key` in `table`, computed once per model."""
        store = self._tables.get(table)
        if store is None:
            store = self._tables[table] = {}
        if key not in store:
            store[key] = make()
        return store[key]

    def recall(self, table: str, key: Hashable) -> object | None:
        """What `keep` put under `key` in `table`, or None."""
        store = self._tables.get(table)
        return None if store is None else store.get(key)

    def keep(self, table: str, key: Hashable, value: object) -> None:
        store = self._tables.get(table)
        if store is None:
            store = self._tables[table] = {}
        store[key] = value

    # -- the dict protocol `engine.sensitivity` still uses (`model.cache.get("sens.builder")`):
    # its own keys only, apart from every family above. It goes once sensitivity
    # uses `memo` / `once`.
    def get(self, key: Hashable, default: object = None) -> object:
        return self._legacy.get(key, default)

    def setdefault(self, key: Hashable, default: object) -> object:
        return self._legacy.setdefault(key, default)

    def __getitem__(self, key: Hashable) -> object:
        return self._legacy[key]

    def __setitem__(self, key: Hashable, value: object) -> None:
        self._legacy[key] = value

    def __contains__(self, key: Hashable) -> bool:
        return key in self._legacy
