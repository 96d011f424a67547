"""Error-free transformations in the kernels: double-word ("pair") evaluation and the
primitives that take a rounded argument as hi + lo, called by the generated kernels as
_<impl>(...), one per class of symact/stabilise/primitives.py that symact/stabilise/
rules_exact.py introduces (docs/numerics.md, pitfalls 17 and 18).

Pairs.  A pair (h, l) is the unevaluated sum h + l of two float64 arrays (doubleword.py,
about 2^-104 relative).  The stabiliser marks an argument dw(u) where its rounding would
be amplified (exp(u) carries u's rounding as a relative error of |u|*2^-53), and wraps a
whole expression in dw_eval(e) inside a window where its terms cancel; the printers
then evaluate u (or e) with the _w_* functions below: sums, products and quotients
with the exact residuals, exp, expm1, log, log1p, sqrt and tanh of pairs to about
2^-100 relative.  Every _w_* function returns the plain float64 result with a zero low
part where the pair arithmetic would overflow (Dekker's split needs |a| < 2^996) or
meets inf or nan, so pairs never turn a finite plain result into nan.

Rounded arguments.  For a primitive P and an argument u = h + l, |l| <= ulp(h)/2,
P(h + l) = P(h) + P'(h)*l to within P''*l^2/2 (below 2^-80 relative here): each
_<impl>_dw(..., h, l) adds that first-order term, written as P(h)*(1 + L(h)*l) with
the logarithmic derivative L = P'/P, or folds 1 + L(h)*l into the factor a of an
a*P(u) primitive, so that the subnormal tails keep their scaling.
"""

import math

import numpy

from symact.emit.numpy.runtime.constants import _INV_FACT_DD, _INV_LN2, _LN2, _LN2_64_SPLIT, _LN_SQRT_2PI
from symact.emit.numpy.runtime.doubleword import _dd_add, _dd_div, _dd_mul, _fast_two_sum, _two_prod, _two_sum
from symact.emit.numpy.runtime.primitives import (_TAIL, _dsigmoid, _expm1_sub_uexp, _log_sigmoid, _mul_dsigmoid,
                                                  _mul_exp, _mul_sigmoid, _mul_tanh_softplus, _scaled_tail, _sech2,
                                                  _sech2_softplus,
                                                  _sigmoid, _softplus)

# ln 2 in three parts (64 times the data file's ln(2)/64, exactly): k*part1 is exact for
# |k| < 2^15, and the three carry ln 2 to about 2^-150.
_W_LN2_C = tuple(64.0 * c for c in _LN2_64_SPLIT)
# exp's reduced argument r, |r| <= ln2/2, is scaled by 2^-_W_SQUARINGS before the series
# (|s| < 0.022: terms beyond s^12/12! are below 2^-110) and the result squared back.
_W_SQUARINGS = 4
# Above this |u|, tanh(u) = +-(1 - 2 exp(-2|u|)) with the low part from exp alone.
_W_TANH_BIG = 40.0
# Below this |u|, E_k(u) = exp(u) - sum_{j<k} u^j/j! is its series sum_{j>=k} u^j/j!.
_W_REM_SERIES = 2.0
# Terms of that series: 2^30/30! < 2^-80.
_W_REM_TERMS = 30
# sqrt(a u^2 + c) is scaled beyond this |u| (u*u would overflow).
_W_QUAD_BIG = 2.0 ** 500


# --- pairs -----------------------------------------------------------------------------

def _w_fix(plain, pair):
    """``pair`` where both parts are finite, else ``(plain, 0)``."""
    h, l = pair
    ok = numpy.isfinite(h) & numpy.isfinite(l)
    return numpy.where(ok, h, plain), numpy.where(ok, l, 0.0)


def _w_add(a, b):
    """a + b for pairs."""
    return _w_fix(a[0] + b[0], _dd_add(a[0], a[1], b[0], b[1]))


def _w_sub(a, b):
    """a - b for pairs."""
    return _w_add(a, (-b[0], -b[1]))


def _w_mul(a, b):
    """a*b for pairs (the product's rounding error exact: Dekker)."""
    return _w_fix(a[0] * b[0], _dd_mul(a[0], a[1], b[0], b[1]))


