"""Where scn keeps what it caches between runs: `$XDG_CACHE_HOME/scn`, and in
it one file per scenario file and kind (`parse/`: files/parse_cache.py,
`model/`: files/model_cache.py), named by a digest of the file's real path.

Imports nothing heavy: the executable asks it, before its imports, whether a
file was seen before (files/ahead.py), in paths as strings (`cache_home`,
`entry_file`): pathlib alone took 9 ms of the 30 before that child is started.
"""

from __future__ import annotations

import os


def cache_home() -> str | None:
    """`$XDG_CACHE_HOME/scn` (or `~/.cache/scn`); None when turned off or there is no home."""
    if os.environ.get("SCN_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):  # the XDG rule: a relative value is ignored
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return os.path.join(base, "scn")


def entry_file(directory: str, kind: str, source: str) -> str:
    """The file of `kind` ("parse", "model") kept for scenario file `source`."""
    import hashlib

    key = hashlib.sha256(os.path.realpath(source).encode("utf-8", "surrogatepass")).hexdigest()
    return os.path.join(directory, kind, f"{key[:40]}.pickle")

