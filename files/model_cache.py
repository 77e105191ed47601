"""Checked models kept between runs, in the user's cache directory.

A file run again unchanged is parsed (from the parse cache), resolved and
checked again to give the same model: on 10,000 variables about 0.7 s of CPU
of a warm `scn run`, where reading the checked model back takes about 0.2 s.
After a run whose statements all came from the parse cache (the file was
seen before, so it is likely to be seen again), the checked model is kept in
`$XDG_CACHE_HOME/scn/model/` (`files.cache_paths.cache_home`), one file per
scenario file: the model with its warnings, every scenario's cover, graph
and checks, and the distributions each definition draws. What else a model
derives (what each definition reads, compiled plans) is made again on first
use, as for any model.

A kept model is used only for the very text it was checked from, under the
path it was given (messages name it), by the same code: its header holds a
digest of every source file of `dsl/` and `engine/` and of this module, and
the versions of Python and lark. It is read by an unpickler that builds the
model's own classes (and the few builders below) and refuses any other
global: a cache file is data. Anything unreadable, truncated, stale or of
the wrong shape is ignored and the file loaded as if there were no cache.
Writing is best-effort and atomic (`files.writing`); `SCN_NO_CACHE=1` turns
it off, as it does the parse cache.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import operator
import pickle
import sys
from pathlib import Path
from types import MappingProxyType

from files.cache_paths import cache_home, entry_file

FORMAT = b"scn model cache 1\n"
KEEP = 16  # model files kept (one per scenario file, a few MB each), the least recently written dropped
# Modules whose dataclasses a cache file may build.
_DATACLASSES = ("dsl.ast", "dsl.periods", "dsl.errors", "engine.axis", "engine.dims",
                "engine.graph", "engine.model")
# Other classes and builders it may call, by module.
_OTHERS = {"engine.check": ("Checked",), "files.model_cache": ("_proxy", "_memo", "_cache", "_cover")}


_VERSION: bytes | None = None


def code_version() -> bytes:
    """A digest of the code that decides a checked model: every source file of
    `dsl/` and `engine/`, this module, Python's version and lark's (read from
    its `__init__.py`, which names it: importing lark would cost more than a
    kept model saves on a small file). Polars and numpy build no part of it."""
    global _VERSION
    if _VERSION is None:
        from importlib.util import find_spec

        from files.parse_cache import code_digest

        lark = find_spec("lark")
        files = [Path(lark.origin)] if lark is not None and lark.origin else []
        _VERSION = code_digest(FORMAT + sys.version.encode(), ["dsl", "engine"],
                               files + [Path(__file__)]).encode()
    return _VERSION


def _entry_path(source: str) -> Path | None:
    """The file kept for scenario file `source` (None: the cache is off)."""
    directory = cache_home()
    return None if directory is None else Path(entry_file(directory, "model", source))


def _header(source: str, text: str) -> bytes:
    """What a kept model must have been checked from: this code, this path as given
    (messages name it) and this text."""
    seen = hashlib.sha256(source.encode("utf-8", "surrogatepass") + b"\0"
                          + text.encode("utf-8", "surrogatepass")).hexdigest()
    return FORMAT + code_version() + b"\n" + seen.encode() + b"\n"


# -- reading


def read(source: str, text: str):
    """The checked model kept for `text` read from `source`, or None."""
    path = _entry_path(source)
    try:
        return None if path is None else decode(path.read_bytes(), source, text)
    except (OSError, ValueError):
        return None


def holds(source: str, text: str) -> bool:
    """Whether the model kept for `source` was checked from `text` by this code (its
    header alone read): a front end that keeps models as it goes writes none again."""
    path = _entry_path(source)
    if path is None:
        return False
    head = _header(source, text)
    try:
        with path.open("rb") as f:
            return f.read(len(head)) == head
    except (OSError, ValueError):
        return False


class _ModelOnly(pickle.Unpickler):
    """Builds the model's own classes and refuses every other global."""

    def find_class(self, module: str, name: str):
        if module in _DATACLASSES or name in _OTHERS.get(module, ()):
            obj = getattr(sys.modules.get(module) or __import__(module, fromlist=[name]),
                          name, None)
            if module in _OTHERS or (isinstance(obj, type) and dataclasses.is_dataclass(obj)):
                return obj
        raise pickle.UnpicklingError(f"{module}.{name} is not a class of a checked model")


