"""Hostile or pathological inputs stay linear: behaviour and operation counts,
never wall times (bench/bench_scale.py measures those).

Each test once failed: it counts the work that grew quadratically (pairs of
definitions reported, layers covered, frames built, example parses), or
checks the capped message, or that results did not change.
"""

from __future__ import annotations

import json
import random
import re

import numpy as np
import polars as pl
import pytest

from cli.main import main
from dsl import statements, syntax_messages
from dsl.errors import ScnError, render
from dsl.document import parse_document
from engine import evaluate, load_model
from engine.axis import TimeAxis
from engine.check import bitset, masks
from engine.cover import Cover
from engine.model import RANGE, SERIES, SINGLE, Piece
from engine.resolve import SHOWN_OVERLAPS, _overlapping, _pairs, overlaps
from tests.reference import reference_eval


def _errors(text: str) -> list:
    with pytest.raises(ScnError) as e:
        load_model(text, "t.scn")
    return e.value.diagnostics


# ---------------------------------------------------------------- overlapping definitions


def test_copies_of_one_definition_are_capped_with_a_count():
    text = "years 2020..2030\n" + "".join(f"x = {i}\n" for i in range(1000))
    found = _errors(text)
    assert len(found) == SHOWN_OVERLAPS + 1  # not 1000 * 999 / 2
    assert all(d.span.line == 2 for d in found[:-1])
    last = found[-1]
    assert last.message == "... and 994 more definitions of 'x' overlap (not shown)"
    assert (last.span.line, last.span.col) == (8, 1)


def test_a_few_overlaps_are_reported_as_before():
    text = "years 2020..2030\nx = 1\nx = 2\nx = 3\ny[2021] = 1\ny[2021] = 2\n"
    found = [(d.span.line, d.message) for d in _errors(text)]
    assert found == [
        (2, "'x' is defined twice for 2020..2030: here and on line 3"),
        (2, "'x' is defined twice for 2020..2030: here and on line 4"),
        (3, "'x' is defined twice for 2020..2030: here and on line 4"),
        (5, "'y' is defined twice for 2021: here and on line 6"),
    ]


def test_more_pairs_among_the_shown_definitions_are_counted():
    text = "years 2020..2030\n" + "".join(f"x = {i}\n" for i in range(4))
    found = _errors(text)
    assert len(found) == SHOWN_OVERLAPS + 1
    assert found[-1].message == "... and 1 more pair of the definitions above overlaps (not shown)"


def _naive(pieces, first):
    """The all-pairs check overlaps() replaced."""
    out = []
    for rank in {p.rank for p in pieces}:
        same = sorted((p for p in pieces if p.rank == rank), key=lambda p: (p.span.line, p.span.col))
        for i, a in enumerate(same):
            for b in same[i + 1:]:
                lo, hi = max(a.start, b.start), min(a.end, b.end)
                if lo <= hi:
                    years = str(first + lo) if lo == hi else f"{first + lo}..{first + hi}"
                    out.append((a.span.line, f"'{a.name}' is defined twice for {years}: "
                                             f"here and on line {b.span.line}"))
    return out


def _piece(k: int, start: int, end: int, rank: int) -> Piece:
    from dsl.ast import Number, Span

    span = Span(k + 2, 1, k + 2, 6)
    return Piece("x", Number(1.0, "1"), start, end, rank, "base", None, span)


def test_the_sweep_finds_the_same_overlaps_as_all_pairs():
    rng = random.Random(7)
    for _ in range(2000):
        pieces = []
        for k in range(rng.randint(0, 6)):
            a, b = sorted(rng.randrange(12) for _ in range(2))
            pieces.append(_piece(k, a, b, rng.choice((SINGLE, RANGE, SERIES))))
        want = _naive(pieces, 2020)
        got = overlaps(pieces, TimeAxis.of_years(2020, 2031))  # indices 0..11
        by_rank = {}
        for p in pieces:
            by_rank.setdefault(p.rank, []).append(p)
        if all(_pairs(ps) <= SHOWN_OVERLAPS for ps in by_rank.values()):
            assert sorted((d.span.line, d.message) for d in got) == sorted(want)
        for ps in by_rank.values():
            naive_pairs = [(i, j) for i in range(len(ps)) for j in range(i + 1, len(ps))
                           if max(ps[i].start, ps[j].start) <= min(ps[i].end, ps[j].end)]
            assert _pairs(ps) == len(naive_pairs)
            assert _overlapping(ps) == {k for pair in naive_pairs for k in pair}


# ---------------------------------------------------------------- scenario chains


def test_a_chain_of_scenarios_covers_each_layer_once(monkeypatch):
    n = 300
    text = ("years 2020..2024\nx = 1\ny = x * 2\n"
            + "".join(f"scenario s{i}{f' extends s{i - 1}' if i else ''} {{\n  x = {i}\n}}\n"
                      for i in range(n)))
    calls = []
    real = Cover.of_layer.__func__
    monkeypatch.setattr(Cover, "of_layer",
                        classmethod(lambda cls, ps, k: calls.append(1) or real(cls, ps, k)))
    m = load_model(text, "t.scn")
    assert len(calls) <= 2 * (n + len(m.variables))  # was n^2 / 2 + ...
    assert evaluate(m, f"s{n - 1}").series("y") == [2.0 * (n - 1)] * 5
    assert m.chain(f"s{n - 1}") == ["base", *(f"s{i}" for i in range(n))]


