"""Inputs for the command-line fuzz harness (`test_fuzz_cli.py`): files, snapshots, options.

A `Case` is a command line and the files it reads, written into a fresh
folder. Files come from `strategies.py` (random valid models, junk, mutated
models) and from here: hostile fragments taken from real reports (huge
literals, deep nesting, invisible line ends, bytes that are not UTF-8, a
BOM, escape sequences), inputs grown by repetition (so that a time budget
scaled to the size catches super-linear work), and TOML snapshots (valid,
mutated, hostile). Options are drawn from the model's own names, years and
scenarios, mixed with junk.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st

from strategies import NAME_POOL, junk_text, models, mutate, mutation

COMMANDS = ("run", "mc", "check", "sens", "sweep", "explain", "goal", "snapshot", "diff",
            "textconv", "fmt", "graph")


@dataclass
class Source:
    """A model file's bytes, with what options may refer to."""

    data: bytes
    names: list[str]
    years: list[int]
    scenarios: list[str] = field(default_factory=lambda: ["base"])
    overrides: list[str] = field(default_factory=list)


@dataclass
class Case:
    argv: list[str]
    files: dict[str, bytes]  # name in the case's folder -> content
    snapshot_of: str | None = None  # write a snapshot of this file first (as snap.toml)

    @property
    def size(self) -> int:
        return sum(len(b) for b in self.files.values()) + sum(len(a) for a in self.argv)

    def __repr__(self) -> str:  # what hypothesis prints for a failing example
        files = {k: (v if len(v) < 3000 else v[:3000] + b"...") for k, v in self.files.items()}
        return f"Case(argv={self.argv!r}, files={files!r}, snapshot_of={self.snapshot_of!r})"


# ---------------------------------------------------------------- hostile text

DIGITS = "9" * 5000
HOSTILE_LINES = [
    "x = 1e1000000", "x = 1e99999999999999999999", "x = 0e999999999999999999", "x = -1e-400",
    f"x = {DIGITS}", f"x[{DIGITS}] = 1", f"x = x[t-{DIGITS}]", f"x = cagr(x, {DIGITS}, 2024)",
    f"x = {{{DIGITS}: 1}}", "years 2024..99999999999", "years 1..100000", f"years 1..{DIGITS}",
    "years 2030..2024", "years 2024Q1..2025Q4", "x = " + "(" * 3000 + "1" + ")" * 3000,
    "x = " + "-" * 3000 + "1", "x = " + " + ".join(["1"] * 3000), "x = " + "not " * 3000 + "1",
    "x = 1\u2028y = 2", "# note\u2029x = 99", "x = 1\x85y = 2", "x = 1\x0bz = 3", "x = 1\r",
    "x\u00a0= 1", "x = \u0661\u0662", "x = \uff11", 'model "\x1b[2J\x1b]0;owned\x07Title"',
    "x = 1 # " + "a" * 50000, "x = a" + " " * 20000, "x = (" + " " * 20000,
    "x = 1_000_000_000_000_000_000_000_000_000_000", "x = 1e308 * 10", "x = 0/0", "x = ln(-1)",
    "x = normal(5, -1)", "x = uniform(10, 0)", "x = 20% to 10%", "x = lognormal(0, -1)",
    "scenario s extends s {", "scenario s extends nosuch {", "}", "{", "x = sum(x[..])",
    "x = x[t+1000000]", "section \"\x00\"", "x = 1\x00", "\t\tx = 1", "x[t] = 1", "x = t ^ t ^ t",
    "x = 10 ^ 400", "x = round(1, 400)", "x = round(1, -400)", "x = exp(1e10)",
]


@st.composite
def hostile(draw, base: str) -> str:
    """`base` with a few hostile lines put in (or fragments spliced into a line)."""
    lines = base.split("\n")
    for _ in range(draw(st.integers(1, 3))):
        fragment = draw(st.sampled_from(HOSTILE_LINES))
        i = draw(st.integers(0, len(lines)))
        if draw(st.booleans()) or not lines:
            lines.insert(i, fragment)
        else:
            i = min(i, len(lines) - 1)
            j = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:j] + fragment.split(" = ")[-1] + lines[i][j:]
    return "\n".join(lines)


