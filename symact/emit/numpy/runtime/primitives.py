"""Stable primitives, one per class of symact/stabilise/primitives.py, called as
_<impl>(...) by the generated kernels.
Arguments are float64 ndarrays (kernels compute in float64, see _run); the
caller has set numpy.errstate(all="ignore") and handles nan inputs, so these
only need to be accurate and never overflow where the result is finite.
Pitfall numbers in brackets refer to docs/numerics.md.

Speed (they run on blocks of a few thousand entries): no numpy.where on masks
that change sign at random (it branches per entry, several times the cost of an
arithmetic pass).  A choice between two values is arithmetic where that is exact
(1 or e as max(e, u >= 0), since 0 <= e <= 1), a rare case (a tail, e below
_SMALL) is computed on its own entries after the common one, and two expensive
sides are evaluated on their own entries (_either); the results are those of the
one-formula-per-case definitions, entry by entry.
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


def _patch(y, rare, fn, *args):
    """y[i] = fn(args[i]...) at the entries where the (usually all False) mask ``rare``
    holds: the common formula ran everywhere, this replaces it where it does not apply."""
    if not numpy.any(rare):
        return y
    if numpy.ndim(y) != 1:                              # a scalar or an n-d array: as written
        return numpy.where(rare, fn(*args), y)
    i = rare.nonzero()[0]
    y[i] = fn(*[a[i] for a in args])
    return y


def _either(cond, yes, no, *args):
    """yes(args...) where ``cond`` holds and no(args...) elsewhere, each evaluated only on
    its own entries (index arrays: boolean indexing branches per entry)."""
    if cond.ndim != 1:                                  # a scalar or an n-d array: flattened
        flat = [numpy.broadcast_to(a, cond.shape).reshape(-1) for a in args]
        return _either(cond.reshape(-1), yes, no, *flat).reshape(cond.shape)
    i = cond.nonzero()[0]
    if i.size == cond.size:
        return yes(*args)
    j = (~cond).nonzero()[0]
    if j.size == cond.size:
        return no(*args)
    y = numpy.empty(cond.shape)
    if i.size:
        y[i] = yes(*[a.take(i) for a in args])
    y[j] = no(*[a.take(j) for a in args])
    return y


def _softplus(u):
    """log(1 + exp(u)) = max(u, 0) + log1p(exp(-|u|)) [1]."""
    return numpy.maximum(u, 0) + numpy.log1p(numpy.exp(-numpy.abs(u)))


def _log_sigmoid(u):
    """-log(1 + exp(-u)) = min(u, 0) - log1p(exp(-|u|)) [3]."""
    return numpy.minimum(u, 0) - numpy.log1p(numpy.exp(-numpy.abs(u)))


def _sigmoid(u):
    """1/(1 + exp(-u)), by the sign of u so exp never overflows [2]: with e = exp(-|u|),
    1/(1 + e) for u >= 0 and e/(1 + e) for u < 0 (the numerator max(e, u >= 0)); below
    _SMALL, 1 - e and e - e^2."""
    e = numpy.exp(-numpy.abs(u))
    y = numpy.maximum(e, u >= 0) / (1 + e)
    return _patch(y, e < _SMALL, lambda e, u: numpy.where(u >= 0, 1 - e, e - e * e), e, u)


def _dsigmoid(u):
    """sigmoid(u)*sigmoid(-u) = e/(1 + e)^2, e = exp(-|u|) [2]."""
    e = numpy.exp(-numpy.abs(u))
    t = 1 + e
    return _patch(e / t / t, e < _SMALL, lambda e: e - 2 * e * e, e)


def _sech2(u):
    """1 - tanh(u)^2 = 4e/(1 + e)^2, e = exp(-2|u|); (2h)^2, h = exp(-|u|), in the tail [9]."""
    a = numpy.abs(u)
    e = numpy.exp(-2 * a)
    t = 1 + e
    y = _patch(4 * e / t / t, e < _SMALL, lambda e: 4 * (e - 2 * e * e), e)
    return _patch(y, e < _SECH2_TAIL, lambda a: numpy.square(2 * numpy.exp(-a)), a)


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
    y = (a * numpy.maximum(e, u >= 0)) / (1 + e)        # a/(1 + e) or (a*e)/(1 + e)
    small = e < _SMALL
    if small.any():
        # the 1 - e forms only where they cannot give inf - inf
        p = a * e
        small &= (e > 0) & numpy.isfinite(p)
        _patch(y, small, lambda a, p, e, u: numpy.where(u >= 0, a - p, p - p * e), a, p, e, u)
    return _scaled_tail(a, u, y, u < _TAIL)


def _mul_dsigmoid(a, u):
    """a*sigmoid(u)*sigmoid(-u) = a*e/(1 + e)^2, e = exp(-|u|), the tail scaled [7]: with
    (1 + e)^2 as a double-word, one rounding (a*e/t/t rounds four times: silu' at
    x = -4.8, where its cofactor 1 + x + exp(x) carries an ULP of its own, reached 4 ULP)."""
    a, u = numpy.broadcast_arrays(numpy.asarray(a, dtype=numpy.float64),
                                  numpy.asarray(u, dtype=numpy.float64))
    au = numpy.abs(u)
    e = numpy.exp(-au)
    th, tl = _fast_two_sum(1.0, e)  # 1 + e, exact: 1 >= e
    ph, pl = _dd_mul(th, tl, th, tl)
    y = _mul_dd_div(a, e, 0.0, ph, pl)
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
    if fine.all():                  # the usual case: no entry to neutralise
        z = lambda v, d=0.0: v  # noqa: E731
    else:
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
    y = _either(u >= 0, lambda a, u: a * numpy.tanh(_softplus(numpy.maximum(u, 0))),
               lambda a, u: _mul_n_over_n2(a, numpy.exp(numpy.minimum(u, 0))), a, u)
    return _scaled_tail(a, u, y, u < _TAIL)


def _sech2_softplus(u):
    """sech(softplus(u))^2 from e = exp(-|u|): (n/d)^2 with n = 2(1 + e), d = 2 + e(2 + e)
    for u < 0, and the same divided by exp(2u), n = 2e(1 + e), d = 1 + n, for u >= 0: sums
    of positive terms, no overflow, and no sech^2 of a rounded softplus, which would
    amplify its rounding by 2 softplus(u) (57 ULP at u = 33.3125) [9].  n^2 and d^2 as
    double-words, their quotient rounded once (plain arithmetic: 5.4 ULP)."""
    u = numpy.asarray(u, dtype=numpy.float64)
    e = numpy.exp(-numpy.abs(u))
    pos = u >= 0
    sh, sl = _fast_two_sum(1.0, e)                   # 1 + e, exact: 1 >= e
    ph, pl = _dd_mul(2 * e, 0.0, sh, sl)             # 2e(1 + e)
    _, _, bh, bl = _n_and_n_plus_2(e)                # 2 + e(2 + e)
    dph, dpl = _dd_add(1.0, 0.0, ph, pl)
    nh, nl = numpy.where(pos, ph, 2 * sh), numpy.where(pos, pl, 2 * sl)
    dh, dl = numpy.where(pos, dph, bh), numpy.where(pos, dpl, bl)
    return _mul_dd_div(1.0, *_dd_mul(nh, nl, nh, nl), *_dd_mul(dh, dl, dh, dl))


def _sqrt_sq_plus(u, c):
    """sqrt(u^2 + c), c >= 0, without overflow of u^2 [10]."""
    a = numpy.abs(u)
    big = a > _SQRT_BIG
    if not big.any():
        return numpy.sqrt(a * a + c)
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
    y = a * numpy.exp(numpy.where(tail, 0, u) if tail.any() else u)
    return _scaled_tail(a, u, y, tail)


def _expm1_sub_uexp(u):
    """expm1(u) - u*exp(u); for v = -u in [0, 2]: -exp(-v) * sum_{k>=2} v^k/k!, summed by
    Horner as (v^2/2)(1 + (v/3)(1 + (v/4)(1 + ...))), all terms positive (CELU d/dalpha)."""
    v = -u
    return _either((v >= 0) & (v <= 2), _expm1_sub_uexp_series, _expm1_sub_uexp_far, v)


def _expm1_sub_uexp_series(v):
    """-exp(-v) * sum_{k>=2} v^k/k! for v in [0, 2] (see _expm1_sub_uexp)."""
    t = numpy.ones_like(v)
    for k in range(25, 2, -1):
        t = 1 + v * t / k
    return -(numpy.exp(-v) * (v * v / 2 * t))


def _expm1_sub_uexp_far(v):
    """(1 - u)*exp(u) - 1, u = -v outside [-2, 0]."""
    # (1 - u)*exp(u) is 0*inf at u = -inf; below -1500 it is 0 anyway (the limit is -1)
    ub = numpy.maximum(-v, -1500.0)
    return (1 - ub) * numpy.exp(ub) - 1
