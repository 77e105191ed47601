"""Benchmarks of the scn pipeline on synthetic models (`make bench`).

    python bench/run.py                 # 1,000 and 10,000 variables x 30 years
    python bench/run.py --sizes 1000    # just one size
    python bench/run.py --profile       # cProfile of the 10,000-variable case, top 25

Every figure is the best of N runs (time.perf_counter): N=3 for 1,000
variables, 2 for 10,000. Models come from bench/generate.py (seeded), so runs
compare. "evaluate, first run" is `evaluate` on a freshly loaded model
(compile the plan + run it); "second run" is `evaluate` again (plan reused).
Recompute edits one input's base definition (scaled by 1.1), loads the edited
text outside the timed region and times `recompute(previous, edited_model)`.
The reference is tests/reference.py's `reference_eval(text)`: a pure-Python,
cell-by-cell evaluator that shares only the parser with the engine; it takes
text, so its time includes parsing and its own checks.

Each run is timed with Python's cycle collector off, after a full pass: as
the product runs (the commands turn it off, cli/entry.py; the terminal UI
collects only when idle, tui/idle_collector.py). With it on, a pass of
2-6 ms fell inside some runs and not others.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import edit_input, generate_info  # noqa: E402
from dsl import document as dsl_document  # noqa: E402
from dsl.document import parse_document  # noqa: E402
from engine import evaluate, load_model, prepare, recompute  # noqa: E402
from engine.collector import paused_collector  # noqa: E402

YEARS = 30
TARGET_PCE = 2.0  # s: 10,000 variables parse + check + evaluate
TARGET_RECOMPUTE = 0.050  # s: recompute with < 100 dependents
TARGET_CLI = 1.0  # s: `scn run scenarios/ai_capex.scn`, whole process


def cold() -> None:
    """Forget parsed statements, as a fresh process would."""
    dsl_document._CACHE.clear()


def best(fn, n: int, setup=None) -> float:
    """Best wall time of n calls of fn(setup()) (setup untimed)."""
    times = []
    for _ in range(n):
        arg = setup() if setup else None
        gc.collect()
        with paused_collector():
            t0 = time.perf_counter()
            fn(arg) if setup else fn()
            times.append(time.perf_counter() - t0)
    return min(times)


def reference():
    """tests/reference.py's evaluator, or None when it is not there."""
    try:
        from tests.reference import reference_eval
        return reference_eval
    except ImportError:
        return None


def measure(n_vars: int, reps: int, ref_eval) -> dict:
    info = generate_info(n_vars, YEARS, seed=0)
    text = info.text
    src = f"<generated {n_vars}>"
    out: dict = {"n": n_vars, "reps": reps, "lines": text.count("\n")}

    # Cold: the parser caches statements, which would make repeated loads free.
    out["parse"] = best(lambda _: parse_document(text, src), reps, setup=cold)
    out["load"] = best(lambda _: load_model(text, src), reps, setup=cold)
    out["eval1"] = best(lambda m: evaluate(m, "base"), reps, setup=lambda: load_model(text, src))
    model = load_model(text, src)
    result = evaluate(model, "base")
    out["eval2"] = best(lambda: evaluate(model, "base"), reps)
    plan = prepare(model)
    out["levels"] = len(plan.graph.levels)
    out["recurrences"] = sum(b.cyclic for level in plan.graph.levels for b in level)
    out["warnings"] = len(result.warnings)

    for key, name in (("small", info.small_input), ("large", info.large_input)):
        edited = edit_input(text, name)
        assert edited != text, f"editing {name} changed nothing"
        out[f"{key}_name"] = name
        out[f"{key}_deps"] = len(plan.graph.downstream({name})) - 1
        out[key] = best(lambda m: recompute(result, m), reps,
                        setup=lambda: load_model(edited, src))
        if key == "small":
            # What an editor pays before recompute: re-reading the edited file,
            # its unchanged statements still in the parser's cache.
            out["reload"] = best(lambda _: load_model(edited, src), reps,
                                 setup=lambda: (cold(), load_model(text, src)))
        # the recomputed frame must equal a full evaluation of the edited model
        em = load_model(edited, src)
        got, want = recompute(result, em).frame, evaluate(em, "base").frame
        out[f"{key}_ok"] = got.equals(want)

    if ref_eval is not None:
        out["ref"] = best(lambda: ref_eval(text), 1 if n_vars > 2000 else reps)
        ref = ref_eval(text)
        out["ref_ok"] = all(_close(ref[v], result.series(v)) for v in model.variables)
    return out


def _close(a: list, b: list) -> bool:
    for x, y in zip(a, b):
        if x is None or y is None:
            if x is not y:
                return False
        elif not (x == y or math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)
                  or (x != x and y != y)):
            return False
    return len(a) == len(b)


def cli_time() -> tuple[float | None, str]:
    scn = ROOT / ".venv" / "bin" / "scn"
    model = ROOT / "scenarios" / "ai_capex.scn"
    if not scn.exists():
        return None, "skipped: .venv/bin/scn not installed"
    if not model.exists():
        return None, "skipped: scenarios/ai_capex.scn does not exist yet"
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        done = subprocess.run([str(scn), "run", str(model)], cwd=ROOT, capture_output=True)
        times.append(time.perf_counter() - t0)
        if done.returncode != 0:
            err = done.stderr.decode(errors="replace").strip().splitlines()
            return None, f"failed (exit {done.returncode}): {err[-1] if err else ''}"
    return min(times), "best of 3, whole process"


# ------------------------------------------------------------------ output


