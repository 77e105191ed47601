"""Gradual unit checking: each variable's unit, declared or inferred, and the warnings.

    unit_of(model, "gpu_compute")       # Unit PFLOPS (declared or inferred), or None
    unit_declared(model, "capex")       # True when the file annotates it
    aggregation_of(model, "customers")  # "last": the annotation's word, else None
    unit_warnings(model)                # Diagnostics with code "unit", severity warning

A variable's unit is its annotation; else the unit its definitions agree on
where the inference is sure; else unknown (None), and unknown is never
warned about: checking is gradual. What each expression's unit is:

- a number with `%` is `%`; a plain number (`5B`, `0.3`, `1`) is a literal,
  which takes the unit of what it is added to or compared with (`capex + 5`
  is USD) and scales what it multiplies; a variable defined by plain numbers
  alone is unknown (nothing says what they count);
- `+ -`, comparisons, `min`/`max`/`clamp`, `if` branches, the entries of a
  map (and `interp`/`step` of one), a distribution's parameters: their known
  units must agree (`%`, `x` and `1` are one dimensionless unit), else a
  warning; the result has their unit;
- `* /` combine units; `^` with an integer literal multiplies exponents, a
  non-integer one needs a dimensionless base; `sqrt` halves exponents;
- `growth`, `cagr`, `yoy` are `%`; `cumsum`, `ytd`, `ttm` and the aggregates
  (`sum`, `mean`, `min`, `max` over periods or a dim), `abs`, `round`,
  `floor`, `ceil` have their argument's unit; `exp`, `ln`, `t`, `year()` and
  comparisons are unknown.

Definitions that read each other through the periods (`capex = capex[t-1] *
(1 + g)`) are inferred together: each group of unannotated variables that
read one another is inferred from unknown until nothing changes (at most
MAX_ROUNDS rounds, then what is still unknown stays so), so the whole pass
is linear in the model's size. Warnings are then found in one walk of every
definition of every layer, at the expression that disagrees.

After an edit (`engine.edit`: one variable's definitions changed, the
annotations the same) the edited model starts from its parent's inference
(`edited`): only the variables the edit reaches through what they read are
inferred again, and only the definitions that read a variable whose unit
changed (and the edited ones) are walked for warnings. The outcome is the
whole pass's, the same groups in the same order (a test compares them);
what is skipped cannot differ (nothing it reads changed).
"""

from __future__ import annotations


from dsl import ast as A
from dsl.errors import Diagnostic, Subject
from engine.collector import paused_collector
from engine.model import Model
from engine.unit_rules import LITERAL, REFERENCES, Walker, described, literal_value
from engine.units import Unit, of_annotation

MAX_ROUNDS = 4


# ---------------------------------------------------------------- the API


def unit_of(model: Model, var: str) -> Unit | None:
    """The unit of `var`: its annotation's, else the inferred one, else None."""
    return _units(model).get(var)


def unit_declared(model: Model, var: str) -> bool:
    """Whether `var`'s unit is written in the file (an annotation), not inferred."""
    return var in model.annotations


def aggregation_of(model: Model, var: str) -> str | None:
    """How `var` rolls up across periods as annotated (`sum`, `last`, `mean`), else None."""
    note = model.annotations.get(var)
    return note.aggregation if note is not None else None


def declared_aggregations(model: Model) -> dict[str, str]:
    """Every annotated aggregation word, for `engine.rollup.aggregations(..., declared=)`."""
    return {v: n.aggregation for v, n in model.annotations.items() if n.aggregation}


def units(model: Model) -> dict[str, Unit | None]:
    """Every variable's unit (None: unknown), in the model's order."""
    found = _units(model)
    return {v: found.get(v) for v in model.variables}


def units_of_some(model: Model, names) -> dict[str, Unit | None]:
    """The units of `names` and of every variable they read, inferred on those alone
    (none of them reads outside: the same groups, in the same order, as the whole
    pass, hence the same units); nothing is kept. A model just opened shows its
    first rows before the whole inference (0.1-0.2 s at 10,000 variables) is done."""
    found = model.cache.recall("units", "of")
    if found is not None:
        return {v: found.get(v) for v in _upstream(model, names)[0]}
    with paused_collector():
        closure, reads = _upstream(model, names)
        env: dict[str, Unit | None] = {v: of_annotation(model.annotations[v])
                                       for v in closure if v in model.annotations}
        free = [v for v in model.variables if v in closure and v not in env]
        for v in free:
            env[v] = None
        _infer_groups(model, env, free, {v: {w: None for w in reads[v] if w in env
                                             and w not in model.annotations}
                                         for v in free},
                      defs={v: _definitions_of(model, v) for v in free})
        return env