def _w_div(a, b):
    """a/b for pairs (from the exact remainder of the first quotient)."""
    return _w_fix(a[0] / b[0], _dd_div(a[0], a[1], b[0], b[1]))


def _w_neg(a):
    return -a[0], -a[1]


def _w_abs(a):
    neg = a[0] < 0
    return numpy.where(neg, -a[0], a[0]), numpy.where(neg, -a[1], a[1])


def _w_sign(a):
    """sign of a pair (exact): its high part's, a normalised pair being 0 only when both are."""
    return numpy.sign(a[0]), numpy.zeros_like(numpy.asarray(a[0], dtype=numpy.float64))


def _w_val(a):
    """The pair rounded to one float64."""
    return a[0] + a[1]


def _w_choose(cond, first, second):
    """Pair first() where cond holds, second() elsewhere; a branch no entry takes is not
    evaluated (the pair functions are costly, and most calls take one branch only)."""
    cond = numpy.asarray(cond)
    if cond.all():
        return first()
    if not cond.any():
        return second()
    a, b = first(), second()
    return numpy.where(cond, a[0], b[0]), numpy.where(cond, a[1], b[1])


def _w_scale(a, c):
    """a*c for a power of two c (exact)."""
    return a[0] * c, a[1] * c


def _w_lo(a):
    """The low part, 0 where it is not finite."""
    return numpy.where(numpy.isfinite(a[1]), a[1], 0.0)


def _w_powi(a, n):
    """a^n for an integer n (binary powering in pairs)."""
    if n < 0:
        return _w_div((1.0, 0.0), _w_powi(a, -n))
    out, base = (1.0, 0.0), a
    while n:
        if n & 1:
            out = _w_mul(out, base)
        n >>= 1
        if n:
            base = _w_mul(base, base)
    return out


def _w_exp_parts(a):
    """exp(h + l) = 2^k*(1 + E) with E = expm1(r) as a pair, r = h + l - k ln2 in pairs
    (|r| <= ln2/2; k = 0 for |h| < ln2/2, so that E is then expm1(h + l) itself):
    E = expm1(r 2^-4) by its Taylor series, the terms of degree 7 and up (below 2^-52 of
    the sum) in float64 and the rest in pairs, then expm1(2s) = expm1(s)*(2 + expm1(s))
    four times (each doubles the relative error: about 2^-100 at the end).  Returns (E, k)."""
    h = numpy.clip(a[0], -1100.0, 1100.0)
    k = numpy.rint(h * _INV_LN2)
    c1, c2, c3 = _W_LN2_C
    rh = h - k * c1                                # exact
    p, pe = _two_prod(k, c2)
    rh, t = _two_sum(rh, -p)
    rh, rl = _dd_add(rh, t, numpy.where(numpy.isfinite(a[1]), a[1], 0.0), -(pe + k * c3))
    scale = 2.0 ** -_W_SQUARINGS
    s = (rh * scale, rl * scale)
    q = _INV_FACT_DD[-1][0] + 0.0 * s[0]           # 1/12!, then down to 1/7! in float64
    for ch, _ in _INV_FACT_DD[-2:4:-1]:
        q = q * s[0] + ch
    e = (q, 0.0 * q)
    for ch, cl in _INV_FACT_DD[4::-1]:             # 1/6! .. 1/2! in pairs
        e = _dd_add(*_dd_mul(*e, *s), ch, cl)
    e = _dd_add(*_dd_mul(*e, *s), 1.0, 0.0)
    e = _dd_mul(*e, *s)
    for _ in range(_W_SQUARINGS):
        e = _dd_mul(*e, *_dd_add(2.0, 0.0, *e))
    return e, k


def _w_exp(a):
    """exp of a pair as a pair (relative error about 2^-100)."""
    return _w_exp_of(a, *_w_exp_parts(a))


def _w_exp_of(a, e, k):
    """2^k*(1 + E) from the parts of :func:`_w_exp_parts`."""
    eh, el = e
    mh, ml = _fast_two_sum(1.0, eh)
    ml = ml + el
    ki = k.astype(numpy.int64) if hasattr(k, "astype") else int(k)
    return _w_fix(numpy.exp(a[0]), (numpy.ldexp(mh, ki), numpy.ldexp(ml, ki)))


