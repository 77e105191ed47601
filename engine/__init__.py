"""The engine: resolve, check, compile and evaluate models. Pure: no files, no front ends.

The names below are `engine.api`'s, imported on first use: `import engine.X`
must not load the whole engine (polars and numpy) for a module that needs
neither (`scn check` reads `engine.collector` and the checks only).
"""

_API = frozenset({"Result", "evaluate", "parse_overrides", "prepare", "recompute"})


def __getattr__(name: str):
    if name == "load_model":  # parse and check only: no polars
        from engine.load import load_model

        return load_model
    if name in _API:
        from engine import api

        return getattr(api, name)
    raise AttributeError(f"module 'engine' has no attribute {name!r}")


def __dir__():
    return sorted(_API | {"load_model"} | set(globals()))
