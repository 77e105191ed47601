"""Line ends and hidden characters: what scn reads is what git, editors and reviewers see.

A scenario file from an untrusted pull request must not be able to hide a
definition in a comment (U+2028 and the other characters `str.splitlines`
breaks at), nor smuggle invisible characters into code, nor send escape
sequences to a reviewer's terminal.
"""

from __future__ import annotations

import subprocess

import pytest

from dsl.edit import insert_line, line_starts, span_text
from dsl.errors import ScnError
from dsl.format import format_text
from dsl.statements import split_statements
from dsl.text import describe, printable, split_lines
from engine import evaluate, load_model
from test_cli import SCN, scn
from test_git_integration import AI, git

ATTACK = "\u2028asic_share[2030] = 99%\u2028#"
COMMENT = "asic_optics_multiplier = 3.8  # call 2025-08-16"


def hidden_definition() -> str:
    text = AI.read_text(encoding="utf-8")
    assert COMMENT in text
    return text.replace(COMMENT, COMMENT + ATTACK, 1)


def load_errors(text: str):
    try:
        load_model(text, "m.scn")
    except ScnError as e:
        return [(d.span.line, d.span.col, d.severity, d.message) for d in e.diagnostics]
    raise AssertionError("the model loaded")


# ---------------------------------------------------------------- the attack


def test_a_definition_after_a_line_separator_in_a_comment_stays_a_comment():
    text = hidden_definition()
    model = load_model(text, "ai_capex.scn")
    assert evaluate(model).value("asic_share", 2030) == pytest.approx(0.45)
    line = text[:text.index(ATTACK)].count("\n") + 1
    col = len(COMMENT) + 1
    assert [(w.span.line, w.span.col, w.severity, w.message) for w in model.warnings] == [
        (line, col, "warning", "U+2028 LINE SEPARATOR in a comment (and 1 more on this line)")]


BREAKS = ["\u2028", "\u2029", "\x85", "\v", "\f", "\x1c", "\x1d", "\x1e", "\r"]


@pytest.mark.parametrize("ch", BREAKS, ids=[f"U+{ord(c):04X}" for c in BREAKS])
def test_only_a_newline_ends_a_line(ch):
    text = f"years 2024..2025\nx = 1  # note{ch}x[2025] = 99\n"
    model = load_model(text, "m.scn")
    assert evaluate(model).series("x") == [1.0, 1.0]
    assert [w.span.line for w in model.warnings] == [2]
    assert split_lines(text) == text.split("\n")[:-1]


@pytest.mark.parametrize("ch", BREAKS, ids=[f"U+{ord(c):04X}" for c in BREAKS])
def test_a_line_break_character_in_code_is_an_error_naming_it(ch):
    text = f"years 2024..2025\nx = 1{ch}x[2025] = 99\ny = 2\n"
    assert load_errors(text) == [(2, 6, "error", f"{describe(ch)} is not allowed here")]


INVISIBLE = ["\u200b", "\u200d", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069", "\ufeff",
             "\x00", "\x1b", "\x7f", "\u00ad", "\U000e0041"]


@pytest.mark.parametrize("ch", INVISIBLE, ids=[f"U+{ord(c):04X}" for c in INVISIBLE])
def test_an_invisible_character_in_code_is_an_error(ch):
    text = f"years 2024..2025\nx = 1 +{ch} 2\n"
    assert load_errors(text) == [(2, 8, "error", f"{describe(ch)} is not allowed here")]


def test_characters_are_named_by_code_point_and_unicode_name():
    assert describe("\u2028") == "U+2028 LINE SEPARATOR"
    assert describe("\x1b") == "U+001B ESCAPE"
    assert describe("\x85") == "U+0085 NEXT LINE"
    assert describe("\u202e") == "U+202E RIGHT-TO-LEFT OVERRIDE"
    assert describe("\xa0") == "U+00A0 NO-BREAK SPACE"


def test_a_hidden_character_in_a_title_is_a_warning():
    text = 'model "A\x1b[2J\u202eB"\nyears 2024..2025\nsection "S\u200b"\nx = 1\n'
    model = load_model(text, "m.scn")
    assert [(w.span.line, w.span.col, w.message) for w in model.warnings] == [
        (1, 9, "U+001B ESCAPE in a string (and 1 more on this line)"),
        (3, 11, "U+200B ZERO WIDTH SPACE in a string")]


