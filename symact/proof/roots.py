"""Real roots of a real function on an interval, each certified by a sign change.

``real_roots(expr, x, lo, hi, digits=30)`` scans ``[lo, hi]`` on a grid at high
precision (mpmath), brackets every sign change of ``expr``, refines it by the
Illinois (regula falsi) method at ``digits + 20`` digits, then *certifies* the
root: ``expr`` evaluated at ``r - eps`` and ``r + eps`` (``eps = |r|*10**-digits``
or ``10**-digits`` near 0) has opposite signs, each value larger than its
evaluation error at the working precision.  The true root therefore lies within
``eps`` of the returned value.  Roots without a sign change (even multiplicity)
and sign changes closer together than the grid spacing are not reported.
"""

from __future__ import annotations

import mpmath
import sympy as sp

_GRID = 400


def _evaluator(expr: sp.Expr, x: sp.Symbol):
    fn = sp.lambdify(x, expr, modules="mpmath")

    def f(value):
        try:
            out = fn(value)
        except (ZeroDivisionError, ValueError, OverflowError, TypeError):
            return None
        if isinstance(out, mpmath.mpc):
            if abs(out.imag) > abs(out.real) * mpmath.mpf(10) ** (-mpmath.mp.dps + 5):
                return None
            out = out.real
        out = mpmath.mpf(out)
        return out if mpmath.isfinite(out) else None
    return f


def _certified_sign(f, point, digits):
    """The sign of f(point) if it agrees at two precisions and is well above noise."""
    with mpmath.workdps(digits + 20):
        a = f(mpmath.mpf(point))
    with mpmath.workdps(2 * digits + 40):
        b = f(mpmath.mpf(point))
    if a is None or b is None or a == 0 or b == 0:
        return 0
    if mpmath.sign(a) != mpmath.sign(b):
        return 0
    if abs(a - b) > abs(b) / 1000:
        return 0
    return int(mpmath.sign(b))


def real_roots(expr: sp.Expr, x: sp.Symbol, lo, hi, digits: int = 30) -> list:
    """Sorted mpmath ``mpf`` roots of ``expr`` in ``[lo, hi]``, each certified by a sign change.

    ``expr`` must be real-valued in ``x`` alone (bind parameters first).
    """
    extra = expr.free_symbols - {x}
    if extra:
        raise ValueError(f"real_roots: expression has free symbols besides {x}: {sorted(map(str, extra))}")
    f = _evaluator(expr, x)
    roots = []
    with mpmath.workdps(digits + 20):
        lo, hi = mpmath.mpf(lo), mpmath.mpf(hi)
        if not lo < hi:
            raise ValueError("real_roots: need lo < hi")
        grid = [lo + (hi - lo) * k / _GRID for k in range(_GRID + 1)]
        values = [f(g) for g in grid]
        for k in range(_GRID):
            a, b, fa, fb = grid[k], grid[k + 1], values[k], values[k + 1]
            if fa is None or fb is None:
                continue
            if fa == 0:
                candidate = a
            elif fa * fb < 0:
                try:
                    candidate = mpmath.findroot(f, (a, b), solver="illinois",
                                                tol=mpmath.mpf(10) ** (-2 * digits - 10),
                                                maxsteps=400)
                except (ValueError, ZeroDivisionError, TypeError):
                    candidate = mpmath.findroot(f, (a, b), solver="bisect",
                                                tol=mpmath.mpf(10) ** (-2 * digits - 10),
                                                maxsteps=4 * digits + 200)
            else:
                continue
            candidate = mpmath.mpf(candidate)
            if not (lo <= candidate <= hi):
                continue
            eps = max(abs(candidate), mpmath.mpf(1)) * mpmath.mpf(10) ** (-digits)
            left = _certified_sign(f, candidate - eps, digits)
            right = _certified_sign(f, candidate + eps, digits)
            if left and right and left != right:
                if not roots or abs(roots[-1] - candidate) > 2 * eps:
                    roots.append(candidate)
    return sorted(roots)
