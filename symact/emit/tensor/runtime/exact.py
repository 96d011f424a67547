"""Error-free transformations for the array frameworks: double-word ("pair") evaluation and
the primitives of a rounded argument hi + lo, called by the generated kernels as
_w_*(...) and _<impl>_dw(...): the NumPy runtime's exact.py (read it for the method and
the error bounds: docs/numerics.md, pitfalls 17 and 18) in branch-free form.

Differences from that file, all for tracing (torch.compile, jax.jit): both sides of a
choice are evaluated and selected with _where (NumPy evaluates only the sides some
entry takes); exponents stay float64 (ops.py's _frexp and _ldexp); every rounded sum
goes through this runtime's doubleword.py, whose _opaque keeps XLA from reassociating
the error-free transformations away.  A pair is a tuple (hi, lo) of float64 arrays or
of Python numbers (a constant); _w_fix leaves constant pairs alone, since the
framework's predicates take arrays only.
"""

import math

from symact.emit.numpy.runtime.constants import _INV_FACT_DD, _INV_LN2, _LN2, _LN_SQRT_2PI
from symact.emit.numpy.runtime.exact import (_W_LN2_C, _W_QUAD_BIG, _W_REM_SERIES, _W_REM_TERMS, _W_SQUARINGS,
                                             _W_TANH_BIG)
from symact.emit.tensor.runtime.doubleword import _dd_add, _dd_div, _dd_mul, _fast_two_sum, _two_prod, _two_sum
from symact.emit.tensor.runtime.ops import (_abs, _clip, _erfc, _exp, _expm1, _frexp, _full_like, _isfinite,
                                            _isinf, _isnan, _ldexp, _log, _log1p, _maximum, _minimum, _rint,
                                            _sign, _sqrt, _tanh, _where, _zeros_like)
from symact.emit.tensor.runtime.primitives import (_TAIL, _dsigmoid, _expm1_sub_uexp, _log_sigmoid,
                                                   _mul_dsigmoid, _mul_exp, _mul_sigmoid, _mul_tanh_softplus,
                                                   _scaled_tail, _sech2, _sech2_softplus, _sigmoid,
                                                   _softplus)



def _w_const(v) -> bool:
    """Whether ``v`` is a Python number (part of a constant pair), decided when tracing."""
    return isinstance(v, (int, float))


def _w_finite(h, l):
    """Where both parts are finite (a constant part is)."""
    if _w_const(h):
        return _isfinite(l)
    if _w_const(l):
        return _isfinite(h)
    return _isfinite(h) & _isfinite(l)


# --- pairs -----------------------------------------------------------------------------

def _w_fix(plain, pair):
    """``pair`` where both parts are finite, else ``(plain, 0)``."""
    h, l = pair
    if _w_const(h) and _w_const(l):
        return pair
    ok = _w_finite(h, l)
    return _where(ok, h, plain), _where(ok, l, 0.0)


def _w_add(a, b):
    """a + b for pairs."""
    return _w_fix(a[0] + b[0], _dd_add(a[0], a[1], b[0], b[1]))


def _w_sub(a, b):
    """a - b for pairs."""
    return _w_add(a, (-b[0], -b[1]))


def _w_mul(a, b):
    """a*b for pairs (Dekker's exact product error)."""
    return _w_fix(a[0] * b[0], _dd_mul(a[0], a[1], b[0], b[1]))


def _w_div(a, b):
    """a/b for pairs (from the exact remainder of the first quotient)."""
    return _w_fix(a[0] / b[0], _dd_div(a[0], a[1], b[0], b[1]))


def _w_neg(a):
    return -a[0], -a[1]


def _w_abs(a):
    neg = a[0] < 0
    return _where(neg, -a[0], a[0]), _where(neg, -a[1], a[1])


def _w_sign(a):
    """sign of a pair (exact): its high part's."""
    return _sign(a[0]), _zeros_like(a[0])


def _w_val(a):
    """The pair rounded to one float64."""
    return a[0] + a[1]


def _w_scale(a, c):
    """a*c for a power of two c (exact)."""
    return a[0] * c, a[1] * c


def _w_lo(a):
    """The low part, 0 where it is not finite."""
    if _w_const(a[1]):
        return a[1]
    return _where(_isfinite(a[1]), a[1], 0.0)


def _w_pick(cond, a, b):
    """Pair a where cond, else b (both evaluated)."""
    return _where(cond, a[0], b[0]), _where(cond, a[1], b[1])


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
    """exp(h + l) = 2^k*(1 + E), E = expm1(r) as a pair, r = h + l - k ln2 (|r| <= ln2/2;
    k = 0 for |h| < ln2/2): the NumPy runtime's series in r 2^-4 and four squarings,
    about 2^-100 relative.  Returns (E, k), k as float64."""
    h = _clip(a[0], -1100.0, 1100.0)
    k = _rint(h * _INV_LN2)
    c1, c2, c3 = _W_LN2_C
    rh = h - k * c1                                # exact
    p, pe = _two_prod(k, c2)
    rh, t = _two_sum(rh, -p)
    rh, rl = _dd_add(rh, t, _w_lo(a), -(pe + k * c3))
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


