"""Snapshots of the terminal UI (pytest-textual-snapshot): the grid, the inspector,
the error screen and compare mode, at the sizes of real terminals (80x24 and
200x50), the file watcher on as users run it. Update with `pytest
--snapshot-update` and look at the report before committing new ones."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.test_tui_app import fallback, settle
from tui.app import ScnApp
from tui.widgets.grid import Grid

ROOT = Path(__file__).resolve().parent.parent
SMALL, LARGE = (80, 24), (200, 50)


@pytest.fixture
def here(tmp_path, monkeypatch):
    """A copy of the bundled scenario under a short relative path (paths show on screen)."""
    shutil.copy(ROOT / "tests" / "models" / "ai_capex_v1.scn", tmp_path / "ai_capex.scn")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def app_for(path: str) -> ScnApp:
    return ScnApp(path, blink=False, sensitivities=fallback, sens_delay=0.01, clock=lambda: 0.0)


def test_grid(snap_compare, here):
    assert snap_compare(app_for("ai_capex.scn"), terminal_size=SMALL, run_before=settle)


def test_inspector_and_tornado_after_an_edit(snap_compare, here):
    async def run_before(pilot):
        await settle(pilot)
        grid = pilot.app.query_one(Grid)
        grid.move_to("asic_share", 2030)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press(*"interp({2024: 10%, 2030: 60%})", "enter")
        await settle(pilot)
        grid.move_to("optics_tam", 2030)
        await pilot.press("t")
        await settle(pilot)

    assert snap_compare(app_for("ai_capex.scn"), terminal_size=LARGE, run_before=run_before)


def test_compare_mode(snap_compare, here):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("right_square_bracket", "c")
        await settle(pilot)

    assert snap_compare(app_for("ai_capex.scn"), terminal_size=LARGE, run_before=run_before)


def test_error_screen(snap_compare, here):
    (here / "bad.scn").write_text(
        "years 2024..2026\nx = 1 +\ny = z * 2\nscenario s {\n  w = 3\n}\n")
    assert snap_compare(app_for("bad.scn"), terminal_size=SMALL, run_before=settle)
