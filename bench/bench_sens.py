"""Benchmarks of sensitivities (`make bench` calls these).

    python bench/bench_sens.py

- `bench_tornado_1k()`: the tornado of the 1,000-variable synthetic model
  (bench/generate.py, seed 0), for the output that reads the most inputs,
  on a freshly loaded model: base evaluation, sympy partials of every
  definition on the paths, one tangent run for every derivative and one
  batch run for every +/- perturbation. Target: under 3 s.
- `bench_formula_seed()`: d optics_tam / d asic_share of the bundled
  scenario as a simplified formula, on a freshly loaded model with sympy's
  cache cleared. Target: under 1 s.

Each figure is the best of 3 (time.perf_counter); loading the model is not
timed, importing sympy is not timed (the first call pays it once).
"""

from __future__ import annotations

import gc
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import generate  # noqa: E402
from engine import evaluate, load_model  # noqa: E402

TARGET_TORNADO = 3.0
TARGET_FORMULA = 1.0
SEED = ROOT / "scenarios" / "ai_capex.scn"


def _best(fn, setup, n: int = 3) -> float:
    times = []
    for _ in range(n):
        arg = setup()
        gc.collect()
        t0 = time.perf_counter()
        fn(arg)
        times.append(time.perf_counter() - t0)
    return min(times)


def widest_output(model) -> str:
    """The variable that reads the most inputs (ties: the last in the file)."""
    from engine.sensitivity import levers

    plan = evaluate(model).plan
    return max(model.variables,
               key=lambda v: (len(levers(model, plan, v)), model.variables.index(v)))


def tornado_case():
    """(model text, output, number of levers) of the 1,000-variable benchmark."""
    from engine.sensitivity import levers

    text = generate(1000)
    m = load_model(text, "synthetic-1000.scn")
    out = widest_output(m)
    return text, out, len(levers(m, evaluate(m).plan, out))


def bench_tornado_1k() -> float:
    """Seconds for the tornado of the 1,000-variable model's widest output."""
    from engine.sensitivity import tornado

    text, out, _ = tornado_case()
    return _best(lambda m: tornado(m, out), lambda: load_model(text, "synthetic-1000.scn"))


def bench_formula_seed() -> float:
    """Seconds for d optics_tam / d asic_share of the bundled scenario, simplified."""
    from sympy.core.cache import clear_cache

    from engine.sensitivity import derivative_formula

    text = SEED.read_text()

    def fresh():
        clear_cache()
        return load_model(text, str(SEED))
    return _best(lambda m: derivative_formula(m, "optics_tam", "asic_share"), fresh)


def main() -> None:
    import sympy  # noqa: F401 - imported once, outside every timing

    _, out, k = tornado_case()
    t = bench_tornado_1k()
    print(f"tornado, 1,000 variables ({out}: {k} inputs, {2 * k + 1} perturbation rows, "
          f"{2 * k} tangent rows): {t:.3f} s (target {TARGET_TORNADO:g} s)")
    f = bench_formula_seed()
    print(f"formula d optics_tam / d asic_share, seed model: {f:.3f} s "
          f"(target {TARGET_FORMULA:g} s)")


if __name__ == "__main__":
    main()
