"""What several commands share: loading a model, picking scenarios and variables, writing output."""

from __future__ import annotations

import argparse
import os
import re
import sys

from files.reading import Texts, UsageError, read_text
from files.writing import write_file

OK, MODEL_ERROR, USAGE_ERROR = 0, 1, 2


_DECIMAL = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")


def count(text: str) -> int:
    """An option's whole number (`--depth 3`): ASCII digits only, as in a scenario file
    (`int` would take `١٢` and full-width digits). A sign is read, for the command
    to say what range it takes."""
    t = text.strip()
    digits = t[1:] if t[:1] in "+-" else t
    if not (digits.isascii() and digits.isdigit()) or len(digits.lstrip("0")) > 9:
        raise argparse.ArgumentTypeError(f"expected a whole number such as 3, not '{text}'")
    return int(t)


def number(text: str) -> float:
    """An option's number (`--rtol 1e-6`): ASCII digits, a point, an exponent."""
    t = text.strip()
    if not _DECIMAL.fullmatch(t):
        raise argparse.ArgumentTypeError(f"expected a number such as 0.001 or 1e-9, not '{text}'")
    return float(t)


def load(path: str, texts: Texts, more_to_do: bool = True):
    """Read and check a scenario file; its text is kept in `texts` for messages.

    Its warnings (hidden characters in comments and titles) go to stderr at
    once, whatever the command: whoever runs it must see them. `more_to_do`:
    the command goes on after the load (evaluates), so a copy of the checked
    model can be written beside it; `scn check` ends there and would wait for it.
    """
    from files import ahead, background, model_cache, parse_cache

    text = read_text(path)
    texts.by_source[path] = text
    model = model_cache.read(path, text)  # this very text checked by an earlier run
    if model is None:
        from dsl.document import statement_cache

        before = statement_cache().parsed
        # Statements parsed by an earlier run are not parsed again; a large new file's
        # last statements are parsed by a child (started at the executable's entry:
        # `early`), and the checks imported meanwhile (files.parse_cache).
        with parse_cache.kept(path, text, meanwhile=_import_checks, early=ahead.take(path)):
            from engine import load_model

            model = load_model(text, path)
        # Kept for the next run of this very text: beside the command when a child
        # can write it (files.background), else only for a file seen before
        # unchanged, likely to be seen again (a new or edited file does not pay
        # the 0.2-0.3 s of writing it in the command's own time).
        if (more_to_do and background.forks()) or statement_cache().parsed == before:
            background.soon(lambda: model_cache.write(path, text, model))
    texts.report(model.warnings)
    _LAST_MODEL[:] = [model]
    return model


# The last model loaded, kept past its command: the `scn` executable ends by
# os._exit (cli/entry.py) instead of freeing its objects one by one, which for a
# checked model of 10,000 variables took 16 ms when `scn check` returned. Only the
# last: a process that runs command after command (the tests) frees each model when
# it loads the next.
_LAST_MODEL: list = []


def _import_checks() -> None:
    import engine.load  # noqa: F401


def without_cycle_collector():
    """The cycle collector paused while a command builds its output (a model with
    dims has a row per member combination): `engine.collector`, imported late as
    every engine module here is, so that `scn --help` stays fast."""
    from engine.collector import paused_collector

    return paused_collector()


def load_scenario(args, texts: Texts):
    """The file, the scenario and the --set overrides a one-scenario command reads:
    (model, scenario name, overrides or None)."""
    model = load(args.file, texts)
    return model, scenario_name(model, args.scenario), overrides(model, texts, args.set)


def scenario_name(model, name: str) -> str:
    if name not in model.scenarios:
        from engine.uses import suggest

        hint = suggest(name, model.scenarios, loose=True)
        known = ", ".join(model.scenarios)
        raise UsageError(f"unknown scenario '{name}' "
                         f"({hint + ' ' if hint else ''}scenarios: {known})")
    return name


def scenarios(model, args) -> list[str]:
    """--all-scenarios or --scenario NAME (checked, with a did-you-mean)."""
    if getattr(args, "all_scenarios", False):
        return list(model.scenarios)
    return [scenario_name(model, args.scenario)]


def overrides(model, texts: Texts, sets: list[str]):
    """--set definitions as one layer; their text is kept for messages as `--set`.
    Their unit warnings (against the variables' annotations) go to stderr at once."""
    if not sets:
        return None
    from engine import parse_overrides
    from engine.model import OVERRIDES

    texts.argument(OVERRIDES, "\n".join(sets))
    layer = parse_overrides(model, sets)
    if model.annotations:  # `--set 'growth = 30'` for a % variable: said, never blocking
        from engine.unit_check import override_warnings

        texts.report(override_warnings(model, layer, OVERRIDES))
    return layer


def write(text: str, path: str | None) -> None:
    """To stdout, or to a file by the one writer (`files.writing`: atomic, keeps links and owner)."""
    if path is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    write_file(path, text)


def refuse_output_over_input(args) -> None:
    """`-o` must not name an input: `scn run m.scn -o m.scn` would replace the model.

    Compared as files (device and inode), so another path, a symbolic link or
    a hard link to the input is refused too.
    """
    out = getattr(args, "output", None)
    if out is None:
        return
    try:
        target = os.stat(out)
    except OSError:
        return  # a new file (or one the writer will report on)
    inputs = ([args.file] if isinstance(getattr(args, "file", None), str) else []) \
        + list(getattr(args, "files", None) or [])
    for path in inputs:
        try:
            st = os.stat(path)
        except OSError:
            continue  # not on disk: REV:PATH, or missing (reported when read)
        if (st.st_dev, st.st_ino) == (target.st_dev, target.st_ino):
            same = "" if os.path.abspath(out) == os.path.abspath(path) else \
                f" (the same file as {path})"
            raise UsageError(f"-o {out}: that is an input file{same}; writing the output there "
                             "would replace it. Choose another output file")


def scenario_options(p, formats: tuple[str, ...]) -> None:
    """--scenario, --set, --format and -o, as sens, explain and goal all take them."""
    p.add_argument("--scenario", default="base", help="scenario (default: base)")
    p.add_argument("--set", action="append", default=[], metavar="DEFINITION",
                   help="override, as for scn run (repeatable)")
    p.add_argument("--format", choices=formats, default=formats[0])
    p.add_argument("-o", "--output", metavar="OUT",
                   help="write to OUT instead of stdout")
