"""What the caches must guarantee: reuse across reloads, a bound, and no stale hit."""

from __future__ import annotations

import gc

import pytest

from dsl import document
from dsl.errors import ScnError
from dsl.parser import parse_statement
from dsl.document import StatementCache
from engine import evaluate, load_model, parse_overrides
from engine.api import recompute, uses_of
from engine.cache import ModelCache, PieceMemo

TEXT = "years 2024..2026\na = 1\nb = a * 2\nc = b + 1\n"


def definitions(model):
    return {v: model.info[v].definitions[0] for v in model.variables}


def test_a_reloaded_model_reuses_its_unchanged_statements():
    old = load_model(TEXT)
    new = load_model(TEXT.replace("c = b + 1", "c = b + 2"))
    a, b = definitions(old), definitions(new)
    assert a["a"] is b["a"] and a["b"] is b["b"] and a["c"] is not b["c"]
    # ... which is what makes a recompute start from the edited variable only
    result = recompute(evaluate(old), new)
    assert result.plan.changed == {"c"} and result.series("c") == [4.0, 4.0, 4.0]


def test_reuse_survives_a_full_statement_cache(monkeypatch):
    """At the limit the least recently used statement goes, not the whole cache: the
    file being edited keeps its statements when one changed line comes in."""
    monkeypatch.setattr(document, "_CACHE", StatementCache(4))  # exactly the file's statements
    old = load_model(TEXT)
    new = load_model(TEXT.replace("a = 1", "a = 5"))
    assert len(document._CACHE) == 4
    assert definitions(old)["b"] is definitions(new)["b"]
    assert definitions(old)["c"] is definitions(new)["c"]


def test_the_statement_cache_is_bounded_and_evicts_the_least_recently_used():
    cache = StatementCache(3)
    first = cache.statement("a = 1", 1)
    for k in range(2, 5):
        cache.statement(f"x{k} = {k}", k)
        cache.statement("a = 1", 1)  # used again: stays
    assert len(cache) == 3
    assert ("a = 1", 1) in cache and ("x2 = 2", 2) not in cache
    assert cache.statement("a = 1", 1) is first


def test_no_stale_hit_after_eviction():
    cache = StatementCache(1)
    a = cache.statement("a = 1", 1)
    cache.statement("a = 2", 1)  # evicts `a = 1`
    again = cache.statement("a = 1", 1)
    assert again == a and again is not a  # parsed again, equal: nothing hangs on identity
    assert again == parse_statement("a = 1", 1)
    # the same text at another line: the kept tree moved there (its spans differ)
    moved = cache.statement("a = 1", 5)
    assert moved.span.line == 5 and moved == again
    assert moved.span == parse_statement("a = 1", 5).span


def test_errors_are_not_cached():
    cache = StatementCache(8)
    for _ in range(2):
        with pytest.raises(ScnError):
            cache.statement("a = = 1", 1)
    assert len(cache) == 0


def test_a_piece_memo_holds_its_pieces_so_their_ids_are_not_reused():
    model = load_model(TEXT)
    memo: PieceMemo[str] = PieceMemo()
    for k in range(200):  # pieces made and dropped: an id freed could come back
        (piece,) = parse_overrides(model, [f"a = {k}"])["a"]
        assert memo.get(piece) is None
        memo.put(piece, str(k))
        del piece
        gc.collect()
    assert len(memo) == 200
    assert sorted(v for _, v in memo.items()) == sorted(str(k) for k in range(200))


def test_equal_pieces_of_two_models_keep_their_own_entries():
    one, two = load_model(TEXT), load_model(TEXT + "d = c\n")
    p, q = one.layers["base"]["c"][0], two.layers["base"]["c"][0]
    assert p == q and p is not q
    assert uses_of(one, p) == uses_of(two, q)
    assert one.cache is not two.cache and one.cache.uses.get(q) is None


def test_overrides_evaluated_one_after_another_never_see_each_other():
    model = load_model(TEXT)
    for k in range(50):
        r = evaluate(model, "base", parse_overrides(model, [f"b = a * {k}"]))
        assert r.series("c") == [k + 1.0] * 3
    assert evaluate(model).series("c") == [3.0] * 3


def test_generic_tables_memo_per_piece_and_once_per_key():
    cache = ModelCache()
    model = load_model(TEXT)
    piece = model.layers["base"]["a"][0]
    calls = []
    for _ in range(2):
        assert cache.memo("mine", piece, lambda: calls.append(1) or "x") == "x"
        assert cache.once("mine.key", ("k", 1), lambda: calls.append(2) or "y") == "y"
    assert calls == [1, 2]
    assert cache.recall("other", 1) is None
    cache.keep("other", 1, "z")
    assert cache.recall("other", 1) == "z"


# Module-level containers that may grow with what a process reads, each with its bound.
BOUNDED = {("engine.polars_expr", "_LITERALS"),  # cleared at 100,000 literals
           ("dsl.document", "_CACHE"),  # an LRU of 200,000 statements
           ("engine.cover", "_FILLED"),  # one row per (winner, length), cleared past 64
           ("engine.cover", "_ZEROS")}  # one grid per shape, cleared past 64 shapes


def test_no_module_level_table_grows_with_the_models_a_process_reads():
    """A long UI session or a review bot reads model after model: a table keyed by
    what a model holds (variable names, cells) would grow without end. Only the
    bounded caches above may grow; everything else is per model."""
    import sys

    from engine.sensitivity import derivative_formula, derivatives

    def sizes():
        out = {}
        for name, module in list(sys.modules.items()):
            if name.split(".")[0] in ("dsl", "engine", "display"):
                for attr, value in vars(module).items():
                    if isinstance(value, (dict, set, list)):
                        out[(name, attr)] = len(value)
        return out

    def read(k):  # a model whose variable names no other model had
        text = f"years 2024..2027\nin{k} = 5%\nbase{k}[2024] = 100\nbase{k} = base{k}[t-1] * (1 + in{k})\n"
        model = load_model(text)
        derivatives(model, f"base{k}", f"in{k}")
        derivative_formula(model, f"base{k}", f"in{k}")

    read(0)
    before = sizes()
    for k in range(1, 30):
        read(k)
    grown = {key for key, n in sizes().items() if n > before.get(key, 0)} - BOUNDED
    assert grown == set()


def test_a_text_read_again_unchanged_gives_the_same_document_until_the_cache_changes():
    text = TEXT + "d = c +\n"  # an error too: reported again each time
    doc, errors = document.parse_document(text, "m.scn", collect=True)
    errors.append("not a diagnostic")  # the caller's list: not the one kept
    again, errors_again = document.parse_document(text, "m.scn", collect=True)
    assert again is doc and errors_again == errors[:-1] and len(errors_again) == 1
    other, _ = document.parse_document(text, "other.scn", collect=True)
    assert other is not doc and other == doc
    document.statement_cache().clear()  # statements parsed anew: a new document
    fresh, _ = document.parse_document(text, "other.scn", collect=True)
    assert fresh == doc and fresh is not doc
    assert fresh.definitions[0].definition is not doc.definitions[0].definition
