"""Precise primitives for the GELU families, one per class in
symact/stabilise/precise.py, called as _<impl>(u): the algorithms of the NumPy
runtime's precise.py (read its docstring for the method, the fits and the
error bounds) in branch-free form: each piece (|u| < 0.75, the tails, the
window around the derivative's root) is evaluated on every entry, on inputs
clamped to its own interval, and selected with _where.
  _xndtr(u)          = u*Phi(u)                      (gelu, erf form)
  _xndtr_grad(u)     = Phi(u) + u*phi(u)              (its derivative)
  _xsigcubic(u)      = u*sigmoid(v), v = 2*sqrt(2/pi)*(u + 0.044715*u**3)   (gelu_tanh)
  _xsigcubic_grad(u) = sigmoid(v) + u*v'*sigmoid(v)*sigmoid(-v)
Arguments are float64 arrays.  Scalings by 2^k keep k as an integral float64
(_ldexp rounds once, also into the subnormals).
"""

from symact.emit.numpy.runtime.constants import (
    _GELU_DPHI_SMALL, _GELU_DPHI_SMALL_LO, _GELU_G_FAR, _GELU_G_FAR_LO, _GELU_G_NEAR, _GELU_G_NEAR_LO,
    _GELU_K1, _GELU_K3, _GELU_K3X3, _GELU_PHI_SMALL, _GELU_PHI_SMALL_LO, _GELU_ROOT, _GELU_ROOT_LEFT,
    _GELU_ROOT_LEFT_LO, _GELU_ROOT_RIGHT, _GELU_ROOT_RIGHT_LO, _GELU_TANH_ROOT, _GELU_TANH_ROOT_LEFT,
    _GELU_TANH_ROOT_LEFT_LO, _GELU_TANH_ROOT_RIGHT, _GELU_TANH_ROOT_RIGHT_LO, _INV_FACT, _INV_LN2,
    _INV_SQRT_2PI, _LN2_SPLIT, _LN_SQRT_2PI, _SQRT_HALF)
from symact.emit.tensor.runtime.doubleword import (_dd_add, _dd_div, _dd_mul, _fast_two_sum, _horner, _two_prod,
                                                   _two_sum)
from symact.emit.tensor.runtime.api import _scatter
from symact.emit.tensor.runtime.ops import (_abs, _all_finite, _clip, _eager, _erfc, _exp, _full_like, _isnan, _ldexp,
                                            _positions, _rint, _where, _zeros_like)
from symact.emit.tensor.runtime.primitives import _mul_dsigmoid_x, _mul_sigmoid_x, _sigmoid_x


def _pr_exp(hi, lo):
    """exp(hi + lo) = 2^k*(mh + ml), mh in [0.7, 1.42]: reduced argument r = rh + rl
    exact to 2^-100, e^r = 1 + r + r^2*T(r), 1 + rh summed exactly."""
    k = _rint(hi * _INV_LN2)
    rh = hi - k * _LN2_SPLIT[0]
    rl = lo - k * _LN2_SPLIT[1]
    r = rh + rl
    a, b = _two_sum(1.0, rh)
    mh, ml = _fast_two_sum(a, b + (rl + (r * r) * _horner(_INV_FACT, r)))
    return mh, ml, k


def _pr_npdf(t):
    """phi(t) = exp(-t^2/2 - ln sqrt(2 pi)) = 2^k*(mh + ml), t^2 exact; 0 <= t <= 40."""
    p, e = _two_prod(t, t)
    hi, lo = _two_sum(-0.5 * p, -_LN_SQRT_2PI[0])
    return _pr_exp(hi, lo - 0.5 * e - _LN_SQRT_2PI[1])


def _pr_mills_g(t):
    """g(t) = t*(1 - Phi(t))/phi(t) as hi + lo, 0.75 <= t <= 40."""
    near = t < 2.0
    vn = _where(near, t, 1.375) - 1.375
    tf = _where(near, 4.0, t)
    vf = (tf - 4.0) / (tf + 4.0)
    nh, nl = _two_sum(_GELU_G_NEAR[0], vn * _horner(_GELU_G_NEAR[1:], vn) + _GELU_G_NEAR_LO)
    fh, fl = _two_sum(_GELU_G_FAR[0], vf * _horner(_GELU_G_FAR[1:], vf) + _GELU_G_FAR_LO)
    return _where(near, nh, fh), _where(near, nl, fl)


def _pr_half_plus(u, c, c0lo):
    """1/2 + u*(c0 + w*c1 + w^2*c2 + ...), w = u^2, as hi + lo."""
    w = u * u
    ph, pl = _two_prod(u, c[0])
    pl = pl + u * (c0lo + w * _horner(c[1:], w))
    s, e = _two_sum(0.5, ph)
    return _fast_two_sum(s, e + pl)


