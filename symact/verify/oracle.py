"""The exact values kernels are measured against: the catalogue DEFINITION in mpmath.

The oracle never sees a stable form: it evaluates the textbook definition (and
its derivatives by ``sympy.diff``, from :mod:`symact.derive.derivatives`), turned into an
mpmath callable by ``sympy.lambdify(..., modules="mpmath")``.  Piecewise
becomes a Python conditional on the exact input, so the branch taken at a kink
is the one the definition (and its declared kink convention) names.

Textbook forms cancel (``1 + erf(-30)`` needs ~400 digits), so the working
precision is raised until two evaluations agree (:func:`evaluate`):

1. evaluate at ``p`` and ``p + 32`` bits, starting at ``p = t + 24`` with
   ``t`` = the dtype's significand bits + 16;
2. accept when they agree to ``t`` bits relative (and the value is nonzero);
3. otherwise estimate the bits lost to cancellation from how many bits did
   agree and retry at ``lost + t + 32``;
   a value that agrees is still re-evaluated until the precision covers its
   size relative to the input's, because an absorbed term (``1 + e^-745 == 1``)
   leaves two evaluations agreeing on a wrong value (:func:`judge`);
4. a zero (or a value below the dtype's smallest subnormal) is accepted only
   once the precision is high enough that cancellation could not hide a value
   the dtype can represent: ``p >= -log2(smallest subnormal) + 32 + 3 log2|x|``
   (the ``3 log2|x|`` covers the largest intermediate, ``x**3`` in gelu_tanh).

Results are cached per (function, dtype, points) in memory and on disk
(:mod:`symact.verify.cache`), so a repeated run costs only the kernels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from symact.define.model import X
from symact.verify import cache
from symact.verify.metric import Format, round_exact

#: Bump when the evaluation rules change: it is part of every cache key.
ORACLE_VERSION = "oracle-3"

#: Give up (and mark the point unresolved) beyond this working precision.
MAX_PREC = 40000

OK, UNDEFINED, UNRESOLVED = 0, 1, 2


@dataclass
class Exact:
    """Exact values at a set of points, rounded for one dtype (see :mod:`.metric`).

    ``status`` is :data:`OK`, :data:`UNDEFINED` (the definition has no real
    value there) or :data:`UNRESOLVED` (precision cap reached).
    """

    hi: np.ndarray
    spacing: np.ndarray
    frac: np.ndarray
    status: np.ndarray

    @property
    def approx(self) -> np.ndarray:
        """The exact value as the nearest float64 (for signs and root windows)."""
        with np.errstate(all="ignore"):
            return np.where(np.isfinite(self.hi), self.hi + self.frac * self.spacing, self.hi)

    def as_arrays(self) -> dict:
        return {"hi": self.hi, "spacing": self.spacing, "frac": self.frac, "status": self.status}


def compile_scalar(expr: sp.Expr):
    """An mpmath callable ``f(mpf) -> number`` for an expression in ``x`` alone."""
    extra = sp.sympify(expr).free_symbols - {X}
    if extra:
        raise ValueError(f"oracle: expression has free symbols besides x: {sorted(map(str, extra))}")
    return sp.lambdify(X, expr, modules="mpmath")


def _call(fn, x, prec: int):
    """``fn(x)`` at ``prec`` bits as an mpf (nan where the definition is not real)."""
    with mpmath.workprec(prec):
        try:
            v = fn(x)
        except (ZeroDivisionError, ValueError, OverflowError):
            return mpmath.mpf("nan")
        if isinstance(v, mpmath.mpc):
            if v.imag != 0:
                return mpmath.mpf("nan")
            v = v.real
        return mpmath.mpf(v)


def _log2_abs(v) -> float:
    return float(mpmath.log(abs(v), 2)) if v != 0 else -math.inf


def zero_precision(f: Format, log2_magnitude: float, power: int = 3) -> int:
    """Bits at which an absolute error below the smallest subnormal is expected
    for inputs up to 2**log2_magnitude and intermediates up to its ``power``
    (the rule in step 4)."""
    return int(-f.sub_exp + 32 + power * max(0.0, log2_magnitude))


def judge(a, b, p: int, f: Format, p_zero: int, log2_mag: float = 0.0):
    """One step of the precision loop for values ``a`` (at ``p`` bits) and ``b``
    (at ``p + 32``): ``(status, next_precision)``, status OK/UNDEFINED when ``b``
    is accepted, None to go on (UNRESOLVED past :data:`MAX_PREC`).

    Agreement alone can be fooled by absorption: ``log(1 + e^-745)`` is exactly 0
    at every precision below ~1075 bits, so two evaluations agree on a sum that
    lost a term.  A value is therefore accepted only once the working precision
    also covers its own size: ``2**-p <= 2**-(t+8) * |b|`` (capped at ``p_zero``;
    a nonzero value below the smallest subnormal rounds to 0 whatever was lost
    beside it, and a zero needs ``p >= p_zero``).
    """
    t = f.precision + 16
    tiny = mpmath.ldexp(1, f.sub_exp - 8)
    q = p + 32
    if mpmath.isnan(a) and mpmath.isnan(b):
        return UNDEFINED, q
    if mpmath.isinf(b) and a == b:
        return OK, q
    finite = mpmath.isfinite(a) and mpmath.isfinite(b)
    diff = abs(a - b) if finite else None
    if finite:
        if b != 0 and diff <= abs(b) * mpmath.ldexp(1, -t):
            if abs(b) <= tiny:  # rounds to 0 whatever was absorbed next to it
                return OK, q
            need = min(p_zero, int(t + 8 - _log2_abs(b)) + 1)
            if p >= need:
                return OK, q
            return None, need
        if diff <= tiny and abs(b) <= tiny and q >= p_zero:
            return OK, q
    if finite and a != 0 and b != 0 and mpmath.sign(a) == mpmath.sign(b) and diff != 0:
        agree = max(0.0, _log2_abs(b) - _log2_abs(diff))
        nxt = max(int(p - agree) + t + 32, q + 32)
    else:
        nxt = 2 * q
    if finite and abs(a) <= tiny and abs(b) <= tiny:
        nxt = max(nxt, p_zero)
    if nxt > MAX_PREC:
        return UNRESOLVED, nxt
    return None, nxt


def start_precision(f: Format) -> int:
    return f.precision + 16 + 24


def evaluate(fn, x, f: Format, log2_magnitude: float | None = None):
    """The exact value of ``fn`` at ``x`` (an mpf), adaptively.

    Returns ``(value, status)``.  ``log2_magnitude`` bounds log2|x| (default: from x).
    """
    if log2_magnitude is None:
        log2_magnitude = _log2_abs(x) if x != 0 else 0.0
    p_zero = zero_precision(f, log2_magnitude)
    p = start_precision(f)
    a = _call(fn, x, p)
    while True:
        b = _call(fn, x, p + 32)
        status, nxt = judge(a, b, p, f, p_zero, log2_magnitude)
        if status is not None:
            return b, status
        p = nxt
        a = _call(fn, x, p)


def _exact_arrays(values, f: Format) -> Exact:
    n = len(values)
    hi, sp_, fr = np.empty(n), np.empty(n), np.empty(n)
    st = np.zeros(n, dtype=np.int8)
    for k, (v, status) in enumerate(values):
        if status != OK or mpmath.isnan(v):
            hi[k], sp_[k], fr[k], st[k] = np.nan, np.nan, np.nan, status or UNDEFINED
        elif mpmath.isinf(v):
            hi[k], sp_[k], fr[k] = float(v), np.nan, 0.0
        else:
            hi[k], sp_[k], fr[k] = round_exact(v, f)
    return Exact(hi, sp_, fr, st)


def scalar_key(expr: sp.Expr, points, f: Format) -> str:
    """The cache key of :func:`scalar_exact`'s result."""
    return cache.key(ORACLE_VERSION, "scalar", sp.srepr(expr), f.name, np.asarray(points, dtype=np.float64))


