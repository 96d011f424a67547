"""Conditions through a strictly increasing function, solved for its argument.

``Min(0, exp(x) - 1)`` becomes ``Piecewise((0, exp(x) >= 1), ...)``: a condition
that is not linear in ``x``, which the case split cannot use.  For F strictly
increasing on the reals with range (lo, hi) and inverse G,

    k*F(u) + d  op  0   <=>   F(u)  op'  c      (c = -d/k, op' = op, flipped if k < 0)
                        <=>   u  op'  G(c)      if lo < c < hi,

while for c <= lo (c >= hi) the relation is true or false for every u: F(u) > c
holds everywhere when c <= lo.  Both steps are equivalences (a strictly
increasing function preserves and reflects order), so a region built from the
result is the region of the original condition.  F is ``exp`` (range (0, oo),
inverse ``log``), ``tanh`` (-1, 1, ``atanh``) or ``erf`` (-1, 1, ``erfinv``);
``erfc(u) = 1 - erf(u)`` is reduced to ``erf``.  ``sqrt`` (range [0, oo),
inverse c**2, the bottom of the range attained) is solved on its domain u >= 0:
the relation is only meaningful there, and the parser records u >= 0 as a
domain condition of every sqrt it reads (:mod:`symact.define.domain`).

Compared with 0, an even power or an absolute value says only whether its
argument vanishes: ``u**(2k) > 0`` and ``Abs(u) > 0`` are ``u != 0``, ``<= 0``
is ``u = 0``, ``>= 0`` is true and ``< 0`` false (what ``log(x**2)`` needs).  k and d must be exact numbers
(a Float's inverse image would be rounded).
"""

from __future__ import annotations

import sympy as sp

_INCREASING = {
    sp.exp: (sp.S.Zero, sp.oo, sp.log),
    sp.tanh: (sp.S.NegativeOne, sp.S.One, sp.atanh),
    sp.erf: (sp.S.NegativeOne, sp.S.One, sp.erfinv),
}
_SQRT = (sp.S.Zero, sp.oo, lambda c: c**2)
_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}
_REL = {"==": sp.Eq, "!=": sp.Ne, "<": sp.Lt, "<=": sp.Le, ">": sp.Gt, ">=": sp.Ge}
#: F(u) op c for c at or below the bottom of the range (every u), and at or above the top.
_BELOW = {">": True, ">=": True, "!=": True, "<": False, "<=": False, "==": False}
_ABOVE = {op: not v for op, v in _BELOW.items()}


def _sign(value):
    """-1, 0, 1 for a number whose sign SymPy can decide, else None."""
    if value.is_zero:
        return 0
    if value.is_positive:
        return 1
    if value.is_negative:
        return -1
    return None


#: ``|u| op 0`` (or ``u**(2k) op 0``) in terms of u.
_VANISHING = {">": sp.Ne, "!=": sp.Ne, "<=": sp.Eq, "==": sp.Eq}


def _even_or_abs(g, op):
    """``g op 0`` for g an even power or an absolute value (times a positive number)."""
    k, f = g.as_independent(*g.free_symbols, as_Add=False) if g.free_symbols else (g, sp.S.One)
    if not (k.is_number and k.is_positive):
        return None
    if isinstance(f, sp.Abs):
        u = f.args[0]
    elif isinstance(f, sp.Pow) and f.exp.is_Integer and f.exp.is_even and f.exp.is_positive:
        u = f.base
    else:
        return None
    if not u.is_extended_real:
        return None
    if op == ">=":
        return sp.true
    if op == "<":
        return sp.false
    return _VANISHING[op](u, 0)


def monotone_normal(rel):
    """An equivalent relation in the argument of a strictly increasing function
    (or ``sympy.true``/``false``); ``rel`` itself when the rule does not apply."""
    if not isinstance(rel, sp.core.relational.Relational):
        return rel
    g = rel.lhs - rel.rhs
    if g.free_symbols:
        found = _even_or_abs(g, rel.rel_op)
        if found is not None:
            return found
    terms = sp.Add.make_args(sp.expand(g, power_exp=False, log=False))
    dependent = [t for t in terms if t.free_symbols]
    if len(dependent) != 1:
        return rel
    (term,) = dependent
    d = sp.Add(*[t for t in terms if t is not term])
    k, f = term.as_independent(*term.free_symbols, as_Add=False)
    op = rel.rel_op
    if isinstance(f, sp.erfc):  # k*erfc(u) + d = -k*erf(u) + (k + d)
        k, d, f = -k, k + d, sp.erf(f.args[0])
    is_sqrt = isinstance(f, sp.Pow) and f.exp == sp.S.Half
    if not (type(f) in _INCREASING or is_sqrt) or not (k.is_number and d.is_number) \
            or _sign(k) in (None, 0):
        return rel
    if _sign(k) < 0:
        op = _FLIP[op]
    c = -d / k
    if c.has(sp.Float):  # the inverse of an approximate number is approximate
        return rel
    lo, hi, inverse = _SQRT if is_sqrt else _INCREASING[type(f)]
    below, above = _sign(c - lo), (_sign(hi - c) if hi is not sp.oo else 1)
    if below is None or above is None:
        return rel
    if is_sqrt:  # F(u) = lo is attained (at u = 0): only c < lo is below the range
        if below < 0:
            return sp.true if _BELOW[op] else sp.false
        return _REL[op](f.base, inverse(c))
    if below <= 0:
        return sp.true if _BELOW[op] else sp.false
    if above <= 0:
        return sp.true if _ABOVE[op] else sp.false
    return _REL[op](f.args[0], inverse(c))
