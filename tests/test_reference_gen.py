"""The generated plain-Python reference (bench/reference_gen.py) writes the CSV
`scn run FILE --format csv` writes, byte for byte.

Byte for byte, not to a tolerance: the program does each cell's arithmetic as
the engine does (the same operations on IEEE doubles in the same order: sums
left to right, interp as `v0 + (v1 - v0) * ((t - k0) / (k1 - k0))`, a division
by a constant correctly rounded, which the engine's `exact_div` is too), so
any difference is a bug on one side. Both sides run as whole processes, as
bench/whole.py times them.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bench.generate import generate, monthly
from bench.reference_gen import Unsupported, generate_reference

SCN = Path(sys.executable).with_name("scn")

# What plain Python computes otherwise than the engine: IEEE division by zero,
# NaN through comparisons, `if`, min/max and and/or/not, -0 from min and max;
# cycles of two variables through lags (one only backward, one reading the
# other in the same year), a gap, t, growth, cumsum, range aggregates; names
# the program uses for its own (x0, a comprehension's loop variable; i, T, N).
EDGES = """\
model "Edge cases"
years 2020..2027

zero = 0
neg = -3
nanv = zero / zero
inf_pos = 1 / zero
inf_neg = neg / zero
lit_div = 1 / 0
negzero = -zero
a = interp({2020: 1, 2023: -2, 2027: 4})
b = step({2021: 5, 2024: zero})
c = if(nanv > 1, 1, 2)
d = if(a > 0, a, -a)
e = if(a, 1, 0)
e2 = if(a * nanv, 1, 0)
f = min(negzero, zero)
g = max(a, nanv)
g2 = min(a, b, -1)
h = clamp(a, -1, 1)
k = a > 0 and not (a > 2) or nanv == 1
k2 = (a != 0) + (a >= 1) + (a <= 1) + (a < 0) + (a == 0)
m = cumsum(a)
n = sum(a[2020..2022]) + mean(a[2021..]) + min(a[..2023]) + max(a[2022..2024])
p[2020] = 1
p = q[t-1] + 1
q = p * 2 - n
x[2020] = 1
x = y[t-1] + 1
y[2020] = 2
y = x[t-1] * 2
r = a[2022] * t
s[2020..2022] = 1
u[2020] = 0
u[2021..] = growth(a)
w = a / (b - 5)
x0 = a * 2
i = 3
T = x0 + i
N = x0[2021] * i + T + neg
"""


def csv_of_both(tmp_path: Path, text: str) -> tuple[str, str]:
    """(the reference's CSV, scn's CSV) of a model, each from a whole process."""
    model = tmp_path / "model.scn"
    model.write_text(text, encoding="utf-8")
    program = tmp_path / "reference_model.py"
    program.write_text(generate_reference(text, str(model)), encoding="utf-8")
    ours, theirs = tmp_path / "reference.csv", tmp_path / "scn.csv"
    subprocess.run([sys.executable, str(program), "-o", str(ours)], check=True,
                   capture_output=True)
    subprocess.run([str(SCN), "run", str(model), "--format", "csv", "-o", str(theirs)],
                   check=True, capture_output=True)
    return ours.read_text(encoding="utf-8"), theirs.read_text(encoding="utf-8")


@pytest.mark.parametrize("n, years, seed", [(200, 30, 0), (1000, 30, 0), (1000, 30, 1),
                                            (300, 12, 2)])
def test_generated_model_same_csv_as_scn(tmp_path, n, years, seed):
    ours, theirs = csv_of_both(tmp_path, generate(n, years, seed))
    assert ours.count("\n") == n + 1
    assert ours == theirs


def test_monthly_model_same_csv_as_scn(tmp_path):
    """Fractional `t` (interp keys at January, growth over months)."""
    ours, theirs = csv_of_both(tmp_path, monthly(generate(200, 120, 3)))
    assert ours.splitlines()[0].startswith("variable,2000-01,2000-02,")
    assert ours == theirs


def test_edge_cases_same_csv_as_scn(tmp_path):
    ours, theirs = csv_of_both(tmp_path, EDGES)
    assert "nanv,nan," in ours and "inf_neg,-inf," in ours and "negzero,-0.0," in ours
    assert "\nf,0.0," in ours  # min(-0, 0) is +0
    assert "\ns,1.0,1.0,1.0,,,,,\n" in ours  # the gap stays empty
    assert ours == theirs


def test_program_is_plain_python_a_loop_per_variable():
    """No per-cell code: a 1,000-variable model is a few lines per statement,
    whatever the number of years; and nothing but the standard library."""
    text = generate(1000, 60, 0)
    program = generate_reference(text)
    statements = sum(1 for line in text.splitlines() if " = " in line)
    assert len(program.splitlines()) < 600 + 2 * statements
    imports = {line for line in program.splitlines() if line.startswith(("import ", "from "))}
    assert imports == {"import math", "import sys"}
    compile(program, "reference.py", "exec")


@pytest.mark.parametrize("text, what", [
    ("dim co = {a, b}\nx[a] = 1\nx[b] = 2\n", "dims"),
    ("x = 2 ^ 3\n", "operator ^"),
    ("x = exp(1)\n", "function exp"),
    ("x = normal(1, 0.1)\n", "function normal"),
    ("x = cumsum(x[t-1] + 1)\n", None),  # an invalid model: scn's own error
])
def test_unsupported_constructs_fail_at_generation(text, what):
    model = 'model "M"\nyears 2020..2025\n' + text
    if what is None:
        from dsl.errors import ScnError
        with pytest.raises(ScnError):
            generate_reference(model)
        return
    with pytest.raises(Unsupported, match=re.escape(what)):
        generate_reference(model)


def test_group_not_ordered_period_by_period_is_unsupported():
    """x reads y a year later: the graph computes y's later cells first."""
    text = textwrap.dedent("""\
        model "M"
        years 2020..2023
        x[2023] = 1
        x[2020..2022] = y[t+1]
        y = x + 1
        """)
    with pytest.raises(Unsupported, match="later period first"):
        generate_reference(text)
