"""Small helpers shared by the tests: evaluate a model text, collect its errors."""

from __future__ import annotations

import textwrap

from dsl.errors import ScnError
from engine import evaluate, load_model


def model(text: str):
    return load_model(textwrap.dedent(text), "test.scn")


def values(text: str, scenario: str = "base") -> dict[str, list]:
    m = model(text)
    r = evaluate(m, scenario)
    return {v: r.series(v) for v in m.variables}


def errors(text: str) -> list[tuple[int, int, str]]:
    try:
        model(text)
    except ScnError as e:
        return [(d.span.line, d.span.col, d.message) for d in e.diagnostics]
    raise AssertionError("expected errors, the model loaded")
