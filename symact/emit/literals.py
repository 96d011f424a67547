"""Numbers in kernels: evaluate irrational constants once, keep rationals exact.

:func:`prepare` replaces every numeric subexpression that is not a rational
(``sqrt(2)``, ``pi``, ``sqrt(2)/(2*sqrt(pi))``, a 50-digit Float) by one Float of
40 digits, so a printer rounds it once to the target dtype.  Rationals stay
exact: the printers write them as divisions (``x/3``, ``(x + 3)/6``), one
correctly rounded operation instead of a multiplication by a rounded 1/3.
"""

from __future__ import annotations

import mpmath
import sympy as sp

_DIGITS = 40


def _is_irrational_number(e) -> bool:
    return e.is_number and not e.is_Rational


def _as_float(e) -> sp.Expr:
    """A 40-digit Float of the numeric ``e``; 0 when ``e`` is a zero written as a sum of
    transcendental constants (e.g. 1 + u0 + exp(u0) at a root u0), recognised by its
    value shrinking as the precision grows."""
    v = e.evalf(_DIGITS)
    if abs(v) < sp.Float(10) ** (-_DIGITS // 2) and abs(e.evalf(3 * _DIGITS)) < sp.Float(10) ** (-2 * _DIGITS):
        return sp.S.Zero
    return sp.Float(v, _DIGITS)


def prepare(expr: sp.Expr) -> sp.Expr:
    """``expr`` with each maximal irrational numeric subexpression as a 40-digit Float."""
    if not isinstance(expr, sp.Basic) or expr.is_Atom:
        if isinstance(expr, sp.Basic) and _is_irrational_number(expr) and not expr.is_Float:
            return _as_float(expr)
        return expr
    if isinstance(expr, (sp.Mul, sp.Add)):
        numeric = [a for a in expr.args if a.is_number]
        other = [prepare(a) for a in expr.args if not a.is_number]
        folded = expr.func(*numeric) if numeric else None
        if folded is not None and _is_irrational_number(folded):
            folded = _as_float(folded)
        if folded is not None and folded == (0 if expr.is_Add else 1):
            folded = None
        if folded == 0 and expr.is_Mul:
            return sp.S.Zero
        args = ([folded] if folded is not None else []) + other
        return expr.func(*args, evaluate=False) if len(args) > 1 else args[0]
    if _is_irrational_number(expr):
        return _as_float(expr)
    if isinstance(expr, sp.Piecewise):
        return sp.Piecewise(*[(prepare(e), prepare(c)) for e, c in expr.args])
    return expr.func(*[prepare(a) for a in expr.args], evaluate=False) \
        if isinstance(expr, sp.Expr) else expr.func(*[prepare(a) for a in expr.args])


def float_literal(value, dtype: str) -> str:
    """``value`` rounded to ``dtype`` (round to nearest, from the exact value), as C/Python text.

    float64: 17 significant digits; float32: 9 significant digits (no suffix here).
    """
    prec = 53 if dtype == "float64" else 24
    digits = 17 if dtype == "float64" else 9
    with mpmath.workprec(prec):
        v = +mpmath.mpf(sp.Float(value, _DIGITS)._mpf_) if not isinstance(value, mpmath.mpf) else +value
    x = float(v)
    if dtype == "float32":
        # the float32 range: underflow to a subnormal or zero as the compiler would
        # (the literal must not be "truncated to zero" by the compiler: -Werror=overflow)
        import numpy
        with numpy.errstate(all="ignore"):
            x = float(numpy.float32(x))
        if x == 0.0:
            return "0.0"
    if x == int(x) and abs(x) < 2 ** 53:
        return f"{int(x)}.0"
    text = f"{x:.{digits}g}"
    if "e" not in text and "." not in text:
        text += ".0"
    return text


def split_constant(value, dtype: str) -> tuple[str, str]:
    """``value`` as hi + lo in ``dtype`` (hi = value rounded, lo = the rest rounded), as text."""
    prec = 53 if dtype == "float64" else 24
    with mpmath.workdps(60):
        exact = mpmath.mpf(sp.Float(value, _DIGITS)._mpf_) if not isinstance(value, mpmath.mpf) else value
        with mpmath.workprec(prec):
            hi = +exact
        rest = exact - hi
    return float_literal(hi, dtype), float_literal(rest, dtype)
