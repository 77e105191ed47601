"""Deterministic dimensioned .scn models for benchmarks, with a numpy evaluator of the same model.

    model = generate_dims(200, members=1_000, years=30)   # seed 0
    model.text            # the .scn file: `dim unit = {u0000, ...}` and 200 variables
    model.evaluate()      # {name: array}: (members, years) by member, (years,) if not

Issue 11's speed target is stated against this pair: the whole `scn run`
process on `model.text` beside `model.evaluate()`, numpy doing the same
arithmetic on arrays shaped (members, years), in the same run
(`bench/bench_dims.py`).

The mix imitates a cohort or per-company sheet: about 10% member inputs
(member maps, one entry per member: a lookup table), a few dimensionless
inputs, about 10% recurrences per member (`x[2000] = {...}` then
`x = x[t-1] * (1 + g)`), 5% aggregates over the dim (`sum`, `mean`, `max`),
a few selections of one member (`x[u0042]`), and formulas over variables of
lower levels that pair members, broadcast dimensionless values over them,
and lag by a year. Values stay finite and positive where they divide.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

FIRST_YEAR = 2000


@dataclass
class DimsModel:
    text: str
    version1: str  # the same model written out member by member (`x__u0001`), for checking
    members: int
    years: int
    steps: list[Callable[[dict], None]] = field(repr=False)  # the numpy evaluation, in order

    def evaluate(self) -> dict[str, np.ndarray]:
        values: dict[str, np.ndarray] = {}
        for step in self.steps:
            step(values)
        return values


def generate_dims(n_vars: int = 200, members: int = 1_000, years: int = 30,
                  seed: int = 0) -> DimsModel:
    rng = random.Random(seed)
    names = [f"u{i:04d}" for i in range(members)]
    last = FIRST_YEAR + years - 1
    lines = [f'model "dims benchmark: {n_vars} variables x {members} members x {years} years"',
             f"years {FIRST_YEAR}..{last}", "",
             "dim unit = {", ",\n".join("  " + ", ".join(names[i:i + 10])
                                        for i in range(0, members, 10)), "}", ""]
    steps: list[Callable[[dict], None]] = []
    flat = [f"years {FIRST_YEAR}..{last}"]  # version 1: a variable per member

    def each(template: str) -> None:  # one version-1 line per member: {m} is the member
        flat.extend(template.format(m=m) for m in names)
    dimmed: list[str] = []   # amounts by member, all > 0
    rates: list[str] = []    # rates by member, 0..0.3
    scalars: list[str] = []  # dimensionless amounts, > 0
    k = 0

    def new(prefix: str) -> str:
        nonlocal k
        k += 1
        return f"{prefix}{k}"

    def member_map(values: np.ndarray, fmt: str) -> str:
        return "{\n" + "".join(f"  {m}: {format(v, fmt)},\n" for m, v in zip(names, values)) + "}"

    def shape(v: np.ndarray) -> np.ndarray:  # a per-member constant over the years
        return np.repeat(v[:, None], years, axis=1)

    n_inputs = max(4, n_vars // 10)
    for _ in range(n_inputs):  # member inputs: half amounts, half rates
        if len(dimmed) <= len(rates):
            name, v = new("base"), np.round(np.array([rng.uniform(10, 1000) for _ in names]), 1)
            lines.append(f"{name} = {member_map(v, '.1f')}")
            flat.extend(f"{name}__{m} = {x:.1f}" for m, x in zip(names, v))
            dimmed.append(name)
        else:
            name, v = new("rate"), np.round(np.array([rng.uniform(0.0, 0.3) for _ in names]), 3)
            lines.append(f"{name} = {member_map(v, '.3f')}")
            flat.extend(f"{name}__{m} = {x:.3f}" for m, x in zip(names, v))
            rates.append(name)
        steps.append(lambda d, name=name, v=v: d.__setitem__(name, shape(v.astype(float))))
    for _ in range(3):  # dimensionless inputs
        name, v = new("level"), round(rng.uniform(1, 10), 2)
        lines.append(f"{name} = {v}")
        flat.append(f"{name} = {v}")
        scalars.append(name)
        steps.append(lambda d, name=name, v=v: d.__setitem__(name, np.full(years, float(v))))
    for _ in range(max(2, n_vars // 10)):  # recurrences per member
        name, start, g = new("stock"), rng.choice(dimmed), rng.choice(rates)
        lines += [f"{name}[{FIRST_YEAR}] = {start}", f"{name} = {name}[t-1] * (1 + {g} / 10)"]
        each(f"{name}__{{m}}[{FIRST_YEAR}] = {start}__{{m}}")
        each(f"{name}__{{m}} = {name}__{{m}}[t-1] * (1 + {g}__{{m}} / 10)")

        def recur(d, name=name, start=start, g=g):
            out = np.empty((members, years))
            out[:, 0] = d[start][:, 0]
            for i in range(1, years):
                out[:, i] = out[:, i - 1] * (1 + d[g][:, i] / 10)
            d[name] = out
        steps.append(recur)
        dimmed.append(name)
    while k < n_vars:
        roll = rng.random()
        if roll < 0.06:  # an aggregate over the dim
            src, how = rng.choice(dimmed), rng.choice(("sum", "mean", "max"))
            name = new("total")
            lines.append(f"{name} = {how}({src}, unit)")
            terms = [f"{src}__{m}" for m in names]
            flat.append(f"{name} = " + {"sum": " + ".join(terms),
                                        "mean": f"({' + '.join(terms)}) / {members}",
                                        "max": f"max({', '.join(terms)})"}[how])
            fn = {"sum": np.sum, "mean": np.mean, "max": np.max}[how]
            steps.append(lambda d, name=name, src=src, fn=fn: d.__setitem__(name, fn(d[src], axis=0)))
            scalars.append(name)
        elif roll < 0.09:  # one member's value, as a dimensionless variable
            src, m = rng.choice(dimmed), rng.randrange(members)
            name = new("pick")
            lines.append(f"{name} = {src}[{names[m]}]")
            flat.append(f"{name} = {src}__{names[m]}")
            steps.append(lambda d, name=name, src=src, m=m: d.__setitem__(name, d[src][m].copy()))
            scalars.append(name)
        elif roll < 0.35:  # an amount times a rate, member by member
            a, r = rng.choice(dimmed), rng.choice(rates)
            name = new("part")
            lines.append(f"{name} = {a} * (1 + {r})")
            each(f"{name}__{{m}} = {a}__{{m}} * (1 + {r}__{{m}})")
            steps.append(lambda d, name=name, a=a, r=r: d.__setitem__(name, d[a] * (1 + d[r])))
            dimmed.append(name)
        elif roll < 0.55:  # a share of a total: broadcast of a dimensionless value
            a, s = rng.choice(dimmed), rng.choice(scalars)
            name = new("scaled")
            lines.append(f"{name} = {a} / {s} * 100")
            each(f"{name}__{{m}} = {a}__{{m}} / {s} * 100")
            steps.append(lambda d, name=name, a=a, s=s: d.__setitem__(name, d[a] / d[s] * 100))
            dimmed.append(name)
        elif roll < 0.75:  # a sum of two amounts
            a, b = rng.choice(dimmed), rng.choice(dimmed)
            name = new("sum")
            lines.append(f"{name} = {a} + {b}")
            each(f"{name}__{{m}} = {a}__{{m}} + {b}__{{m}}")
            steps.append(lambda d, name=name, a=a, b=b: d.__setitem__(name, d[a] + d[b]))
            dimmed.append(name)
        elif roll < 0.9:  # last year's value (the first year has none: its own)
            a = rng.choice(dimmed)
            name = new("lag")
            lines += [f"{name}[{FIRST_YEAR}] = {a}", f"{name}[{FIRST_YEAR + 1}..] = {a}[t-1]"]
            each(f"{name}__{{m}}[{FIRST_YEAR}] = {a}__{{m}}")
            each(f"{name}__{{m}}[{FIRST_YEAR + 1}..] = {a}__{{m}}[t-1]")

            def lag(d, name=name, a=a):
                out = d[a].copy()
                out[:, 1:] = d[a][:, :-1]
                d[name] = out
            steps.append(lag)
            dimmed.append(name)
        else:  # a rate from two rates
            a, b = rng.choice(rates), rng.choice(rates)
            name = new("blend")
            lines.append(f"{name} = ({a} + {b}) / 2")
            each(f"{name}__{{m}} = ({a}__{{m}} + {b}__{{m}}) / 2")
            steps.append(lambda d, name=name, a=a, b=b: d.__setitem__(name, (d[a] + d[b]) / 2))
            rates.append(name)
    return DimsModel("\n".join(lines) + "\n", "\n".join(flat) + "\n", members, years, steps)


if __name__ == "__main__":
    import argparse
    import sys

    p = argparse.ArgumentParser(description="write a dimensioned benchmark model to stdout")
    p.add_argument("variables", type=int, nargs="?", default=200)
    p.add_argument("--members", type=int, default=1_000)
    p.add_argument("--years", type=int, default=30)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    sys.stdout.write(generate_dims(a.variables, a.members, a.years, a.seed).text)
