"""The parse cache kept between runs (files/parse_cache.py): the same syntax
trees, spans included, with it and without; a damaged, stale or foreign cache
file is ignored, an unwritable cache directory is no error; the cache lives
under $XDG_CACHE_HOME."""

from __future__ import annotations

import dataclasses
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dsl import document
from dsl.document import parse_document
from files import background, parse_cache

ROOT = Path(__file__).resolve().parent.parent
SCN = Path(sys.executable).with_name("scn")
SCENARIOS = sorted((ROOT / "scenarios").glob("*.scn"))


def shape(x):
    """A node as nested tuples of everything it holds, spans included (== on nodes
    leaves spans out)."""
    if dataclasses.is_dataclass(x):
        return (type(x).__name__,
                *(shape(getattr(x, f.name)) for f in dataclasses.fields(x)))
    if isinstance(x, tuple):
        return tuple(shape(v) for v in x)
    return (type(x).__name__, repr(x))


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    home = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    monkeypatch.delenv("SCN_NO_CACHE", raising=False)
    document.statement_cache().clear()
    yield home
    document.statement_cache().clear()


def _load_twice(path: Path):
    """Parse the file cold (the cache written), then again from the cache only."""
    text = path.read_text()
    with parse_cache.kept(str(path), text):
        cold = parse_document(text, str(path))
    document.statement_cache().clear()
    cache = document.statement_cache()
    with parse_cache.kept(str(path), text):
        before = cache.parsed
        warm = parse_document(text, str(path))
        parsed = cache.parsed - before
    return cold, warm, parsed


def _generated(tmp_path) -> Path:
    sys.path.insert(0, str(ROOT))
    from bench.generate import generate

    path = tmp_path / "gen.scn"
    path.write_text(generate(300, 30, seed=3))
    return path


@pytest.mark.parametrize("name", [p.name for p in SCENARIOS] + ["generated"])
def test_the_cache_gives_the_same_trees_spans_included(name, cache_home, tmp_path):
    path = _generated(tmp_path) if name == "generated" else ROOT / "scenarios" / name
    cold, warm, parsed = _load_twice(path)
    assert parsed == 0  # every statement came from the cache file
    assert shape(warm) == shape(cold)
    assert warm == cold
    assert list((cache_home / "scn" / "parse").glob("*.pickle"))


def test_an_edit_parses_only_the_changed_statement(cache_home, tmp_path):
    path = tmp_path / "m.scn"
    path.write_text("years 2024..2026\na = 1\nb = a * 2\nc = b + a\n")
    _load_twice(path)
    edited = "years 2024..2026\na = 1\nb = a * 3\nc = b + a\n"
    path.write_text(edited)
    document.statement_cache().clear()
    cache = document.statement_cache()
    with parse_cache.kept(str(path), edited):
        before = cache.parsed
        doc = parse_document(edited, str(path))
        assert cache.parsed - before == 1
    document.statement_cache().clear()
    assert shape(doc) == shape(parse_document(edited, str(path)))


@pytest.mark.parametrize("name", [p.name for p in SCENARIOS])
def test_lines_inserted_above_move_the_statements_below_without_parsing(name, cache_home,
                                                                        tmp_path):
    """Keyed by text: a statement that only moved is the kept tree with its spans
    moved, the same (spans included) as parsing it where it now stands."""
    text = (ROOT / "scenarios" / name).read_text()
    path = tmp_path / name
    path.write_text(text)
    _load_twice(path)
    lines = text.splitlines(keepends=True)
    axis = ("years ", "quarters ", "months ")
    at = next(i for i, line in enumerate(lines) if line.startswith(axis)) + 1
    edited = "".join(lines[:at] + ["\n", "inserted = 1\n", "# a comment\n"] + lines[at:])
    document.statement_cache().clear()
    cache = document.statement_cache()
    with parse_cache.kept(str(path), edited):
        parsed = []
        real = document.parse_statement
        try:
            document.parse_statement = lambda t, line: parsed.append(t) or real(t, line)
            doc = parse_document(edited, str(path))
        finally:
            document.parse_statement = real
    assert parsed == ["inserted = 1"]
    document.statement_cache().clear()
    fresh = parse_document(edited, str(path))
    assert shape(doc) == shape(fresh)
    # the copy kept is renewed with the moved trees: the next run moves nothing
    document.statement_cache().clear()
    with parse_cache.kept(str(path), edited):
        before = cache.parsed
        assert shape(parse_document(edited, str(path))) == shape(fresh)
        assert cache.parsed == before


