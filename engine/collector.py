"""Pausing Python's cycle collector around work that builds many small objects.

Models, their uses and output rows are trees of small frozen objects and
strings with no reference cycles, so the collector finds nothing, yet each of
its passes walks every object built so far: on a 10,000-variable file it was
a third of the load time, and a model with dims makes a row per member
combination (200,000 for 200 variables over 1,000 members). Memory is still
freed by reference counting.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def paused_collector():
    """No cycle collection inside the block; the collector's state is restored after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
