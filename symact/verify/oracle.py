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

What users type is bounded in memory and time (:func:`compile_scalar`):
``exp`` of an argument beyond 2**2048 (``exp(exp(1e308))`` would need 10**308 bits
of ln 2) is replaced by a stand-in 2**(+-2**4096), and ``erfc``, ``erf``, ``tanh``
of huge arguments likewise; a point whose value depends on the stand-in (two
stand-ins give different results) is reported UNRESOLVED, as is one that needs
more than :data:`MAX_PREC` bits or :data:`MAX_SECONDS` seconds.  Max, Min,
Heaviside and sign are evaluated as Piecewise.

At +-0 and +-inf the contract wants the value at 0 and the limits
(:func:`value_at_zero`, :func:`limit_at_infinity`): a pole at 0 (``1/x``,
``log(x)``) gives the one-sided infinities IEEE arithmetic gives.

Results are cached per (function, dtype) and per point in memory and on disk
(:mod:`symact.verify.cache`): a grid that gains points computes only those, and
a repeated run costs only the kernels.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from symact.define.model import X
from symact.verify import cache
from symact.verify.metric import Format, round_exact

#: Bump when the evaluation rules change: it is part of every cache key (the vector
#: oracle's too).
ORACLE_VERSION = "oracle-3"
#: The scalar oracle's version: part of the keys of its tables, roots and special values.
SCALAR_VERSION = "oracle-scalar-5"
#: The version of the rules for the values at +-0 and +-inf (part of the special values' keys).
LIMITS_VERSION = "limits-2"

#: Give up (and mark the point unresolved) beyond this working precision.
MAX_PREC = 40000
#: ... or beyond this many seconds for one point.
MAX_SECONDS = 30.0

#: Point status: a value; no real value there (outside the domain); not resolved within
#: MAX_PREC bits; not within MAX_SECONDS; dependent on the stand-in for a huge exp.
OK, UNDEFINED, UNRESOLVED, TIMEOUT, HUGE = 0, 1, 2, 3, 4
#: Why a point is not resolved, by status (for reports).
REASONS = {UNRESOLVED: f"needs more than {MAX_PREC} bits", TIMEOUT: f"takes over {MAX_SECONDS:g} s",
           HUGE: "depends on exp of an argument beyond 2**2048"}

#: Arguments beyond this magnitude are not given to mpmath's exp (or erfc, erf, tanh):
#: only nested exponentials reach it (exp of 10**600, where limits are read, is below),
#: and their values are far beyond every dtype.
HUGE_ARGUMENT = mpmath.mpf(2) ** 2048
_STAND_IN = 2 ** 4096


class _StandIn:
    """The stand-in for exp(+-huge): 2**(+-exponent), above exp of any argument that is
    not huge, and whether it was used."""

    exponent = _STAND_IN
    used = False


def _huge_exp(sign: int, z=None):
    """2**(sign*E*e), e the binary exponent of |z|: monotone in |z|, so that exp(a)*exp(-a)
    is 1 and exp(a)*exp(-2a) vanishes with either stand-in E, while a value that keeps
    the stand-in's size (log(exp(exp(x)))) differs between the two."""
    _StandIn.used = True
    e = int(mpmath.frexp(abs(z))[1]) if z is not None else 1
    return mpmath.mpf((0, 1, sign * _StandIn.exponent * max(e, 1), 1))


#: Beyond this |argument| exp is reduced here (mpmath raises e to the integer part by
#: repeated squaring at the working precision: 0.05 s for exp(-5e615)).
LARGE_ARGUMENT = mpmath.mpf(2) ** 30


def _exp(z):
    if isinstance(z, mpmath.mpf) and mpmath.isfinite(z) and abs(z) > LARGE_ARGUMENT:
        if abs(z) > HUGE_ARGUMENT:
            return _huge_exp(1 if z > 0 else -1, z)
        prec = mpmath.mp.prec
        with mpmath.workprec(prec + int(mpmath.log(abs(z), 2)) + 16):
            n = mpmath.floor(z / mpmath.ln2)
            r = z - n * mpmath.ln2
            e = mpmath.exp(r)
        with mpmath.workprec(prec):
            return mpmath.ldexp(+e, int(n))
    return mpmath.exp(z)