def _upstream(model: Model, names) -> tuple[set[str], dict[str, dict[str, None]]]:
    """`names` (the model's variables among them) and every variable they read, in any
    layer, and what each of those reads."""
    reads: dict[str, dict[str, None]] = {}
    stack = [v for v in names if v in model.info]
    while stack:
        v = stack.pop()
        if v in reads:
            continue
        mine: dict[str, None] = {}
        for layer in model.scenarios:
            pieces = model.layers.get(layer, {}).get(v)
            if pieces is not None:
                _add_reads(model, mine, pieces)
        reads[v] = mine
        stack.extend(w for w in mine if w in model.info and w not in reads)
    return set(reads), reads


def moved_units(before: Model, model: Model) -> dict[str, Unit | None]:
    """The variables whose unit in `model` is not the one in `before` (the incremental
    pass after an edit keeps the same object for every unit it did not move), each with
    its unit: without building both models' tables of 10,000 units to compare them."""
    then, now = _units(before), _units(model)
    found = model.cache.recall("units", "moved")
    if found is not None and found[0] is before.cache:  # inferred from `before`'s:
        moved = found[1]  # only these can differ
        return {v: now.get(v) for v in model.variables
                if v in moved and now.get(v) is not then.get(v)}
    return {v: now.get(v) for v in model.variables if now.get(v) is not then.get(v)}


def unit_warnings(model: Model) -> list[Diagnostic]:
    """Every unit warning of the file, in file order (computed once per model)."""
    return model.cache.once("units", "warnings", lambda: _warnings(model))


def edited(model: Model, before: Model, name: str) -> None:
    """Say that `model` is `before` with the definitions of `name` changed (and the same
    annotations): its inference then starts from `before`'s (see the module docstring)."""
    if model.annotations is before.annotations:
        model.cache.keep("units", "from", (before.cache, name))


# ---------------------------------------------------------------- inference


def _units(model: Model) -> dict[str, Unit | None]:
    return model.cache.once("units", "of", lambda: _infer(model))


def definitions(model: Model) -> dict[str, list[tuple[A.Definition, str]]]:
    """Every variable's definitions in every layer (base first), each once, with its layer."""
    return model.cache.once("units", "defs", lambda: _definitions(model))


def _definitions(model: Model) -> dict[str, list[tuple[A.Definition, str]]]:
    parent = _parent(model)
    before = parent[0].recall("units", "defs") if parent is not None else None
    if before is not None:
        name, out = parent[1], dict(before)
        mine = _definitions_of(model, name)
        if mine:
            out[name] = mine
        else:
            out.pop(name, None)
        return out
    out: dict[str, list[tuple[A.Definition, str]]] = {}
    for layer in model.scenarios:
        for var, pieces in model.layers.get(layer, {}).items():
            _add_definitions(out.setdefault(var, []), pieces, layer)
    return out


def _definitions_of(model: Model, var: str) -> list[tuple[A.Definition, str]]:
    mine: list[tuple[A.Definition, str]] = []
    for layer in model.scenarios:
        pieces = model.layers.get(layer, {}).get(var)
        if pieces is not None:
            _add_definitions(mine, pieces, layer)
    return mine


def _add_definitions(mine: list, pieces, layer: str) -> None:
    ids = {id(d) for d, _ in mine}
    for p in pieces:  # a map's pieces share their definition
        if id(p.definition) not in ids:
            ids.add(id(p.definition))
            mine.append((p.definition, layer))


def _parent(model: Model):
    """(the parent's cache, the edited variable) when the parent's inference is known."""
    found = model.cache.recall("units", "from")
    if found is None or found[0].recall("units", "of") is None:
        return None
    return found


def _infer(model: Model) -> dict[str, Unit | None]:
    parent = _parent(model)
    if parent is None or parent[0].recall("units", "reads") is None:
        return _infer_all(model)
    with paused_collector():
        cache, name = parent
        env: dict[str, Unit | None] = dict(cache.recall("units", "of"))
        reads = _edges(model, cache, name)
        readers = model.cache.recall("units", "readers")
        before = cache.recall("units", "of")
        if name not in model.annotations and not reads[name].keys() - {name}:
            # The edited variable reads no other variable (an input, or one that reads
            # only itself): it is a group alone, the first of the reach. When its unit
            # stays, every group after it would keep its units: inferring it is all.
            _infer_groups(model, env, [name], {name: reads[name]}, (name, before))
            if env[name] == before[name]:
                model.cache.keep("units", "changed", {name})
                model.cache.keep("units", "moved", (cache, {name}))
                if cache.recall("units", "raw") is None:
                    model.cache.keep("units", "from", None)
                return env
        # What the edit reaches among the unannotated variables: they are inferred
        # again, in the whole pass' groups and order (found on them alone: nothing
        # outside reads them, so no walk from outside ever entered them).
        reach = set() if name in model.annotations else {name}
        stack = list(reach)
        while stack:
            for w in readers.get(stack.pop(), ()):
                if w not in reach and w not in model.annotations:
                    reach.add(w)
                    stack.append(w)
        free = [v for v in model.variables if v in reach]
        _infer_groups(model, env, free, {v: {w: None for w in reads[v] if w in reach}
                                         for v in free}, (name, before))
        changed = {name} | {v for v in free if env[v] != before[v]}
        model.cache.keep("units", "changed", changed)
        model.cache.keep("units", "moved", (cache, changed))
        if cache.recall("units", "raw") is None:  # no warnings to start from: let it go
            model.cache.keep("units", "from", None)
        return env


