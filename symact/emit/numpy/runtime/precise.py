"""Precise primitives for the GELU families, one per class in
symact/stabilise/precise.py, called as _<impl>(u):
  _xndtr(u)          = u*Phi(u)                      (gelu, erf form)
  _xndtr_grad(u)     = Phi(u) + u*phi(u)              (its derivative)
  _xsigcubic(u)      = u*sigmoid(v), v = 2*sqrt(2/pi)*(u + 0.044715*u**3)   (gelu_tanh)
  _xsigcubic_grad(u) = sigmoid(v) + u*v'*sigmoid(v)*sigmoid(-v)
Phi and phi are the standard normal CDF and density.  Within 1 ULP in float64
over the whole range; float32 rounds the float64 result once.
How (docs/numerics.md pitfalls 5 and 6): nothing is formed as 1 + erf or 1 + tanh.
With t = |u| and the Mills ratio m(t) = (1 - Phi(t))/phi(t),
  u*Phi(u) = -phi(t)*g(t) (u < 0),  u - phi(t)*g(t) (u > 0),  g(t) = t*m(t),
  Phi(u) + u*phi(u) = -+phi(t)*(t - m(t)) (+1 for u > 0),
where phi(t) = exp(-t^2/2 - ln sqrt(2 pi)) is evaluated from the exact square
(hi + lo: Veltkamp splitting, NumPy has no fma) as 2^k*(mh + ml), and the final
rounding happens once, in numpy.ldexp, so results in the subnormals are not
amplified.  g is fitted (Chebyshev interpolation at 50 digits, mpmath) on
[0.75, 2] in t - 1.375 and on [2, 40] in (t - 4)/(t + 4); |u| < 0.75 uses
Phi(u) = 1/2 + u*P(u^2).  Near the root of the derivative (u = -0.7518, and
-0.7525 for the tanh form) f'(u) = (u - root)*h(u), h fitted on [-1.3, -0.75]
and [-0.75, -0.3], so there is no cancellation.  For the tanh form v = u*(K1 +
K3*u^2) is formed in double-double (its rounding would be amplified |v| times
by exp) and exp(-|v|) = 2^k*(mh + ml) likewise.  Leading polynomial
coefficients carry a low part (_LO).
"""

import numpy

from symact.emit.numpy.runtime.constants import (
    _GELU_DPHI_SMALL, _GELU_DPHI_SMALL_LO, _GELU_G_FAR, _GELU_G_FAR_LO, _GELU_G_NEAR, _GELU_G_NEAR_LO,
    _GELU_K1, _GELU_K3, _GELU_K3X3, _GELU_PHI_SMALL, _GELU_PHI_SMALL_LO, _GELU_ROOT, _GELU_ROOT_LEFT,
    _GELU_ROOT_LEFT_LO, _GELU_ROOT_RIGHT, _GELU_ROOT_RIGHT_LO, _GELU_TANH_ROOT, _GELU_TANH_ROOT_LEFT,
    _GELU_TANH_ROOT_LEFT_LO, _GELU_TANH_ROOT_RIGHT, _GELU_TANH_ROOT_RIGHT_LO, _INV_FACT, _INV_LN2,
    _LN2_SPLIT, _LN_SQRT_2PI)
from symact.emit.numpy.runtime.doubleword import _dd_add, _dd_div, _dd_mul, _fast_two_sum, _horner, _two_prod, _two_sum


# -0.0 and 1.0, looked up by (x > 0): the derivatives' values beyond the fitted ranges
_PR_STEP = numpy.array([-0.0, 1.0])


def _pr_exp(hi, lo):
    """exp(hi + lo) = 2^k*(mh + ml), mh in [0.7, 1.42]: reduced argument r = rh + rl
    exact to 2^-100, e^r = 1 + r + r^2*T(r), 1 + rh summed exactly."""
    k = numpy.rint(hi * _INV_LN2)
    rh = hi - k * _LN2_SPLIT[0]
    rl = lo - k * _LN2_SPLIT[1]
    r = rh + rl
    a, b = _two_sum(1.0, rh)
    mh, ml = _fast_two_sum(a, b + (rl + (r * r) * _horner(_INV_FACT, r)))
    return mh, ml, k.astype(numpy.int32)  # |k| < 2^14; ldexp takes int32 everywhere


