"""Vector activations on rows: logsumexp, softmax, log_softmax, the gradient of logsumexp
and the vector-Jacobian products, as in the NumPy runtime's vector.py (read its
docstrings for the method and the error bounds), branch-free.
Each ``_vec_NAME(rows[, grows])`` takes float64 rows (r, n), n >= 1, with the
activation's axis last (the framework layer moves it there) and returns (r, n),
or (r,) for logsumexp.  With m = max(x), d_i = x_i - m is carried exactly as dh +
dl (two-sum) and exp(d_i) = 2**k (eh + el) in double-double, sums are compensated
and log S = log1p(R) is double-double, so every result is rounded about once.
Special rows (docs/contract.md): +inf entries give the limit (uniform over
them), an all -inf row gives logsumexp -inf, softmax 0 and gradients 0, nan in a
row gives a nan row.
"""

from symact.emit.numpy.runtime.constants import (_EXP2_64, _INV_FACT_DD, _INV_LN2_64, _INV_ODD_DD, _LN2,
                                                 _LN2_64_SPLIT, _SQRT_HALF)
from symact.emit.tensor.runtime.doubleword import _dd_add, _dd_div, _dd_mul, _fast_two_sum, _split, _two_prod, _two_sum
from symact.emit.tensor.runtime.ops import (_INF, _abs, _amax, _any, _arange, _argmax, _cat, _exp, _floor, _frexp,
                                            _full_like, _isfinite, _isnan, _ldexp, _log, _log1p, _lookup, _maximum,
                                            _nextafter, _rint, _rows_redone, _sum, _where, _zeros_like, _eager, _all_finite)

# Below this shifted argument exp() is 0 in float64 (e**-745 < 2**-1074 / 2).
_VEC_EXP_FLOOR = -746.0
# The VJPs keep exp(d) as 2**k * (eh + el) down to d = -2000: times a cotangent (scaled
# to 2**900 by _vec_gscale) it can matter though exp(d) alone is below the float64 range.
_VEC_VJP_FLOOR = -2000.0
# The smallest normal float64.
_TINY_NORMAL = 2.0 ** -1022
# 2**(j/64) as double-doubles
_VEC_EXP2_T_HI = tuple(t[0] for t in _EXP2_64)
_VEC_EXP2_T_LO = tuple(t[1] for t in _EXP2_64)


def _vec_sum2(t):
    """Compensated sum of ``t`` along the last axis as a double-double (hi, lo): a pairwise
    cascade of two-sums, the errors summed apart (Ogita, Rump & Oishi 2005, Sum2)."""
    errs = []
    while t.shape[-1] > 1:
        if t.shape[-1] % 2:
            t = _cat([t, _zeros_like(t[..., :1])], -1)
        s, e = _two_sum(t[..., 0::2], t[..., 1::2])
        errs.append(_sum(e, -1))
        t = s
    hi = t[..., 0]
    lo = _zeros_like(hi)
    for e in errs:
        lo = lo + e
    return _two_sum(hi, lo)


def _vec_exp2(h, l):
    """exp(h + l) for h <= 0 as 2**k * (eh + el), a double-double to about 2**-104:
    h + l = n ln2/64 + r (Cody-Waite three-part ln2/64, r in double-double), the table
    of 2**(j/64) in double-double and exp(r) - 1 by Horner, double-double up to degree 5
    (Tang 1989).  h is clipped to [-2000, 0] by the caller; returns (eh, el, k)."""
    n = _rint(h * _INV_LN2_64)
    c1, c2, c3 = _LN2_64_SPLIT
    rh = h - n * c1                              # exact (Sterbenz)
    p, pe = _two_prod(n, c2)
    rh, t = _two_sum(rh, -p)
    rh, rl = _dd_add(rh, t, l, -(pe + n * c3))
    # 1/6! + r/7! + ... + r**6/12! in float64: its rounding, times r**6, is below 2**-106
    ph = _full_like(rh, _INV_FACT_DD[-1][0])
    for ch, _ in _INV_FACT_DD[-2:3:-1]:
        ph = ph * rh + ch
    pl = _zeros_like(rh)
    rsh, rsl = _split(rh)                     # split once for every product

    def times_r(ah, al):
        p = ah * rh
        sh, sl = _split(ah)
        e = ((sh * rsh - p) + sh * rsl + sl * rsh) + sl * rsl
        return _fast_two_sum(p, e + (ah * rl + al * rh))

    for ch, cl in _INV_FACT_DD[3::-1]:
        ph, pl = times_r(ph, pl)
        ph, pl = _dd_add(ph, pl, ch, cl)
    ph, pl = times_r(ph, pl)
    ph, pl = _dd_add(ph, pl, 1.0, 0.0)
    ph, pl = times_r(ph, pl)                      # expm1(r)
    k = _floor(n / 64)
    j = n - 64 * k
    th, tl = _lookup(_VEC_EXP2_T_HI, j), _lookup(_VEC_EXP2_T_LO, j)
    qh, ql = _dd_mul(th, tl, ph, pl)
    eh, el = _dd_add(th, tl, qh, ql)
    return eh, el, k


