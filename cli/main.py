"""The `scn` command: a thin shell over the engine.

Exit codes (the same for every command):

- 0: success (`scn diff`: nothing changed);
- 1: the model has an error, reported as FILE:LINE:COL with the line and a
  caret (`scn diff`: something changed; `scn fmt --check`: a file would be
  reformatted);
- 2: the command cannot do what was asked: a bad option or argument (a
  value that does not parse, a name or year the model does not have, a
  `--set` with an error, a goal out of reach), a file that is missing or not
  a regular file, output that cannot be written (stdout closed, disk full,
  `-o` naming an input). `scn diff` says 2 for every error, since its 1
  means "changed".
- 130: interrupted (Ctrl+C); `scn` then ends by SIGINT, as a shell expects.

No user mistake ends in a traceback. Each command lives in `cli/commands/`
and is imported only when it runs (`cli.commands.COMMANDS` names them with
their help lines), and imports only what it needs, so `scn check` starts
fast (no polars, no sympy, no textual). The executable enters through
`cli.entry`, which sets up signals before anything loads.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from cli.commands import COMMANDS
from cli.common import MODEL_ERROR, USAGE_ERROR, refuse_output_over_input
from cli.streams import OutputFailed, guarded
from dsl.errors import ScnError
from dsl.text import printable
from files.reading import Texts, UsageError

INTERRUPTED = 130  # 128 + SIGINT


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        self.print_usage(sys.stderr)
        print(printable(f"scn: error: {message}"), file=sys.stderr)
        raise SystemExit(USAGE_ERROR)

    def parse_known_args(self, args=None, namespace=None):
        parsed, rest = super().parse_known_args(args, namespace)
        if self._subparsers is None:  # a command's parser: its values are final
            self._no_lost_values(parsed)
        return parsed, rest

    def _no_lost_values(self, args) -> None:
        """argparse (3.11) turns the value of `--scenario=--` into [], skipping its type and
        choices: a TypeError deep inside a command. Refuse it here."""
        for action in self._actions:
            if not action.option_strings or action.nargs is not None:
                continue
            value = getattr(args, action.dest, None)
            values = value if isinstance(action.default, list) else [value]  # --set: a list
            if any(v == [] for v in values or []):
                self.error(f"argument {action.option_strings[-1]}: '--' is not a value")


class _CommandParser(_Parser):
    """A command's parser, given its arguments by its module's `register` when
    first used: to parse (argparse calls `parse_known_args` of the chosen
    command's parser only) or to print its help or usage."""

    command: str = ""
    _registered = True

    def _register(self) -> None:
        if not self._registered:
            self._registered = True
            importlib.import_module(f"cli.commands.{self.command}").register(_Registrar(self))

    def parse_known_args(self, args=None, namespace=None):
        self._register()
        return super().parse_known_args(args, namespace)

    def format_usage(self):
        self._register()
        return super().format_usage()

    def format_help(self):
        self._register()
        return super().format_help()


class _Registrar:
    """What a command module's `register(sub)` is given: `add_parser(name, ...)`
    returns the command's parser, already made with its help line, and sets the
    few settings argparse takes as arguments (usage, description, epilog)."""

    SETTINGS = frozenset({"usage", "description", "epilog", "formatter_class"})

    def __init__(self, parser: _CommandParser):
        self.parser = parser

    def add_parser(self, name: str, **settings) -> _CommandParser:
        unknown = set(settings) - self.SETTINGS
        if name != self.parser.command or unknown:  # a slip in a command module: say which
            raise TypeError(f"cli.commands.{self.parser.command}: add_parser({name!r}, "
                            f"{', '.join(sorted(unknown))}): the name and help line live in "
                            "cli.commands.COMMANDS; only usage, description, epilog and "
                            "formatter_class are set here")
        for key, value in settings.items():
            setattr(self.parser, key, value)
        return self.parser


def build_parser(everything: bool = False) -> argparse.ArgumentParser:
    """The `scn` parser. A command's module is imported when its parser is first
    used; `everything=True` registers every command at once (for tests that read
    every command's options)."""
    p = _Parser(prog="scn", description="Declarative scenario models for analysts.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_CommandParser)
    sub.required = True
    for name, line in COMMANDS.items():
        parser = sub.add_parser(name, help=line)
        parser.command, parser._registered = name, False
        if everything:
            parser._register()
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns its exit status. Its output goes to sys.stdout, its
    messages to sys.stderr, both guarded (see `cli.streams`)."""
    try:
        with guarded() as streams:
            code = _command(argv)
            try:
                streams.finish()
            except OutputFailed as e:
                print(f"scn: error: {e}", file=sys.stderr)
                code = USAGE_ERROR
            return code
    except KeyboardInterrupt:
        _say("scn: interrupted")
        return INTERRUPTED


def _command(argv: Sequence[str] | None) -> int:
    texts = Texts({})
    args = None
    try:
        args = build_parser().parse_args(argv)
        refuse_output_over_input(args)
        return args.run(args, texts)
    except SystemExit as e:  # argparse: --help (0) or a usage error (2), already printed
        return e.code if isinstance(e.code, int) else USAGE_ERROR
    except (UsageError, OutputFailed) as e:
        print(printable(f"scn: error: {e}"), file=sys.stderr)
        return USAGE_ERROR
    except ScnError as e:
        texts.report(e.diagnostics)
        if texts.in_arguments(e.diagnostics):
            return USAGE_ERROR
        return getattr(args, "model_error", MODEL_ERROR)


def _say(message: str) -> None:
    """A last message on stderr, if there is one (print(file=None) would go to stdout)."""
    if sys.stderr is None:
        return
    try:
        print(message, file=sys.stderr)
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())