def _pr_npdf(t):
    """phi(t) = exp(-t^2/2 - ln sqrt(2 pi)) = 2^k*(mh + ml), t^2 exact; 0 <= t <= 40."""
    p, e = _two_prod(t, t)
    hi, lo = _two_sum(-0.5 * p, -_LN_SQRT_2PI[0])
    return _pr_exp(hi, lo - 0.5 * e - _LN_SQRT_2PI[1])


def _pr_mills_g(t):
    """g(t) = t*(1 - Phi(t))/phi(t) as hi + lo, 0.75 <= t <= 40."""
    gh = numpy.empty_like(t)
    gl = numpy.empty_like(t)
    near = t < 2.0
    for m, c, lo, u in ((near, _GELU_G_NEAR, _GELU_G_NEAR_LO, lambda t: t - 1.375),
                        (~near, _GELU_G_FAR, _GELU_G_FAR_LO, lambda t: (t - 4.0) / (t + 4.0))):
        i = numpy.flatnonzero(m)
        if i.size:
            v = u(t.take(i))
            gh[i], gl[i] = _two_sum(c[0], v * _horner(c[1:], v) + lo)
    return gh, gl


def _pr_half_plus(u, c, c0lo):
    """1/2 + u*(c0 + w*c1 + w^2*c2 + ...), w = u^2, as hi + lo."""
    w = u * u
    ph, pl = _two_prod(u, c[0])
    pl = pl + u * (c0lo + w * _horner(c[1:], w))
    s, e = _two_sum(0.5, ph)
    return _fast_two_sum(s, e + pl)


def _pr_root_window(u, root, left, left_lo, right, right_lo):
    """f'(u) = (u - root)*h(u) on [-1.3, -0.3], h fitted in u + 1.025 and u + 0.525."""
    u = numpy.clip(u, -1.3, -0.3)
    lower = u < -0.75
    v = numpy.where(lower, u + 1.025, u + 0.525)
    c = [numpy.where(lower, a, b) for a, b in zip(left[:3], right[:3])]
    lo = numpy.where(lower, left_lo, right_lo)
    q = numpy.where(lower, _horner(left[2:], v), _horner(right[2:], v))
    p, e = _two_prod(v, q)                 # the last two Horner steps in double-double
    sh, sl = _two_sum(c[1], p)
    p, e2 = _two_prod(v, sh)
    hh, hl = _two_sum(c[0], p)
    hl = hl + (e2 + v * (sl + e) + lo)
    dh = u - root[0]  # exact (Sterbenz)
    ph, pl = _dd_mul(dh, numpy.full_like(dh, -root[1]), hh, hl)
    return ph + pl


def _pr_in(u):
    """u as a float64 ndarray (at least 1-d; not copied when it is one), and its dtype
    and shape."""
    u = numpy.asarray(u)
    return numpy.atleast_1d(numpy.asarray(u, dtype=numpy.float64)), u.dtype, u.shape


def _pr_out(y, x, dt, shape):
    """nan in gives nan out; the input's dtype and shape."""
    nan = numpy.isnan(x)
    if nan.any():
        y[nan] = x[nan]
    return y.astype(dt, copy=False).reshape(shape)


def _pr_apply(y, x, mask, fn):
    """y[mask] = fn(x[mask]): each branch runs only on its own entries (gathered and
    scattered through an index array: boolean indexing branches per entry)."""
    i = numpy.flatnonzero(mask)
    if i.size:
        y[i] = fn(x.take(i))


def _pr_gelu_small(x):
    """x*Phi(x) for |x| < 0.75: Phi(x) = 1/2 + x*P(x^2)."""
    sh, sl = _pr_half_plus(x, _GELU_PHI_SMALL, _GELU_PHI_SMALL_LO)
    ph, pl = _dd_mul(x, numpy.zeros_like(x), sh, sl)
    return ph + pl