def _vec_ldexp2(h, l, k):
    """(h + l) * 2**k rounded once, also when the result is subnormal: there the residual
    of ldexp(h, k) plus l decides whether to step one subnormal ulp."""
    v = _ldexp(h + l, k)
    w = _ldexp(h, k)
    r = (h - _ldexp(w, -k)) + l                   # h - ldexp(w, -k) is exact
    half = _ldexp(_full_like(k, 0.5), -1074 - k)  # half a subnormal ulp, unscaled
    w = _where(r > half, _nextafter(w, _INF), _where(r < -half, _nextafter(w, -_INF), w))
    return _where((_abs(v) < _TINY_NORMAL) & _isfinite(h), w, v)


def _vec_log1p2(rh, rl):
    """log(1 + R) for R = rh + rl >= 0 as a double-double: S = 1 + R = 2**k * f with f in
    [sqrt(1/2), sqrt(2)), log S = k ln 2 + 2 atanh(s), s = (f - 1)/(f + 1), the series in
    double-double with 22 terms (Abramowitz & Stegun 4.1.27)."""
    sh, t = _two_sum(1.0, rh)
    sh, sl = _two_sum(sh, t + rl)
    mant, ex = _frexp(sh)
    k = _where(mant < _SQRT_HALF, ex - 1, ex)
    fh = _ldexp(sh, -k)
    fl = _ldexp(sl, -k)
    nh, nl = _two_sum(fh - 1.0, fl)          # fh - 1 is exact (Sterbenz)
    dh, t = _two_sum(fh, 1.0)
    dh, dl = _fast_two_sum(dh, t + fl)
    qh = nh / dh
    p, pe = _two_prod(qh, dh)
    ql = ((nh - p) - pe + nl - qh * dl) / dh
    qh, ql = _fast_two_sum(qh, ql)
    wh, wl = _dd_mul(qh, ql, qh, ql)
    ph, pl = _INV_ODD_DD[-1]
    for ch, cl in _INV_ODD_DD[-2::-1]:
        ph, pl = _dd_mul(ph, pl, wh, wl)
        ph, pl = _dd_add(ph, pl, ch, cl)
    ph, pl = _dd_mul(ph, pl, wh, wl)             # s**2 * P(s**2)
    ph, pl = _dd_mul(ph, pl, qh, ql)
    th, tl = _dd_add(qh, ql, ph, pl)             # atanh(s)
    kh, kl = _two_prod(k, _LN2[0])
    kh, kl = _fast_two_sum(kh, kl + k * _LN2[1])
    return _dd_add(kh, kl, 2.0 * th, 2.0 * tl)


def _vec_rows(rows):
    """The row masks nan / pinf (some +inf, no nan) / ninf (all -inf) / ok (none of them),
    the +inf entries and their count (at least 1), the rows with the others' entries set
    to 0 (xs) and their max (ms, 0 in the others); ``finite``: whether every entry is
    known to be finite (torch's eager mode only, see api.py), when the masks are not
    needed (:func:`_vec_special` returns its input)."""
    if _eager(rows) and _all_finite(rows):
        return dict(finite=True, xs=rows, m=_amax(rows, -1))
    nan = _any(_isnan(rows), -1)
    pin = rows == _INF
    pinf = _any(pin, -1) & ~nan
    m = _amax(rows, -1)
    ninf = m == -_INF
    ok = ~(nan | pinf | ninf)
    xs = _where(ok[:, None], rows, 0.0)
    ms = _where(ok, m, 0.0)
    cnt = _maximum(_sum(_where(pin, 1.0, 0.0), -1), 1.0)
    return dict(finite=False, nan=nan, pinf=pinf, ninf=ninf, pin=pin, cnt=cnt, xs=xs, m=ms)


