"""The exact stage: a rounded argument of an exp-like function is carried as hi + lo.

exp(u) turns the rounding of u into a relative error of |u|*2^-53: 500 ULP at
|u| = 700 in float64 (docs/numerics.md, pitfall 17).  Products (beta*x, 1.702*x),
quotients (x/alpha), sums (x + c) and values of other functions (exp(-x) inside
exp(-exp(-x))) all round.  This stage marks every such argument of an exp-like
function (exp, erfc, and each primitive with an ``argument``: softplus, sigmoid,
expm1, the mul_* products, ...) as ``dw(u)``; the printers then evaluate u as a pair
hi + lo with error-free transformations (two-sum, fma or Dekker's product, the
exact remainder of a quotient, constants split hi + lo, exp and log of pairs) and
call the function's variant that takes the pair, P(hi) + P'(hi)*lo (the runtimes'
exact.py and exact.h).  dw(u) is u by definition, so each application is proved by
the proof engine at once.

Arguments computed exactly need nothing: the input or a parameter, its negation,
a power-of-two multiple of it, its absolute value.

A power b^n, |n| >= 3, of a rounded b multiplies b's relative error by n (the
derivative of x/sqrt(1 + a*x^2) with respect to a is -(x/S)^3/2: 5.3 ULP in float64
with x/S rounded, S's own error counted three times): it is evaluated in pairs
(``dw_eval``) and rounded once.
"""

from __future__ import annotations

import sympy as sp

from symact.define.model import X
from symact.stabilise import primitives as P
from symact.stabilise.rule import Rule

x = X


def _power_of_two(c) -> bool:
    if not c.is_Rational or c == 0:
        return False
    p, q = abs(int(c.p)), int(c.q)
    return p & (p - 1) == 0 and q & (q - 1) == 0


def exact_value(u) -> bool:
    """Whether ``u`` is computed from the inputs without rounding (a symbol, its negation,
    a power-of-two multiple, its absolute value), or is a constant."""
    if not u.free_symbols or u.is_Symbol:
        return True
    if isinstance(u, sp.Abs):
        return exact_value(u.args[0])
    if u.is_Mul:
        c, rest = u.as_coeff_Mul()
        return _power_of_two(c) and rest.is_Symbol
    return False


def argument_position(node):
    """The position of the argument of ``node`` that a pair may replace, or None."""
    if isinstance(node, (sp.exp, sp.erfc)):
        return 0
    if isinstance(node, P.Primitive) and node.argument is not None:
        return node.argument % len(node.args)
    return None


def _dw_argument(node):
    pos = argument_position(node)
    if pos is None:
        return None
    u = node.args[pos]
    if isinstance(u, P.dw) or exact_value(u):
        return None
    args = list(node.args)
    args[pos] = P.dw(u)
    return node.func(*args)


def _dw_power(node):
    if not (node.is_Pow and node.exp.is_Integer and abs(node.exp) >= 3):
        return None
    if exact_value(node.base) or not node.base.has(x):
        return None
    return P.dw_eval(node)


_beta = sp.Symbol("beta", real=True)

EXACT = [
    Rule("dw_argument",
         "P(u) -> P(dw(u)) for exp-like P and a rounded u (beta*x, x/alpha, 1.702*x, x + c, "
         "exp(-x)): u carried as hi + lo, P(hi) + P'(hi)*lo; exp(fl(u)) amplifies u's rounding "
         "by |u| (softplus beta = 1.703125: 458 ULP at x = -354; CELU' alpha = 3: 171 ULP) [17]",
         _dw_argument, example=(P.sigmoid(_beta * x), P.sigmoid(P.dw(_beta * x)))),
    Rule("dw_power",
         "b^n -> dw_eval(b^n) for |n| >= 3 and a rounded b: evaluated in pairs, one rounding "
         "(b's relative error is multiplied by n otherwise)",
         _dw_power, example=(P.ratio(x, P.sqrt_sq_plus(x, 1)) ** 3, P.dw_eval(P.ratio(x, P.sqrt_sq_plus(x, 1)) ** 3))),
]