def _pr_root_window(u, root, left, left_lo, right, right_lo):
    """f'(u) = (u - root)*h(u) on [-1.3, -0.3], h fitted in u + 1.025 and u + 0.525."""
    u = _clip(u, -1.3, -0.3)
    lower = u < -0.75
    v = _where(lower, u + 1.025, u + 0.525)
    c = [_where(lower, a, b) for a, b in zip(left[:3], right[:3])]
    lo = _where(lower, left_lo, right_lo)
    q = _where(lower, _horner(left[2:], v), _horner(right[2:], v))
    p, e = _two_prod(v, q)                 # the last two Horner steps in double-double
    sh, sl = _two_sum(c[1], p)
    p, e2 = _two_prod(v, sh)
    hh, hl = _two_sum(c[0], p)
    hl = hl + (e2 + v * (sl + e) + lo)
    dh = u - root[0]  # exact (Sterbenz)
    ph, pl = _dd_mul(dh, _full_like(dh, -root[1]), hh, hl)
    return ph + pl


def _pr_gelu_small(x):
    """x*Phi(x) for |x| < 0.75: Phi(x) = 1/2 + x*P(x^2)."""
    sh, sl = _pr_half_plus(x, _GELU_PHI_SMALL, _GELU_PHI_SMALL_LO)
    ph, pl = _dd_mul(x, _zeros_like(x), sh, sl)
    return ph + pl


def _pr_gelu_tail(x):
    """x*Phi(x) for 0.75 <= |x| <= 40: x - phi(t)*g(t) or -phi(t)*g(t), t = |x|."""
    t = _abs(x)
    mh, ml, k = _pr_npdf(t)
    gh, gl = _pr_mills_g(t)
    ph, pl = _dd_mul(mh, ml, gh, gl)
    tail = _ldexp(ph + pl, k)                           # phi(t)*g(t) = t*(1 - Phi(t))
    return _where(x > 0, x - tail, -tail)


def _pr_gelu_grad_small(x):
    sh, sl = _pr_half_plus(x, _GELU_DPHI_SMALL, _GELU_DPHI_SMALL_LO)
    return sh + sl


def _pr_gelu_grad_tail(x):
    """Phi(x) + x*phi(x) for 0.75 <= |x| <= 40: 1 + phi(t)*(t - m(t)) or -phi(t)*(t - m(t))."""
    t = _abs(x)
    mh, ml, k = _pr_npdf(t)
    gh, gl = _pr_mills_g(t)
    q = gh / t                                          # m(t) = g/t, as q + ql
    p, e = _two_prod(q, t)
    ql = (((gh - p) - e) + gl) / t
    bh, bl = _two_sum(t, -q)
    ph, pl = _dd_mul(mh, ml, bh, bl - ql)
    tail = _ldexp(ph + pl, k)                           # phi(t)*(t - m(t))
    return _where(x > 0, 1.0 + tail, -tail)


def _pr_gelu_grad_root(x):
    return _pr_root_window(x, _GELU_ROOT, _GELU_ROOT_LEFT, _GELU_ROOT_LEFT_LO,
                           _GELU_ROOT_RIGHT, _GELU_ROOT_RIGHT_LO)


def _pr_piece(y, x, mask, fn, x0):
    """y, but fn(x) where ``mask``; fn sees x0 elsewhere (never an input off its piece).
    In torch's eager mode fn runs only on the entries in ``mask`` (see api.py)."""
    if _eager(x):
        return _scatter(y, x, _positions(mask), fn)
    return _where(mask, fn(_where(mask, x, x0)), y)


def _pr_nan(y, x):
    """nan in gives nan out."""
    if _eager(x) and _all_finite(x):
        return y
    return _where(_isnan(x), x, y)


def _xndtr(u):
    """u*Phi(u) = u*erfc(-u/sqrt(2))/2 (GELU, erf form)."""
    t = _abs(u)
    y = _where(u > 0, u, -0.0)                          # beyond [-40, 9] the tail is below
    y = _pr_piece(y, u, t < 0.75, _pr_gelu_small, 0.0)  # 2^-1100 resp. 2^-60 of the result
    y = _pr_piece(y, u, (t >= 0.75) & (u >= -40.0) & (u <= 9.0), _pr_gelu_tail, 1.0)
    return _pr_nan(y, u)


def _xndtr_grad(u):
    """Phi(u) + u*phi(u), the derivative of u*Phi(u)."""
    t = _abs(u)
    root = (u >= -1.3) & (u <= -0.3)
    y = _where(u > 0, 1.0, -0.0)
    y = _pr_piece(y, u, (t < 0.75) & ~root, _pr_gelu_grad_small, 0.0)
    y = _pr_piece(y, u, (t >= 0.75) & (u >= -40.0) & (u <= 9.0) & ~root, _pr_gelu_grad_tail, 1.0)
    y = _pr_piece(y, u, root, _pr_gelu_grad_root, -0.75)
    return _pr_nan(y, u)


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
    mh, ml, k = _pr_exp(_where(neg, vh, -vh), _where(neg, vl, -vl))
    eh = _ldexp(mh, k)
    el = _ldexp(ml, k)
    oh, ol = _two_sum(1.0, eh)
    oh, ol = _fast_two_sum(oh, ol + el)
    return mh, ml, k, eh, el, oh, ol


