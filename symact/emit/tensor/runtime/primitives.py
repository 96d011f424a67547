"""Stable primitives, one per class of symact/stabilise/primitives.py, called as
_<impl>(...) by the generated kernels: the NumPy runtime's primitives.py (what
each computes and why it stays accurate) in branch-free form.
Arguments are float64 arrays (the kernels compute in float64); every branch is
a _where over values computed everywhere, each on inputs clamped to where it is
used, so no unused branch overflows into the result.  Chained divisions a/t/t
pass the first quotient through _opaque: XLA would rewrite them as a/(t*t), one
rounding fewer than measured for the NumPy runtime's forms (silu' 3.8 -> 4.8 ULP).  The thresholds _TAIL,
_SECH2_TAIL, _SMALL and _SQRT_BIG are the NumPy runtime's (the generated module
holds them once), and so is _n_and_n_plus_2, which is operators only.  Pitfall numbers in brackets refer to docs/numerics.md.
"""

from symact.emit.tensor.runtime.doubleword import _dd_add, _dd_mul, _fast_two_sum, _mul_err
from symact.emit.numpy.runtime.primitives import _SECH2_TAIL, _SMALL, _SQRT_BIG, _TAIL, _n_and_n_plus_2
from symact.emit.tensor.runtime.ops import (_abs, _eager, _exp, _none, _full_like, _isfinite, _log1p, _maximum,
                                            _minimum, _ones_like, _opaque, _signed_zero, _sqrt, _tanh, _where)


def _softplus(u):
    """log(1 + exp(u)) = max(u, 0) + log1p(exp(-|u|)) [1]."""
    return _maximum(u, 0.0) + _log1p(_exp(-_abs(u)))


def _log_sigmoid(u):
    """-log(1 + exp(-u)) = min(u, 0) - log1p(exp(-|u|)) [3]."""
    return _minimum(u, 0.0) - _log1p(_exp(-_abs(u)))


def _sigmoid(u):
    """1/(1 + exp(-u)), by the sign of u so exp never overflows [2]."""
    e = _exp(-_abs(u))
    small = e < _SMALL
    return _where(u >= 0, _where(small, 1 - e, 1 / (1 + e)), _where(small, e - e * e, e / (1 + e)))


def _dsigmoid(u):
    """sigmoid(u)*sigmoid(-u) = e/(1 + e)^2, e = exp(-|u|) [2]."""
    e = _exp(-_abs(u))
    t = 1 + e
    return _where(e < _SMALL, e - 2 * e * e, _opaque(e / t) / t)


def _sech2(u):
    """1 - tanh(u)^2 = 4e/(1 + e)^2, e = exp(-2|u|); (2h)^2, h = exp(-|u|), in the tail [9]."""
    a = _abs(u)
    e = _exp(-2 * a)
    t = 1 + e
    h = 2 * _exp(-a)
    y = _where(e < _SMALL, 4 * (e - 2 * e * e), _opaque(4 * e / t) / t)
    return _where(e < _SECH2_TAIL, h * h, y)


def _scaled_tail(a, u, y, tail):
    """y, but a*exp(u) as (a*exp(u/2))*exp(u/2) where ``tail`` (u below _TAIL, where exp(u)
    is subnormal); 0 with the sign of a once that underflows.  In torch's eager mode,
    only when some entry is in the tail (see api.py)."""
    if _eager(u) and _none(tail):
        return y
    h = _exp(_where(tail, u, 0.0) / 2)
    return _where(tail, _where(h == 0, _signed_zero(_full_like(h, a)), (a * h) * h), y)


def _mul_sigmoid(a, u):
    """a*sigmoid(u), the tail scaled [7]."""
    e = _exp(-_abs(u))
    p = a * e
    # the 1 - e forms only where they cannot give inf - inf
    small = (e < _SMALL) & (e > 0) & _isfinite(p)
    y = _where(u >= 0, _where(small, a - p, a / (1 + e)), _where(small, p - p * e, p / (1 + e)))
    return _scaled_tail(a, u, y, u < _TAIL)


