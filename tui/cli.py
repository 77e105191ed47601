"""The `scn` command: a thin shell over the engine.

Exit codes: 0 success, 1 a model error (reported as FILE:LINE:COL with the
line and a caret), 2 a usage error. No user mistake ends in a traceback.
Commands import only what they need, so `scn run` starts fast.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from dsl.errors import ScnError
from tui.loader import Texts, UsageError, read_text

OK, MODEL_ERROR, USAGE_ERROR = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's default exits 2 too; keep its words
        self.print_usage(sys.stderr)
        print(f"scn: error: {message}", file=sys.stderr)
        raise SystemExit(USAGE_ERROR)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="scn", description="Declarative scenario models for analysts.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    run = sub.add_parser("run", help="evaluate a scenario file and print its values")
    run.add_argument("file")
    which = run.add_mutually_exclusive_group()
    which.add_argument("--scenario", default="base", help="scenario to run (default: base)")
    which.add_argument("--all-scenarios", action="store_true", help="run base and every scenario")
    run.add_argument("--set", action="append", default=[], metavar="DEFINITION",
                     help="override, e.g. --set 'asic_share[2030] = 55%%' (repeatable)")
    run.add_argument("--vars", help="only these variables, comma-separated")
    run.add_argument("--format", choices=("table", "csv", "json", "md"), default="table")
    run.add_argument("-o", "--output", metavar="OUT", help="write to OUT instead of stdout")

    check = sub.add_parser("check", help="report every error in scenario files")
    check.add_argument("files", nargs="+", metavar="FILE")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    texts = Texts({})
    try:
        if args.command == "run":
            return cmd_run(args, texts)
        return cmd_check(args, texts)
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


def _load(path: str, texts: Texts):
    from engine import load_model

    text = read_text(path)
    texts.by_source[path] = text
    return load_model(text, path)


def _variables(model, wanted: str | None) -> list[str]:
    if not wanted:
        return list(model.variables)
    from engine.uses import suggest

    names = [w.strip() for w in wanted.split(",") if w.strip()]
    for n in names:
        if n not in model.info:
            hint = suggest(n, model.variables)
            raise UsageError(f"--vars: unknown variable '{n}'" + (f" ({hint})" if hint else ""))
    keep = set(names)
    return [v for v in model.variables if v in keep]


def _scenarios(model, args) -> list[str]:
    if args.all_scenarios:
        return list(model.scenarios)
    if args.scenario not in model.scenarios:
        from engine.uses import suggest

        hint = suggest(args.scenario, model.scenarios)
        known = ", ".join(model.scenarios)
        raise UsageError(f"unknown scenario '{args.scenario}' "
                         f"({hint + ' ' if hint else ''}scenarios: {known})")
    return [args.scenario]


def cmd_run(args, texts: Texts) -> int:
    from engine import evaluate, parse_overrides
    from engine.model import OVERRIDES
    from tui import output

    model = _load(args.file, texts)
    variables = _variables(model, args.vars)
    scenarios = _scenarios(model, args)
    overrides = None
    if args.set:
        texts.by_source[OVERRIDES] = "\n".join(args.set)
        overrides = parse_overrides(model, args.set)
    runs, warnings = [], []
    for name in scenarios:
        result = evaluate(model, name, overrides)
        runs.append((name, {v: result.series(v) for v in variables}))
        warnings.extend(w for w in result.warnings if w not in warnings)
    fmt = args.format
    if fmt == "csv":
        text = output.to_csv(model, runs, variables, with_scenario=args.all_scenarios)
    elif fmt == "json":
        text = output.to_json(model, runs, variables)
    elif fmt == "md":
        text = output.to_markdown(model, runs, variables)
    else:
        text = output.to_table(model, runs, variables)
    texts.report(warnings)
    _write(text, args.output)
    return OK


def _write(text: str, path: str | None) -> None:
    if path is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    import os
    import tempfile

    target = os.path.abspath(path)
    folder = os.path.dirname(target)
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".scn-")
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, target)
    except OSError as e:
        raise UsageError(f"{path}: cannot write: {e.strerror}") from None


def cmd_check(args, texts: Texts) -> int:
    status = OK
    for path in args.files:
        try:
            model = _load(path, texts)
        except ScnError as e:
            texts.report(e.diagnostics)
            n = len(e.diagnostics)
            print(f"{path}: {n} error{'s' if n != 1 else ''}", file=sys.stderr)
            status = MODEL_ERROR
            continue
        except UsageError as e:
            print(f"scn: error: {e}", file=sys.stderr)
            status = max(status, USAGE_ERROR) if status != MODEL_ERROR else status
            continue
        names = ", ".join(model.scenarios)
        print(f"{path}: ok: {len(model.variables)} variables, {len(model.scenarios)} scenario"
              f"{'s' if len(model.scenarios) != 1 else ''} ({names}), "
              f"years {model.years[0]}..{model.years[-1]}")
    return status


if __name__ == "__main__":
    sys.exit(main())
