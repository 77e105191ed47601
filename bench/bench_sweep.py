"""Benchmark of `scn sweep` (`make bench` calls it).

    python bench/bench_sweep.py [--processes]

A 5x5 sweep of the 1,000-variable x 30-year synthetic model (bench/generate.py,
seed 0): the output that reads the most inputs, in its last year, over two
of those inputs at 80%..120% of their base value. Timed on a freshly loaded
model (the plan is compiled inside the timing, as the command pays it);
loading is not timed. Target: under 0.5 s.

Beside it, in the same run: the same 25 points as 25 separate in-process
runs with `--set` (parse the overrides, compile, evaluate: what a loop of
`scn run --set` does once the model is loaded), and with `--processes` 25
real `scn run --set` processes; each with its ratio to the sweep. The 25
values are checked equal to the sweep's, so the comparison is of the same work.

Each figure is the best of 3 (time.perf_counter).
"""

from __future__ import annotations

import gc
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import generate  # noqa: E402
from engine import evaluate, load_model, parse_overrides  # noqa: E402

TARGET = 0.5
FACTORS = (0.8, 0.9, 1.0, 1.1, 1.2)


def _best(fn, setup, n: int = 3) -> tuple[float, object]:
    times, out = [], None
    for _ in range(n):
        arg = setup()
        gc.collect()
        t0 = time.perf_counter()
        out = fn(arg)
        times.append(time.perf_counter() - t0)
    return min(times), out


def case(text: str):
    """(output, year, [(input, its 5 values as text)]) of the benchmark."""
    from bench.bench_sens import widest_output
    from engine.levers import levers

    m = load_model(text, "synthetic-1000.scn")
    out = widest_output(m)
    year = m.axis.end
    result = evaluate(m)
    found = [lv.var for lv in levers(m, result.plan, out, year) if lv.whole]
    picked = []
    for v in found:
        base = result.value(v, year)
        if base:  # a non-zero value: 80%..120% of it are five distinct points
            picked.append((v, [repr(base * f) for f in FACTORS]))
        if len(picked) == 2:
            break
    return out, year, picked


def main(argv: list[str]) -> None:
    from engine.sweep import sweep
    from engine.trace import parse_cell
    from engine.vary import parse_vary

    text = generate(1000)
    out, year, picked = case(text)
    specs = [f"{v}={','.join(vals)}" for v, vals in picked]

    def fresh():
        return load_model(text, "synthetic-1000.scn")

    def run_sweep(m):
        varies = [parse_vary(m, s, k + 1) for k, s in enumerate(specs)]
        return sweep(m, parse_cell(m, f"{out}[{year}]", "OUTPUT"), varies).values[..., -1]

    t_sweep, grid = _best(run_sweep, fresh)

    def run_each(m):
        got = []
        for a in picked[0][1]:
            for b in picked[1][1]:
                sets = [f"{picked[0][0]} = {a}", f"{picked[1][0]} = {b}"]
                got.append(evaluate(m, "base", parse_overrides(m, sets)).value(out, year))
        return got

    t_each, each = _best(run_each, fresh)
    same = list(grid.reshape(-1)) == each
    print(f"sweep 5x5, 1,000 variables x 30 years ({out}[{year}] over {picked[0][0]}, "
          f"{picked[1][0]}): {t_sweep:.3f} s (target {TARGET:g} s); 25 in-process runs with "
          f"--set: {t_each:.3f} s ({t_each / t_sweep:.1f}x the sweep); same values: {same}")
    if "--processes" in argv:
        t_proc = _processes(text, out, year, picked)
        print(f"25 scn run --set processes: {t_proc:.1f} s ({t_proc / t_sweep:.0f}x the sweep)")


def _processes(text: str, out: str, year: int, picked) -> float:
    """Seconds for 25 `scn run --set` processes, one per point (as an analyst ran them)."""
    scn = Path(sys.executable).parent / "scn"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synthetic-1000.scn"
        path.write_text(text)
        t0 = time.perf_counter()
        for a in picked[0][1]:
            for b in picked[1][1]:
                subprocess.run([str(scn), "run", str(path), "--vars", out, "--format", "csv",
                                "--set", f"{picked[0][0]} = {a}", "--set",
                                f"{picked[1][0]} = {b}"], check=True, capture_output=True)
        return time.perf_counter() - t0


if __name__ == "__main__":
    main(sys.argv[1:])