def _mul_dsigmoid(a, u):
    """a*sigmoid(u)*sigmoid(-u) = a*e/(1 + e)^2, e = exp(-|u|), the tail scaled [7]: with
    (1 + e)^2 as a double-word, one rounding (a*e/t/t rounds four times: silu' at
    x = -4.8, where its cofactor 1 + x + exp(x) carries an ULP of its own, reached 4 ULP)."""
    au = _abs(u)
    e = _exp(-au)
    th, tl = _fast_two_sum(1.0, e)  # 1 + e, exact: 1 >= e
    ph, pl = _dd_mul(th, tl, th, tl)
    y = _mul_dd_div(a, e, 0.0, ph, pl)
    return _scaled_tail(a, -au, y, -au < _TAIL)


def _mul_dd_div(a, nh, nl, bh, bl):
    """a*(nh + nl)/(bh + bl): q + residual/bh with a*nh and the remainder of the quotient
    exact (Dekker's product), so one rounding remains, the quotient's.  The corrections
    only where every product is finite and normal (elsewhere they are below an ULP of the
    result, or the result is 0 or inf).  ``a`` may be a number (mul_tanh_softplus(1, x))."""
    a = _full_like(nh, a)
    ph = a * nh
    q = ph / bh
    p = q * bh
    fine = _isfinite(p) & (_abs(a) < 2.0 ** 990) & (_abs(ph) > 2.0 ** -960)
    qf, pf, phf, af = (_where(fine, v, 0.0) for v in (q, p, ph, a))
    pl = _mul_err(af, _where(fine, nh, 0.0), phf) + af * nl
    res = ((phf - pf) - _mul_err(qf, _where(fine, bh, 1.0), pf)) + pl - qf * bl
    return q + res / bh


def _mul_n_over_n2(a, e):
    """a*n/(n + 2), n = e(2 + e), 0 <= e <= 1, the quotient rounded once."""
    nh, nl, bh, bl = _n_and_n_plus_2(e)
    return _mul_dd_div(a, nh, nl, bh, bl)


def _mul_tanh_softplus(a, u):
    """a*tanh(log(1 + exp(u))): for u < 0, with e = exp(u) and n = e(2 + e),
    tanh(log(1 + e)) = n/(n + 2) (no cancellation); the tail scaled [8]."""
    e = _exp(_minimum(u, 0.0))
    y = _where(u >= 0, a * _tanh(_softplus(_maximum(u, 0.0))), _mul_n_over_n2(a, e))
    return _scaled_tail(a, u, y, u < _TAIL)


def _sech2_softplus(u):
    """sech(softplus(u))^2 from e = exp(-|u|): (n/d)^2 with n = 2(1 + e), d = 2 + e(2 + e)
    for u < 0, and the same divided by exp(2u), n = 2e(1 + e), d = 1 + n, for u >= 0: sums
    of positive terms, no overflow, and no sech^2 of a rounded softplus, which would
    amplify its rounding by 2 softplus(u) (57 ULP at u = 33.3125) [9].  n^2 and d^2 as
    double-words, their quotient rounded once (plain arithmetic: 5.4 ULP)."""
    e = _exp(-_abs(u))
    pos = u >= 0
    sh, sl = _fast_two_sum(1.0, e)                   # 1 + e, exact: 1 >= e
    ph, pl = _dd_mul(2 * e, 0.0, sh, sl)             # 2e(1 + e)
    _, _, bh, bl = _n_and_n_plus_2(e)                # 2 + e(2 + e)
    dph, dpl = _dd_add(1.0, 0.0, ph, pl)
    nh, nl = _where(pos, ph, 2 * sh), _where(pos, pl, 2 * sl)
    dh, dl = _where(pos, dph, bh), _where(pos, dpl, bl)
    return _mul_dd_div(1.0, *_dd_mul(nh, nl, nh, nl), *_dd_mul(dh, dl, dh, dl))


def _sqrt_sq_plus(u, c):
    """sqrt(u^2 + c), c >= 0, without overflow of u^2 [10]."""
    a = _abs(u)
    big = a > _SQRT_BIG
    small = _where(big, 0.0, a)
    large = _where(big, a, 1.0)
    return _where(big, large * _sqrt(1 + _opaque(c / large) / large), _sqrt(small * small + c))


