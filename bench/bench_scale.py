"""Growth of time and memory on hostile or pathological inputs (`make bench`).

    python bench/bench_scale.py               # every case, every size
    python bench/bench_scale.py --only chain  # cases whose name contains "chain"
    python bench/bench_scale.py --root DIR    # the scn of another checkout (before/after)
    python bench/bench_scale.py --timeout 60  # seconds per run (default 30)

Each case generates its input at growing sizes (each twice the last) and runs
the real `scn` command on it as a whole process, imports included, with a
timeout. A row prints, per size, the wall time, the time net of starting
scn (the same command on a two-line file), and the peak memory (the child's
maximum resident set, from wait4). The last column is the growth of the net
time per doubling of the input, from the largest two sizes that finished: about
2 is linear, 4 quadratic. A size that times out (or exits with a traceback)
stops that case's larger sizes.

These files are small (kilobytes to a few megabytes) yet each was once
quadratic or worse somewhere: a file from an untrusted pull request must not
stall `scn check`, `scn run`, `scn diff` or `scn explain` in review tooling.
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import edit_input, generate  # noqa: E402


# ---------------------------------------------------------------- the inputs


def duplicates(n: int) -> str:
    """n definitions of the same variable over the same years: n^2/2 overlapping pairs."""
    return "years 2020..2030\n" + "".join(f"x = {i}\n" for i in range(n))


def single_years(n: int) -> str:
    """n single-year definitions of one variable, none overlapping (years 1..n)."""
    return f"years 1..{n}\n" + "".join(f"x[{i}] = {i}\n" for i in range(1, n + 1))


def many_years(n: int) -> str:
    """A small model over n years, eight times over: a recurrence, cumsum,
    growth, a lag, a range sum, an if."""
    out = [f"years 1..{n}"]
    for k in range(8):
        out += [f"g{k} = 1%", f"a{k} = t * 2", f"b{k}[1] = 100", f"b{k} = b{k}[t-1] * (1 + g{k})",
                f"c{k} = cumsum(a{k})", f"d{k}[2..] = growth(b{k})",
                f"e{k}[2..] = a{k}[t-1] + b{k} + sum(a{k}[1..{min(n, 3)}])",
                f"f{k} = if(a{k} > b{k}, a{k}, b{k}) + c{k}"]
    return "\n".join(out) + "\n"


def scenario_chain(n: int) -> str:
    """n scenarios, each extending the one before."""
    out = ["years 2020..2030", "x = 1", "y = x * 2", "scenario s0 {", "  x = 0", "}"]
    for i in range(1, n):
        out += [f"scenario s{i} extends s{i - 1} {{", f"  x = {i}", "}"]
    return "\n".join(out) + "\n"


def variable_chain(n: int) -> str:
    """v0 = 1, v1 = v0 + 1, ...: n dependency levels of one variable each."""
    return ("years 2020..2024\nv0 = 1\n"
            + "".join(f"v{i} = v{i - 1} + 1\n" for i in range(1, n)))


def syntax_errors(n: int) -> str:
    """n lines, each a syntax error of its own."""
    return "years 2020..2030\n" + "".join(f"x{i} = 1 +\n" for i in range(n))


def long_continuation(n: int) -> str:
    """An open bracket, then a continuation line: `a` and n spaces."""
    return "years 2020..2030\nx = (1 +\na" + " " * n + "\n)\n"


def big_model(n: int) -> str:
    return generate(n)


@dataclass
class Case:
    name: str
    what: str
    make: Callable[[int], str]
    argv: Callable[[str, int], list[str]]  # (path, size) -> scn arguments
    sizes: tuple[int, ...]
    unit: str = "lines"
    second: Callable[[str], str] | None = None  # a second file, from the first's text


# Years up to 9999 (the language's last year): 10,000 years was an error, timed as a run.
YEARS = (1_000, 2_000, 4_000, 8_000)

CASES = [
    Case("duplicates", "n lines `x = i`, scn check", duplicates,
         lambda p, n: ["check", p], (2_500, 5_000, 10_000, 20_000)),
    Case("single-years", "n single-year definitions of x, years 1..n, scn check",
         single_years, lambda p, n: ["check", p], YEARS, "years"),
    Case("years-check", "years 1..n, a small model, scn check", many_years,
         lambda p, n: ["check", p], YEARS, "years"),
    Case("years-run", "years 1..n, a small model, scn run", many_years,
         lambda p, n: ["run", p], YEARS, "years"),
    Case("scenario-chain", "n scenarios each extending the last, scn check", scenario_chain,
         lambda p, n: ["check", p], (1_000, 2_000, 4_000, 8_000), "scenarios"),
    Case("variable-chain", "a dependency chain of n variables, scn run", variable_chain,
         lambda p, n: ["run", p], (1_250, 2_500, 5_000, 10_000), "variables"),
    Case("syntax-errors", "n lines each with a syntax error, scn check", syntax_errors,
         lambda p, n: ["check", p], (2_500, 5_000, 10_000, 20_000)),
    Case("long-line", "a continuation line `a` + n spaces, scn check", long_continuation,
         lambda p, n: ["check", p], (80_000, 160_000, 320_000, 640_000), "spaces"),
    Case("diff-same", "scn diff of a generated n-variable file against itself", big_model,
         lambda p, n: ["diff", p, p], (1_250, 2_500, 5_000, 10_000), "variables"),
    Case("diff-one-edit", "scn diff of a generated n-variable file, one input edited",
         big_model, lambda p, n: ["diff", p, p + ".new.scn"], (625, 1_250, 2_500, 5_000),
         "variables", second=lambda text: edit_input(text, _first_input(text))),
    Case("explain-all", "scn explain --all down a chain of n variables", variable_chain,
         lambda p, n: ["explain", p, f"v{n - 1}[2024]", "--all"], (1_250, 2_500, 5_000, 10_000),
         "variables"),
]


def _first_input(text: str) -> str:
    """The first variable defined by a plain number (bench.generate's inputs)."""
    for line in text.splitlines():
        name, _, rest = line.partition(" = ")
        if rest and name.isidentifier() and rest[:1].isdigit():
            return name
    raise ValueError("no input in the generated model")


# ---------------------------------------------------------------- running scn


@dataclass
class Run:
    seconds: float | None  # None: timed out
    peak_mb: float
    out_mb: float  # stdout + stderr
    status: int | None


def scn_command(root: Path) -> list[str]:
    """`scn` as users run it, from the checkout at `root` (its own sources first)."""
    python = ROOT / ".venv" / "bin" / "python"
    if not python.exists():
        python = Path(sys.executable)
    boot = (f"import sys; sys.path.insert(0, {str(root)!r}); sys.argv[0] = 'scn'; "
            "from cli.main import main; sys.exit(main())")
    return [str(python), "-c", boot]


def run_scn(cmd: list[str], args: list[str], workdir: Path, timeout: float) -> Run:
    out_path, err_path = workdir / "stdout.txt", workdir / "stderr.txt"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen([*cmd, *args], stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                cwd=workdir, start_new_session=True)
        status = usage = None
        while True:
            pid, st, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                status = os.waitstatus_to_exitcode(st)
                break
            if time.perf_counter() - t0 > timeout:
                os.killpg(proc.pid, signal.SIGKILL)
                _, st, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.01)
        seconds = time.perf_counter() - t0
        proc.returncode = -1  # reaped by wait4 above
    size = (out_path.stat().st_size + err_path.stat().st_size) / 1e6
    return Run(seconds if status is not None else None, usage.ru_maxrss / 1024, size, status)


