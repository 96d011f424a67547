"""Vector activations along an axis: logsumexp, softmax, log_softmax, their
gradient and vector-Jacobian products.
Every kernel works on rows x[0..n-1] (the chosen axis) with m = max(x) and
d_i = x_i - m carried exactly as a double-double dh + dl (two-sum), so that
exp(d_i) = exp(dh) * (1 + dl) does not amplify the rounding of x_i - m.
Sums are compensated (pairwise two-sum cascade, the errors summed apart) and
the log of S = sum exp(d_i) = 1 + R, R = sum over every entry but the first
argmax, is computed as log1p(R) in double-double, so logsumexp = m + L,
log_softmax = d - L and softmax = exp(d - L) stay within about 1 ULP.
float32 input is promoted to float64 for the computation and rounded once
at the end: NumPy's float32 exp is a SIMD approximation of about 2 ULP,
while float64 work rounded once gives float32 results within 0.5 ULP plus
a 2**-29 ULP double-rounding term. The C kernels do the same.
For float32 (and float16) rows softmax, log_softmax and logsumexp need no
double-double at all: plain float64 (exact shifts, NumPy's exp, a pairwise sum,
log1p) is within about 2**-45 before the final rounding (_vec_narrow_state),
except where logsumexp's m + L or a VJP's numerator cancels (near lse = 0, near a
cotangent's weighted mean): those rows carry a certificate (_VEC_CERT), as the C
kernels' do, and the rows that fail it take the double-double kernels.
"""

import math

import numpy

from symact.emit.numpy.runtime.api import _F64, _asfloat, _out, _result_dtype
from symact.emit.numpy.runtime.constants import (_EXP2_64, _INV_FACT_DD, _INV_LN2_64, _INV_ODD_DD, _LN2,
                                                 _LN2_64_SPLIT, _SQRT_HALF)
from symact.emit.numpy.runtime.doubleword import _dd_add, _dd_div, _dd_mul, _fast_two_sum, _split, _two_prod, _two_sum

# Below this shifted argument exp() is 0 in float64 (e**-745 < 2**-1074 / 2).
_VEC_EXP_FLOOR = -746.0
# The VJPs keep exp(d) as 2**k * (eh + el) down to d = -2000: times a
# cotangent (scaled to 2**900 by _vec_gscale) it can matter though exp(d)
# alone is below the float64 range.
_VEC_VJP_FLOOR = -2000.0
# The smallest normal float64.
_TINY_NORMAL = float(numpy.finfo(numpy.float64).tiny)
# The float rows' certificate (the C kernels' SYMACT__VF_CERT): a plain float64 result
# stands where its numerator is at least this fraction of the sum of its terms'
# magnitudes, whose error (a few 2^-53, and log2(n) 2^-53 from NumPy's pairwise sums) is
# then below 2^-28 of it, a 16th of a float ulp.
_VEC_CERT = 2.0 ** -20
# Elements per block of the double-double exp (cache-sized temporaries).
_VEC_BLOCK = 32768
# 2**(j/64) as double-doubles, indexed by an array of j
_VEC_EXP2_T_HI = numpy.array([t[0] for t in _EXP2_64])
_VEC_EXP2_T_LO = numpy.array([t[1] for t in _EXP2_64])








def _vec_sum2(t):
    """Compensated sum of ``t`` along the last axis as a double-double (hi, lo).

    Pairwise cascade of TwoSum: every addition's rounding error is kept and
    the errors are summed apart, so hi + lo = sum(t) with a relative error of
    about log2(n) * 2**-106 * sum|t| / |sum t| (Ogita, Rump & Oishi 2005,
    "Accurate sum and dot product", Sum2 in pairwise order).
    """
    errs = []
    while t.shape[-1] > 1:
        if t.shape[-1] % 2:
            t = numpy.concatenate([t, numpy.zeros(t.shape[:-1] + (1,))], axis=-1)
        s, e = _two_sum(t[..., 0::2], t[..., 1::2])
        errs.append(e.sum(axis=-1))
        t = s
    hi = t[..., 0]
    lo = numpy.sum(errs, axis=0) if errs else numpy.zeros_like(hi)
    return _two_sum(hi, lo)










def _vec_exp2(h, l):
    """exp(h + l) as 2**k * (eh + el); see _vec_exp2_block.

    Evaluated in blocks of _VEC_BLOCK elements: the ~100 temporaries of the
    double-double arithmetic then stay in cache instead of being allocated
    (and page-faulted) at full size each.
    """
    h, l = numpy.broadcast_arrays(numpy.asarray(h, dtype=numpy.float64), numpy.asarray(l, dtype=numpy.float64))
    if h.size <= _VEC_BLOCK:
        return _vec_exp2_block(h, l)
    hf, lf = h.ravel(), l.ravel()
    eh, el = numpy.empty(hf.shape), numpy.empty(hf.shape)
    k = numpy.empty(hf.shape, dtype=numpy.int64)
    for i in range(0, hf.size, _VEC_BLOCK):
        sl = slice(i, i + _VEC_BLOCK)
        eh[sl], el[sl], k[sl] = _vec_exp2_block(hf[sl], lf[sl])
    return eh.reshape(h.shape), el.reshape(h.shape), k.reshape(h.shape)