def _infer_all(model: Model) -> dict[str, Unit | None]:
    with paused_collector():
        env: dict[str, Unit | None] = {v: of_annotation(n) for v, n in model.annotations.items()}
        free = [v for v in model.variables if v not in env]
        for v in free:
            env[v] = None
        reads = _edges(model)
        free_set = set(free)
        _infer_groups(model, env, free, {v: {w: None for w in reads[v] if w in free_set}
                                         for v in free})
        return env


def _infer_groups(model: Model, env, free: list[str], reads, edit=None, defs=None) -> None:
    """Infer `free` group by group, in dependency order, each from unknown.

    `edit` = (the edited variable, the units before it): a group that neither
    holds it nor reads a unit found to differ keeps its units (inferred again
    from the same definitions and the same units read, they would be the same).
    """
    defs = definitions(model) if defs is None else defs
    walker = Walker(env, frozenset(model.dims), None)
    moved: set[str] = set()
    for group in _groups(free, reads):
        if edit is not None:
            name, before = edit
            if name not in group and not any(w in moved for v in group for w in reads[v]):
                continue  # `env` holds the units before
        for v in group:
            env[v] = None
        cyclic = len(group) > 1 or group[0] in reads[group[0]]
        for _ in range(MAX_ROUNDS if cyclic else 1):
            changed = False
            for v in group:
                unit = _agreed(walker, defs.get(v, ()))
                if unit != env[v]:
                    env[v], changed = unit, True
            if not changed:
                break
        if edit is not None:
            moved.update(v for v in group if env[v] != before[v])


def _agreed(walker: Walker, defs) -> Unit | None:
    """The unit every definition with a known unit agrees on; None if none or they differ."""
    found = None
    for d, _ in defs:
        u = walker.unit(d.expr)
        if u is None or u is LITERAL:
            continue
        if found is None:
            found = u
        elif not found.same_dimension(u):
            return None
    return found


def _edges(model: Model, parent=None, name: str | None = None) -> dict[str, dict[str, None]]:
    """The variables each variable reads in any layer (the edges of the inference), in a
    fixed order, and (kept in the cache) who reads each; with `parent` (a parent's cache),
    the parent's with `name`'s edges found again."""
    if parent is None:
        reads: dict[str, dict[str, None]] = {v: {} for v in model.variables}
        for layer in model.scenarios:
            for var, pieces in model.layers.get(layer, {}).items():
                if var in reads:
                    _add_reads(model, reads[var], pieces)
        readers: dict[str, set[str]] = {v: set() for v in model.variables}
        for v, ws in reads.items():
            for w in ws:
                if w in readers:
                    readers[w].add(v)
    else:
        reads = dict(parent.recall("units", "reads"))
        readers = dict(parent.recall("units", "readers"))
        old, new = reads[name], {}
        for layer in model.scenarios:
            pieces = model.layers.get(layer, {}).get(name)
            if pieces is not None:
                _add_reads(model, new, pieces)
        reads[name] = new
        for w in old.keys() - new.keys():
            if w in readers:
                readers[w] = readers[w] - {name}
        for w in new.keys() - old.keys():
            if w in readers:
                readers[w] = readers[w] | {name}
    model.cache.keep("units", "reads", reads)
    model.cache.keep("units", "readers", readers)
    return reads


def _add_reads(model: Model, mine: dict[str, None], pieces) -> None:
    """What `pieces` read, from what the engine found each piece reads, added to `mine`."""
    memo = model.cache.uses
    for p in pieces:
        uses = memo.get(p)
        names = ([u.name for u in uses] if uses is not None else
                 [getattr(n, "name", None) for n in A.walk(p.expr)
                  if type(n) in REFERENCES])
        for n in names:
            mine[n] = None




def _groups(nodes: list[str], edges: dict[str, dict[str, None]]) -> list[list[str]]:
    """Strongly connected groups, each after every group it reads: the graph's Tarjan
    (`engine.graph`), each group from its root on."""
    from engine.graph import _tarjan

    return [group if len(group) == 1 else group[::-1] for group in _tarjan(nodes, edges)]


