"""`scn mc`: Monte Carlo over the model's distributions, and what drives the spread.

    scn mc FILE [--samples N] [--seed S] [--scenario S | --all-scenarios] [--set DEF]
           [--vars ...] [--percentiles 5,25,50,75,95] [--drivers 'CELL' ...]
           [--format table|csv|md|json|parquet] [-o OUT] [--raw OUT.parquet]

Every distribution is drawn once per sample (engine.montecarlo); the output
is, per row and period, the mean, the standard deviation and the
percentiles of the samples (cli.mc_output). `--drivers 'optics_tam[2030]'`
ranks the uncertain inputs by their first-order share of that cell's
variance and their Spearman rank correlation with it. `--raw` writes every
sample in long form to Parquet. The default seed is fixed, so two runs of
the same file print the same numbers.
"""

from __future__ import annotations

import argparse
import io
import sys
import time

from cli import common
from files.reading import UsageError
from files.writing import write_file

FORMATS = ("table", "csv", "md", "json", "parquet")
MAX_SAMPLES = 10_000_000


def register(sub) -> None:
    from engine.montecarlo import DEFAULT_SAMPLES, DEFAULT_SEED

    p = sub.add_parser("mc")
    p.add_argument("file")
    p.add_argument("--samples", type=common.count, default=DEFAULT_SAMPLES, metavar="N",
                   help=f"how many samples (default: {DEFAULT_SAMPLES:,})")
    p.add_argument("--seed", type=common.count, default=DEFAULT_SEED, metavar="S",
                   help=f"random seed: the same seed, the same numbers (default: {DEFAULT_SEED})")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--scenario", default="base", help="scenario to run (default: base)")
    which.add_argument("--all-scenarios", action="store_true", help="run base and every scenario")
    p.add_argument("--set", action="append", default=[], metavar="DEFINITION",
                   help="override, as for scn run (repeatable)")
    p.add_argument("--vars", help="only these variables or rows, comma-separated")
    p.add_argument("--percentiles", default="5,25,50,75,95", metavar="LIST",
                   help="percentiles to show, comma-separated (default: 5,25,50,75,95)")
    p.add_argument("--drivers", action="append", default=[], metavar="CELL",
                   help="rank the uncertain inputs behind one cell, e.g. 'optics_tam[2030]' "
                   "or 'capex[goog,2030]' (repeatable)")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("-o", "--output", metavar="OUT", help="write to OUT instead of stdout")
    p.add_argument("--raw", metavar="OUT.parquet",
                   help="also write every sample: scenario, sample, variable, [dims], "
                   "year or period, value")
    p.set_defaults(run=run)


def run(args, texts) -> int:
    if args.format == "parquet" and args.output is None:
        raise UsageError("parquet is binary: give a file with -o OUT.parquet")
    if not 1 <= args.samples <= MAX_SAMPLES:
        raise UsageError(f"--samples takes 1 to {MAX_SAMPLES:,}, not {args.samples}")
    if args.seed < 0:
        raise UsageError(f"--seed takes a whole number >= 0, not {args.seed}")
    percentiles = parse_percentiles(args.percentiles)
    _refuse_raw_over_input(args)
    model = common.load(args.file, texts)
    with common.without_cycle_collector():
        return _run(args, texts, model, percentiles)


def parse_percentiles(text: str) -> tuple[float, ...]:
    """`5,50,95` -> (5.0, 50.0, 95.0): numbers from 0 to 100, sorted, each once."""
    out = set()
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            value = common.number(item)
        except argparse.ArgumentTypeError:
            raise UsageError(f"--percentiles: '{item}' is not a number: write "
                             "--percentiles 5,50,95") from None
        if not 0 <= value <= 100:
            raise UsageError(f"--percentiles: {item} is not between 0 and 100")
        out.add(value)
    if not out:
        raise UsageError("--percentiles: no percentile given: write --percentiles 5,50,95")
    return tuple(sorted(out))


