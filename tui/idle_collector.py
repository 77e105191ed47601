"""Python's cycle collector, run while the UI is idle rather than inside a key.

With the collector on, a pass of its youngest generation starts after every
700 new containers, on whichever thread made the 700th: the worker computing
an edit, or the UI thread painting it. After an edit of the 10,000-variable
model those passes took 2.4-6.3 ms each (the young containers of an edit
reach 10,000 rows: the table of values copied from the parent state, the
frame's columns by name), one every two or three edits; they made the slow
tail of the typical edit (300 dependents, 39-64 ms to the repainted grid,
36-48 ms with the collector off).

So the app turns the collector off while it runs (`start`, at mount) and
collects on a timer (`TICK`): the young generations when no worker runs, no
key came in the last `QUIET` seconds and at least `MIN_NEW` containers were
made since the last pass (as many as Python's own first pass waits for: an
app left alone does nothing), every generation each `FULL_EVERY`
collections, and the young ones anyway after `MAX_WAIT` seconds without a
quiet tick (a Monte Carlo run of minutes). Memory is still freed by
reference counting as it goes; only reference cycles (Textual's widgets and
messages, mostly) wait for the next tick. `stop` (at unmount) gives the
collector back as it was found: a test runs many apps in one process.
"""

from __future__ import annotations

import gc
import time

from textual.worker import WorkerState

TICK = 1.0  # seconds between looks
QUIET = 0.5  # seconds without a key before collecting
FULL_EVERY = 30  # collections: every generation each 30th (they come only after work)
MAX_WAIT = 10.0  # seconds: collect the young generations anyway after this long
MIN_NEW = 700  # containers made since the last pass (Python's first threshold)


class IdleCollector:
    def __init__(self, app) -> None:
        self.app = app
        self.last_key = 0.0  # time.monotonic() of the last key read (`key_read`)
        self.collections = 0
        self._last = time.monotonic()  # of the last collection
        self._was_enabled: bool | None = None  # None: not started

    def start(self) -> None:
        if self._was_enabled is None:
            self._was_enabled = gc.isenabled()
            gc.disable()
            self.app.set_interval(TICK, self.tick, name="idle collector")

    def stop(self) -> None:
        if self._was_enabled:
            gc.enable()
        self._was_enabled = None

    def key_read(self) -> None:
        self.last_key = time.monotonic()

    def busy(self) -> bool:
        """A worker running (an edit, a load, sensitivities) or a key just read."""
        return time.monotonic() - self.last_key < QUIET or any(
            w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in self.app.workers)

    def tick(self) -> None:
        if self._was_enabled is None:
            return
        now = time.monotonic()
        if gc.get_count()[0] < MIN_NEW or (self.busy() and now - self._last < MAX_WAIT):
            return
        self.collections += 1
        gc.collect(2 if self.collections % FULL_EVERY == 0 else 1)
        self._last = time.monotonic()
