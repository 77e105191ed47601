"""Whole `scn` processes at scale, beside the plain-Python reference (`make bench`).

    python bench/whole.py                 # 10,000 variables x 30 years, best of 3
    python bench/whole.py --vars 1000 --reps 5

What a user waits for is the whole process: start-up, imports, parsing,
checks, evaluation, output and exit. Each row runs the installed
`.venv/bin/scn` on a model from bench/generate.py (seed 0) and reports the
best wall time of N runs, the CPU time (user + system) of that run and the
peak memory of the largest run, from wait4:

- `scn check FILE` and `scn run FILE --format csv -o OUT`, warm (the file
  seen before: its statements in the parse cache, files/parse_cache.py) and
  cold (a file never seen: the parse cache emptied before each run; lark's
  grammar stays cached, as it does after any first run);
- `scn run scenarios/ai_capex.scn` (the bundled scenario);
- the reference: tests/reference.py's plain-Python evaluator of the same
  text as a whole process (Python, the parser, its checks, every cell).

The cache lives in a temporary XDG_CACHE_HOME, so the figures do not depend
on the user's cache. Targets are issue 15's; the ratios are scn / reference.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import generate  # noqa: E402

SCN = ROOT / ".venv" / "bin" / "scn"
REFERENCE = """
import sys
sys.path.insert(0, sys.argv[2])
from reference import reference_eval
values = reference_eval(open(sys.argv[1], encoding="utf-8").read())
sys.stdout.write("\\n".join(f"{k},{','.join(map(repr, v))}" for k, v in values.items()))
"""


class Timing:
    def __init__(self):
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self.peak_mib = 0.0

    def add(self, wall: float, cpu: float, maxrss_kib: int) -> None:
        self.wall.append(wall)
        self.cpu.append(cpu)
        self.peak_mib = max(self.peak_mib, maxrss_kib / 1024)

    @property
    def best(self) -> float:
        return min(self.wall)

    @property
    def cpu_of_best(self) -> float:
        return self.cpu[self.wall.index(self.best)]


def timed(argv: list[str], env: dict, reps: int, before=None) -> Timing:
    """Best of `reps` whole processes (wall, CPU, peak memory from wait4)."""
    t = Timing()
    for _ in range(reps):
        if before is not None:
            before()
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            raise SystemExit(f"{' '.join(argv[:3])} ... failed (exit {code}): "
                             f"{proc.stderr.read().decode(errors='replace')[-500:]}")
        proc.stderr.close()
        t.add(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
    return t


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vars", type=int, default=10_000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--no-reference", action="store_true", help="skip the reference (slow)")
    args = ap.parse_args(argv)
    if not SCN.exists():
        print("bench/whole.py: skipped, .venv/bin/scn is not installed")
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="scn-bench-"))
    try:
        model = tmp / "model.scn"
        model.write_text(generate(args.vars, 30, seed=0), encoding="utf-8")
        out = tmp / "out.csv"
        env = {**os.environ, "XDG_CACHE_HOME": str(tmp / "cache")}
        env.pop("SCN_NO_CACHE", None)
        parse_cache = tmp / "cache" / "scn" / "parse"

        def forget() -> None:
            shutil.rmtree(parse_cache, ignore_errors=True)

        check = [str(SCN), "check", str(model)]
        run = [str(SCN), "run", str(model), "--format", "csv", "-o", str(out)]
        rows: list[tuple[str, Timing, float | None, str]] = []
        timed(check, env, 1)  # the grammar and the file's statements cached
        rows.append(("scn check, warm", timed(check, env, args.reps), None, "check"))
        rows.append(("scn check, cold", timed(check, env, args.reps, forget), None, "check"))
        timed(run, env, 1)
        rows.append(("scn run --format csv, warm", timed(run, env, args.reps), 1.5, "run"))
        rows.append(("scn run --format csv, cold", timed(run, env, args.reps, forget), 2.5,
                     "run"))
        bundled = [str(SCN), "run", str(ROOT / "scenarios" / "ai_capex.scn")]
        small = timed(bundled, env, args.reps)
        ref = None
        if not args.no_reference:
            ref = timed([sys.executable, "-c", REFERENCE, str(model), str(ROOT / "tests")],
                        env, 1 if args.vars > 2000 else args.reps)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"whole processes: {args.vars:,} variables x 30 years (bench/generate.py, seed 0), "
          f"best of {args.reps}; {os.cpu_count()} cpus, load average "
          f"{os.getloadavg()[0]:.1f}")
    print(f"  {'':<30} {'wall':>8} {'cpu':>8} {'peak':>9}  {'/ reference':<12} target")
    for label, t, target, kind in rows:
        ratio = "" if ref is None else f"{t.best / ref.best:.2f}x"
        if kind == "check":
            goal = "under the reference" if ref is None else (
                "under the reference: " + ("ok" if t.best < ref.best else "MISSED"))
        else:
            goal = f"<= {target}x" + ("" if ref is None else (
                ": ok" if t.best / ref.best <= target else ": MISSED"))
        print(f"  {label:<30} {t.best:7.2f}s {t.cpu_of_best:7.2f}s {t.peak_mib:6.0f} MiB"
              f"  {ratio:<12} {goal}")
    if ref is not None:
        print(f"  {'reference (tests/reference.py)':<30} {ref.best:7.2f}s {ref.cpu_of_best:7.2f}s "
              f"{ref.peak_mib:6.0f} MiB")
    print(f"  {'scn run scenarios/ai_capex.scn':<30} {small.best:7.2f}s {small.cpu_of_best:7.2f}s "
          f"{small.peak_mib:6.0f} MiB  {'':<12} < 0.6 s: "
          f"{'ok' if small.best < 0.6 else 'MISSED'}")
    peak = max(t.peak_mib for _, t, _, _ in rows)
    print(f"  peak memory of scn: {peak:.0f} MiB (target < 1 GiB: "
          f"{'ok' if peak < 1024 else 'MISSED'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
