"""The `scn` command: a thin shell over the engine.

Exit codes: 0 success, 1 a model error (reported as FILE:LINE:COL with the
line and a caret), 2 a usage error. No user mistake ends in a traceback.
Each command lives in `tui/commands/` and imports only what it needs, so
`scn run` starts fast (no sympy, no textual).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from dsl.errors import ScnError
from tui.common import MODEL_ERROR, OK, USAGE_ERROR, refuse_output_over_input
from tui.commands import COMMANDS
from tui.loader import Texts, UsageError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        self.print_usage(sys.stderr)
        print(f"scn: error: {message}", file=sys.stderr)
        raise SystemExit(USAGE_ERROR)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="scn", description="Declarative scenario models for analysts.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"tui.commands.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"tui.commands.{name}":
                raise
            continue
        module.register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    texts = Texts({})
    try:
        refuse_output_over_input(args)
        return args.run(args, texts)
    except UsageError as e:
        print(f"scn: error: {e}", file=sys.stderr)
        return USAGE_ERROR
    except ScnError as e:
        texts.report(e.diagnostics)
        return MODEL_ERROR
    except BrokenPipeError:
        return OK
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