def test_a_line_with_only_a_form_feed_is_an_error_not_a_blank_line():
    text = "years 2024..2025\n\f\nx = 1\n"
    assert load_errors(text) == [(2, 1, "error", "U+000C FORM FEED is not allowed here")]


def test_error_lines_count_as_wc_and_git_do():
    # Before: each character below started a new line for scn, moving every later error.
    text = "years 2024..2025\n# a\u2028b\x85c\fd\x1ce\rf\nx = 1 +\n"
    errors = [e for e in load_errors(text) if e[2] == "error"]
    assert errors == [(3, 8, "error", "expected a value after the operator")]
    assert text.count("\n") == 3


def test_the_error_elsewhere_still_shows_the_warning():
    text = "years 2024..2025\n# a\u2028x = 5\nx = 1 +\n"
    assert [e[2] for e in load_errors(text)] == ["warning", "error"]


# ---------------------------------------------------------------- byte-order mark and CRLF


def test_a_byte_order_mark_is_accepted():
    text = "\ufeffyears 2024..2025\nx = 1 +\n"
    assert load_errors(text) == [(2, 8, "error", "expected a value after the operator")]
    model = load_model("\ufeffyears 2024..2025\r\nx = 1\r\n", "m.scn")
    assert evaluate(model).series("x") == [1.0, 1.0] and model.warnings == ()


def test_crlf_files_keep_working_with_a_byte_order_mark():
    text = "\ufeff## doc\r\nyears 2024..2025\r\nx = {\r\n  2024: 1,  # c\r\n  2025: 2\r\n}\r\n"
    assert [(r.line, r.end_line) for r in split_statements(text)] == [(2, 2), (3, 6)]
    model = load_model(text, "m.scn")
    assert evaluate(model).series("x") == [1.0, 2.0]
    # The editor keeps the mark and the line ends; fmt writes the canonical layout.
    starts = line_starts(text)
    assert text[starts[0]:starts[1]] == "## doc\r\n"
    edited = insert_line(text, 2, "y = 3")
    assert edited.startswith("\ufeff## doc\r\nyears 2024..2025\r\ny = 3\r\nx = {")
    span = model.info["x"].definitions[0].span
    assert span_text(text, span).startswith("x = {\r\n")
    assert format_text(text) == "## doc\nyears 2024..2025\nx = {\n  2024: 1,  # c\n  2025: 2,\n}\n"


def test_a_byte_order_mark_in_the_middle_is_hidden():
    text = "years 2024..2025\nx = 1  # \ufeff\n"
    assert [w.message for w in load_model(text, "m.scn").warnings] == [
        "U+FEFF ZERO WIDTH NO-BREAK SPACE in a comment"]


def test_fmt_keeps_a_hidden_character_in_a_comment_and_refuses_one_in_code():
    text = "years 2024..2025\nx = 1  # a\u2028b\n"
    assert format_text(text) == text
    with pytest.raises(ScnError) as e:
        format_text("years 2024..2025\n\f\nx = 1\n")
    assert [d.message for d in e.value.diagnostics] == ["U+000C FORM FEED is not allowed here"]


# ---------------------------------------------------------------- what people see


def test_printable_escapes_terminal_controls_and_invisible_characters():
    assert printable("\x1b[2J\x1b]0;owned\x07T") == "\\x1b[2J\\x1b]0;owned\\x07T"
    assert printable("a\u2028b\u202ec\td") == "a\\u2028b\\u202ec\\td"
    assert printable("a\tb", keep="\t") == "a\tb"
    assert printable("café — 10 €") == "café — 10 €"


def test_a_non_ascii_space_is_named(tmp_path):
    path = tmp_path / "m.scn"
    path.write_text("years 2024..2025\nx = 1\xa0+ 2\n", encoding="utf-8")
    r = scn("check", str(path))
    assert r.returncode == 1
    assert f"{path}:2:6: error: unexpected U+00A0 NO-BREAK SPACE" in r.stderr


def test_check_and_run_show_the_warning(tmp_path):
    path = tmp_path / "ai_capex.scn"
    path.write_text(hidden_definition(), encoding="utf-8")
    r = scn("check", str(path))
    assert r.returncode == 0, r.stderr
    assert r.stdout.endswith(", 1 warning\n")
    assert "warning: U+2028 LINE SEPARATOR in a comment" in r.stderr
    assert "\u2028" not in r.stderr and "2025-08-16\\u2028asic_share[2030] = 99%\\u2028#" in r.stderr
    r = scn("run", str(path), "--vars", "asic_share", "--format", "csv")
    assert r.returncode == 0 and r.stdout.splitlines()[1].endswith(",0.45")
    assert "warning: U+2028 LINE SEPARATOR" in r.stderr


