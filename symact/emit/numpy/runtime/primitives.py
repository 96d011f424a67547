"""Stable primitives, one per class of symact/stabilise/primitives.py, called as
_<impl>(...) by the generated kernels.
Arguments are float64 ndarrays (kernels compute in float64, see _run); the
caller has set numpy.errstate(all="ignore") and handles nan inputs, so these
only need to be accurate and never overflow where the result is finite.
Pitfall numbers in brackets refer to docs/numerics.md.
"""

import numpy

from symact.emit.numpy.runtime.doubleword import _dd_add, _dd_mul, _fast_two_sum, _mul_err

# Below this u, exp(u) is subnormal in float64 (ln of the smallest normal is
# -708.396...): products a*exp(u) are then formed as (a*exp(u/2))*exp(u/2) so the
# subnormal's rounding is not amplified by |a| (u/2 is exact).
_TAIL = -708.0
# exp(-2|u|) below this is in the range where 4*exp(-2|u|) loses bits.
_SECH2_TAIL = 2.0 ** -1000
# Below this, 1/(1 + e) = 1 - e and 1/(1 + e)^2 = 1 - 2e to within e^2 (under 1/128
# ULP): one rounding instead of rounding 1 + e and dividing.
_SMALL = 2.0 ** -30
# Above this |u|, u*u overflows; sqrt(u^2 + c) = |u|*sqrt(1 + (c/u)/u) there.
_SQRT_BIG = 2.0 ** 500

_expm1 = numpy.expm1
_log1p = numpy.log1p


def _softplus(u):
    """log(1 + exp(u)) = max(u, 0) + log1p(exp(-|u|)) [1]."""
    return numpy.maximum(u, 0) + numpy.log1p(numpy.exp(-numpy.abs(u)))


def _log_sigmoid(u):
    """-log(1 + exp(-u)) = min(u, 0) - log1p(exp(-|u|)) [3]."""
    return numpy.minimum(u, 0) - numpy.log1p(numpy.exp(-numpy.abs(u)))


def _sigmoid(u):
    """1/(1 + exp(-u)), by the sign of u so exp never overflows [2]."""
    e = numpy.exp(-numpy.abs(u))
    small = e < _SMALL
    return numpy.where(u >= 0, numpy.where(small, 1 - e, 1 / (1 + e)),
                       numpy.where(small, e - e * e, e / (1 + e)))


def _dsigmoid(u):
    """sigmoid(u)*sigmoid(-u) = e/(1 + e)^2, e = exp(-|u|) [2]."""
    e = numpy.exp(-numpy.abs(u))
    t = 1 + e
    return numpy.where(e < _SMALL, e - 2 * e * e, e / t / t)


def _sech2(u):
    """1 - tanh(u)^2 = 4e/(1 + e)^2, e = exp(-2|u|); (2h)^2, h = exp(-|u|), in the tail [9]."""
    a = numpy.abs(u)
    e = numpy.exp(-2 * a)
    t = 1 + e
    y = numpy.where(e < _SMALL, 4 * (e - 2 * e * e), 4 * e / t / t)
    tail = e < _SECH2_TAIL
    if numpy.any(tail):
        h = 2 * numpy.exp(-a[tail])
        y[tail] = h * h
    return y


def _scaled_tail(a, u, y, tail):
    """y[tail] = a*exp(u) as (a*exp(u/2))*exp(u/2); 0 with the sign of a once that underflows."""
    if numpy.any(tail):
        at = a[tail]
        h = numpy.exp(u[tail] / 2)
        y[tail] = numpy.where(h == 0, numpy.copysign(0.0, at), (at * h) * h)
    return y


def _mul_sigmoid(a, u):
    """a*sigmoid(u), the tail scaled [7]."""
    a, u = numpy.broadcast_arrays(numpy.asarray(a, dtype=numpy.float64),
                                  numpy.asarray(u, dtype=numpy.float64))
    e = numpy.exp(-numpy.abs(u))
    p = a * e
    # the 1 - e forms only where they cannot give inf - inf
    small = (e < _SMALL) & (e > 0) & numpy.isfinite(p)
    y = numpy.where(u >= 0, numpy.where(small, a - p, a / (1 + e)),
                    numpy.where(small, p - p * e, p / (1 + e)))
    return _scaled_tail(a, u, y, u < _TAIL)


def _mul_dsigmoid(a, u):
    """a*sigmoid(u)*sigmoid(-u) = a*e/(1 + e)^2, e = exp(-|u|), the tail scaled [7]."""
    a, u = numpy.broadcast_arrays(numpy.asarray(a, dtype=numpy.float64),
                                  numpy.asarray(u, dtype=numpy.float64))
    au = numpy.abs(u)
    e = numpy.exp(-au)
    t = 1 + e
    p = a * e
    y = numpy.where((e < _SMALL) & numpy.isfinite(p), p - 2 * p * e, p / t / t)
    return _scaled_tail(a, -au, y, -au < _TAIL)