def ms(s: float | None) -> str:
    if s is None:
        return "-"
    return f"{s * 1000:,.1f} ms" if s < 10 else f"{s:,.2f} s"


def verdict(value: float | None, target: float) -> str:
    if value is None:
        return ""
    return "ok" if value < target else "MISSED"


def table(results: list[dict], cli: tuple[float | None, str], have_ref: bool) -> str:
    big = max(results, key=lambda r: r["n"])
    rows: list[tuple[str, list[str], str]] = []

    def row(label, fn, target=""):
        rows.append((label, [fn(r) for r in results], target))

    row("model: lines / levels / recurrences",
        lambda r: f"{r['lines']:,} / {r['levels']} / {r['recurrences']:,}")
    row("parse (parse_document)", lambda r: ms(r["parse"]))
    row("load (parse + resolve + check)", lambda r: ms(r["load"]))
    row("evaluate, first run (prepare + run)", lambda r: ms(r["eval1"]))
    row("evaluate, second run (plan reused)", lambda r: ms(r["eval2"]))
    pce = big["load"] + big["eval1"]
    row("parse + check + evaluate", lambda r: ms(r["load"] + r["eval1"]),
        f"< 2 s at 10,000: {verdict(pce, TARGET_PCE)}" if big["n"] >= 10_000 else "< 2 s at 10,000")
    row("  edited input, few dependents", lambda r: f"{r['small_name']} ({r['small_deps']:,})")
    row("recompute, few dependents", lambda r: ms(r["small"]) + ("" if r["small_ok"] else " WRONG"),
        "< 50 ms (< 100 dependents): " + ", ".join(
            f"{r['n']:,} {verdict(r['small'], TARGET_RECOMPUTE)}" for r in results
            if r["small_deps"] < 100))
    row("reload edited file (statements cached)", lambda r: ms(r["reload"]))
    row("  edited input, many dependents", lambda r: f"{r['large_name']} ({r['large_deps']:,})")
    row("recompute, many dependents",
        lambda r: ms(r["large"]) + ("" if r["large_ok"] else " WRONG"))
    if have_ref:
        row("reference (tests/reference.py, text in)",
            lambda r: ms(r["ref"]) + ("" if r["ref_ok"] else " DIFFERS"))
        row("ratio reference / (parse+check+evaluate)",
            lambda r: f"{r['ref'] / (r['load'] + r['eval1']):.1f}x")
        row("ratio reference / evaluate second run", lambda r: f"{r['ref'] / r['eval2']:.1f}x")
    else:
        rows.append(("reference", ["tests/reference.py missing"] * len(results), ""))
    row("non-finite warnings (base)", lambda r: str(r["warnings"]))

    head = ["", *(f"{r['n']:,} vars (N={r['reps']})" for r in results), "target"]
    w0 = max(len(head[0]), *(len(r[0]) for r in rows))
    ws = [max(len(head[i + 1]), *(len(r[1][i]) for r in rows)) for i in range(len(results))]
    lines = [f"{head[0]:<{w0}}  " + "  ".join(f"{h:>{w}}" for h, w in zip(head[1:-1], ws))
             + f"  {head[-1]}"]
    lines.append("-" * (len(lines[0]) + 20))
    for label, cells, target in rows:
        lines.append(f"{label:<{w0}}  " + "  ".join(f"{c:>{w}}" for c, w in zip(cells, ws))
                     + (f"  {target}" if target else ""))
    value, note = cli
    lines.append("")
    lines.append(f"{'scn run scenarios/ai_capex.scn':<{w0}}  "
                 + (f"{ms(value)} ({note})  target < 1 s: {verdict(value, TARGET_CLI)}"
                    if value is not None else note))
    return "\n".join(lines)


def profile(n_vars: int = 10_000, top: int = 25) -> None:
    import cProfile
    import pstats
    text = generate_info(n_vars, YEARS).text
    src = f"<generated {n_vars}>"
    for label, stmt in (("parse_document", lambda: parse_document(text, src)),
                        ("load_model", lambda: load_model(text, src))):
        print(f"\n=== {label}, {n_vars:,} variables ===")
        pr = cProfile.Profile()
        pr.runcall(stmt)
        pstats.Stats(pr).sort_stats("cumulative").print_stats(top)
    model = load_model(text, src)
    print(f"\n=== evaluate, first run (prepare + run), {n_vars:,} variables ===")
    pr = cProfile.Profile()
    pr.runcall(evaluate, model, "base")
    pstats.Stats(pr).sort_stats("cumulative").print_stats(top)
    print(f"\n=== evaluate, second run, {n_vars:,} variables ===")
    pr = cProfile.Profile()
    pr.runcall(evaluate, model, "base")
    pstats.Stats(pr).sort_stats("cumulative").print_stats(top)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000])
    ap.add_argument("--profile", action="store_true", help="profile the 10,000 case instead")
    args = ap.parse_args(argv)
    if args.profile:
        profile()
        return 0
    ref_eval = reference()
    results = []
    for n in args.sizes:
        reps = 3 if n <= 2000 else 2
        print(f"measuring {n:,} variables x {YEARS} years ...", file=sys.stderr, flush=True)
        results.append(measure(n, reps, ref_eval))
    cli = cli_time()
    print(f"scn benchmark: synthetic models (bench/generate.py, seed 0), {YEARS} years, "
          f"best of N; python {sys.version.split()[0]}, {os.cpu_count()} cpus, "
          f"load average {os.getloadavg()[0]:.1f} (figures are noisy when it exceeds the cpus)")
    print()
    print(table(results, cli, ref_eval is not None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
