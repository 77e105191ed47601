"""Benchmarks of dims (issue 11), printed side by side in one run (`make bench`).

    python bench/bench_dims.py              # 200 variables x 1,000 members x 30 years
    python bench/bench_dims.py --members 200 --runs 3

1. The whole `scn run FILE --format csv -o OUT` process on the generated
   model (bench/generate_dims.py: 6 million cells), as a user runs it:
   interpreter start, imports, parsing, checks, evaluation, CSV, teardown.
   Target: under 3 s.
2. Evaluation beside numpy: the engine's run of the compiled plan
   (`engine.plan.run_frames`) against `DimsModel.evaluate()`, numpy doing the
   same arithmetic on (members, years) arrays, in the same process, in turn
   (engine, numpy, engine, numpy ...) so that the ratio holds when the
   machine's speed drifts. Target: within 3x. Loading (parse and checks) is
   printed on its own line.
3. An edit of one member's input: `recompute` after `base1[u0001]` changes,
   with how many variables it recomputed (everything downstream of the
   variable: member-level narrowing is not done).

Every figure is the median of N runs (N=5; --runs); min and max show the
spread. The machine and its load are printed first. The in-process runs are
timed with Python's cycle collector off, after a full pass, as the product
runs (the commands turn it off; the UI collects when idle).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench.generate_dims import generate_dims  # noqa: E402
from dsl import document as dsl_document  # noqa: E402
from engine import load_model, prepare, recompute, evaluate  # noqa: E402
from engine.collector import paused_collector  # noqa: E402
from engine.plan import run_frames  # noqa: E402

TARGET_RUN = 3.0  # s: whole scn run process
TARGET_RATIO = 3.0  # engine evaluation / numpy


def spread(times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    return f"{statistics.median(ms):8.0f} ms  (min {ms[0]:.0f}, max {ms[-1]:.0f})"


def whole_run(path: Path, out: Path, runs: int) -> list[float]:
    scn = Path(sys.executable).with_name("scn")
    cmd = [str(scn), "run", str(path), "--format", "csv", "-o", str(out)]
    subprocess.run(cmd, check=True, capture_output=True)  # warm the file cache
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return times


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--variables", type=int, default=200)
    ap.add_argument("--members", type=int, default=1000)
    ap.add_argument("--years", type=int, default=30)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)
    cells = args.variables * args.members * args.years
    print(f"dims benchmark: {args.variables} variables x {args.members} members x "
          f"{args.years} years (~{cells / 1e6:.1f} M cells); {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    model = generate_dims(args.variables, members=args.members, years=args.years)
    with tempfile.TemporaryDirectory() as tmp:
        path, out = Path(tmp) / "dims.scn", Path(tmp) / "out.csv"
        path.write_text(model.text)
        times = whole_run(path, out, args.runs)
        rows = out.read_text().count("\n") - 1
        verdict = "ok" if statistics.median(times) < TARGET_RUN else "MISSED"
        print(f"  scn run --format csv (whole process) {spread(times)}   "
              f"target {TARGET_RUN:.0f} s: {verdict}; {rows:,} rows written")

    loads = []
    for _ in range(max(2, args.runs // 2)):
        dsl_document._CACHE.clear()
        gc.collect()
        t0 = time.perf_counter()
        m = load_model(model.text, "dims.scn")
        loads.append(time.perf_counter() - t0)
    print(f"  load (parse + checks, in process)    {spread(loads)}")
    plan = prepare(m)
    run_frames(plan)  # the first run pays for polars' start-up
    check = evaluate(m)  # a fast wrong answer is no answer: the two must agree
    for name, want in model.evaluate().items():
        got = check.values(name)[0]
        if not np.allclose(got.reshape(want.shape), want, rtol=1e-9, equal_nan=True):
            raise SystemExit(f"engine and numpy disagree on {name}")
    engine_t, numpy_t, ratios = [], [], []
    for _ in range(args.runs):
        gc.collect()
        with paused_collector():  # as the product runs (bench/run.py says why)
            t0 = time.perf_counter()
            run_frames(plan)
            t1 = time.perf_counter()
            model.evaluate()
            t2 = time.perf_counter()
        engine_t.append(t1 - t0)
        numpy_t.append(t2 - t1)
        ratios.append((t1 - t0) / (t2 - t1))
    ratio = statistics.median(ratios)
    verdict = "ok" if ratio <= TARGET_RATIO else "MISSED"
    print(f"  evaluation, engine (run_frames)      {spread(engine_t)}")
    print(f"  evaluation, numpy reference          {spread(numpy_t)}")
    print(f"  engine / numpy, pair by pair         {ratio:8.2f} x   (min {min(ratios):.2f}, "
          f"max {max(ratios):.2f})   target {TARGET_RATIO:.0f}x: {verdict}")

    before = evaluate(m)
    edited = model.text.replace("u0001: ", "u0001: 1", 1)  # one member's input changes
    m2 = load_model(edited, "dims.scn")
    times = []
    for _ in range(args.runs):
        gc.collect()
        with paused_collector():
            t0 = time.perf_counter()
            again = recompute(before, m2)
            times.append(time.perf_counter() - t0)
    redone = again.plan.changed or set()
    reach = len(again.plan.graph.downstream(set(redone))) if redone else 0
    print(f"  recompute after one member's edit    {spread(times)}   "
          f"({reach} of {len(m2.variables)} variables downstream, all members)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
