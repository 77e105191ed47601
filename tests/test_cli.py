"""The `scn` command through its real entry point: output contracts, exit codes, no tracebacks."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCN = Path(sys.executable).with_name("scn")

MODEL = """\
model "Tiny"
years 2024..2026
section "Inputs"
## Capex in USD
capex[2024] = 100B
capex = capex[t-1] * (1 + capex_growth)
capex_growth = {2025: 50%, 2026: 10%}
share = interp({2024: 10%, 2026: 30%})
section "Outputs"
asic = capex * share
ratio = 1 / (share - 20%)
scenario bull "More ASIC" {
  share = 40%
}
"""


def scn(*args, cwd=None, input=None, timeout=None):
    return subprocess.run([str(SCN), *args], capture_output=True, text=True, cwd=cwd, input=input,
                          timeout=timeout)


@pytest.fixture
def model_file(tmp_path):
    p = tmp_path / "tiny.scn"
    p.write_text(MODEL)
    return p


def test_csv_contract(model_file):
    r = scn("run", str(model_file), "--format", "csv")
    assert r.returncode == 0
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[0] == ["variable", "2024", "2025", "2026"]
    assert [row[0] for row in rows[1:]] == ["capex", "capex_growth", "share", "asic", "ratio"]
    assert rows[1] == ["capex", "100000000000.0", "150000000000.0", "165000000000.0"]
    assert rows[2] == ["capex_growth", "", "0.5", "0.1"]
    assert rows[5][1] == "-10.0" and rows[5][2] == "inf"
    # the non-finite value is warned about on stderr, with its position
    assert "tiny.scn:11:1: warning: ratio is inf in 2025" in r.stderr


def test_csv_all_scenarios_has_a_scenario_column(model_file):
    r = scn("run", str(model_file), "--format", "csv", "--all-scenarios")
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[0] == ["scenario", "variable", "2024", "2025", "2026"]
    assert [row[0] for row in rows[1:]] == ["base"] * 5 + ["bull"] * 5
    assert rows[8][:3] == ["bull", "share", "0.4"]


def test_set_layers_on_the_scenario(model_file):
    r = scn("run", str(model_file), "--format", "csv", "--scenario", "bull",
            "--set", "capex_growth[2026] = 20%", "--vars", "capex,share")
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[1] == ["capex", "100000000000.0", "150000000000.0", "180000000000.0"]
    assert rows[2] == ["share", "0.4", "0.4", "0.4"]


def test_bad_set_is_reported_like_a_bad_line(model_file):
    r = scn("run", str(model_file), "--set", "share = 1", "--set", "capex_growth = 2x")
    assert r.returncode == 2  # an error in an option's value: a usage error
    assert r.stderr.startswith("--set:2:17: error: unknown number suffix 'x' in '2x'\n"
                               "  capex_growth = 2x\n")
    r = scn("run", str(model_file), "--set", "shar = 1")
    assert r.returncode == 2 and "did you mean 'share'?" in r.stderr


def test_table_is_grouped_and_scaled(model_file):
    r = scn("run", str(model_file))
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    assert lines[0] == "Tiny: scenario base"
    assert lines[2] == "Inputs"
    assert lines[3].split() == ["capex", "100.0B", "150.0B", "165.0B"]
    assert lines[4].split() == ["capex_growth", "50.0%", "10.0%"]
    assert "Outputs" in lines


def test_json_and_markdown(model_file, tmp_path):
    out = tmp_path / "o.json"
    assert scn("run", str(model_file), "--format", "json", "-o", str(out)).returncode == 0
    doc = json.loads(out.read_text())
    assert doc["years"] == [2024, 2025, 2026]
    assert doc["scenarios"]["base"]["capex_growth"] == [None, 0.5, 0.1]
    assert doc["scenarios"]["base"]["ratio"][1] == "inf"
    md = scn("run", str(model_file), "--format", "md").stdout
    assert "| variable | 2024 | 2025 | 2026 |" in md


def test_check_ok_and_errors(model_file, tmp_path):
    r = scn("check", str(model_file))
    assert r.returncode == 0
    assert r.stdout == f"{model_file}: ok: 5 variables, 2 scenarios (base, bull), years 2024..2026\n"
    one = tmp_path / "one.scn"
    one.write_text("years 2024..2025\nx = 1\n")
    assert scn("check", str(one)).stdout == f"{one}: ok: 1 variable, 1 scenario (base), years 2024..2025\n"
    bad = tmp_path / "bad.scn"
    bad.write_text("years 2024..2025\na = b\nb = a\nc = 1 +\n")
    r = scn("check", str(model_file), str(bad))
    assert r.returncode == 1
    assert f"{bad}:2:1: error: circular reference in the same year: a -> b -> a" in r.stderr
    assert f"{bad}:4:8: error: expected a value after the operator\n  c = 1 +\n         ^" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("args, code, text", [
    (["run", "nope.scn"], 2, "scn: error: nope.scn: no such file"),
    (["run"], 2, "scn: error:"),
    (["frobnicate"], 2, "scn: error:"),
    (["run", "MODEL", "--scenario", "bul"], 2, "unknown scenario 'bul' (did you mean 'bull'?"),
    (["run", "MODEL", "--vars", "capx"], 2, "--vars: unknown variable 'capx' (did you mean 'capex'?)"),
    (["run", "MODEL", "--format", "xls"], 2, "invalid choice"),
])
def test_usage_errors(model_file, args, code, text):
    args = [str(model_file) if a == "MODEL" else a for a in args]
    r = scn(*args)
    assert r.returncode == code
    assert text in r.stderr
    assert "Traceback" not in r.stderr


def test_hostile_file_runs_nothing(tmp_path):
    target = tmp_path / "pwned"
    bad = tmp_path / "evil.scn"
    bad.write_text(f'years 2024..2025\nx = __import__("os").system("touch {target}")\n')
    r = scn("run", str(bad))
    assert r.returncode == 1 and "unexpected string" in r.stderr
    assert not target.exists()


def test_binary_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bin.scn"
    bad.write_bytes(b"years 2024..2025\nx = \xff\xfe\n")
    r = scn("check", str(bad))
    assert r.returncode == 1
    assert f"{bad}:2:5: error: the file is not UTF-8 text" in r.stderr


def test_run_imports_neither_sympy_nor_textual(tmp_path):
    # Never -o /dev/null: an atomic rename over it replaces the device.
    out = tmp_path / "out.csv"
    code = ("import sys; from cli.main import main; "
            f"rc = main(['run', 'scenarios/ai_capex.scn', '--format', 'csv', '-o', {str(out)!r}]); "
            "print(rc, 'sympy' in sys.modules, 'textual' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.stdout.strip() == "0 False False", r.stderr


# What each package may import of the project's own: the layers point down only
# (dsl <- engine <- display, files <- cli, tui).
LAYERS = {
    "dsl": {"dsl"},
    "engine": {"dsl", "engine"},
    "display": {"dsl", "engine", "display"},
    "files": {"dsl", "engine", "files"},
    "cli": {"dsl", "engine", "display", "files", "cli"},
    "tui": {"dsl", "engine", "display", "files", "tui"},
}
STARTS_THE_APP = "cli/commands/tui.py"  # `scn tui`: may import tui, inside its functions only


def imports(path: Path):
    """(imported top-level package, inside a function?, line) for every import of a module."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = path.relative_to(ROOT).parts[0]

    def visit(node, in_function: bool):
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield alias.name.split(".")[0], in_function, child.lineno
            elif isinstance(child, ast.ImportFrom):
                yield (package if child.level else child.module.split(".")[0]), in_function, \
                    child.lineno
            yield from visit(child, inner)
    yield from visit(tree, False)