def scalar_exact(expr: sp.Expr, points: np.ndarray, f: Format, *, use_cache: bool = True) -> Exact:
    """Exact values of ``expr`` (in ``x``) at finite float ``points``, rounded for ``f``."""
    points = np.asarray(points, dtype=np.float64)
    key = scalar_key(expr, points, f)
    if use_cache:
        hit = cache.load(key)
        if hit is not None:
            return Exact(**hit)
    fn = compile_scalar(expr)
    values = []
    for v in points:
        x = mpmath.mpf(float(v))
        values.append(evaluate(fn, x, f))
    out = _exact_arrays(values, f)
    if use_cache:
        cache.store(key, out.as_arrays())
    return out


#: Stand-in for +-infinity: beyond every finite float (f64 max is 1.8e308).
HUGE = mpmath.mpf(10) ** 400
#: Values beyond this at x = +-HUGE are taken as an infinite limit.
INFINITE = mpmath.mpf(10) ** 350


def limit_at_infinity(expr: sp.Expr, sign: int, f: Format):
    """lim f(x) as x -> sign*oo, evaluated as the oracle at x = sign*10**400.

    Every finite float is below 10**308, and the catalogue's functions reach their
    limits at x = 10**400 to far beyond any dtype; a value above 10**350 in
    magnitude is an infinite limit.  Returns an mpf (+-inf for infinite limits)
    or nan when the definition has no value there.
    """
    fn = compile_scalar(expr)
    with mpmath.workprec(1500):
        x = sign * HUGE
    v, status = evaluate(fn, x, f, log2_magnitude=1329.0)
    if status != OK:
        return mpmath.mpf("nan")
    if abs(v) > INFINITE:
        return mpmath.inf if v > 0 else mpmath.ninf
    if abs(v) < 1 / INFINITE:
        return mpmath.mpf(0)
    return v


def value_at(expr: sp.Expr, x: float, f: Format):
    """The exact value (mpf) of ``expr`` at the float ``x``."""
    v, status = evaluate(compile_scalar(expr), mpmath.mpf(float(x)), f)
    return v if status == OK else mpmath.mpf("nan")