def decode(data: bytes, source: str, text: str):
    from engine.collector import paused_collector
    from engine.model import Model

    head = _header(source, text)
    if not data.startswith(head):
        return None
    try:
        with paused_collector():  # some 200,000 small objects, no cycles among them
            model = _ModelOnly(io.BytesIO(data[len(head):])).load()
    except Exception:  # noqa: BLE001 - any damage at all: load as if there were no cache
        return None
    if type(model) is not Model or model.source != source:
        return None
    return model


# Builders the unpickler may call: each makes one value of the model's own kind.


def _proxy(items: dict) -> MappingProxyType:
    if type(items) is not dict:
        raise pickle.UnpicklingError("a read-only mapping holds a dict")
    return MappingProxyType(items)


def _memo(entries: list):
    from engine.cache import PieceMemo

    out = PieceMemo()
    for piece, value in entries:
        out.put(piece, value)
    return out


def _cache(draws, covers: dict, checked: dict):
    from engine.cache import ModelCache, PieceMemo

    if type(draws) is not PieceMemo or type(covers) is not dict or type(checked) is not dict:
        raise pickle.UnpicklingError("a model cache holds memos and dicts")
    out = ModelCache()
    out.draws, out.covers, out.checked = draws, covers, checked
    return out


def _cover(pieces: tuple, rows: tuple, n_periods: int):
    """A cover; its row of one piece winning every period is the process' shared
    one again (`engine.cover` finds its grid by that identity)."""
    from engine.cover import Cover, _filled

    full = _filled(0, n_periods)
    return Cover(pieces, tuple([full if r == full else r for r in rows]), n_periods)


# -- writing


class _ModelPickler(pickle.Pickler):
    """Pickles a checked model as its classes' constructor calls: a dataclass as
    (class, field values), read-only mappings, memos, covers and the model's
    cache through the builders above. Of the model's cache only what loading
    derives at a cost is kept: covers, checks and draws."""

    def __init__(self, *args, **kwargs):
        from engine.cache import ModelCache, PieceMemo
        from engine.cover import Cover
        from engine.graph import Graph

        super().__init__(*args, **kwargs)
        # class -> its reduction (None: pickled the usual way); some 200,000 objects
        # go through here, so each class' way is found once
        self.ways: dict[type, object] = {
            MappingProxyType: lambda m: (_proxy, (dict(m),)),
            Cover: lambda c: (_cover, (c.pieces, c.rows, c.n_periods)),
            PieceMemo: lambda m: (_memo, (list(m.items()),)),
            ModelCache: lambda c: (_cache, (c.draws, c.covers, c.checked)),
            # its levels made if not yet (engine/graph.py), its own caches left out
            Graph: lambda g: (Graph, (g.order, g.deps, g.levels, g.cycles)),
        }

    def reducer_override(self, obj):
        cls = type(obj)
        way = self.ways.get(cls, _UNKNOWN)
        if way is _UNKNOWN:
            way = self.ways[cls] = _by_constructor(cls)
        return NotImplemented if way is None else way(obj)


_UNKNOWN = object()


def _by_constructor(cls: type):
    """(class, field values) for a dataclass of the model whose fields all go to its
    constructor; None for anything else."""
    found = (dataclasses.fields(cls) if cls.__module__ in _DATACLASSES
             and dataclasses.is_dataclass(cls) else ())
    if not found or not all(f.init for f in found):
        return None
    values = operator.attrgetter(*[f.name for f in found])
    if len(found) == 1:
        return lambda obj: (cls, (values(obj),))
    return lambda obj: (cls, values(obj))


def encode(source: str, text: str, model) -> bytes:
    out = io.BytesIO()
    out.write(_header(source, text))
    _ModelPickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump(model)
    return out.getvalue()


def write(source: str, text: str, model) -> None:
    """Keep `model`, checked from `text` read from `source`; silently nothing when
    the cache cannot be written."""
    from files.reading import UsageError
    from files.writing import write_file

    path = _entry_path(source)
    if path is None:
        return
    try:
        data = encode(source, text, model)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_file(str(path), data, new_mode=0o600)
        _prune(path.parent)
    except (OSError, UsageError):
        pass
    except Exception:  # noqa: BLE001 - a model that will not pickle is simply not kept
        pass


def _prune(folder: Path) -> None:
    files = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[KEEP:]:
        old.unlink(missing_ok=True)