def test_extends_cycles_are_still_reported_once_each():
    text = ("years 2020..2021\nx = 1\n"
            "scenario a extends c {\n}\nscenario b extends a {\n}\nscenario c extends b {\n}\n"
            "scenario d extends d {\n}\nscenario e extends a {\n}\n")
    msgs = [d.message for d in _errors(text)]
    assert msgs == [
        "scenarios extend each other in a cycle: a (line 3) -> c (line 7) -> b (line 5) -> a (line 3)",
        "scenarios extend each other in a cycle: d (line 9) -> d (line 9)",
    ]


# ---------------------------------------------------------------- deep dependency chains


def test_a_chain_of_variables_computes_each_level_on_a_narrow_frame(monkeypatch):
    n = 400
    text = "years 2020..2022\nv0 = 1\n" + "".join(f"v{i} = v{i - 1} * 1.5 - {i} / 7\n"
                                                  for i in range(1, n))
    widths = []
    real = pl.DataFrame.with_columns_seq  # what engine.plan._level computes a level with

    def counted(self, *a, **k):
        widths.append(self.width)
        return real(self, *a, **k)
    monkeypatch.setattr(pl.DataFrame, "with_columns_seq", counted)
    m = load_model(text, "t.scn")
    result = evaluate(m)
    monkeypatch.undo()
    assert max(widths) <= 8  # the helper columns and one input, not every column so far
    assert sum(widths) <= 8 * n
    want = reference_eval(text)
    assert {v: result.series(v) for v in m.variables} == want


# ---------------------------------------------------------------- many years


def test_masks_are_built_from_the_grid_not_per_year():
    rng = random.Random(3)
    for _ in range(300):
        n = rng.randint(0, 400)
        idx = sorted(rng.sample(range(n), rng.randint(0, n)))
        want = 0
        for i in idx:
            want |= 1 << i
        row = np.zeros(n, dtype=bool)
        row[idx] = True
        assert bitset(row) == want
    row = tuple(-1 if i % 3 == 0 else 0 for i in range(10_000))
    piece = load_model("years 1..2\nx = 1\n", "t.scn").layers["base"]["x"][0]
    assert masks({"x": Cover((piece,), [row])})["x"] == sum(1 << i for i in range(10_000) if i % 3)


def test_thousands_of_single_year_numbers_evaluate_as_one_lookup():
    n = 300
    text = (f"years 1..{n}\n" + "".join(f"x[{i}] = {i / 4}\n" for i in range(1, n + 1, 2))
            + "x[2..] = t * 3\ny = x + 1\nz[2..100] = x[t-1] / 3\n")
    m = load_model(text, "t.scn")
    result = evaluate(m)
    assert {v: result.series(v) for v in m.variables} == reference_eval(text)
    # the numbers are one lookup, the range one branch; not a when/then chain n/2 deep
    assert str(result.plan.columns["x"]).count("when") == 1


# ---------------------------------------------------------------- syntax errors


def test_each_example_is_parsed_once_however_many_lines_fail(monkeypatch):
    from dsl import parser

    n = 200
    text = "years 2020..2030\n" + "".join(f"x{i} = 1 +\n" for i in range(n))
    plain = parser._plain_parser()
    syntax_messages._EXAMPLE_ERRORS.clear()
    calls = []
    real = plain.parse
    monkeypatch.setattr(plain, "parse", lambda t, *a, **k: calls.append(t) or real(t, *a, **k))
    _, errors = parse_document(text, "t.scn", collect=True)
    examples = sum(len(v) for v in syntax_messages.EXAMPLES.values())
    assert len(errors) == n
    assert {d.message for d in errors} == {"expected a value after the operator"}
    assert len(calls) <= n + examples  # was n * (1 + examples)


def test_rendering_many_diagnostics_splits_the_text_once():
    from dsl import errors as E

    text = "years 2020..2030\n" + "x = \n" * 500
    _, found = parse_document(text, "t.scn", collect=True)
    E._lines.cache_clear()
    out = [render(d, text) for d in found]
    assert E._lines.cache_info().misses == 1
    assert out[0].splitlines()[1] == "  x ="


def test_a_continuation_line_of_spaces_is_matched_once():
    line = "a" + " " * 80_000
    raws = statements.split_statements(f"years 2020..2030\nx = (1 +\n{line}\n)\n")
    assert [r.line for r in raws] == [1, 2]
    assert raws[1].end_line == 4
    for text in ("x = 1", "x[2025] = 1", "x [2025]  = 1", "x == 1", "x[2025] == 1", "  sections",
                 "section", "x[2025", "x [1] [2] = 3"):
        old = re.match(r"\s*(?:[A-Za-z_]\w*\s*(?:\[[^\]]*\])?\s*=(?!=)|"
                       r"(?:section|scenario|model|years)\b)", text)
        new = statements._NEW_STATEMENT.match(text)
        assert (old and old.end()) == (new and new.end()), text