def parse_target(model, text: str):
    """`optics_tam[2030]`, `capex[goog,2030]`: a row and one period (its label)."""
    from cli.rows import split_items
    from engine.montecarlo import Target

    name, _, rest = text.strip().partition("[")
    name = name.strip()
    example = "write --drivers 'optics_tam[2030]', or 'capex[goog,2030]' with members"
    if not rest.endswith("]") or not name:
        raise UsageError(f"--drivers: cannot read '{text}': {example}")
    items = [i.strip() for i in split_items(rest[:-1])]
    if not items:
        raise UsageError(f"--drivers: '{text}' names no period: {example}")
    if name not in model.info:
        from engine.uses import suggest

        hint = suggest(name, model.variables, loose=True)
        raise UsageError(f"--drivers: unknown variable '{name}'" + (f" ({hint})" if hint else ""))
    *members, period = items
    labels = list(model.labels)
    if period not in labels:
        raise UsageError(f"--drivers: '{text}' needs a period of the model last "
                         f"({model.axis.range_label()}), not '{period}'")
    sig = model.dims_of_var(name)
    if len(members) != len(sig):
        need = ", ".join(sig) if sig else "none"
        raise UsageError(f"--drivers: '{text}' needs one member per dim of {name} "
                         f"(dims: {need}) before the period")
    try:
        model.combo_index(name, tuple(members))
    except KeyError:
        raise UsageError(f"--drivers: {name} has no row [{', '.join(members)}]") from None
    return Target(name, tuple(members), labels.index(period))


def _refuse_raw_over_input(args) -> None:
    if args.raw is None:
        return
    common.refuse_output_over_input(argparse.Namespace(output=args.raw, file=args.file))
    if args.output is not None and args.output == args.raw:
        raise UsageError(f"-o and --raw both name {args.raw}: give two files")


def _run(args, texts, model, percentiles) -> int:
    from cli import mc_output
    from cli.rows import select
    from engine import montecarlo

    rows = select(model, args.vars)
    scenarios = common.scenarios(model, args)
    overrides = common.overrides(model, texts, args.set)
    targets = tuple(dict.fromkeys(parse_target(model, t) for t in args.drivers))
    variables = tuple(dict.fromkeys(r.variable for r in rows))
    if targets:  # drivers: the targets' statistics (their mean heads each table)
        variables = tuple(dict.fromkeys(
            (() if args.vars is None else variables) + tuple(t.variable for t in targets)))
    if args.raw is not None and not montecarlo.keeps_all(model, variables, args.samples):
        raise UsageError(f"--raw: {args.samples:,} samples of these rows do not fit in memory "
                         "at once: pick fewer rows with --vars, or fewer --samples")
    if args.raw is not None:
        mc_output.refuse_raw_clash(model)
    progress = Progress(args.samples * len(scenarios))
    sims = []
    for name in scenarios:
        sims.append(montecarlo.simulate(
            model, name, overrides, samples=args.samples, seed=args.seed,
            percentiles=percentiles, variables=variables, targets=targets,
            keep_bytes=montecarlo.KEEP_BYTES, progress=progress.step))
    progress.done()
    warnings = []
    for sim in sims:
        warnings.extend(w for w in sim.warnings if w not in warnings)
    texts.report(warnings)
    for sim in sims:
        if sim.percentile_samples < sim.samples:
            print(f"scn mc: the percentiles of scenario {sim.scenario} are from the first "
                  f"{sim.percentile_samples:,} of {sim.samples:,} samples, an independent "
                  f"subsample: every sample of these rows does not fit in the "
                  f"{montecarlo.KEEP_BYTES / 2**30:g} GiB scn keeps for percentiles (means and "
                  "sds are from all of them); pick fewer rows with --vars for exact percentiles",
                  file=sys.stderr)
    if args.raw is not None:  # the rows simulated (with --drivers alone: the targets')
        _write_parquet(mc_output.raw_frame(sims, [r for r in rows if r.variable in variables]),
                       args.raw)
    if targets:
        render = mc_output.DRIVER_RENDERERS[args.format]
        out = render(model, sims, targets, args.all_scenarios)
    else:
        out = mc_output.RENDERERS[args.format](model, sims, rows, args.all_scenarios)
    if args.format == "parquet":
        _write_parquet(out, args.output)
    else:
        common.write(out, args.output)
    return common.OK


def _write_parquet(frame, path: str) -> None:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    write_file(path, buffer.getvalue())


class Progress:
    """A bar on stderr once a run has taken a second, on a terminal only."""

    WIDTH = 30

    def __init__(self, total: int):
        self.total, self.base, self.shown = total, 0, False
        self.start = time.monotonic()
        stream = sys.stderr
        self.stream = stream if stream is not None and stream.isatty() else None

    def step(self, done: int, samples: int) -> None:
        if done == samples:  # one scenario finished: the next counts from here
            self.base += samples
            at = self.base
        else:
            at = self.base + done
        if self.stream is None or time.monotonic() - self.start < 1.0:
            return
        filled = self.WIDTH * at // max(self.total, 1)
        self.stream.write(f"\r[{'#' * filled}{' ' * (self.WIDTH - filled)}] "
                          f"{at:,}/{self.total:,} samples")
        self.stream.flush()
        self.shown = True

    def done(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * (self.WIDTH + 40) + "\r")
            self.stream.flush()
