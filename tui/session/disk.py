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
    """(the model of `text`, a function keeping what was parsed): `load_model` with the
    statements an earlier run parsed (`files.parse_cache`: a 10,000-variable file
    loads in about half the time). Keeping them is left to the caller, for when the
    grid is on screen: writing the syntax trees of a file parsed anew takes about
    0.7 s. Raises ScnError as `load_model` does (what parsed is kept all the same)."""
    from dsl.document import statement_cache
    from engine.api import load_model
    from files import parse_cache

    parse_cache.use_grammar_cache()
    cache = statement_cache()
    entries = parse_cache.read(path)
    if entries:
        cache.seed(entries)
    before = cache.parsed

    def keep() -> None:
        if cache.parsed != before:
            parse_cache.write(path, cache.of_text(text))
    try:
        return load_model(text, path), keep
    except ScnError:
        keep()
        raise