#: mpmath's erfc fails (OverflowError) near 1e300; beyond this its asymptotic series.
ERFC_ASYMPTOTIC = mpmath.mpf(2) ** 30


def _erfc_far(z):
    """erfc(z), z > 2**30: exp(-z^2)/(z sqrt(pi)) * sum_n (-1)^n (2n-1)!!/(2z^2)^n, each
    term below 2**-61 times the last, summed to the working precision (A&S 7.1.23)."""
    w = 1 / (2 * z * z)
    term, total, n = mpmath.mpf(1), mpmath.mpf(1), 1
    while abs(term) > mpmath.ldexp(1, -mpmath.mp.prec - 8):
        term *= -(2 * n - 1) * w
        total += term
        n += 1
    return _exp(-z * z) / (z * mpmath.sqrt(mpmath.pi)) * total


def _erfc(z):
    if isinstance(z, mpmath.mpf) and mpmath.isfinite(z) and abs(z) > ERFC_ASYMPTOTIC:
        return _erfc_far(z) if z > 0 else 2 - _erfc_far(-z)
    return mpmath.erfc(z)


def _erf(z):
    if isinstance(z, mpmath.mpf) and mpmath.isfinite(z) and abs(z) > ERFC_ASYMPTOTIC:
        return 1 - _erfc_far(z) if z > 0 else _erfc_far(-z) - 1
    return mpmath.erf(z)


def _tanh(z):
    if isinstance(z, mpmath.mpf) and mpmath.isfinite(z) and abs(z) > HUGE_ARGUMENT:
        return (1 - 2 * _huge_exp(-1, 2 * z)) * mpmath.sign(z)
    return mpmath.tanh(z)


#: The mpmath functions lambdify uses, guarded against huge arguments.
GUARDED = {"exp": _exp, "erfc": _erfc, "erf": _erf, "tanh": _tanh}


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


def _plain(expr: sp.Expr) -> sp.Expr:
    """Max, Min, Heaviside and sign as Piecewise (lambdify has no mpmath Heaviside)."""
    kinds = (sp.Max, sp.Min, sp.Heaviside, sp.sign)
    if not expr.has(*kinds):
        return expr
    from symact.proof.equal import to_piecewise
    return to_piecewise(expr)


def compile_scalar(expr: sp.Expr):
    """An mpmath callable ``f(mpf) -> number`` for an expression in ``x`` alone."""
    expr = sp.sympify(expr)
    extra = expr.free_symbols - {X}
    if extra:
        raise ValueError(f"oracle: expression has free symbols besides x: {sorted(map(str, extra))}")
    return sp.lambdify(X, _plain(expr), modules=[GUARDED, "mpmath"])


def _call(fn, x, prec: int):
    """``fn(x)`` at ``prec`` bits as an mpf (nan where the definition is not real)."""
    with mpmath.workprec(prec):
        try:
            v = fn(x)
        except (ZeroDivisionError, ValueError, OverflowError, TypeError):
            return mpmath.mpf("nan")
        if isinstance(v, mpmath.mpc):
            if v.imag != 0:
                return mpmath.mpf("nan")
            v = v.real
        return mpmath.mpf(v)


def _log2_abs(v) -> float:
    """log2|v| (to within 1 for huge or tiny values; +-1e18 at most, so it converts)."""
    if v == 0:
        return -math.inf
    _, e = mpmath.frexp(v)
    if abs(e) > 10 ** 6:
        return float(max(min(int(e), 10 ** 18), -10 ** 18))
    return float(mpmath.log(abs(v), 2))


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


def _adaptive(fn, x, f: Format, log2_magnitude: float):
    p_zero = zero_precision(f, log2_magnitude)
    p = start_precision(f)
    start = time.perf_counter()
    a = _call(fn, x, p)
    while True:
        b = _call(fn, x, p + 32)
        status, nxt = judge(a, b, p, f, p_zero, log2_magnitude)
        if status is not None:
            return b, status, p + 32
        if time.perf_counter() - start > MAX_SECONDS:
            return b, TIMEOUT, p + 32
        p = nxt
        a = _call(fn, x, p)


