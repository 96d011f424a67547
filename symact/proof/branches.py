"""A scalar function of x as branches on intervals: the shape every proof by cases needs.

``branches(expr, x)`` rewrites ``Abs``/``Max``/``Min``/``Heaviside``/``sign`` as
``Piecewise`` and splits the real line at the breakpoints of the conditions
(which must be numbers once parameters are bound; coefficients may be symbols of
known sign).  Each open interval and each breakpoint gets the Piecewise-free
formula that holds there, chosen by evaluating the conditions at an exact
rational point of the interval, never by a limit: SymPy 1.14's one-sided limits
of Piecewise at a breakpoint are wrong (SymPy issues #23836, #27236).  One-sided
limits at a breakpoint are then substitutions into the neighbouring branch
formula, which is Piecewise-free and continuous where defined.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symact.proof.conditions import monotone_normal
from symact.proof.equal import prepare, relational_atoms


class BranchError(ValueError):
    """The conditions could not be reduced to numeric breakpoints in x."""


@dataclass(frozen=True)
class Piece:
    """``formula`` holds for x in (lo, hi) (``lo``/``hi`` may be -oo/oo), or at ``lo == hi``."""

    lo: sp.Expr
    hi: sp.Expr
    formula: sp.Expr

    @property
    def is_point(self) -> bool:
        return self.lo == self.hi


def _breakpoint(rel, x):
    rel = monotone_normal(rel)
    if not isinstance(rel, sp.core.relational.Relational):
        return None  # true or false for every x: no breakpoint
    g = sp.expand(rel.lhs - rel.rhs)
    if not g.has(x):
        return None
    k = sp.diff(g, x)
    if k.has(x) or k.is_zero is not False:
        raise BranchError(f"condition {rel} is not linear in {x} with a nonzero coefficient")
    point = sp.simplify(-(g - k * x) / k)
    if point.free_symbols:
        raise BranchError(f"breakpoint {point} of {rel} is not a number (bind the parameters)")
    return point


def _choose(expr, x, at):
    """The Piecewise-free formula ``expr`` follows at the exact point ``at``."""
    def pick(pw):
        for e, c in pw.args:
            truth = c.subs(x, at)
            if truth is sp.true:
                return e
            if truth is not sp.false:
                raise BranchError(f"condition {c} undecided at {x} = {at}")
        raise BranchError(f"no branch of {pw} holds at {x} = {at}")
    out = expr
    while out.has(sp.Piecewise):
        inner = [p for p in out.atoms(sp.Piecewise) if not any(q.has(sp.Piecewise) for q, _ in p.args)
                 and not any(c.has(sp.Piecewise) for _, c in p.args)]
        if not inner:
            raise BranchError("nested Piecewise in a condition")
        out = out.xreplace({p: pick(p) for p in inner})
    return out


def breakpoints(expr, x) -> list:
    """Sorted distinct numeric breakpoints of ``expr`` (already through :func:`prepare`)."""
    points = set()
    for rel in relational_atoms(expr):
        p = _breakpoint(rel, x)
        if p is not None:
            points.add(p)
    return sorted(points, key=lambda p: float(p))


def branches(expr, x) -> list[Piece]:
    """The pieces of ``expr``: open intervals and breakpoints in increasing order."""
    expr = prepare(expr)
    points = breakpoints(expr, x)
    if not points:
        return [Piece(sp.S.NegativeInfinity, sp.oo, expr)]
    pieces = []
    edges = [sp.S.NegativeInfinity] + points + [sp.oo]
    for k in range(len(edges) - 1):
        lo, hi = edges[k], edges[k + 1]
        if lo is sp.S.NegativeInfinity:
            probe = hi - 1
        elif hi is sp.oo:
            probe = lo + 1
        else:
            probe = sp.nsimplify((lo + hi) / 2)
        pieces.append(Piece(lo, hi, _choose(expr, x, probe)))
        if hi is not sp.oo:
            pieces.append(Piece(hi, hi, _choose(expr, x, hi)))
    return pieces


def piece_at_infinity(expr, x, sign: int) -> sp.Expr:
    """The formula ``expr`` follows for all x beyond its last breakpoint towards sign*oo."""
    pieces = branches(expr, x)
    return (pieces[-1] if sign > 0 else pieces[0]).formula


def branch_limit(expr, var, point, direction: str = "+-"):
    """``limit(expr, var -> point)`` with any Piecewise in ``var`` first reduced to the
    branch that holds next to ``point`` (two-sided at finite points: both sides
    must agree, else ValueError).  Gruntz's algorithm only sees Piecewise-free
    formulas."""
    expr = prepare(expr)
    point = sp.sympify(point)
    if not any(p.has(var) for p in expr.atoms(sp.Piecewise)):
        return sp.limit(expr, var, point, direction if point.is_finite else "+")
    if point in (sp.oo, sp.S.NegativeInfinity):
        return sp.limit(piece_at_infinity(expr, var, 1 if point is sp.oo else -1), var, point)
    pieces = [q for q in branches(expr, var) if not q.is_point]
    left = next(q for q in pieces if (q.lo < point or q.lo is sp.S.NegativeInfinity) and point <= q.hi)
    right = next(q for q in pieces if q.lo <= point and (point < q.hi or q.hi is sp.oo))
    lim_left = sp.limit(left.formula, var, point, "-")
    lim_right = sp.limit(right.formula, var, point, "+")
    if direction == "-":
        return lim_left
    if direction == "+":
        return lim_right
    if sp.simplify(lim_left - lim_right) != 0:
        raise ValueError(f"the one-sided limits at {point} differ: {lim_left} and {lim_right}")
    return lim_right
