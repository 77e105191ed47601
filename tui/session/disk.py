"""The file on disk, as a session sees it: the same text it loaded, or what else.

The session keeps the text it loaded and the stamp (modification time, size)
it had when it was read; the stamp is always taken *before* the text is
read, so a change made while a large file loads is seen by the next look.
Every look that notices something records it in one value, `Disk`, which
the UI shows as it is (the status line, the problems panel, the dialogs):

- SAME: the file holds the text loaded (or the session just reloaded it);
- CHANGED: someone changed it, and the session kept its unsaved edits
  instead of reloading (ctrl+r reloads, ctrl+s asks before overwriting);
- BROKEN: someone changed it and the new text does not load: its errors,
  rendered; the last good model stays on screen;
- DELETED: the file is gone; ctrl+s writes it back.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from dsl.errors import ScnError, render
from files.reading import UsageError, read_text
from files.writing import write_file

SAME, CHANGED, BROKEN, DELETED = "same", "changed", "broken", "deleted"
Stamp = tuple[int, int] | None


class DiskChanged(Exception):
    """The file changed on disk since it was loaded: saving would overwrite someone's work."""


@dataclass(frozen=True)
class Disk:
    """What the file on disk holds, against the text the session loaded."""

    status: str = SAME
    lines: tuple[str, ...] = ()  # BROKEN: why the text on disk does not load, rendered

    def summary(self, path: str) -> str:
        """One line for the status bar ("" when the file holds the loaded text)."""
        return {
            SAME: "",
            CHANGED: f"{path} changed on disk: ctrl+r reloads it (discarding the edits)",
            BROKEN: f"{path} on disk does not load: showing the last good model",
            DELETED: f"{path} was deleted: ctrl+s writes it back",
        }[self.status]


def file_stamp(path: str) -> Stamp:
    """What tells that a file changed on disk: its modification time and size (None: gone)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


def read(path: str, stamp: Stamp) -> tuple[str | None, Disk]:
    """The file's text, or None and why it cannot be had (DELETED, or BROKEN with the reason)."""
    if stamp is None:
        return None, Disk(DELETED)
    try:
        return read_text(path), Disk()
    except UsageError as e:
        if not os.path.exists(path):
            return None, Disk(DELETED)
        return None, Disk(BROKEN, (str(e),))
    except ScnError as e:  # not UTF-8
        return None, Disk(BROKEN, tuple(render(d, None) for d in e.diagnostics))


def loaded_elsewhere(path: str, disk_text: str) -> bool:
    """Would writing `path` overwrite a text other than `disk_text`? A missing file is
    written back; an unreadable one is an error (UsageError)."""
    if not os.path.exists(path):
        return False
    try:
        return read_text(path) != disk_text
    except ScnError:  # no longer UTF-8: someone else's bytes
        return True


def write(path: str, text: str, like: str) -> None:
    """By the one writer (`files.writing`): atomic, through symbolic links, keeping the owner,
    mode and hard links of the file written; a new file gets the permissions of `like`."""
    try:
        mode = os.stat(like).st_mode & 0o7777
    except OSError:
        mode = None
    write_file(path, text, new_mode=mode)


def load_kept(path: str, text: str):
    """(the model of `text`, a function keeping what was parsed): the checked model an
    earlier run kept for this very text (`files.model_cache`: read in about 0.25 s
    at 10,000 variables, where checking it again takes 0.7 s), else `load_model`
    with the statements an earlier run parsed (`files.parse_cache`: a
    10,000-variable file loads in about half the time). The function is for the
    caller to run when the grid is on screen: writing the syntax trees of a file
    parsed anew takes about 0.7 s. After a kept model it puts the model's
    statements into the parser's cache instead (`seed_statements`), so that a
    reload or a save parses only what changed. Raises ScnError as `load_model`
    does (what parsed is kept all the same)."""
    from dsl.document import statement_cache
    from engine.api import load_model
    from files import model_cache, parse_cache

    parse_cache.use_grammar_cache()  # lark's tables read back, for what is parsed later too
    model = model_cache.read(path, text)
    if model is not None:
        return model, lambda: seed_statements(model, text)
    cache = statement_cache()
    entries = parse_cache.read(path)
    if entries:
        cache.seed(entries)
    before = cache.parsed
    # a large file never seen: parsed on two cores (about 0.3 s less at 10,000 variables)
    done = None if entries else parse_cache.parse_spawned(path, text, cache)

    def keep() -> None:
        if cache.parsed != before:
            parse_cache.write(path, cache.of_text(text), done)
    try:
        return load_model(text, path), keep
    except ScnError:
        keep()
        raise


def seed_statements(model, text: str) -> None:
    """The parser's cache given the statements of `model`, read back from the model
    cache: its definitions are the very trees parsing `text` made then (the cache
    keeps them by text and first line), the few other statements (title, years,
    sections, scenario blocks) are parsed. Loading `text` again then gives
    definitions that are the model's own objects, as if it had been parsed in this
    process: the edit and reload paths compare old and new definitions by identity
    first (`dsl.document.StatementCache`)."""
    from dataclasses import replace

    from dsl.document import parse_ahead, statement_cache, statements_of

    at: dict[int, object] = {}  # first line -> the definition made there
    for layer in model.layers.values():
        for pieces in layer.values():
            for piece in pieces:
                at.setdefault(piece.definition.span.line, piece.definition)
    mine, rest = {}, []
    for raw in statements_of(text):
        node = at.get(raw.line)
        if node is None:
            rest.append(raw)
            continue
        # The parser's tree has no doc: the load gives a documented definition its `##`
        # lines as a copy (`dsl.document`), as it does on every load of this process.
        mine[(raw.text, raw.line)] = node if node.doc is None else replace(node, doc=None)
    statement_cache().seed(mine)
    parse_ahead(rest)


def keep_model(path: str, text: str, model) -> None:
    """Keep `model`, checked from `text` (the file as loaded: never a model with
    edits), for the next run of that text (`files.model_cache`); nothing when it
    is kept already. The caller holds the session's lock: pickling reads the
    model's cache, which the workers fill."""
    from files import model_cache

    if not model_cache.holds(path, text):
        model_cache.write(path, text, model)
