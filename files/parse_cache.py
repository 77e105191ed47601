"""Parsed statements kept between runs, in the user's cache directory.

Parsing is most of what `scn check` does on a large file (about 0.7 s of CPU
for 10,000 variables), and between two runs a file rarely changes more than
a few lines. After a command has parsed a file, its statements' syntax trees
are kept in `$XDG_CACHE_HOME/scn/parse/` (`~/.cache/scn/parse/` without it),
one file per scenario file, keyed inside by each statement's text and first
line (`dsl.document.StatementCache`); the next run seeds the parser's cache
with them and parses only what changed.

A cache file is never trusted blindly: it names the parser version it was
made by (a digest of every file of `dsl/` and the versions of Python and
lark), and one made by another version is ignored; it is read by an
unpickler that builds syntax-tree classes and nothing else; anything
unreadable, truncated or of the wrong shape is ignored and the file parsed
as if the cache were empty. Each node is kept as its class and field values,
read back through the class' own constructor (the default pickling of a
slots dataclass restores it through `__setstate__`, which looks its fields
up again for every one of some 170,000 nodes: 0.33 s of reading 10,000
variables' statements against 0.13 s). Writing it is best-effort (the atomic writer:
a reader sees the old copy or the new one): an unwritable directory just
means no cache. `SCN_NO_CACHE=1` turns it off. The command line writes it
beside the rest of the command (`files.background`); the UI when its grid
is on screen.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import pickle
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from operator import attrgetter
from pathlib import Path
from typing import NamedTuple

from files import background
from files.cache_paths import cache_home, entry_file

FORMAT = b"scn parse cache 5\n"
KEEP = 64  # cache files kept (one per scenario file), the least recently written dropped
_ALLOWED = ("dsl.ast", "dsl.periods")  # the only modules a cache file may name


_VERSION: str | None = None


def parser_version() -> str:
    """A digest of what decides a statement's syntax tree: every file of `dsl/`
    (grammar and transformer), lark's version and Python's."""
    global _VERSION
    if _VERSION is None:
        import lark

        _VERSION = code_digest(FORMAT + sys.version.encode() + lark.__version__.encode(),
                               ["dsl"])
    return _VERSION


def code_digest(head: bytes, packages: list[str], files: list[Path] = ()) -> str:
    """sha256 of `head`, then of every source file (.py, .lark) of scn's `packages`
    (`dsl`, `engine`) and of `files`, each by name and content: a cache made by
    other code is told apart by it."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256(head)
    paths = [p for package in packages for p in sorted((root / package).iterdir())
             if p.suffix in (".py", ".lark")]
    for path in [*paths, *files]:
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _entry_path(directory: str, source: str) -> Path:
    return Path(entry_file(directory, "parse", source))


class _TreesOnly(pickle.Unpickler):
    """Builds the syntax tree's own classes and refuses every other global: a
    global is one of their builders (`_New`) or, for a node pickled the usual way,
    one of the classes."""

    def find_class(self, module: str, name: str):
        if module == __name__ and name.startswith("_New."):
            make = _New.of(name[len("_New."):])
            if make is not None:
                return make
        elif module in _ALLOWED:
            obj = _tree_class(module, name)
            if obj is not None:
                return obj
        raise pickle.UnpicklingError(f"{module}.{name} is not a syntax-tree class")


def _tree_class(module: str, name: str) -> type | None:
    """Class `name` of module `module` (one of _ALLOWED) if it is a syntax-tree class."""
    obj = getattr(sys.modules.get(module) or __import__(module, fromlist=[name]), name, None)
    return obj if isinstance(obj, type) and dataclasses.is_dataclass(obj) else None


