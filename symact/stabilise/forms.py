"""The stable form of every kernel of an activation: f, d/dx and each d/dparam.

``kernels(entry) -> list[Kernel]``: for a scalar activation, the definition and
each derivative from :mod:`symact.derive` (parameters kept symbolic: generated
kernels take them as arguments), stabilised by :func:`symact.stabilise.stabilise`
under the parameter constraints, or taken from :mod:`symact.stabilise.overrides`
(proved equal too).  Kernel names are :func:`symact.derive.kernels.kernel_name`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from symact import derive
from symact.define.model import X, ScalarActivation
from symact.derive.kernels import kernel_name
from symact.stabilise import Stabiliser, overrides, prove_rewrite


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


def stable_kernel(entry: ScalarActivation, wrt: str, definition: sp.Expr) -> Kernel:
    where = sp.And(*entry.constraints)
    hand = overrides.get(entry.name, wrt)
    if isinstance(hand, overrides.Instance):
        base = prove_rewrite(hand.definition, hand.base)
        lemma = prove_rewrite(definition, hand.definition.xreplace({X: hand.u}), where)
        for what, result in (("the base form", base), ("the instance", lemma)):
            if str(result.status) != "PROVED":
                raise UnprovedOverride(f"override for {entry.name} d/d{wrt}: {what} is not proved: "
                                       f"{result.status} ({result.detail})")
        return Kernel(kernel_name(entry.name, wrt), entry.name, wrt, definition,
                      hand.base.xreplace({X: hand.u}), "override")
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