def _w_expm1(a):
    """expm1 of a pair as a pair: E itself where k = 0, exp - 1 elsewhere (|result| > 0.29
    there, so the subtraction keeps the relative accuracy); a + a^2/2 below 2^-60 (the
    scaled series would lose a low part in the subnormals)."""
    e, k = _w_exp_parts(a)
    tiny = numpy.abs(a[0]) < 2.0 ** -60
    out = _w_choose(k == 0, lambda: e, lambda: _w_add(_w_exp_of(a, e, k), (-1.0, 0.0)))
    out = _w_choose(tiny, lambda: _w_add(a, (a[0] * a[0] / 2, 0.0)), lambda: out)
    return _w_fix(numpy.expm1(a[0]), out)


def _w_log_reduced(a):
    """log of a positive pair: a = f*2^m, y0 = log(f), one Newton step y0 + (f*exp(-y0) - 1)
    in pairs (quadratic: the step's own error is below 2^-104), plus m*ln2 in pairs;
    log(h) with a zero low part where h is not positive and finite."""
    h = a[0]
    ok = numpy.isfinite(h) & (h > 0)
    f, m = numpy.frexp(numpy.where(ok, h, 1.0))
    fl = numpy.ldexp(numpy.where(ok, _w_lo(a), 0.0), -m)
    y0 = numpy.log(f)
    t = _w_add(_w_mul((f, fl), _w_exp((-y0, 0.0))), (-1.0, 0.0))
    y = _w_add((y0, 0.0), t)
    mf = m.astype(numpy.float64) if hasattr(m, "astype") else float(m)
    y = _w_add(_w_mul((mf, 0.0), (_LN2[0], _LN2[1])), y)
    with numpy.errstate(all="ignore"):
        plain = numpy.log(h)
    return numpy.where(ok, y[0], plain), numpy.where(ok, y[1], 0.0)


def _w_log1p_small(a):
    """log(1 + a) for -1/2 < a < 1: y0 = log1p(a), the Newton step y0 + (a + (1 + a)*
    expm1(-y0)) in pairs (no cancellation near a = 0)."""
    h, l = _two_sum(a[0], _w_lo(a))  # normalised: y0 must start from all of a (a - 1 = 0 + lo)
    small = (h > -0.5) & (h < 1.0)
    u = (numpy.where(small, h, 0.0), numpy.where(small, l, 0.0))
    y0 = numpy.log1p(u[0])
    t = _w_add(u, _w_mul(_w_add((1.0, 0.0), u), _w_expm1((-y0, 0.0))))
    return _w_add((y0, 0.0), t)


def _w_log(a):
    """log of a pair: log1p(a - 1) for a in (1/2, 2) (a - 1 exact: the relative accuracy of
    a small log), the reduced form elsewhere."""
    h = a[0]
    near = (h > 0.5) & (h < 2.0)
    return _w_choose(near, lambda: _w_log1p_small((numpy.where(near, h - 1.0, 0.0),
                                                   numpy.where(near, _w_lo(a), 0.0))),
                     lambda: _w_log_reduced(a))


def _w_log1p(a):
    """log(1 + a) of a pair: the Newton step near 0 (-1/2 < a < 1), the reduced form of the
    pair 1 + a elsewhere."""
    h = a[0]
    small = (h > -0.5) & (h < 1.0)
    return _w_choose(small, lambda: _w_log1p_small(a), lambda: _w_log_reduced(_w_add((1.0, 0.0), a)))


