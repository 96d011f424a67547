"""A cheap pre-check that the mpmath oracle can evaluate a definition over the whole float range.

``symact new`` verifies a user's kernels against an mpmath oracle of the
definition at every float64 magnitude up to the largest finite float, so a
definition that grows like ``exp(exp(x))`` would have the oracle build numbers
with 10**308 binary digits (no answer, memory exhausted).  Before anything is
generated, :func:`check` evaluates each expression (the definition and its
derivatives, parameters at their defaults) bottom-up in mpmath at 64 bits on
:func:`probe_points` and refuses it when an intermediate value breaks one of
two documented bounds:

- **exp argument** ``|u| <= 2**EXP_ARG_LOG2`` (``EXP_ARG_LOG2 = 2050``) for
  every ``exp(u)`` (and every power ``a**u`` with a symbolic exponent, which is
  ``exp(u*log(a))``): a quadratic in x with a coefficient below 4, as in GELU's
  ``exp(-x**2/2)``, the largest the catalogue needs.  Time bound: mpmath
  reduces u modulo ln 2 at (working precision + log2|u|) bits and the oracle
  works at up to about 4200 bits where a value underflows; measured, one such
  evaluation at x = 1.7e308 takes 0.2 s for ``exp(-x**2/2)``, 0.7 s for
  ``exp(-x**3)``, 1.5 s for ``exp(-x**4)``, and ``exp(exp(x))`` does not finish,
  so beyond the bound a kernel's oracle table costs many times the catalogue's.
- **magnitude** ``|v| < 2**(2**VALUE_LOG2_LOG2)`` (``VALUE_LOG2_LOG2 = 1020``)
  for the value v of each expression: the oracle sizes its working precision
  from log2|v| as a float64, finite only below 2**1024 (``x*exp(x)`` at
  x = 1.8e308 is about 2**(2.6e308)).  Intermediate values may be larger
  (``log(1 + exp(x))`` is fine: mpmath keeps any exponent), and tiny values are
  fine (they round to 0).

The exp argument is checked *before* exp is called, so the check itself never
evaluates a huge exponential.  A probe grid is not a proof: a definition that
blows up only between probe points (within 2**-8 relative of a magnitude
2**(8k)) passes; the bounds are on the points the oracle is known to visit.
"""

from __future__ import annotations

import mpmath
import sympy as sp

EXP_ARG_LOG2 = 2050
VALUE_LOG2_LOG2 = 1020
_VALUE_LOG2 = 2**VALUE_LOG2_LOG2
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


def _exp_arg(u, node, x):
    if u != 0 and mpmath.isfinite(u) and mpmath.mag(u) > EXP_ARG_LOG2:
        raise OracleBoundError(
            f"{node} has an exponent of about 2^{int(mpmath.mag(u))} at x = {mpmath.nstr(x, 5)}: "
            f"beyond the oracle's bound |exponent| <= 2^{EXP_ARG_LOG2} (at most quadratic in x; "
            "symact.define.oracle_bound)")


def _value(v, node, x):
    if isinstance(v, mpmath.mpf) and v != 0 and mpmath.isfinite(v) and mpmath.mag(v) > _VALUE_LOG2:
        raise OracleBoundError(
            f"{node} reaches about 2^{mpmath.nstr(mpmath.mpf(mpmath.mag(v)), 3)} at x = "
            f"{mpmath.nstr(x, 5)}: beyond the oracle's bound 2^(2^{VALUE_LOG2_LOG2}) "
            "(symact.define.oracle_bound)")
    return v


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
            u = ex * mpmath.log(base)
            _exp_arg(u, e, self.x)
            return mpmath.exp(u)
        if isinstance(e, sp.exp):
            _exp_arg(args[0], e, self.x)
            return mpmath.exp(args[0])
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
    """Raise :class:`OracleBoundError` when any of ``exprs`` (in ``symbol`` alone) breaks a
    bound at a probe point: an exp argument anywhere, the magnitude of its value."""
    points = probe_points()
    with mpmath.workprec(_PREC):
        for expr in exprs:
            expr = sp.sympify(expr)
            for x in points:
                _value(_Evaluator(symbol, x)(expr), expr, x)