def _vec_first(xs):
    """The mask of each row's first argmax."""
    return _arange(xs.shape[-1], xs)[None, :] == _argmax(xs, -1)[:, None]


def _vec_state(rows, log=True):
    """Row statistics every kernel shares: those of :func:`_vec_rows`, the exact shift
    dh + dl = x - m, exp(d) = 2**ek (eh + el) (0 below the VJP floor) and e + ec = exp(d),
    the mask of the first argmax, S = 1 + R and (``log``) L = log S as double-doubles.
    The VJPs need no L: its series is some 800 operations, which on the few rows the float
    kernels hand over (_rows_redone) cost more than the rest together."""
    st = _vec_rows(rows)
    xs, ms = st["xs"], st["m"]
    first = _vec_first(xs)
    dh, dl = _two_sum(xs, -ms[:, None])
    dl = _where(_isfinite(dh), dl, 0.0)
    low = dh < _VEC_VJP_FLOOR
    eh, el, ek = _vec_exp2(_where(low, _VEC_VJP_FLOOR, dh), _where(low, 0.0, dl))
    eh = _where(low, 0.0, eh)
    el = _where(low, 0.0, el)
    e = _ldexp(eh, ek)                           # underflows harmlessly: S >= 1
    ec = _ldexp(el, ek)
    rh, rl = _vec_sum2(_where(first, 0.0, e))    # R excludes the first argmax (e = 1)
    rl = rl + _sum(ec, -1)
    rh, rl = _two_sum(rh, rl)
    sh, t = _two_sum(1.0, rh)
    sh, sl = _two_sum(sh, t + rl)
    st.update(dh=dh, dl=dl, eh=eh, el=el, ek=ek, e=e, ec=ec, first=first, sh=sh, sl=sl)
    if log:
        st["lh"], st["ll"] = _vec_log1p2(rh, rl)
    return st


def _vec_special(out, st, pinf_vals, ninf_val):
    """``out`` with the special rows of the contract (docs/contract.md); ``pinf_vals(st)``
    gives the rows with +inf entries (formed only where some row may be special)."""
    if st["finite"]:
        return out
    out = _where(st["ninf"][:, None], ninf_val, out)
    out = _where(st["pinf"][:, None], pinf_vals(st), out)
    return _where(st["nan"][:, None], _INF - _INF, out)


def _vec_gscale(grows):
    """g * 2**-k per row, k such that max|g * 2**-k| is in [2**899, 2**900): exact, and
    the double-double products cannot overflow for any finite g.  Returns (rows, k)."""
    a = _abs(grows)
    gmax = _amax(_where(_isfinite(a), a, 0.0), -1)
    k = _where(gmax > 0, _frexp(gmax)[1] - 900, 0.0)
    return _ldexp(grows, -k[:, None]), k


def _vec_pinf_share(st):
    """softmax of a row with +inf entries: 1/count at them, 0 elsewhere."""
    return _where(st["pin"], 1.0 / st["cnt"][:, None], 0.0)


def _vec_pinf_log(st):
    """log_softmax of a row with +inf entries: -log(count) at them, -inf elsewhere."""
    return _where(st["pin"], 0.0 - _log(st["cnt"])[:, None], -_INF)


def _vec_logsumexp(rows):
    """m + log1p(R) per row (the axis removed)."""
    st = _vec_state(rows)
    s, t = _two_sum(st["m"], st["lh"])
    out = s + (t + st["ll"])
    if st["finite"]:
        return out
    out = _where(st["ninf"], -_INF, out)
    out = _where(st["pinf"], _INF, out)
    return _where(st["nan"], _INF - _INF, out)


def _vec_log_softmax(rows):
    """(x_j - m) - log1p(R), both double-double."""
    st = _vec_state(rows)
    s, t = _two_sum(st["dh"], -st["lh"][:, None])
    lo = _where(_isfinite(st["dh"]), t, 0.0) + (st["dl"] - st["ll"][:, None])
    out = _where(_isfinite(s), s + lo, s)
    return _vec_special(out, st, _vec_pinf_log, -_INF)


def _vec_softmax_state(st):
    """exp(d)/S with both in double-double, rounded once."""
    qh, ql = _dd_div(st["eh"], st["el"], st["sh"][:, None], st["sl"][:, None])
    out = _vec_ldexp2(qh, ql, st["ek"])
    return _vec_special(out, st, _vec_pinf_share, 0.0)


