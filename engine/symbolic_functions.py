"""scn's functions that sympy keeps as themselves: round(x), min(a, b), abs(x).

A function of the registry with `kept` set becomes a sympy function class
of its own, made once from its entry and carrying it (`function`): the sympy
converter turns it back into polars with the entry's `from_sympy`, the
printer writes it with the entry's name. The family gives its derivative:

- "flat" (round, floor, ceil): constant between jumps, derivative 0;
- "least", "greatest" (min, max): sympy's Min/Max order their arguments with
  the assumptions system on every rebuild (~15 ms each, and inlining
  rebuilds them often); these only fold numbers. The derivative is the
  branch taken, and at a tie the branches share it (Heaviside(0) is 1/2);
- "absolute": sympy's Abs differentiates through re() and im() as soon as it
  cannot prove its argument real (seconds on long formulas); the derivative
  is sign(x).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import sympy as sp

if TYPE_CHECKING:
    from engine.functions import Function


class Applied(sp.Function):
    """A function of the registry kept as itself in sympy."""

    function: Function
    is_extended_real = True  # else Abs, Pow and friends differentiate through re() and im()


class Flat(Applied):
    """round, floor, ceil: constant between jumps, so their derivative is 0."""

    def fdiff(self, argindex=1):
        return sp.S.Zero

    @classmethod
    def eval(cls, *args):
        if all(a.is_Number for a in args):
            value = cls.function.numpy(*(np.asarray(float(a)) for a in args))
            return sp.Float(float(value))
        return None


class Extreme(Applied):
    """min or max of the model (`pick` is Python's min or max)."""

    @classmethod
    def eval(cls, *args):
        if len(args) == 1:
            return args[0]
        if all(a.is_Number for a in args):
            return cls.pick(args)
        return None

    def fdiff(self, argindex=1):
        i = argindex - 1
        others = self.args[:i] + self.args[i + 1:]
        rest = others[0] if len(others) == 1 else type(self)(*others)
        gap = self.args[i] - rest
        return sp.Heaviside(gap if self.pick is max else -gap)


class Absolute(Applied):
    """abs of the model."""

    @classmethod
    def eval(cls, x):
        return abs(x) if x.is_Number else None

    def fdiff(self, argindex=1):
        return sp.sign(self.args[0])


_FAMILIES: dict[str, tuple[type, dict]] = {
    "flat": (Flat, {}),
    "least": (Extreme, {"pick": staticmethod(min)}),
    "greatest": (Extreme, {"pick": staticmethod(max)}),
    "absolute": (Absolute, {}),
}

_CLASSES: dict[Function, type] = {}  # one class per entry: bounded by the registry


def function_class(f: Function) -> type:
    """The sympy function class of a registry entry kept as itself (named as in scn)."""
    cls = _CLASSES.get(f)
    if cls is None:
        base, attrs = _FAMILIES[f.kept]
        cls = _CLASSES[f] = type(f.name, (base,), {**attrs, "function": f})
    return cls
