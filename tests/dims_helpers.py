"""A small model with dims for the output tests, and a stand-in for the engine's
dims API where a test checks only a renderer.

`DIMS` is the model the command tests run through the real `scn` once the engine
evaluates dims (`needs_dims_engine` skips them until it does). `stand_in`
wraps a dimensionless model of the same variables with the dims API of
/work/briefs/dims-api.md (`dims`, `member_of`, `dims_of`, `combos`), so the
renderers are tested against hand-written output without the engine.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import product
from types import SimpleNamespace

import pytest

DIMS = """\
model "Hyperscaler capex"
years 2024..2026
dim company = {goog, meta, orcl}
dim speed = {g400, g800}

section "Capex"
capex[2024] = {goog: 50B, meta: 40B, orcl: 10B}
capex = capex[t-1] * (1 + capex_growth)
capex_growth = 20%
capex_growth[orcl] = 50%
na_capex = sum(capex, company)
capex_share = capex / na_capex

section "Optics"
mix = {g400: 60%, g800: 40%}
optics = capex * 1% * mix

scenario bull {
  capex_growth[orcl] = 90%
}
"""

DIMS_OF = {"capex": ("company",), "capex_growth": ("company",), "na_capex": (),
           "capex_share": ("company",), "mix": ("speed",), "optics": ("company", "speed")}

# The same variables without dims, for a stand-in model (sections and kinds as DIMS has them).
FLAT = """\
model "Hyperscaler capex"
years 2024..2026

section "Capex"
capex = 1
capex_growth = 20%
na_capex = 1
capex_share = 1

section "Optics"
mix = 60%
optics = 1

scenario bull {
  capex_growth = 90%
}
"""


class StandIn:
    """A model with the dims API over a dimensionless one."""

    def __init__(self, model, dims: dict[str, tuple[str, ...]],
                 dims_of: dict[str, tuple[str, ...]]):
        self._model = model
        self.dims = {d: SimpleNamespace(name=d, members=m) for d, m in dims.items()}
        self.member_of = {m: (d, i) for d, ms in dims.items() for i, m in enumerate(ms)}
        self.dims_of = {v: dims_of.get(v, ()) for v in model.variables}

    def combos(self, variable):
        return tuple(product(*(self.dims[d].members for d in self.dims_of[variable])))

    def __getattr__(self, name):
        return getattr(self._model, name)


def stand_in():
    from engine import load_model

    return StandIn(load_model(FLAT, "flat.scn"),
                   {"company": ("goog", "meta", "orcl"), "speed": ("g400", "g800")}, DIMS_OF)


@lru_cache(maxsize=None)
def engine_evaluates_dims() -> bool:
    from dsl.errors import ScnError
    from engine import load_model

    try:
        load_model(DIMS, "dims.scn")
    except ScnError as e:
        if any(d.code == "dims-unsupported" for d in e.diagnostics):
            return False
        raise
    return True


needs_dims_engine = pytest.mark.skipif(
    not engine_evaluates_dims(), reason="the engine does not evaluate dims yet (dims-engine branch)")
