"""The engine: resolve, check, compile and evaluate models. Pure: no files, no front ends."""

from engine.api import (Result, evaluate, load_model, parse_overrides, prepare,  # noqa: F401
                        recompute)