# ---------------------------------------------------------------- warnings


def _warnings(model: Model) -> list[Diagnostic]:
    with paused_collector():
        env = _units(model)
        parent = model.cache.recall("units", "from")
        raw = parent[0].recall("units", "raw") if parent is not None else None
        changed = model.cache.recall("units", "changed")
        if raw is None or changed is None:
            raw = _raw_warnings(model, env, definitions(model))
        else:  # the definitions that read a unit that changed, and the edited ones
            readers = model.cache.recall("units", "readers")
            again = set(changed).union(*(readers.get(v, ()) for v in changed))
            defs = definitions(model)
            raw = {**raw, **_raw_warnings(model, env, {v: defs[v] for v in defs if v in again})}
            raw = {v: raw[v] for v in defs}  # in the order of the definitions
        model.cache.keep("units", "raw", raw)
        model.cache.keep("units", "from", None)  # the parent is no longer needed
        return _diagnostics(model, raw)


def override_warnings(model: Model, overrides, source: str = "--set") -> list[Diagnostic]:
    """Unit warnings of `--set` overrides (variable -> pieces, `engine.api.parse_overrides`):
    each against its variable's annotation, and within itself (`30` for a % variable)."""
    if not overrides:
        return []
    by_var: dict[str, list[tuple[A.Definition, str]]] = {}
    for var, pieces in overrides.items():
        mine = by_var.setdefault(var, [])
        for p in pieces:
            if all(p.definition is not d for d, _ in mine):
                mine.append((p.definition, "base"))
    with paused_collector():
        return _warnings_of(model, _units(model), by_var, source)


def _warnings_of(model: Model, env, defined=None, source: str | None = None) -> list[Diagnostic]:
    raw = _raw_warnings(model, env, defined if defined is not None else definitions(model))
    return _diagnostics(model, raw, source)


def _diagnostics(model: Model, raw: dict[str, list], source: str | None = None
                 ) -> list[Diagnostic]:
    out = [Diagnostic(m, s, h, severity="warning", source=source or model.source, code="unit",
                      subject=Subject(variable=v, scenario=None if layer == "base" else layer))
           for found in raw.values() for m, s, h, v, layer in found]
    return sorted(set(out), key=Diagnostic.sort_key)


def _raw_warnings(model: Model, env, defined) -> dict[str, list]:
    """Per variable, what its definitions get wrong: (message, span, hint, var, layer)."""
    out: dict[str, list] = {}
    for var, defs in defined.items():
        found: list[tuple[str, A.Span, str, str, str]] = []
        out[var] = found
        note = model.annotations.get(var)
        declared = of_annotation(note) if note is not None else None
        first: tuple[A.Definition, Unit] | None = None
        for d, layer in defs:
            raw: list = []
            walker = Walker(env, frozenset(model.dims), raw)
            if declared is not None:
                _against(walker, d, var, declared, raw)
            else:
                u = walker.unit(d.expr)
                if isinstance(u, Unit):
                    if first is None:
                        first = (d, u)
                    elif not first[1].same_dimension(u):
                        raw.append((f"{var} is {first[1]} on line {first[0].span.line} and {u} "
                                    "here", d.expr.span,
                                    f"annotate it once ({var}: {first[1]} = ...) and make every "
                                    "definition agree"))
            found.extend((m, s, h, var, layer) for m, s, h in raw)
    return out


def _against(w: Walker, d: A.Definition, var: str, declared: Unit, raw: list) -> None:
    """Check one definition of an annotated variable: each map entry on its own."""
    expr = d.expr
    parts = [e.value for e in expr.entries] if isinstance(expr, (A.YearMap, A.MemberMap)) \
        else [expr]
    if isinstance(expr, A.Call) and expr.func in ("interp", "step") and expr.args \
            and isinstance(expr.args[0], A.YearMap):
        parts = [e.value for e in expr.args[0].entries]
    for e in parts:
        u = w.unit(e)
        if isinstance(u, Unit) and not u.same_dimension(declared):
            raw.append((f"{var} is annotated {declared}, this is {u}", e.span,
                        f"{described(e, u)}; convert it, or fix an annotation"))
        elif u is LITERAL and declared.shown == "%":
            k = literal_value(e)
            if k is not None and abs(k) > 1:
                shown = _number_text(e)
                raw.append((f"{shown} is {k * 100:g}%; did you mean {shown}%?", e.span,
                            f"{var} is %: write {shown}% for {shown} percent, "
                            f"or {k / 100:g} as a fraction"))


def _number_text(e: A.Expr) -> str:
    from dsl.format import expr_text

    return expr_text(e)
