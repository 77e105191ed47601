"""Where scn keeps what it caches between runs: `$XDG_CACHE_HOME/scn`, and in
it one file per scenario file and kind (`parse/`: files/parse_cache.py,
`model/`: files/model_cache.py), named by a digest of the file's real path.

Imports nothing heavy: the executable asks it, before its imports, whether a
file was seen before (files/ahead.py).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def cache_dir() -> Path | None:
    """`$XDG_CACHE_HOME/scn` (or `~/.cache/scn`); None when turned off or there is no home."""
    if os.environ.get("SCN_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):  # the XDG rule: a relative value is ignored
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "scn"


def entry_path(directory: Path, kind: str, source: str) -> Path:
    """The file of `kind` ("parse", "model") kept for scenario file `source`."""
    key = hashlib.sha256(os.path.realpath(source).encode("utf-8", "surrogatepass")).hexdigest()
    return directory / kind / f"{key[:40]}.pickle"