class _New:
    """Per syntax-tree class, a function making a node from its field values without
    calling the class: the cache is written from nodes the class made, so their
    values are as its constructor leaves them. A frozen dataclass' constructor sets
    each field through `object.__setattr__`; a builder sets the slots through their
    descriptors (a `Span` 0.28 us against 0.48; decoding the 5,500 statements a
    child parses, 58 -> 43 ms). Named `_New.<class>` in a cache file (the class
    of that name defined in one of the modules allowed), made on first use in each
    process, and kept as an attribute here, where pickle looks it up by name."""

    made: dict[str, Callable | None] = {}

    @classmethod
    def of(cls, name: str) -> Callable | None:
        """The builder of syntax-tree class `name` ("Span"), or None for any other name."""
        if name not in cls.made:
            trees = [t for t in (_tree_class(m, name) for m in _ALLOWED)
                     if t is not None and t.__module__ in _ALLOWED]
            make = _builder(trees[0]) if len({*trees}) == 1 else None
            if make is not None:
                setattr(cls, name, make)
            cls.made[name] = make
        return cls.made[name]


def _builder(tree: type) -> Callable | None:
    """The builder of class `tree`; None when a field is not set by its constructor
    or not a slot (such a class is pickled the usual way). A field that holds a
    `Span` (`_spanned`) is given as its four numbers, and its Span made here.
    The function's text holds only names made here from positions and
    `_SPAN_PARTS` (the class, looked up by name among the syntax-tree modules,
    and its setters reach it through its scope): nothing of the cache file's
    bytes, as `dsl.ast.maker`."""
    fields = dataclasses.fields(tree)
    slots = [tree.__dict__.get(f.name) for f in fields]
    if not fields or not all(f.init for f in fields) \
            or not all(type(s).__name__ == "member_descriptor" for s in slots):
        return None
    args: list[str] = []
    sets = ""
    for i, f in enumerate(fields):
        if _spanned(tree, f):
            four = [f"v{i}_{k}" for k in range(4)]
            args += four
            sets += f"    s = new(Span)\n{_SPAN_SETS.format(*four)}    set{i}(node, s)\n"
        else:
            args.append(f"v{i}")
            sets += f"    set{i}(node, v{i})\n"
    from dsl.ast import Span

    scope = {"new": object.__new__, "tree": tree, "Span": Span,
             **{f"span_{k}": Span.__dict__[k].__set__ for k in _SPAN_PARTS},
             **{f"set{i}": slot.__set__ for i, slot in enumerate(slots)}}
    exec(f"def make({', '.join(args)}):\n    node = new(tree)\n{sets}    return node\n", scope)
    make = scope["make"]
    make.__module__ = __name__
    make.__name__ = tree.__name__
    make.__qualname__ = f"_New.{tree.__name__}"
    return make


# A node's Span, pickled as a node of its own, was half of the nodes kept (42,000
# of 83,000 in 5,700 statements) and of the time to encode them: a Span field is
# kept as its four numbers, read in C by the node's `attrgetter` ("span.line", ...)
# and made back inside the node's builder (encoding a child's 5,400 statements
# 76-88 -> N ms, decoding them 42-49 -> N ms).
_SPAN_PARTS = ("line", "col", "end_line", "end_col")
_SPAN_SETS = "".join(f"    span_{k}(s, {{{i}}})\n" for i, k in enumerate(_SPAN_PARTS))


def _spanned(tree: type, f: dataclasses.Field) -> bool:
    """Whether field `f` of syntax-tree class `tree` always holds a `Span` (so declared)."""
    return f.type in ("Span", "A.Span") and tree.__name__ != "Span"


def read(source: str) -> dict | None:
    """The statements kept for scenario file `source`, or None (no cache, another
    parser version, or anything wrong with the file)."""
    directory = cache_home()
    if directory is None:
        return None
    try:
        data = _entry_path(directory, source).read_bytes()
    except (OSError, ValueError):
        return None
    return decode(data)


def decode(data: bytes) -> dict | None:
    """The entries of a cache file: after its head, one or more pickled dicts (a
    file parsed in two processes is written as the two parts: `_parse_in_two`)."""
    from dsl import ast as A

    head = _head()
    if not data.startswith(head):
        return None
    stream = io.BytesIO(data)
    stream.seek(len(head))
    entries: dict = {}
    try:
        while stream.tell() < len(data):
            part = _TreesOnly(stream).load()
            if not isinstance(part, dict):
                return None
            entries.update(part)
    except Exception:  # noqa: BLE001 - any damage at all: parse as if there were no cache
        return None
    statements = (A.ModelTitle, A.YearsDecl, A.Section, A.ScenarioOpen, A.BlockClose,
                  A.Definition, A.DimDecl)
    for key, node in entries.items():
        if not (type(key) is tuple and len(key) == 2 and type(key[0]) is str
                and type(key[1]) is int and isinstance(node, statements)):
            return None
    return entries