def evaluate(fn, x, f: Format, log2_magnitude: float | None = None):
    """The exact value of ``fn`` at ``x`` (an mpf), adaptively.

    Returns ``(value, status)``.  ``log2_magnitude`` bounds log2|x| (default: from x).
    A value computed with the stand-in for a huge exp is re-evaluated with another
    stand-in; it is accepted only if both give the same value in the dtype.
    """
    if log2_magnitude is None:
        log2_magnitude = _log2_abs(x) if x != 0 else 0.0
    _StandIn.used = False
    v, status, prec = _adaptive(fn, x, f, log2_magnitude)
    if not _StandIn.used or status != OK:
        return v, status
    _StandIn.exponent = 2 * _STAND_IN
    try:
        w = _call(fn, x, prec)
    finally:
        _StandIn.exponent = _STAND_IN
    if _same_in(v, w, f):
        return v, OK
    return v, HUGE


def _same_in(a, b, f: Format) -> bool:
    """Whether two exact values are the same number in ``f`` (to its precision + 16 bits)."""
    if mpmath.isnan(a) or mpmath.isnan(b):
        return mpmath.isnan(a) and mpmath.isnan(b)
    if mpmath.isinf(a) or mpmath.isinf(b):
        return a == b
    tiny = mpmath.ldexp(1, f.sub_exp - 8)
    if abs(a) <= tiny and abs(b) <= tiny:
        return True
    return abs(a - b) <= abs(b) * mpmath.ldexp(1, -(f.precision + 16))


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


def table_key(expr: sp.Expr, f: Format) -> str:
    """The cache key of the per-point table of ``expr`` in ``f``."""
    return cache.key(SCALAR_VERSION, "scalar-table", sp.srepr(expr), f.name)


_FIELDS = ("hi", "spacing", "frac", "status")


def _lookup(table, points):
    """Indices of ``points`` in the table's sorted ``x`` and which were found."""
    if table is None or table["x"].size == 0:
        return np.zeros(points.shape, dtype=np.int64), np.zeros(points.shape, dtype=bool)
    xs = table["x"]
    idx = np.clip(np.searchsorted(xs, points), 0, xs.size - 1)
    return idx, xs[idx] == points


def _merge(table, xs, exact: Exact) -> dict:
    new = {"x": xs, **exact.as_arrays()}
    if table is not None and table["x"].size:
        new = {k: np.concatenate([table[k], new[k]]) for k in new}
    order = np.argsort(new["x"], kind="stable")
    keep = np.ones(order.size, dtype=bool)
    xs_sorted = new["x"][order]
    keep[1:] = xs_sorted[1:] != xs_sorted[:-1]
    return {k: v[order][keep] for k, v in new.items()}


def missing_points(expr: sp.Expr, points, f: Format) -> int:
    """How many of ``points`` the cache has no exact value of ``expr`` for."""
    points = np.asarray(points, dtype=np.float64)
    _, found = _lookup(cache.load(table_key(expr, f)), points)
    return int((~found).sum())


def compute_exact(expr: sp.Expr, points, f: Format) -> Exact:
    """Exact values of ``expr`` at ``points``, computed (no cache)."""
    fn = compile_scalar(expr)
    return _exact_arrays([evaluate(fn, mpmath.mpf(float(v)), f) for v in points], f)


def scalar_exact(expr: sp.Expr, points: np.ndarray, f: Format, *, use_cache: bool = True) -> Exact:
    """Exact values of ``expr`` (in ``x``) at finite float ``points``, rounded for ``f``.

    The cache holds one table per (expression, dtype) of every point computed so far;
    only the points it lacks are computed, then merged in (re-reading the table first,
    so that concurrent runs lose little of each other's work)."""
    points = np.asarray(points, dtype=np.float64)
    if not use_cache:
        return compute_exact(expr, points, f)
    key = table_key(expr, f)
    table = cache.load(key)
    idx, found = _lookup(table, points)
    if not found.all():
        xs = np.unique(points[~found])
        table = _merge(cache.load(key, fresh=True) or table, xs, compute_exact(expr, xs, f))
        cache.store(key, table)
        idx, found = _lookup(table, points)
    return Exact(*(table[k][idx] for k in _FIELDS))


