"""What a command loads: `scn check` and `scn --help` start without the
evaluator (polars), sympy or textual; each command's module is imported only
when it runs (cli.commands.COMMANDS, cli.main.build_parser)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCN = Path(sys.executable).with_name("scn")
BUNDLED = ROOT / "scenarios" / "ai_capex.scn"
HEAVY = ("polars", "sympy", "textual")


# Runs the installed `scn` script as users do, and as the process ends writes
# the names of every module it loaded (importlib's imports included, which
# `-X importtime` does not list), whether the cycle collector was on, and how
# it ended: "fast" through os._exit (cli.entry), "slow" through the
# interpreter's own exit.
PROBE = """
import atexit, gc, os, runpy, sys
out, sys.argv = sys.argv[1], sys.argv[2:]
def dump(how):
    with open(out, "w") as f:
        f.write("\\n".join([how, f"gc={gc.isenabled()}", *sorted(sys.modules)]))
real_exit = os._exit
def fast_exit(code):
    dump("fast")
    real_exit(code)
os._exit = fast_exit
atexit.register(lambda: dump("slow"))
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def ended(tmp_path, *args: str) -> tuple[list[str], subprocess.CompletedProcess]:
    """What the probe wrote for a whole `scn ARGS` process (how it ended, the
    collector, the modules), and the process."""
    out = tmp_path / "probe.txt"
    done = subprocess.run([sys.executable, "-c", PROBE, str(out), str(SCN), *args],
                          capture_output=True, text=True, timeout=120)
    return out.read_text().split("\n"), done


def loaded(tmp_path, *args: str) -> tuple[set[str], subprocess.CompletedProcess]:
    """The modules a whole `scn ARGS` process loaded, and how it ended."""
    lines, done = ended(tmp_path, *args)
    return set(lines[2:]), done


def packages(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_the_probe_sees_heavy_imports(tmp_path):
    """The probe itself can fail: `scn run` does import polars."""
    modules, done = loaded(tmp_path, "run", str(BUNDLED), "--format", "csv")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "polars" in packages(modules)
    assert "cli.commands.run" in modules


@pytest.mark.parametrize("args", [("check", str(BUNDLED)), ("--help",), ("check", "--help"),
                                  ("fmt", "--check", str(BUNDLED))],
                         ids=["check", "help", "check-help", "fmt-check"])
def test_no_heavy_imports(args, tmp_path):
    modules, done = loaded(tmp_path, *args)
    names = packages(modules)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not names & set(HEAVY), f"scn {' '.join(args)} imported {sorted(names & set(HEAVY))}"
    assert "scn: error" not in done.stderr


def test_check_without_numpy(tmp_path):
    """The checks read covers as plain Python (engine.cover), dims included: the
    bundled scenario has dims and a distribution with literal parameters."""
    modules, done = loaded(tmp_path, "check", str(BUNDLED))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "numpy" not in packages(modules)


def test_only_the_command_run_is_imported(tmp_path):
    modules, done = loaded(tmp_path, "check", str(BUNDLED))
    assert done.returncode == 0
    assert {m for m in modules if m.startswith("cli.commands.")} == {"cli.commands.check"}


def test_exit_status_and_messages_are_kept(tmp_path):
    """A model error still exits 1 with its message (the probe adds nothing)."""
    bad = tmp_path / "bad.scn"
    bad.write_text("years 2024..2026\nx = y + 1\n")
    modules, done = loaded(tmp_path, "check", str(bad))
    assert done.returncode == 1
    assert "unknown variable 'y'" in done.stderr
    assert not packages(modules) & set(HEAVY)


def test_every_command_registers_under_its_table_name():
    """Each module's register() names its own command and only settings argparse
    keeps; its parser has the help line of cli.commands.COMMANDS."""
    from cli.commands import COMMANDS
    from cli.main import build_parser

    sub = next(a for a in build_parser(everything=True)._actions if a.dest == "command")
    assert list(sub.choices) == list(COMMANDS)
    helps = {a.dest: a.help for a in sub._choices_actions}
    assert helps == COMMANDS
    for name, parser in sub.choices.items():
        assert parser.prog == f"scn {name}"
        assert parser.get_default("run") is not None, name


def test_a_module_naming_another_command_is_refused():
    from cli.main import _CommandParser, _Registrar

    p = _CommandParser(prog="scn x")
    p.command = "x"
    with pytest.raises(TypeError, match="cli.commands.COMMANDS"):
        _Registrar(p).add_parser("y")
    with pytest.raises(TypeError, match="help"):
        _Registrar(p).add_parser("x", help="a line")


# ---------------------------------------------------------------- the exit


def test_a_command_runs_without_the_cycle_collector_and_skips_teardown(tmp_path):
    lines, done = ended(tmp_path, "check", str(BUNDLED))
    assert done.returncode == 0
    assert lines[:2] == ["fast", "gc=False"]
    assert done.stdout.startswith(f"{BUNDLED}: ok: ")


@pytest.mark.parametrize("args, code, message", [
    (("check", "{bad}"), 1, "unknown variable 'y'"),
    (("run", "{bad}"), 1, "unknown variable 'y'"),
    (("run", "{good}", "--scenario", "nosuch"), 2, "unknown scenario 'nosuch'"),
    (("run", "{missing}"), 2, "scn: error:"),
    (("run", "{good}", "--format", "xml"), 2, "invalid choice: 'xml'"),
])
def test_exit_codes_and_messages_survive_the_fast_exit(tmp_path, args, code, message):
    bad, good = tmp_path / "bad.scn", tmp_path / "good.scn"
    bad.write_text("years 2024..2026\nx = y + 1\n")
    good.write_text("years 2024..2026\nx = 1\n")
    paths = {"bad": bad, "good": good, "missing": tmp_path / "missing.scn"}
    lines, done = ended(tmp_path, *(a.format(**paths) for a in args))
    assert done.returncode == code
    assert message in done.stderr
    assert lines[0] == "fast"


def test_output_files_and_long_stdout_are_complete(tmp_path):
    """-o is written and renamed before the process ends; a long stdout (well past
    any buffer) arrives whole, byte for byte what the file holds."""
    out = tmp_path / "out.csv"
    args = ("run", str(BUNDLED), "--all-scenarios", "--long", "--format", "csv")
    lines, to_file = ended(tmp_path, *args, "-o", str(out))
    assert to_file.returncode == 0 and lines[0] == "fast"
    _, to_stdout = ended(tmp_path, *args)
    assert len(to_stdout.stdout) > 64_000
    assert out.read_text() == to_stdout.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "probe.txt"]


def test_the_terminal_ui_turns_the_cycle_collector_back_on(monkeypatch):
    """`scn tui` runs for hours: its app runs with the collector on, though
    cli.entry turned it off for the command."""
    import argparse
    import gc

    import tui.app
    from cli.commands import tui as command

    seen = []

    class App:
        return_code = 0

        def __init__(self, *args, **kwargs):
            pass

        def run(self):
            seen.append(gc.isenabled())

    monkeypatch.setattr(tui.app, "ScnApp", App)
    gc.disable()
    try:
        code = command.run(argparse.Namespace(file=str(BUNDLED), scenario="base"), None)
    finally:
        gc.enable()
    assert code == 0 and seen == [True]
