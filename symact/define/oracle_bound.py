"""A cheap pre-check that the mpmath oracle can evaluate a definition over the whole float range.

``symact new`` verifies a user's kernels against an mpmath oracle of the
definition at every float64 magnitude up to the largest finite float.  The oracle
(symact/verify/oracle.py) replaces exp of an argument beyond 2**2048 by a stand-in
and reports a point UNRESOLVED when the rounded result depends on it, so a definition
that grows like ``exp(exp(x))`` would be generated and then fail verification at
every large x, after minutes.  Before anything is generated, :func:`check`
evaluates each expression (the definition and its derivatives, parameters at their
defaults) bottom-up in mpmath at 64 bits on :func:`probe_points` and refuses it when
an exp argument breaks the documented bound:

- **exp argument** ``u <= 2**EXP_ARG_LOG2`` (``EXP_ARG_LOG2 = 2050``) for every
  ``exp(u)`` (and every power ``a**u`` with a symbolic exponent, which is
  ``exp(u*log(a))``): beyond it exp(u) is larger than any stand-in-free value the
  oracle computes, so the kernel's values there cannot be resolved.  A hugely
  negative argument is allowed: exp(u) then lies below every dtype's smallest
  subnormal, whichever stand-in the oracle takes (``x*exp(-exp(-x))``,
  ``exp(-x**4)``).  Huge values are allowed too: the oracle keeps any exponent and
  rounds them to inf (``x*exp(x)`` at x = 1.8e308 is about 2**(2.6e308)).

The exp argument is checked *before* exp is called, so the check itself never
evaluates a huge exponential.  A probe grid is not a proof: a definition that
blows up only between probe points (within 2**-8 relative of a magnitude
2**(8k)) passes; the bound is on the points the oracle is known to visit.
"""

from __future__ import annotations

import mpmath
import sympy as sp

EXP_ARG_LOG2 = 2050
_PREC = 64


class OracleBoundError(ValueError):
    """An expression whose oracle would exceed a bound; the message names the bound and the point."""


def probe_points() -> list:
    """+-2**k (k = -1074..1023, step 8), +-the largest float64, 0, and [-40, 40] in steps of 1/2."""
    with mpmath.workprec(_PREC):
        mags = [mpmath.ldexp(1, k) for k in range(-1074, 1024, 8)] + [mpmath.mpf(1.7976931348623157e308)]
        linear = [mpmath.mpf(k) / 2 for k in range(-80, 81)]
    return [mpmath.mpf(0)] + mags + [-m for m in mags] + linear


_UNARY = {sp.exp: mpmath.exp, sp.log: mpmath.log, sp.tanh: mpmath.tanh, sp.erf: mpmath.erf,
          sp.erfc: mpmath.erfc, sp.Abs: abs, sp.sign: mpmath.sign}
_REL = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b}


def _exp(u, node, x):
    """exp(u), refused beyond the bound; 0 for a hugely negative u (never computed: its
    exponent would be as large as u)."""
    _exp_arg(u, node, x)
    if u < 0 and mpmath.mag(u) > EXP_ARG_LOG2:
        return mpmath.mpf(0)
    return mpmath.exp(u)


def _exp_arg(u, node, x):
    if u > 0 and mpmath.isfinite(u) and mpmath.mag(u) > EXP_ARG_LOG2:
        raise OracleBoundError(
            f"{node} has an exponent of about 2^{int(mpmath.mag(u))} at x = {mpmath.nstr(x, 5)}: "
            f"beyond the oracle's bound exponent <= 2^{EXP_ARG_LOG2} (symact.define.oracle_bound)")


class _Evaluator:
    """Bottom-up mpmath values of an expression's nodes at one point; None where a node
    is not evaluated (undefined there, or a kind the probe does not know), after its
    children have still been evaluated and checked."""

    def __init__(self, symbol, x):
        self.symbol, self.x, self.memo = symbol, x, {}

    def __call__(self, e):
        if e not in self.memo:
            try:
                v = self._eval(e)
            except OracleBoundError:
                raise
            except (ZeroDivisionError, ValueError, TypeError, OverflowError):
                v = None
            if isinstance(v, mpmath.mpc):
                v = None
            self.memo[e] = v
        return self.memo[e]

    def _eval(self, e):
        if e == self.symbol:
            return self.x
        if e.is_Number or e in (sp.pi, sp.E):
            return mpmath.mpf(e.evalf(30)) if e.is_finite else None
        if isinstance(e, sp.Piecewise):
            for value, cond in e.args:
                truth = self.truth(cond)
                if truth is None:  # undecided here: check every branch
                    return [self(v) for v, _ in e.args] and None
                if truth:
                    return self(value)
            return None
        args = [self(a) for a in e.args]  # every child checked, even if this node is not
        if any(a is None for a in args):
            return None
        if e.is_Add:
            return mpmath.fsum(args)
        if e.is_Mul:
            out = mpmath.mpf(1)
            for a in args:
                out *= a
            return out
        if e.is_Pow:
            base, ex = args
            if e.exp.is_Integer:
                return base ** int(e.exp)
            if base < 0 or (base == 0 and ex <= 0):
                return None
            if e.exp.is_Rational or base == 0:
                return base ** ex
            return _exp(ex * mpmath.log(base), e, self.x)
        if isinstance(e, sp.exp):
            return _exp(args[0], e, self.x)
        fn = _UNARY.get(type(e))
        if fn is not None:
            return fn(args[0])
        if isinstance(e, (sp.Max, sp.Min)):
            return max(args) if isinstance(e, sp.Max) else min(args)
        if isinstance(e, sp.Heaviside):
            h0 = args[1] if len(args) > 1 else mpmath.mpf(0.5)
            return mpmath.mpf(1) if args[0] > 0 else (mpmath.mpf(0) if args[0] < 0 else h0)
        return None

    def truth(self, cond):
        """True/False, or None when a side is not evaluated."""
        if cond is sp.true or cond is sp.false:
            return cond is sp.true
        if isinstance(cond, sp.core.relational.Relational):
            a, b = self(cond.lhs), self(cond.rhs)
            return None if a is None or b is None else _REL[cond.rel_op](a, b)
        if isinstance(cond, (sp.And, sp.Or, sp.Not)):
            parts = [self.truth(c) for c in cond.args]
            if any(p is None for p in parts):
                return None
            return all(parts) if isinstance(cond, sp.And) else any(parts) if isinstance(cond, sp.Or) \
                else not parts[0]
        return None


def check(exprs, symbol) -> None:
    """Raise :class:`OracleBoundError` when any of ``exprs`` (in ``symbol`` alone) breaks the
    bound at a probe point (an exp argument anywhere in it)."""
    points = probe_points()
    with mpmath.workprec(_PREC):
        for expr in exprs:
            expr = sp.sympify(expr)
            for x in points:
                _Evaluator(symbol, x)(expr)