#: Points at which the limits at +-infinity are read: beyond every finite float (f64
#: max is 1.8e308), below HUGE_ARGUMENT.
HUGE_POINTS = tuple(mpmath.mpf(10) ** e for e in (400, 500, 600))
#: A value beyond this at x = +-10**400 is an infinite limit.
INFINITE = mpmath.mpf(10) ** 350
#: Points at which the one-sided limits at 0 are read: below every subnormal.
TINY_POINTS = tuple(mpmath.mpf(10) ** -e for e in (400, 500, 600))


def _sequence_limit(expr: sp.Expr, points, f: Format):
    """The limit of ``expr`` along ``points`` (x = 10**+-400, 10**+-500, 10**+-600):
    infinite when the values pass 10**350 or keep growing by at least as much as before
    (``log x``), 0 when they vanish or decay like a power of x (``1/sqrt(x)``), else the
    last value; nan when undefined there."""
    fn = compile_scalar(expr)
    vals = []
    for x in points:
        with mpmath.workprec(6000):
            x = +x
        # the zero rule at the first point's magnitude (10**+-400): enough to tell a
        # vanishing limit, and the larger points cost no more
        v, status = evaluate(fn, x, f, log2_magnitude=1329.0)
        if status != OK or mpmath.isnan(v):
            return mpmath.mpf("nan")
        vals.append(v)
        if len(vals) == 1 and (abs(v) > INFINITE or abs(v) < 1 / INFINITE or mpmath.isinf(v)):
            break  # infinite or vanishing already
    if len(vals) == 1:
        vals *= 3
    a, b, c = vals
    if mpmath.isinf(c):
        return c
    if abs(c) > INFINITE:
        return mpmath.inf if c > 0 else mpmath.ninf
    growing = (1 <= abs(a) < abs(b) < abs(c) and mpmath.sign(b) == mpmath.sign(c)
               and abs(c - b) >= abs(b - a) * (1 - mpmath.mpf(10) ** -9))
    if growing:
        return mpmath.inf if c > 0 else mpmath.ninf
    # decaying geometrically along x = 10**400, 10**500, 10**600 (a power of x: 1/sqrt(x))
    decaying = 0 < abs(c) < abs(b) < abs(a) and abs(b) < abs(a) / 2 and abs(c) * abs(a) <= abs(b) ** 2 * 2
    if abs(c) < 1 / INFINITE or decaying:
        return mpmath.mpf(0)
    return c


def limit_at_infinity(expr: sp.Expr, sign: int, f: Format):
    """lim f(x) as x -> sign*oo, read along x = sign*10**400, 10**500, 10**600.

    Every finite float is below 10**308, and the catalogue's functions reach their
    limits at x = 10**400 to far beyond any dtype; an unbounded function (``x``,
    ``sqrt(x)``, ``log(x)``) is recognised by its growth along the three points.
    Returns an mpf (+-inf for infinite limits) or nan when the definition has no
    value there.
    """
    return _sequence_limit(expr, [sign * h for h in HUGE_POINTS], f)


def value_at_zero(expr: sp.Expr, sign: int, f: Format):
    """The value at ``sign*0`` as the contract reads it: the value at 0 where there is
    one; at a pole, the one-sided limit from ``sign``'s side (IEEE: 1/(+-0) = +-inf),
    or from the other side where that side is outside the domain (log(-0) = -inf)."""
    v = value_at(expr, 0.0, f)
    if not mpmath.isnan(v):
        return v
    side = _sequence_limit(expr, [sign * t for t in TINY_POINTS], f)
    if mpmath.isnan(side):
        side = _sequence_limit(expr, [-sign * t for t in TINY_POINTS], f)
    return side


def value_at(expr: sp.Expr, x: float, f: Format):
    """The exact value (mpf) of ``expr`` at the float ``x``."""
    v, status = evaluate(compile_scalar(expr), mpmath.mpf(float(x)), f)
    return v if status == OK else mpmath.mpf("nan")
