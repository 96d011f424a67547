"""Sums whose terms cancel, rewritten by rules that generalise over the shape.

- :func:`reflect`: softplus(v) = v + softplus(-v), sigmoid(v) = 1 - sigmoid(-v) and
  log_sigmoid(v) = v + log_sigmoid(-v) on the side where the primitive is large (v > 0,
  v < 0 for log_sigmoid).  In a sum of such terms (softplus d/dbeta =
  x*sigmoid(bx)/b - softplus(bx)/b^2, differences of softplus) the linear parts then
  cancel symbolically, and what remains adds numbers of one sign.
"""

from __future__ import annotations

import sympy as sp

from symact.define.model import X
from symact.stabilise import primitives as P
from symact.stabilise.rule import Rule

x = X

#: primitive -> (its value in terms of the reflected argument, the side where it is large)
_REFLECTIONS = {
    P.softplus: (lambda v: v + P.softplus(-v), 1),
    P.sigmoid: (lambda v: 1 - P.sigmoid(-v), 1),
    P.log_sigmoid: (lambda v: v + P.log_sigmoid(-v), -1),
}


def _reflectable(term):
    """The (primitive call, side) factors of ``term`` that reflection applies to."""
    out = []
    for f in sp.Mul.make_args(term):
        if type(f) in _REFLECTIONS and f.args[0].has(x):
            out.append((f, _REFLECTIONS[type(f)][1]))
    return out


def _without(expr, calls) -> sp.Expr:
    """The terms of a sum that contain none of ``calls``."""
    return sp.Add(*[t for t in sp.Add.make_args(expr) if not any(t.has(c) for c in calls)])


def reflect(node):
    """A sum with softplus/sigmoid/log_sigmoid terms, reflected on the side where every
    such argument is large, when the parts without primitives then cancel to a constant
    (0 for softplus d/dbeta); Piecewise((reflected, side), (node, True))."""
    if not isinstance(node, sp.Add):
        return None
    calls, sides = {}, {}
    for t in node.args:
        for f, side in _reflectable(t):
            v = f.args[0]
            if sides.setdefault(v, side) != side:
                return None
            calls[f] = _REFLECTIONS[type(f)][0](v)
    if not calls:
        return None
    reflected = sp.expand(node.xreplace(calls))
    mirrored = [type(f)(-f.args[0]) for f in calls]
    rest = _without(reflected, mirrored)
    if rest.has(x):
        return None
    cond = sp.And(*[(v > 0) if side > 0 else (v < 0) for v, side in sides.items()])
    return sp.Piecewise((reflected, cond), (node, True))


_beta = sp.Symbol("beta", real=True)

CANCEL = [
    Rule("reflect",
         "softplus(v) = v + softplus(-v), sigmoid(v) = 1 - sigmoid(-v) (v > 0) in a sum whose "
         "linear parts then cancel: softplus d/dbeta = x*sigmoid(bx)/b - softplus(bx)/b^2 -> "
         "-(x*sigmoid(-bx)/b + softplus(-bx)/b^2) for bx > 0 (the terms are both about x/b there "
         "and cancel completely) [1, 2]",
         reflect,
         example=(x * P.sigmoid(_beta * x) / _beta - P.softplus(_beta * x) / _beta ** 2,
                  sp.Piecewise((-x * P.sigmoid(-_beta * x) / _beta - P.softplus(-_beta * x) / _beta ** 2,
                                _beta * x > 0),
                               (x * P.sigmoid(_beta * x) / _beta - P.softplus(_beta * x) / _beta ** 2, True)),
                  _beta > 0)),
]