def test_diff_shows_the_warning_in_the_pull_request_comment(tmp_path):
    old, new = tmp_path / "old.scn", tmp_path / "new.scn"
    old.write_text(AI.read_text(encoding="utf-8"), encoding="utf-8")
    new.write_text(hidden_definition(), encoding="utf-8")
    r = scn("diff", str(old), str(new), "--format", "md")
    assert r.returncode == 0
    assert "warning: U+2028 LINE SEPARATOR in a comment" in r.stdout
    assert "warning: U+2028 LINE SEPARATOR in a comment" in r.stderr


def test_git_diff_with_textconv_shows_the_hidden_definition(tmp_path):
    (tmp_path / "ai_capex.scn").write_text(AI.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / ".gitattributes").write_text("*.scn diff=scn\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "diff.scn.textconv", f"{SCN} textconv")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "the call")
    (tmp_path / "ai_capex.scn").write_text(hidden_definition(), encoding="utf-8")
    out = git(tmp_path, "diff")
    added = [line for line in out.splitlines() if line.startswith("+") and "+++" not in line]
    assert added[0] == "+" + COMMENT + "\\u2028asic_share[2030] = 99%\\u2028#" + \
        ": ASIC pulls ~3.8x the optics TAM of GPU per unit of compute"
    assert any("warning: U+2028 LINE SEPARATOR in a comment" in line for line in added)
    assert not any(line.startswith(("-base", "+base")) for line in out.splitlines())
    assert "\u2028" not in out


def test_wc_agrees_with_the_reported_line(tmp_path):
    path = tmp_path / "m.scn"
    path.write_bytes("years 2024..2025\n# \u2028\x85\r\nx = 1 +\n".encode())
    wc = int(subprocess.run(["wc", "-l", str(path)], capture_output=True, text=True)
             .stdout.split()[0])
    r = scn("check", str(path))
    assert f"{path}:{wc}:8: error:" in r.stderr


ESCAPES = 'model "\x1b[2J\x1b]0;owned\x07Title"\nyears 2024..2025\nsection "S\x1b[31m"\nx = 1\n'


def test_escape_sequences_in_a_title_never_reach_the_terminal(tmp_path):
    path = tmp_path / "m.scn"
    path.write_text(ESCAPES, encoding="utf-8")
    for fmt in ("table", "md"):
        r = scn("run", str(path), "--format", fmt)
        assert r.returncode == 0
        assert "\x1b" not in r.stdout + r.stderr and "\x07" not in r.stdout + r.stderr
        assert "\\x1b[2J\\x1b]0;owned\\x07Title: scenario base" in r.stdout
        assert "S\\x1b[31m" in r.stdout
    r = scn("run", str(path), "--format", "json")  # a machine format keeps the exact text
    assert __import__("json").loads(r.stdout)["model"] == "\x1b[2J\x1b]0;owned\x07Title"
    r = scn("snapshot", str(path))
    assert 'title = "\\u001b[2J\\u001b]0;owned\\u0007Title"' in r.stdout
    assert "warning: U+001B ESCAPE in a string (and 2 more on this line)" in r.stderr


def test_a_path_with_an_escape_sequence_is_shown_escaped(tmp_path):
    r = scn("check", str(tmp_path / "a\x1b[2Jb.scn"))
    assert r.returncode == 2 and "\x1b" not in r.stderr and "a\\x1b[2Jb.scn" in r.stderr


def test_a_megabyte_line_is_clipped_around_the_caret(tmp_path):
    path = tmp_path / "m.scn"
    path.write_text("years 2024..2025\nx = " + "1 + " * 250_000 + " *\n")
    r = scn("check", str(path))
    assert r.returncode == 1 and len(r.stderr) < 1000
    line, caret = r.stderr.splitlines()[1:3]
    assert line.startswith("  …") and line.endswith("*") and caret.index("^") == line.index("*")


def test_fmt_diff_shows_a_comment_escape_sequence_escaped(tmp_path):
    path = tmp_path / "m.scn"
    path.write_text("years 2024..2025\nx=1  # \x1b[31mred\n", encoding="utf-8")
    r = scn("fmt", "--diff", str(path))
    assert r.returncode == 1 and "\x1b" not in r.stdout
    assert "+x = 1  # \\x1b[31mred\n" in r.stdout