def _pr_gelu_tail(x):
    """x*Phi(x) for 0.75 <= |x| <= 40: x - phi(t)*g(t) or -phi(t)*g(t), t = |x|."""
    t = numpy.abs(x)
    mh, ml, k = _pr_npdf(t)
    gh, gl = _pr_mills_g(t)
    ph, pl = _dd_mul(mh, ml, gh, gl)
    tail = numpy.ldexp(ph + pl, k)                      # phi(t)*g(t) = t*(1 - Phi(t))
    return numpy.where(x > 0, x - tail, -tail)


def _pr_gelu_grad_small(x):
    sh, sl = _pr_half_plus(x, _GELU_DPHI_SMALL, _GELU_DPHI_SMALL_LO)
    return sh + sl


def _pr_gelu_grad_tail(x):
    """Phi(x) + x*phi(x) for 0.75 <= |x| <= 40: 1 + phi(t)*(t - m(t)) or -phi(t)*(t - m(t))."""
    t = numpy.abs(x)
    mh, ml, k = _pr_npdf(t)
    gh, gl = _pr_mills_g(t)
    q = gh / t                                          # m(t) = g/t, as q + ql
    p, e = _two_prod(q, t)
    ql = (((gh - p) - e) + gl) / t
    bh, bl = _two_sum(t, -q)
    ph, pl = _dd_mul(mh, ml, bh, bl - ql)
    tail = numpy.ldexp(ph + pl, k)                      # phi(t)*(t - m(t))
    return numpy.where(x > 0, 1.0 + tail, -tail)


def _pr_gelu_grad_root(x):
    return _pr_root_window(x, _GELU_ROOT, _GELU_ROOT_LEFT, _GELU_ROOT_LEFT_LO,
                           _GELU_ROOT_RIGHT, _GELU_ROOT_RIGHT_LO)


def _xndtr(u):
    """u*Phi(u) = u*erfc(-u/sqrt(2))/2 (GELU, erf form)."""
    x, dt, shape = _pr_in(u)
    t = numpy.abs(x)
    y = numpy.maximum(x, -0.0)                          # x > 0: x, else -0.0; beyond [-40, 9] the tail is below
    _pr_apply(y, x, t < 0.75, _pr_gelu_small)           # 2^-1100 resp. 2^-60 of the result
    _pr_apply(y, x, (t >= 0.75) & (x >= -40.0) & (x <= 9.0), _pr_gelu_tail)
    return _pr_out(y, x, dt, shape)


def _xndtr_grad(u):
    """Phi(u) + u*phi(u), the derivative of u*Phi(u)."""
    x, dt, shape = _pr_in(u)
    t = numpy.abs(x)
    root = (x >= -1.3) & (x <= -0.3)
    y = _PR_STEP.take((x > 0).view(numpy.uint8))       # 1.0 for x > 0, else -0.0
    _pr_apply(y, x, (t < 0.75) & ~root, _pr_gelu_grad_small)
    _pr_apply(y, x, (t >= 0.75) & (x >= -40.0) & (x <= 9.0) & ~root, _pr_gelu_grad_tail)
    _pr_apply(y, x, root, _pr_gelu_grad_root)
    return _pr_out(y, x, dt, shape)


def _pr_cubic(x, k3):
    """x*(K1 + k3*x^2) as hi + lo: v (k3 = K3) or x*v' (k3 = 3*K3); |x| <= 40."""
    p, e = _two_prod(x, x)
    a, ae = _two_prod(k3[0], p)
    ae = ae + k3[0] * e + k3[1] * p
    b, be = _two_sum(_GELU_K1[0], a)
    be = be + ae + _GELU_K1[1]
    v, ve = _two_prod(x, b)
    return _fast_two_sum(v, ve + x * be)


