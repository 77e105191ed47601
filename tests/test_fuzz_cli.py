"""Fuzz every command: random, mutated and hostile files, options and snapshots.

A run fails the harness when it raises (a traceback: in-process, main()
lets it through), exits outside 0/1/2, or takes longer than a budget that
grows with the input's size: small inputs must stay fast, and an input
grown by repetition (`fuzz_inputs.grown`) must not cost more than its
size allows.

The quick tests run a few examples of each command; the `slow` ones many
more (`pytest -m "not slow"` skips them; `make test` runs everything). In
CI the examples are fixed (the `ci` profile in conftest.py), so a red run
is reproducible.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz_inputs import COMMANDS, Case, command_lines
from cli.main import main

SCN = Path(sys.executable).with_name("scn")
BASE_SECONDS = 20.0  # any small input, on a busy 2-core machine
SECONDS_PER_KB = 2.0  # about 10x what a linear pass over the input costs
FUZZ = settings(deadline=None, suppress_health_check=list(HealthCheck))


def budget(case: Case) -> float:
    return BASE_SECONDS + SECONDS_PER_KB * case.size / 1024


def run_in_process(case: Case) -> tuple[int, str, str, float]:
    """Run the case in a fresh folder; raises whatever main() raises."""
    with tempfile.TemporaryDirectory() as folder, contextlib.chdir(folder):
        for name, data in case.files.items():
            Path(name).write_bytes(data)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            if case.snapshot_of is not None:
                code = main(["snapshot", case.snapshot_of, "-o", "snap.toml"])
                assert code in (0, 1, 2), err.getvalue()
                if not Path("snap.toml").exists():
                    Path("snap.toml").write_text("")
            start = time.perf_counter()
            code = main(case.argv)
            seconds = time.perf_counter() - start
    return code, out.getvalue(), err.getvalue(), seconds


def check(case: Case) -> None:
    try:
        code, out, err, seconds = run_in_process(case)
    except BaseException:
        raise AssertionError(f"scn {' '.join(case.argv)} raised:\n{traceback.format_exc()}")
    assert code in (0, 1, 2), (code, err[-2000:])
    assert "Traceback" not in err, err[-2000:]
    assert seconds <= budget(case), f"{seconds:.1f} s for {case.size} bytes"
    if code == 2 or (code == 1 and case.argv[0] not in ("diff", "fmt")):
        assert err.strip(), "an error exit must say why on stderr"


@pytest.mark.parametrize("command", COMMANDS)
@settings(FUZZ, max_examples=4)
@given(data=st.data())
def test_fuzz_quick(command, data):
    check(data.draw(command_lines(command), label="case"))


@pytest.mark.slow
@pytest.mark.parametrize("command", COMMANDS)
@settings(FUZZ, max_examples=40)
@given(data=st.data())
def test_fuzz(command, data):
    check(data.draw(command_lines(command), label="case"))


@pytest.mark.slow
@settings(FUZZ, max_examples=12)
@given(data=st.data())
def test_fuzz_real_process(data):
    """The installed `scn` as a process: what in-process runs cannot show (start-up, exit)."""
    command = data.draw(st.sampled_from(COMMANDS), label="command")
    case = data.draw(command_lines(command), label="case")
    with tempfile.TemporaryDirectory() as folder:
        for name, content in case.files.items():
            (Path(folder) / name).write_bytes(content)
        if case.snapshot_of is not None:
            subprocess.run([str(SCN), "snapshot", case.snapshot_of, "-o", "snap.toml"],
                           cwd=folder, capture_output=True, timeout=budget(case))
            (Path(folder) / "snap.toml").touch()
        r = subprocess.run([str(SCN), *case.argv], cwd=folder, capture_output=True,
                           timeout=budget(case) + 10)
    err = r.stderr.decode("utf-8", "replace")
    assert r.returncode in (0, 1, 2), (r.returncode, err[-2000:])
    assert "Traceback" not in err, err[-2000:]
