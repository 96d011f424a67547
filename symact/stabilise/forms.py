"""The stable form of every kernel of an activation: f, d/dx and each d/dparam.

``kernels(entry) -> list[Kernel]``: for a scalar activation, the definition and
each derivative from :mod:`symact.derive` (parameters kept symbolic: generated
kernels take them as arguments), stabilised by :func:`symact.stabilise.stabilise`
under the parameter constraints, or taken from :mod:`symact.overrides` (proved
equal too).  Public kernel names follow DESIGN.md: ``NAME``, ``NAME_grad``,
``NAME_grad_<param>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from .. import catalogue, derive, overrides
from ..model import X, ScalarActivation
from . import Stabiliser, prove_rewrite


class UnprovedOverride(RuntimeError):
    """A hand override that the proof engine does not prove equal to what it replaces."""


@dataclass(frozen=True)
class Kernel:
    name: str            # public name, e.g. "elu_grad_alpha"
    activation: str
    wrt: str             # "f", "x" or a parameter name
    definition: sp.Expr  # what sympy.diff gives (or the catalogue definition)
    stable: sp.Expr      # in stable primitives
    source: str          # "rules" or "override"
    applied: tuple = field(default=(), compare=False)


def kernel_name(activation: str, wrt: str) -> str:
    if wrt == "f":
        return activation
    if wrt == "x":
        return f"{activation}_grad"
    return f"{activation}_grad_{wrt}"


def stable_kernel(entry: ScalarActivation, wrt: str, definition: sp.Expr) -> Kernel:
    where = sp.And(*entry.constraints)
    hand = overrides.get(entry.name, wrt)
    if isinstance(hand, overrides.Instance):
        base_entry = catalogue.get(hand.name)
        base_def = base_entry.expr if hand.wrt == "f" else \
            derive.derivatives(base_entry, symbolic=True)[hand.wrt]
        base = stable_kernel(base_entry, hand.wrt, base_def)
        lemma = base_def.xreplace({X: hand.u})
        result = prove_rewrite(definition, lemma, where)
        if str(result.status) != "PROVED":
            raise UnprovedOverride(
                f"override for {entry.name} d/d{wrt}: the derivative is not proved equal to "
                f"{hand.name} d/d{hand.wrt} at {hand.u}: {result.status} ({result.detail})")
        return Kernel(kernel_name(entry.name, wrt), entry.name, wrt, definition,
                      base.stable.xreplace({X: hand.u}), "override")
    if hand is not None:
        result = prove_rewrite(definition, hand, where)
        if str(result.status) != "PROVED":
            raise UnprovedOverride(
                f"override for {entry.name} d/d{wrt} is not proved equal to the derivative: "
                f"{result.status} ({result.strategy}: {result.detail})")
        return Kernel(kernel_name(entry.name, wrt), entry.name, wrt, definition, hand, "override")
    s = Stabiliser(where)
    stable = s.run(definition)
    return Kernel(kernel_name(entry.name, wrt), entry.name, wrt, definition, stable, "rules",
                  tuple(s.applied))


def kernels(entry: ScalarActivation) -> list[Kernel]:
    """f, d/dx and each d/dparam of ``entry``, in that order, each in stable form."""
    out = [stable_kernel(entry, "f", entry.expr)]
    for wrt, d in derive.derivatives(entry, symbolic=True).items():
        out.append(stable_kernel(entry, wrt, d))
    return out
