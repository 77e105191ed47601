"""`python -m files.parse_child PATH CUT DIGEST`: the last statements of a file, parsed.

The second core's share of parsing a large file never seen, for a process
that cannot fork (`files.parse_cache.parse_spawned`, the terminal UI's load):
the statements from the CUT-th on of the file at PATH, written to standard
output encoded as in a cache file (`files.parse_cache.encode`). Only when
the file still holds the text the caller read (DIGEST, `text_digest`): a file
changed meanwhile gives nothing, and the caller parses it all. Writes
nothing else, anywhere: an error is an empty output (exit status 1).
"""

from __future__ import annotations

import gc
import sys


def main(argv: list[str]) -> int:
    gc.disable()  # a short run that frees nothing worth a pass
    from dsl.document import parse_ahead, statements_of
    from files.parse_cache import encode, text_digest, use_grammar_cache
    from files.reading import read_text

    path, cut, digest = argv
    use_grammar_cache()
    text = read_text(path)
    if text_digest(text) != digest:
        return 1
    sys.stdout.buffer.write(encode(parse_ahead(statements_of(text)[int(cut):])))
    return 0


if __name__ == "__main__":
    try:
        code = main(sys.argv[1:])
    except Exception:  # noqa: BLE001 - the caller parses what it does not get
        code = 1
    sys.stdout.flush()
    sys.exit(code)