def _inv_sq(u):
    """1/u^2 as (1/u)*(1/u): u*u overflows long before 1/u^2 underflows [11]."""
    r = 1 / u
    return r * r


def _mul_exp(a, u):
    """a*exp(u), the tail scaled."""
    tail = u < _TAIL
    y = a * _exp(_where(tail, 0.0, u))
    return _scaled_tail(a, u, y, tail)


def _expm1_sub_uexp(u):
    """expm1(u) - u*exp(u); for v = -u in [0, 2]: -exp(-v) * sum_{k>=2} v^k/k!, summed by
    Horner as (v^2/2)(1 + (v/3)(1 + (v/4)(1 + ...))), all terms positive (CELU d/dalpha)."""
    v = -u
    small = (v >= 0) & (v <= 2)
    vs = _where(small, v, 0.0)
    t = _ones_like(vs)
    for k in range(25, 2, -1):
        t = 1 + vs * t / k
    series = -(_exp(-vs) * (vs * vs / 2 * t))
    # (1 - u)*exp(u) is 0*inf at u = -inf; below -1500 it is 0 anyway (the limit is -1)
    ub = _where(small, 0.0, _maximum(u, -1500.0))
    return _where(small, series, (1 - ub) * _exp(ub) - 1)


# Float-precision versions, which the float forms call (printed as _NAME_x: float32, float16
# and bfloat16 inputs, computed in float64 and rounded once): the C runtime's
# SYMACT_FLOAT_PRECISION versions (primitives.h).  Plain quotients carry a few 2^-53,
# where float's precision needs 2^-40, so the small-e branches go; and no tail: a*exp(u)
# below exp's normal range is below float's subnormals for every finite a of float's range
# (the float kernels' limits at +-inf are taken at +-FLT_MAX, api.py's _run, as in C).
# Each select they drop is a pass in eager torch, where torch.where costs about six
# times a product.

def _sigmoid_x(u):
    """1/(1 + exp(-u)) at float precision: (1 or e)/(1 + e), e = exp(-|u|)."""
    e = _exp(-_abs(u))
    return _where(u >= 0, 1.0, e) / (1 + e)


def _dsigmoid_x(u):
    """e/(1 + e)^2 at float precision."""
    e = _exp(-_abs(u))
    t = 1 + e
    return e / (t * t)


def _sech2_x(u):
    """4e/(1 + e)^2, e = exp(-2|u|), at float precision."""
    e = _exp(-2 * _abs(u))
    t = 1 + e
    return 4 * e / (t * t)


def _mul_sigmoid_x(a, u):
    """a*sigmoid(u) at float precision: (a or a e)/(1 + e)."""
    e = _exp(-_abs(u))
    return _where(u >= 0, a, a * e) / (1 + e)


def _mul_dsigmoid_x(a, u):
    """a*e/(1 + e)^2 at float precision."""
    e = _exp(-_abs(u))
    t = 1 + e
    return (a * e) / (t * t)


def _mul_exp_x(a, u):
    """a*exp(u) at float precision."""
    return a * _exp(u)


def _mul_tanh_softplus_x(a, u):
    """a*tanh(log(1 + exp(u))) at float precision: a n/(n + 2), n = e(2 + e), for u < 0."""
    e = _exp(_minimum(u, 0.0))
    n = e * (2 + e)
    return _where(u >= 0, a * _tanh(_softplus(_maximum(u, 0.0))), (a * n) / (n + 2))


def _sech2_softplus_x(u):
    """sech(softplus(u))^2 at float precision: (n/d)^2, n = 2e(1 + e), d = 1 + n for u >= 0,
    n = 2(1 + e), d = 2 + e(2 + e) for u < 0, e = exp(-|u|)."""
    e = _exp(-_abs(u))
    pos = u >= 0
    s = 1 + e
    n = _where(pos, 2 * e * s, 2 * s)
    q = n / _where(pos, 1 + n, 2 + e * (2 + e))
    return q * q