def _w_sqrt(a):
    """sqrt of a pair: a scaled by an even power of two into [1/2, 2) (exactly), s = sqrt(h),
    s + (a - s^2)/(2s) with s^2 exact, scaled back."""
    h = a[0]
    ok = numpy.isfinite(h) & (h > 0)
    _, e = numpy.frexp(numpy.where(ok, h, 1.0))
    k = e - (e % 2)
    hs, ls = numpy.ldexp(numpy.where(ok, h, 1.0), -k), numpy.ldexp(numpy.where(ok, _w_lo(a), 0.0), -k)
    s = numpy.sqrt(hs)
    p, pe = _two_prod(s, s)
    r = ((hs - p) - pe + ls) / (2 * s)
    sh, sl = _fast_two_sum(s, r)
    with numpy.errstate(all="ignore"):
        plain = numpy.sqrt(h)
    return numpy.where(ok, numpy.ldexp(sh, k // 2), plain), numpy.where(ok, numpy.ldexp(sl, k // 2), 0.0)


def _w_tanh(a):
    """tanh of a pair: sign(u)*E/(E + 2), E = expm1(2|u|), in pairs; +-(1 - 2 exp(-2|u|))
    beyond |u| = 40."""
    neg = a[0] < 0
    u = _w_abs(a)
    big = u[0] > _W_TANH_BIG
    uc = (numpy.where(big, 1.0, u[0]), numpy.where(big, 0.0, u[1]))
    e = _w_expm1((2 * uc[0], 2 * uc[1]))
    t = _w_div(e, _w_add(e, (2.0, 0.0)))
    th = numpy.where(big, 1.0, t[0])
    tl = numpy.where(big, -2 * numpy.exp(-2 * numpy.where(big, u[0], 0.0)), t[1])
    return numpy.where(neg, -th, th), numpy.where(neg, -tl, tl)


def _w_sqrt_quad(a, u, c):
    """sqrt(a u^2 + c) of pairs: |u| sqrt(a + (c/u)/u) beyond |u| = 2^500, sqrt(a) |u|
    where c = 0 (no overflow or underflow of u^2)."""
    m = _w_abs(u)
    big = m[0] > _W_QUAD_BIG
    ms = (numpy.where(big, m[0], 1.0), numpy.where(big, m[1], 0.0))
    scaled = _w_mul(m, _w_sqrt(_w_add(a, _w_div(_w_div(c, ms), ms))))
    zero_c = (numpy.asarray(c[0]) == 0) & (numpy.asarray(c[1]) == 0)
    plain = _w_sqrt(_w_add(_w_mul(a, _w_mul(m, m)), c))
    root_a = _w_mul(_w_sqrt(a), m)
    h = numpy.where(big, scaled[0], numpy.where(zero_c, root_a[0], plain[0]))
    return h, numpy.where(big, scaled[1], numpy.where(zero_c, root_a[1], plain[1]))


# --- libm functions the printers call (NumPy has no erf) ------------------------------

_erf_elementwise = numpy.frompyfunc(math.erf, 1, 1)
_erfc_elementwise = numpy.frompyfunc(math.erfc, 1, 1)


def _erf(u):
    """erf(u), the C library's (math.erf), elementwise."""
    return numpy.asarray(_erf_elementwise(u), dtype=numpy.float64)


def _erfc(u):
    """erfc(u), the C library's (math.erfc), elementwise."""
    return numpy.asarray(_erfc_elementwise(u), dtype=numpy.float64)


# --- primitives of a rounded argument u = h + l -----------------------------------------

def _dw_times(y, c):
    """y*(1 + c) as y + y*c; y itself where c is 0 (y = inf stays inf)."""
    return numpy.where(c == 0, y, y + y * c)


def _exp_dw(h, l):
    """exp(h + l) = exp(h)*(1 + l)."""
    return _dw_times(numpy.exp(h), _w_lo((h, l)))


def _expm1_dw(h, l):
    """expm1(h + l) = expm1(h) + exp(h)*l."""
    lo = _w_lo((h, l))
    return numpy.where(lo == 0, numpy.expm1(h), numpy.expm1(h) + numpy.exp(h) * lo)


def _erfc_dw(h, l):
    """erfc(h + l) = erfc(h) - 2 exp(-h^2 - ln sqrt(pi))*l (erfc amplifies u's rounding by
    about 2u^2, pitfall 5); ln sqrt(pi) = ln sqrt(2 pi) - ln(2)/2."""
    lo = _w_lo((h, l))
    y = _erfc(h)
    lnsqrtpi = _LN_SQRT_2PI[0] - 0.5 * _LN2[0]
    return numpy.where(lo == 0, y, y - 2 * numpy.exp(-h * h - lnsqrtpi) * lo)


def _softplus_dw(h, l):
    """softplus(h + l) = softplus(h) + sigmoid(h)*l."""
    lo = _w_lo((h, l))
    return numpy.where(lo == 0, _softplus(h), _softplus(h) + _sigmoid(h) * lo)


def _sigmoid_dw(h, l):
    """sigmoid(h + l) = sigmoid(h)*(1 + sigmoid(-h)*l)."""
    return _dw_times(_sigmoid(h), _sigmoid(-h) * _w_lo((h, l)))


def _log_sigmoid_dw(h, l):
    """log_sigmoid(h + l) = log_sigmoid(h) + sigmoid(-h)*l."""
    lo = _w_lo((h, l))
    return numpy.where(lo == 0, _log_sigmoid(h), _log_sigmoid(h) + _sigmoid(-h) * lo)


def _dsigmoid_dw(h, l):
    """dsigmoid(h + l) = dsigmoid(h)*(1 - tanh(h/2)*l)."""
    return _dw_times(_dsigmoid(h), -numpy.tanh(h / 2) * _w_lo((h, l)))


def _sech2_dw(h, l):
    """sech2(h + l) = sech2(h)*(1 - 2 tanh(h)*l)."""
    return _dw_times(_sech2(h), -2 * numpy.tanh(h) * _w_lo((h, l)))


def _sech2_softplus_dw(h, l):
    """sech2_softplus(h + l) = sech2_softplus(h)*(1 - 2 tanh(softplus(h)) sigmoid(h)*l)."""
    return _dw_times(_sech2_softplus(h), -2 * _mul_tanh_softplus(_sigmoid(h), h) * _w_lo((h, l)))


def _mul_sigmoid_dw(a, h, l):
    """a*sigmoid(h + l): a*(1 + sigmoid(-h)*l) into mul_sigmoid."""
    return _mul_sigmoid(_dw_times(a, _sigmoid(-h) * _w_lo((h, l))), h)


def _mul_dsigmoid_dw(a, h, l):
    """a*dsigmoid(h + l): a*(1 - tanh(h/2)*l) into mul_dsigmoid."""
    return _mul_dsigmoid(_dw_times(a, -numpy.tanh(h / 2) * _w_lo((h, l))), h)


def _mul_exp_dw(a, h, l):
    """a*exp(h + l): a*(1 + l) into mul_exp."""
    return _mul_exp(_dw_times(a, _w_lo((h, l))), h)


def _tsp_log_derivative(u):
    """d/du log tanh(softplus(u)) = 4(1 + e)/((2 + e)(2 + 2e + e^2)), e = exp(u); for u > 0
    in w = exp(-u): 4w^2(1 + w)/((1 + 2w)(1 + 2w + 2w^2))."""
    e = numpy.exp(numpy.minimum(u, 0))
    w = numpy.exp(-numpy.maximum(u, 0))
    neg = 4 * (1 + e) / ((2 + e) * (2 + 2 * e + e * e))
    pos = 4 * w * w * (1 + w) / ((1 + 2 * w) * (1 + 2 * w + 2 * w * w))
    return numpy.where(u <= 0, neg, pos)


def _mul_tanh_softplus_dw(a, h, l):
    """a*tanh(softplus(h + l)): a*(1 + L(h)*l) into mul_tanh_softplus."""
    return _mul_tanh_softplus(_dw_times(a, _tsp_log_derivative(h) * _w_lo((h, l))), h)


def _expm1_sub_uexp_dw(h, l):
    """f(h + l), f(w) = expm1(w) - w*exp(w): f(h) - h*exp(h)*l (f' = -w*exp(w))."""
    lo = _w_lo((h, l))
    hs = numpy.where(lo == 0, 0.0, h)
    return numpy.where(lo == 0, _expm1_sub_uexp(h), _expm1_sub_uexp(h) - (hs * numpy.exp(hs)) * lo)


def _softplus_over_sigmoid(u):
    """sigmoid(u)/softplus(u), the logarithmic derivative of softplus (1 for u -> -inf)."""
    e = numpy.exp(-numpy.abs(u))
    sp = numpy.maximum(u, 0) + numpy.log1p(e)
    s = numpy.where(u >= 0, 1 / (1 + e), e / (1 + e))
    return numpy.where(sp > 0, s / numpy.where(sp > 0, sp, 1.0), 1.0)


def _mul_softplus(a, u):
    """a*softplus(u); below _TAIL, softplus(u) = exp(u) to within exp(2u)/2 and the
    product is formed as (a*exp(u/2))*exp(u/2) (one rounding into the subnormals)."""
    a, u = numpy.broadcast_arrays(numpy.asarray(a, dtype=numpy.float64), numpy.asarray(u, dtype=numpy.float64))
    tail = u < _TAIL
    y = a * _softplus(numpy.where(tail, 0.0, u))
    return _scaled_tail(a, u, numpy.array(y, dtype=numpy.float64), tail)


def _mul_softplus_dw(a, h, l):
    """a*softplus(h + l): a*(1 + (sigmoid/softplus)(h)*l) into mul_softplus."""
    return _mul_softplus(_dw_times(a, _softplus_over_sigmoid(h) * _w_lo((h, l))), h)


def _w_exp_rem(a, k):
    """E_k(u) = exp(u) - sum_{j<k} u^j/j! of a pair, as a pair: for |u| <= 2 its series
    u^k/k! (1 + u/(k+1) (1 + u/(k+2) (...))) in pairs; elsewhere exp(u) minus the
    polynomial in pairs (their ratio is bounded there)."""
    h = a[0]
    small = numpy.abs(h) <= _W_REM_SERIES
    u = (numpy.where(small, h, 0.0), numpy.where(small, _w_lo(a), 0.0))
    t = (1.0, 0.0)
    for j in range(k + _W_REM_TERMS, k, -1):
        t = _w_add((1.0, 0.0), _w_div(_w_mul(u, t), (float(j), 0.0)))
    series = _w_div(_w_mul(_w_powi(u, k), t), (float(math.factorial(k)), 0.0))
    big = (numpy.where(small, 1.0, h), numpy.where(small, 0.0, _w_lo(a)))
    poly = (0.0, 0.0)
    for j in range(k - 1, -1, -1):
        poly = _w_add(_w_div((1.0, 0.0), (float(math.factorial(j)), 0.0)), _w_mul(poly, big))
    far = _w_sub(_w_exp(big), poly)
    return numpy.where(small, series[0], far[0]), numpy.where(small, series[1], far[1])


def _exp_rem(u, k):
    """E_k(u) = exp(u) - sum_{j<k} u^j/j!, the Taylor remainder of exp (expm1 is E_1),
    rounded once from pairs."""
    return _w_val(_w_exp_rem((u, 0.0), int(k)))


def _exp_rem_dw(k, h, l):
    """E_k(h + l), the argument a pair."""
    return _w_val(_w_exp_rem((h, l), int(k)))


def _sqrt_quad(a, u, c):
    """sqrt(a*u^2 + c) without overflow of u^2: |u|*sqrt(a + (c/u)/u) beyond 2^500, and
    sqrt(a)*|u| where c = 0 and u*u underflows."""
    a, u, c = numpy.broadcast_arrays(*(numpy.asarray(v, dtype=numpy.float64) for v in (a, u, c)))
    m = numpy.abs(u)
    big = m > _W_QUAD_BIG
    tiny = (c == 0) & (m < 1 / _W_QUAD_BIG)
    ms = numpy.where(big, m, 1.0)
    return numpy.where(big, m * numpy.sqrt(a + (c / ms) / ms),
                       numpy.where(tiny, numpy.sqrt(a) * m, numpy.sqrt(a * (m * m) + c)))


def _at_infinity(x, y, lpos, lneg):
    """y, with the limits at x = +inf and x = -inf (nan: y itself there)."""
    y = numpy.where(numpy.isposinf(x) & ~numpy.isnan(lpos), lpos, y)
    return numpy.where(numpy.isneginf(x) & ~numpy.isnan(lneg), lneg, y)
