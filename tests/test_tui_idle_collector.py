"""The cycle collector in the UI (tui/idle_collector.py): off while the app runs, run on a
timer when no key came lately and no worker runs, and given back as found at exit."""

from __future__ import annotations

import asyncio
import gc
import weakref

from tests.test_tui_app import opened, scn_file, sync
from tui import idle_collector

assert scn_file  # a fixture, used by name below


class Node:
    pass


def garbage_cycle() -> weakref.ref:
    """A reference cycle nothing reaches: only the cycle collector frees it."""
    node = Node()
    node.me = node
    return weakref.ref(node)


async def wait_for(pilot, done, timeout: float = 10.0) -> bool:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not done() and loop.time() < end:
        await pilot.pause(0.05)
    return done()


@sync
async def test_the_collector_is_off_while_the_app_runs_and_as_found_after(scn_file):
    was = gc.isenabled()
    try:
        gc.enable()
        async with opened(scn_file) as (app, pilot):
            assert not gc.isenabled()
        assert gc.isenabled()
        gc.disable()
        async with opened(scn_file) as (app, pilot):
            assert not gc.isenabled()
        assert not gc.isenabled()  # it was off: it stays off
    finally:
        (gc.enable if was else gc.disable)()


@sync
async def test_cycles_are_collected_when_idle_and_not_just_after_a_key(scn_file, monkeypatch):
    monkeypatch.setattr(idle_collector, "TICK", 0.05)
    monkeypatch.setattr(idle_collector, "MIN_NEW", 0)
    monkeypatch.setattr(idle_collector, "QUIET", 60.0)  # a key read is recent for a minute
    monkeypatch.setattr(idle_collector, "MAX_WAIT", 60.0)
    async with opened(scn_file) as (app, pilot):
        await pilot.press("down")
        cycle = garbage_cycle()
        before = app.collector.collections
        await pilot.pause(0.5)  # ten ticks, each just after a key
        assert cycle() is not None and app.collector.collections == before
        monkeypatch.setattr(idle_collector, "QUIET", 0.0)
        assert await wait_for(pilot, lambda: cycle() is None)
        assert app.collector.collections > before


@sync
async def test_a_long_busy_spell_still_collects(scn_file, monkeypatch):
    monkeypatch.setattr(idle_collector, "TICK", 0.05)
    monkeypatch.setattr(idle_collector, "MIN_NEW", 0)
    monkeypatch.setattr(idle_collector, "QUIET", 60.0)
    monkeypatch.setattr(idle_collector, "MAX_WAIT", 0.3)  # busy longer than this: collected
    async with opened(scn_file) as (app, pilot):
        await pilot.press("down")
        cycle = garbage_cycle()
        assert await wait_for(pilot, lambda: cycle() is None)


@sync
async def test_an_app_left_alone_collects_nothing(scn_file, monkeypatch):
    """No pass while fewer containers than Python's first threshold were made since the
    last: an idle app does no work every second."""
    monkeypatch.setattr(idle_collector, "TICK", 0.05)
    monkeypatch.setattr(idle_collector, "QUIET", 0.0)
    monkeypatch.setattr(idle_collector, "MIN_NEW", 10**9)
    async with opened(scn_file) as (app, pilot):
        before = app.collector.collections
        await pilot.pause(0.5)
        assert app.collector.collections == before
        monkeypatch.setattr(idle_collector, "MIN_NEW", 0)
        assert await wait_for(pilot, lambda: app.collector.collections > before)