def test_the_packages_import_downward_only():
    bad = []
    for package, allowed in LAYERS.items():
        for f in sorted((ROOT / package).rglob("*.py")):
            rel = f.relative_to(ROOT).as_posix()
            for top, in_function, line in imports(f):
                if top not in LAYERS or top in allowed:
                    continue
                if rel == STARTS_THE_APP and top == "tui" and in_function:
                    continue
                bad.append(f"{rel}:{line}: {package} imports {top}")
    assert bad == []


def test_the_layer_scan_sees_an_upward_import(tmp_path, monkeypatch):
    # The scan must be able to fail: a module of the engine importing the command line.
    fake = tmp_path / "engine" / "x.py"
    fake.parent.mkdir()
    fake.write_text("def f():\n    from cli import common\nimport tui.app\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert list(imports(fake)) == [("cli", True, 2), ("tui", False, 3)]


def test_core_never_imports_a_front_end():
    code = ("import sys, dsl.parser, engine; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('cli', 'tui', 'textual')))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.stdout.strip() == "[]", r.stderr
    # and no core module opens files
    for folder in ("dsl", "engine"):
        for f in (ROOT / folder).glob("*.py"):
            text = f.read_text()
            assert " open(" not in text and "read_text(" not in text.replace(
                'GRAMMAR.read_text(encoding="utf-8")', ""), f
