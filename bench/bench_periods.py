"""Benchmark of periods shorter than a year (`make bench`): a 1,000-variable
model over 120 months (bench/generate.py --months), run as users run it.

    python bench/bench_periods.py [--reps N] [--turns N]

Figures side by side: scn's two commands best of 5 runs made in turns (plain,
by year, plain, ...: the ratio holds when the machine's speed drifts), the
reference best of 3:

- `scn run FILE --format csv -o OUT`: the whole process (.venv/bin/scn:
  imports, parse, check, evaluate, write, teardown), beside the plain-Python
  reference evaluator of the same text (tests/reference.py, in this process:
  parse, its own checks, cell by cell); target: scn within 1.5x of it;
- `scn run FILE --by year` beside plain `scn run FILE` (same format);
  target: the roll-up costs under 10% more.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bench.generate import generate, monthly  # noqa: E402

VARIABLES, MONTHS = 1000, 120
TARGET_REFERENCE = 1.5  # scn run (whole process) / reference evaluator
TARGET_BY_YEAR = 1.10  # scn run --by year / scn run


def best(fn, reps: int) -> float:
    return in_turns([fn], reps)[0]


def in_turns(fns, reps: int) -> list[float]:
    """The best time of each of `fns`, run in turns `reps` times."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(reps):
        for fn, out in zip(fns, times):
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
    return [min(t) for t in times]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3, help="runs of the reference")
    ap.add_argument("--turns", type=int, default=5, help="runs of each scn command, in turns")
    args = ap.parse_args()
    scn = ROOT / ".venv" / "bin" / "scn"
    if not scn.exists():
        print("bench_periods: skipped, .venv/bin/scn is not installed")
        return 0
    text = monthly(generate(VARIABLES, MONTHS, seed=0))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "monthly.scn"
        path.write_text(text)

        def run(*more: str) -> None:
            done = subprocess.run([str(scn), "run", str(path), "--format", "csv", "-o",
                                   str(Path(tmp) / "out.csv"), *more], capture_output=True)
            if done.returncode != 0:
                raise SystemExit(f"scn run failed: {done.stderr.decode()[-500:]}")

        from reference import reference_eval

        # The two commands in turns, so that the ratio holds when the machine's speed drifts
        plain, by_year = in_turns([run, lambda: run("--by", "year")], args.turns)
        ref = best(lambda: reference_eval(text), args.reps)
    ratio_ref, ratio_by = plain / ref, by_year / plain
    print(f"periods: {VARIABLES:,} variables x {MONTHS} months (best of {args.turns} in turns; "
          f"the reference best of {args.reps})")
    rows = [
        ("scn run (whole process)", plain, f"{ratio_ref:.2f}x reference",
         f"target <= {TARGET_REFERENCE}x", ratio_ref <= TARGET_REFERENCE),
        ("reference evaluator (plain Python)", ref, "", "", True),
        ("scn run --by year (whole process)", by_year, f"{ratio_by:.2f}x scn run",
         f"target <= {TARGET_BY_YEAR}x", ratio_by <= TARGET_BY_YEAR),
    ]
    for name, seconds, ratio, target, ok in rows:
        mark = "" if not target else ("  ok" if ok else "  MISSED")
        print(f"  {name:<36} {seconds:7.3f} s  {ratio:<22} {target}{mark}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