GROWN = [
    "x = {i}", "x[{y}] = {i}", "v{i} = v{p} + 1", "v{i} = 1", "x = y\ny = x",
    "scenario s{i} extends s{p} {{\n  v0 = {i}\n}}", "v{i} = (", "v{i} = 1 +", "  ", "# {i}",
    "v{i} = sum(v{p}[..])", "v{i} = if(v{p} > 1, v{p}, 0)",
]


@st.composite
def grown(draw) -> str:
    """One line repeated N times, numbered: duplicates, chains, scenario chains, errors."""
    pattern = draw(st.sampled_from(GROWN))
    n = draw(st.integers(10, 400))
    lines = ["years 2020..2030", "v0 = 1", "scenario s0 {", "}"]
    lines += [pattern.format(i=i, p=i - 1, y=2020 + i % 11) for i in range(1, n + 1)]
    return "\n".join(lines) + "\n"


def _bytes_mutation():
    return st.sampled_from([
        lambda b: b, lambda b: b, lambda b: b, lambda b: b"\xef\xbb\xbf" + b,
        lambda b: b.replace(b"\n", b"\r\n"), lambda b: b.replace(b"\n", b"\r"),
        lambda b: b[: len(b) // 2] + b"\xff\xfe" + b[len(b) // 2:], lambda b: b + b"\x00",
        lambda b: b.replace(b" = ", b" =\xc2\xa0", 1), lambda b: b[: len(b) // 3],
    ])


@st.composite
def sources(draw) -> Source:
    """A model file: valid, junk, mutated, hostile or grown; sometimes mangled as bytes."""
    kind = draw(st.sampled_from(["valid", "valid", "junk", "hostile", "hostile", "grown"]))
    if kind in ("valid", "hostile"):
        # Now and then with dims: every command must refuse them in words, not crash.
        gm = draw(models(max_vars=6, max_years=6, max_scenarios=2,
                         dims=draw(st.integers(0, 5)) == 0))
        text = gm.text if kind == "valid" else draw(hostile(gm.text))
        if kind == "valid" and draw(st.integers(0, 3)) == 0:
            text = mutate(text, draw(st.lists(mutation(), min_size=1, max_size=3)))
        src = Source(b"", gm.variables, list(range(gm.first, gm.last + 1)), gm.scenarios,
                     gm.overrides)
    else:
        text = draw(junk_text()) if kind == "junk" else draw(grown())
        src = Source(b"", ["x", "y", "v0", "v1", "v2"], list(range(2020, 2031)),
                     ["base", "s0", "s1"])
    src.data = draw(_bytes_mutation())(text.encode("utf-8", "surrogatepass"))
    return src


# ---------------------------------------------------------------- snapshots (TOML)

HOSTILE_TOML = [
    "[model]\nfirst_year = 0\nlast_year = 1000000000000\nsnapshot_format = 1\n",
    "[model]\nfirst_year = 0\nlast_year = 1e12\nsnapshot_format = 1\n",
    f"[model]\nfirst_year = {DIGITS}\nlast_year = {DIGITS}\nsnapshot_format = 1\n",
    "[model]\nfirst_year = -5\nlast_year = 99999999\nsnapshot_format = 1\n",
    f'[model]\nfirst_year = 2024\nlast_year = 2025\nsnapshot_format = 1\n[base.x]\n"{DIGITS}" = 1\n',
    "a = " + "[" * 10000 + "]" * 10000 + "\n", "a = " + "{b = " * 3000 + "1" + "}" * 3000 + "\n",
    "[model]\nfirst_year = 2024\nlast_year = 2025\nsnapshot_format = 1\n[base.x]\n2024 = \"s\"\n",
    "[model]\nfirst_year = 2024\nlast_year = 2025\nsnapshot_format = 1\n[base]\nx = 1\n",
    "[model]\nfirst_year = 2024\nlast_year = 2025\nsnapshot_format = 1\n[base.x]\n2024 = nan\n"
    "2025 = inf\n[model2.y]\n2024 = 1e308\n",
    "[model]\nfirst_year = 2024\nlast_year = 2025\nsnapshot_format = 1\n[base.x]\n2024 = 1"
    + "0" * 400 + "\n",
    "[model]\nsnapshot_format = 99\n", "[model]\nsnapshot_format = 1\n", "x = 1\n", "[[model]]\n",
    "\ufeff[model]\n", "[model\n", "",
]


@st.composite
def snapshot_texts(draw, of_model: bool) -> bytes | None:
    """None: a snapshot of the case's model, written by `scn snapshot` first; else TOML text."""
    if of_model and draw(st.booleans()):
        return None
    kind = draw(st.sampled_from(["hostile", "junk", "mutated"]))
    if kind == "hostile":
        return draw(st.sampled_from(HOSTILE_TOML)).encode()
    if kind == "junk":
        return draw(st.text(max_size=300)).encode("utf-8", "surrogatepass")
    base = draw(st.sampled_from(HOSTILE_TOML[6:10]))
    return mutate(base, draw(st.lists(mutation(), min_size=1, max_size=5))).encode()


# ---------------------------------------------------------------- options

JUNK_VALUES = ["", " ", "abc", "-1", "0", "1e999", "nan", "inf", DIGITS, "x[", "]", "[2024]",
               "\u0661\u0662", "a\u2028b", "\x1b[2J", "--", "-", "=", "1,000", "2024.5"]


def _one_of(draw, good: list[str], junk_share: int = 4) -> str:
    if good and draw(st.integers(0, junk_share)) != 0:
        return draw(st.sampled_from(good))
    return draw(st.sampled_from(JUNK_VALUES + NAME_POOL[:8]))


def _cell(draw, src: Source, year: bool | None = None) -> str:
    name = _one_of(draw, src.names)
    if year is None:
        year = draw(st.booleans())
    return f"{name}[{_one_of(draw, [str(y) for y in src.years])}]" if year else name


def _number(draw) -> str:
    return draw(st.sampled_from(["0", "1", "75B", "-1", "35%", "1e9", "1e308", "1e1000000",
                                 DIGITS, "0/0", "abc", "x", "1 +", "2024"]))


@st.composite
def command_lines(draw, command: str) -> Case:
    """A command line for `command` and the files it reads (m.scn, and for diff a second)."""
    src = draw(sources())
    files = {"m.scn": src.data}
    opt: list[str] = []

    def maybe(flag: str, value) -> None:
        if draw(st.integers(0, 2)) == 0:
            opt.extend([f"{flag}={value() if callable(value) else value}"])

    scenario = lambda: _one_of(draw, src.scenarios)  # noqa: E731
    sets = lambda: _one_of(draw, src.overrides + [f"{n} = 1" for n in src.names[:2]])  # noqa
    year = lambda: _one_of(draw, [str(y) for y in src.years])  # noqa: E731
    output = lambda: draw(st.sampled_from(["out.txt", "out.txt", "m.scn", ".", "no/dir/x"]))  # noqa
    snapshot_of = None
    if command == "run":
        fmt = draw(st.sampled_from(["table", "csv", "json", "md", "parquet"]))
        argv = ["run", "m.scn", f"--format={fmt}"]
        if fmt == "parquet" or draw(st.booleans()):
            opt.append(f"--output={output()}")
        if draw(st.booleans()):
            opt.append("--all-scenarios")
        else:
            maybe("--scenario", scenario)
        maybe("--set", sets)
        maybe("--vars", lambda: ",".join(draw(st.lists(st.sampled_from(src.names + [""]),
                                                       max_size=3))))
        if fmt != "table" and draw(st.booleans()):
            opt.append("--long")
    elif command == "mc":
        fmt = draw(st.sampled_from(["table", "csv", "json", "md", "parquet"]))
        argv = ["mc", "m.scn", f"--format={fmt}",
                f"--samples={draw(st.sampled_from(['1', '7', '64', '0', 'abc']))}"]
        if fmt == "parquet" or draw(st.booleans()):
            opt.append(f"--output={output()}")
        if draw(st.booleans()):
            opt.append("--all-scenarios")
        else:
            maybe("--scenario", scenario)
        maybe("--set", sets)
        maybe("--seed", lambda: draw(st.sampled_from(["0", "1", "-1", "99999999999"])))
        maybe("--percentiles", lambda: draw(st.sampled_from(["50", "5,95", "0,100", "x", ""])))
        maybe("--vars", lambda: ",".join(draw(st.lists(st.sampled_from(src.names + [""]),
                                                       max_size=3))))
        maybe("--drivers", lambda: _cell(draw, src))
        maybe("--raw", lambda: draw(st.sampled_from(["raw.parquet", "m.scn", "no/dir/r"])))
    elif command == "check":
        argv = ["check", "m.scn"] + (["m.scn"] if draw(st.booleans()) else [])
    elif command == "sens":
        argv = ["sens", "m.scn", _cell(draw, src)]
        for _ in range(draw(st.integers(0, 2))):
            opt.append(f"--wrt={_cell(draw, src)}")
        maybe("--year", year)
        maybe("--pct", lambda: draw(st.sampled_from(["10", "5%", "0.5", "99.99", "abc"])))
        if draw(st.booleans()):
            opt.append("--inline")
        maybe("--scenario", scenario)
        maybe("--set", sets)
        maybe("--format", lambda: draw(st.sampled_from(["table", "csv", "json", "md"])))
    elif command == "sweep":
        argv = ["sweep", "m.scn", _cell(draw, src, year=draw(st.integers(0, 3)) != 0)]
        for _ in range(draw(st.integers(1, 3))):
            values = draw(st.sampled_from([
                "1%..5%/1%", "1,2,3", "5%..1%/-2%", "1..2/0", "1..2/-1", "1..1e9/1", "", "1,1",
                "-1%,0,1e308", "1..2", "x", "1q", "0.1..0.3/0.1", DIGITS]))
            opt.append(f"--vary={_cell(draw, src, year=draw(st.integers(0, 5)) == 0)}={values}")
        maybe("--scenario", scenario)
        maybe("--set", sets)
        maybe("--format", lambda: draw(st.sampled_from(["table", "csv", "md"])))
        maybe("--output", output)
    elif command == "explain":
        argv = ["explain", "m.scn", _cell(draw, src, year=draw(st.integers(0, 5)) != 0)]
        if draw(st.booleans()):
            opt.append("--all")
        else:
            maybe("--depth", lambda: draw(st.sampled_from(["0", "1", "3", "50", "-1"])))
        if draw(st.booleans()):
            opt.append("--dependents")
        maybe("--scenario", scenario)
        maybe("--set", sets)
        maybe("--format", lambda: draw(st.sampled_from(["table", "json"])))
    elif command == "goal":
        target = f"{_cell(draw, src, year=draw(st.integers(0, 5)) != 0)} = {_number(draw)}"
        argv = ["goal", "m.scn", target, f"--vary={_cell(draw, src)}"]
        maybe("--vary-year", year)
        maybe("--scenario", scenario)
        maybe("--set", sets)
        maybe("--format", lambda: draw(st.sampled_from(["table", "json"])))
    elif command == "snapshot":
        argv = ["snapshot", "m.scn"]
        maybe("--scenario", scenario)
        maybe("--output", output)
    elif command == "diff":
        second = draw(st.sampled_from(["mutated", "source", "toml", "toml"]))
        if second == "mutated":
            files["n.scn"] = mutate(src.data.decode("utf-8", "replace"),
                                    draw(st.lists(mutation(), max_size=4))).encode()
        elif second == "source":
            files["n.scn"] = draw(sources()).data
        else:
            toml = draw(snapshot_texts(of_model=True))
            if toml is None:
                snapshot_of = "m.scn"
            else:
                files["snap.toml"] = toml
        new = "n.scn" if "n.scn" in files else "snap.toml"
        argv = ["diff", *draw(st.permutations(["m.scn", new]))]
        if draw(st.integers(0, 9)) == 0:
            argv = ["diff", "m.scn", "HEAD:m.scn"]  # not a git repository: an error
        maybe("--scenario", scenario)
        maybe("--rtol", lambda: draw(st.sampled_from(["0", "1e-9", "0.5", "nan", "-1", "abc"])))
        maybe("--atol", lambda: draw(st.sampled_from(["0", "1", "inf"])))
        maybe("--format", lambda: draw(st.sampled_from(["table", "md", "json"])))
        maybe("--output", output)
    elif command == "textconv":
        argv = ["textconv", "m.scn"]
        maybe("--scenario", scenario)
    elif command == "fmt":
        argv = ["fmt", "m.scn"] + draw(st.sampled_from([[], ["--check"], ["--diff"]]))
    elif command == "graph":
        argv = ["graph", "m.scn"]
        maybe("--scenario", scenario)
        maybe("--focus", lambda: _one_of(draw, src.names))
        maybe("--depth", lambda: draw(st.sampled_from(["0", "1", "2", "-1"])))
        maybe("--format", lambda: draw(st.sampled_from(["dot", "mermaid"])))
    else:
        raise AssertionError(command)
    return Case(argv + opt, files, snapshot_of)
