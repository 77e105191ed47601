"""Checked models kept between runs (files/model_cache.py): a kept model is the
model loading gives, spans, warnings, covers and graphs included, and runs to
the same output; it is used only for the same text, path and code; a damaged
or foreign cache file is ignored; whole processes print the same with it and
without it."""

from __future__ import annotations

import dataclasses
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from dsl import document
from engine import evaluate, load_model, prepare
from files import model_cache
from test_parse_cache import cache_home  # noqa: F401 (the fixture: a cache directory of the test's own)

ROOT = Path(__file__).resolve().parent.parent
SCN = Path(sys.executable).with_name("scn")
SCENARIOS = sorted((ROOT / "scenarios").glob("*.scn")) + sorted(
    (ROOT / "tests" / "models").glob("*.scn"))
# A hidden character in a comment and two units added: a model that loads with warnings.
WARNED = ("years 2024..2026\n# a zero\u200bwidth space\nx: USD = 1\ny: PFLOPS = 2\n"
          "z = x + y\nscenario up {\n  x = 3\n}\n")


def shape(x, seen=None):
    """A value as nested tuples of everything it holds, spans included."""
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return (type(x).__name__,
                *(shape(getattr(x, f.name)) for f in dataclasses.fields(x)
                  if f.name != "cache"))
    if isinstance(x, (tuple, list)):
        return tuple(shape(v) for v in x)
    if hasattr(x, "items"):
        return tuple((k, shape(v)) for k, v in x.items())
    return (type(x).__name__, repr(x))


def _kept(text: str, source: str):
    """The model loaded, kept, and read back."""
    model = load_model(text, source)
    model_cache.write(source, text, model)
    return model, model_cache.read(source, text)


def _cover_shape(covers):
    return {v: (c.rows, [shape(p) for p in c.pieces]) for v, c in covers.items()}


@pytest.mark.parametrize("path", SCENARIOS + ["warned"], ids=lambda p: getattr(p, "name", p))
def test_a_kept_model_is_the_loaded_one_and_runs_the_same(path, cache_home, tmp_path):
    if path == "warned":
        path = tmp_path / "warned.scn"
        path.write_text(WARNED)
    text = path.read_text()
    model, kept = _kept(text, str(path))
    assert kept is not None and kept is not model
    assert shape(kept) == shape(model)
    assert kept == model
    assert kept.warnings == model.warnings
    if path.name == "warned.scn":
        assert {w.code for w in kept.warnings} == {"hidden-character", "unit"}
    assert set(kept.cache.checked) == set(model.scenarios)
    for name in model.scenarios:
        ours, theirs = kept.cache.checked[name], model.cache.checked[name]
        assert _cover_shape(ours.cover) == _cover_shape(theirs.cover)
        assert ours.graph.deps == theirs.graph.deps
        assert shape(ours.graph.levels) == shape(theirs.graph.levels)
        assert ours.errors == theirs.errors == []
        fresh = evaluate(model, name).frame
        again = evaluate(kept, name).frame
        assert again.equals(fresh, null_equal=True)
        assert again.columns == fresh.columns


def test_pieces_and_their_memos_stay_one_object(cache_home, tmp_path):
    """A cover's pieces are the layers' pieces (the per-piece caches are keyed by identity)."""
    path = ROOT / "scenarios" / "ai_capex.scn"
    _, kept = _kept(path.read_text(), str(path))
    pieces = {id(p) for layer in kept.layers.values() for ps in layer.values() for p in ps}
    for checked in kept.cache.checked.values():
        assert all(id(p) in pieces for c in checked.cover.values() for p in c.pieces)
    for piece, draws in kept.cache.draws.items():
        assert id(piece) in pieces and kept.cache.draws.get(piece) is draws
    assert prepare(kept, "base").graph is kept.cache.checked["base"].graph


def test_only_the_same_text_path_and_code_read_it(cache_home, tmp_path, monkeypatch):
    path = tmp_path / "m.scn"
    path.write_text(WARNED)
    _kept(WARNED, str(path))
    assert model_cache.read(str(path), WARNED) is not None
    assert model_cache.read(str(path), WARNED.replace("x = 3", "x = 4")) is None
    assert model_cache.read(str(path), WARNED + "\n") is None
    # another name for the same file: its messages would name the file otherwise
    monkeypatch.chdir(tmp_path)
    assert model_cache.read("m.scn", WARNED) is None
    monkeypatch.setattr(model_cache, "_VERSION", b"0" * 64)
    assert model_cache.read(str(path), WARNED) is None


def test_the_code_version_covers_the_engine_and_the_parser():
    version = model_cache.code_version()
    assert len(version) == 64
    names = {p.name for p in (ROOT / "engine").glob("*.py")}
    assert {"check.py", "graph.py", "resolve.py"} <= names  # what the digest reads