# ---------------------------------------------------------------- scn diff and explain


def _model_text(n: int) -> str:
    from bench.generate import generate

    return generate(n)


def test_diff_of_a_file_against_itself_evaluates_nothing(tmp_path, monkeypatch, capsys):
    path = tmp_path / "m.scn"
    path.write_text(_model_text(200))
    from engine import api

    calls = []
    monkeypatch.setattr(api, "run_frames", lambda *a, **k: calls.append(1))
    assert main(["diff", str(path), str(path)]) == 0
    out = capsys.readouterr().out
    assert calls == []
    assert "0 assumptions changed, 0 variables moved" in out


def test_diff_of_one_edit_recomputes_only_downstream(tmp_path, monkeypatch, capsys):
    from bench.generate import edit_input, generate_info
    from engine import api

    info = generate_info(300)
    old, new = tmp_path / "old.scn", tmp_path / "new.scn"
    old.write_text(info.text)
    new.write_text(edit_input(info.text, info.small_input))
    computed = []
    real = api.run_frames

    def counted(plan, *a, **k):
        frame = real(plan, *a, **k)
        computed.append(len(plan.graph.downstream(set(k["changed"]))) if "changed" in k
                        else len(plan.model.variables))
        return frame
    monkeypatch.setattr(api, "run_frames", counted)
    assert main(["diff", str(old), str(new), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    scenarios = 3  # base and the generator's two scenario blocks
    assert len(computed) == 2 * scenarios
    assert sum(computed[scenarios:]) <= scenarios * (info.small_count + 1)
    reach = evaluate(load_model(info.text, "old.scn")).plan.graph.downstream({info.small_input})
    assert doc["values"] and {c["variable"] for c in doc["values"]} <= reach


def test_explain_all_down_a_long_chain_is_bounded(tmp_path, capsys):
    n = 300
    path = tmp_path / "c.scn"
    path.write_text("years 2020..2021\nv0 = 1\n"
                    + "".join(f"v{i} = v{i - 1} + 1\n" for i in range(1, n)))
    out = tmp_path / "out.txt"
    assert main(["explain", str(path), f"v{n - 1}[2021]", "--all", "-o", str(out)]) == 0
    lines = out.read_text().splitlines()
    rows = [r for r in lines if re.search(r"v\d+\[2021\] = ", r)]
    heads = sum(" (continued)" in r for r in rows)
    assert heads == 7  # 41 cells in the first block, 40 more in each of the others
    assert len(rows) == 1 + n + heads  # the title, every cell once, each block's head again
    assert max(len(r) for r in lines) < 400  # was 4 characters per level: 1,200 at the bottom
    assert lines[-1] == "(below): more than 40 levels deep, continued in its own block below"
    assert sum(" (continued)" in r for r in rows) == sum(" (below)" in r for r in rows) > 0
    js = tmp_path / "out.json"
    assert main(["explain", str(path), f"v{n - 1}[2021]", "--all", "--format", "json",
                 "-o", str(js)]) == 0  # was a RecursionError
    doc = json.loads(js.read_text())
    cells, stack = [], [doc, *doc["continued"]]
    while stack:
        node = stack.pop()
        cells.append(node["cell"])
        stack.extend(node.get("precedents", ()))
    assert len(set(cells)) == n


# ---------------------------------------------------------------- many unknown names, many hidden characters


def test_did_you_mean_is_computed_for_the_first_unknown_names_only(monkeypatch):
    import engine.uses as uses

    calls = []
    real = uses.suggest
    monkeypatch.setattr(uses, "suggest", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    lines = [f"known_{i} = 1" for i in range(50)]
    lines += [f"v{i} = knwn_{i} + 1" for i in range(300)] + ["w = knwn_0 * 2"]
    found = _errors("years 2024..2025\n" + "\n".join(lines) + "\n")
    unknown = [d for d in found if d.message.startswith("unknown variable")]
    assert len(unknown) == 301  # every error is still reported
    assert len(calls) == uses.UseCollector.MAX_SUGGESTIONS  # but hints stop, and repeat names reuse theirs
    first = next(d for d in unknown if d.message == "unknown variable 'knwn_0'")
    assert first.hint == "did you mean 'known_0'?"
    assert sum(d.hint == "did you mean 'known_0'?" for d in unknown) == 2


def test_hidden_characters_in_comments_are_listed_up_to_a_cap_then_counted():
    from dsl.hidden import MAX_HIDDEN_WARNINGS, text_warnings

    text = "years 2024..2025\n" + "".join(f"x{i} = 1  # note\u2028\n" for i in range(500))
    found = text_warnings(text, "t.scn")
    assert len(found) == MAX_HIDDEN_WARNINGS + 1
    last = found[-1]
    assert last.severity == "warning" and last.span.line == MAX_HIDDEN_WARNINGS + 2
    assert last.message.startswith(f"and {500 - MAX_HIDDEN_WARNINGS} more lines with hidden")