def _vec_softmax(rows):
    """exp(x_j - m)/S."""
    return _vec_softmax_state(_vec_state(rows, log=False))


def _vec_logsumexp_grad(rows):
    """d lse/d x_j = softmax(x)_j; an all -inf row has gradient 0."""
    return _vec_softmax(rows)


def _vec_softmax_vjp(rows, grows):
    """y_i D_i/S, D_i = (g_i - c) S - sum_j e_j (g_j - c), c = g at the first argmax, in
    double-double (the dominant entry does not cancel), g scaled by a power of 2."""
    st = _vec_state(rows, log=False)
    grows, gk = _vec_gscale(grows)
    c = _sum(_where(st["first"], grows, 0.0), -1)[:, None]
    ah, al = _two_sum(grows, -c)
    al = _where(_isfinite(ah), al, 0.0)
    eh, el, ek = st["eh"], st["el"], st["ek"]
    p, pe = _two_prod(eh, ah)
    gh, gl = _vec_sum2(_ldexp(p, ek))
    gl = gl + _sum(_ldexp(pe + (eh * al + el * ah), ek), -1)
    sh, sl = st["sh"][:, None], st["sl"][:, None]
    q, qe = _two_prod(ah, sh)
    dh, t = _two_sum(q, -gh[:, None])
    dl = t + (qe + ah * sl + al * sh - gl[:, None])
    qh, ql = _dd_div(dh, dl, sh, sl)
    # y * Q = 2**k (eh + el) (qh + ql) / S: one rounding, in the final ldexp
    vh, vl = _dd_mul(eh, el, qh, ql)
    vh, vl = _dd_div(vh, vl, sh, sl)
    out = _vec_ldexp2(vh, vl, ek + gk[:, None])

    def pv(st):
        yi = _vec_pinf_share(st)
        a = grows - c
        return _ldexp(yi * (a - _sum(yi * a, -1, keepdims=True)), gk[:, None])
    return _vec_special(out, st, pv, 0.0)


def _vec_log_softmax_vjp(rows, grows):
    """(g_i S - e_i G)/S, G = sum_j g_j, in double-double, g scaled by a power of 2."""
    st = _vec_state(rows, log=False)
    grows, gk = _vec_gscale(grows)
    Gh, Gl = _vec_sum2(grows)
    Gh, Gl = Gh[:, None], Gl[:, None]
    sh, sl = st["sh"][:, None], st["sl"][:, None]
    eh, el, ek = st["eh"], st["el"], st["ek"]
    p1, p1e = _two_prod(grows, sh)
    p2, p2e = _two_prod(eh, Gh)
    nh, t = _two_sum(p1, -_ldexp(p2, ek))
    nl = t + ((p1e + grows * sl) - _ldexp(p2e + (eh * Gl + el * Gh), ek))
    qh, ql = _dd_div(nh, nl, sh, sl)
    out = _vec_ldexp2(qh, ql, gk[:, None])

    def pv(st):
        return _ldexp(grows - _vec_pinf_share(st) * _sum(grows, -1, keepdims=True), gk[:, None])
    return _vec_special(out, st, pv, 0.0)


# Float-precision row kernels, for float32, float16 and bfloat16 rows (computed in
# float64, rounded once), where the double-double ones above would cost 200 to 900
# times the framework's own softmax.  Plain float64 is enough there: d = x - m of two
# floats is exact unless their exponents differ by more than 29, and then exp(d) is
# below float's range or d's rounding (2^-53 relative) moves exp(d) by |d| 2^-53 <=
# 2^-46 (|d| <= 104 where exp(d) is a float); exp, the sum of n terms (torch and XLA
# sum pairwise) and the quotient add a few 2^-53 each, far below float's half ulp
# (2^-24).  log_softmax takes log1p of R = S - 1 summed without the row's maxima (their
# count minus one added exactly), so -log S stays accurate where S is near 1.
# logsumexp (m + log S cancels near m = -log S) and the VJPs (g_i - sum_j y_j g_j cancels
# near the weighted mean) are exact only where that cancellation is mild, so they carry a
# certificate, as the C float kernels do (vector.h): a row's plain float64 result stands
# where every output's numerator is at least _VEC_CERT of the magnitudes it sums (its
# error, a few 2^-53 of them each and log2(n) 2^-53 from the pairwise sums, is then
# below 2^-28 of it for rows up to 2^20 long, 2^-4 of a float ulp); the other rows (and
# those with nan or infinities) are computed again by the double-double kernel, alone
# (_rows_redone).