class _Boom:
    def __reduce__(self):
        return (os.system, ("echo owned",))


def _head(source: str, text: str) -> bytes:
    return model_cache._header(source, text)


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty", "stale version",
                                    "foreign class", "foreign global", "wrong type",
                                    "another path", "a directory"])
def test_a_damaged_cache_file_is_ignored(damage, cache_home, tmp_path):
    path = tmp_path / "m.scn"
    path.write_text(WARNED)
    source = str(path)
    model, _ = _kept(WARNED, source)
    (entry,) = (cache_home / "scn" / "model").glob("*.pickle")
    data = entry.read_bytes()
    head = _head(source, WARNED)
    assert data.startswith(head)
    elsewhere = load_model(WARNED, "elsewhere.scn")
    other = model_cache.encode("elsewhere.scn", WARNED, elsewhere)[len(_head("elsewhere.scn",
                                                                              WARNED)):]
    bad = {
        "truncated": data[: len(data) // 2],
        "garbage": head + b"\x80\x05not a pickle at all",
        "empty": b"",
        "stale version": model_cache.FORMAT + b"0" * 64 + data[len(model_cache.FORMAT) + 64:],
        "foreign class": head + pickle.dumps(_Boom()),
        "foreign global": head + pickle.dumps(pickle.loads),
        "wrong type": head + pickle.dumps({"source": source}),
        "another path": head + other,  # a model checked under another name
    }
    if damage == "a directory":
        entry.unlink()
        entry.mkdir()
    else:
        entry.write_bytes(bad[damage])
    assert model_cache.read(source, WARNED) is None


def _scn(*args, env=None):
    return subprocess.run([str(SCN), *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def test_whole_processes_print_the_same_with_a_kept_model(tmp_path):
    """The first run parses (the parse cache written, and the checked model too
    when a child can write it beside the command: `files.background` forks only
    with a core to spare), the second reads every statement from it and keeps
    the checked model, the third reads that."""
    model = tmp_path / "m.scn"
    model.write_text(WARNED)
    env = {"XDG_CACHE_HOME": str(tmp_path / "xdg")}
    kept = tmp_path / "xdg" / "scn" / "model"
    args = ("run", str(model), "--all-scenarios", "--format", "csv")
    runs = []
    for n in range(3):
        runs.append(_scn(*args, env=env))
        assert len(list(kept.glob("*.pickle"))) == 1 or n == 0
    off = _scn(*args, env={"SCN_NO_CACHE": "1", **env})
    check = [_scn("check", str(model), env=e) for e in (env, {"SCN_NO_CACHE": "1"})]
    assert [r.returncode for r in runs + [off] + check] == [0] * 6
    assert runs[0].stdout == runs[1].stdout == runs[2].stdout == off.stdout
    assert "U+200B" in off.stderr and "USD + PFLOPS" in off.stderr
    assert runs[0].stderr == runs[1].stderr == runs[2].stderr == off.stderr
    assert check[0].stdout == check[1].stdout and check[0].stderr == check[1].stderr
    model.write_text(WARNED.replace("x = 3", "x = 5"))  # edited: checked again, never the old
    edited = _scn(*args, env=env)
    assert edited.returncode == 0 and edited.stdout != runs[0].stdout
    assert edited.stdout == _scn(*args, env={"SCN_NO_CACHE": "1"}).stdout


def test_no_cache_reads_and_writes_nothing(cache_home, monkeypatch, tmp_path):
    monkeypatch.setenv("SCN_NO_CACHE", "1")
    model, kept = _kept(WARNED, str(tmp_path / "m.scn"))
    assert kept is None
    assert not cache_home.exists()
    document.statement_cache().clear()


@pytest.mark.parametrize("forks", [True, False])
@pytest.mark.parametrize("more_to_do", [True, False])
def test_a_new_file_kept_only_beside_a_command_that_goes_on(forks, more_to_do, cache_home,
                                                           tmp_path, monkeypatch):
    """`cli.common.load` of a file never parsed keeps its checked model only when a
    child can write it (files.background) and the command goes on after the load
    (`scn check` would wait for the child); the next load of the same text then
    writes it in any case."""
    from cli import common
    from files import background
    from files.reading import Texts

    monkeypatch.setattr(background, "forks", lambda: forks)
    monkeypatch.setattr(background, "soon", lambda work: work())  # the child's work, here
    document._CACHE.clear()
    path = tmp_path / "new.scn"
    path.write_text(WARNED)
    kept = cache_home / "scn" / "model"
    common.load(str(path), Texts({}), more_to_do=more_to_do)
    assert len(list(kept.glob("*.pickle"))) == (1 if forks and more_to_do else 0)
    document._CACHE.clear()  # a new process: statements from the parse cache only
    common.load(str(path), Texts({}), more_to_do=more_to_do)
    assert len(list(kept.glob("*.pickle"))) == 1