def _w_exp_of(a, e, k):
    """2^k*(1 + E) from the parts of :func:`_w_exp_parts`."""
    mh, ml = _fast_two_sum(1.0, e[0])
    return _w_fix(_exp(a[0]), (_ldexp(mh, k), _ldexp(ml + e[1], k)))


def _w_exp(a):
    """exp of a pair as a pair (relative error about 2^-100)."""
    return _w_exp_of(a, *_w_exp_parts(a))


def _w_expm1(a):
    """expm1 of a pair: E itself where k = 0, exp - 1 elsewhere (|result| > 0.29 there);
    a + a^2/2 below 2^-60."""
    e, k = _w_exp_parts(a)
    out = _w_pick(k == 0, e, _w_add(_w_exp_of(a, e, k), (-1.0, 0.0)))
    out = _w_pick(_abs(a[0]) < 2.0 ** -60, _w_add(a, (a[0] * a[0] / 2, 0.0)), out)
    return _w_fix(_expm1(a[0]), out)


def _w_log_reduced(a):
    """log of a positive pair: a = f*2^m, y0 = log(f), one Newton step
    y0 + (f*exp(-y0) - 1) in pairs, plus m*ln2; log(h) with a zero low part where h is
    not positive and finite."""
    h = a[0]
    ok = _isfinite(h) & (h > 0)
    f, m = _frexp(_where(ok, h, 1.0))
    fl = _ldexp(_where(ok, _w_lo(a), 0.0), -m)
    y0 = _log(f)
    t = _w_add(_w_mul((f, fl), _w_exp((-y0, 0.0))), (-1.0, 0.0))
    y = _w_add(_w_mul((m, 0.0), _LN2), _w_add((y0, 0.0), t))
    return _where(ok, y[0], _log(h)), _where(ok, y[1], 0.0)


def _w_log1p_small(a):
    """log(1 + a) for -1/2 < a < 1: y0 = log1p(a), the Newton step
    y0 + (a + (1 + a)*expm1(-y0)) in pairs."""
    h, l = _two_sum(a[0], _w_lo(a))
    small = (h > -0.5) & (h < 1.0)
    u = (_where(small, h, 0.0), _where(small, l, 0.0))
    y0 = _log1p(u[0])
    t = _w_add(u, _w_mul(_w_add((1.0, 0.0), u), _w_expm1((-y0, 0.0))))
    return _w_add((y0, 0.0), t)


def _w_log(a):
    """log of a pair: log1p(a - 1) for a in (1/2, 2) (a - 1 exact), the reduced form
    elsewhere."""
    h = a[0]
    near = (h > 0.5) & (h < 2.0)
    small = _w_log1p_small((_where(near, h - 1.0, 0.0), _where(near, _w_lo(a), 0.0)))
    return _w_pick(near, small, _w_log_reduced(a))


def _w_log1p(a):
    """log(1 + a) of a pair: the Newton step for -1/2 < a < 1, the reduced form of 1 + a
    elsewhere."""
    h = a[0]
    small = (h > -0.5) & (h < 1.0)
    return _w_pick(small, _w_log1p_small(a), _w_log_reduced(_w_add((1.0, 0.0), a)))