def _head() -> bytes:
    return FORMAT + parser_version().encode() + b"\n"


class _ByConstructor(pickle.Pickler):
    """Pickles each syntax-tree node as (its class' builder, its field values): read
    back by calling the builder (`_New`), which `_TreesOnly` allows. The values are
    read by one `attrgetter` per class, in C (a list of `getattr`s took a third of
    encoding 170,000 nodes)."""

    # (builder, values) per class; None: pickled the usual way
    values: dict[type, tuple[Callable, Callable[[object], tuple]] | None] = {}

    def reducer_override(self, obj):
        cls = type(obj)
        try:
            how = self.values[cls]
        except KeyError:
            how = self.values[cls] = _how(cls)
        if how is None:
            return NotImplemented
        return how[0], how[1](obj)


def _how(cls: type) -> tuple[Callable, Callable[[object], tuple]] | None:
    """How a node of class `cls` is pickled: its builder, registered where pickle
    looks it up by name, and its values' getter; None for any other class."""
    values = _values(cls)
    make = _New.of(cls.__name__) if values is not None else None
    if make is None or make.__globals__["tree"] is not cls:  # another class of that name
        return None
    return make, values


def _values(cls: type) -> Callable[[object], tuple] | None:
    """A function giving the field values of a syntax-tree node of class `cls`, as a
    tuple (a Span field's four numbers in its place: `_builder`), or None for any
    other class."""
    found = (dataclasses.fields(cls) if cls.__module__ in _ALLOWED
             and dataclasses.is_dataclass(cls) else ())
    if not found or not all(f.init for f in found):
        return None
    names = [n for f in found for n in ([f"{f.name}.{k}" for k in _SPAN_PARTS]
                                        if _spanned(cls, f) else [f.name])]
    if len(names) == 1:  # attrgetter of one name gives the value, not a tuple
        get = attrgetter(names[0])
        return lambda obj: (get(obj),)
    return attrgetter(*names)


class Encoded(NamedTuple):
    """Entries already encoded (a cache file's bytes), to be written as they are."""
    keys: frozenset
    data: bytes


def encode(entries: dict, done: Encoded | None = None) -> bytes:
    """A cache file of `entries`; those of `done` are not encoded again, its bytes are."""
    out = io.BytesIO()
    out.write(_head())
    if done is not None:
        entries = {k: v for k, v in entries.items() if k not in done.keys}
    _ByConstructor(out, protocol=pickle.HIGHEST_PROTOCOL).dump(entries)
    if done is not None:
        out.write(done.data[len(_head()):])
    return out.getvalue()


def write(source: str, entries: dict, done: Encoded | None = None) -> None:
    """Keep `entries` for `source` (those of `done` as encoded already); silently
    nothing when the cache cannot be written."""
    from files.reading import UsageError
    from files.writing import write_file

    directory = cache_home()
    if directory is None or not entries:
        return
    path = _entry_path(directory, source)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_file(str(path), encode(entries, done), new_mode=0o600)
        _prune(path.parent)
    except (OSError, UsageError, pickle.PicklingError, RecursionError):
        pass


def _prune(folder: Path) -> None:
    files = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[KEEP:]:
        old.unlink(missing_ok=True)


def use_grammar_cache() -> None:
    """lark's analysed grammar kept in the cache directory too (`dsl.parser`): 10 ms
    to read instead of about 100 ms to build; lark checks its digest and rebuilds,
    silently, a copy that is missing, stale or damaged."""
    from dsl.parser import use_grammar_cache

    directory = cache_home()
    if directory is None:
        return
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError:
        return
    use_grammar_cache(directory)


