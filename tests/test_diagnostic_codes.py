"""Every diagnostic carries a code (and, where code reads it, a subject): nothing parses messages.

Driven by the error-message tables of the other tests and by the fuzz inputs
(hostile lines, grown files, junk), through everything the engine offers
that can fail: loading, evaluating every scenario, `--set` overrides, cells
and goal targets named on a command line.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsl.errors import CODES, Diagnostic, ScnError
from dsl.parser import failed_definitions, parse_statement
from dsl.document import parse_document
from dsl.syntax_messages import EXAMPLES
from engine import evaluate, load_model, parse_overrides
from engine.goal import parse_target
from engine.trace import cell
from fuzz_inputs import DIGITS, GROWN, HOSTILE_LINES, JUNK_VALUES, hostile
from strategies import junk_text, models
from test_messages import FUNCTION_NAMES, SYNTAX
from test_model_errors import CASES as MODEL_ERRORS
from test_syntax_errors import POSITIONS

ROOT = Path(__file__).resolve().parent.parent
BASE = "years 2024..2030\nx = 1\ny = x * 2\nscenario s {\n  x = 2\n}\n"
# Codes that code reads the subject of: the variable, and for what a run finds
# (recompute re-checks the variables that warned) the period too.
NEEDS_VARIABLE = {"unknown-variable", "no-value", "nonfinite"}
RUN_WARNINGS = {"nonfinite", "distribution-params"}


def diagnostics(text: str) -> list[Diagnostic]:
    """Everything loading and running a text reports."""
    try:
        model = load_model(text, "t.scn")
    except ScnError as e:
        return list(e.diagnostics)
    out = list(model.warnings)
    for s in model.scenarios:
        try:
            out += evaluate(model, s).warnings
        except ScnError as e:  # pragma: no cover - a loaded model evaluates
            out += e.diagnostics
    return out


def assert_coded(found: list[Diagnostic], what: str) -> None:
    for d in found:
        assert d.code in CODES, (what, d)
        if d.code in NEEDS_VARIABLE:
            assert d.subject.variable is not None, (what, d)
        if d.code in RUN_WARNINGS and d.severity == "warning":
            assert d.subject.variable is not None and d.subject.period is not None, (what, d)


def raised(fn, *args) -> list[Diagnostic]:
    try:
        fn(*args)
    except ScnError as e:
        return list(e.diagnostics)
    return []


TEXTS = (
    [("model error", "years 2024..2030\n" + body) for body, *_ in MODEL_ERRORS]
    + [("syntax table", f"years 2024..2026\nx = 1\n{line}\n") for line, *_ in FUNCTION_NAMES + SYNTAX]
    + [("position", f"years 2024..2026\n{text}\n") for text, *_ in POSITIONS]
    + [("hostile", BASE + line + "\n") for line in HOSTILE_LINES]
    + [("hostile first", line + "\n" + BASE) for line in HOSTILE_LINES]
    + [("grown", "years 2020..2030\nv0 = 1\nscenario s0 {\n}\n"
        + "\n".join(p.format(i=i, p=i - 1, y=2020 + i % 11) for i in range(1, 30)) + "\n")
       for p in GROWN]
    + [("bundled", p.read_text(encoding="utf-8")) for p in sorted((ROOT / "scenarios").glob("*.scn"))]
    + [("warnings", "years 2024..2026\nsd = -1\nx = normal(1, sd)\nz = 1 / (x - x)\n# \x07\n")]
)


@pytest.mark.parametrize("what, text", TEXTS, ids=[f"{w}-{k}" for k, (w, _) in enumerate(TEXTS)])
def test_every_diagnostic_of_a_file_has_a_code(what, text):
    assert_coded(diagnostics(text), what)


@pytest.mark.parametrize("snippet", [s for snippets in EXAMPLES.values() for s in snippets])
def test_every_syntax_message_has_a_code(snippet):
    found = raised(parse_statement, snippet, 1)
    assert found and all(d.code == "syntax" for d in found)


def test_command_line_values_have_codes():
    model = load_model(BASE, "t.scn")
    for value in JUNK_VALUES + ["x[2020]", "x[2025]", "nosuch", "y = 1", "x[2025] = 1", "x = = 1",
                                f"x[{DIGITS}]"]:
        assert_coded(raised(parse_overrides, model, [value]), f"--set {value!r}")
        assert_coded(raised(cell, model, value, "CELL"), f"cell {value!r}")
        assert_coded(raised(parse_target, model, value), f"target {value!r}")


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(junk_text(), models(max_vars=5, max_years=5).flatmap(lambda gm: hostile(gm.text))))
def test_every_diagnostic_of_random_input_has_a_code(text):
    assert_coded(diagnostics(text), repr(text))


def test_the_codes_written_in_the_source_are_all_known():
    """A typo in a code is caught without having to make the diagnostic."""
    written = set()
    for folder in ("dsl", "engine", "display", "files", "cli", "tui"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            written |= set(re.findall(r'\bcode="([a-z0-9-]+)"', text))
            written |= set(re.findall(r'\b_err\("([a-z0-9-]+)"', text))
    assert written <= set(CODES), written - set(CODES)
    assert set(CODES) == written  # and every known code is used somewhere


def test_the_variable_a_failed_line_meant_is_decided_by_the_parser():
    text = "years 2024..2026\na = 1 +\nb[2025] = (\nc = {2024: 1,\n  2025: }\n  = 3\nd = 1\n"
    _, errors = parse_document(text, "f.scn", collect=True)
    assert failed_definitions(errors) == {"a", "b", "c"}
    # ... and the lines that use them report no unknown name or missing value
    found = diagnostics(text + "e = a + b + c + d\n")
    assert [d.code for d in found] == ["syntax"] * 4