def _w_sqrt(a):
    """sqrt of a pair: scaled by an even power of two into [1/2, 2), s = sqrt(h),
    s + (a - s^2)/(2s) with s^2 exact, scaled back."""
    h = a[0]
    ok = _isfinite(h) & (h > 0)
    _, e = _frexp(_where(ok, h, 1.0))
    k = e - (e % 2)
    hs, ls = _ldexp(_where(ok, h, 1.0), -k), _ldexp(_where(ok, _w_lo(a), 0.0), -k)
    s = _sqrt(hs)
    p, pe = _two_prod(s, s)
    sh, sl = _fast_two_sum(s, ((hs - p) - pe + ls) / (2 * s))
    return _where(ok, _ldexp(sh, k // 2), _sqrt(h)), _where(ok, _ldexp(sl, k // 2), 0.0)


def _w_tanh(a):
    """tanh of a pair: sign(u)*E/(E + 2), E = expm1(2|u|), in pairs; +-(1 - 2 exp(-2|u|))
    beyond |u| = 40."""
    neg = a[0] < 0
    u = _w_abs(a)
    big = u[0] > _W_TANH_BIG
    e = _w_expm1((2 * _where(big, 1.0, u[0]), 2 * _where(big, 0.0, u[1])))
    t = _w_div(e, _w_add(e, (2.0, 0.0)))
    th = _where(big, 1.0, t[0])
    tl = _where(big, -2 * _exp(-2 * _where(big, u[0], 0.0)), t[1])
    return _where(neg, -th, th), _where(neg, -tl, tl)


def _w_sqrt_quad(a, u, c):
    """sqrt(a u^2 + c) of pairs: |u| sqrt(a + (c/u)/u) beyond |u| = 2^500, sqrt(a) |u|
    where c = 0."""
    m = _w_abs(u)
    big = m[0] > _W_QUAD_BIG
    ms = (_where(big, m[0], 1.0), _where(big, m[1], 0.0))
    scaled = _w_mul(m, _w_sqrt(_w_add(a, _w_div(_w_div(c, ms), ms))))
    plain = _w_sqrt(_w_add(_w_mul(a, _w_mul(m, m)), c))
    if _w_const(c[0]) and _w_const(c[1]):          # a constant c: the choice is made here
        near = _w_mul(_w_sqrt(a), m) if c[0] == 0 and c[1] == 0 else plain
    else:
        near = _w_pick((c[0] == 0) & (c[1] == 0), _w_mul(_w_sqrt(a), m), plain)
    return _w_pick(big, scaled, near)


def _w_exp_rem(a, k):
    """E_k(u) = exp(u) - sum_{j<k} u^j/j! of a pair: its series u^k/k! (1 + u/(k+1)(...))
    for |u| <= 2, exp(u) minus the polynomial elsewhere, in pairs."""
    h = a[0]
    small = _abs(h) <= _W_REM_SERIES
    u = (_where(small, h, 0.0), _where(small, _w_lo(a), 0.0))
    t = (1.0, 0.0)
    for j in range(k + _W_REM_TERMS, k, -1):
        t = _w_add((1.0, 0.0), _w_div(_w_mul(u, t), (float(j), 0.0)))
    series = _w_div(_w_mul(_w_powi(u, k), t), (float(math.factorial(k)), 0.0))
    big = (_where(small, 1.0, h), _where(small, 0.0, _w_lo(a)))
    poly = (0.0, 0.0)
    for j in range(k - 1, -1, -1):
        poly = _w_add(_w_div((1.0, 0.0), (float(math.factorial(j)), 0.0)), _w_mul(poly, big))
    return _w_pick(small, series, _w_sub(_w_exp(big), poly))


# --- primitives of a rounded argument u = h + l -----------------------------------------

def _dw_times(y, c):
    """y*(1 + c) as y + y*c; y itself where c is 0 (y = inf stays inf)."""
    return _where(c == 0, y, y + y * c)


def _exp_dw(h, l):
    """exp(h + l) = exp(h)*(1 + l)."""
    return _dw_times(_exp(h), _w_lo((h, l)))


def _expm1_dw(h, l):
    """expm1(h + l) = expm1(h) + exp(h)*l."""
    lo = _w_lo((h, l))
    return _where(lo == 0, _expm1(h), _expm1(h) + _exp(h) * lo)


def _erfc_dw(h, l):
    """erfc(h + l) = erfc(h) - 2 exp(-h^2 - ln sqrt(pi))*l (pitfall 5)."""
    lo = _w_lo((h, l))
    y = _erfc(h)
    return _where(lo == 0, y, y - 2 * _exp(-h * h - (_LN_SQRT_2PI[0] - 0.5 * _LN2[0])) * lo)


def _softplus_dw(h, l):
    """softplus(h + l) = softplus(h) + sigmoid(h)*l."""
    lo = _w_lo((h, l))
    return _where(lo == 0, _softplus(h), _softplus(h) + _sigmoid(h) * lo)


def _sigmoid_dw(h, l):
    """sigmoid(h + l) = sigmoid(h)*(1 + sigmoid(-h)*l)."""
    return _dw_times(_sigmoid(h), _sigmoid(-h) * _w_lo((h, l)))


def _log_sigmoid_dw(h, l):
    """log_sigmoid(h + l) = log_sigmoid(h) + sigmoid(-h)*l."""
    lo = _w_lo((h, l))
    return _where(lo == 0, _log_sigmoid(h), _log_sigmoid(h) + _sigmoid(-h) * lo)


def _dsigmoid_dw(h, l):
    """dsigmoid(h + l) = dsigmoid(h)*(1 - tanh(h/2)*l)."""
    return _dw_times(_dsigmoid(h), -_tanh(h / 2) * _w_lo((h, l)))


def _sech2_dw(h, l):
    """sech2(h + l) = sech2(h)*(1 - 2 tanh(h)*l)."""
    return _dw_times(_sech2(h), -2 * _tanh(h) * _w_lo((h, l)))


def _sech2_softplus_dw(h, l):
    """sech2_softplus(h + l) = sech2_softplus(h)*(1 - 2 tanh(softplus(h)) sigmoid(h)*l)."""
    return _dw_times(_sech2_softplus(h), -2 * _mul_tanh_softplus(_sigmoid(h), h) * _w_lo((h, l)))


def _mul_sigmoid_dw(a, h, l):
    """a*sigmoid(h + l): a*(1 + sigmoid(-h)*l) into mul_sigmoid."""
    return _mul_sigmoid(_dw_times(a, _sigmoid(-h) * _w_lo((h, l))), h)


def _mul_dsigmoid_dw(a, h, l):
    """a*dsigmoid(h + l): a*(1 - tanh(h/2)*l) into mul_dsigmoid."""
    return _mul_dsigmoid(_dw_times(a, -_tanh(h / 2) * _w_lo((h, l))), h)


def _mul_exp_dw(a, h, l):
    """a*exp(h + l): a*(1 + l) into mul_exp."""
    return _mul_exp(_dw_times(a, _w_lo((h, l))), h)


def _tsp_log_derivative(u):
    """d/du log tanh(softplus(u)) = 4(1 + e)/((2 + e)(2 + 2e + e^2)), e = exp(u); for u > 0
    in w = exp(-u): 4w^2(1 + w)/((1 + 2w)(1 + 2w + 2w^2))."""
    e = _exp(_minimum(u, 0.0))
    w = _exp(-_maximum(u, 0.0))
    neg = 4 * (1 + e) / ((2 + e) * (2 + 2 * e + e * e))
    pos = 4 * w * w * (1 + w) / ((1 + 2 * w) * (1 + 2 * w + 2 * w * w))
    return _where(u <= 0, neg, pos)


def _mul_tanh_softplus_dw(a, h, l):
    """a*tanh(softplus(h + l)): a*(1 + L(h)*l) into mul_tanh_softplus."""
    return _mul_tanh_softplus(_dw_times(a, _tsp_log_derivative(h) * _w_lo((h, l))), h)


def _expm1_sub_uexp_dw(h, l):
    """f(h + l), f(w) = expm1(w) - w*exp(w): f(h) - h*exp(h)*l (f' = -w*exp(w))."""
    lo = _w_lo((h, l))
    hs = _where(lo == 0, 0.0, h)
    return _where(lo == 0, _expm1_sub_uexp(h), _expm1_sub_uexp(h) - (hs * _exp(hs)) * lo)


def _softplus_over_sigmoid(u):
    """sigmoid(u)/softplus(u), the logarithmic derivative of softplus (1 for u -> -inf)."""
    e = _exp(-_abs(u))
    sp = _maximum(u, 0.0) + _log1p(e)
    s = _where(u >= 0, 1 / (1 + e), e / (1 + e))
    return _where(sp > 0, s / _where(sp > 0, sp, 1.0), 1.0)


def _mul_softplus(a, u):
    """a*softplus(u); below _TAIL, softplus(u) = exp(u) to within exp(2u)/2 and the
    product is formed as (a*exp(u/2))*exp(u/2)."""
    tail = u < _TAIL
    return _scaled_tail(a, u, a * _softplus(_where(tail, 0.0, u)), tail)


def _mul_softplus_dw(a, h, l):
    """a*softplus(h + l): a*(1 + (sigmoid/softplus)(h)*l) into mul_softplus."""
    return _mul_softplus(_dw_times(a, _softplus_over_sigmoid(h) * _w_lo((h, l))), h)


def _exp_rem(u, k):
    """E_k(u) = exp(u) - sum_{j<k} u^j/j!, rounded once from pairs."""
    return _w_val(_w_exp_rem((u, 0.0), int(k)))


def _exp_rem_dw(k, h, l):
    """E_k(h + l), the argument a pair."""
    return _w_val(_w_exp_rem((h, l), int(k)))


def _sqrt_quad(a, u, c):
    """sqrt(a*u^2 + c) without overflow of u^2: |u|*sqrt(a + (c/u)/u) beyond 2^500, and
    sqrt(a)*|u| where c = 0 and u*u underflows."""
    m = _abs(u)
    big = m > _W_QUAD_BIG
    tiny = (_full_like(m, c) == 0) & (m < 1 / _W_QUAD_BIG)
    ms = _where(big, m, 1.0)
    return _where(big, m * _sqrt(a + (c / ms) / ms), _where(tiny, _sqrt(_full_like(m, a)) * m, _sqrt(a * (m * m) + c)))


def _at_infinity(x, y, lpos, lneg):
    """y, with the limits at x = +inf and x = -inf (nan: y itself there)."""
    lpos, lneg = _full_like(x, lpos), _full_like(x, lneg)
    y = _where(_isinf(x) & (x > 0) & ~_isnan(lpos), lpos, y)
    return _where(_isinf(x) & (x < 0) & ~_isnan(lneg), lneg, y)