@contextmanager
def kept(source: str, text: str, meanwhile: Callable[[], object] = lambda: None,
         early: Callable[[], bytes | None] | None = None):
    """Around loading `source` (whose text is `text`): the parser's cache seeded from
    the kept copy before, and the copy renewed after when a statement was parsed
    (a model with errors too: its statements that parsed are as good).
    `meanwhile`: work of the caller's done here before the load (importing the
    checks), while a child parses when one does. `early`: a child started at the
    executable's entry for this file (`files.ahead.take`), taken instead of forking.

    A file never seen, when the copy is written by a child process
    (`files.background`), is parsed here first (on two cores if large:
    `_parse_in_two`) and its copy renewed at once, beside the checks (about
    0.4 s of them at 10,000 variables) rather than after them; the load then
    finds every statement parsed (25 ms)."""
    from dsl.document import parse_document, statement_cache
    from dsl.errors import ScnError

    use_grammar_cache()
    cache = statement_cache()
    entries = read(source)
    if entries:
        cache.seed(entries)
    before = cache.parsed
    if not entries and (early is not None or background.forks()):
        done, written = _parse_in_two(source, text, cache, meanwhile, early)
        parse_document(text, source, collect=True)
        before = _renew(source, text, cache, before if written is None else written, done)
    else:
        meanwhile()
    try:
        yield
    except ScnError:
        _renew(source, text, cache, before)
        raise
    _renew(source, text, cache, before)


CHILD_SHARE = 0.45  # of the statements: it also encodes them, the parent decodes and
# does the caller's work meanwhile
# Of the statements, to a child started at the executable's entry (files.ahead), so
# that neither process waits for the other. The whole `scn check` of a new file of
# 10,000 variables (11,745 statements), timed in both processes (quiet machine): the
# child spends 50 ms on its imports, reading and splitting, then 42 us a statement
# parsing and 8 us encoding; the parent reaches its parse 75 ms after the fork (the
# command's imports, reading, splitting, the checks' imports) and parses at 42 us a
# statement, then decodes the child's at 7 us. Alternated cold checks, 12 runs each,
# median (min), two rounds: 0.47, 715 (659) and 721 (686) ms; 0.49, 702 (665) and 743
# (693); 0.45, 737 (685): the differences are within the machine's noise; at 0.48 the
# parent waited 36-45 ms for the child in three timed runs.
EARLY_SHARE = 0.47
WARM = 200  # statements parsed before the fork: lark builds a state's lexer on first use
TWO_FROM = 2000  # statements: below, a second process costs more than it saves


def cut(n: int, share: float) -> int:
    """Where a file of `n` statements is cut for another process to parse `share` of
    them: it parses those from here on (CHILD_SHARE, EARLY_SHARE, SPAWN_SHARE; a
    child started at the executable's entry, files.ahead, computes it too, from
    its own reading of the file)."""
    return n - int(n * share)


def _parse_in_two(source: str, text: str, cache, meanwhile: Callable[[], object] = lambda: None,
                  early: Callable[[], bytes | None] | None = None
                  ) -> tuple[Encoded | None, int | None]:
    """A large file never seen parsed on two cores: its last statements by a
    forked child, which sends their trees back encoded as in a cache file, the
    rest here meanwhile; the child's trees then seed the cache as a kept copy's
    would. Statements that do not parse are left for the load to parse and
    report, here: the errors are the ones a single process gives. `meanwhile`
    is done here once, while the child parses when one does. `early`: the
    result of a child started at the executable's entry (files.ahead), taken
    instead of forking one now.

    The copy of the file is written as soon as the child's bytes are here, by
    a child forked before they are decoded (`_write_two`). Returned: the
    child's trees as their bytes (for a later copy), or None; and the count of
    statements parsed when the copy was written (None: it was not).

    Why before: a child forked shares the command's memory until either
    writes to it, and every object the command then touches (a count of its
    references) costs a copy of its page. Forked after the decoding (as it
    was), the checks' first walk over the syntax trees copied 7,000 pages
    (28 MB, 10,000 variables): about 25 ms of the command's. The trees decoded
    after the fork are the command's own memory."""
    from dsl.document import parse_ahead, statements_of

    raws = statements_of(text)
    if len(raws) < TWO_FROM:
        meanwhile()
        return None, None
    if early is not None:
        at, theirs = cut(len(raws), EARLY_SHARE), early
    else:
        at = cut(len(raws), CHILD_SHARE)
        parse_ahead(raws[:WARM])
        theirs = background.beside(lambda: encode(parse_ahead(raws[at:])))
    meanwhile()
    if theirs is None:
        return None, None
    parse_ahead(raws[:at] if early is not None else raws[WARM:at])
    data = theirs()
    if not data:
        return None, None
    written = cache.parsed
    background.soon(lambda: _write_two(source, text, cache, data, raws[at:]))
    done = _seed_from(cache, data)
    if done is not None and early is not None \
            and not done.keys <= {(r.text, r.line) for r in raws[at:]}:
        return None, written  # the file changed after the child read it: its trees are
        # right (by text and line), its bytes no copy of this file
    return done, written