def _vec_exp2_block(h, l):
    """exp(h + l) for h <= 0 as 2**k * (eh + el), (eh + el) a double-double.

    h + l = n ln2/64 + r with n = round(64 h / ln 2), r carried in
    double-double (Cody-Waite three-part ln2/64), |r| <= ln2/128 + |l|;
    exp(h + l) = 2**(n // 64) * 2**((n mod 64)/64) * exp(r) with the table
    in double-double and exp(r) = 1 + r + r**2/2! + ... + r**12/12!
    (r**13/13! < 2**-128) by Horner, double-double up to degree 5 (Tang 1989, "Table-driven
    implementation of the exponential function"). Relative error about
    2**-104, far below the float64 rounding, so that sums and differences of
    exp values keep their digits (the softmax VJP and logsumexp near 0 need
    them). h is clipped to [-746, 0] by the caller; returns (eh, el, k).
    """
    n = numpy.rint(h * _INV_LN2_64)
    c1, c2, c3 = _LN2_64_SPLIT
    rh = h - n * c1                              # exact (Sterbenz)
    p, pe = _two_prod(n, c2)
    rh, t = _two_sum(rh, -p)
    rh, rl = _dd_add(rh, t, l, -(pe + n * c3))
    # 1/6! + r/7! + ... + r**6/12! in float64: its rounding, times r**6, is
    # below 2**-106; the terms of degree <= 5 in double-double.
    ph = _INV_FACT_DD[-1][0]
    for ch, _ in _INV_FACT_DD[-2:3:-1]:
        ph = ph * rh + ch
    pl = 0.0
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
    ni = n.astype(numpy.int64)
    j = ni & 63
    th, tl = _VEC_EXP2_T_HI[j], _VEC_EXP2_T_LO[j]
    qh, ql = _dd_mul(th, tl, ph, pl)
    eh, el = _dd_add(th, tl, qh, ql)
    return eh, el, ni >> 6


def _vec_ldexp2(h, l, k):
    """(h + l) * 2**k rounded once, also when the result is subnormal.

    ldexp(h + l, k) rounds twice there (to 53 bits, then to the subnormal
    grid); instead the first rounding's exact residual plus l decides whether
    to step one subnormal ulp.
    """
    v = numpy.ldexp(h + l, k)
    sub = numpy.abs(v) < _TINY_NORMAL
    if not sub.any():
        return v
    kk = numpy.broadcast_to(k, v.shape)
    w = numpy.ldexp(h, kk)
    r = (h - numpy.ldexp(w, -kk)) + l                 # h - ldexp(w, -k) is exact
    half = numpy.ldexp(0.5, -1074 - kk)               # half a subnormal ulp, unscaled
    w = numpy.where(r > half, numpy.nextafter(w, numpy.inf), numpy.where(r < -half, numpy.nextafter(w, -numpy.inf), w))
    return numpy.where(sub & numpy.isfinite(h), w, v)


def _vec_log1p2(rh, rl):
    """log(1 + R) for R = rh + rl >= 0 as a double-double (lh, ll).

    S = 1 + R = 2**k * f with f in [sqrt(1/2), sqrt(2)), then
    log S = k ln 2 + 2 atanh(s), s = (f - 1) / (f + 1), |s| <= 0.1716, and
    2 atanh(s) = 2s (1 + s**2 sum_i s**(2i) / (2i + 3)) (Abramowitz & Stegun
    4.1.27), all in double-double with 22 terms (s**46 / 47 < 2**-120), so
    that m + log S keeps its digits when it cancels (e.g. ties at -log n).
    """
    sh, t = _two_sum(1.0, rh)
    sh, sl = _two_sum(sh, t + rl)
    return _vec_log_dd(sh, sl)


def _vec_log_dd(sh, sl):
    """log(S) for a double-double S = sh + sl > 0 (normal, |sl| <= ulp(sh)) as a
    double-double; the method of :func:`_vec_log1p2`."""
    mant, ex = numpy.frexp(sh)
    k = numpy.where(mant < _SQRT_HALF, ex - 1, ex)
    fh = numpy.ldexp(sh, -k)
    fl = numpy.ldexp(sl, -k)
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
    kh, kl = _two_prod(k.astype(numpy.float64), _LN2[0])
    kh, kl = _fast_two_sum(kh, kl + k * _LN2[1])
    return _dd_add(kh, kl, 2.0 * th, 2.0 * tl)