def _pr_gelu_tanh_neg(x):
    """v < 0: x*e^v/(1 + e^v), scaled by 2^k."""
    mh, ml, k, eh, el, oh, ol = _pr_sigparts(x)
    qh, ql = _dd_div(mh, ml, oh, ol)
    nh, nl = _two_prod(x, qh)
    return _ldexp(nh + (nl + x * ql), k)


def _pr_gelu_tanh_pos(x):
    """v >= 0: x/(1 + e^-v)."""
    mh, ml, k, eh, el, oh, ol = _pr_sigparts(x)
    ph, pl = _dd_div(x, _zeros_like(x), oh, ol)
    return ph + pl


def _pr_gelu_tanh_grad_neg(x):
    """v < 0: E*(1 + E + x v')/(1 + E)^2, E = e^v, scaled by 2^k."""
    mh, ml, k, eh, el, oh, ol = _pr_sigparts(x)
    dh, dl = _pr_cubic(x, _GELU_K3X3)                     # x*v'
    Dh, Dl = _dd_mul(oh, ol, oh, ol)
    nh, nl = _dd_add(oh, ol, dh, dl)
    qh, ql = _dd_div(nh, nl, Dh, Dl)
    rh, rl = _dd_mul(qh, ql, mh, ml)
    return _ldexp(rh + rl, k)


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
    y = _where(u > 0, u, -0.0)                          # beyond [-22, 9] e^-|v| is below
    y = _pr_piece(y, u, (u >= -22.0) & (u < 0), _pr_gelu_tanh_neg, -1.0)   # 2^-1100 resp. 2^-80
    y = _pr_piece(y, u, (u >= 0) & (u <= 9.0), _pr_gelu_tanh_pos, 1.0)
    return _pr_nan(y, u)


def _xsigcubic_grad(u):
    """sigmoid(v) + u*v'*sigmoid(v)*sigmoid(-v), the derivative of u*sigmoid(v)."""
    root = (u >= -1.3) & (u <= -0.3)
    y = _where(u > 0, 1.0, -0.0)
    y = _pr_piece(y, u, (u >= -22.0) & (u < 0) & ~root, _pr_gelu_tanh_grad_neg, -2.0)
    y = _pr_piece(y, u, (u >= 0) & (u <= 9.0), _pr_gelu_tanh_grad_pos, 1.0)
    y = _pr_piece(y, u, root, _pr_gelu_tanh_grad_root, -0.75)
    return _pr_nan(y, u)


# Float-precision versions, called by the float forms (float32, float16 and bfloat16
# inputs, computed in float64 and rounded once): the textbook forms in float64 are
# accurate to far below float's half ulp where their terms do not cancel, everywhere
# for the forward ones and outside [-1.3, -0.3] for the derivatives (cancellation ratio
# at most 2.5 there); inside, the derivatives take the root windows as in float64.  The
# tail amplification that the float64 versions carry their arguments in hi + lo for
# (erfc's 2z^2 on the rounding of u/sqrt(2), exp's u^2/2 on that of u^2) is below 2^-45
# where float results are nonzero (|u| < 14); the C float kernels use the same forms.

def _xndtr_x(u):
    """u*Phi(u) = u*erfc(-u/sqrt(2))/2 at float precision."""
    y = 0.5 * u * _erfc(-u * _SQRT_HALF)
    return _where(u < -40.0, -0.0, y)                   # the limit at -inf, not inf*0


def _xndtr_grad_x(u):
    """Phi(u) + u*phi(u) at float precision."""
    y = 0.5 * _erfc(-u * _SQRT_HALF) + u * (_INV_SQRT_2PI * _exp(-0.5 * u * u))
    y = _pr_piece(y, u, (u >= -1.3) & (u <= -0.3), _pr_gelu_grad_root, -0.75)
    return _where(u > 40.0, 1.0, _where(u < -40.0, -0.0, y))


def _xsigcubic_x(u):
    """u*sigmoid(v), v = u*(K1 + K3 u^2), at float precision."""
    return _mul_sigmoid_x(u, u * (_GELU_K1[0] + _GELU_K3[0] * (u * u)))


def _xsigcubic_grad_x(u):
    """sigmoid(v) + u v' sigmoid(v) sigmoid(-v), v' = K1 + 3 K3 u^2, at float precision."""
    w = u * u
    v = u * (_GELU_K1[0] + _GELU_K3[0] * w)
    vp = _GELU_K1[0] + _GELU_K3X3[0] * w
    y = _sigmoid_x(v) + _mul_dsigmoid_x(u * vp, v)
    return _pr_piece(y, u, (u >= -1.3) & (u <= -0.3), _pr_gelu_tanh_grad_root, -0.75)
