"""A large file never seen, its parse begun at the executable's first moment.

`scn check FILE` of a new file of 10,000 variables spent its first 0.2 s on
one core (imports, then splitting the file and parsing a few statements)
before `files.parse_cache` forked the child that parses the file's last
statements. The executable (cli/entry.py) calls `start` before it imports
anything heavy: for a command that loads a file (named right after the
command, as in `scn check FILE` and `scn run FILE ...`), when that file is
large, `files.background` may fork, and neither the parse cache nor the model
cache holds the file, a child forked at once reads the file, splits it,
parses its last statements (`parse_cache.EARLY_SHARE` of them) and sends
their trees back encoded, as the later child does; the command, once at the
parse (`cli.common.load`), `take`s them and hands them to `parse_cache.kept`
instead of forking then.

Both processes read the file and cut it at the same statement (the same text
splits into the same statements). A file changed between the two reads
costs only misses: a tree is kept by its statement's text and first line, so
the child's trees of statements the command's text does not have are never
used, and the command parses what the child did not. A child nobody takes
(the command failed before the parse, or found a cache after all) is given up
and reaped when the command ends (`background.wait`).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable

from files import background
from files.cache_paths import cache_home, entry_file

# The commands whose argument after the command's name is a scenario file they load
# (cli/commands/; `scn tui` never forks).
COMMANDS = frozenset({"check", "run", "explain", "goal", "graph", "mc", "sens", "snapshot",
                      "sweep"})
FROM_BYTES = 64 * 1024  # below, a file has fewer statements than parse_cache.TWO_FROM
# (2,000): about 50 bytes a statement generated, 100 to 150 written by hand

_started: dict[str, Callable[[], bytes | None]] = {}


def start(argv: list[str]) -> None:
    """At the executable's entry, with `argv` its arguments (command first): the
    child started when it pays (see the module's docstring)."""
    if len(argv) < 2 or argv[0] not in COMMANDS or argv[1].startswith("-"):
        return
    path = argv[1]
    if not background.forks() or not _large(path) or _seen(path):
        return
    result = background.beside(lambda: _last_share(path))
    if result is not None:
        _started[path] = result


def take(source: str) -> Callable[[], bytes | None] | None:
    """The child's result for file `source` (a function that waits for it and gives
    the encoded trees, or None), once; None when no child was started for it."""
    return _started.pop(source, None)


def _large(path: str) -> bool:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return False
    return stat.S_ISREG(st.st_mode) and st.st_size >= FROM_BYTES


def _seen(path: str) -> bool:
    """Whether a cache file may hold `path` (whether it does is the command's to read)."""
    directory = cache_home()
    if directory is None:
        return False
    try:
        return any(os.path.exists(entry_file(directory, kind, path)) for kind in ("parse", "model"))
    except (OSError, ValueError):
        return True


def _last_share(path: str) -> bytes:
    """In the child: the file's last statements parsed and encoded; b"" when the
    file is too small to be parsed in two (what it raises ends the child unsaid)."""
    from dsl.document import parse_ahead, statements_of
    from files import parse_cache
    from files.reading import read_text

    parse_cache.use_grammar_cache()
    raws = statements_of(read_text(path))
    if len(raws) < parse_cache.TWO_FROM:
        return b""
    at = parse_cache.cut(len(raws), parse_cache.EARLY_SHARE)
    return parse_cache.encode(parse_ahead(raws[at:]))
