"""`scn fmt FILE...`: rewrite scenario files in the one canonical layout.

`--check` writes nothing, lists the files that would change and exits 1 if
any would; `--diff` prints what would change as a unified diff. The layout
never changes a value: `dsl.format` checks that every statement parses back
to the same thing, or leaves the file alone. A file with a syntax error is
reported (FILE:LINE:COL) and left as it is.
"""

from __future__ import annotations

import difflib
import sys

from cli import common
from dsl.text import printable, split_lines_keepends
from files.reading import UsageError


def register(sub) -> None:
    p = sub.add_parser("fmt")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 and list the files that would change")
    p.add_argument("--diff", action="store_true", help="write nothing; print a unified diff")
    p.set_defaults(run=run)


def run(args, texts) -> int:
    from dsl.errors import ScnError
    from dsl.format import format_text
    from files.reading import read_text

    status = common.OK
    changed = unchanged = 0
    for path in args.files:
        try:
            text = read_text(path)
            texts.by_source[path] = text
            formatted = format_text(text, path)
        except UsageError as e:
            print(printable(f"scn: error: {e}"), file=sys.stderr)
            status = common.USAGE_ERROR
            continue
        except ScnError as e:
            texts.report(e.diagnostics)
            print(printable(f"{path}: not formatted (fix the errors first)"), file=sys.stderr)
            status = max(status, common.MODEL_ERROR)
            continue
        if formatted == text:
            unchanged += 1
            continue
        changed += 1
        if args.diff:
            # Read in a terminal or a CI log: a comment's escape sequence is shown escaped.
            sys.stdout.writelines(printable(line, keep="\t\n") for line in difflib.unified_diff(
                split_lines_keepends(text), split_lines_keepends(formatted),
                f"{path} (as written)", f"{path} (formatted)"))
        if args.check or args.diff:
            # The list goes to stdout (scriptable), unless stdout carries the diff.
            print(printable(f"would reformat {path}"), file=sys.stderr if args.diff else sys.stdout)
            status = max(status, common.MODEL_ERROR)
        else:
            common.write(formatted, path)
            print(printable(f"reformatted {path}"), file=sys.stderr)
    verb = "would be reformatted" if args.check or args.diff else "reformatted"
    print(f"{changed} file{'s' if changed != 1 else ''} {verb}, {unchanged} left unchanged",
          file=sys.stderr)
    return status