def _n_and_n_plus_2(e):
    """n = e(2 + e) and n + 2, 0 <= e <= 1, as double-words (n + 2 lies in (2, 5], the
    bottom of its binade, where rounding it costs most)."""
    th, tl = _fast_two_sum(2.0, e)  # exact: 2 >= e
    nh, nl = _dd_mul(e, 0.0, th, tl)
    bh, bl = _dd_add(2.0, 0.0, nh, nl)
    return nh, nl, bh, bl


def _mul_dd_div(a, nh, nl, bh, bl):
    """a*(nh + nl)/(bh + bl): q + residual/bh with a*nh and the remainder of the quotient
    exact (Dekker's product), so one rounding remains, the quotient's.  The corrections
    only where every product is finite and normal (elsewhere they are below an ULP of the
    result, or the result is 0 or inf)."""
    ph = a * nh
    q = ph / bh
    p = q * bh
    fine = numpy.isfinite(p) & (numpy.abs(a) < 2.0 ** 990) & (numpy.abs(ph) > 2.0 ** -960)
    z = lambda v, d=0.0: numpy.where(fine, v, d)  # noqa: E731
    qf, pf, phf, af = z(q), z(p), z(ph), z(a)
    pl = _mul_err(af, z(nh), phf) + af * nl
    res = ((phf - pf) - _mul_err(qf, z(bh, 1.0), pf)) + pl - qf * bl
    return q + res / bh


def _mul_n_over_n2(a, e):
    """a*n/(n + 2), n = e(2 + e), 0 <= e <= 1, the quotient rounded once; plain
    a*(n/(n + 2)) rounds five times (mish: 3.7 ULP)."""
    nh, nl, bh, bl = _n_and_n_plus_2(e)
    return _mul_dd_div(a, nh, nl, bh, bl)


def _mul_tanh_softplus(a, u):
    """a*tanh(log(1 + exp(u))): for u < 0, with e = exp(u) and n = e(2 + e),
    tanh(log(1 + e)) = n/(n + 2) (no cancellation); the tail scaled [8]."""
    a, u = numpy.broadcast_arrays(numpy.asarray(a, dtype=numpy.float64),
                                  numpy.asarray(u, dtype=numpy.float64))
    e = numpy.exp(numpy.minimum(u, 0))
    y = numpy.where(u >= 0, a * numpy.tanh(_softplus(numpy.maximum(u, 0))), _mul_n_over_n2(a, e))
    return _scaled_tail(a, u, y, u < _TAIL)


def _sqrt_sq_plus(u, c):
    """sqrt(u^2 + c), c >= 0, without overflow of u^2 [10]."""
    a = numpy.abs(u)
    big = a > _SQRT_BIG
    small = numpy.where(big, 0, a)
    large = numpy.where(big, a, 1)
    return numpy.where(big, large * numpy.sqrt(1 + (c / large) / large),
                       numpy.sqrt(small * small + c))


def _inv_sq(u):
    """1/u^2 as (1/u)*(1/u): u*u overflows long before 1/u^2 underflows [11]."""
    r = 1 / u
    return r * r


def _mul_exp(a, u):
    """a*exp(u), the tail scaled."""
    a, u = numpy.broadcast_arrays(numpy.asarray(a, dtype=numpy.float64),
                                  numpy.asarray(u, dtype=numpy.float64))
    tail = u < _TAIL
    y = a * numpy.exp(numpy.where(tail, 0, u))
    return _scaled_tail(a, u, y, tail)


def _expm1_sub_uexp(u):
    """expm1(u) - u*exp(u); for v = -u in [0, 2]: -exp(-v) * sum_{k>=2} v^k/k!, summed by
    Horner as (v^2/2)(1 + (v/3)(1 + (v/4)(1 + ...))), all terms positive (CELU d/dalpha)."""
    v = -u
    small = (v >= 0) & (v <= 2)
    vs = numpy.where(small, v, 0)
    t = numpy.ones_like(vs)
    for k in range(25, 2, -1):
        t = 1 + vs * t / k
    series = -(numpy.exp(-vs) * (vs * vs / 2 * t))
    # (1 - u)*exp(u) is 0*inf at u = -inf; below -1500 it is 0 anyway (the limit is -1)
    ub = numpy.where(small, 0, numpy.maximum(u, -1500.0))
    return numpy.where(small, series, (1 - ub) * numpy.exp(ub) - 1)