def _vec_state(rows):
    """Row statistics shared by every kernel (rows: float64 (r, n), n >= 1).

    Returns a dict with: m (row max, 0 where not finite), the exact shift
    dh + dl = x - m, exp(d) = 2**ek (eh + el) unscaled (0 below the VJP
    floor) and e + ec = exp(d) scaled, the first argmax k, S = 1 + R and
    L = log S as double-doubles, and the row masks nan / pinf (some +inf) /
    ninf (all -inf).
    """
    st = {}
    r, n = rows.shape
    nan = numpy.isnan(rows).any(axis=1)
    pin = rows == numpy.inf
    pinf = pin.any(axis=1) & ~nan
    with numpy.errstate(all="ignore"):
        m = rows.max(axis=1)
    ninf = (m == -numpy.inf)
    ok = ~(nan | pinf | ninf)
    xs = numpy.where(ok[:, None], rows, 0.0)
    ms = numpy.where(ok, m, 0.0)
    k = numpy.argmax(xs, axis=1)
    dh, dl = _two_sum(xs, -ms[:, None])
    fin = numpy.isfinite(dh)
    dl = numpy.where(fin, dl, 0.0)
    low = dh < _VEC_VJP_FLOOR
    eh, el, ek = _vec_exp2(numpy.where(low, _VEC_VJP_FLOOR, dh), numpy.where(low, 0.0, dl))
    eh = numpy.where(low, 0.0, eh)
    el = numpy.where(low, 0.0, el)
    e = numpy.ldexp(eh, ek)                      # underflows harmlessly: S >= 1
    ec = numpy.ldexp(el, ek)
    ridx = numpy.arange(r)
    terms = e.copy()
    terms[ridx, k] = 0.0                    # R excludes the first argmax (e = 1)
    rh, rl = _vec_sum2(terms)
    rl = rl + ec.sum(axis=1)
    rh, rl = _two_sum(rh, rl)
    sh, t = _two_sum(1.0, rh)
    sh, sl = _two_sum(sh, t + rl)
    lh, ll = _vec_log1p2(rh, rl)
    cnt = pin.sum(axis=1)
    st.update(m=ms, dh=dh, dl=dl, eh=eh, el=el, ek=ek, e=e, ec=ec, k=k, sh=sh, sl=sl,
              lh=lh, ll=ll, nan=nan, pinf=pinf, ninf=ninf, pin=pin,
              cnt=numpy.maximum(cnt, 1).astype(numpy.float64))
    return st


def _vec_log_softmax_rows(st):
    s, t = _two_sum(st["dh"], -st["lh"][:, None])
    fin = numpy.isfinite(st["dh"])
    lo = numpy.where(fin, t, 0.0) + (st["dl"] - st["ll"][:, None])
    return s, lo


def _vec_softmax_rows(st):
    """softmax = exp(d) / S with both in double-double, rounded once (ldexp)."""
    qh, ql = _dd_div(st["eh"], st["el"], st["sh"][:, None], st["sl"][:, None])
    return _vec_ldexp2(qh, ql, st["ek"])


def _vec_gscale(grows):
    """g * 2**-k per row, k chosen so that max|g * 2**-k| is in [2**899, 2**900).

    The VJPs are linear in g; a power-of-2 scale is exact (but for parts far
    below the row's largest), keeps the double-double products, sums and
    Dekker's split from overflowing for any finite g, and puts products with
    exp(x_j - m) far below 2**-1074 in range. Returns (scaled rows, k).
    """
    a = numpy.abs(grows)
    gmax = numpy.where(numpy.isfinite(a), a, 0.0).max(axis=1)
    k = numpy.where(gmax > 0, numpy.frexp(gmax)[1] - 900, 0)
    return numpy.ldexp(grows, -k[:, None]), k


def _vec_special(out, st, nan_val, pinf_vals, ninf_val):
    """Overwrite the special rows of ``out`` per the the special-value contract, docs/contract.md."""
    out[st["nan"]] = numpy.nan
    out[st["ninf"]] = ninf_val
    if st["pinf"].any():
        out[st["pinf"]] = pinf_vals[st["pinf"]]
    return out