def _write_two(source: str, text: str, cache, data: bytes, theirs: list) -> None:
    """The copy of file `text` parsed in two: what `cache` holds of it (parsed
    here) and the other process' `data` (its statements `theirs`) as they are;
    nothing when they are not of this very text (the file changed between the
    two reads)."""
    entries = decode(data)
    if entries and entries.keys() <= {(r.text, r.line) for r in theirs}:
        write(source, cache.of_text(text), Encoded(frozenset(entries), data))
    # else the command parses their statements again, and writes the copy then


def _renew(source: str, text: str, cache, before: int, done: Encoded | None = None) -> int:
    """The copy renewed, beside the rest of the command (`files.background`: in a
    forked child of the `scn` executable, else now), when a statement was parsed
    since `before`; the count of statements parsed, to compare with next."""
    if cache.parsed != before:
        background.settle()  # a copy written earlier (`_write_two`) lands first
        background.soon(lambda: write(source, cache.of_text(text), done))
    return cache.parsed


SPAWN_SHARE = 0.42  # of the statements, to a new process (`parse_spawned`). It takes
# 0.11 s to start, then parses and encodes; the caller's share is slowed by its other
# threads (the UI's start). At 0.5 the UI's load waited 130-150 ms for it (10,000
# variables, quiet machine): 0.42 moves about that much work to the caller.
SPAWN_PATIENCE = 5.0  # seconds it may take beyond twice the caller's share


def text_digest(text: str) -> str:
    """What tells that a file holds the very text another process read."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def parse_spawned(source: str, text: str, cache) -> Encoded | None:
    """`_parse_in_two` for a process that must not fork (the terminal UI, which runs
    threads): a large file never seen, its last statements parsed by a new process
    (`files.parse_child`, started by `background.spawned`) while the rest is parsed
    here; their trees seed the cache as a kept copy's would; the bytes they came in
    are returned, for the cache file. None (nothing seeded) for a small file, when
    no process could be started, or when it gave nothing (the file changed since
    `text` was read): the load then parses what is left, as it would have."""
    from dsl.document import parse_ahead, statements_of

    raws = statements_of(text)
    if len(raws) < TWO_FROM:
        return None
    at = cut(len(raws), SPAWN_SHARE)
    theirs = background.spawned("files.parse_child", [source, str(at), text_digest(text)])
    if theirs is None:
        return None
    started = time.perf_counter()
    parse_ahead(raws[:at])
    # It does as much as this thread did, plus its start: one that takes far longer
    # is stuck, and the load parses its share instead.
    return _seed_from(cache, theirs(SPAWN_PATIENCE + 2 * (time.perf_counter() - started)))


def _seed_from(cache, data: bytes | None) -> Encoded | None:
    """The cache seeded with another process' trees (`data`, encoded as a cache file);
    those bytes, to be written as they are; None when there are none."""
    entries = decode(data) if data is not None else None
    if not entries:
        return None
    cache.seed(entries)
    return Encoded(frozenset(entries), data)
