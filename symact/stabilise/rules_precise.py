"""Rewrite rules for the GELU families, into the precise primitives.

The stabiliser (:mod:`symact.stabilise`) tries :data:`PRECISE_RULES` first, at
every node, bottom-up.  By the time a rule sees the whole GELU expression, the
basic library may already have rewritten parts of it (``1 + erf(u) ->
erfc(-u)``, ``1 + tanh(u) -> 2*sigmoid(2u)``, ``1 - tanh(u)^2 -> sech2(u)``),
so the rules do not match a syntactic pattern: they read candidate arguments
``u`` off the node's erf/erfc (u = +-sqrt(2)*a) or tanh/sigmoid-like calls
(u = a's linear coefficient over sqrt(2/pi) or 2*sqrt(2/pi)) and accept a
candidate ``P(u)`` when the node equals ``P.definition(u)`` at a few sample
points (30 digits).  That test only chooses the candidate: the stabiliser then
proves ``old == new`` with ``symact.proof.equal.prove_equal`` and drops the
rewrite unless it is PROVED.

Why the fused forms are better (docs/numerics.md pitfall 5 and 6, and the
subnormal rule of the accuracy bar): see :mod:`symact.stabilise.precise`.
"""

from __future__ import annotations

import sympy as sp

from symact.stabilise import primitives as P
from symact.stabilise import precise as PP
from symact.define.model import X
from symact.stabilise.rule import Rule

x = X

#: Where a candidate must agree with the node (away from the roots of both).
_SAMPLES = (sp.Rational(-23, 10), sp.Rational(-61, 100), sp.Rational(37, 100), sp.Rational(17, 10))
_DIGITS = 30
_TOL = sp.Float("1e-24", _DIGITS)

_ERF = (sp.erf, sp.erfc)
_SQRT2 = sp.sqrt(2)
_SQRT_2_PI = sp.sqrt(2 / sp.pi)


def _variable(node):
    """The node's one free symbol, or None."""
    free = node.free_symbols
    return next(iter(free)) if len(free) == 1 else None


def _agrees(node, candidate, var) -> bool:
    """``node == candidate`` at the sample points (30 digits), primitives expanded."""
    lhs = P.expand(node)
    rhs = P.expand(candidate)
    for v in _SAMPLES:
        a = lhs.evalf(_DIGITS, subs={var: v})
        b = rhs.evalf(_DIGITS, subs={var: v})
        if not (a.is_number and b.is_number and a.is_real and b.is_real):
            return False
        if abs(a - b) > _TOL * (1 + abs(b)):
            return False
    return True


def _first(node, candidates, primitives, var):
    for u in candidates:
        if u == 0 or not u.has(var):
            continue
        for prim in primitives:
            new = prim(u)
            if _agrees(node, new, var):
                return new
    return None


def _erf_candidates(node):
    seen = []
    for f in node.atoms(*_ERF):
        a = f.args[0]
        for u in (sp.expand(_SQRT2 * a), sp.expand(-_SQRT2 * a)):
            if u not in seen:
                seen.append(u)
    return seen


def _tanh_candidates(node, var):
    """u = alpha*var read off the linear coefficient of tanh/sigmoid-like arguments."""
    seen = []
    for f in node.atoms(sp.Function):
        if f.func in _ERF:
            continue
        for a in f.args:
            if not a.has(var):
                continue
            slope = sp.expand(a).coeff(var, 1)
            if slope == 0 or slope.has(var):
                continue
            for k in (_SQRT_2_PI, 2 * _SQRT_2_PI):
                for sign in (1, -1):
                    u = sp.simplify(sign * slope / k) * var
                    if u not in seen:
                        seen.append(u)
    return seen


_GELU_ERF = (PP.xndtr, PP.xndtr_grad)
_GELU_TANH = (PP.xsigcubic, PP.xsigcubic_grad)


def _rewrite_erf(node):
    if not isinstance(node, (sp.Add, sp.Mul)) or not node.has(*_ERF):
        return None
    var = _variable(node)
    if var is None:
        return None
    return _first(node, _erf_candidates(node), _GELU_ERF, var)


def _has_tanh_like(node):
    return node.has(sp.tanh, P.sigmoid, P.sech2) or any(
        isinstance(f, P.Primitive) and f.impl in ("mul_sigmoid", "mul_dsigmoid", "dsigmoid")
        for f in node.atoms(sp.Function))


def _rewrite_tanh(node):
    if not isinstance(node, (sp.Add, sp.Mul)) or not _has_tanh_like(node):
        return None
    var = _variable(node)
    if var is None:
        return None
    # the cubic must be there: u + c u^3 inside some argument
    if not any(sp.Poly(a, var).degree() == 3
               for f in node.atoms(sp.Function) for a in f.args
               if a.has(var) and a.is_polynomial(var)):
        return None
    return _first(node, _tanh_candidates(node, var), _GELU_TANH, var)


_ERF_DEF = PP.xndtr.definition(x)
_TANH_DEF = PP.xsigcubic.definition(x)

PRECISE_RULES = [
    Rule("xndtr",
         "u*(1 + erf(u/sqrt(2)))/2 and its derivative Phi(u) + u*phi(u) -> xndtr(u), "
         "xndtr_grad(u): erfc's argument and the square in exp carried exactly, one final "
         "rounding in the subnormals, no cancellation at the derivative's root [5]",
         _rewrite_erf, example=(_ERF_DEF, PP.xndtr(x)), bad_at=-6.0),
    Rule("xsigcubic",
         "u*(1 + tanh(sqrt(2/pi)*(u + 0.044715u^3)))/2 and its derivative -> xsigcubic(u), "
         "xsigcubic_grad(u): 2u in double-double (exp amplifies its rounding |2u| times), "
         "the subnormal tail scaled, no cancellation at the derivative's root [6]",
         _rewrite_tanh, example=(_TANH_DEF, PP.xsigcubic(x)), bad_at=-5.0),
]