def _entry(cache_home) -> Path:
    (entry,) = (cache_home / "scn" / "parse").glob("*.pickle")
    return entry


class _Boom:
    def __reduce__(self):
        return (os.system, ("echo owned",))


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty", "stale version",
                                    "foreign class", "wrong shape", "a directory",
                                    "a builder of no tree class", "no builder"])
def test_a_damaged_cache_file_is_ignored(damage, cache_home, tmp_path):
    path = ROOT / "scenarios" / "ai_capex.scn"
    cold, _, _ = _load_twice(path)
    entry = _entry(cache_home)
    data = entry.read_bytes()
    head = parse_cache.FORMAT + parse_cache.parser_version().encode() + b"\n"
    bad = {
        "truncated": data[: len(data) // 2],
        "garbage": head + b"\x80\x05not a pickle at all",
        "empty": b"",
        "stale version": parse_cache.FORMAT + b"0" * 64 + b"\n" + data[len(head):],
        "foreign class": head + pickle.dumps({("x = 1", 1): _Boom()}),
        "wrong shape": head + pickle.dumps([1, 2, 3]),
        # What a tree node is pickled as, `_New.<class>(values)`, named after a class
        # outside the syntax tree, or after the lookup itself.
        "a builder of no tree class": head + b"cfiles.parse_cache\n_New.Diagnostic\n"
                                             b"(S'x'\ntR.",
        "no builder": head + b"cfiles.parse_cache\n_New.of\n(S'Span'\ntR.",
    }
    if damage == "a directory":
        entry.unlink()
        entry.mkdir()
    else:
        entry.write_bytes(bad[damage])
        assert parse_cache.read(str(path)) is None
    document.statement_cache().clear()
    cache = document.statement_cache()
    text = path.read_text()
    with parse_cache.kept(str(path), text):
        before = cache.parsed
        again = parse_document(text, str(path))
        assert cache.parsed > before  # parsed, not read from the damaged file
    assert shape(again) == shape(cold)
    if damage != "a directory":  # renewed: the next run reads it
        assert parse_cache.read(str(path)) is not None


def _scn(*args, env=None):
    return subprocess.run([str(SCN), *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def test_whole_processes_warm_and_cold_print_the_same(tmp_path):
    model = tmp_path / "m.scn"
    model.write_text((ROOT / "scenarios" / "ai_capex.scn").read_text())
    env = {"XDG_CACHE_HOME": str(tmp_path / "xdg")}
    runs = [_scn("run", str(model), "--all-scenarios", "--format", "csv", env=env)
            for _ in range(2)]
    off = _scn("run", str(model), "--all-scenarios", "--format", "csv",
               env={"SCN_NO_CACHE": "1", **env})
    assert [r.returncode for r in runs + [off]] == [0, 0, 0]
    assert runs[0].stdout == runs[1].stdout == off.stdout
    assert runs[0].stderr == runs[1].stderr == off.stderr == ""
    assert len(list((tmp_path / "xdg" / "scn" / "parse").glob("*.pickle"))) == 1
    assert list((tmp_path / "xdg" / "scn").glob("grammar*.lark-cache"))  # lark's, per parser


def test_errors_are_the_same_from_a_warm_cache(tmp_path):
    model = tmp_path / "m.scn"
    model.write_text("years 2024..2026\na = 1\nb = a +\nc = d * 2\n")
    env = {"XDG_CACHE_HOME": str(tmp_path / "xdg")}
    first, second = (_scn("check", str(model), env=env) for _ in range(2))
    off = _scn("check", str(model), env={"SCN_NO_CACHE": "1"})
    assert first.returncode == second.returncode == off.returncode == 1
    assert first.stderr == second.stderr == off.stderr
    assert "b = a +" in first.stderr


@pytest.mark.parametrize("where", ["a file", "read-only"])
def test_an_unwritable_cache_directory_is_no_error(where, tmp_path):
    if where == "a file":
        home = tmp_path / "not-a-dir"
        home.write_text("x")
    else:
        if os.geteuid() == 0:
            pytest.skip("root writes a read-only directory")
        home = tmp_path / "ro"
        home.mkdir()
        home.chmod(0o500)
    done = _scn("check", str(ROOT / "scenarios" / "ai_capex.scn"),
                env={"XDG_CACHE_HOME": str(home)})
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.startswith(f"{ROOT / 'scenarios' / 'ai_capex.scn'}: ok")


def test_a_damaged_grammar_cache_is_rebuilt_silently(tmp_path):
    env = {"XDG_CACHE_HOME": str(tmp_path / "xdg")}
    model = str(ROOT / "scenarios" / "saas_revenue.scn")
    assert _scn("check", model, env=env).returncode == 0
    grammars = list((tmp_path / "xdg" / "scn").glob("grammar*.lark-cache"))
    assert grammars
    for grammar in grammars:
        grammar.write_bytes(grammar.read_bytes()[:100])
    (parse,) = (tmp_path / "xdg" / "scn" / "parse").glob("*.pickle")
    parse.unlink()  # so that the grammar is needed
    done = _scn("check", model, env=env)
    assert done.returncode == 0 and done.stderr == ""


def test_the_cache_directory_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("SCN_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert parse_cache.cache_home() == str(tmp_path / "scn")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # ignored, as XDG says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert parse_cache.cache_home() == str(tmp_path / "home" / ".cache" / "scn")
    monkeypatch.setenv("SCN_NO_CACHE", "1")
    assert parse_cache.cache_home() is None


# The start of a script run as a process of its own (only a process of one thread
# forks: files/background.py), argv ROOT and a file: the file's document and trees
# parsed in one process (`one`, `kept_one`), then the cache emptied and forks allowed.
IN_ONE_THEN = """
import os, sys
sys.path[:0] = [sys.argv[1], sys.argv[1] + "/tests"]
from test_parse_cache import shape
from dsl.document import parse_document, statement_cache, statements_of
from files import ahead, background, parse_cache, reading
path = sys.argv[2]
text = open(path).read()
one = parse_document(text, path, collect=True)
kept_one = statement_cache().of_text(text)
statement_cache().clear()
background.allow()
background._core_to_spare = lambda: True  # the suite's machine is often busy
"""
# Then the file loaded as `scn` loads it, and compared: the same document and errors
# (how many), the share of the statements this process parsed, the same kept trees.
THEN_IN_TWO = """
cache = statement_cache()
before = cache.parsed
with parse_cache.kept(path, text, early=ahead.take(path)):  # as cli.common.load does
    here = cache.parsed - before  # the statements this process parsed
    two = parse_document(text, path, collect=True)
background.wait()
kept_two = parse_cache.read(path)  # written in two parts, read back whole
print(shape(two[0]) == shape(one[0]), repr(two[1]) == repr(one[1]), len(one[1]),
      round(here / len(statements_of(text)), 2),
      [(k, shape(v)) for k, v in sorted(kept_two.items())]
      == [(k, shape(v)) for k, v in sorted(kept_one.items())])
"""


def test_a_large_new_file_parsed_in_two_processes_gives_the_same_document(tmp_path):
    """Its last statements parsed by a forked child (`parse_cache._parse_in_two`): the
    same document, spans included, and the same errors, from both halves; the
    cache file, written in two parts, holds the trees one process makes."""
    sys.path.insert(0, str(ROOT))
    from bench.generate import generate

    from dsl.statements import split_statements

    text = generate(2000, 30, seed=4)
    assert len(split_statements(text)) >= parse_cache.TWO_FROM
    lines = text.split("\n")
    for at in (len(lines) // 10, len(lines) - 20):  # one in each half
        lines.insert(at, "broken = (1 +")
    path = tmp_path / "big.scn"
    path.write_text("\n".join(lines))
    done = subprocess.run([sys.executable, "-c", IN_ONE_THEN + THEN_IN_TWO, str(ROOT),
                           str(path)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")})
    out = done.stdout.split()
    assert out[:3] + out[4:] == ["True", "True", "2", "True"], done.stderr
    assert 0 < float(out[3]) < 0.7  # the rest parsed by the child


def _large(tmp_path, broken: bool = False) -> tuple[Path, str]:
    sys.path.insert(0, str(ROOT))
    from bench.generate import generate

    lines = generate(2000, 30, seed=5).split("\n")
    if broken:
        for at in (len(lines) // 10, len(lines) - 20):  # one in each half
            lines.insert(at, "broken = (1 +")
    path = tmp_path / "big.scn"
    path.write_text("\n".join(lines))
    return path, path.read_text()


def test_a_large_new_file_parsed_with_a_spawned_process_gives_the_same_trees(cache_home,
                                                                            tmp_path,
                                                                            monkeypatch):
    """From a process that must not fork (the UI's, with threads: this suite's), the
    last half of a large new file is parsed by `python -m files.parse_child`
    (`parse_cache.parse_spawned`): the cache is seeded with the trees this process
    makes, spans included; what was parsed here is the first half only."""
    monkeypatch.setattr(background, "_core_to_spare", lambda: True)
    path, text = _large(tmp_path)
    cache = document.statement_cache()
    before = cache.parsed
    done = parse_cache.parse_spawned(str(path), text, cache)
    raws = document.statements_of(text)
    share = int(len(raws) * parse_cache.SPAWN_SHARE)
    assert done is not None and cache.parsed - before == len(raws) - share
    theirs = parse_cache.decode(done.data)
    assert set(theirs) == done.keys and len(theirs) == share
    ours = {}
    document.statement_cache().clear()
    for raw in raws:
        ours[(raw.text, raw.line)] = document.statement_cache().statement(raw.text, raw.line)
    assert [(k, shape(v)) for k, v in sorted(theirs.items())] == \
        [(k, shape(ours[k])) for k in sorted(theirs)]


def test_a_spawned_parse_keeps_errors_for_the_load_and_the_cache_in_two_parts(cache_home,
                                                                             tmp_path,
                                                                             monkeypatch):
    """The UI's load of a large new file (`tui.session.disk.load_kept`) with a statement
    that does not parse in each half: the load's errors are one process' errors; the
    cache file written after holds every statement that parsed, read back the same."""
    from dsl.errors import ScnError
    from engine.load import load_model
    from tui.session.disk import load_kept

    monkeypatch.setattr(background, "_core_to_spare", lambda: True)
    path, text = _large(tmp_path, broken=True)
    with pytest.raises(ScnError) as spawned:
        load_kept(str(path), text)
    document.statement_cache().clear()
    with pytest.raises(ScnError) as alone:
        load_model(text, str(path))
    assert [repr(d) for d in spawned.value.diagnostics] == \
        [repr(d) for d in alone.value.diagnostics]
    kept = parse_cache.read(str(path))  # written by load_kept on its error
    assert kept is not None and len(kept) == len(document.statements_of(text)) - 2


def test_a_file_changed_since_it_was_read_gives_nothing_from_the_spawned_process(
        cache_home, tmp_path, monkeypatch):
    monkeypatch.setattr(background, "_core_to_spare", lambda: True)
    path, text = _large(tmp_path)
    path.write_text(text.replace("= ", "=  ", 1))  # another text on disk now
    cache = document.statement_cache()
    assert parse_cache.parse_spawned(str(path), text, cache) is None
    raws = document.statements_of(text)
    assert len(cache) == len(raws) - int(len(raws) * parse_cache.SPAWN_SHARE)  # its share


def test_no_process_is_spawned_for_a_small_file_or_without_a_core_to_spare(cache_home,
                                                                          tmp_path,
                                                                          monkeypatch):
    path, text = _large(tmp_path)
    monkeypatch.setattr(background, "_core_to_spare", lambda: False)
    assert parse_cache.parse_spawned(str(path), text, document.statement_cache()) is None
    monkeypatch.setattr(background, "_core_to_spare", lambda: True)
    small = tmp_path / "small.scn"
    small.write_text("years 2025..2026\na = 1\n")
    assert parse_cache.parse_spawned(str(small), small.read_text(),
                                     document.statement_cache()) is None
    assert len(document.statement_cache()) == 0  # nothing parsed: the load parses it


def test_the_parse_child_says_nothing_of_a_file_it_cannot_read(tmp_path):
    done = subprocess.run([sys.executable, "-m", "files.parse_child", str(tmp_path / "gone"),
                           "0", "x"], capture_output=True, cwd=ROOT, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (1, b"", b"")


def test_a_stuck_parse_child_is_killed_and_its_share_parsed_by_the_load(cache_home, tmp_path,
                                                                        monkeypatch):
    """A child that takes far longer than the caller's share (stopped, a machine
    swapping) is killed; nothing of it is seeded, and the load parses the rest."""
    from engine.load import load_model

    monkeypatch.setattr(background, "_core_to_spare", lambda: True)
    monkeypatch.setattr(parse_cache, "SPAWN_PATIENCE", 0.0)
    real = background.spawned

    def stuck(module, args):  # a process that ends in 10 minutes, unless killed
        return real("timeit", ["-n", "1", "-r", "1", "import time; time.sleep(600)"])
    monkeypatch.setattr(background, "spawned", stuck)
    path, text = _large(tmp_path)
    cache = document.statement_cache()
    started = time.perf_counter()
    assert parse_cache.parse_spawned(str(path), text, cache) is None
    assert time.perf_counter() - started < 60
    raws = document.statements_of(text)
    assert len(cache) == len(raws) - int(len(raws) * parse_cache.SPAWN_SHARE)  # parsed here
    assert load_model(text, str(path)).variables  # the load parses the rest
