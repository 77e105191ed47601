"""`--set` overrides: definitions typed on the command line (or by a front end),
one layer on top of the chosen scenario, as a scenario block would be.

An override sets cells the model has; it cannot change the model's shape (add
a dim to a variable, directly or by reading one per member), since the frames
are laid out from the file.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Mapping, Sequence

from dsl import ast as A
from dsl.errors import Diagnostic, ScnError, Subject
from dsl.parser import parse_statement
from engine.model import OVERRIDES, Model, Piece, pieces_of
from engine.resolve import overlaps
from engine.uses import collect_uses

Overrides = Mapping[str, tuple[Piece, ...]]


def parse_overrides(model: Model, texts: Sequence[str], source: str = OVERRIDES) -> Overrides:
    """`--set` definitions, one layer on top of the chosen scenario, as a scenario block would be.

    The texts are numbered as the lines of a file named `source`: an error in
    the second one is reported at `--set:2:COL`.
    """
    errors: list[Diagnostic] = []
    layer: dict[str, list[Piece]] = {}
    for k, text in enumerate(texts):
        try:
            node = parse_statement(text, k + 1)  # the k-th override is line k+1 of `source`
        except ScnError as e:
            errors.extend(replace(d, source=source) for d in e.diagnostics)
            continue
        if not isinstance(node, A.Definition):
            errors.append(Diagnostic("expected a definition such as: asic_share[2030] = 55%",
                                     node.span, source=source, code="not-a-definition"))
            continue
        if node.name not in model.info:
            from engine.uses import suggest
            hint = suggest(node.name, model.variables, loose=True)
            errors.append(Diagnostic(f"unknown variable '{node.name}'", node.name_span, hint,
                                     source=source, code="unknown-variable",
                                     subject=Subject(variable=node.name)))
            continue
        errs: list[Diagnostic] = []
        if node.annotation is not None and node.annotation != model.annotations.get(node.name):
            errs.append(_override_annotation(model, node))
        pieces = pieces_of(node, OVERRIDES, model.axis, errs, model.member_of, model.dims)
        if isinstance(node.expr, A.MemberMap) or node.members:
            errs.extend(_overrides_dims(model, node))
        elif model.dims:
            errs.extend(_overrides_reads_dims(model, node))
        for p in pieces:
            errs.extend(collect_uses(model, p)[1])
        errors.extend(replace(d, source=source) for d in errs)
        layer.setdefault(node.name, []).extend(pieces)
    for pieces in layer.values():
        errors.extend(replace(d, source=source) for d in overlaps(pieces, model.axis))
    if errors:
        raise ScnError(errors)
    return {k: tuple(v) for k, v in layer.items()}


def _override_annotation(model: Model, node: A.Definition) -> Diagnostic:
    """An override's annotation that is not the variable's own: a unit is declared
    once, in the file (an override repeating it, copied from the file, is fine)."""
    own = model.annotations.get(node.name)
    hint = (f"'{node.name}' is {own.text} (line {own.span.line}): drop the annotation, "
            f"--set takes the value alone" if own is not None else
            "units are declared in the file: drop the annotation, --set takes the value alone")
    return Diagnostic(f"an override cannot change the unit of '{node.name}'",
                      node.annotation.span, hint, code="annotation",
                      subject=Subject(variable=node.name))


def _overrides_dims(model: Model, node: A.Definition) -> list[Diagnostic]:
    """A `--set` may pin members only of dims the variable has (a file's
    definitions add the dim instead; an override cannot change the model's shape)."""
    has = model.dims_of.get(node.name, ())
    named = [m for m in node.members]
    if isinstance(node.expr, A.MemberMap):
        named += [e.member for e in node.expr.entries]
    out = []
    for m in named:
        hit = model.member_of.get(m.name)
        if hit is not None and hit[0] not in has:
            what = f"its dims: {', '.join(has)}" if has else "it has no dims"
            out.append(Diagnostic(
                f"'{node.name}' has no dim '{hit[0]}' ({what})", m.span,
                "an override sets cells the variable has; add the dim in the file",
                code="dim-mismatch", subject=Subject(variable=node.name)))
            break
    return out


def _overrides_reads_dims(model: Model, node: A.Definition) -> list[Diagnostic]:
    """An override that reads a variable per member of a dim the overridden variable
    lacks (`--set 'c = b'`, b per company, c not): in the file, c would take the
    dim; an override cannot change the model's shape, so it is refused (the frames
    were laid out for c without it)."""
    from engine.dims import reads

    has = set(model.dims_of.get(node.name, ()))
    for name, removed in reads(node.expr, model.dims, model.member_of):
        extra = [d for d in model.dims_of.get(name, ()) if d not in removed and d not in has]
        if not extra:
            continue
        at = next((n.span for n in A.walk(node.expr) if getattr(n, "name", None) == name),
                  node.expr.span)
        dim = extra[0]
        first = model.dims[dim].members[0]
        what = f"its dims: {', '.join(sorted(has))}" if has else "it has no dims"
        return [Diagnostic(
            f"'{name}' is per {dim}, '{node.name}' is not ({what})", at,
            f"sum over it: sum({name}, {dim}); or pick one: {name}[{first}]; "
            f"an override cannot give a variable a dim (the file can)",
            code="dim-mismatch", subject=Subject(variable=node.name))]
    return []
