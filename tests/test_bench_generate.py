"""bench/generate.py as a command: --help, bad sizes and a model that loads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from engine import load_model

ROOT = Path(__file__).resolve().parent.parent
GENERATE = ROOT / "bench" / "generate.py"


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(GENERATE), *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def test_help_prints_usage():
    r = _run("--help")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("usage: bench/generate.py")
    assert "--seed" in r.stdout and "Traceback" not in r.stderr


def test_bad_arguments_are_usage_errors():
    for args, words in ((["ten"], "invalid int value: 'ten'"),
                        (["10"], "generate needs at least 20 variables"),
                        (["20", "--years", "3"], "generate needs at least 12 years")):
        r = _run(*args)
        assert r.returncode == 2, args
        assert words in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_prints_a_model_that_loads(tmp_path):
    r = _run("40", "--years", "12", "--seed", "3")
    assert r.returncode == 0, r.stderr
    model = load_model(r.stdout, "generated.scn")
    assert model.years == tuple(range(2000, 2012)) and len(model.variables) >= 40
    out = tmp_path / "m.scn"
    assert _run("40", "--years", "12", "--seed", "3", "-o", str(out)).returncode == 0
    assert out.read_text(encoding="utf-8") == r.stdout