# The certificate's ratio: |numerator| >= _VEC_CERT * (sum of the magnitudes of its terms).
_VEC_CERT = 2.0 ** -20

def _vec_float_parts(rows):
    """The row masks of :func:`_vec_rows`, d = x - m and e = exp(d) in float64."""
    st = _vec_rows(rows)
    d = st["xs"] - st["m"][:, None]
    return st, d, _exp(d)


def _vec_softmax_x(rows):
    """exp(x_j - m)/sum_i exp(x_i - m) at float precision."""
    st, d, e = _vec_float_parts(rows)
    out = e / _sum(e, -1)[:, None]
    return _vec_special(out, st, _vec_pinf_share, 0.0)


def _vec_float_r(d, e):
    """R = S - 1: the sum of exp(x_i - m) over the entries below the max plus (the number
    of maxima - 1), exact where S is near 1."""
    top = d == 0
    return _sum(_where(top, 0.0, e), -1) + (_sum(_where(top, 1.0, 0.0), -1) - 1.0)


def _vec_log_softmax_x(rows):
    """(x_j - m) - log1p(R) at float precision."""
    st, d, e = _vec_float_parts(rows)
    out = d - _log1p(_vec_float_r(d, e))[:, None]
    return _vec_special(out, st, _vec_pinf_log, -_INF)


def _vec_uncertified(st, num, mag):
    """The rows the float kernels leave to the double-double ones: some |num| below
    _VEC_CERT * mag (or not finite: the comparison fails on nan), or a special row."""
    bad = _any(~(_abs(num) >= _VEC_CERT * mag), -1)
    return bad if st["finite"] else bad | st["nan"] | st["pinf"] | st["ninf"]


def _vec_logsumexp_x(rows):
    """m + log1p(R) at float precision; certified: |m + log S| >= _VEC_CERT (|m| + log S)."""
    st, d, e = _vec_float_parts(rows)
    lp = _log1p(_vec_float_r(d, e))
    out = st["m"] + lp
    bad = _vec_uncertified(st, out[:, None], (_abs(st["m"]) + lp)[:, None])
    return _rows_redone(bad, out, _vec_logsumexp, rows)


def _vec_softmax_vjp_x(rows, grows):
    """e_i D_i/S^2, D_i = a_i S - A, a = g - c (c = g at the first argmax), A = sum_j e_j a_j,
    at float precision; certified: |D_i| >= _VEC_CERT (|a_i| S + sum_j |e_j a_j|)."""
    st, d, e = _vec_float_parts(rows)
    a = grows - _sum(_where(_vec_first(st["xs"]), grows, 0.0), -1)[:, None]
    s = _sum(e, -1)[:, None]
    ea = e * a
    num = a * s - _sum(ea, -1)[:, None]
    bad = _vec_uncertified(st, num, _abs(a) * s + _sum(_abs(ea), -1)[:, None])
    return _rows_redone(bad, (e * num) / (s * s), _vec_softmax_vjp, rows, grows)


def _vec_log_softmax_vjp_x(rows, grows):
    """D_i/S, D_i = g_i S - e_i G, G = sum_j g_j, at float precision; certified:
    |D_i| >= _VEC_CERT (|g_i| S + e_i sum_j |g_j|)."""
    st, d, e = _vec_float_parts(rows)
    s = _sum(e, -1)[:, None]
    num = grows * s - e * _sum(grows, -1)[:, None]
    bad = _vec_uncertified(st, num, _abs(grows) * s + e * _sum(_abs(grows), -1)[:, None])
    return _rows_redone(bad, num / s, _vec_log_softmax_vjp, rows, grows)


#: row kernel -> its float-precision version (float32, float16 and bfloat16 rows)
_VEC_FLOAT = {_vec_softmax: _vec_softmax_x, _vec_logsumexp_grad: _vec_softmax_x,
              _vec_log_softmax: _vec_log_softmax_x, _vec_logsumexp: _vec_logsumexp_x,
              _vec_softmax_vjp: _vec_softmax_vjp_x, _vec_log_softmax_vjp: _vec_log_softmax_vjp_x}
