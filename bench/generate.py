"""Deterministic synthetic .scn models for benchmarks.

    text = generate(10_000)                 # years 2000..2029, seed 0
    info = generate_info(10_000)            # the same text plus what the generator knows
    info.small_input, info.small_count      # an input with < 100 dependents
    info.large_input, info.large_count      # the input with the most dependents
    downstream_small_input(text)            # (name, dependents) found from the text alone

The mix imitates a large planning model split into sections of about 250
variables: ~20% inputs (constants with % / B / M suffixes, year maps that
cover every year, interp, step), ~10% recurrences (`x[2000] = ...` plus
`x = x[t-1] * (1 + g)` or `x = x[t-1] + d`), the rest formulas over
variables of lower levels: sums and differences of amounts, amounts times
rates, ratios, `max`/`min`/`if`, lags guarded by a first-year definition,
`growth` on [2001..] and range sums. Every computed variable has a global
level and reads at least one variable of the level just below, so the same
year dependency chains are `depth` levels deep (20 to 50 by size). Most
operands come from the same section; a few reach into earlier sections, as
summary lines of one sheet feed another. Two scenario blocks redefine a few
inputs (the second extends the first).

Values stay finite: amounts are added, subtracted, multiplied by rates
(0..~1) or divided into bounded ratios; growth rates of amounts are only
used as `if` conditions and outputs.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

WORDS = ("revenue", "capex", "opex", "units", "price", "cost", "margin", "share", "payroll",
         "rent", "power", "servers", "optics", "wafers", "tax", "interest", "fees", "churn",
         "subs", "ads", "cloud", "chips", "memory", "network", "storage", "freight", "royalty")

SECTION_SIZE = 250
AMOUNT, RATE, METRIC = "amount", "rate", "metric"


@dataclass
class Var:
    name: str
    kind: str  # amount, rate or metric (metrics feed only conditions and outputs)
    level: int
    section: int
    lines: list[str]
    deps: set[str] = field(default_factory=set)
    is_input: bool = False
    pos: bool = True  # known to stay > 0 in every year


@dataclass
class Generated:
    text: str
    depth: int
    variables: dict[str, Var]
    small_input: str
    small_count: int  # variables depending on small_input (itself excluded)
    large_input: str
    large_count: int


def depth_for(n_vars: int) -> int:
    """Same-year chain length: 20 for tiny models up to 50, 30 at 1,000, 40 at 10,000."""
    import math
    return max(20, min(50, 30 + round(10 * math.log10(max(n_vars, 1) / 1000))))


def generate(n_vars: int, years: int = 30, seed: int = 0, distributions: bool = False) -> str:
    text = generate_info(n_vars, years, seed).text
    return with_distributions(text, seed) if distributions else text


# An uncertain factor per input, as analysts write ranges: every kind of distribution,
# each centred near 1 so that the model's values stay where they were.
_FACTORS = ("normal(1, 5%)", "(90% to 110%)", "uniform(0.9, 1.1)", "triangular(0.85, 1, 1.1)",
            "lognormal(0, 0.08)")
_INPUT = re.compile(r"^(\w+) = ((?:interp|step)\(.*\)|[0-9][0-9.]*[%kMB]?)$")


def with_distributions(text: str, seed: int = 0) -> str:
    """A generated model whose inputs (plain numbers, interp and step; not year maps)
    are multiplied by a distribution: the Monte Carlo benchmark's model. Drawn from
    a random stream of its own, so the model without them is unchanged."""
    rng = random.Random(seed + 1)
    out = []
    for line in text.split("\n"):
        m = _INPUT.match(line)
        if m:
            line = f"{m.group(1)} = {m.group(2)} * {rng.choice(_FACTORS)}"
        out.append(line)
    return "\n".join(out)


_YEAR = re.compile(r"(?<!\w)(?<![0-9]\.)(2[01][0-9][0-9])(?![\w%]|\.[0-9])")


def monthly(text: str) -> str:
    """A generated model with its periods read as months: `years 2000..2119` becomes
    `months 2000-01..2009-12`, and every year written in a selector, range, key or
    scenario (the generator writes years from 2000 only there, amounts carry a
    unit or `_`) the month as many periods after 2000-01 (2013 -> 2001-02). The
    same shapes over 120 months: recurrences, interp and step keys, range sums."""
    def month(m: re.Match) -> str:
        k = int(m.group(1)) - 2000
        return f"{2000 + k // 12:04d}-{k % 12 + 1:02d}"

    head, _, body = text.partition("\n\n")
    lines = head.split("\n")
    axis = next(i for i, line in enumerate(lines) if line.startswith("years "))
    first, last = (int(x) for x in lines[axis].split()[1].split(".."))
    lines[axis] = "months " + "..".join(month(re.match(r"(.*)", str(y))) for y in (first, last))
    return "\n".join(lines) + "\n\n" + _YEAR.sub(month, body)


def generate_info(n_vars: int, years: int = 30, seed: int = 0) -> Generated:
    return _Gen(n_vars, years, seed).build()


class _Gen:
    def __init__(self, n_vars: int, years: int, seed: int):
        if n_vars < 20:
            raise ValueError("generate needs at least 20 variables")
        if years < 12:
            raise ValueError("generate needs at least 12 years")
        self.n = n_vars
        self.first, self.last = 2000, 2000 + years - 1
        self.rng = random.Random(seed)
        self.depth = depth_for(n_vars)
        self.vars: dict[str, Var] = {}
        self.counter = 0
        # pools[(section, level)] -> names; by_level[level] -> names (all sections)
        self.pools: dict[tuple[int, int], list[str]] = {}
        self.by_level: dict[int, list[str]] = {}
        self.inputs: list[str] = []

    # ------------------------------------------------------------ helpers

    def fresh(self, section: int) -> str:
        self.counter += 1
        return f"{self.rng.choice(WORDS)}_{self.counter:05d}"

    def add(self, v: Var) -> None:
        self.vars[v.name] = v
        self.pools.setdefault((v.section, v.level), []).append(v.name)
        self.by_level.setdefault(v.level, []).append(v.name)
        if v.is_input:
            self.inputs.append(v.name)

    def rate_lit(self, lo=0.5, hi=12.0) -> str:
        return f"{self.rng.uniform(lo, hi):.1f}%"

    def amount_lit(self, unit: str | None = None) -> str:
        """An amount such as 12.5B, 350M or 420_000 (in `unit` when given: B, M or k)."""
        if unit is None:
            r = self.rng.random()
            unit = "B" if r < 0.5 else ("M" if r < 0.85 else "k")
        if unit == "B":
            return f"{self.rng.uniform(0.5, 90):.1f}B"
        if unit == "M":
            return f"{self.rng.randint(5, 900)}M"
        return f"{self.rng.randint(1, 900) * 1000:_}"

    def pick(self, section: int, below: int, kind: str | None, exact: bool = False,
             local: float = 0.93) -> str | None:
        """A variable of `kind` at level `below` (exact) or any level < `below`."""
        rng = self.rng
        levels = [below] if exact else list(range(0, below + 1))
        for _ in range(12):
            lv = levels[-1] if exact else rng.choice(levels[:-1] or levels)
            if rng.random() < local:
                pool = self.pools.get((section, lv), [])
            else:
                pool = self.by_level.get(lv, [])
            cands = [p for p in pool if kind is None or self.vars[p].kind == kind]
            if cands:
                return rng.choice(cands)
        # fall back to anything suitable below the level
        for lv in (levels if exact else range(below - 1, -1, -1)):
            cands = [p for p in self.by_level.get(lv, [])
                     if kind is None or self.vars[p].kind == kind]
            if cands:
                return rng.choice(cands)
        return None

    # ------------------------------------------------------------ inputs

    def make_input(self, section: int) -> Var:
        rng, f, l = self.rng, self.first, self.last
        name = self.fresh(section)
        kind = AMOUNT if rng.random() < 0.45 else RATE
        unit = rng.choice("BBBBMMMk")  # one unit per input, as analysts write them
        lit = (lambda: self.amount_lit(unit)) if kind == AMOUNT else self.rate_lit
        r = rng.random()
        if r < 0.45:
            rhs = lit()
        elif r < 0.7:  # a year map covering every year
            a = rng.randint(f + 2, f + (l - f) // 2)
            b = rng.randint(a + 1, l - 1)
            head = f"{f}..{a - 1}" if rng.random() < 0.5 else f"..{a - 1}"
            rhs = f"{{{head}: {lit()}, {a}..{b}: {lit()}, {b + 1}..: {lit()}}}"
        elif r < 0.88:
            mid = rng.randint(f + 3, l - 3)
            end = l + rng.choice((0, 0, 5))
            rhs = f"interp({{{f}: {lit()}, {mid}: {lit()}, {end}: {lit()}}})"
        else:
            a = rng.randint(f + 2, f + 12)
            rhs = f"step({{{f}: {lit()}, {a}: {lit()}, {a + 8}: {lit()}}})"
        lines = [f"{name} = {rhs}"]
        if rng.random() < 0.15:
            lines.insert(0, f"## input: {kind} assumption")
        return Var(name, kind, 0, section, lines, is_input=True)

    # ------------------------------------------------------------ recurrences

    def make_recurrence(self, section: int, level: int) -> Var:
        """`x[2000] = start` and `x = x[t-1] * (1 + rate)` or `x = x[t-1] + amount * k`."""
        rng, f = self.rng, self.first
        name = self.fresh(section)
        start, ok = self.amount_lit(), True
        if rng.random() < 0.25 and level > 1:
            a = self.pick(section, level, AMOUNT, local=1.0)
            if a:
                start, ok = f"{a}[{f}] * {self.rate_lit(20, 80)}", self.vars[a].pos
        rate = self.pick(section, level - 1, RATE, exact=True)
        amount = self.pick(section, level - 1, AMOUNT, exact=True)
        if rate is not None and (amount is None or rng.random() < 0.7):
            body = f"{name}[t-1] * (1 + {rate})"
        else:
            amount = amount or self.pick(section, level - 1, RATE)
            body = f"{name}[t-1] + {amount} * {self.rate_lit(1, 10)}"
            ok = ok and self.vars[amount].pos
        lines = [f"{name}[{f}] = {start}", f"{name} = {body}"]
        return self._var(name, AMOUNT, level, section, lines, ok)

    # ------------------------------------------------------------ formulas

    def make_formula(self, section: int, level: int) -> Var:
        """A formula at `level`: one operand from level-1, the others from below.

        Rates stay within [0, 1]; `pos` tracks amounts known to be > 0, the only
        ones `growth` is taken of (growth of a series that touches 0 is n/a).
        """
        rng, f = self.rng, self.first
        name = self.fresh(section)
        anchor = self.pick(section, level - 1, None, exact=True)
        V = self.vars
        ak, ap = V[anchor].kind, V[anchor].pos
        P = lambda kind: self.pick(section, level - 1, kind)  # noqa: E731 (any lower level)
        pos = lambda *names: all(V[x].pos for x in names)  # noqa: E731
        r = rng.random()
        kind, ok = AMOUNT, True
        lines: list[str]
        if ak == METRIC:
            a, b = P(AMOUNT), P(AMOUNT)
            rhs, ok = f"if({anchor} > 0, {a}, {b} * {self.rate_lit(50, 99)})", pos(a, b)
        elif ak == RATE:
            if r < 0.45:
                a = P(AMOUNT)
                if rng.random() < 0.5:
                    rhs, ok = f"{a} * {anchor}", pos(a, anchor)
                else:
                    rhs, ok = f"{a} * (1 + {anchor})", pos(a)
            elif r < 0.85:
                b, c = P(RATE), P(RATE)
                kind = RATE
                rhs, ok = rng.choice((
                    (f"min({anchor} + {b}, 1)", ap or pos(b)),
                    (f"{anchor} * {b}", pos(anchor, b)),
                    (f"abs({anchor} - {b})", False),
                    (f"max({anchor}, {b})", ap or pos(b)),
                    (f"min({anchor}, {b}, {c})", pos(anchor, b, c)),
                    (f"({anchor} + {b} + {c}) / 3", ap or pos(b) or pos(c))))
            else:
                a, b = P(AMOUNT), P(AMOUNT)
                rhs = f"if({anchor} > {self.rate_lit(1, 8)}, {a} * {anchor}, {b} * {anchor})"
                ok = pos(a, b, anchor)
        else:  # amount anchor
            if r < 0.06 and not ap:
                r = 0.95  # growth only of a series known to stay > 0
            if r < 0.06:  # growth: an output and a condition, never an operand
                lines = [f"{name}[{f}] = 0%", f"{name}[{f + 1}..] = growth({anchor})"]
                return self._var(name, METRIC, level, section, lines, False)
            if r < 0.34:
                ops = [anchor] + [P(AMOUNT) for _ in range(rng.randint(1, 3))]
                signs = [rng.choice("++-") for _ in ops[1:]]
                rhs = ops[0] + "".join(f" {s} {o}" for s, o in zip(signs, ops[1:]))
                ok = "-" not in signs and pos(*ops)
            elif r < 0.56:
                rt, rt2 = P(RATE), P(RATE)
                rhs, ok = rng.choice(((f"{anchor} * {rt}", pos(anchor, rt)),
                                      (f"{anchor} * (1 - {rt})", False),
                                      (f"{anchor} * {rt} * {rt2}", pos(anchor, rt, rt2))))
            elif r < 0.64:
                b = P(AMOUNT)
                rhs, ok, kind = f"min(abs({anchor} / ({b} + 1)), 1)", ap, RATE
            elif r < 0.74:
                b, c = P(AMOUNT), P(AMOUNT)
                rhs, ok = rng.choice(((f"max({anchor}, 0)", False),
                                      (f"max({anchor} - {b}, {c} * 10%)", pos(c)),
                                      (f"min({anchor}, {b})", pos(anchor, b)),
                                      (f"if({anchor} > {b}, {anchor}, {c})", pos(anchor, c))))
            elif r < 0.84:  # a lag, guarded by a first-year definition
                b = P(AMOUNT)
                lines = [f"{name}[{f}] = {anchor}",
                         f"{name}[{f + 1}..] = {anchor} + {b}[t-1] * {self.rate_lit(1, 20)}"]
                return self._var(name, AMOUNT, level, section, lines, pos(anchor, b))
            elif r < 0.90:  # range aggregate: one number, the same in every year
                rt = P(RATE)
                rhs, ok = rng.choice(((f"sum({anchor}[{f}..{f + 9}]) * {rt} / 10", pos(anchor, rt)),
                                      (f"mean({anchor}[{f}..{f + 9}]) * (1 + {rt})", ap)))
            else:
                b = P(AMOUNT)
                rhs, ok = f"{anchor} - {b} * {self.rate_lit(10, 60)}", False
        return self._var(name, kind, level, section, [f"{name} = {rhs}"], ok)

    def _var(self, name, kind, level, section, lines, pos) -> Var:
        deps = {w for line in lines for w in re.findall(r"[A-Za-z_]\w*", line.split("=", 1)[1])
                if w in self.vars and w != name}
        return Var(name, kind, level, section, lines, deps, pos=pos)

    # ------------------------------------------------------------ assembly

    def build(self) -> Generated:
        rng = self.rng
        n_sections = max(1, round(self.n / SECTION_SIZE))
        sizes = [self.n // n_sections + (1 if i < self.n % n_sections else 0)
                 for i in range(n_sections)]
        order: list[list[str]] = []  # names per section, file order
        # inputs of every section first, so cross-section reads at any level find them
        computed: list[tuple[int, int]] = []
        for s, size in enumerate(sizes):
            n_in = max(2, round(size * 0.2))
            names = []
            for _ in range(n_in):
                v = self.make_input(s)
                self.add(v)
                names.append(v.name)
            order.append(names)
            computed.append((s, size - n_in))
        # computed variables level by level (all sections), so every level exists everywhere
        plan: dict[int, list[tuple[int, bool]]] = {}
        for s, n_comp in computed:
            n_rec = round(n_comp * 0.10 / 0.80)
            kinds = [True] * n_rec + [False] * (n_comp - n_rec)
            rng.shuffle(kinds)
            for j, is_rec in enumerate(kinds):
                level = 1 + (j * self.depth) // max(n_comp, 1)
                if j < self.depth:  # make sure the first levels each hold one
                    level = 1 + j
                plan.setdefault(level, []).append((s, is_rec))
        for level in sorted(plan):
            for s, is_rec in plan[level]:
                v = (self.make_recurrence(s, level) if is_rec
                     else self.make_formula(s, level))
                self.add(v)
                order[s].append(v.name)
        lines = [f'model "Synthetic benchmark, {self.n} variables"',
                 f"years {self.first}..{self.last}", ""]
        for s, names in enumerate(order):
            lines.append(f'section "Block {s + 1}"')
            for name in names:
                lines.extend(self.vars[name].lines)
            lines.append("")
        lines.extend(self.scenarios())
        text = "\n".join(lines) + "\n"
        small, small_n, large, large_n = self.pick_inputs()
        return Generated(text, self.depth, self.vars, small, small_n, large, large_n)

    def scenarios(self) -> list[str]:
        rng, f = self.rng, self.first
        rates = [v for v in self.inputs if self.vars[v].kind == RATE]
        amounts = [v for v in self.inputs if self.vars[v].kind == AMOUNT]
        out = ['scenario high "Faster growth" {']
        for v in rng.sample(rates, min(4, len(rates))):
            out.append(f"  {v} = {self.rate_lit(5, 15)}")
        for v in rng.sample(amounts, min(2, len(amounts))):
            out.append(f"  {v}[{f + 10}..] = {self.amount_lit()}")
        out.append("}")
        out.append('scenario stress extends high "Stress case" {')
        for v in rng.sample(rates, min(3, len(rates))):
            out.append(f"  {v} = interp({{{f}: {self.rate_lit()}, {f + 20}: {self.rate_lit()}}})")
        out.append("}")
        return out

    def downstream_counts(self) -> dict[str, int]:
        return dependents_counts(self.vars, self.inputs)

    def pick_inputs(self) -> tuple[str, int, str, int]:
        counts = self.downstream_counts()
        large = max(counts, key=lambda v: (counts[v], v))
        under = [v for v in counts if 0 < counts[v] < 100]
        if not under:
            under = [min(counts, key=counts.get)]
        small = max(under, key=lambda v: (counts[v], v))  # the busiest one under 100
        return small, counts[small], large, counts[large]


def dependents_counts(variables: dict[str, Var], inputs) -> dict[str, int]:
    """For each of `inputs`, how many variables depend on it (itself excluded)."""
    rev: dict[str, list[str]] = {v: [] for v in variables}
    for v in variables.values():
        for d in v.deps:
            rev[d].append(v.name)
    out = {}
    for name in inputs:
        seen, stack = {name}, [name]
        while stack:
            for w in rev[stack.pop()]:
                if w not in seen:
                    seen.add(w)
                    stack.append(w)
        out[name] = len(seen) - 1
    return out


def downstream_small_input(text: str) -> tuple[str, int]:
    """From the text alone: the input (constant-like definition) with the most
    dependents below 100, and its dependents count (itself excluded)."""
    small, n, _, _ = inputs_by_reach(text)
    return small, n


def inputs_by_reach(text: str) -> tuple[str, int, str, int]:
    """(small input, its dependents, large input, its dependents), found with the engine."""
    from engine import load_model, prepare
    model = load_model(text, "<generated>")
    graph = prepare(model).graph
    rev = graph.dependents()
    counts: dict[str, int] = {}
    for v, ds in graph.deps.items():
        if ds:
            continue  # reads nothing: an input
        seen, stack = {v}, [v]
        while stack:
            for w in rev.get(stack.pop(), ()):
                if w not in seen:
                    seen.add(w)
                    stack.append(w)
        counts[v] = len(seen) - 1
    large = max(counts, key=lambda v: (counts[v], v))
    under = [v for v in counts if 0 < counts[v] < 100] or [min(counts, key=counts.get)]
    small = max(under, key=lambda v: (counts[v], v))
    return small, counts[small], large, counts[large]


def edit_input(text: str, name: str, factor: float = 1.1) -> str:
    """The text with the base definition(s) of input `name` scaled by `factor`
    (`x = RHS` becomes `x = (RHS) * 1.1`; a year-map definition gets each value scaled)."""
    out = []
    in_block = False
    pat = re.compile(rf"^{re.escape(name)} = (.*)$")
    for line in text.splitlines():
        if line.startswith("scenario "):
            in_block = True
        elif line.strip() == "}":
            in_block = False
        m = None if in_block else pat.match(line)
        if m:
            rhs = m.group(1)
            if rhs.startswith("{"):
                rhs = re.sub(r"(:\s*)([^,}]+)", rf"\1(\2) * {factor}", rhs)
                line = f"{name} = {rhs}"
            elif rhs.startswith(("interp(", "step(")):
                line = f"{name} = {rhs} * {factor}"
            else:
                line = f"{name} = ({rhs}) * {factor}"
        out.append(line)
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    """`python bench/generate.py [N] [--years Y] [--seed S] [-o OUT]`: a model on stdout or in OUT."""
    import argparse
    import sys

    ap = argparse.ArgumentParser(
        prog="bench/generate.py",
        description="Print a deterministic synthetic .scn model (the models `make bench` times).")
    ap.add_argument("variables", nargs="?", type=int, default=1000, metavar="N",
                    help="number of variables, at least 20 (default: 1000)")
    ap.add_argument("--months", action="store_true",
                    help="the same model over months: --years 120 is 2000-01..2009-12")
    ap.add_argument("--years", type=int, default=30, metavar="Y",
                    help="number of model years, at least 12 (default: 30, from 2000)")
    ap.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    ap.add_argument("-o", "--output", metavar="OUT", help="write the model to OUT, not stdout")
    args = ap.parse_args(argv)
    try:
        text = generate(args.variables, args.years, args.seed)
        if args.months:
            text = monthly(text)
    except ValueError as e:
        ap.error(str(e))
    if args.output is None:
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    return 0


if __name__ == "__main__":  # python bench/generate.py 1000 > /tmp/m.scn
    raise SystemExit(main())
