"""The UI opening a checked model kept by an earlier run (files.model_cache).

A kept model's definitions are not the parser's cache's (read back from a
file, they are new objects): `tui.session.disk.seed_statements` puts them
there, so that what the session loads again (a reload, a save) shares the
definitions that did not change with it, as after a load in this process.
Here: the seeded statements are the parser's trees, an edit of a kept model
recomputes only what it reaches and gives the values of a fresh load, a
reload after an outside change parses only the changed line, and the app
keeps the file's model (never one with edits) and opens from it next time.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.generate import generate_info
from dsl import ast as A
from dsl import document
from dsl.parser import parse_statement
from engine import evaluate, load_model
from files import model_cache
from tests.test_tui_app import go_to, grid_text, opened, row_text, sync, touch, until
from tests.test_tui_app import edit as edit_in_app
from tests.test_tui_session import assert_same_values
from tui.session import RELOADED, Session
from tui.session.disk import keep_model, load_kept, seed_statements

ROOT = Path(__file__).resolve().parent.parent
AI = ROOT / "tests" / "models" / "ai_capex_v1.scn"


@pytest.fixture
def fresh_parser(monkeypatch):
    """A parser's cache of its own, empty: as in a process that has parsed nothing."""
    def fresh():
        cache = document.StatementCache(200_000)
        monkeypatch.setattr(document, "_CACHE", cache)
        return cache
    return fresh


def kept_model(path: Path, fresh_parser):
    """The model of `path` as a second run reads it: written by a first run, read back."""
    text = path.read_text()
    fresh_parser()
    model, keep = load_kept(str(path), text)
    keep()
    keep_model(str(path), text, model)
    assert model_cache.holds(str(path), text)
    kept, after = load_kept(str(path), text)
    assert kept is not model and kept.variables == model.variables
    return kept, after


def definitions(model) -> list:
    return [p.definition for layer in model.layers.values() for ps in layer.values() for p in ps]


@pytest.mark.parametrize("source", [AI, ROOT / "scenarios" / "ai_capex.scn", "generated"])
def test_the_statements_seeded_from_a_kept_model_are_the_parsers(tmp_path, fresh_parser, source):
    path = tmp_path / "m.scn"
    if source == "generated":
        path.write_text(generate_info(300, 12, seed=3).text)
    else:
        shutil.copy(source, path)
    text = path.read_text()
    kept, after = kept_model(path, fresh_parser)
    cache = fresh_parser()
    after()  # seed_statements
    raws = document.statements_of(text)
    nodes = [parse_statement(raw.text, raw.line) for raw in raws]
    others = [n for n in nodes if not isinstance(n, A.Definition)]  # title, years, sections
    assert cache.parsed == len(others)  # the definitions were not parsed
    mine = {id(d) for d in definitions(kept) if d.doc is None}
    assert sum(id(cache.statement(raw.text, raw.line)) in mine for raw in raws) == len(mine)
    for raw in raws:
        node, parsed = cache.statement(raw.text, raw.line), parse_statement(raw.text, raw.line)
        assert (node, getattr(node, "doc", None)) == (parsed, getattr(parsed, "doc", None)), raw
    again = load_model(text, str(path))  # as a reload of the same text would
    assert cache.parsed == len(others)
    # the same definitions: the very objects, but for the documented (a copy per load)
    pairs = list(zip(definitions(again), definitions(kept), strict=True))
    assert all(a is b for a, b in pairs if a.doc is None)
    assert [(a, a.doc) for a, _ in pairs] == [(b, b.doc) for _, b in pairs]
    assert again.layers == kept.layers


def test_an_edit_of_a_kept_model_is_incremental_and_a_reload_parses_the_changed_line(
        tmp_path, fresh_parser):
    path = tmp_path / "ai_capex.scn"
    shutil.copy(AI, path)
    kept, after = kept_model(path, fresh_parser)
    cache = fresh_parser()
    after()
    session = Session(str(path), path.read_text(), kept)
    everything = len(session.model.variables)
    session.values("base")
    session.apply(session.editor("base", "accel_share", 2027, single_year=False).target, "65%")
    redone = session.result("base").redone
    assert redone is not None and "accel_share" in redone and len(redone) < everything / 2
    assert_same_values(session)

    session.undo()
    parsed = cache.parsed
    path.write_text(path.read_text().replace("accel_share = 60%", "accel_share = 70%"))
    touch(path, 1)
    assert session.watch() == RELOADED
    assert cache.parsed == parsed + 1  # the one line changed
    old, new = definitions(kept), definitions(session.model)
    assert len(old) == len(new)
    # the others are the kept model's (the documented: copies, as on every load)
    assert all(a is b for a, b in zip(old, new) if a.doc is None and a.name != "accel_share")
    assert sum(a.doc is None for a in old) >= 10
    assert_same_values(session)


@sync
async def test_the_app_keeps_the_files_model_and_opens_from_it(tmp_path, monkeypatch):
    path = tmp_path / "ai_capex.scn"
    shutil.copy(AI, path)
    original = path.read_text()
    async with opened(path) as (app, pilot):
        assert app.filled and model_cache.holds(str(path), original)
        await go_to(pilot, "accel_share", 2027)
        await edit_in_app(pilot, "enter", "65%")  # unsaved: the kept model is the file's
        first = grid_text(app)

    written = model_cache._entry_path(str(path)).stat().st_mtime_ns

    def no_load(*args, **kwargs):
        raise AssertionError("loaded anew: the kept model was not used")
    monkeypatch.setattr("engine.api.load_model", no_load)
    async with opened(path) as (app, pilot):
        assert "60.0%" in row_text(app, "accel_share")
        await go_to(pilot, "accel_share", 2027)
        await edit_in_app(pilot, "enter", "65%")
        assert grid_text(app) == first  # the same screen as an edit of a model loaded anew
        monkeypatch.undo()
        # the watcher: a change on disk (the edit undone first, else it is only noted)
        await pilot.press("ctrl+z")
        await until(pilot, lambda: not app.session.dirty)
        path.write_text(original.replace("accel_share = 60%", "accel_share = 70%"))
        touch(path, 1)
        await until(pilot, lambda: "70.0%" in row_text(app, "accel_share"))
    assert model_cache._entry_path(str(path)).stat().st_mtime_ns == written  # not again
    model = model_cache.read(str(path), original)
    assert model is not None  # the file as it was loaded, without the edit
    assert evaluate(model).series("accel_share")[3] == pytest.approx(0.60)
