"""Certified counterexamples: a point where lhs - rhs is provably nonzero.

Candidate points are exact rationals (both signs, magnitudes from 1/1000 to 1000)
that satisfy ``where``.  The difference is screened with mpmath at 60 digits;
a candidate is then *certified* with SymPy's ``evalf(30, strict=True)`` on the
exact point, which raises unless it can guarantee 30 correct digits (adaptive
precision with error tracking), and re-evaluated at 60 digits: both must agree
on a nonzero value.  Only a certified nonzero value is returned, so a
counterexample is evidence, never a sample that happened to look different.
"""

from __future__ import annotations

import itertools
import random

import mpmath
import sympy as sp

R = sp.Rational

#: Candidate values per symbol: both signs, small and large magnitudes, non-special.
VALUES = (R(1, 2), R(-1, 2), 1, -1, 2, -2, R(7, 3), R(-7, 3), R(1, 10), R(-1, 10), 5, -5,
          R(37, 10), R(-37, 10), 10, -10, 0, R(1, 1000), R(-1, 1000), 30, -30, R(3, 4),
          R(-3, 4), 100, -100, R(13, 7), R(-13, 7), 1000, -1000)
_MAX_POINTS = 60


def admissible(symbol, value) -> bool:
    """Does ``value`` respect the sign and integer assumptions carried by ``symbol``?"""
    value = sp.sympify(value)
    checks = (("positive", value > 0), ("negative", value < 0), ("nonnegative", value >= 0),
              ("nonpositive", value <= 0), ("integer", value.is_integer), ("zero", value == 0),
              ("nonzero", value != 0))
    for name, ok in checks:
        if getattr(symbol, f"is_{name}") and not bool(ok):
            return False
    return True


def _points(symbols, where):
    """Exact candidate points (dicts) satisfying ``where`` and the symbols' assumptions."""
    if not symbols:
        yield {}
        return
    for combo in _combos(symbols):
        if not all(admissible(s, v) for s, v in zip(symbols, combo)):
            continue
        point = {s: sp.sympify(v) for s, v in zip(symbols, combo)}
        if where is not sp.true:
            try:
                ok = where.subs(point)
            except (TypeError, ValueError):
                continue
            if ok is not sp.true:
                continue
        yield point


def _combos(symbols):
    if len(symbols) == 1:
        combos = ((v,) for v in VALUES)
    elif len(symbols) == 2:
        head = [(a, b) for a in VALUES[:8] for b in VALUES[:8]]
        rng = random.Random(2)
        tail = [tuple(rng.choice(VALUES) for _ in symbols) for _ in range(40)]
        combos = itertools.chain(head, tail)
    else:
        rng = random.Random(len(symbols))
        combos = (tuple(rng.choice(VALUES) for _ in symbols) for _ in range(120))
    return combos


def _screen(fn, point_values):
    try:
        with mpmath.workdps(60):
            v = fn(*[mpmath.mpf(sp.Rational(p).p) / mpmath.mpf(sp.Rational(p).q) for p in point_values])
            if isinstance(v, mpmath.mpc):
                v = v.real if abs(v.imag) < mpmath.mpf(10) ** -50 else None
            return v
    except (ZeroDivisionError, ValueError, OverflowError, TypeError, AttributeError, NameError):
        return None


def certify(diff: sp.Expr, point: dict):
    """The value of ``diff`` at ``point`` if certified nonzero (30 digits, two precisions)."""
    try:
        at = diff.subs(point)
        if at.has(sp.zoo, sp.nan) or at.free_symbols:
            return None
        if at.has(sp.Piecewise):
            at = sp.piecewise_fold(at)
            if at.has(sp.Piecewise):
                return None
        v30 = at.evalf(30, strict=True)
        v60 = at.evalf(60, strict=True)
    except (sp.core.evalf.PrecisionExhausted, TypeError, ValueError, ZeroDivisionError, RecursionError):
        return None
    if not (v30.is_Number and v60.is_Number) or v30 == 0 or v60 == 0:
        return None
    if not (v30.is_finite and v60.is_finite):
        return None
    if abs(v30 - v60) > abs(v60) * sp.Float(10) ** -25:
        return None
    return v60


def find_counterexample(lhs, rhs, where=sp.true):
    """``({name: value}, difference)`` at a point where lhs != rhs, certified; or None."""
    diff = lhs - rhs
    symbols = sorted(diff.free_symbols | where.free_symbols, key=str)
    try:
        fn = sp.lambdify(symbols, diff, modules="mpmath")
    except (TypeError, ValueError, SyntaxError, NameError, KeyError):
        fn = None
    scale_fn = None
    tried = 0
    for point in _points(symbols, where):
        tried += 1
        if tried > _MAX_POINTS:
            break
        if fn is not None:
            v = _screen(fn, [point[s] for s in symbols])
            if v is None or v == 0:
                continue
            if scale_fn is None:
                scale_fn = sp.lambdify(symbols, [lhs, rhs], modules="mpmath")
            sides = _screen(lambda *a: max(abs(t) for t in scale_fn(*a)), [point[s] for s in symbols])
            scale = max(sides, 1) if sides is not None else 1
            if abs(v) < scale * mpmath.mpf(10) ** -45:
                continue
        value = certify(diff, point)
        if value is not None:
            shown = {str(s): str(point[s]) for s in symbols}
            return shown, sp.Float(value, 15)
    return None
