"""Exit codes, held for every command: 0 ok, 1 the model's error, 2 the caller's.

A bad value for any option or argument of any command is a usage error
(2): the table below has bad values for every option that takes one, and
a test fails when a command gains an option the table does not cover.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cli.main import build_parser, main

ROOT = Path(__file__).resolve().parent.parent
AI = ROOT / "scenarios" / "ai_capex.scn"

# A good call of each command; {m} and {m2} are copies of the bundled model.
GOOD = {
    "run": ["{m}"],
    "mc": ["{m}", "--samples", "64"],
    "check": ["{m}"],
    "sens": ["{m}", "optics_tam"],
    "explain": ["{m}", "optics_tam[2030]"],
    "goal": ["{m}", "optics_tam[2030] = 75B", "--vary", "asic_share"],
    "sweep": ["{m}", "optics_tam[2030]", "--vary", "asic_optics_multiplier=3..4/0.5"],
    "snapshot": ["{m}"],
    "diff": ["{m}", "{m2}"],
    "textconv": ["{m}"],
    "fmt": ["{m}"],
    "graph": ["{m}"],
    "tui": ["{m}"],
}

MISSING = "{tmp}/missing.scn"
# Bad values by option (its dest); ("command", dest) entries are specific to one command.
BAD = {
    "file": [MISSING, "{tmp}"],
    "files": [MISSING, "{tmp}"],
    "cell": ["nosuch", "optics_tam[abc]", "optics_tam[2040]", "optics_tam[", "google_capex"],
    "target": ["optics_tam[2030] = abc", "optics_tam = 75B", "nosuch[2030] = 1",
               "optics_tam[2030] = 1B + x", "optics_tam[2030]"],
    "scenario": ["nosuch", ""],
    "set": ["x = (1", "nosuch = 1", "asic_share = 1x", "asic_share[2040] = 1", "==="],
    "vars": ["nosuch", "capex,nosuch"],
    "format": ["nosuch"],
    "by": ["quarter", "Year", ""],
    "samples": ["abc", "-1", "0", "10000001"],
    "seed": ["abc", "-1", "1.5"],
    "percentiles": ["abc", "101", "", "-5", "5,,x"],
    "drivers": ["nosuch[2030]", "optics_tam", "optics_tam[2040]", "optics_tam[goog,2030]"],
    "raw": ["{tmp}", "{tmp}/no-such-folder/out.parquet", "{m}"],
    "output": ["{tmp}", "{tmp}/no-such-folder/out.txt"],
    "wrt": ["nosuch", "asic_share[abc]", "asic_share[1999]"],
    "year": ["abc", "2040", "-1", ""],
    "pct": ["abc", "0", "100", "-5"],
    "depth": ["abc", "-1"],
    "top": ["abc", "-1", "0"],
    "vary": ["nosuch", "asic_share[abc]", "optics_tam[2040]"],
    "vary_year": ["abc", "1900"],
    "rev": ["no-such-revision"],
    "rtol": ["abc", "-1", "nan"],
    "atol": ["abc", "-1", "nan"],
    "focus": ["nosuch"],
    ("explain", "cell"): ["optics_tam", "nosuch[2030]", "optics_tam[abc]", "google_capex[2030]"],
    ("goal", "cell"): [],
    ("sweep", "cell"): ["nosuch", "optics_tam[abc]", "optics_tam[2040]", "optics_tam[",
                        "google_capex[2030]", "capex[2030]"],
    ("sweep", "vary"): ["nosuch=1", "asic_share=abc", "asic_share=1..2/0", "asic_share=2..1/1",
                        "asic_share", "optics_tam=1", "asic_share[abc]=1", "asic_share=1,1",
                        "asic_share=1..2000000/1"],
    ("graph", "depth"): ["abc", "-1", "2"],  # 2 without --focus
}

POSITIONALS = {"run": ["file"], "mc": ["file"], "check": ["files"], "sens": ["file", "cell"],
               "explain": ["file", "cell"], "goal": ["file", "target"], "sweep": ["file", "cell"],
               "snapshot": ["file"],
               "diff": ["files"], "textconv": ["file"], "fmt": ["files"], "graph": ["file"],
               "tui": ["file"]}


def _subparsers():
    sub = next(a for a in build_parser(everything=True)._actions if a.dest == "command")
    return sub.choices


def _valued_options(parser) -> dict[str, str]:
    """dest -> the option string, for every option that takes a value."""
    return {a.dest: a.option_strings[-1] for a in parser._actions
            if a.option_strings and a.nargs != 0 and a.dest != "help"}


def _bad_values(command: str, dest: str) -> list[str]:
    return BAD.get((command, dest), BAD.get(dest))


def _cases():
    for command, parser in sorted(_subparsers().items()):
        for dest, flag in sorted(_valued_options(parser).items()):
            # "--" as a value (--scenario=--): argparse 3.11 made it [], a TypeError later
            for value in (_bad_values(command, dest) or []) + ["--"]:
                yield pytest.param(command, dest, flag, value, id=f"{command}-{flag}={value!r}")
        for dest in POSITIONALS[command]:
            for value in _bad_values(command, dest) or []:
                yield pytest.param(command, dest, None, value, id=f"{command}-{dest}={value!r}")


def test_the_table_covers_every_command_and_option():
    commands = _subparsers()
    assert set(commands) == set(GOOD) == set(POSITIONALS)
    for command, parser in commands.items():
        for dest in _valued_options(parser):
            assert _bad_values(command, dest), f"scn {command}: no bad values for '{dest}'"
        positionals = [a.dest for a in parser._actions if not a.option_strings]
        assert positionals == POSITIONALS[command]


@pytest.fixture
def models(tmp_path):
    m, m2 = tmp_path / "m.scn", tmp_path / "m2.scn"
    shutil.copy(AI, m)
    shutil.copy(AI, m2)
    return {"m": str(m), "m2": str(m2), "tmp": str(tmp_path)}


def _call(command: str, dest: str, flag: str | None, value: str, paths: dict) -> list[str]:
    good = [a.format(**paths) for a in GOOD[command]]
    value = value.format(**paths)
    if flag is None:  # a positional: in place of the good one
        good[POSITIONALS[command].index(dest)] = value
        return [command, *good]
    if flag == "--rev":  # --rev REV FILE: one file
        good = good[:1]
    if flag in good:  # goal's --vary: drop the good value
        i = good.index(flag)
        del good[i:i + 2]
    return [command, *good, f"{flag}={value}"]  # = keeps a value such as -1 a value


def test_every_good_call_succeeds(models, capsys, monkeypatch):
    from cli.commands import tui as tui_command

    monkeypatch.setattr(tui_command, "run", lambda args, texts: 0)  # no terminal here
    for command in GOOD:
        code = main([command, *(a.format(**models) for a in GOOD[command])])
        assert code in (0, 1) if command == "diff" else code == 0, (command, capsys.readouterr())
    capsys.readouterr()


@pytest.mark.parametrize("command, dest, flag, value", list(_cases()))
def test_a_bad_value_is_a_usage_error(command, dest, flag, value, models, capsys):
    args = _call(command, dest, flag, value, models)
    code = main(args)
    err = capsys.readouterr().err
    assert code == 2, (args, err)
    assert err.strip(), args  # says why
    assert Path(models["m"]).read_text() == AI.read_text()  # and changes nothing


def test_a_new_file_that_is_not_utf8_is_an_error_for_diff(tmp_path, capsys):
    new = tmp_path / "new.scn"
    new.write_bytes(AI.read_bytes().replace(b"# assumption", b"# \xff", 1))
    assert main(["diff", str(AI), str(new)]) == 2
    assert "new.scn:" in capsys.readouterr().err
    assert main(["diff", str(new), str(AI)]) == 2


def test_a_model_error_is_1_and_a_missing_file_beside_it_is_2(tmp_path, capsys):
    bad = tmp_path / "bad.scn"
    bad.write_text("years 2024..2025\nx = y\n")
    assert main(["check", str(bad)]) == 1
    assert main(["check", str(bad), str(tmp_path / "missing.scn")]) == 2
    assert main(["check", str(tmp_path / "missing.scn"), str(bad)]) == 2
    assert main(["run", str(bad), "--set", "x = 1"]) == 1  # the file's own error comes first
    capsys.readouterr()


@pytest.mark.parametrize("vary", ["asic_share", "asic_share[2030]"])
def test_vary_year_errors_are_labelled_as_such(vary, capsys):
    assert main(["goal", str(AI), "optics_tam[2030] = 75B", "--vary", vary,
                 "--vary-year", "abc"]) == 2
    assert capsys.readouterr().err.startswith("--vary-year:1:1: error: expected a year, not 'abc'")


@pytest.mark.parametrize("command, options, after", [
    ("check", [], []), ("run", [], []), ("snapshot", [], []), ("textconv", [], []),
    ("graph", [], []), ("fmt", ["--check"], []), ("sens", [], ["optics_tam"]),
    ("explain", [], ["optics_tam[2030]"]), ("diff", [], ["-dash.scn"]),
])
def test_a_file_whose_name_starts_with_a_dash(command, options, after, tmp_path, monkeypatch,
                                              capsys):
    monkeypatch.chdir(tmp_path)
    shutil.copy(AI, tmp_path / "-dash.scn")
    assert main([command, *options, "--", "-dash.scn", *after]) == 0, capsys.readouterr().err