def _vec_blocked(core, rows, grows=None, width=None):
    """core(rows block[, g block]) over blocks of about _VEC_BLOCK elements.

    Row blocks keep the temporaries of the double-double arithmetic in cache
    (each kernel makes ~100 of them); the result is the same as one call.
    ``width``: the core's result per row: None a row like the input, 0 one
    value, k > 0 k values.
    """
    r, n = rows.shape
    step = max(1, _VEC_BLOCK // max(n, 1))
    out = numpy.empty((r, n) if width is None else (r, width) if width else r)
    with numpy.errstate(all="ignore"):
        for i in range(0, r, step):
            sl = slice(i, i + step)
            xb = numpy.asarray(rows[sl], dtype=_F64)          # float32 rows: float64 work
            out[sl] = core(xb) if grows is None else core(xb, numpy.asarray(grows[sl], dtype=_F64))
    return out


def _vec_narrow_state(rows):
    """Row statistics for rows that hold float32 or float16 values, in plain float64.

    x_i - m is exact or nearly (two floats of 24 bits or fewer), exp(x_i - m) is NumPy's
    float64 exp (within an ulp of float64), R = sum over every entry but the first
    argmax a pairwise float64 sum: each is within about 2**-45 of its value, far
    below half an ulp of float32 (2**-24), so softmax, log_softmax and (away from
    cancellation, see :func:`_vec_lse_narrow`) logsumexp round to float32 as the
    double-double kernels do, in a tenth of the passes."""
    nan = numpy.isnan(rows).any(axis=1)
    pin = rows == numpy.inf
    pinf = pin.any(axis=1) & ~nan
    m = rows.max(axis=1)
    ninf = m == -numpy.inf
    ms = numpy.where(nan | pinf | ninf, 0.0, m)
    d = rows - ms[:, None]
    e = numpy.exp(d)
    ridx = numpy.arange(rows.shape[0])
    k = numpy.argmax(rows, axis=1)
    ek = e[ridx, k]
    e[ridx, k] = 0.0
    rsum = e.sum(axis=1)                         # R: every entry but the first argmax
    e[ridx, k] = ek
    cnt = pin.sum(axis=1)
    return {"m": ms, "d": d, "e": e, "R": rsum, "k": k, "nan": nan, "pinf": pinf, "ninf": ninf, "pin": pin,
            "cnt": numpy.maximum(cnt, 1).astype(numpy.float64)}


def _vec_redo_uncertified(st, num, mag, out, core, rows, grows):
    """``out`` with the rows where some |num| < _VEC_CERT mag (nan included) or that are
    special (nan, +inf, all -inf) computed again by the double-double ``core``."""
    bad = ~(numpy.abs(num) >= _VEC_CERT * mag).all(axis=1) | st["nan"] | st["pinf"] | st["ninf"]
    if bad.any():
        i = bad.nonzero()[0]
        out[i] = core(rows[i], grows[i])
    return out


def _vec_softmax_vjp_narrow(rows, grows):
    """The softmax VJP e_i D_i/S^2 (see :func:`_vec_core_softmax_vjp`) of float rows in plain
    float64, certified: |D_i| >= _VEC_CERT (|a_i| S + sum_j |e_j a_j|), a = g - c."""
    st = _vec_narrow_state(rows)
    a = grows - grows[numpy.arange(rows.shape[0]), st["k"]][:, None]
    e, s = st["e"], (1 + st["R"])[:, None]
    ea = e * a
    num = a * s - ea.sum(axis=1)[:, None]
    mag = numpy.abs(a) * s + numpy.abs(ea).sum(axis=1)[:, None]
    return _vec_redo_uncertified(st, num, mag, e * num / (s * s), _vec_softmax_vjp_core, rows, grows)


def _vec_log_softmax_vjp_narrow(rows, grows):
    """The log_softmax VJP (g_i S - e_i G)/S of float rows in plain float64, certified:
    |g_i S - e_i G| >= _VEC_CERT (|g_i| S + e_i sum_j |g_j|)."""
    st = _vec_narrow_state(rows)
    e, s = st["e"], (1 + st["R"])[:, None]
    num = grows * s - e * grows.sum(axis=1)[:, None]
    mag = numpy.abs(grows) * s + e * numpy.abs(grows).sum(axis=1)[:, None]
    return _vec_redo_uncertified(st, num, mag, num / s, _vec_log_softmax_vjp_core, rows, grows)


def _vec_softmax_narrow(rows):
    st = _vec_narrow_state(rows)
    out = st["e"] / (1 + st["R"])[:, None]
    pv = numpy.where(st["pin"], 1.0 / st["cnt"][:, None], 0.0)
    return _vec_special(out, st, numpy.nan, pv, 0.0)


def _vec_log_softmax_narrow(rows):
    st = _vec_narrow_state(rows)
    out = st["d"] - numpy.log1p(st["R"])[:, None]
    pv = numpy.where(st["pin"], 0.0 - numpy.log(st["cnt"])[:, None], -numpy.inf)
    return _vec_special(out, st, numpy.nan, pv, -numpy.inf)


def _vec_lse_narrow(rows):
    """m + log1p(R) in float64; rows where that sum cancels (below 2**-20 of its terms:
    ties near -log n) go through the double-double kernel."""
    st = _vec_narrow_state(rows)
    lp = numpy.log1p(st["R"])
    out = st["m"] + lp
    out[st["nan"]] = numpy.nan
    out[st["ninf"]] = -numpy.inf
    out[st["pinf"]] = numpy.inf
    close = ~(numpy.abs(out) >= _VEC_CERT * (numpy.abs(st["m"]) + lp))
    if close.any():
        i = close.nonzero()[0]
        out[i] = _vec_lse_core(rows[i])
    return out


def _vec_lse_core(rows):
    st = _vec_state(rows)
    s, t = _two_sum(st["m"], st["lh"])
    out = s + (t + st["ll"])
    out[st["nan"]] = numpy.nan
    out[st["ninf"]] = -numpy.inf
    out[st["pinf"]] = numpy.inf
    return out


def _vec_core_logsumexp(rows):
    r"""log(sum_i exp(x_i)) per row (rows: float64 (r, n), n >= 1).

    .. math:: \mathrm{lse}(x) = m + \operatorname{log1p}(R),\quad
              m = \max_i x_i,\ R = \sum_{i \ne k} e^{x_i - m}

    with k the first argmax, x_i - m exact as a double-double (two-sum),
    exp(x_i - m) in double-double, R a compensated sum and log1p(R) in
    double-double; stable form of the LogSumExp (Nielsen & Sun 2016;
    docs/numerics.md pitfall 12), accurate also where m + log1p(R) cancels.
    Special values: +inf in a row gives +inf, an all -inf row gives -inf, nan
    gives nan.
    """
    return _vec_blocked(_vec_lse_core if rows.dtype == _F64 else _vec_lse_narrow, rows, width=0)


def _vec_log_softmax_core(rows):
    st = _vec_state(rows)
    h, l = _vec_log_softmax_rows(st)
    out = numpy.where(numpy.isfinite(h), h + l, h)
    pv = numpy.where(st["pin"], 0.0 - numpy.log(st["cnt"])[:, None], -numpy.inf)
    return _vec_special(out, st, numpy.nan, pv, -numpy.inf)


def _vec_core_log_softmax(rows):
    r"""log(softmax(x)) per row: x_j - lse(x), never log(softmax).

    .. math:: \log\operatorname{softmax}(x)_j = (x_j - m) - \operatorname{log1p}(R)

    with x_j - m and log1p(R) as double-doubles (see :func:`_vec_core_logsumexp`), so
    the dominant entry gets -log1p(R) (not 0) and entries far below the max
    keep every digit (docs/numerics.md pitfall 13; PyTorch LogSoftmax). Special
    values: a row with +inf entries gives -log(count) on them and -inf
    elsewhere; an all -inf row gives -inf; nan in a row gives a nan row.
    """
    return _vec_blocked(_vec_log_softmax_core if rows.dtype == _F64 else _vec_log_softmax_narrow, rows)


def _vec_softmax_core(rows):
    st = _vec_state(rows)
    out = _vec_softmax_rows(st)
    pv = numpy.where(st["pin"], 1.0 / st["cnt"][:, None], 0.0)
    return _vec_special(out, st, numpy.nan, pv, 0.0)


def _vec_core_softmax(rows):
    r"""exp(x_j) / sum_i exp(x_i) per row (Bridle 1990).

    .. math:: \operatorname{softmax}(x)_j = \frac{e^{x_j - m}}{S},\quad S = 1 + R

    with x_j - m exact (two-sum), its exp and S in double-double and one
    final rounding (also into the subnormals), so entries far below the max
    are not spoiled by the rounding of x_j - m, which a plain exp amplifies
    (docs/numerics.md pitfall 13). Special values: a row with +inf entries is
    uniform over them and 0 elsewhere; an all -inf row gives 0; nan in a row
    gives a nan row.
    """
    return _vec_blocked(_vec_softmax_core if rows.dtype == _F64 else _vec_softmax_narrow, rows)


def _vec_core_logsumexp_grad(rows):
    """Gradient of the logsumexp: d lse / d x_j = exp(x_j - lse(x)) = softmax(x)_j.

    Same kernel and special values as :func:`_vec_core_softmax`; an all -inf row
    has gradient 0 (masked rows contribute nothing, unlike PyTorch #31829 and
    JAX #6811, which return nan).
    """
    return _vec_core_softmax(rows)


def _vec_softmax_vjp_core(rows, grows):
    st = _vec_state(rows)
    grows, gk = _vec_gscale(grows)
    ridx = numpy.arange(rows.shape[0])
    c = grows[ridx, st["k"]][:, None]
    ah, al = _two_sum(grows, -c)
    al = numpy.where(numpy.isfinite(ah), al, 0.0)
    eh, el, ek = st["eh"], st["el"], st["ek"]
    p, pe = _two_prod(eh, ah)
    gh, gl = _vec_sum2(numpy.ldexp(p, ek))
    gl = gl + numpy.ldexp(pe + (eh * al + el * ah), ek).sum(axis=1)
    sh, sl = st["sh"][:, None], st["sl"][:, None]
    q, qe = _two_prod(ah, sh)
    dh, t = _two_sum(q, -gh[:, None])
    dl = t + (qe + ah * sl + al * sh - gl[:, None])
    qh, ql = _dd_div(dh, dl, sh, sl)
    # y * Q = 2**k (eh + el) (qh + ql) / S: one rounding, in the final ldexp
    vh, vl = _dd_mul(eh, el, qh, ql)
    vh, vl = _dd_div(vh, vl, sh, sl)
    out = _vec_ldexp2(vh, vl, ek + gk[:, None])
    if st["pinf"].any():
        yi = numpy.where(st["pin"], 1.0 / st["cnt"][:, None], 0.0)
        a = grows - c
        pv = numpy.ldexp(yi * (a - (yi * a).sum(axis=1, keepdims=True)), gk[:, None])
    else:
        pv = out
    return _vec_special(out, st, numpy.nan, pv, 0.0)


def _vec_core_softmax_vjp(rows, grows):
    r"""Vector-Jacobian product of the softmax per row: dx = J^T g = y * (g - sum(g * y)).

    .. math:: dx_i = y_i \frac{D_i}{S},\quad
              D_i = \sum_j e_j (g_i - g_j) = (g_i - c) S - \sum_j e_j (g_j - c)

    with e_j = exp(x_j - m), S = sum_j e_j, y = softmax(x) and c = g at the
    first argmax; the products and sums are double-double, so the dominant
    entry (y_k (g_k - sum g y) = y_k sum_{j != k} y_j (g_k - g_j)) keeps its
    digits instead of cancelling to noise (docs/numerics.md pitfall 13), and
    g = const gives exactly 0. g is scaled by a power of 2 per row, so any
    finite g works. Special values: a row with +inf entries uses the limiting
    softmax (uniform over them); an all -inf row gives 0; nan in x gives a
    nan row.
    """
    return _vec_blocked(_vec_softmax_vjp_core if rows.dtype == _F64 else _vec_softmax_vjp_narrow, rows, grows)


def _vec_log_softmax_vjp_core(rows, grows):
    st = _vec_state(rows)
    grows, gk = _vec_gscale(grows)
    Gh, Gl = _vec_sum2(grows)
    Gh, Gl = Gh[:, None], Gl[:, None]
    sh, sl = st["sh"][:, None], st["sl"][:, None]
    eh, el, ek = st["eh"], st["el"], st["ek"]
    p1, p1e = _two_prod(grows, sh)
    p2, p2e = _two_prod(eh, Gh)
    nh, t = _two_sum(p1, -numpy.ldexp(p2, ek))
    nl = t + ((p1e + grows * sl) - numpy.ldexp(p2e + (eh * Gl + el * Gh), ek))
    qh, ql = _dd_div(nh, nl, sh, sl)
    out = _vec_ldexp2(qh, ql, gk[:, None])
    if st["pinf"].any():
        yi = numpy.where(st["pin"], 1.0 / st["cnt"][:, None], 0.0)
        pv = numpy.ldexp(grows - yi * grows.sum(axis=1, keepdims=True), gk[:, None])
    else:
        pv = out
    return _vec_special(out, st, numpy.nan, pv, 0.0)


def _vec_core_log_softmax_vjp(rows, grows):
    r"""Vector-Jacobian product of the log_softmax per row: dx = g - softmax(x) * sum(g).

    .. math:: dx_i = g_i - \frac{e_i}{S} G = \frac{g_i S - e_i G}{S},\quad
              G = \sum_j g_j

    with e_i = exp(x_i - m), S = sum_j e_j and the products and sums in
    double-double, so the dominant entry (e_k = 1: g_k S - G = g_k R - sum_{j != k} g_j)
    does not cancel (docs/numerics.md pitfall 13). g is scaled by a power of 2 per
    row, so any finite g works. Special values: a row with +inf entries uses
    the limiting softmax (uniform over them); an all -inf row gives 0
    (masked); nan in x gives a nan row.
    """
    return _vec_blocked(_vec_log_softmax_vjp_core if rows.dtype == _F64 else _vec_log_softmax_vjp_narrow,
                        rows, grows)


def _vec_lse_b_core(rows, brows):
    """[log|S|, sign(S)] per row, S = sum_i b_i exp(x_i) (scipy.special.logsumexp's b=).

    Entries with b_i = 0 drop out (as in SciPy, also where x_i is +-inf or nan).
    With m = max x_i over the rest, x_i - m exact and exp(x_i - m) = 2**k_i (eh + el)
    in double-double (as for the unweighted kernel), each term b_i exp(x_i - m) is
    formed exactly from b's mantissa and scaled by a power of 2 relative to the
    largest term (so nothing overflows and the largest term is normal); S is a
    compensated sum and log|S| a double-double log, so for b > 0 the result keeps
    the unweighted kernel's accuracy.  Where the terms of both signs cancel, S
    keeps about 2**-104 of the largest term: the sum's own condition number.
    Special values: a nan term (x or b nan, an infinite b times exp(-inf)) gives
    nan; infinite terms of one sign give log|S| = inf with that sign, of both signs
    nan; no term left (all -inf or all b = 0) gives -inf with sign 0.
    """
    nz = brows != 0
    xs = numpy.where(nz, rows, -numpy.inf)
    binf = numpy.isinf(brows)
    nan_t = numpy.isnan(xs) | numpy.isnan(brows) | (binf & (xs == -numpy.inf))
    inf_t = nz & ~nan_t & ((xs == numpy.inf) | binf)
    pos = (inf_t & (brows > 0)).any(axis=1)
    neg = (inf_t & (brows < 0)).any(axis=1)
    nan = nan_t.any(axis=1) | (pos & neg)
    special = nan | pos | neg
    fin = ~special[:, None] & nz & (xs > -numpy.inf)     # the regular terms
    x0 = numpy.where(fin, xs, -numpy.inf)
    m = x0.max(axis=1)
    ms = numpy.where(numpy.isfinite(m), m, 0.0)
    dh, dl = _two_sum(numpy.where(fin, x0, ms[:, None]), -ms[:, None])
    low = ~fin | (dh < _VEC_VJP_FLOOR)
    eh, el, ek = _vec_exp2(numpy.where(low, 0.0, dh), numpy.where(low, 0.0, dl))
    bm, be = numpy.frexp(numpy.where(fin, brows, 1.0))
    sc = numpy.where(low, -100000, be + ek)                   # log2 of the term, to within 1
    top = sc.max(axis=1)
    top = numpy.where(top < -50000, 0, top)
    p, pe = _two_prod(bm, eh)
    pe = pe + bm * el
    shift = numpy.maximum(sc - top[:, None], -2000)
    th = numpy.where(low, 0.0, numpy.ldexp(p, shift))
    tl = numpy.where(low, 0.0, numpy.ldexp(pe, shift))
    sh, sl = _vec_sum2(th)
    sh, sl = _two_sum(sh, sl + tl.sum(axis=1))
    sign = numpy.sign(sh)
    ah, al = numpy.abs(sh), numpy.where(sh < 0, -sl, sl)
    zero = ah == 0
    lh, ll = _vec_log_dd(numpy.where(zero, 1.0, ah), numpy.where(zero, 0.0, al))
    kh, kl = _two_prod(top.astype(numpy.float64), _LN2[0])
    kl = kl + top * _LN2[1]
    s, t = _two_sum(ms, kh)
    s, t2 = _two_sum(s, lh)
    out = s + (t + t2 + kl + ll)
    out = numpy.where(zero, -numpy.inf, out)
    out = numpy.where(special, numpy.inf, out)
    sign = numpy.where(special, numpy.where(pos, 1.0, -1.0), sign)
    out = numpy.where(nan, numpy.nan, out)
    sign = numpy.where(nan, numpy.nan, sign)
    return numpy.stack([out, sign], axis=1)


# --------------------------------------------------------------------------
# Front end: axes, dtypes, out=; shared with the C backend's loader
# --------------------------------------------------------------------------
def _vec_axes(name, axis, ndim):
    """``axis`` (None: all of them; an int; a tuple of ints) as a sorted tuple of distinct
    axes of an ``ndim``-dimensional array, or ValueError naming it."""
    if axis is None:
        return tuple(range(ndim))
    items = axis if isinstance(axis, tuple) else (axis,)
    out = []
    for ax in items:
        if isinstance(ax, bool) or not isinstance(ax, (int, numpy.integer)):
            raise ValueError(f"{name}: axis must be None, an integer or a tuple of integers, got {axis!r}")
        if not -ndim <= int(ax) < ndim:
            raise ValueError(f"{name}: axis {int(ax)} is out of bounds for an array of dimension {ndim}")
        out.append(int(ax) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: repeated axis in {axis!r}")
    return tuple(sorted(out))


def _vec_layout(name, a, axis):
    """``(rows, layout)``: a's entries as rows (r, n) over the axes of ``axis``, moved
    last (a view when that needs no copy), and what :func:`_vec_put` needs to
    restore the shape.  A 0-d input is one row of one entry."""
    b = a.reshape(1) if a.ndim == 0 else a
    axes = _vec_axes(name, axis, b.ndim)
    k = b.ndim - len(axes)
    moved = numpy.moveaxis(b, axes, range(k, b.ndim))
    r = math.prod(moved.shape[:k])
    n = math.prod(moved.shape[k:])
    return moved.reshape(r, n), (a.shape, b.shape, moved.shape, axes, k)


def _vec_shape(lay, reduces, keepdims=False):
    """The shape of a kernel's result for the input of layout ``lay``."""
    shape, full, moved, axes, k = lay
    if not reduces:
        return shape
    if not shape:
        return ()
    if keepdims:
        return tuple(1 if i in axes else s for i, s in enumerate(full))
    return moved[:k]


def _vec_put(res, lay, reduces, keepdims=False):
    """Rows of results (r, n), or one value per row (r,), in the input's axis order."""
    shape, full, moved, axes, k = lay
    if reduces:
        return res.reshape(_vec_shape(lay, True, keepdims))
    back = numpy.moveaxis(res.reshape(moved), range(k, len(full)), axes)
    return back.reshape(shape)


def _vec_out(name, out, shape, dtype):
    """out checked (see :func:`_out`), or None."""
    return None if out is None else _out(name, out, shape, dtype)


def _vec_result(res, dtype, out):
    """``res`` rounded to ``dtype`` (into ``out`` when given); a 0-d result as a NumPy scalar."""
    with numpy.errstate(all="ignore"):          # float32 overflow rounds to inf
        res = numpy.asarray(res, dtype=dtype)
        if out is not None:
            numpy.copyto(out, res, casting="same_kind")
            return out
    return res if res.ndim else res[()]


def _vec_input(name, x, axis, work):
    """``(rows in the working dtype, layout, result dtype)``."""
    a, dtype = _asfloat(x, name)
    rows, lay = _vec_layout(name, a, axis)
    wdt = (dtype if dtype.itemsize < 8 else _F64) if work is None else work(dtype)
    with numpy.errstate(all="ignore"):
        return numpy.ascontiguousarray(rows, dtype=wdt), lay, dtype, a.shape


def _vec_other(name, what, v, shape, axis, dtype):
    """A second operand (g, b) broadcast to x's shape, as rows like x's."""
    va = numpy.asarray(v)
    _result_dtype(name, va)
    try:
        vb = numpy.broadcast_to(va, shape)
    except ValueError:
        raise ValueError(f"{name}: {what} of shape {va.shape} does not broadcast to x's shape {shape}") from None
    rows, _ = _vec_layout(name, vb, axis)
    with numpy.errstate(all="ignore"):
        return numpy.ascontiguousarray(rows, dtype=dtype)


def _vec_rowwise(name, core, x, axis, out, work=None):
    """``core(rows)`` (softmax, log_softmax, logsumexp_grad) along ``axis``."""
    rows, lay, dtype, shape = _vec_input(name, x, axis, work)
    out = _vec_out(name, out, shape, dtype)
    res = core(rows) if rows.size else rows
    return _vec_result(_vec_put(res, lay, False), dtype, out)


def _vec_rowwise_g(name, core, x, g, axis, out, work=None):
    """``core(rows, g rows)`` (the VJPs) along ``axis``; g broadcasts to x's shape and
    takes x's dtype first (as in the C backend)."""
    rows, lay, dtype, shape = _vec_input(name, x, axis, work)
    grows = _vec_other(name, "g", g, shape, axis, dtype).astype(rows.dtype)
    out = _vec_out(name, out, shape, dtype)
    res = core(rows, grows) if rows.size else rows
    return _vec_result(_vec_put(res, lay, False), dtype, out)


def _vec_lse(name, x, axis, b, keepdims, return_sign, out, core=None, work=None):
    """The logsumexp along ``axis`` (``core``: the unweighted kernel on rows), with
    SciPy's ``b`` weights and ``return_sign``; weighted rows always go through
    :func:`_vec_lse_b_core`."""
    rows, lay, dtype, shape = _vec_input(name, x, axis, work)
    out = _vec_out(name, out, _vec_shape(lay, True, keepdims), dtype)
    if b is None:
        if rows.shape[1] == 0:
            res = numpy.full(rows.shape[0], -numpy.inf)
        else:
            res = (core or _vec_core_logsumexp)(rows)
        sign = numpy.where(numpy.isnan(res), numpy.nan, numpy.where(res == -numpy.inf, 0.0, 1.0))
    else:
        brows = _vec_other(name, "b", b, shape, axis, _F64)
        if rows.shape[1] == 0:
            both = numpy.tile([-numpy.inf, 0.0], (rows.shape[0], 1))
        else:
            both = _vec_blocked(_vec_lse_b_core, rows.astype(_F64), brows, width=2)
        res, sign = both[:, 0], both[:, 1]
        if not return_sign:
            res = numpy.where(sign < 0, numpy.nan, res)
    lse = _vec_result(_vec_put(res, lay, True, keepdims), dtype, out)
    if return_sign:
        return lse, _vec_result(_vec_put(sign, lay, True, keepdims), dtype, None)
    return lse
