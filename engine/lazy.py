"""A module imported at its first use, for the modules `scn check` loads.

Checking a file reads the function table (`engine.functions`: names,
arities, what each reads) but evaluates nothing, so polars (a quarter of a
second to import) must not load with the table. `pl = lazy("polars")` binds
a stand-in that imports polars when an attribute is first read, then holds
the module's names itself, so later reads cost what a module's do.
"""

from __future__ import annotations

import importlib
from typing import Any


class LazyModule:
    def __init__(self, name: str):
        self._lazy_name = name

    def __getattr__(self, attr: str) -> Any:  # only for names not yet copied
        module = importlib.import_module(self._lazy_name)
        self.__dict__.update(vars(module))
        return getattr(module, attr)


def lazy(name: str) -> Any:
    return LazyModule(name)