def _pr_sigparts(x):
    """For 0 < |x| <= 40: E = exp(-|v|) = 2^k*(mh + ml), eh + el the same unscaled, and 1 + E
    as oh + ol (v has the sign of x)."""
    vh, vl = _pr_cubic(x, _GELU_K3)
    neg = vh < 0
    mh, ml, k = _pr_exp(numpy.where(neg, vh, -vh), numpy.where(neg, vl, -vl))
    eh = numpy.ldexp(mh, k)
    el = numpy.ldexp(ml, k)
    oh, ol = _two_sum(1.0, eh)
    oh, ol = _fast_two_sum(oh, ol + el)
    return mh, ml, k, eh, el, oh, ol


def _pr_gelu_tanh_neg(x):
    """v < 0: x*e^v/(1 + e^v), scaled by 2^k."""
    mh, ml, k, eh, el, oh, ol = _pr_sigparts(x)
    qh, ql = _dd_div(mh, ml, oh, ol)
    nh, nl = _two_prod(x, qh)
    return numpy.ldexp(nh + (nl + x * ql), k)


def _pr_gelu_tanh_pos(x):
    """v >= 0: x/(1 + e^-v)."""
    mh, ml, k, eh, el, oh, ol = _pr_sigparts(x)
    ph, pl = _dd_div(x, numpy.zeros_like(x), oh, ol)
    return ph + pl


def _pr_gelu_tanh_grad_neg(x):
    """v < 0: E*(1 + E + x v')/(1 + E)^2, E = e^v, scaled by 2^k."""
    mh, ml, k, eh, el, oh, ol = _pr_sigparts(x)
    dh, dl = _pr_cubic(x, _GELU_K3X3)                     # x*v'
    Dh, Dl = _dd_mul(oh, ol, oh, ol)
    nh, nl = _dd_add(oh, ol, dh, dl)
    qh, ql = _dd_div(nh, nl, Dh, Dl)
    rh, rl = _dd_mul(qh, ql, mh, ml)
    return numpy.ldexp(rh + rl, k)


def _pr_gelu_tanh_grad_pos(x):
    """v >= 0: (1 + E + x v' E)/(1 + E)^2, E = e^-v."""
    mh, ml, k, eh, el, oh, ol = _pr_sigparts(x)
    dh, dl = _pr_cubic(x, _GELU_K3X3)
    Dh, Dl = _dd_mul(oh, ol, oh, ol)
    ah, al = _dd_mul(dh, dl, eh, el)
    nh, nl = _dd_add(oh, ol, ah, al)
    qh, ql = _dd_div(nh, nl, Dh, Dl)
    return qh + ql


def _pr_gelu_tanh_grad_root(x):
    return _pr_root_window(x, _GELU_TANH_ROOT, _GELU_TANH_ROOT_LEFT, _GELU_TANH_ROOT_LEFT_LO,
                           _GELU_TANH_ROOT_RIGHT, _GELU_TANH_ROOT_RIGHT_LO)


def _xsigcubic(u):
    """u*sigmoid(v), v = 2*sqrt(2/pi)*(u + 0.044715*u^3) (GELU, tanh form)."""
    x, dt, shape = _pr_in(u)
    y = numpy.maximum(x, -0.0)                          # x > 0: x, else -0.0; beyond [-22, 9] e^-|v| is below
    _pr_apply(y, x, (x >= -22.0) & (x < 0), _pr_gelu_tanh_neg)   # 2^-1100 resp. 2^-80
    _pr_apply(y, x, (x >= 0) & (x <= 9.0), _pr_gelu_tanh_pos)
    return _pr_out(y, x, dt, shape)


def _xsigcubic_grad(u):
    """sigmoid(v) + u*v'*sigmoid(v)*sigmoid(-v), the derivative of u*sigmoid(v)."""
    x, dt, shape = _pr_in(u)
    root = (x >= -1.3) & (x <= -0.3)
    y = _PR_STEP.take((x > 0).view(numpy.uint8))       # 1.0 for x > 0, else -0.0
    _pr_apply(y, x, (x >= -22.0) & (x < 0) & ~root, _pr_gelu_tanh_grad_neg)
    _pr_apply(y, x, (x >= 0) & (x <= 9.0), _pr_gelu_tanh_grad_pos)
    _pr_apply(y, x, root, _pr_gelu_tanh_grad_root)
    return _pr_out(y, x, dt, shape)