def crashed(workdir: Path) -> bool:
    return b"Traceback (most recent call last)" in (workdir / "stderr.txt").read_bytes()


# ---------------------------------------------------------------- the table


def measure(case: Case, cmd: list[str], workdir: Path, timeout: float,
            startup: dict[str, float]) -> list[tuple[int, Run | None, float | None]]:
    rows: list[tuple[int, Run | None, float | None]] = []
    stopped = False
    for n in case.sizes:
        if stopped:
            rows.append((n, None, None))
            continue
        text = case.make(n)
        path = workdir / f"{case.name}.scn"
        path.write_text(text, encoding="utf-8")
        if case.second is not None:
            Path(str(path) + ".new.scn").write_text(case.second(text), encoding="utf-8")
        args = case.argv(str(path), n)
        r = run_scn(cmd, args, workdir, timeout)
        if r.seconds is None or crashed(workdir):
            stopped = True
            net = None
        else:
            net = max(r.seconds - startup[args[0]], 0.0)
        rows.append((n, r, net))
    return rows


def startup_times(cmd: list[str], workdir: Path, timeout: float) -> dict[str, float]:
    """Each command on a two-line file: what every row pays before its input matters."""
    tiny = workdir / "tiny.scn"
    tiny.write_text("years 2020..2021\nv0 = 1\n", encoding="utf-8")
    argv = {"check": ["check", str(tiny)], "run": ["run", str(tiny)],
            "diff": ["diff", str(tiny), str(tiny)],
            "explain": ["explain", str(tiny), "v0[2021]", "--all"]}
    out = {}
    for name, args in argv.items():
        runs = [run_scn(cmd, args, workdir, timeout).seconds or 0.0 for _ in range(3)]
        out[name] = min(runs)
    return out


def cell(n: int, r: Run | None, net: float | None, crashed_run: bool) -> str:
    if r is None:
        return f"{n:>8,}: -"
    if r.seconds is None:
        return f"{n:>8,}: timeout, {r.peak_mb:,.0f} MB"
    mark = " CRASH" if crashed_run else ""
    return (f"{n:>8,}: {r.seconds:6.2f} s ({net:5.2f} net) {r.peak_mb:6,.0f} MB"
            f" out {r.out_mb:6.1f} MB{mark}")


def growth(rows) -> str:
    done = [(n, net) for n, r, net in rows if net is not None]
    if len(done) < 2:
        return "growth: -"
    (n1, t1), (n2, t2) = done[-2], done[-1]
    if t1 < 0.05:
        return f"growth: - (net {t1:.2f} s at {n1:,}: too small to tell)"
    per_doubling = (t2 / t1) ** (1 / math.log2(n2 / n1))
    return f"growth per doubling: {per_doubling:.1f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", default="", help="run the cases whose name contains this")
    ap.add_argument("--root", type=Path, default=ROOT, help="the checkout whose scn to run")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per run")
    ap.add_argument("--shrink", type=int, default=1, help="divide every size by this")
    args = ap.parse_args()
    cmd = scn_command(args.root.resolve())
    print(f"scn from {args.root.resolve()}; timeout {args.timeout:g} s per run")
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="scn-bench-scale-") as tmp:
        workdir = Path(tmp)
        startup = startup_times(cmd, workdir, args.timeout)
        print("start-up (two-line file): "
              + ", ".join(f"{k} {v:.2f} s" for k, v in startup.items()))
        for case in CASES:
            if args.only not in case.name:
                continue
            if args.shrink > 1:
                case.sizes = tuple(max(1, n // args.shrink) for n in case.sizes)
            print(f"\n{case.name}: {case.what} (size in {case.unit})")
            rows = measure(case, cmd, workdir, args.timeout, startup)
            for n, r, net in rows:
                print("  " + cell(n, r, net, r is not None and r.seconds is not None
                                  and net is None))
            print("  " + growth(rows), flush=True)
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
